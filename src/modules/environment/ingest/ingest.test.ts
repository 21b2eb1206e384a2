/**
 * The HJ 212 listener end to end over real TCP on the real platform (PGlite, or PostgreSQL with
 * EGOV_TEST_DATABASE_URL): acknowledgements only after commit, authentication answers, split uploads,
 * the real corpus replayed, limits, the simulator.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { startTestPlatform, type TestPlatform } from '../../../../test/support/platform.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { registerPoint } from '../services/registry.ts';
import { freePort } from './test-support.ts';
import { encodeUpload, framePacket, hj212Time } from '../hj212/encode.ts';
import { FrameDecoder } from '../hj212/frame.ts';
import { parseFrame } from '../hj212/parse.ts';
import { hj212Listener } from './listener.ts';
import { startHj212Server, type Hj212ServerOptions } from './server.ts';
import { writeBatch } from './store.ts';
import { replayCapture } from '../tools/replay.ts';
import { startSimulation } from '../tools/simulate.ts';

const CORPUS = path.resolve(import.meta.dirname, '../../../../test/fixtures/hj212/real-traffic-2016-08-24-00.h212');
const AIR_MN = '010000A8900016F000169DC0';
const WATER_MN = '0873HHMZWSLH02';
const PW = 'pw2026ab';
/** Three loggers of the real corpus, registered so that their packets are accepted on replay. */
const CORPUS_MNS = ['LD130133000015', 'LD130182000052', 'LD130131000211'];

let tp: TestPlatform;
let listenerStop: () => Promise<void>;
let port: number;

/** A logger-side connection collecting the platform's answers line by line. */
class Logger {
  readonly socket: net.Socket;
  readonly lines: string[] = [];
  private buf = '';
  private waiters: (() => void)[] = [];
  closed = false;
  constructor(p: number) {
    this.socket = net.connect(p, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      let i: number;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 2);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    this.socket.on('error', () => undefined);
  }
  ready(): Promise<void> {
    return new Promise((r) => (this.socket.connecting ? this.socket.once('connect', () => r()) : r()));
  }
  send(s: string | Buffer): void {
    this.socket.write(s);
  }
  /** Waits until `n` answers arrived (or the connection closed; 20 s at most). */
  async answers(n: number): Promise<string[]> {
    const until = Date.now() + 20_000;
    while (this.lines.length < n && !this.closed && Date.now() < until) await new Promise<void>((r) => {
      this.waiters.push(r);
      setTimeout(r, 200);
    });
    return this.lines.slice(0, n);
  }
  close(): void {
    this.socket.end();
  }
}

const upload = (mn: string, qn: string, extra: Partial<Parameters<typeof encodeUpload>[0]> = {}) =>
  encodeUpload({ style: '2017', qn, st: '31', cn: '2011', pw: PW, mn, dataTime: hj212Time(new Date()), pollutants: [{ code: 'a21026', rtd: 21.5, flag: 'N' }, { code: 'a19001', rtd: 7.2, flag: 'N' }], ...extra });

/** HJ 212's CRC takes only 256 values (one in 256 packets has CRC 0000), so flip the real one instead of writing a constant. */
const withWrongCrc = (frame: string): string =>
  frame.replace(/([0-9A-F]{4})\r\n$/, (_all, crc: string) => `${(parseInt(crc, 16) ^ 0x0101).toString(16).toUpperCase().padStart(4, '0')}\r\n`);

const packetRow = (qn: string) => queryOne<{ status: string; reason_code: string | null; reply: string | null; point_id: string | null; raw: string }>(
  tp.database.db, sql`SELECT status, reason_code, reply, point_id, encode(raw, 'escape') AS raw FROM environment.packets WHERE qn = ${qn}`);

before(async () => {
  port = await freePort();
  tp = await startTestPlatform({ env: { HJ212_PORT: String(port), HOST: '127.0.0.1' } });
  await registerPoint(tp.ctx(), { mn: AIR_MN, pw: PW, medium: 'air' });
  await registerPoint(tp.ctx(), { mn: WATER_MN, pw: PW, medium: 'water' });
  for (const mn of CORPUS_MNS) await registerPoint(tp.ctx(), { mn, pw: '123456', medium: mn === 'LD130133000015' ? 'water' : 'air' });
  // The module's listener task, as boot starts it in processes with the ingest role.
  const handle = await hj212Listener.start({ services: tp.platform.services, systemCtx: tp.platform.systemCtx });
  listenerStop = handle.stop;
});

after(async () => {
  await listenerStop?.();
  await tp?.close();
});

test('a 2017 upload is stored and answered with 9014 echoing QN, PW and MN; the reading is in the database', async () => {
  const l = new Logger(port);
  await l.ready();
  l.send(upload(AIR_MN, '20260301083000001'));
  const [answer] = await l.answers(1);
  assert.match(answer, new RegExp(`^##0089QN=20260301083000001;ST=91;CN=9014;PW=${PW};MN=${AIR_MN};Flag=4;CP=&&&&[0-9A-F]{4}$`));
  assert.ok(parseFrame(Buffer.from(answer)).ok);
  const row = await packetRow('20260301083000001');
  assert.equal(row?.status, 'accepted');
  assert.equal(row?.reply, '9014');
  const reading = await queryOne<{ vals: Record<string, { rtd: number; flag: string }> }>(tp.database.db, sql`SELECT r.vals FROM environment.readings r JOIN environment.points p ON p.id = r.point_id WHERE p.mn = ${AIR_MN} AND r.kind = 'rtd'`);
  assert.equal(reading?.vals.a21026.rtd, 21.5);
  assert.equal(reading?.vals.a21026.flag, 'N');
  l.close();
});

test('refusals answer with the standard codes and are logged with the reason: unknown MN 4, wrong PW 3, CRC 9, bad ST 5', async () => {
  const l = new Logger(port);
  await l.ready();
  l.send(upload('FFFFFFFFFFFFFFFFFFFFFFFF', '20260301083000011'));
  l.send(upload(AIR_MN, '20260301083000012', { pw: 'wrongpw1' }));
  l.send(withWrongCrc(upload(AIR_MN, '20260301083000013')));
  l.send(framePacket(`QN=20260301083000014;ST=99;CN=2011;PW=${PW};MN=${AIR_MN};Flag=5;CP=&&DataTime=20260301083000;a21026-Rtd=1&&`));
  l.send('this is not a packet\r\n');
  l.send(upload(AIR_MN, '20260301083000015'));
  const answers = await l.answers(5);
  assert.deepEqual(answers.map((a) => [/CN=(\d+)/.exec(a)?.[1], /QnRtn=\d+/.exec(a)?.[0]].filter(Boolean).join(' ')), ['9011 QnRtn=4', '9011 QnRtn=3', '9011 QnRtn=9', '9011 QnRtn=5', '9014']);
  assert.ok(answers[0].startsWith('##') && answers[0].includes('QN=20260301083000011;') && answers[0].includes('MN=FFFFFFFFFFFFFFFFFFFFFFFF'));
  const rows = await queryRows<{ qn: string | null; status: string; reason_code: string | null; reply: string | null }>(tp.database.db, sql`SELECT qn, status, reason_code, reply FROM environment.packets
    WHERE qn LIKE '2026030108300001%' OR reason_code = 'not_a_packet' ORDER BY id`);
  assert.deepEqual(rows.map((r) => [r.qn, r.status, r.reason_code, r.reply]), [
    ['20260301083000011', 'rejected', 'mn_unknown', '9011 QnRtn=4'],
    ['20260301083000012', 'rejected', 'pw_wrong', '9011 QnRtn=3'],
    ['20260301083000013', 'rejected', 'crc_mismatch', '9011 QnRtn=9'],
    ['20260301083000014', 'rejected', 'st_invalid', '9011 QnRtn=5'],
    [null, 'rejected', 'not_a_packet', null],
    ['20260301083000015', 'accepted', null, '9014'],
  ]);
  l.close();
});

test('the answer is written only after the batch committed', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let committed = false;
  const opts: Hj212ServerOptions = {
    port: 0, host: '127.0.0.1', systemCtx: tp.platform.systemCtx, log: tp.platform.services.log,
    write: async (records, sessions) => {
      await gate;
      await writeBatch(tp.platform.systemCtx(), records, sessions);
      committed = true;
    },
  };
  const server = await startHj212Server(opts);
  const l = new Logger(server.port);
  await l.ready();
  l.send(upload(AIR_MN, '20260301083000021'));
  // Give the server every chance to answer early: it must not.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(l.lines.length, 0);
  assert.equal(await packetRow('20260301083000021'), undefined);
  release();
  const [answer] = await l.answers(1);
  assert.ok(committed);
  assert.match(answer, /CN=9014/);
  assert.equal((await packetRow('20260301083000021'))?.status, 'accepted');
  l.close();
  await server.stop();
});

test('split uploads (PNUM/PNO): every part answered, the reading complete once all parts arrived, across connections', async () => {
  const hour = '20260301070000';
  const part = (pno: number, pollutants: { code: string; avg: number; flag: string }[]) =>
    encodeUpload({ style: '2017', qn: `2026030108300003${pno}`, st: '31', cn: '2061', pw: PW, mn: AIR_MN, pnum: 2, pno, dataTime: hour, pollutants });
  const a = new Logger(port);
  await a.ready();
  a.send(part(1, [{ code: 'a21026', avg: 18.5, flag: 'N' }]));
  assert.match((await a.answers(1))[0], /QN=20260301083000031;.*CN=9014/);
  a.close();
  const countHour = async () => (await queryRows(tp.database.db, sql`SELECT 1 FROM environment.readings r JOIN environment.points p ON p.id = r.point_id WHERE p.mn = ${AIR_MN} AND r.kind = 'hour'`)).length;
  assert.equal(await countHour(), 0, 'nothing stored from an incomplete split upload');
  assert.equal((await packetRow('20260301083000031'))?.status, 'partial');
  const b = new Logger(port);
  await b.ready();
  b.send(part(2, [{ code: 'a21002', avg: 31.25, flag: 'N' }]));
  assert.match((await b.answers(1))[0], /QN=20260301083000032;.*CN=9014/);
  const reading = await queryOne<{ vals: Record<string, { avg: number }> }>(tp.database.db, sql`SELECT r.vals FROM environment.readings r JOIN environment.points p ON p.id = r.point_id WHERE p.mn = ${AIR_MN} AND r.kind = 'hour'`);
  assert.equal(reading?.vals.a21026.avg, 18.5);
  assert.equal(reading?.vals.a21002.avg, 31.25);
  assert.equal((await packetRow('20260301083000031'))?.status, 'accepted');
  assert.equal((await packetRow('20260301083000032'))?.status, 'accepted');
  b.close();
});

test('2005 style: no QN and no Flag → stored without answer; heartbeats logged; 1013 answered with 1012 set-time', async () => {
  const l = new Logger(port);
  await l.ready();
  const dataTime = hj212Time(new Date());
  l.send(encodeUpload({ style: '2005', st: '32', cn: '2011', pw: PW, mn: WATER_MN, dataTime, pollutants: [{ code: '011', rtd: 23.1, flag: 'N' }, { code: 'B01', rtd: 300.2 }] }).replace(/([0-9A-F]{4})\r\n$/, (m) => m.toLowerCase()));
  l.send(framePacket(`ST=32;CN=8013;PW=${PW};MN=${WATER_MN};Flag=0;CP=&&HeartbeatTime=120&&`));
  l.send(framePacket(`ST=91;CN=1013;PW=${PW};MN=${WATER_MN};Flag=1;CP=&&QN=20260301083000041&&`));
  const [answer] = await l.answers(1);
  assert.match(answer, new RegExp(`ST=91;CN=1012;PW=${PW};MN=${WATER_MN};Flag=1;CP=&&SystemTime=\\d{14}&&`));
  const rows = await queryRows<{ cn: string; status: string; reply: string | null }>(tp.database.db, sql`SELECT cn, status, reply FROM environment.packets WHERE mn = ${WATER_MN} ORDER BY id`);
  assert.deepEqual(rows, [{ cn: '2011', status: 'accepted', reply: null }, { cn: '8013', status: 'accepted', reply: null }, { cn: '1013', status: 'accepted', reply: '1012' }]);
  const reading = await queryOne<{ vals: Record<string, { rtd: number }> }>(tp.database.db, sql`SELECT r.vals FROM environment.readings r JOIN environment.points p ON p.id = r.point_id WHERE p.mn = ${WATER_MN}`);
  assert.equal(reading?.vals.w01018.rtd, 23.1, '2005 code 011 stored as w01018');
  assert.equal(reading?.vals.w00000.rtd, 300.2);
  l.close();
});

test('the real corpus replayed over TCP: every line logged, accepted or refused with the right reason', async () => {
  const last = (await queryOne<{ id: string }>(tp.database.db, sql`SELECT coalesce(max(id::text), '00000000-0000-0000-0000-000000000000') AS id FROM environment.packets`))!.id;
  const result = await replayCapture({ file: CORPUS, host: '127.0.0.1', port, settleMs: 0 });
  assert.equal(result.sent, 9455);
  // Expected outcome per line from the parser alone, then authentication: only CORPUS_MNS are registered.
  const expected: Record<string, number> = {};
  for (const line of fs.readFileSync(CORPUS, 'latin1').split('\r\n').filter(Boolean)) {
    let key = '';
    new FrameDecoder().push(Buffer.from(`${line}\r\n`, 'latin1'), (e) => {
      if (e.kind === 'damaged') key = `rejected ${e.rejection.code}`;
      else {
        const r = parseFrame(e.bytes);
        key = !r.ok ? `rejected ${r.rejection.code}` : CORPUS_MNS.includes(r.packet.mn) ? 'accepted' : 'rejected mn_unknown';
      }
    });
    expected[key] = (expected[key] ?? 0) + 1;
  }
  // Wait until all are stored (the replay does not wait for answers).
  const until = Date.now() + 60_000;
  let got: Record<string, number> = {};
  while (Date.now() < until) {
    const rows = await queryRows<{ k: string; n: number }>(tp.database.db, sql`SELECT status || coalesce(' ' || reason_code, '') AS k, count(*)::int AS n FROM environment.packets WHERE id > ${last}::uuid GROUP BY 1`);
    got = Object.fromEntries(rows.map((r) => [r.k, r.n]));
    if (Object.values(got).reduce((a, b) => a + b, 0) >= 9455) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(got, expected);
  assert.ok(expected.accepted > 100, 'packets of the registered corpus loggers are accepted');
  assert.deepEqual(Object.keys(expected).sort(), ['accepted', 'rejected crc_mismatch', 'rejected frame_length', 'rejected mn_unknown', 'rejected not_a_packet', 'rejected st_invalid', 'rejected value_invalid']);
  // The raw bytes are kept exactly, NUL bytes included (ST=\0\0).
  const nul = await queryOne<{ raw: Buffer | Uint8Array }>(tp.database.db, sql`SELECT raw FROM environment.packets WHERE reason_code = 'st_invalid' AND mn = 'LD132324000484'`);
  assert.ok(nul && Buffer.from(nul.raw).includes(Buffer.from('ST=\0\0;')));
});

test('limits: an oversized packet is refused and the connection goes on; over the rate, reading pauses and nothing is lost; idle connections are closed', async () => {
  const server = await startHj212Server({
    port: 0, host: '127.0.0.1', systemCtx: tp.platform.systemCtx, log: tp.platform.services.log,
    limits: { maxDataLength: 1024, packetsPerSecond: 200, burst: 20, idleTimeoutMs: 1500 },
  });
  const l = new Logger(server.port);
  await l.ready();
  const big = framePacket(`QN=20260301083000051;ST=31;CN=2011;PW=${PW};MN=${AIR_MN};Flag=5;CP=&&${'a21026-Rtd=1.0;'.repeat(100)}a21026-Rtd=1.0&&`);
  l.send(big);
  const qns = Array.from({ length: 100 }, (_, i) => `2026030108310${String(i).padStart(4, '0')}`);
  l.send(qns.map((qn) => upload(AIR_MN, qn)).join(''));
  const answers = await l.answers(100);
  assert.equal(answers.length, 100, 'all 100 packets answered despite the rate limit');
  assert.deepEqual(answers.map((a) => /QN=(\d+)/.exec(a)?.[1]), qns, 'answers in arrival order');
  assert.ok(server.stats().pauses > 0, 'reading was paused');
  assert.equal((await packetRow('20260301083000051'))?.reason_code, 'frame_too_long');
  // Silent now: closed by the idle timeout, and the session records why.
  await l.answers(101);
  assert.ok(l.closed);
  await server.stop();
  const session = await queryOne<{ close_reason: string; packets: number; rejected: number }>(tp.database.db, sql`SELECT close_reason, packets::int, rejected::int FROM environment.logger_sessions WHERE listener LIKE ${`%:${server.port}`}`);
  assert.deepEqual(session, { close_reason: 'idle', packets: 101, rejected: 1 });
});

test('the simulator uploads for registered points and is acknowledged', async () => {
  const sim = startSimulation({
    host: '127.0.0.1', port,
    loggers: [{ mn: AIR_MN, pw: PW, st: '31', protocol: '2017', intervalSeconds: 1, o2Reference: 6, pollutants: [{ code: 'a21026', limit: 35 }, { code: 'a19001' }, { code: 'a00000' }] }],
    damageRate: 0, outageRate: 0, exceedanceRate: 1,
  });
  const until = Date.now() + 20_000;
  while (sim.stats().acked < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  const stats = sim.stats();
  await sim.stop();
  assert.ok(stats.acked >= 2, JSON.stringify(stats));
  assert.equal(stats.refused, 0);
  assert.ok(stats.exceedances >= 1);
});
