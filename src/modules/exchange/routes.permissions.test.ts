/**
 * Who may and who may not: every route of the exchange module, called through the real app by a
 * user allowed to and by one who is not, and anonymously. A spy module collects the routes the
 * module registers (catalog, gateway, events, who-used-my-data), so a new route without a line
 * here fails the test. Fixtures: a provider unit (Zhengzhou) with a member and a subsystem that
 * publishes resources, a consumer unit (Luoyang) with a subsystem that applies, and the data
 * authority (the province unit) administering members and grants.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestPlatform } from '../../../test/support/platform.ts';
import { deploymentModules, startTestPlatform } from '../../../test/support/platform.ts';
import { anonymousSession, createStaff, loginAs, type Session } from '../../../test/support/identity.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { routeSpy, type Body, json, form } from '../../../test/support/routes.ts';
import { generateSm2KeyPair } from '../../platform/crypto/index.ts';
import {
  createGroup, createMember, createSubsystem, grantAccess, issueHmacCredential, publishResource, submitApplication, type ResourceInput, type SubsystemView,
  getResource, publishToTopic, subscribe,
} from './index.ts';
import { queryRows, sql } from '../../platform/db/index.ts';
import { SCOPES } from './model.ts';

type UserKey = 'reader' | 'admin' | 'provider' | 'consumer' | 'other' | 'anonymous';

let tp: TestPlatform;
let units: TestUnits;
const { spy, registered } = routeSpy();
const sessions = {} as Record<UserKey, Session>;
const fx = {} as { providerSys: SubsystemView; consumerSys: SubsystemView; conditionalId: string; groupId: string; applicationId: string };

interface RouteCase {
  route: string;
  url: () => Promise<string>;
  allowed: UserKey;
  denied: UserKey;
  status: number;
  body?: (s: Session) => Body | Promise<Body>;
}


let seq = 0;
const resource = (over: Partial<ResourceInput> = {}): ResourceInput => {
  seq += 1;
  return {
    code: `901/001/${String(seq).padStart(4, '0')}`,
    catalogType: 'department',
    classification: '部门信息资源/测试',
    name: `测试资源 ${seq}`,
    providerSubsystemId: fx.providerSys.id,
    format: 'JSON 接口',
    items: [{ name: '统一社会信用代码', type: '字符型 C' }],
    kind: 'api',
    serviceCode: `svc-${seq}`,
    shareType: 'conditional',
    shareCondition: '限于法定职责',
    legalBasis: '《测试依据》',
    baseUrl: 'http://127.0.0.1:9/provider',
    endpoints: [{ method: 'GET', pathTemplate: '/entities/{uscc}', operationId: 'getEntity', subjectParam: 'uscc' }],
    ...over,
  };
};
const freshResource = async (over: Partial<ResourceInput> = {}) => (await publishResource(tp.ctx(), resource(over))).id;
const freshApplication = async () => (await submitApplication(tp.ctx(), { resourceId: await freshResource(), clientSubsystemId: fx.consumerSys.id, purpose: '测试用途说明', legalBasis: '《测试依据》' })).id;
/** A pending application submitted by the consumer user (only the applicant may withdraw it). */
async function ownApplication(): Promise<string> {
  const s = sessions.consumer;
  const res = await tp.platform.app.inject({ method: 'POST', url: '/api/exchange/applications', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json', accept: 'application/json' },
    payload: JSON.stringify({ resourceId: await freshResource(), clientSubsystemId: fx.consumerSys.id, purpose: '本人提交的申请', legalBasis: '《测试依据》' }) });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}
const freshGrant = async () => (await grantAccess(tp.ctx(), { resourceId: fx.conditionalId, subsystemId: fx.consumerSys.id, purpose: '测试授权' })).id;
const freshKey = async () => (await issueHmacCredential(tp.ctx(), { subsystemId: fx.consumerSys.id })).keyId;
const resourceForm = (s: Session) => {
  seq += 1;
  return form(s, {
    providerSubsystemId: fx.providerSys.id, catalogType: 'department', classification: '部门信息资源/测试', code: `902/001/${String(seq).padStart(4, '0')}`, name: `表单资源 ${seq}`,
    format: 'CSV 数据集', items: '名称 | 字符型 C\n数量 | 数值型 N | 说明', kind: 'dataset', serviceCode: `form-${seq}`, shareType: 'unconditional', openType: 'closed',
  });
};

const CASES: RouteCase[] = [
  // --- members, subsystems, credentials, groups (API) ---
  { route: 'GET /api/exchange/members', url: async () => '/api/exchange/members', allowed: 'admin', denied: 'provider', status: 200 },
  { route: 'POST /api/exchange/members', url: async () => '/api/exchange/members', allowed: 'admin', denied: 'provider', status: 201, body: () => json({ memberClass: 'COM', memberCode: `COMTEST${++seq}`, name: '测试企业', regionCode: '410100' }) },
  { route: 'GET /api/exchange/subsystems', url: async () => '/api/exchange/subsystems', allowed: 'provider', denied: 'other', status: 200 },
  { route: 'POST /api/exchange/subsystems', url: async () => '/api/exchange/subsystems', allowed: 'provider', denied: 'reader', status: 201, body: () => json({ memberId: fx.providerSys.memberId, code: `sys-${++seq}`, name: '测试系统' }) },
  { route: 'POST /api/exchange/subsystems/:id/status', url: async () => `/api/exchange/subsystems/${fx.providerSys.id}/status`, allowed: 'admin', denied: 'provider', status: 200, body: () => json({ status: 'active' }) },
  { route: 'GET /api/exchange/subsystems/:id/credentials', url: async () => `/api/exchange/subsystems/${fx.consumerSys.id}/credentials`, allowed: 'consumer', denied: 'reader', status: 200 },
  { route: 'POST /api/exchange/subsystems/:id/credentials/hmac', url: async () => `/api/exchange/subsystems/${fx.consumerSys.id}/credentials/hmac`, allowed: 'consumer', denied: 'reader', status: 201 },
  { route: 'POST /api/exchange/subsystems/:id/credentials/sm2', url: async () => `/api/exchange/subsystems/${fx.consumerSys.id}/credentials/sm2`, allowed: 'consumer', denied: 'reader', status: 201, body: () => json({ publicKeyPem: generateSm2KeyPair().publicKeyPem }) },
  { route: 'POST /api/exchange/credentials/:keyId/revoke', url: async () => `/api/exchange/credentials/${await freshKey()}/revoke`, allowed: 'consumer', denied: 'reader', status: 204 },
  { route: 'GET /api/exchange/groups', url: async () => '/api/exchange/groups', allowed: 'admin', denied: 'provider', status: 200 },
  { route: 'POST /api/exchange/groups', url: async () => '/api/exchange/groups', allowed: 'admin', denied: 'provider', status: 201, body: () => json({ code: `grp-${++seq}`, name: '测试分组' }) },
  { route: 'POST /api/exchange/groups/:id/members', url: async () => `/api/exchange/groups/${fx.groupId}/members`, allowed: 'admin', denied: 'provider', status: 204, body: () => json({ subsystemId: fx.consumerSys.id }) },
  // --- catalog (API) ---
  { route: 'GET /api/exchange/resources', url: async () => '/api/exchange/resources?shareType=conditional', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /api/exchange/resources', url: async () => '/api/exchange/resources', allowed: 'provider', denied: 'reader', status: 201, body: () => json(resource()) },
  { route: 'GET /api/exchange/resources/:id', url: async () => `/api/exchange/resources/${fx.conditionalId}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/exchange/resources/:id/openapi.json', url: async () => `/api/exchange/resources/${fx.conditionalId}/openapi.json`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /api/exchange/resources/:id/withdraw', url: async () => `/api/exchange/resources/${await freshResource()}/withdraw`, allowed: 'provider', denied: 'reader', status: 200, body: () => json({ reason: '测试撤销' }) },
  { route: 'GET /api/exchange/resources/:id/grants', url: async () => `/api/exchange/resources/${fx.conditionalId}/grants`, allowed: 'provider', denied: 'reader', status: 200 },
  // --- applications and grants (API) ---
  { route: 'POST /api/exchange/applications', url: async () => '/api/exchange/applications', allowed: 'consumer', denied: 'provider', status: 201, body: async () => json({ resourceId: await freshResource({ shareType: 'unconditional', legalBasis: '', shareCondition: '' }), clientSubsystemId: fx.consumerSys.id, purpose: '测试用途说明' }) },
  { route: 'GET /api/exchange/applications', url: async () => '/api/exchange/applications?side=client', allowed: 'consumer', denied: 'other', status: 200 },
  { route: 'GET /api/exchange/applications/:id', url: async () => `/api/exchange/applications/${fx.applicationId}`, allowed: 'consumer', denied: 'other', status: 200 },
  { route: 'POST /api/exchange/applications/:id/decision', url: async () => `/api/exchange/applications/${await freshApplication()}/decision`, allowed: 'provider', denied: 'consumer', status: 200, body: () => json({ decision: 'refuse', reason: '测试不同意' }) },
  { route: 'POST /api/exchange/applications/:id/withdraw', url: async () => `/api/exchange/applications/${await ownApplication()}/withdraw`, allowed: 'consumer', denied: 'provider', status: 200 },
  { route: 'GET /api/exchange/grants', url: async () => '/api/exchange/grants?side=client', allowed: 'consumer', denied: 'other', status: 200 },
  { route: 'POST /api/exchange/grants', url: async () => '/api/exchange/grants', allowed: 'admin', denied: 'provider', status: 201, body: () => json({ resourceId: fx.conditionalId, subsystemId: fx.consumerSys.id, purpose: '直接授权测试' }) },
  { route: 'POST /api/exchange/grants/:id/revoke', url: async () => `/api/exchange/grants/${await freshGrant()}/revoke`, allowed: 'admin', denied: 'provider', status: 200, body: () => json({ reason: '测试吊销' }) },
  // --- pages: dashboard, catalog, applications, grants ---
  { route: 'GET /workbench/exchange', url: async () => '/workbench/exchange?days=30', allowed: 'admin', denied: 'reader', status: 200 },
  { route: 'GET /workbench/exchange/catalog', url: async () => '/workbench/exchange/catalog?kind=api', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/exchange/catalog/new', url: async () => '/workbench/exchange/catalog/new', allowed: 'provider', denied: 'reader', status: 200 },
  { route: 'POST /workbench/exchange/catalog', url: async () => '/workbench/exchange/catalog', allowed: 'provider', denied: 'reader', status: 303, body: resourceForm },
  { route: 'GET /workbench/exchange/resources/:id', url: async () => `/workbench/exchange/resources/${fx.conditionalId}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /workbench/exchange/resources/:id/withdraw', url: async () => `/workbench/exchange/resources/${await freshResource()}/withdraw`, allowed: 'provider', denied: 'reader', status: 303, body: (s) => form(s, { reason: '测试撤销' }) },
  {
    route: 'POST /workbench/exchange/resources/:id/apply',
    url: async () => `/workbench/exchange/resources/${await freshResource({ shareType: 'unconditional', legalBasis: '', shareCondition: '' })}/apply`,
    allowed: 'consumer', denied: 'provider', status: 303,
    body: (s) => form(s, { clientSubsystemId: fx.consumerSys.id, purpose: '页面申请测试' }),
  },
  { route: 'GET /workbench/exchange/applications', url: async () => '/workbench/exchange/applications', allowed: 'consumer', denied: 'other', status: 200 },
  { route: 'GET /workbench/exchange/applications/:id', url: async () => `/workbench/exchange/applications/${fx.applicationId}`, allowed: 'consumer', denied: 'other', status: 200 },
  { route: 'POST /workbench/exchange/applications/:id/decision', url: async () => `/workbench/exchange/applications/${await freshApplication()}/decision`, allowed: 'provider', denied: 'consumer', status: 303, body: (s) => form(s, { decision: 'approve', expiresOn: '2099-12-31' }) },
  { route: 'POST /workbench/exchange/applications/:id/withdraw', url: async () => `/workbench/exchange/applications/${await ownApplication()}/withdraw`, allowed: 'consumer', denied: 'provider', status: 303, body: (s) => form(s, {}) },
  { route: 'GET /workbench/exchange/grants', url: async () => '/workbench/exchange/grants', allowed: 'consumer', denied: 'other', status: 200 },
  { route: 'POST /workbench/exchange/grants/:id/revoke', url: async () => `/workbench/exchange/grants/${await freshGrant()}/revoke`, allowed: 'admin', denied: 'provider', status: 303, body: (s) => form(s, { reason: '测试吊销' }) },
  // --- pages: administration ---
  { route: 'GET /workbench/exchange/members', url: async () => '/workbench/exchange/members', allowed: 'admin', denied: 'provider', status: 200 },
  { route: 'POST /workbench/exchange/members', url: async () => '/workbench/exchange/members', allowed: 'admin', denied: 'provider', status: 303, body: (s) => form(s, { memberClass: 'NGO', memberCode: `NGOTEST${++seq}`, name: '测试社会组织', regionCode: '410300' }) },
  { route: 'GET /workbench/exchange/systems', url: async () => '/workbench/exchange/systems', allowed: 'provider', denied: 'other', status: 200 },
  { route: 'POST /workbench/exchange/systems', url: async () => '/workbench/exchange/systems', allowed: 'provider', denied: 'reader', status: 303, body: (s) => form(s, { memberId: fx.providerSys.memberId, code: `page-${++seq}`, name: '页面登记系统' }) },
  { route: 'GET /workbench/exchange/systems/:id', url: async () => `/workbench/exchange/systems/${fx.consumerSys.id}`, allowed: 'consumer', denied: 'reader', status: 200 },
  { route: 'POST /workbench/exchange/systems/:id/status', url: async () => `/workbench/exchange/systems/${fx.providerSys.id}/status`, allowed: 'admin', denied: 'provider', status: 303, body: (s) => form(s, { status: 'active' }) },
  { route: 'POST /workbench/exchange/systems/:id/hmac', url: async () => `/workbench/exchange/systems/${fx.consumerSys.id}/hmac`, allowed: 'consumer', denied: 'reader', status: 200, body: (s) => form(s, {}) },
  { route: 'POST /workbench/exchange/systems/:id/sm2', url: async () => `/workbench/exchange/systems/${fx.consumerSys.id}/sm2`, allowed: 'consumer', denied: 'reader', status: 303, body: (s) => form(s, { publicKeyPem: generateSm2KeyPair().publicKeyPem }) },
  { route: 'POST /workbench/exchange/credentials/:keyId/revoke', url: async () => `/workbench/exchange/credentials/${await freshKey()}/revoke`, allowed: 'consumer', denied: 'reader', status: 303, body: (s) => form(s, {}) },
  { route: 'GET /workbench/exchange/groups', url: async () => '/workbench/exchange/groups', allowed: 'admin', denied: 'provider', status: 200 },
  { route: 'POST /workbench/exchange/groups', url: async () => '/workbench/exchange/groups', allowed: 'admin', denied: 'provider', status: 303, body: (s) => form(s, { code: `page-grp-${++seq}`, name: '页面分组' }) },
  { route: 'POST /workbench/exchange/groups/:id/members', url: async () => `/workbench/exchange/groups/${fx.groupId}/members`, allowed: 'admin', denied: 'provider', status: 303, body: (s) => form(s, { subsystemId: fx.providerSys.id }) },
  // --- events: subscriptions, delivery statistics, dead letters (API and pages) ---
  { route: 'GET /api/exchange/subscriptions', url: async () => '/api/exchange/subscriptions', allowed: 'consumer', denied: 'other', status: 200 },
  { route: 'POST /api/exchange/subscriptions', url: async () => '/api/exchange/subscriptions', allowed: 'consumer', denied: 'provider', status: 201, body: () => json({ resourceId: ev.topicId, subscriberSubsystemId: fx.consumerSys.id, webhookUrl: `http://127.0.0.1:9/hook-${++seq}` }) },
  { route: 'GET /api/exchange/subscriptions/:id', url: async () => `/api/exchange/subscriptions/${await freshSubscription()}`, allowed: 'consumer', denied: 'other', status: 200 },
  { route: 'POST /api/exchange/subscriptions/:id/pause', url: async () => `/api/exchange/subscriptions/${await freshSubscription()}/pause`, allowed: 'consumer', denied: 'provider', status: 200 },
  { route: 'POST /api/exchange/subscriptions/:id/resume', url: async () => `/api/exchange/subscriptions/${await freshSubscription()}/resume`, allowed: 'consumer', denied: 'provider', status: 200 },
  { route: 'POST /api/exchange/subscriptions/:id/cancel', url: async () => `/api/exchange/subscriptions/${await freshSubscription()}/cancel`, allowed: 'consumer', denied: 'provider', status: 200 },
  { route: 'GET /api/exchange/deliveries/stats', url: async () => '/api/exchange/deliveries/stats', allowed: 'admin', denied: 'consumer', status: 200 },
  { route: 'GET /api/exchange/dead-letters', url: async () => '/api/exchange/dead-letters?limit=10', allowed: 'admin', denied: 'provider', status: 200 },
  { route: 'GET /api/exchange/dead-letters/:id', url: async () => `/api/exchange/dead-letters/${await freshDeadLetter()}`, allowed: 'admin', denied: 'provider', status: 200 },
  { route: 'POST /api/exchange/dead-letters/:id/replay', url: async () => `/api/exchange/dead-letters/${await freshDeadLetter()}/replay`, allowed: 'admin', denied: 'provider', status: 200 },
  { route: 'GET /workbench/exchange/subscriptions', url: async () => '/workbench/exchange/subscriptions', allowed: 'consumer', denied: 'other', status: 200 },
  { route: 'POST /workbench/exchange/subscriptions', url: async () => '/workbench/exchange/subscriptions', allowed: 'consumer', denied: 'provider', status: 303, body: (s) => form(s, { resourceId: ev.topicId, subscriberSubsystemId: fx.consumerSys.id, webhookUrl: `http://127.0.0.1:9/page-hook-${++seq}` }) },
  { route: 'POST /workbench/exchange/subscriptions/:id/:action', url: async () => `/workbench/exchange/subscriptions/${await freshSubscription()}/pause`, allowed: 'consumer', denied: 'provider', status: 303, body: (s) => form(s, {}) },
  { route: 'GET /workbench/exchange/dead-letters', url: async () => '/workbench/exchange/dead-letters', allowed: 'admin', denied: 'provider', status: 200 },
  { route: 'GET /workbench/exchange/dead-letters/:id', url: async () => `/workbench/exchange/dead-letters/${await freshDeadLetter()}`, allowed: 'admin', denied: 'provider', status: 200 },
  { route: 'POST /workbench/exchange/dead-letters/:id/replay', url: async () => `/workbench/exchange/dead-letters/${await freshDeadLetter()}/replay`, allowed: 'admin', denied: 'provider', status: 303, body: (s) => form(s, {}) },
  // --- gateway: message log, service health, data usage lookup (pages) ---
  { route: 'GET /workbench/exchange/messages', url: async () => '/workbench/exchange/messages?outcome=client_error', allowed: 'provider', denied: 'reader', status: 200 },
  { route: 'GET /workbench/exchange/messages/:seq', url: async () => `/workbench/exchange/messages/${await loggedMessage()}`, allowed: 'admin', denied: 'consumer', status: 200 },
  { route: 'POST /workbench/exchange/messages/verify', url: async () => '/workbench/exchange/messages/verify', allowed: 'admin', denied: 'consumer', status: 303, body: (s) => form(s, {}) },
  { route: 'GET /workbench/exchange/health', url: async () => '/workbench/exchange/health?period=7d', allowed: 'provider', denied: 'consumer', status: 200 },
  { route: 'GET /workbench/exchange/usage', url: async () => '/workbench/exchange/usage', allowed: 'admin', denied: 'provider', status: 200 },
  { route: 'POST /workbench/exchange/usage', url: async () => '/workbench/exchange/usage', allowed: 'admin', denied: 'provider', status: 200, body: (s) => form(s, { subject: '11010519491231002X', purpose: '受理投诉 (权限测试)' }) },
];

// --- events fixtures: a topic the consumer system holds a grant for; subscriptions; dead letters ---
const ev = {} as { topicId: string };
async function eventFixtures(): Promise<void> {
  ev.topicId = await freshResource({ kind: 'topic', baseUrl: null, endpoints: [], shareType: 'unconditional', legalBasis: '', shareCondition: '', format: 'JSON 事件' });
  await grantAccess(tp.ctx(), { resourceId: ev.topicId, subsystemId: fx.consumerSys.id, purpose: '事件订阅测试' });
}
const freshSubscription = async () => (await subscribe(tp.ctx(), { resourceId: ev.topicId, subscriberSubsystemId: fx.consumerSys.id, webhookUrl: `http://127.0.0.1:9/sub-${++seq}` })).id;
/** A delivery made a dead letter directly (the delivery machinery itself is tested in events/events.test.ts). */
async function freshDeadLetter(): Promise<string> {
  const sub = await freshSubscription();
  const topic = await getResource(tp.ctx(), { id: ev.topicId });
  await publishToTopic(tp.ctx(), { resourceCode: topic.code, type: 'changed', key: `DL${++seq}`, payload: {} });
  const [row] = await queryRows<{ id: string }>(tp.database.db, sql`UPDATE exchange.deliveries SET status = 'dead', attempts = 8, last_error = '测试' WHERE subscription_id = ${sub} RETURNING id`);
  return row.id;
}
/** A message in the gateway's log (a refused, unsigned call is logged too). */
async function loggedMessage(): Promise<number> {
  await tp.platform.app.inject({ method: 'GET', url: `/exchange/r1/${fx.providerSys.xroadId}/svc-1/entities/x` });
  const [row] = await queryRows<{ seq: number }>(tp.database.db, sql`SELECT max(seq)::int AS seq FROM exchange.messages`);
  return row.seq;
}
/** Public routes (no session; member systems authenticate by signature, subscribers fetch the key). */
const PUBLIC_ROUTES = ['GET /exchange/keys', 'POST /exchange/events/*', ...['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => `${m} /exchange/r1/*`)];
/** Signed-in citizens and enterprises see their own data usage (no scope to deny; tested below). */
const SELF_ROUTES = ['GET /my/data-usage'];

test('the gateway is public at the HTTP layer but refuses unsigned calls; /my/data-usage needs a login', async () => {
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    const res = await tp.platform.app.inject({ method, url: `/exchange/r1/${fx.providerSys.xroadId}/svc-1/entities/x`, headers: { cookie: sessions.admin.cookie } });
    assert.deepEqual([res.statusCode, res.json().code], [400, 'missing_header'], `${method}: a session is no credential here`);
    const forged = await tp.platform.app.inject({ method, url: `/exchange/r1/${fx.providerSys.xroadId}/svc-1/entities/x`, headers: { 'x-road-client': fx.consumerSys.xroadId, 'x-road-id': `p-${method}`, 'x-road-purpose': 'test', date: new Date().toUTCString(), authorization: 'EGOV-HMAC-SM3 keyId=kNONE00000,signature=AAAA' } });
    assert.deepEqual([forged.statusCode, forged.json().code], [401, 'signature_invalid'], method);
  }
  const anon = await tp.platform.app.inject({ method: 'GET', url: '/my/data-usage', headers: { accept: 'text/html' } });
  assert.deepEqual([anon.statusCode, String(anon.headers.location).startsWith('/login')], [303, true]);
  const staff = await tp.platform.app.inject({ method: 'GET', url: '/my/data-usage', headers: { accept: 'text/html', cookie: sessions.reader.cookie } });
  assert.equal(staff.statusCode, 200, 'staff are pointed to the lookup page');
  assert.match(staff.body, /数据使用记录查询/);
});

test('public event routes: the signing key for anyone; publishing refused without a signature', async () => {
  const keys = await tp.platform.app.inject({ method: 'GET', url: '/exchange/keys' });
  assert.equal(keys.statusCode, 200);
  const topic = await getResource(tp.ctx(), { id: ev.topicId });
  const pub = await tp.platform.app.inject({ method: 'POST', url: `/exchange/events/${fx.providerSys.xroadId}/${topic.serviceCode}`, headers: { 'content-type': 'application/json', cookie: sessions.admin.cookie }, payload: '{}' });
  assert.equal(pub.statusCode, 400, pub.body);
  const unsigned = await tp.platform.app.inject({ method: 'POST', url: `/exchange/events/${fx.providerSys.xroadId}/${topic.serviceCode}`, headers: { 'content-type': 'application/json', 'x-road-client': fx.providerSys.xroadId, 'x-road-id': 'x1', date: new Date().toUTCString(), authorization: 'EGOV-HMAC-SM3 keyId=kNONE00000,signature=AAAA' }, payload: '{}' });
  assert.equal(unsigned.statusCode, 401, unsigned.body);
});

before(async () => {
  tp = await startTestPlatform({ modules: [spy, ...deploymentModules] });
  units = await ensureTestUnits(tp);
  const ctx = tp.ctx();
  const provider = await createMember(ctx, { memberClass: 'GOV', memberCode: 'ZZTEST01', name: '郑州测试提供方', unitId: units.zhengzhou });
  const consumer = await createMember(ctx, { memberClass: 'GOV', memberCode: 'LYTEST01', name: '洛阳测试使用方', unitId: units.luoyang });
  fx.providerSys = await createSubsystem(ctx, { memberId: provider.id, code: 'provider', name: '提供方系统' });
  fx.consumerSys = await createSubsystem(ctx, { memberId: consumer.id, code: 'consumer', name: '使用方系统' });
  fx.conditionalId = await freshResource();
  fx.groupId = (await createGroup(ctx, { code: 'perm-test', name: '权限测试分组' })).id;
  fx.applicationId = await freshApplication();
  await eventFixtures();
  const spec: Record<Exclude<UserKey, 'anonymous'>, { scopes: string[]; unitId: string }> = {
    reader: { scopes: [SCOPES.catalogRead], unitId: units.province },
    admin: { scopes: [SCOPES.catalogRead, SCOPES.memberManage, SCOPES.grantManage, SCOPES.monitorRead, SCOPES.deadLetterManage, SCOPES.usageRead], unitId: units.province },
    provider: { scopes: [SCOPES.catalogRead, SCOPES.resourcePublish, SCOPES.applicationDecide, SCOPES.monitorRead], unitId: units.zhengzhou },
    consumer: { scopes: [SCOPES.catalogRead, SCOPES.applicationSubmit, SCOPES.subscriptionManage], unitId: units.luoyang },
    other: { scopes: ['directory.unit.read'], unitId: units.province },
  };
  for (const [key, s] of Object.entries(spec)) sessions[key as UserKey] = await loginAs(tp, await createStaff(tp, { roleScopes: s.scopes, unitId: s.unitId }));
  sessions.anonymous = await anonymousSession(tp);
});
after(async () => tp?.close());

async function call(c: RouteCase, who: UserKey, url: string) {
  const s = sessions[who];
  const [method] = c.route.split(' ');
  const body = c.body ? await c.body(s) : undefined;
  const headers: Record<string, string> = { accept: c.route.includes(' /api/') ? 'application/json' : 'text/html', ...(s.cookie ? { cookie: s.cookie } : {}), ...(s.csrf ? { 'x-csrf-token': s.csrf } : {}) };
  if (body) headers['content-type'] = body.contentType;
  return tp.platform.app.inject({ method: method as 'GET', url, headers, payload: body?.payload });
}

test('every exchange route has a case here', () => {
  const ours = registered.filter((r) => /^\w+ (\/api\/exchange|\/workbench\/exchange|\/exchange(\/|$)|\/my\/data-usage)/.test(r));
  const uncovered = [...new Set(ours)].filter((r) => !CASES.some((c) => c.route === r) && !PUBLIC_ROUTES.includes(r) && !SELF_ROUTES.includes(r)).sort();
  const stale = CASES.map((c) => c.route).filter((r) => !ours.includes(r));
  assert.deepEqual({ uncovered, stale }, { uncovered: [], stale: [] }, 'routes without a case here, or cases without a route');
});

for (const c of CASES) {
  test(`${c.route}: ${c.allowed} may, ${c.denied} may not`, async () => {
    const ok = await call(c, c.allowed, await c.url());
    assert.equal(ok.statusCode, c.status, `${c.allowed}: ${ok.body.slice(0, 400)}`);
    if (c.status === 303) assert.doesNotMatch(String(ok.headers.location), /login/);
    const no = await call(c, c.denied, await c.url());
    assert.equal(no.statusCode, 403, `${c.denied}: ${no.body.slice(0, 300)}`);
    const anonUrl = await c.url();
    const anon = await call(c, 'anonymous', anonUrl);
    const [method] = c.route.split(' ');
    if (method === 'GET' && !c.route.includes(' /api/')) assert.deepEqual([anon.statusCode, String(anon.headers.location).startsWith('/login')], [303, true]);
    else assert.ok([401, 403].includes(anon.statusCode), `anonymous: ${anon.statusCode}`);
  });
}
