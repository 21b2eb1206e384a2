/**
 * Kill -9 while events are being delivered: a child process publishes topic events and delivers them
 * to three webhook receivers (real HTTP servers here); it is SIGKILLed mid-stream and a new platform
 * on the same data (PGlite directory, or PostgreSQL with EGOV_TEST_DATABASE_URL) completes delivery.
 * Every committed event reaches every subscriber, and none is sent again to a subscriber after its
 * acknowledgement was recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { scratchPostgresDatabase } from '../../../../test/support/platform.ts';
import { openDatabase, queryRows, sql } from '../../../platform/db/index.ts';

const CHILD = path.join(import.meta.dirname, 'crash-child.ts');

function startChild(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) resolve({ child, output: () => out });
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code, signal) => reject(new Error(`child exited (${code ?? signal}) before READY:\n${out}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

interface Arrival {
  eventId: string;
  phase: number;
}

test('kill -9 mid-stream: after restart every event is delivered, none again after its acknowledgement was recorded', { timeout: 240_000 }, async () => {
  const server = process.env.EGOV_TEST_DATABASE_URL;
  const scratch = server ? await scratchPostgresDatabase(server) : null;
  const dir = server ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'egov-events-crash-'));
  const dbEnv: Record<string, string> = scratch ? { CRASH_DATABASE_URL: scratch.url } : { CRASH_PGLITE_DIR: dir! };
  let phase = 1;
  const arrivals: Arrival[][] = [[], [], []];
  const servers = arrivals.map((list) => http.createServer((req, res) => {
    const eventId = String(req.headers['x-egov-event-id']);
    req.resume();
    req.on('end', () => {
      list.push({ eventId, phase });
      res.writeHead(200).end();
    });
  }));
  for (const s of servers) await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const urls = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`);
  const openDb = () => openDatabase(scratch ? { url: scratch.url } : { pgliteDir: dir! });
  try {
    const { child, output } = await startChild({ ...dbEnv, CRASH_SETUP: '1', CRASH_RECEIVERS: urls.join(','), CRASH_EVENTS: '1500' });
    const until = Date.now() + 90_000;
    while (arrivals.flat().length < 600 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited(child);
    assert.ok(arrivals.flat().length >= 600, `deliveries before the kill: ${arrivals.flat().length}\n${output().slice(-1000)}`);

    // What the dead process had recorded as acknowledged: these must never arrive again.
    let database = await openDb();
    const acknowledged = new Set<string>();
    let subscriptions: { id: string; webhook_url: string }[];
    let published: number;
    try {
      subscriptions = await queryRows<{ id: string; webhook_url: string }>(database.db, sql`SELECT id, webhook_url FROM exchange.subscriptions`);
      const rows = await queryRows<{ event_id: string; subscription_id: string }>(database.db, sql`SELECT event_id, subscription_id FROM exchange.deliveries WHERE status = 'delivered'`);
      for (const r of rows) acknowledged.add(`${r.subscription_id}/${r.event_id}`);
      published = Number((await queryRows<{ n: number }>(database.db, sql`SELECT count(*) AS n FROM exchange.topic_events`))[0].n);
      const pending = await queryRows<{ n: number }>(database.db, sql`SELECT count(*) AS n FROM exchange.deliveries WHERE status = 'pending'`);
      assert.ok(Number(pending[0].n) > 0, 'the kill came mid-stream (deliveries pending)');
    } finally {
      await database.close();
    }
    assert.equal(subscriptions.length, 3);
    assert.ok(published < 1500 || acknowledged.size < 4500, 'stopped before the end');

    phase = 2;
    const restarted = await startChild(dbEnv);
    const end = Date.now() + 120_000;
    while (!restarted.output().includes('IDLE') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    restarted.child.kill('SIGTERM');
    await exited(restarted.child);
    assert.ok(restarted.output().includes('IDLE'), `delivery completed after the restart:\n${restarted.output().slice(-2000)}`);

    database = await openDb();
    try {
      const events = await queryRows<{ id: string }>(database.db, sql`SELECT id FROM exchange.topic_events`);
      const states = await queryRows<{ status: string; n: number }>(database.db, sql`SELECT status, count(*) AS n FROM exchange.deliveries GROUP BY status`);
      assert.deepEqual(states.map((s) => [s.status, Number(s.n)]), [['delivered', events.length * 3]], 'every committed event delivered to all three');
      for (const [i, url] of urls.entries()) {
        const sub = subscriptions.find((s) => s.webhook_url === url)!;
        const got = new Set(arrivals[i].map((a) => a.eventId));
        const missing = events.filter((e) => !got.has(e.id));
        assert.deepEqual(missing, [], `receiver ${i}: ${missing.length} events never arrived`);
        const again = arrivals[i].filter((a) => a.phase === 2 && acknowledged.has(`${sub.id}/${a.eventId}`));
        assert.deepEqual(again, [], `receiver ${i}: sent again after the acknowledgement was recorded`);
      }
    } finally {
      await database.close();
    }
  } finally {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    await scratch?.drop();
  }
});
