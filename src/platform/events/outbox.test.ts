import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { silentLogger } from '../context.ts';
import type { Clock } from '../clock.ts';
import { inTransaction } from '../transaction.ts';
import { audit } from '../audit/chain.ts';
import { queryOne, queryRows, sql } from '../db/index.ts';
import { searchAudit } from '../audit/search.ts';
import { listDeadLetters, outboxStats, publish, type DomainEvent, type EventHandler, type PublishInput } from './outbox.ts';
import { Dispatcher, replayDeadLetter } from './dispatcher.ts';

const T0 = new Date('2026-03-02T01:00:00Z');

async function harness(handlers: EventHandler[], clock: Clock = manualClock(T0)): Promise<TestPlatform> {
  return startTestPlatform({ clock, modules: [{ name: 'test', scopes: [], eventHandlers: handlers }], worker: false });
}

function dispatcherFor(tp: TestPlatform, opts: { maxAttempts?: number; backoffBaseMs?: number } = {}): Dispatcher {
  return new Dispatcher({ db: tp.database.db, clock: tp.clock, log: silentLogger, registry: tp.platform.services.events, ...opts });
}

async function emit(tp: TestPlatform, ...events: PublishInput[]): Promise<string[]> {
  return inTransaction(tp.ctx(), async (tctx) => {
    const ids: string[] = [];
    for (const e of events) ids.push(await publish(tctx, tp.platform.services.events, e));
    return ids;
  });
}

async function delivery(tp: TestPlatform, eventId: string, handler: string) {
  return queryOne<{ status: string; attempts: number; last_error: string | null; next_attempt_at: Date | string }>(
    tp.database.db,
    sql`SELECT status, attempts, last_error, next_attempt_at FROM platform.outbox_deliveries WHERE event_id = ${eventId} AND handler = ${handler}`,
  );
}

test('an event published in a transaction that rolls back leaves nothing behind', async () => {
  const tp = await harness([{ name: 'test.noop', types: ['thing.created'], handle: async () => undefined }]);
  try {
    await assert.rejects(
      inTransaction(tp.ctx(), async (tctx) => {
        await publish(tctx, tp.platform.services.events, { type: 'thing.created', orderingKey: 'k', payload: { a: 1 } });
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    const n = await queryOne<{ e: string | number; d: string | number }>(
      tp.database.db,
      sql`SELECT (SELECT count(*) FROM platform.outbox_events) AS e, (SELECT count(*) FROM platform.outbox_deliveries) AS d`,
    );
    assert.equal(Number(n?.e), 0);
    assert.equal(Number(n?.d), 0);
    await assert.rejects(publish(tp.ctx(), tp.platform.services.events, { type: 'x', orderingKey: 'k', payload: {} }), /outside inTransaction/);
  } finally {
    await tp.close();
  }
});

test('a successful handler marks its delivery done; its writes and audit records commit', async () => {
  const seen: DomainEvent[] = [];
  const handler: EventHandler = {
    name: 'test.record',
    types: ['thing.created'],
    async handle(ctx, event) {
      seen.push(event);
      await ctx.db.execute(sql`INSERT INTO platform.secrets (name, value) VALUES (${`seen-${event.id}`}, 'x')`);
      audit(ctx, { action: 'test.thing.react', targetType: 'test.thing', targetId: String(event.payload.id) });
    },
  };
  const other: EventHandler = { name: 'test.other', types: ['other.type'], handle: async () => assert.fail('not subscribed') };
  const tp = await harness([handler, other]);
  try {
    const [id] = await emit(tp, { type: 'thing.created', orderingKey: 't1', payload: { id: 't1', name: '甲' } });
    assert.deepEqual(await outboxStats(tp.ctx()), { awaitingFanOut: 1, pending: 0, done: 0, dead: 0, oldestPendingDueAt: null });
    assert.equal(await dispatcherFor(tp).drain(), 1);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].id, id);
    assert.deepEqual(seen[0].payload, { id: 't1', name: '甲' });
    assert.equal((await delivery(tp, id, 'test.record'))?.status, 'done');
    assert.ok(await queryOne(tp.database.db, sql`SELECT 1 FROM platform.secrets WHERE name = ${`seen-${id}`}`));
    const log = await searchAudit(tp.ctx(), { action: 'test.thing.react' });
    assert.equal(log.total, 1);
    assert.equal(log.items[0].requestId, `event:${id}`);
    assert.deepEqual(await outboxStats(tp.ctx()), { awaitingFanOut: 0, pending: 0, done: 1, dead: 0, oldestPendingDueAt: null });
  } finally {
    await tp.close();
  }
});

test('a failing handler is retried with exponential backoff, becomes a dead letter, and replay brings it back', async () => {
  const clock = manualClock(T0);
  let failing = true;
  let calls = 0;
  const handler: EventHandler = {
    name: 'test.flaky',
    types: ['thing.created'],
    async handle(ctx, event) {
      calls += 1;
      await ctx.db.execute(sql`INSERT INTO platform.secrets (name, value) VALUES (${`flaky-${event.id}-${calls}`}, 'x')`);
      if (failing) throw new Error(`下游不可用 (第 ${calls} 次)`);
    },
  };
  const tp = await harness([handler], clock);
  try {
    const d = dispatcherFor(tp, { maxAttempts: 3, backoffBaseMs: 1000 });
    const [id] = await emit(tp, { type: 'thing.created', orderingKey: 'k', payload: { n: 1 } });

    assert.equal(await d.drain(), 1);
    let row = await delivery(tp, id, 'test.flaky');
    assert.equal(row?.status, 'pending');
    assert.equal(row?.attempts, 1);
    assert.equal(row?.last_error, '下游不可用 (第 1 次)');
    assert.equal(new Date(row!.next_attempt_at).getTime(), T0.getTime() + 1000);
    const leftovers = await queryRows(tp.database.db, sql`SELECT name FROM platform.secrets WHERE name LIKE 'flaky-%'`);
    assert.equal(leftovers.length, 0, 'a failed attempt rolls back the handler\'s writes');

    assert.equal(await d.drain(), 0, 'not due yet');
    clock.advance(999);
    assert.equal(await d.drain(), 0);
    clock.advance(1);
    assert.equal(await d.drain(), 1);
    row = await delivery(tp, id, 'test.flaky');
    assert.equal(row?.attempts, 2);
    assert.equal(new Date(row!.next_attempt_at).getTime(), clock.now().getTime() + 2000, 'second wait doubles');

    clock.advance(2000);
    assert.equal(await d.drain(), 1);
    row = await delivery(tp, id, 'test.flaky');
    assert.equal(row?.status, 'dead');
    assert.equal(row?.attempts, 3);
    clock.advance(3_600_000);
    assert.equal(await d.drain(), 0, 'dead letters are not retried');
    assert.equal(calls, 3);

    const dead = await listDeadLetters(tp.ctx());
    assert.equal(dead.length, 1);
    assert.deepEqual({ ...dead[0], updatedAt: '' }, {
      eventId: id, handler: 'test.flaky', type: 'thing.created', attempts: 3, lastError: '下游不可用 (第 3 次)', updatedAt: '', payload: { n: 1 },
    });
    assert.equal((await outboxStats(tp.ctx())).dead, 1);

    failing = false;
    assert.equal(await replayDeadLetter(tp.ctx(), { eventId: id, handler: 'test.flaky' }), true);
    row = await delivery(tp, id, 'test.flaky');
    assert.equal(row?.status, 'pending');
    assert.equal(row?.attempts, 0);
    assert.equal(await replayDeadLetter(tp.ctx(), { eventId: id, handler: 'test.flaky' }), false, 'only dead letters are replayed');
    assert.equal((await searchAudit(tp.ctx(), { action: 'platform.event.replay' })).total, 1);
    assert.equal(await d.drain(), 1);
    assert.equal((await delivery(tp, id, 'test.flaky'))?.status, 'done');
    assert.deepEqual(await listDeadLetters(tp.ctx()), []);
  } finally {
    await tp.close();
  }
});

test('events with the same ordering key reach a handler in order, also when one of them has to be retried', async () => {
  const clock = manualClock(T0);
  const attempts: string[] = [];
  let failedOnce = false;
  const handler: EventHandler = {
    name: 'test.ordered',
    types: ['thing.changed'],
    async handle(_ctx, event) {
      const tag = `${event.orderingKey}:${String(event.payload.n)}`;
      if (tag === 'a:2' && !failedOnce) {
        failedOnce = true;
        attempts.push(`${tag}!`);
        throw new Error('temporary');
      }
      attempts.push(tag);
    },
  };
  const tp = await harness([handler], clock);
  try {
    // One transaction with interleaved keys (same occurred_at), then more in later transactions.
    await emit(tp, ...[1, 2, 3].flatMap((n) => ['a', 'b'].map((k) => ({ type: 'thing.changed', orderingKey: k, payload: { n } }))));
    clock.advance(10);
    await emit(tp, { type: 'thing.changed', orderingKey: 'a', payload: { n: 4 } });
    await emit(tp, { type: 'thing.changed', orderingKey: 'b', payload: { n: 4 } });
    const d = dispatcherFor(tp, { backoffBaseMs: 1000 });
    await d.drain();
    clock.advance(1000);
    await d.drain();
    const forKey = (k: string) => attempts.filter((t) => t.startsWith(`${k}:`));
    assert.deepEqual(forKey('a'), ['a:1', 'a:2!', 'a:2', 'a:3', 'a:4']);
    assert.deepEqual(forKey('b'), ['b:1', 'b:2', 'b:3', 'b:4']);
    assert.ok(attempts.indexOf('b:4') < attempts.indexOf('a:2'), 'a retry on key a does not hold up key b');
  } finally {
    await tp.close();
  }
});

test('two dispatchers draining at once never run the same delivery twice', async () => {
  const runs = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const handler: EventHandler = {
    name: 'test.counted',
    types: ['thing.created'],
    async handle(_ctx, event) {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
      await sleep(2);
      inFlight -= 1;
    },
  };
  const tp = await harness([handler]);
  try {
    const ids = await emit(tp, ...Array.from({ length: 60 }, (_, i) => ({ type: 'thing.created', orderingKey: `k${i % 7}`, payload: { i } })));
    const d1 = dispatcherFor(tp);
    const d2 = dispatcherFor(tp);
    // Fan out first, so both dispatchers start from the same 60 pending deliveries (otherwise the one
    // that loses the fan-out race finds nothing to claim yet and stops at once).
    while (await d1.fanOut()) {
      /* until every event has its deliveries */
    }
    const [a, b] = await Promise.all([d1.drain(), d2.drain()]);
    // A dispatcher stops when it finds nothing it may take; drain again until all are done.
    let more = 0;
    for (let i = 0; i < 10 && ((await outboxStats(tp.ctx())).pending > 0 || (await outboxStats(tp.ctx())).awaitingFanOut > 0); i += 1) more += await d1.drain();
    assert.equal(a + b + more, 60);
    assert.equal(runs.size, 60);
    assert.deepEqual([...new Set(runs.values())], [1], 'every delivery ran exactly once');
    assert.deepEqual(ids.filter((id) => runs.get(id) !== 1), []);
    assert.deepEqual(await outboxStats(tp.ctx()), { awaitingFanOut: 0, pending: 0, done: 60, dead: 0, oldestPendingDueAt: null });
    // How the work splits between the two is up to the scheduler; what must hold is exactly-once above.
    void maxInFlight;
  } finally {
    await tp.close();
  }
});
