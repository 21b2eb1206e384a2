import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { staffActor, tokenAuthenticator } from '../../../test/support/actors.ts';
import { csrfFrom } from '../../../test/support/identity.ts';
import { platformModule } from '../platform-module.ts';
import { inTransaction } from '../transaction.ts';
import { silentLogger } from '../context.ts';
import { queryOne, sql } from '../db/index.ts';
import { searchAudit } from '../audit/search.ts';
import { publish } from './outbox.ts';
import { Dispatcher } from './dispatcher.ts';

const actors = {
  ops: staffActor('运维管理员', '410000', ['platform.events.admin']),
  auditor: staffActor('省审计员', '410000', ['platform.audit.read']),
};
const cookie = (who: keyof typeof actors) => ({ cookie: `egov_session=${who}` });
const clock = manualClock(new Date('2026-03-02T01:00:00Z'));

let tp: TestPlatform;
let eventIds: string[] = [];

before(async () => {
  tp = await startTestPlatform({
    clock,
    authenticator: tokenAuthenticator(actors),
    modules: [platformModule, {
      name: 'test',
      scopes: [],
      eventHandlers: [{ name: 'test.broken', types: ['thing.created'], handle: async () => { throw new Error('下游接口返回 500'); } }],
    }],
  });
  eventIds = await inTransaction(tp.ctx(), async (tctx) => [
    await publish(tctx, tp.platform.services.events, { type: 'thing.created', orderingKey: 'a', payload: { name: '<script>甲</script>', n: 1 } }),
    await publish(tctx, tp.platform.services.events, { type: 'thing.created', orderingKey: 'b', payload: { name: '乙', n: 2 } }),
  ]);
  const d = new Dispatcher({ db: tp.database.db, clock, log: silentLogger, registry: tp.platform.services.events, maxAttempts: 1 });
  await d.drain();
});

after(() => tp.close());

const status = async (eventId: string) =>
  (await queryOne<{ status: string }>(tp.database.db, sql`SELECT status FROM platform.outbox_deliveries WHERE event_id = ${eventId}`))?.status;

test('the dead-letter page shows counts, errors and the payload, escaped', async () => {
  const res = await tp.platform.app.inject({ method: 'GET', url: '/workbench/system/dead-letters', headers: cookie('ops') });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /<dt>死信<\/dt><dd>2<\/dd>/);
  assert.match(res.body, /下游接口返回 500/);
  assert.match(res.body, /<pre>\{\n {2}&quot;n&quot;: 1,\n {2}&quot;name&quot;: &quot;&lt;script&gt;甲&lt;\/script&gt;&quot;\n\}<\/pre>/);
  assert.match(res.body, /action="\/workbench\/system\/dead-letters\/replay"/);
  assert.match(res.body, /href="\/workbench\/system\/dead-letters"[^>]*>事件死信/);
  const home = await tp.platform.app.inject({ method: 'GET', url: '/workbench', headers: cookie('ops') });
  assert.match(home.body, /事件投递死信待处理<\/a> <span class="count-badge">2/);
});

test('only operators with platform.events.admin may see or replay dead letters', async () => {
  const app = tp.platform.app;
  assert.equal((await app.inject({ method: 'GET', url: '/workbench/system/dead-letters', headers: cookie('auditor') })).statusCode, 403);
  assert.equal((await app.inject({ method: 'GET', url: '/api/platform/dead-letters', headers: cookie('auditor') })).statusCode, 403);
  assert.equal((await app.inject({ method: 'GET', url: '/api/platform/dead-letters' })).statusCode, 401);
  const replay = await app.inject({ method: 'POST', url: '/api/platform/dead-letters/replay', headers: { authorization: 'Bearer auditor' }, payload: { eventId: eventIds[0], handler: 'test.broken' } });
  assert.equal(replay.statusCode, 403);
  assert.equal(await status(eventIds[0]), 'dead');
});

test('replay from the page (with CSRF token) and through the API puts the delivery back, audited', async () => {
  const app = tp.platform.app;
  const page = await app.inject({ method: 'GET', url: '/workbench/system/dead-letters', headers: cookie('ops') });
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const withoutToken = await app.inject({ method: 'POST', url: '/workbench/system/dead-letters/replay', headers: { ...cookie('ops'), ...form }, payload: new URLSearchParams({ eventId: eventIds[0], handler: 'test.broken' }).toString() });
  assert.equal(withoutToken.statusCode, 403);
  const res = await app.inject({
    method: 'POST',
    url: '/workbench/system/dead-letters/replay',
    headers: { ...cookie('ops'), ...form },
    payload: new URLSearchParams({ eventId: eventIds[0], handler: 'test.broken', _csrf: csrfFrom(page.body) }).toString(),
  });
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, '/workbench/system/dead-letters');
  assert.equal(await status(eventIds[0]), 'pending');

  const list = (await app.inject({ method: 'GET', url: '/api/platform/dead-letters', headers: cookie('ops') })).json() as { stats: { pending: number; dead: number }; items: { eventId: string; payload: { n: number } }[] };
  assert.deepEqual([list.stats.pending, list.stats.dead], [1, 1]);
  assert.deepEqual(list.items.map((i) => [i.eventId, i.payload.n]), [[eventIds[1], 2]]);

  const api = await app.inject({ method: 'POST', url: '/api/platform/dead-letters/replay', headers: { authorization: 'Bearer ops' }, payload: { eventId: eventIds[1], handler: 'test.broken' } });
  assert.equal(api.statusCode, 200);
  assert.deepEqual(api.json(), { replayed: true });
  const again = await app.inject({ method: 'POST', url: '/api/platform/dead-letters/replay', headers: { authorization: 'Bearer ops' }, payload: { eventId: eventIds[1], handler: 'test.broken' } });
  assert.equal(again.statusCode, 404);
  const invalid = await app.inject({ method: 'POST', url: '/api/platform/dead-letters/replay', headers: { authorization: 'Bearer ops' }, payload: { eventId: 'not-a-uuid', handler: 'test.broken' } });
  assert.equal(invalid.statusCode, 400);
  assert.match((invalid.json() as { detail: string }).detail, /事件标识/);

  const log = await searchAudit(tp.ctx(), { action: 'platform.event.replay' });
  assert.deepEqual(log.items.map((r) => r.actorName), ['运维管理员', '运维管理员']);
});
