/**
 * The exchange gateway against calling the provider directly, on the same machine:
 *  - a provider: a bare node:http server answering GET /persons/{id} with a fixed JSON person
 *    record (bench/bare-server.ts);
 *  - direct: closed-loop GETs to the provider;
 *  - through the gateway: the same GETs to /exchange/r1/…/persons/{id}, each signed (HMAC-SM3) with
 *    a fresh X-Road-Id, so the platform verifies the signature, checks grant, rate limit and daily
 *    quota (counters in platform.rate_limits) and the message id, forwards, and writes the full
 *    metadata record to the hash-chained message log before it answers.
 * The platform runs as its own process (web + worker roles: the log is also sealed in batches) on
 * PostgreSQL, in a scratch database made here. Same load generator and concurrency for both.
 * A third reference: the platform's own /healthz (one HTTP request and one SELECT 1, no commit) in
 * the same process — the floor of any database-backed request on this machine at this moment.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/exchange-gateway.ts
 *   BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 32; 1 is always run too for the added latency)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, queryOne, sql } from '../src/platform/db/index.ts';
import { systemActor, silentLogger, type Ctx } from '../src/platform/context.ts';
import { systemClock } from '../src/platform/clock.ts';
import { residentIdCheckChar } from '../src/platform/identifiers/index.ts';
import { createMember, createSubsystem, grantAccess, issueHmacCredential, publishResource, signRequest } from '../src/modules/exchange/index.ts';
import { ROOT, closedLoop as load, loadAverage, startPlatform, stopPlatform, type LoadRun as Run } from './support.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 10) * 1000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP = 2000;
const SERVER = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** CPU time (user + system, ms) a process has used so far (Linux /proc). */
function cpuMs(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function client(base: string, connections: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const u = new URL(base);
  return (p: string, headers: Record<string, string>) => new Promise<boolean>((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: p, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', reject);
    req.end();
  });
}

async function startProvider(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-bench-provider-'));
  const bodyFile = path.join(dir, 'person.json');
  fs.writeFileSync(bodyFile, JSON.stringify({ idNumber: '410102199003071234', name: '王小明', sex: '1', birthDate: '1990-03-07', ethnicity: '01', regionCode: '410102', address: '郑州市中原区建设路1号', status: 'active', sources: { name: '省公安厅', address: '省公安厅' } }));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/bare-server.ts')], { env: { ...process.env, BODY_FILE: bodyFile, CONTENT_TYPE: 'application/json; charset=utf-8' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout! }).once('line', resolve));
  return { url: `http://127.0.0.1:${line.trim()}`, stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }) };
}

const ids = Array.from({ length: 5000 }, (_, i) => {
  const first17 = `41010219${String(70 + (i % 30)).padStart(2, '0')}0${1 + (i % 9)}1${i % 10}${String(i % 1000).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
});

const name = `egov_bench_gw_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: SERVER });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
await admin.end();
const dbUrl = new URL(SERVER);
dbUrl.pathname = `/${name}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-bench-gw-'));
console.log(`# exchange-gateway — ${os.availableParallelism()} CPUs, ${DURATION / 1000} s per run after ${WARMUP / 1000} s warm-up, PostgreSQL (${name}); load ${loadAverage()}`);

const provider = await startProvider();
const egov = await startPlatform({ DATABASE_URL: dbUrl.toString(), DATA_DIR: dataDir, EGOV_SEED_DEMO: 'false', EGOV_ROLES: 'web,worker', LOG_LEVEL: 'error' });
const database = await openDatabase({ url: dbUrl.toString(), poolSize: 2 });
try {
  const ctx: Ctx = { actor: systemActor, db: database.db, clock: systemClock, requestId: 'bench', log: silentLogger };
  const pm = await createMember(ctx, { memberClass: 'COM', memberCode: 'BENCHPROV1', name: '基准测试提供方', regionCode: '410000' });
  const cm = await createMember(ctx, { memberClass: 'COM', memberCode: 'BENCHCLNT1', name: '基准测试使用方', regionCode: '410000' });
  const ps = await createSubsystem(ctx, { memberId: pm.id, code: 'population', name: '人口信息接口 (基准测试)' });
  const cs = await createSubsystem(ctx, { memberId: cm.id, code: 'shebao', name: '社保系统 (基准测试)' });
  const key = await issueHmacCredential(ctx, { subsystemId: cs.id });
  const resource = await publishResource(ctx, {
    code: '101/999/0001', catalogType: 'base', classification: '基础信息资源/人口', name: '人口信息查询 (基准测试)', providerSubsystemId: ps.id, format: 'JSON 接口',
    items: [{ name: '公民身份号码', type: 'C' }], kind: 'api', serviceCode: 'persons', shareType: 'unconditional', baseUrl: provider.url, timeoutMs: 10_000,
    endpoints: [{ method: 'GET', pathTemplate: '/persons/{idNumber}', operationId: 'getPerson', subjectParam: 'idNumber' }],
  });
  // Limits far above the load, so the counters are written on every call without refusing any.
  await grantAccess(ctx, { resourceId: resource.id, subsystemId: cs.id, purpose: '基准测试', ratePerMinute: 100_000_000, dailyQuota: 1_000_000_000 });

  // What the platform process burns with no calls at all (its worker jobs), to read the per-call figure against.
  const idle0 = cpuMs(egov.child.pid);
  await new Promise((r) => setTimeout(r, 3000));
  const idleCpuPerSecond = (cpuMs(egov.child.pid) - idle0) / 3;
  console.log(`platform process idle CPU: ${idleCpuPerSecond.toFixed(0)} ms per second (worker jobs)`);
  let msg = 0;
  const direct = (get: ReturnType<typeof client>) => (n: number) => get(`/persons/${ids[n % ids.length]}`, { accept: 'application/json' });
  const viaGateway = (get: ReturnType<typeof client>) => (n: number) => {
    const url = `${resource.gatewayPath}/persons/${ids[n % ids.length]}`;
    return get(url, { accept: 'application/json', ...signRequest({ method: 'GET', url, client: cs.xroadId, messageId: `bench-${process.pid}-${++msg}`, keyId: key.keyId, secret: key.secret, userId: 'bench', purpose: '基准测试: 社保待遇资格认证' }) });
  };
  const results: Record<string, Run> = {};
  const cpuPerCall: Record<number, number> = {};
  for (const c of [...new Set([1, CONNECTIONS])]) {
    const d = client(provider.url, c);
    const g = client(egov.url, c);
    await load(c, WARMUP, direct(d));
    results[`direct/${c}`] = await load(c, DURATION, direct(d));
    results[`platform /healthz/${c}`] = await load(c, DURATION / 2, (n) => g(`/healthz?n=${n}`, { accept: 'application/json' }));
    await load(c, WARMUP, viaGateway(g));
    const cpu0 = cpuMs(egov.child.pid);
    results[`gateway/${c}`] = await load(c, DURATION, viaGateway(g));
    cpuPerCall[c] = (cpuMs(egov.child.pid) - cpu0) / results[`gateway/${c}`].requests;
  }
  const logged = await queryOne<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM exchange.messages`);
  const sealed = await queryOne<{ n: number | null }>(database.db, sql`SELECT max(seq_to)::int AS n FROM exchange.message_log_seals`);
  const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  console.log(row(['run', 'connections', 'requests', 'errors', 'req/s', 'p50 ms', 'p99 ms']));
  console.log(row(['---', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const [k, r] of Object.entries(results)) {
    const c = k.slice(k.lastIndexOf('/') + 1);
    const kind = k.slice(0, k.lastIndexOf('/'));
    console.log(row([kind, c, r.requests, r.errors, r.rps, r.p50.toFixed(2), r.p99.toFixed(2)]));
  }
  for (const c of [...new Set([1, CONNECTIONS])]) {
    const d = results[`direct/${c}`];
    const g = results[`gateway/${c}`];
    const h = results[`platform /healthz/${c}`];
    console.log(`${c} connection(s): gateway/direct throughput ${(g.rps / d.rps).toFixed(3)} (gateway/platform floor ${(g.rps / h.rps).toFixed(3)}); added latency p50 ${(g.p50 - d.p50).toFixed(2)} ms, p99 ${(g.p99 - d.p99).toFixed(2)} ms; platform process CPU ${cpuPerCall[c].toFixed(2)} ms per gateway call`);
  }
  const through = Object.entries(results).filter(([k]) => k.startsWith('gateway')).reduce((s, [, r]) => s + r.requests, 0);
  console.log(`message log: ${logged?.n} rows for ${through} measured gateway calls (plus warm-up); sealed through seq ${sealed?.n ?? 0}; load ${loadAverage()}`);
} finally {
  await database.close();
  await stopPlatform(egov);
  await provider.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  const a = new pg.Client({ connectionString: SERVER });
  await a.connect();
  await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await a.end();
}
