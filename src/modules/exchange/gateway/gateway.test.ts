/**
 * The gateway end to end on a real database: a tiny provider HTTP server started here and the
 * platform's own registries API as providers, called through /exchange/r1 with good and bad
 * signatures (HMAC-SM3, SM2), no grant, rate limit, quota, timeout, provider failure, provider
 * down and a repeated message id; the message log (rows, no raw ID numbers, chain and batch
 * signatures, tampering detected); metaservices; statistics; the pages, including a citizen's
 * 数据使用记录 and the staff lookup.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestPlatform } from '../../../../test/support/platform.ts';
import { manualClock, startTestPlatform } from '../../../../test/support/platform.ts';
import { ensureTestUnits, type TestUnits } from '../../../../test/support/units.ts';
import { createStaff, getPage, loginAs, postForm, TEST_PASSWORD } from '../../../../test/support/identity.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { generateSm2KeyPair, sm3Hex } from '../../../platform/crypto/index.ts';
import { residentIdCheckChar } from '../../../platform/identifiers/index.ts';
import { assignRole, createRole, createServiceAccount, issueApiKey, registerCitizen, registerEnterprise } from '../../identity/index.ts';
import { recordPersonEvent, REGISTRY_SCOPES } from '../../registries/index.ts';
import {
  clearGatewayCaches, createMember, createSubsystem, gatewayStats, grantAccess, issueHmacCredential, publishResource, registerSm2Credential, revokeGrant,
  sealMessageLog, setProviderCredential, signRequest, usageFor, verifyMessageLog, type ResourceInput, type ResourceView, type SubsystemView,
} from '../index.ts';
import { SCOPES } from '../model.ts';

const clock = manualClock(new Date('2026-03-02T02:00:00Z'));
let tp: TestPlatform;
let units: TestUnits;
let provider: http.Server;
let providerUrl = '';
let platformUrl = '';
const seen: { url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

const PERSON = `41010219900307123`.slice(0, 17);
const ID = PERSON + residentIdCheckChar(PERSON);

let providerSys: SubsystemView;
let clientSys: SubsystemView;
let otherSys: SubsystemView;
let registrySys: SubsystemView;
let hmac: { keyId: string; secret: string };
let otherKey: { keyId: string; secret: string };
let sm2: { keyId: string; privateKeyPem: string };
let persons: ResourceView;
let limited: ResourceView;
let down: ResourceView;
let registryRes: ResourceView;
let seq = 0;

const api = (code: string, serviceCode: string, over: Partial<ResourceInput> = {}): ResourceInput => ({
  code,
  catalogType: 'base',
  classification: '基础信息资源/人口',
  name: `测试服务 ${serviceCode}`,
  providerSubsystemId: providerSys.id,
  format: 'JSON 接口',
  items: [{ name: '公民身份号码', type: 'C' }],
  kind: 'api',
  serviceCode,
  shareType: 'unconditional',
  baseUrl: providerUrl,
  timeoutMs: 300,
  endpoints: [
    { method: 'GET', pathTemplate: '/persons/{idNumber}', operationId: 'getPerson', subjectParam: 'idNumber', summary: '按身份号码查询' },
    { method: 'GET', pathTemplate: '/slow', operationId: 'slow' },
    { method: 'GET', pathTemplate: '/fail', operationId: 'fail' },
    { method: 'POST', pathTemplate: '/echo', operationId: 'echo' },
    { method: 'GET', pathTemplate: '/entities/{uscc}', operationId: 'getEntity', subjectParam: 'uscc' },
  ],
  ...over,
});

interface CallInput {
  resource: ResourceView;
  rest: string;
  method?: 'GET' | 'POST';
  body?: string;
  client?: string;
  key?: { keyId: string; secret?: string; privateKeyPem?: string };
  messageId?: string;
  purpose?: string;
  drop?: string;
  headers?: Record<string, string>;
}

async function call(c: CallInput) {
  const url = `${c.resource.gatewayPath}${c.rest}`;
  const method = c.method ?? 'GET';
  const headers: Record<string, string> = signRequest({
    method, url, client: c.client ?? clientSys.xroadId, messageId: c.messageId ?? `msg-${++seq}`, body: c.body, ...(c.key ?? hmac),
    userId: 'zhang.san', purpose: c.purpose ?? '社保待遇资格认证', issue: 'SB-2026-001', date: clock.now(),
  });
  if (c.drop) delete headers[c.drop];
  if (c.body) headers['content-type'] = 'application/json';
  return tp.platform.app.inject({ method, url, headers: { ...headers, ...c.headers }, payload: c.body });
}

const problem = (res: { statusCode: number; body: string }) => JSON.parse(res.body) as { code: string; side: string; title: string };

before(async () => {
  provider = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      if (req.url?.startsWith('/persons/')) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-provider': 'test', connection: 'keep-alive' });
        res.end(JSON.stringify({ idNumber: decodeURIComponent(req.url.slice(9).split('?')[0]), name: '王小明' }));
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 1500);
      } else if (req.url === '/fail') {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('维护中');
      } else if (req.url === '/echo') {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(body);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;

  tp = await startTestPlatform({ clock });
  units = await ensureTestUnits(tp);
  platformUrl = await tp.platform.app.listen({ port: 0, host: '127.0.0.1' });
  const ctx = tp.ctx();
  const pMember = await createMember(ctx, { memberClass: 'GOV', memberCode: 'PROVGOV01', name: '河南省人民政府', unitId: units.province });
  const cMember = await createMember(ctx, { memberClass: 'GOV', memberCode: 'ZZGOV0001', name: '郑州市人民政府', unitId: units.zhengzhou });
  providerSys = await createSubsystem(ctx, { memberId: pMember.id, code: 'population', name: '人口库' });
  registrySys = await createSubsystem(ctx, { memberId: pMember.id, code: 'registries', name: '基础信息库接口' });
  clientSys = await createSubsystem(ctx, { memberId: cMember.id, code: 'shebao', name: '社保系统' });
  otherSys = await createSubsystem(ctx, { memberId: cMember.id, code: 'other', name: '未获授权的系统' });
  hmac = await issueHmacCredential(ctx, { subsystemId: clientSys.id });
  otherKey = await issueHmacCredential(ctx, { subsystemId: otherSys.id });
  const pair = generateSm2KeyPair();
  sm2 = { keyId: (await registerSm2Credential(ctx, { subsystemId: clientSys.id, publicKeyPem: pair.publicKeyPem })).keyId, privateKeyPem: pair.privateKeyPem };

  persons = await publishResource(ctx, api('101/001/0001', 'persons'));
  limited = await publishResource(ctx, api('101/001/0002', 'limited'));
  down = await publishResource(ctx, api('101/001/0003', 'down', { baseUrl: 'http://127.0.0.1:9' }));
  const echoLogged = await publishResource(ctx, api('101/001/0004', 'logged', { logBodies: true }));
  await grantAccess(ctx, { resourceId: persons.id, subsystemId: clientSys.id, purpose: '社保' });
  await grantAccess(ctx, { resourceId: limited.id, subsystemId: clientSys.id, purpose: '社保', ratePerMinute: 2, dailyQuota: 3 });
  await grantAccess(ctx, { resourceId: down.id, subsystemId: clientSys.id, purpose: '社保' });
  await grantAccess(ctx, { resourceId: echoLogged.id, subsystemId: clientSys.id, purpose: '社保' });

  // The platform's own registries API as a provider: the gateway presents a service account's API key.
  await recordPersonEvent(ctx, { type: 'move_in', idNumber: ID, name: '王小明', ethnicity: '01', regionCode: '410102', address: '郑州市中原区建设路1号' });
  const account = await createServiceAccount(ctx, { loginName: 'exchange-gateway', displayName: '共享交换网关', homeUnitId: units.province });
  const role = await createRole(ctx, { code: 'gateway_registry', name: '网关读人口库', scopes: [REGISTRY_SCOPES.personRead], knownScopes: tp.platform.services.scopes.map((s) => s.name) });
  await assignRole(ctx, { userId: account.id, roleId: role.id, unitId: units.province });
  const { key } = await issueApiKey(ctx, { serviceUserId: account.id, name: '网关' });
  await setProviderCredential(ctx, { subsystemId: registrySys.id, authorization: `Bearer ${key}` });
  registryRes = await publishResource(ctx, api('101/001/0009', 'population', {
    providerSubsystemId: registrySys.id,
    baseUrl: `${platformUrl}/api/registries`,
    timeoutMs: 5000,
    endpoints: [{ method: 'GET', pathTemplate: '/persons/{idNumber}', operationId: 'getPerson', subjectParam: 'idNumber' }],
  }));
  await grantAccess(ctx, { resourceId: registryRes.id, subsystemId: clientSys.id, purpose: '社保' });
});

after(async () => {
  provider?.closeAllConnections();
  await new Promise((r) => provider?.close(r));
  await tp?.close();
});

test('a signed call is forwarded with who, for whom and why, and answered with the X-Road headers', async () => {
  const res = await call({ resource: persons, rest: `/persons/${ID}?fields=name` });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { idNumber: ID, name: '王小明' });
  assert.equal(res.headers['x-provider'], 'test', 'provider headers pass');
  assert.equal(res.headers['transfer-encoding'], undefined, 'hop-by-hop headers are not passed');
  assert.equal(res.headers['set-cookie'], undefined);
  assert.match(String(res.headers['x-road-request-id']), /^[0-9a-f-]{36}$/);
  assert.match(String(res.headers['x-road-request-hash']), /^[0-9a-f]{64}$/);
  assert.equal(res.headers['x-road-response-hash'], sm3Hex(Buffer.concat([Buffer.from('200\napplication/json\n'), res.rawPayload])));
  const got = seen.at(-1)!;
  assert.equal(got.url, `/persons/${ID}?fields=name`);
  assert.equal(got.headers['x-road-client'], clientSys.xroadId);
  assert.equal(decodeURIComponent(String(got.headers['x-road-purpose'])), '社保待遇资格认证');
  assert.equal(got.headers['x-road-userid'], 'zhang.san');
  assert.equal(got.headers['x-road-request-id'], res.headers['x-road-request-id']);
  assert.equal(got.headers.authorization, undefined, 'the client signature is not forwarded');

  const bySm2 = await call({ resource: persons, rest: `/persons/${ID}`, key: sm2 });
  assert.equal(bySm2.statusCode, 200, bySm2.body);

  const echo = await call({ resource: { ...persons, gatewayPath: persons.gatewayPath.replace('/persons', '/logged') }, rest: '/echo', method: 'POST', body: '{"查询":"批量"}' });
  assert.equal(echo.statusCode, 201);
  assert.equal(echo.body, '{"查询":"批量"}');
  assert.equal(seen.at(-1)!.body, '{"查询":"批量"}');
});

test('client failures: signature, key of another system, unknown client, missing header, no grant, repeated message id', async () => {
  const bad = await call({ resource: persons, rest: `/persons/${ID}`, key: { keyId: hmac.keyId, secret: 'wrong-secret' } });
  assert.equal(bad.statusCode, 401);
  assert.deepEqual([problem(bad).code, problem(bad).side], ['signature_invalid', 'client']);
  assert.match(problem(bad).title, /^客户端错误/);
  assert.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8');

  const tampered = await call({ resource: persons, rest: `/persons/${ID}`, headers: { 'x-road-id': 'changed-after-signing' } });
  assert.equal(problem(tampered).code, 'signature_invalid');
  const otherPurpose = await call({ resource: persons, rest: `/persons/${ID}`, headers: { 'x-road-purpose': encodeURIComponent('改写后的用途') } });
  assert.equal(problem(otherPurpose).code, 'signature_invalid', 'the purpose (and end user) are part of what the client signs');

  const foreignKey = await call({ resource: persons, rest: `/persons/${ID}`, key: otherKey });
  assert.equal(problem(foreignKey).code, 'signature_invalid', 'a key must belong to the subsystem named in X-Road-Client');

  const unknown = await call({ resource: persons, rest: `/persons/${ID}`, client: 'CN-HA/GOV/NOSUCH01/x1' });
  assert.deepEqual([unknown.statusCode, problem(unknown).code], [401, 'client_unknown']);

  const noPurpose = await call({ resource: persons, rest: `/persons/${ID}`, drop: 'x-road-purpose' });
  assert.deepEqual([noPurpose.statusCode, problem(noPurpose).code], [400, 'missing_header']);
  assert.match(problem(noPurpose).title, /X-Road-Purpose/);

  const old = await tp.platform.app.inject({ method: 'GET', url: `${persons.gatewayPath}/persons/${ID}`, headers: signRequest({ method: 'GET', url: `${persons.gatewayPath}/persons/${ID}`, client: clientSys.xroadId, messageId: 'old-1', ...hmac, purpose: '核验', date: new Date(clock.now().getTime() - 10 * 60_000) }) });
  assert.equal(problem(old).code, 'request_expired');

  const notGranted = await call({ resource: persons, rest: `/persons/${ID}`, client: otherSys.xroadId, key: otherKey });
  assert.deepEqual([notGranted.statusCode, problem(notGranted).code], [403, 'access_denied']);

  const noEndpoint = await call({ resource: persons, rest: '/nothing/here' });
  assert.deepEqual([noEndpoint.statusCode, problem(noEndpoint).code], [404, 'endpoint_not_found']);

  const once = await call({ resource: persons, rest: `/persons/${ID}`, messageId: 'same-id-1' });
  assert.equal(once.statusCode, 200);
  const twice = await call({ resource: persons, rest: `/persons/${ID}`, messageId: 'same-id-1' });
  assert.deepEqual([twice.statusCode, problem(twice).code], [409, 'duplicate_message_id']);
});

test('per-grant rate limit per minute and daily quota, kept in the database; refused calls do not count', async () => {
  const codes = [];
  for (let i = 0; i < 3; i++) codes.push((await call({ resource: limited, rest: `/persons/${ID}` })).statusCode);
  assert.deepEqual(codes, [200, 200, 429]);
  const rows = await queryRows<{ key: string; hits: number }>(tp.database.db, sql`SELECT key, hits FROM platform.rate_limits WHERE key LIKE 'exchange.grant:%' ORDER BY key`);
  assert.deepEqual(rows.map((r) => Number(r.hits)), [2, 2], 'day and minute counters: the refused call was given back');
  clock.advance(61_000);
  assert.equal((await call({ resource: limited, rest: `/persons/${ID}` })).statusCode, 200);
  const over = await call({ resource: limited, rest: `/persons/${ID}` });
  assert.deepEqual([over.statusCode, problem(over).code], [429, 'quota_exceeded']);
  assert.match(problem(over).title, /今日的调用配额 \(3 次\)/);
});

test('provider failures: timeout, 5xx passed through and marked, provider down', async () => {
  const slow = await call({ resource: persons, rest: '/slow' });
  assert.deepEqual([slow.statusCode, problem(slow).code, problem(slow).side], [504, 'provider_timeout', 'provider']);
  const failing = await call({ resource: persons, rest: '/fail' });
  assert.equal(failing.statusCode, 503);
  assert.equal(failing.body, '维护中', 'the provider answer is passed through');
  assert.equal(failing.headers['x-road-error'], 'provider.provider_failure');
  const gone = await call({ resource: down, rest: `/persons/${ID}` });
  assert.deepEqual([gone.statusCode, problem(gone).code, problem(gone).side], [502, 'provider_unreachable', 'provider']);
});

test('the platform registries API as provider; revocation takes effect once the cache is dropped', async () => {
  const res = await call({ resource: registryRes, rest: `/persons/${ID}?purpose=${encodeURIComponent('核验社保待遇资格')}` });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().idNumber.slice(0, 4), '4101');
  const grant = (await queryOne<{ id: string }>(tp.database.db, sql`SELECT id FROM exchange.grants WHERE resource_id = ${registryRes.id}`))!;
  await revokeGrant(tp.ctx(), { id: grant.id, reason: '测试吊销' });
  clearGatewayCaches(tp.ctx());
  const refused = await call({ resource: registryRes, rest: `/persons/${ID}` });
  assert.equal(problem(refused).code, 'access_denied');
});

test('metaservices: listClients, listMethods, allowedMethods, getOpenAPI', async () => {
  const meta = async (path: string) => {
    const url = `/exchange/r1/${path}`;
    return tp.platform.app.inject({ method: 'GET', url, headers: signRequest({ method: 'GET', url, client: clientSys.xroadId, messageId: `meta-${++seq}`, ...hmac, date: clock.now() }) });
  };
  const clients = await meta('listClients');
  assert.equal(clients.statusCode, 200, clients.body);
  assert.ok(clients.json().member.some((m: { id: { subsystem_code: string } }) => m.id.subsystem_code === 'shebao'));
  const methods = (await meta(`${providerSys.xroadId}/listMethods`)).json();
  assert.deepEqual(methods.service.map((s: { service_code: string }) => s.service_code).sort(), ['down', 'limited', 'logged', 'persons']);
  assert.ok(methods.service[0].endpoint_list.some((e: { method: string; path: string }) => e.path === '/persons/{idNumber}'));
  const allowed = (await meta(`${registrySys.xroadId}/allowedMethods`)).json();
  assert.deepEqual(allowed.service, [], 'the registries grant was revoked');
  const openapi = (await meta(`${providerSys.xroadId}/getOpenAPI?serviceCode=persons`)).json();
  assert.equal(openapi.servers[0].url, persons.gatewayPath);
  assert.ok(openapi.paths['/persons/{idNumber}'].get);
  const unsigned = await tp.platform.app.inject({ method: 'GET', url: `/exchange/r1/${providerSys.xroadId}/listMethods` });
  assert.equal(problem(unsigned).code, 'missing_header');
});

test('message log: every message, no raw ID numbers, hash chain and batch signatures, tampering detected', async () => {
  const rows = await queryRows<Record<string, unknown>>(tp.database.db, sql`SELECT * FROM exchange.messages ORDER BY seq`);
  assert.ok(rows.length >= 20);
  assert.ok(!JSON.stringify(rows).includes(ID), 'no column holds the raw ID number');
  const first = rows.find((r) => r.rest_path === '/persons/{idNumber}' && r.outcome === 'success')!;
  assert.equal(first.client_xroad_id, clientSys.xroadId);
  assert.equal(first.purpose, '社保待遇资格认证');
  assert.equal(first.user_id, 'zhang.san');
  assert.equal(first.issue, 'SB-2026-001');
  assert.match(String(first.subject_hash), /^[0-9a-f]{64}$/);
  assert.equal(first.request_body, null, 'bodies only where the resource says so');
  assert.ok(rows.some((r) => r.request_body === '{"查询":"批量"}' && r.response_body === '{"查询":"批量"}'));
  assert.ok(rows.some((r) => r.error_code === 'signature_invalid' && r.outcome === 'client_error' && r.client_subsystem_id === null));
  assert.ok(rows.some((r) => r.error_code === 'provider_timeout' && r.outcome === 'provider_error' && Number(r.provider_us) > 0));
  assert.ok(rows.some((r) => r.error_code === 'provider_failure' && Number(r.status) === 503));

  const ctx = tp.ctx();
  assert.deepEqual((await verifyMessageLog(ctx)).ok, true);
  const seal = await sealMessageLog(ctx, { force: true });
  assert.equal(seal?.seqTo, rows.length);
  const ok = await verifyMessageLog(ctx);
  assert.deepEqual([ok.ok, ok.checked, ok.sealedThrough, ok.seals], [true, rows.length, rows.length, 1]);

  const victim = Number(first.seq);
  await tp.database.db.execute(sql`UPDATE exchange.messages SET purpose = '改过的用途' WHERE seq = ${victim}`);
  const broken = await verifyMessageLog(ctx);
  assert.deepEqual([broken.ok, broken.brokenAt?.seq], [false, victim]);
  assert.match(broken.brokenAt!.reason, /篡改/);
  await tp.database.db.execute(sql`UPDATE exchange.messages SET purpose = ${first.purpose as string} WHERE seq = ${victim}`);
  await tp.database.db.execute(sql`UPDATE exchange.message_log_seals SET signature = ${Buffer.from('forged').toString('base64')}`);
  assert.match((await verifyMessageLog(ctx)).brokenAt?.reason ?? '', /批次签名无效/);
  await tp.database.db.execute(sql`DELETE FROM exchange.message_log_seals`);
  await sealMessageLog(ctx, { force: true });
  const last = rows.length;
  const saved = await queryOne<Record<string, unknown>>(tp.database.db, sql`SELECT * FROM exchange.messages WHERE seq = ${last}`);
  await tp.database.db.execute(sql`DELETE FROM exchange.messages WHERE seq = ${last}`);
  assert.match((await verifyMessageLog(ctx)).brokenAt?.reason ?? '', /最新的记录被删除/);
  const cols = Object.keys(saved!);
  await tp.database.db.execute(sql`INSERT INTO exchange.messages (${sql.raw(cols.join(', '))}) VALUES (${sql.join(cols.map((c) => sql`${saved![c] instanceof Date ? (saved![c] as Date).toISOString() : saved![c]}`), sql`, `)})`);
  assert.equal((await verifyMessageLog(ctx)).ok, true);
});

test('statistics for the dashboard and who used my data', async () => {
  const stats = await gatewayStats(tp.ctx(), { since: new Date(clock.now().getTime() - 86_400_000) });
  assert.ok(stats.requests >= 20 && stats.failures >= 10 && stats.successRate > 0 && stats.successRate < 1);
  assert.ok(stats.p99Ms >= stats.p50Ms && stats.p50Ms > 0);
  assert.equal(stats.byDay.length, 1);
  assert.equal(stats.byDay[0].day, '2026-03-02');
  const p = stats.byService.find((s) => s.code === '101/001/0001')!;
  assert.ok(p.requests > p.failures && p.failures > 0 && p.minMs <= p.avgMs && p.avgMs <= p.maxMs);

  const usage = await usageFor(tp.ctx(), { idNumber: ID });
  assert.ok(usage.length >= 5);
  assert.deepEqual([usage[0].clientXroadId, usage[0].clientName, usage[0].purpose, usage[0].channel], [clientSys.xroadId, '郑州市人民政府', '社保待遇资格认证', 'exchange']);
  assert.deepEqual(await usageFor(tp.ctx(), { idNumber: '11010519491231002X' }), []);
});

test('pages: message log with verification, service health, staff lookup (audited), a citizen sees who used their data', async () => {
  const monitor = await loginAs(tp, await createStaff(tp, { roleScopes: [SCOPES.monitorRead, SCOPES.memberManage], unitId: units.province }));
  const list = await getPage(tp, monitor, `/workbench/exchange/messages?outcome=client_error&client=${encodeURIComponent('ZZGOV0001')}`);
  assert.equal(list.statusCode, 200);
  assert.match(list.body, /signature_invalid/);
  assert.doesNotMatch(list.body, /<td><span class="badge badge-ok">成功/);
  const verified = await postForm(tp, monitor, '/workbench/exchange/messages/verify');
  assert.equal(verified.statusCode, 303);
  const after = await getPage(tp, { cookie: `${monitor.cookie}; ${String(verified.headers['set-cookie']).split(';')[0]}` }, '/workbench/exchange/messages');
  assert.match(after.body, /消息日志完整/);
  const logged = (await queryOne<{ seq: number }>(tp.database.db, sql`SELECT seq FROM exchange.messages WHERE request_body IS NOT NULL LIMIT 1`))!;
  const detail = await getPage(tp, monitor, `/workbench/exchange/messages/${logged.seq}`);
  assert.equal(detail.statusCode, 200);
  assert.match(detail.body, /请求体/);
  assert.match(detail.body, /批量/);
  const health = await getPage(tp, monitor, '/workbench/exchange/health?period=7d');
  assert.match(health.body, /测试服务 persons/);

  const clerk = await loginAs(tp, await createStaff(tp, { roleScopes: [SCOPES.usageRead], unitId: units.province }));
  const noPurpose = await postForm(tp, clerk, '/workbench/exchange/usage', { subject: ID, purpose: '' });
  assert.equal(noPurpose.statusCode, 400);
  const found = await postForm(tp, clerk, '/workbench/exchange/usage', { subject: ID, purpose: '受理投诉 (编号 TS-1)' });
  assert.equal(found.statusCode, 200);
  assert.match(found.body, /郑州市人民政府/);
  assert.ok(!found.body.includes(ID), 'the page shows the number masked');
  const audited = await queryOne<{ purpose: string }>(tp.database.db, sql`SELECT purpose FROM platform.audit_log WHERE action = 'exchange.usage.lookup' ORDER BY seq DESC LIMIT 1`);
  assert.equal(audited?.purpose, '受理投诉 (编号 TS-1)');

  await registerCitizen(tp.ctx(), { name: '王小明', idNumber: ID, phone: '13800000001', password: TEST_PASSWORD });
  const citizen = await loginAs(tp, { loginName: ID, password: TEST_PASSWORD });
  assert.match((await getPage(tp, citizen, '/my')).body, /href="\/my\/data-usage"/, 'linked from 我的账号');
  const mine = await getPage(tp, citizen, '/my/data-usage');
  assert.equal(mine.statusCode, 200, mine.body.slice(0, 300));
  assert.match(mine.body, /郑州市人民政府/);
  assert.match(mine.body, /社保系统/);
  assert.match(mine.body, /社保待遇资格认证/);
  assert.match(mine.body, /基础信息库/, 'the registries access log is merged in (the read through the registries API)');
  assert.match(mine.body, /核验社保待遇资格/);

  const USCC = '91350200776049653A';
  assert.equal((await call({ resource: persons, rest: `/entities/${USCC}`, purpose: '企业社保登记核验' })).statusCode, 404, 'forwarded; the provider has no such entity');
  await registerEnterprise(tp.ctx(), { name: '厦门某某有限公司', uscc: USCC, phone: '13800000002', password: TEST_PASSWORD });
  const firm = await loginAs(tp, { loginName: USCC, password: TEST_PASSWORD });
  const ours = await getPage(tp, firm, '/my/data-usage');
  assert.match(ours.body, /本企业/);
  assert.match(ours.body, /企业社保登记核验/);
  assert.doesNotMatch(ours.body, /社保待遇资格认证/, 'only the enterprise\'s own records');
});
