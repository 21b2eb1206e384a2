/**
 * Registration → tax latency (issue 5, "Figures"; target p95 ≤ 1 s): enterprises registered in the
 * legal-entity registry at a steady rate while the worker runs; each registration travels the real
 * path — registry commit → outbox → the exchange's bridge into the enterprise registration topic →
 * signed webhook over HTTP to both tax bureaus' receivers on this platform → stored in the intake.
 * Latency is taxLatencyStats (registry commit time in the event → tax side stored), per bureau.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/enterprise-tax.ts [--count N] [--rate N]
 *
 * A scratch database is created on the DATABASE_URL server and dropped afterwards (PGlite in a
 * temporary directory without it). The platform listens on 127.0.0.1 (free port) so the webhooks
 * are real HTTP. Breakdown in the same run: commit → topic event (outbox dispatcher + bridge) and
 * topic event → acknowledged (exchange delivery); reference: the registration call itself (the
 * registry's own commit, no sharing).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { openDatabase, queryOne, queryRows, sql, type Database } from '../src/platform/db/index.ts';
import { scratchPostgresDatabase, startTestPlatform, type TestPlatform } from '../test/support/platform.ts';
import { ensureTestUnits } from '../test/support/units.ts';
import { registerEntity } from '../src/modules/registries/index.ts';
import { taxLatencyStats } from '../src/modules/enterprise-sharing/index.ts';
import { connectForTest, zhengzhouUscc } from '../src/modules/enterprise-sharing/test-helpers.ts';
import { fmtMs, intArg, loadAverage, percentile } from './support.ts';

const COUNT = intArg('count', 300);
const RATE = intArg('rate', 10);

async function stored(tp: TestPlatform): Promise<number> {
  return Number((await queryOne<{ n: number }>(tp.database.db, sql`SELECT count(*) AS n FROM tax.received_events`))!.n);
}

async function registerSome(tp: TestPlatform, n: number, rate: number): Promise<number[]> {
  const callMs: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const started = performance.now();
    await registerEntity(tp.ctx(), {
      uscc: zhengzhouUscc(), name: `河南基准测试企业${i}有限公司`, entityType: '1100', legalRepName: '基准', registeredCapital: 100,
      establishedOn: '2026-03-01', industryCode: '65', regionCode: '410102', address: `郑州市中原区基准路 ${i} 号`,
    });
    callMs.push(performance.now() - started);
    tp.platform.services.nudgeDispatcher();
  }
  return callMs;
}

async function waitStored(tp: TestPlatform, want: number): Promise<void> {
  const until = Date.now() + 300_000;
  while ((await stored(tp)) < want) {
    if (Date.now() > until) throw new Error(`only ${await stored(tp)} of ${want} events stored after 5 minutes`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const server = process.env.DATABASE_URL;
  const scratch = server ? await scratchPostgresDatabase(server) : null;
  const dir = server ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'egov-bench-tax-'));
  const database: Database = await openDatabase(scratch ? { url: scratch.url, poolSize: 20 } : { pgliteDir: dir! });
  let tp: TestPlatform | null = null;
  try {
    tp = await startTestPlatform({ database, worker: true });
    await ensureTestUnits(tp);
    await tp.platform.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = tp.platform.app.server.address() as AddressInfo;
    await connectForTest(tp, { baseUrl: `http://127.0.0.1:${port}` });
    console.log(`enterprise → tax bench — ${database.kind}, nproc ${os.cpus().length}, load average ${loadAverage()}`);
    // Warm-up (connections, JIT), not counted.
    await registerSome(tp, 5, RATE);
    await waitStored(tp, 10);
    const since = new Date();
    const callMs = await registerSome(tp, COUNT, RATE);
    await waitStored(tp, 10 + 2 * COUNT);
    const stats = await taxLatencyStats(tp.ctx(), { since });
    const hops = await queryRows<{ to_topic: number; to_ack: number }>(tp.database.db, sql`SELECT
        extract(epoch FROM t.published_at - (t.payload->>'recordedAt')::timestamptz) * 1000 AS to_topic,
        extract(epoch FROM d.acknowledged_at - t.published_at) * 1000 AS to_ack
      FROM exchange.deliveries d JOIN exchange.topic_events t ON t.id = d.event_id
      WHERE t.published_at >= ${since} AND d.status = 'delivered' AND t.payload ? 'recordedAt'`);
    const toTopic = hops.map((h) => Number(h.to_topic));
    const toAck = hops.map((h) => Number(h.to_ack));
    console.log(`${COUNT} registrations at ${RATE}/s, each to 2 bureaus (${stats.count} stored): commit → tax stored p50 ${fmtMs(stats.p50Ms ?? NaN)}, p95 ${fmtMs(stats.p95Ms ?? NaN)} (target p95 ≤ 1 s: ${(stats.p95Ms ?? Infinity) <= 1000 ? 'met' : 'NOT met'})`);
    console.log(`  breakdown: commit → topic event (outbox + bridge) p50 ${fmtMs(percentile(toTopic, 50))}, p95 ${fmtMs(percentile(toTopic, 95))}; topic event → acknowledged (signed webhook, receiver stores) p50 ${fmtMs(percentile(toAck, 50))}, p95 ${fmtMs(percentile(toAck, 95))}`);
    console.log(`  reference: the registration call itself (registry commit, no sharing) p50 ${fmtMs(percentile(callMs, 50))}, p95 ${fmtMs(percentile(callMs, 95))}; ratio commit→tax p95 / registration p95 = ${((stats.p95Ms ?? NaN) / percentile(callMs, 95)).toFixed(1)}`);
    console.log(`load average after: ${loadAverage()}`);
  } finally {
    await tp?.close();
    await database.close();
    await scratch?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
