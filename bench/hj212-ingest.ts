/**
 * HJ 212 ingest end to end: the platform as `npm start` runs it (child process, roles web,ingest) on a
 * scratch PostgreSQL database, loggers over real TCP, every packet stored (raw log + reading, one
 * transaction per micro-batch) and acknowledged with 9014 after commit.
 *
 *   ulimit -n 30000   # the 10,000-connection phase needs > 10,000 descriptors in both processes
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/hj212-ingest.ts \
 *     [--points 100] [--connections 1000] [--window 8] [--seconds 10] [--rate 10000] [--hold 10000]
 *
 * Phases: (1) sustained throughput — `connections` loggers, each keeping `window` packets unacknowledged,
 * for `seconds` (the first 2 s not counted); (2) send→ack latency at fixed offered rates (open loop): 100/s
 * (10× the reference deployment) and half the sustained rate (capped by --rate), p50/p99; (3) `hold` concurrent logger connections, each acknowledged once, held 5 s,
 * then acknowledged again. The reference deployment's real load is ~10 packets/s (headroom printed).
 */
import net from 'node:net';
import os from 'node:os';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort, intArg, loadAverage, percentile, startPlatform, stopPlatform } from './support.ts';
import { openDatabase } from '../src/platform/db/index.ts';
import { systemActor, silentLogger } from '../src/platform/context.ts';
import { systemClock } from '../src/platform/clock.ts';
import { registerPoint } from '../src/modules/environment/index.ts';
import { encodeUpload, hj212Time } from '../src/modules/environment/hj212/encode.ts';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  console.log('bench/hj212-ingest.ts needs DATABASE_URL (a PostgreSQL server; a scratch database is created and dropped). Skipped.');
  process.exit(0);
}
const POINTS = intArg('points', 100);
const CONNECTIONS = intArg('connections', 1000);
const WINDOW = intArg('window', 8);
const SECONDS = intArg('seconds', 10);
const RATE = intArg('rate', 10000);
const HOLD = intArg('hold', 10000);
const PW = 'bench212';

const dbName = `egov_bench_hj212_${randomBytes(4).toString('hex')}`;
async function admin(q: string): Promise<void> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  await c.query(q);
  await c.end();
}
const scratchUrl = (() => {
  const u = new URL(serverUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

const mnOf = (i: number) => `0B${String(i).padStart(22, '0')}`;
const base = Date.now() - 24 * 3600_000;
const seqByPoint = new Array<number>(POINTS).fill(0);
function packet(point: number): string {
  seqByPoint[point] += 1;
  return encodeUpload({
    style: '2017', qn: hj212Time(new Date(), true), st: '31', cn: '2011', pw: PW, mn: mnOf(point),
    dataTime: hj212Time(new Date(base + seqByPoint[point] * 1000)),
    pollutants: [{ code: 'a21026', rtd: 20 + (seqByPoint[point] % 10), flag: 'N' }, { code: 'a21002', rtd: 30.5, flag: 'N' }, { code: 'a34013', rtd: 4.2, flag: 'N' }, { code: 'a19001', rtd: 7.1, flag: 'N' }, { code: 'a00000', rtd: 180.3, flag: 'N' }],
    decimals: 2,
  });
}

/** A logger connection: sends, and matches answers to send times in order (answers come in arrival order). */
class Conn {
  readonly socket: net.Socket;
  private buf = '';
  readonly sentAt: number[] = [];
  acks = 0;
  refused = 0;
  closed = false;
  onAnswer: ((latencyMs: number, ok: boolean) => void) | null = null;
  constructor(port: number, readonly point: number) {
    this.socket = net.connect({ port, host: '127.0.0.1' });
    this.socket.setNoDelay(true);
    this.socket.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      let i: number;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        const ok = this.buf.slice(0, i).includes('CN=9014');
        this.buf = this.buf.slice(i + 2);
        const t = this.sentAt.shift();
        if (ok) this.acks += 1;
        else this.refused += 1;
        if (t !== undefined) this.onAnswer?.(performance.now() - t, ok);
      }
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => (this.closed = true));
  }
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.socket.connecting) return resolve();
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }
  send(): void {
    this.sentAt.push(performance.now());
    this.socket.write(packet(this.point));
  }
  get inFlight(): number {
    return this.sentAt.length;
  }
}

async function openConnections(port: number, n: number): Promise<Conn[]> {
  const conns: Conn[] = [];
  for (let i = 0; i < n; i += 500) {
    const batch = Array.from({ length: Math.min(500, n - i) }, (_, k) => new Conn(port, (i + k) % POINTS));
    await Promise.all(batch.map((c) => c.ready()));
    conns.push(...batch);
  }
  return conns;
}

/** CPU seconds (user + system) used so far by these processes (Linux /proc; 0 elsewhere). */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone, or not Linux
    }
  }
  return ticks / 100;
}

/** The PostgreSQL backends serving the scratch database (the platform's pool). */
async function backendPids(): Promise<number[]> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  const r = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [dbName]);
  await c.end();
  return r.rows.map((x) => x.pid);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await admin(`CREATE DATABASE ${dbName}`);
const port = await freePort();
let server: Awaited<ReturnType<typeof startPlatform>> | null = null;
try {
  console.log(`# hj212-ingest: ${os.availableParallelism()} CPUs, load average ${loadAverage()}, PostgreSQL scratch database ${dbName}`);
  server = await startPlatform({ DATABASE_URL: scratchUrl, EGOV_ROLES: 'web,ingest', HJ212_PORT: String(port), EGOV_SEED_DEMO: 'false', LOG_LEVEL: 'error' });
  console.log(`platform ready in ${Math.round(server.readyMs)} ms; registering ${POINTS} points`);
  const database = await openDatabase({ url: scratchUrl, poolSize: 4 });
  const ctx = { actor: systemActor, db: database.db, clock: systemClock, requestId: 'bench', log: silentLogger };
  for (let i = 0; i < POINTS; i += 1) await registerPoint(ctx, { mn: mnOf(i), pw: PW, medium: 'air' });
  await database.close();

  // (1) sustained throughput, closed loop.
  let conns = await openConnections(port, CONNECTIONS);
  console.log(`${conns.length} connections open; phase 1: window ${WINDOW}, ${SECONDS} s`);
  let counting = false;
  let stop1 = false;
  let counted = 0;
  const lat1: number[] = [];
  for (const c of conns) {
    c.onAnswer = (ms, ok) => {
      if (counting && ok) {
        counted += 1;
        if (counted % 10 === 0) lat1.push(ms);
      }
      if (!stop1) c.send();
    };
  }
  for (const c of conns) for (let k = 0; k < WINDOW; k += 1) c.send();
  await sleep(2000);
  const pids = [server.child.pid ?? 0, ...(await backendPids())];
  const serverCpu0 = cpuSeconds(pids.slice(0, 1));
  const pgCpu0 = cpuSeconds(pids.slice(1));
  counting = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep((SECONDS - 2) * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  counting = false;
  stop1 = true;
  const clientCpu = process.cpuUsage(cpu0);
  const sustained = counted / elapsed;
  // CPU per acknowledged packet, independent of how loaded the machine is: what 2 idle cores could sustain.
  const serverUs = ((cpuSeconds(pids.slice(0, 1)) - serverCpu0) / counted) * 1e6;
  const pgUs = ((cpuSeconds(pids.slice(1)) - pgCpu0) / counted) * 1e6;
  console.log(`phase 1: CPU per packet: platform process ${serverUs.toFixed(0)} µs, PostgreSQL backends ${pgUs.toFixed(0)} µs (WAL writer, checkpointer not counted)`);
  const refused1 = conns.reduce((a, c) => a + c.refused, 0);
  console.log(`phase 1: ${Math.round(sustained)} packets/s acknowledged (${counted} in ${elapsed.toFixed(1)} s), closed-loop latency p50 ${percentile(lat1, 50).toFixed(1)} ms p99 ${percentile(lat1, 99).toFixed(1)} ms, refused ${refused1}, bench client CPU ${(((clientCpu.user + clientCpu.system) / 1e6 / elapsed) * 100).toFixed(0)}%`);
  // Drain what is in flight.
  const drainUntil = Date.now() + 30_000;
  while (conns.some((c) => c.inFlight > 0) && Date.now() < drainUntil) await sleep(50);

  // (2) latency at fixed offered rates (open loop): 10× the reference deployment's load, and half the sustained rate.
  const latencyAt = async (rate: number): Promise<{ rate: number; p50: number; p99: number; acked: number; sent: number }> => {
    const lat: number[] = [];
    for (const c of conns) c.onAnswer = (ms, ok) => ok && lat.push(ms);
    const start = performance.now();
    let sent = 0;
    let idx = 0;
    while (performance.now() - start < 5000) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      while (sent < due) {
        conns[idx].send();
        idx = (idx + 1) % conns.length;
        sent += 1;
      }
      await sleep(1);
    }
    const drain = Date.now() + 30_000;
    while (conns.some((c) => c.inFlight > 0) && Date.now() < drain) await sleep(50);
    const r = { rate, p50: percentile(lat, 50), p99: percentile(lat, 99), acked: lat.length, sent };
    console.log(`phase 2: ${rate} packets/s offered for 5 s: ${r.acked}/${sent} acknowledged, send→ack p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`);
    return r;
  };
  const low = await latencyAt(Math.min(RATE, 100));
  const half = await latencyAt(Math.min(RATE, Math.max(100, Math.floor(sustained * 0.5))));
  for (const c of conns) c.socket.destroy();

  // (3) many concurrent connections held.
  console.log(`phase 3: opening ${HOLD} connections`);
  conns = await openConnections(port, HOLD);
  const ackRound = async (label: string): Promise<number> => {
    let acked = 0;
    await Promise.all(conns.map((c) => new Promise<void>((resolve) => {
      if (c.closed) return resolve();
      c.onAnswer = (_ms, ok) => {
        if (ok) acked += 1;
        resolve();
      };
      c.send();
      setTimeout(resolve, 60_000);
    })));
    console.log(`  ${label}: ${acked}/${conns.length} acknowledged`);
    return acked;
  };
  const first = await ackRound('first upload on each connection');
  await sleep(5000);
  const second = await ackRound('second upload after holding 5 s');
  const held = conns.filter((c) => !c.closed).length;
  for (const c of conns) c.socket.destroy();
  console.log(`phase 3: ${held} connections held open; ${Math.min(first, second)} acknowledged twice`);

  console.log(`RESULT hj212-ingest sustained_packets_per_s=${Math.round(sustained)} connections=${CONNECTIONS} window=${WINDOW} p50_ms_at_${low.rate}=${low.p50.toFixed(1)} p99_ms_at_${low.rate}=${low.p99.toFixed(1)} p50_ms_at_${half.rate}=${half.p50.toFixed(1)} p99_ms_at_${half.rate}=${half.p99.toFixed(1)} held_connections=${held} acked_twice=${Math.min(first, second)} server_cpu_us_per_packet=${serverUs.toFixed(0)} pg_cpu_us_per_packet=${pgUs.toFixed(0)} headroom_vs_10_per_s=${Math.round(sustained / 10)}x target_packets_per_s=20000 load="${loadAverage()}"`);
} finally {
  if (server) await stopPlatform(server);
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
}
