/**
 * Event delivery of the exchange (issue 5, "Figures"): events/s delivered to 10 webhook subscribers
 * and publish → acknowledged latency, over the database path and over NATS JetStream.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres NATS_URL=nats://127.0.0.1:4222 \
 *     node --import tsx bench/exchange-events.ts [--events N] [--rate N] [--seconds N]
 *
 * A scratch database is created on the DATABASE_URL server and dropped afterwards (PGlite in a
 * temporary directory without it). The 10 receivers are HTTP servers in this process answering 200.
 * For each path:
 *   1. throughput: N events published into a topic (backlog), then the deliverer started; events/s
 *      = N × 10 acknowledged deliveries / time until none is pending;
 *   2. latency: events published at a steady rate while the deliverer runs; publish → acknowledged
 *      (recorded) p50/p95 from the delivery rows.
 * Reference in the same run: the same 10 receivers POSTed to directly (no database, no signature),
 * 64 requests in flight. The NATS path runs when NATS_URL is set (its stream is deleted afterwards).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { openDatabase, queryOne, queryRows, sql, type Database } from '../src/platform/db/index.ts';
import { scratchPostgresDatabase, startTestPlatform, type TestPlatform } from '../test/support/platform.ts';
import { ensureTestUnits } from '../test/support/units.ts';
import { createMember, createSubsystem, grantAccess, publishResource, publishToTopic, subscribe, unsubscribe } from '../src/modules/exchange/index.ts';
import { startEventDelivery } from '../src/modules/exchange/events/worker.ts';
import { deleteNatsStream } from '../src/modules/exchange/events/nats.ts';
import { fmtMs, intArg, loadAverage, percentile } from './support.ts';

const EVENTS = intArg('events', 2000);
const RATE = intArg('rate', 100);
const SECONDS = intArg('seconds', 10);
const SUBSCRIBERS = 10;
const TOPIC = '102/002/0901';

async function receivers(): Promise<{ urls: string[]; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const servers = await Promise.all(Array.from({ length: SUBSCRIBERS }, async () => {
    const s = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        n += 1;
        res.writeHead(200).end();
      });
    });
    s.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return s;
  }));
  return {
    urls: servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`),
    count: () => n,
    close: async () => {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
    },
  };
}

async function directReference(urls: string[], events: number): Promise<number> {
  const body = JSON.stringify({ id: randomBytes(16).toString('hex'), topic: TOPIC, type: 'changed', key: 'K', publishedAt: new Date().toISOString(), payload: { uscc: '91410100MA00000000', name: '基准测试企业' } });
  const jobs: string[] = [];
  for (let i = 0; i < events; i++) jobs.push(...urls);
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < jobs.length) {
      const url = jobs[next++];
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
    }
  }));
  return (jobs.length / (performance.now() - started)) * 1000;
}

async function pendingCount(tp: TestPlatform): Promise<number> {
  return Number((await queryOne<{ n: number }>(tp.database.db, sql`SELECT count(*) AS n FROM exchange.deliveries WHERE status = 'pending'`))!.n);
}

async function runPath(tp: TestPlatform, label: string, urls: string[], subsystemIds: string[], resourceId: string, natsUrl: string | null): Promise<string[]> {
  const ctx = tp.ctx();
  const subs = [];
  for (const [i, webhookUrl] of urls.entries()) subs.push(await subscribe(ctx, { resourceId, subscriberSubsystemId: subsystemIds[i], webhookUrl }));
  const run = randomBytes(4).toString('hex');
  const nats = { streamName: `EGOV_BENCH_${run}`, subjectPrefix: `egovbench.${run}.topic`, consumerPrefix: `egovbench_${run}_`, pollIntervalMs: 200 };
  const lines: string[] = [];
  try {
    // 1. Throughput from a backlog.
    for (let i = 0; i < EVENTS; i++) await publishToTopic(ctx, { resourceCode: TOPIC, type: 'changed', key: `K${i % 100}`, payload: { i, uscc: '91410100MA00000000', name: '基准测试企业' } });
    const started = performance.now();
    const delivery = await startEventDelivery({ services: tp.platform.services, systemCtx: tp.platform.systemCtx, options: { natsUrl, nats } });
    try {
      while ((await pendingCount(tp)) > 0) await new Promise((r) => setTimeout(r, 20));
      const seconds = (performance.now() - started) / 1000;
      const perSecond = (EVENTS * SUBSCRIBERS) / seconds;
      lines.push(`${label}: ${EVENTS} events × ${SUBSCRIBERS} subscribers delivered in ${seconds.toFixed(2)} s = ${Math.round(perSecond)} deliveries/s (${Math.round(perSecond / SUBSCRIBERS)} events/s to all 10)`);

      // 2. Latency at a steady rate.
      const since = new Date().toISOString();
      const total = RATE * SECONDS;
      const t0 = performance.now();
      for (let i = 0; i < total; i++) {
        const due = t0 + (i * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await publishToTopic(ctx, { resourceCode: TOPIC, type: 'changed', key: `L${i % 100}`, payload: { i } });
      }
      const publishedIn = (performance.now() - t0) / 1000;
      while ((await pendingCount(tp)) > 0) await new Promise((r) => setTimeout(r, 20));
      const lat = await queryRows<{ ms: number }>(tp.database.db, sql`SELECT extract(epoch FROM acknowledged_at - event_published_at) * 1000 AS ms
        FROM exchange.deliveries WHERE event_published_at >= ${since} AND status = 'delivered'`);
      const ms = lat.map((r) => Number(r.ms));
      lines.push(`${label}: ${total} events offered at ${RATE}/s (published in ${publishedIn.toFixed(1)} s = ${Math.round(total / publishedIn)}/s) to ${SUBSCRIBERS} subscribers: publish → acknowledged p50 ${fmtMs(percentile(ms, 50))}, p95 ${fmtMs(percentile(ms, 95))}, max ${fmtMs(Math.max(...ms))} (${ms.length} deliveries)`);
    } finally {
      await delivery.stop();
    }
  } finally {
    for (const s of subs) await unsubscribe(ctx, { id: s.id });
    if (natsUrl) await deleteNatsStream(natsUrl, nats.streamName);
  }
  return lines;
}

async function main(): Promise<void> {
  const server = process.env.DATABASE_URL;
  const scratch = server ? await scratchPostgresDatabase(server) : null;
  const dir = server ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'egov-bench-events-'));
  const database: Database = await openDatabase(scratch ? { url: scratch.url, poolSize: 20 } : { pgliteDir: dir! });
  const rx = await receivers();
  let tp: TestPlatform | null = null;
  try {
    tp = await startTestPlatform({ database });
    const ctx = tp.ctx();
    const units = await ensureTestUnits(tp);
    const m = await createMember(ctx, { memberClass: 'GOV', memberCode: 'BENCH001', name: '河南省市场监督管理局', unitId: units.province });
    const provider = await createSubsystem(ctx, { memberId: m.id, code: 'qydj', name: '企业登记系统' });
    const topic = await publishResource(ctx, {
      code: TOPIC, catalogType: 'base', classification: '基础信息资源/法人', name: '企业登记事件 (基准测试)', providerSubsystemId: provider.id,
      format: 'JSON 事件', items: [{ name: '统一社会信用代码', type: 'C' }], kind: 'topic', serviceCode: 'bench-events', shareType: 'unconditional',
    });
    const subsystemIds: string[] = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const s = await createSubsystem(ctx, { memberId: m.id, code: `rx${i}`, name: `接收系统 ${i}` });
      await grantAccess(ctx, { resourceId: topic.id, subsystemId: s.id, purpose: '基准测试' });
      subsystemIds.push(s.id);
    }
    console.log(`exchange events bench — ${database.kind}, nproc ${os.cpus().length}, load average ${loadAverage()}`);
    const reference = await directReference(rx.urls, EVENTS);
    console.log(`reference: direct POSTs to the ${SUBSCRIBERS} receivers (no database, no signature, 64 in flight): ${Math.round(reference)} requests/s`);
    const lines = await runPath(tp, 'database path', rx.urls, subsystemIds, topic.id, null);
    for (const l of lines) console.log(l);
    const natsUrl = process.env.NATS_URL;
    if (natsUrl) for (const l of await runPath(tp, 'NATS JetStream path', rx.urls, subsystemIds, topic.id, natsUrl)) console.log(l);
    else console.log('NATS path skipped (set NATS_URL)');
    console.log(`load average after: ${loadAverage()}`);
  } finally {
    await tp?.close();
    await database.close();
    await rx.close();
    await scratch?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
