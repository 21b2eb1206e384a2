/**
 * Kill -9 during a burst: a child process runs the platform with the HJ 212 listener on a PGlite
 * directory (or PostgreSQL with EGOV_TEST_DATABASE_URL); loggers upload continuously; the child is
 * SIGKILLed mid-burst and started again on the same data. Every packet that was acknowledged (9014)
 * is in the packet log as accepted and its reading is stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { scratchPostgresDatabase } from '../../../../test/support/platform.ts';
import { openDatabase, queryRows, sql } from '../../../platform/db/index.ts';
import { freePort } from './test-support.ts';
import { encodeUpload, hj212Time } from '../hj212/encode.ts';

const CHILD = path.join(import.meta.dirname, 'crash-child.ts');
const PW = 'crash123';
const MNS = ['0A0000A8900016F000169D01', '0A0000A8900016F000169D02', '0A0000A8900016F000169D03', '0A0000A8900016F000169D04'];

function startChild(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) resolve(child);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code, signal) => reject(new Error(`child exited (${code ?? signal}) before READY:\n${out}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

test('kill -9 mid-burst: every acknowledged packet is in the database after restart', { timeout: 240_000 }, async () => {
  const server = process.env.EGOV_TEST_DATABASE_URL;
  const scratch = server ? await scratchPostgresDatabase(server) : null;
  const dir = server ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'egov-hj212-crash-'));
  const port = await freePort();
  const env = { CRASH_PORT: String(port), CRASH_PW: PW, ...(scratch ? { CRASH_DATABASE_URL: scratch.url } : { CRASH_PGLITE_DIR: dir! }) };
  try {
    let child = await startChild({ ...env, CRASH_REGISTER: MNS.join(',') });
    // Loggers upload continuously, each with up to 50 packets unacknowledged; one distinct DataTime per packet.
    const acked = new Set<string>();
    const sent = new Set<string>();
    const base = Date.now() - 20 * 3600_000;
    let seq = 0;
    let killed = false;
    const loggers = MNS.map((mn) => {
      const socket = net.connect(port, '127.0.0.1');
      let buf = '';
      let inFlight = 0;
      const pump = () => {
        while (!killed && inFlight < 50 && !socket.destroyed) {
          seq += 1;
          const uniqueQn = hj212Time(new Date(base + seq), true); // a distinct 17-digit QN per packet
          sent.add(uniqueQn);
          inFlight += 1;
          socket.write(encodeUpload({ style: '2017', qn: uniqueQn, st: '31', cn: '2011', pw: PW, mn, dataTime: hj212Time(new Date(base + seq * 1000)), pollutants: [{ code: 'a21026', rtd: seq % 100, flag: 'N' }] }));
        }
      };
      socket.on('connect', pump);
      socket.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        let i: number;
        while ((i = buf.indexOf('\r\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const qn = /QN=(\d{17})/.exec(line)?.[1];
          if (qn && line.includes('CN=9014')) acked.add(qn);
          inFlight -= 1;
        }
        pump();
      });
      socket.on('error', () => undefined);
      return socket;
    });
    const until = Date.now() + 60_000;
    while (acked.size < 1500 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    killed = true;
    await exited(child);
    await new Promise((r) => setTimeout(r, 200)); // acks already on the wire are counted
    for (const s of loggers) s.destroy();
    assert.ok(acked.size >= 1500, `acknowledged before the kill: ${acked.size}`);
    assert.ok(sent.size > acked.size, 'the kill came mid-burst (packets in flight)');

    // Restart on the same data: it comes up and accepts again.
    child = await startChild(env);
    const check = net.connect(port, '127.0.0.1');
    const answer = await new Promise<string>((resolve) => {
      check.on('data', (d: Buffer) => resolve(d.toString()));
      check.write(encodeUpload({ style: '2017', qn: '20260101000000999', st: '31', cn: '2011', pw: PW, mn: MNS[0], dataTime: hj212Time(new Date()), pollutants: [{ code: 'a21026', rtd: 1, flag: 'N' }] }));
    });
    assert.match(answer, /QN=20260101000000999;ST=91;CN=9014/);
    check.destroy();
    child.kill('SIGTERM');
    await exited(child);

    const database = await openDatabase(scratch ? { url: scratch.url } : { pgliteDir: dir! });
    try {
      const rows = await queryRows<{ qn: string; has_reading: boolean }>(database.db, sql`SELECT p.qn, EXISTS (SELECT 1 FROM environment.readings r WHERE r.packet_id = p.id) AS has_reading
        FROM environment.packets p WHERE p.status = 'accepted' AND p.qn = ANY(${sql.param([...acked])}::text[])`);
      const stored = new Map(rows.map((r) => [r.qn, r.has_reading]));
      const missing = [...acked].filter((qn) => !stored.has(qn));
      assert.deepEqual(missing, [], `${missing.length} acknowledged packets missing after the crash`);
      assert.ok([...stored.values()].every(Boolean), 'every acknowledged packet has its reading');
    } finally {
      await database.close();
    }
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    await scratch?.drop();
  }
});
