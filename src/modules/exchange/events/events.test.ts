/**
 * Event topics on a real database with webhook receivers as real HTTP servers: grants required to
 * subscribe, only the provider publishes, signed bodies that verify, per-key order under a subscriber
 * that fails and recovers, backoff and dead letters, replay, pause/resume/unsubscribe, the bridge from
 * the legal-entity registry, the statistics — and the NATS JetStream path when EGOV_TEST_NATS_URL is set.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { TestPlatform } from '../../../../test/support/platform.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { ensureTestUnits, type TestUnits } from '../../../../test/support/units.ts';
import type { Actor } from '../../../platform/context.ts';
import { newId } from '../../../platform/ids.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { isAppError } from '../../../platform/errors.ts';
import { usccCheckChar } from '../../../platform/identifiers/index.ts';
import { registerEntity } from '../../registries/index.ts';
import { createMember, createSubsystem, grantAccess, issueHmacCredential, publishResource, revokeGrant, type ResourceInput, type SubsystemView } from '../index.ts';
import { RESOURCE_CODES, SCOPES } from '../model.ts';
import { publishToTopic, subscribe, pauseSubscription, resumeSubscription, unsubscribe, listSubscriptions } from './topics.ts';
import { exchangeSigningPublicKey, verifyWebhook } from './signing.ts';
import { deliveryStats, listDeadLetters, replayDeadLetter } from './deliveries.ts';
import { startEventDelivery, type EventDelivery } from './worker.ts';
import { deleteNatsStream } from './nats.ts';
import { signRequest } from '../gateway/signing.ts';

let tp: TestPlatform;
let units: TestUnits;
let provider: SubsystemView;
let taxA: SubsystemView;
let taxB: SubsystemView;
let topicId: string;
let otherTopicId: string;

const staff = (name: string, unitId: string, scopes: string[]): Actor => ({
  kind: 'staff',
  userId: newId(),
  name,
  grants: [{ roleCode: 't', roleName: 't', unitId, unitName: name, regionCode: '410000', regionPrefix: '41', scopes: new Set(scopes) }],
});
const refusal = (p: Promise<unknown>, code: string) => assert.rejects(p, (e: unknown) => isAppError(e) && e.code === code);

/** A webhook receiver: records every request; `answer` decides the status per request. */
interface Received {
  eventId: string;
  body: string;
  signature: string;
  topic: string;
  status: number;
}
class Receiver {
  server!: http.Server;
  received: Received[] = [];
  answer: (r: Omit<Received, 'status'>) => number = () => 200;
  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = { eventId: String(req.headers['x-egov-event-id']), body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['x-egov-signature']), topic: String(req.headers['x-egov-topic']) };
        const status = this.answer(r);
        this.received.push({ ...r, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return this;
  }
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events`;
  }
  acked(): Received[] {
    return this.received.filter((r) => r.status >= 200 && r.status < 300);
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const topicResource = (providerSubsystemId: string, code: string, serviceCode: string): ResourceInput => ({
  code,
  catalogType: 'base',
  classification: '基础信息资源/法人',
  name: `企业登记信息事件 ${serviceCode}`,
  providerSubsystemId,
  format: 'JSON 事件',
  items: [{ name: '统一社会信用代码', type: 'C' }],
  kind: 'topic',
  serviceCode,
  shareType: 'unconditional',
  shareMethod: '事件订阅',
});

const receivers: Receiver[] = [];
const newReceiver = async () => {
  const r = await new Receiver().start();
  receivers.push(r);
  return r;
};

before(async () => {
  tp = await startTestPlatform();
  units = await ensureTestUnits(tp);
  const ctx = tp.ctx();
  const scjg = await createMember(ctx, { memberClass: 'GOV', memberCode: 'SCJG0001', name: '河南省市场监督管理局', unitId: units.province });
  const tax = await createMember(ctx, { memberClass: 'GOV', memberCode: 'TAX00001', name: '国家税务总局河南省税务局', unitId: units.zhengzhou });
  provider = await createSubsystem(ctx, { memberId: scjg.id, code: 'qydj', name: '企业登记系统' });
  taxA = await createSubsystem(ctx, { memberId: tax.id, code: 'jinsan', name: '金税三期' });
  taxB = await createSubsystem(ctx, { memberId: tax.id, code: 'local', name: '地方税务系统' });
  topicId = (await publishResource(ctx, topicResource(provider.id, RESOURCE_CODES.enterpriseRegistrationTopic, 'enterprise-events'))).id;
  otherTopicId = (await publishResource(ctx, topicResource(provider.id, '102/002/0099', 'other-events'))).id;
  for (const s of [taxA, taxB]) await grantAccess(ctx, { resourceId: topicId, subsystemId: s.id, purpose: '税务登记信息共享' });
});
after(async () => {
  for (const r of receivers) await r.close();
  await tp?.close();
});

/** Starts a deliverer with fast retries for one test. */
async function deliverer(opts: Parameters<typeof startEventDelivery>[0]['options'] = {}): Promise<EventDelivery> {
  return startEventDelivery({ services: tp.platform.services, systemCtx: tp.platform.systemCtx, options: { backoffBaseMs: 20, maxAttempts: 4, pollIntervalMs: 50, natsUrl: null, ...opts } });
}

test('subscribing needs an active grant and a right to act for the subscriber; only the provider publishes', async () => {
  const rx = await newReceiver();
  const consumerStaff = staff('税务局使用员', units.zhengzhou, [SCOPES.subscriptionManage]);
  const stranger = staff('洛阳某局', units.luoyang, [SCOPES.subscriptionManage]);
  await refusal(subscribe(tp.ctx(stranger), { resourceId: topicId, subscriberSubsystemId: taxA.id, webhookUrl: rx.url }), 'forbidden');
  await refusal(subscribe(tp.ctx(consumerStaff), { resourceId: otherTopicId, subscriberSubsystemId: taxA.id, webhookUrl: rx.url }), 'forbidden');
  await refusal(subscribe(tp.ctx(consumerStaff), { resourceId: topicId, subscriberSubsystemId: taxA.id, webhookUrl: 'ftp://x' }), 'webhook_url_invalid');
  // An event published before the subscription is not sent to it.
  const early = await publishToTopic(tp.ctx(), { resourceCode: '102/002/0099', type: 'registered', key: 'K0', payload: { n: 0 } });
  assert.equal(early.deliveries, 0);
  await grantAccess(tp.ctx(), { resourceId: otherTopicId, subsystemId: taxA.id, purpose: '测试' });
  const sub = await subscribe(tp.ctx(consumerStaff), { resourceId: otherTopicId, subscriberSubsystemId: taxA.id, webhookUrl: rx.url });
  assert.equal(sub.status, 'active');
  assert.equal(sub.subscriberXroadId, 'CN-HA/GOV/TAX00001/jinsan');
  await refusal(subscribe(tp.ctx(consumerStaff), { resourceId: otherTopicId, subscriberSubsystemId: taxA.id, webhookUrl: rx.url }), 'subscription_exists');
  assert.deepEqual((await listSubscriptions(tp.ctx(consumerStaff), { resourceId: otherTopicId })).map((s) => s.id), [sub.id]);
  await refusal(listSubscriptions(tp.ctx(staff('无关人员', units.luoyang, []))), 'forbidden');

  await refusal(publishToTopic(tp.ctx(consumerStaff), { resourceCode: '102/002/0099', type: 'registered', key: 'K1', payload: {} }), 'forbidden');
  const providerStaff = staff('市场监管局资源管理员', units.province, [SCOPES.resourcePublish]);
  const ok = await publishToTopic(tp.ctx(providerStaff), { resourceCode: '102/002/0099', type: 'registered', key: 'K1', payload: { n: 1 } });
  assert.equal(ok.deliveries, 1);
  await refusal(publishToTopic(tp.ctx(), { resourceCode: '102/002/0099', type: 'Bad Type', key: 'K1', payload: {} }), 'event_type_invalid');
  await refusal(publishToTopic(tp.ctx(), { resourceCode: '999/999', type: 'x', key: 'K1', payload: {} }), 'topic_not_found');

  const d = await deliverer();
  try {
    await until('delivery', () => rx.acked().length === 1);
  } finally {
    await d.stop();
  }
  assert.equal(rx.received[0].eventId, ok.eventId);
  assert.ok(!rx.received.some((r) => r.eventId === early.eventId), 'the event from before the subscription was not sent');
  await unsubscribe(tp.ctx(consumerStaff), { id: sub.id });
});

test('webhook bodies are SM2-signed with the platform key; a changed body does not verify', async () => {
  const rx = await newReceiver();
  const sub = await subscribe(tp.ctx(), { resourceId: topicId, subscriberSubsystemId: taxB.id, webhookUrl: rx.url });
  const { eventId } = await publishToTopic(tp.ctx(), { resourceCode: RESOURCE_CODES.enterpriseRegistrationTopic, type: 'changed', key: '91410100TEST00001X', payload: { name: '河南测试有限公司' } });
  const d = await deliverer();
  try {
    await until('signed delivery', () => rx.acked().length === 1);
  } finally {
    await d.stop();
  }
  const got = rx.received[0];
  const publicKeyPem = await exchangeSigningPublicKey(tp.ctx());
  assert.equal(got.eventId, eventId);
  assert.equal(got.topic, RESOURCE_CODES.enterpriseRegistrationTopic);
  const body = JSON.parse(got.body) as { id: string; topic: string; type: string; key: string; payload: { name: string } };
  assert.deepEqual([body.id, body.topic, body.type, body.key, body.payload.name], [eventId, RESOURCE_CODES.enterpriseRegistrationTopic, 'changed', '91410100TEST00001X', '河南测试有限公司']);
  assert.ok(verifyWebhook({ body: got.body, signature: got.signature, publicKeyPem }), 'the signature verifies');
  assert.ok(!verifyWebhook({ body: got.body.replace('河南测试', '河南伪造'), signature: got.signature, publicKeyPem }), 'a changed body does not');
  assert.ok(!verifyWebhook({ body: got.body, signature: 'sm2 AAAA', publicKeyPem }));
  const res = await tp.platform.app.inject({ method: 'GET', url: '/exchange/keys' });
  assert.equal(res.statusCode, 200);
  assert.equal((res.json() as { keys: { publicKeyPem: string }[] }).keys[0].publicKeyPem, publicKeyPem);
  await unsubscribe(tp.ctx(), { id: sub.id });
});

test('per-key order holds while a subscriber fails and recovers; failures back off; the stats count it', async () => {
  const rx = await newReceiver();
  let calls = 0;
  // Fails about half the requests for a while, then recovers.
  rx.answer = () => (++calls < 60 && randomBytes(1)[0] % 2 === 0 ? 500 : 200);
  const sub = await subscribe(tp.ctx(), { resourceId: topicId, subscriberSubsystemId: taxA.id, webhookUrl: rx.url });
  const published = new Map<string, string[]>();
  for (let i = 0; i < 40; i++) {
    const key = `KEY${i % 4}`;
    const { eventId } = await publishToTopic(tp.ctx(), { resourceCode: RESOURCE_CODES.enterpriseRegistrationTopic, type: 'changed', key, payload: { i } });
    published.set(key, [...(published.get(key) ?? []), eventId]);
  }
  const d = await deliverer({ maxAttempts: 20, lanes: 2 });
  try {
    await until('all 40 acknowledged', () => rx.acked().length >= 40);
  } finally {
    await d.stop();
  }
  const keyOf = (r: Received) => (JSON.parse(r.body) as { key: string }).key;
  for (const [key, ids] of published) {
    const ackedInOrder = rx.acked().filter((r) => keyOf(r) === key).map((r) => r.eventId);
    assert.deepEqual(ackedInOrder, ids, `order of ${key}`);
    // Nothing of a key is sent before every earlier event of that key was acknowledged.
    const sent = rx.received.filter((r) => keyOf(r) === key).map((r) => ids.indexOf(r.eventId));
    for (let i = 1; i < sent.length; i++) assert.ok(sent[i] >= sent[i - 1], `${key} never goes back: ${sent.join(',')}`);
  }
  assert.ok(rx.received.length > 40, 'some attempts failed and were retried');
  const stats = await deliveryStats(tp.ctx());
  assert.ok(stats.delivered >= 40 && stats.p50LatencyMs !== null && stats.p95LatencyMs !== null && stats.p95LatencyMs >= stats.p50LatencyMs, JSON.stringify(stats));

  // A failed attempt waits backoffMs(attempts, base) before the next one.
  rx.answer = () => 503;
  const slow = await deliverer({ backoffBaseMs: 60_000 });
  const { eventId } = await publishToTopic(tp.ctx(), { resourceCode: RESOURCE_CODES.enterpriseRegistrationTopic, type: 'changed', key: 'KEYX', payload: {} });
  try {
    await until('first failed attempt', async () => (await queryOne<{ n: number }>(tp.database.db, sql`SELECT attempts AS n FROM exchange.deliveries WHERE event_id = ${eventId} AND subscription_id = ${sub.id} AND lease_until IS NULL AND attempts > 0`)) !== null);
  } finally {
    await slow.stop();
  }
  const row = await queryOne<{ attempts: number; status: string; gap_ms: string | number; last_status_code: number }>(tp.database.db, sql`SELECT attempts, status, last_status_code,
    extract(epoch FROM next_attempt_at - first_attempted_at) * 1000 AS gap_ms FROM exchange.deliveries WHERE event_id = ${eventId} AND subscription_id = ${sub.id}`);
  assert.equal(row!.status, 'pending');
  assert.equal(Number(row!.attempts), 1);
  assert.equal(Number(row!.last_status_code), 503);
  assert.ok(Number(row!.gap_ms) >= 60_000, `next attempt after the backoff (${row!.gap_ms} ms)`);
  await unsubscribe(tp.ctx(), { id: sub.id });
});

test('after maxAttempts a delivery is a dead letter; an operator replays it; pause holds events until resume', async () => {
  const rx = await newReceiver();
  rx.answer = () => 503;
  const sub = await subscribe(tp.ctx(), { resourceId: topicId, subscriberSubsystemId: taxB.id, webhookUrl: rx.url });
  const { eventId } = await publishToTopic(tp.ctx(), { resourceCode: RESOURCE_CODES.enterpriseRegistrationTopic, type: 'registered', key: 'DEAD1', payload: { x: 1 } });
  const d = await deliverer({ maxAttempts: 3 });
  const operator = staff('平台运维', units.province, [SCOPES.deadLetterManage]);
  try {
    await until('dead letter', async () => (await listDeadLetters(tp.ctx(operator))).some((l) => l.eventId === eventId));
    assert.equal(rx.received.filter((r) => r.eventId === eventId).length, 3, 'exactly maxAttempts attempts');
    const [dead] = (await listDeadLetters(tp.ctx(operator), { subscriptionId: sub.id }));
    assert.equal(dead.attempts, 3);
    assert.equal(dead.lastStatusCode, 503);
    assert.match(dead.lastError ?? '', /503/);
    await refusal(listDeadLetters(tp.ctx(staff('无权人员', units.province, [SCOPES.monitorRead]))), 'forbidden');
    await refusal(replayDeadLetter(tp.ctx(staff('无权人员', units.province, [SCOPES.monitorRead])), { id: dead.id }), 'forbidden');

    rx.answer = () => 200;
    await replayDeadLetter(tp.ctx(operator), { id: dead.id });
    await refusal(replayDeadLetter(tp.ctx(operator), { id: dead.id }), 'dead_letter_not_found');
    await until('replayed delivery', () => rx.acked().some((r) => r.eventId === eventId));
    const audit = await queryOne(tp.database.db, sql`SELECT 1 FROM platform.audit_log WHERE action = 'exchange.delivery.replay' AND target_id = ${dead.id}`);
    assert.ok(audit, 'the replay is audited');

    await pauseSubscription(tp.ctx(), { id: sub.id });
    const held = await publishToTopic(tp.ctx(), { resourceCode: RESOURCE_CODES.enterpriseRegistrationTopic, type: 'changed', key: 'DEAD1', payload: { x: 2 } });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!rx.received.some((r) => r.eventId === held.eventId), 'nothing is sent while paused');
    await resumeSubscription(tp.ctx(), { id: sub.id });
    await until('delivery after resume', () => rx.acked().some((r) => r.eventId === held.eventId));

    // A revoked grant stops delivery.
    const grants = await queryRows<{ id: string }>(tp.database.db, sql`SELECT id FROM exchange.grants WHERE resource_id = ${topicId} AND subsystem_id = ${taxB.id} AND revoked_at IS NULL`);
    for (const g of grants) await revokeGrant(tp.ctx(), { id: g.id, reason: '测试吊销' });
    const after = await publishToTopic(tp.ctx(), { resourceCode: RESOURCE_CODES.enterpriseRegistrationTopic, type: 'changed', key: 'DEAD2', payload: {} });
    await until('dead for lack of a grant', async () => (await listDeadLetters(tp.ctx(operator))).some((l) => l.eventId === after.eventId && /授权/.test(l.lastError ?? '')));
    assert.ok(!rx.received.some((r) => r.eventId === after.eventId));
  } finally {
    await d.stop();
  }
  await unsubscribe(tp.ctx(), { id: sub.id });
  const cancelled = await queryOne<{ n: number }>(tp.database.db, sql`SELECT count(*) AS n FROM exchange.deliveries WHERE subscription_id = ${sub.id} AND status IN ('pending', 'dead')`);
  assert.equal(Number(cancelled!.n), 0, 'an unsubscribed subscription keeps nothing to send');
});

test('an enterprise registered in the legal-entity registry reaches the subscribed tax system through the topic', async () => {
  const rx = await newReceiver();
  const sub = await subscribe(tp.ctx(), { resourceId: topicId, subscriberSubsystemId: taxA.id, webhookUrl: rx.url });
  const first17 = '91410102MA9EXCH01';
  const uscc = first17 + usccCheckChar(first17);
  const registrar = staff('市场监管登记员', units.province, ['registries.entity.write', 'registries.entity.read']);
  await registerEntity(tp.ctx(registrar), { uscc, name: '河南交换测试科技有限公司', entityType: '1100', legalRepName: '王小明', registeredCapital: 100, establishedOn: '2026-01-05', industryCode: '65', regionCode: '410102', address: '郑州市中原区' });
  await tp.platform.dispatcher.drain();
  const d = await deliverer();
  try {
    await until('registration delivered', () => rx.acked().length === 1);
  } finally {
    await d.stop();
  }
  const body = JSON.parse(rx.received[0].body) as { type: string; key: string; payload: { uscc: string; name: string } };
  assert.deepEqual([body.type, body.key, body.payload.uscc, body.payload.name], ['registered', uscc, uscc, '河南交换测试科技有限公司']);
  await unsubscribe(tp.ctx(), { id: sub.id });
});

test('a member system publishes into its own topic over HTTP, signed like gateway calls; a retry with the same X-Road-Id is one event', async () => {
  const providerKey = await issueHmacCredential(tp.ctx(), { subsystemId: provider.id });
  const otherKey = await issueHmacCredential(tp.ctx(), { subsystemId: taxA.id });
  const url = `/exchange/events/${provider.xroadId}/other-events`;
  const body = JSON.stringify({ type: 'registered', key: '91410100HTTP00001X', payload: { name: '接口发布测试' } });
  const send = (o: { client: string; keyId: string; secret: string; messageId: string; payload?: string; signedBody?: string }) => tp.platform.app.inject({
    method: 'POST', url, payload: o.payload ?? body,
    headers: { 'content-type': 'application/json', ...signRequest({ method: 'POST', url, client: o.client, messageId: o.messageId, body: o.signedBody ?? o.payload ?? body, keyId: o.keyId, secret: o.secret }) },
  });
  const first = await send({ client: provider.xroadId, keyId: providerKey.keyId, secret: providerKey.secret, messageId: 'pub-1' });
  assert.equal(first.statusCode, 201, first.body);
  const { eventId } = first.json() as { eventId: string };
  const again = await send({ client: provider.xroadId, keyId: providerKey.keyId, secret: providerKey.secret, messageId: 'pub-1' });
  assert.equal(again.statusCode, 200);
  assert.equal((again.json() as { eventId: string; duplicate: boolean }).eventId, eventId);
  const stored = await queryOne<{ type: string; ordering_key: string; publisher_subsystem_id: string; actor_name: string }>(tp.database.db, sql`SELECT type, ordering_key, publisher_subsystem_id, actor_name FROM exchange.topic_events WHERE id = ${eventId}`);
  assert.deepEqual(stored, { type: 'registered', ordering_key: '91410100HTTP00001X', publisher_subsystem_id: provider.id, actor_name: provider.xroadId });
  assert.ok(await queryOne(tp.database.db, sql`SELECT 1 FROM platform.audit_log WHERE action = 'exchange.topic.publish' AND target_id = ${otherTopicId}`), 'audited');
  // Someone else's topic, a body that is not the signed one, a key of another subsystem.
  assert.equal((await send({ client: taxA.xroadId, keyId: otherKey.keyId, secret: otherKey.secret, messageId: 'pub-2' })).statusCode, 403);
  assert.equal((await send({ client: provider.xroadId, keyId: providerKey.keyId, secret: providerKey.secret, messageId: 'pub-3', signedBody: '{}' })).statusCode, 401);
  assert.equal((await send({ client: provider.xroadId, keyId: otherKey.keyId, secret: otherKey.secret, messageId: 'pub-4' })).statusCode, 401);
  assert.equal((await send({ client: provider.xroadId, keyId: providerKey.keyId, secret: providerKey.secret, messageId: 'pub-5', payload: '{"type":"registered"}' })).statusCode, 400);
});

test('NATS JetStream path: relayed once per event id, durable consumer per subscription, per-key order and retries kept', { skip: !process.env.EGOV_TEST_NATS_URL }, async () => {
  const servers = process.env.EGOV_TEST_NATS_URL!;
  const run = randomBytes(4).toString('hex');
  const nats = { streamName: `EGOV_TEST_${run}`, subjectPrefix: `egovtest.${run}.topic`, consumerPrefix: `egovtest_${run}_`, pollIntervalMs: 100 };
  const rxA = await newReceiver();
  const rxB = await newReceiver();
  let calls = 0;
  rxB.answer = () => (++calls <= 6 ? 500 : 200);
  const subA = await subscribe(tp.ctx(), { resourceId: topicId, subscriberSubsystemId: taxA.id, webhookUrl: rxA.url });
  await grantAccess(tp.ctx(), { resourceId: topicId, subsystemId: taxB.id, purpose: '恢复授权' });
  const subB = await subscribe(tp.ctx(), { resourceId: topicId, subscriberSubsystemId: taxB.id, webhookUrl: rxB.url });
  const d = await deliverer({ natsUrl: servers, nats, maxAttempts: 20 });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await publishToTopic(tp.ctx(), { resourceCode: RESOURCE_CODES.enterpriseRegistrationTopic, type: 'changed', key: `N${i % 3}`, payload: { i } })).eventId);
    await until('NATS deliveries', () => rxA.acked().length >= 20 && rxB.acked().length >= 20);
    const keyOf = (r: Received) => (JSON.parse(r.body) as { key: string }).key;
    for (const key of ['N0', 'N1', 'N2']) {
      const expected = ids.filter((_, i) => `N${i % 3}` === key);
      assert.deepEqual(rxA.acked().filter((r) => keyOf(r) === key).map((r) => r.eventId), expected, `subscriber A: order of ${key}`);
      assert.deepEqual(rxB.acked().filter((r) => keyOf(r) === key).map((r) => r.eventId), expected, `subscriber B: order of ${key} after failures`);
      const sent = rxB.received.filter((r) => keyOf(r) === key).map((r) => expected.indexOf(r.eventId));
      for (let i = 1; i < sent.length; i++) assert.ok(sent[i] >= sent[i - 1], `B ${key} never goes back: ${sent.join(',')}`);
    }
    assert.ok(rxB.received.length > 20, 'B was retried');
    // The 2xx is answered before the deliverer records it; NATS is acked after that.
    const statuses = () => queryRows<{ status: string; n: number }>(tp.database.db, sql`SELECT status, count(*) AS n FROM exchange.deliveries WHERE event_id = ANY(${sql.param(ids)}::uuid[]) GROUP BY status`);
    await until('recorded', async () => JSON.stringify((await statuses()).map((r) => [r.status, Number(r.n)])) === JSON.stringify([['delivered', 40]]));
    // A re-relay (as after a crash between publishing and recording it) is dropped by JetStream's duplicate window.
    await tp.database.db.execute(sql`UPDATE exchange.topic_events SET relayed_at = NULL WHERE id = ${ids[0]}`);
    d.wake();
    await until('re-relayed', async () => (await queryOne(tp.database.db, sql`SELECT 1 FROM exchange.topic_events WHERE id = ${ids[0]} AND relayed_at IS NOT NULL`)) !== null);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rxA.received.filter((r) => r.eventId === ids[0]).length, 1, 'no second delivery');
    // Signatures verify on this path too.
    const publicKeyPem = await exchangeSigningPublicKey(tp.ctx());
    assert.ok(rxA.received.every((r) => verifyWebhook({ body: r.body, signature: r.signature, publicKeyPem })));
  } finally {
    await d.stop();
    await deleteNatsStream(servers, nats.streamName);
  }
  await unsubscribe(tp.ctx(), { id: subA.id });
  await unsubscribe(tp.ctx(), { id: subB.id });
});
