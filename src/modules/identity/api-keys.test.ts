/**
 * API keys of service accounts: issued once, used as `Authorization: Bearer`, refused once revoked
 * or expired or when the account is disabled; only the hash is stored.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { anonymousSession, callApi, createStaff, loginAs, type Session, type TestUser } from '../../../test/support/identity.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { sm3Hex } from '../../platform/crypto/index.ts';
import { assignRole } from './assignments.ts';
import { createRole } from './roles.ts';

const clock = manualClock(new Date('2026-03-02T01:00:00Z'));
let tp: TestPlatform;
let units: TestUnits;
let adminUser: TestUser;
let admin: Session;
let serviceId: string;
let readerRoleId: string;

const bearer = (key: string, url = '/api/identity/users') =>
  tp.platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}`, accept: 'application/json' } });

before(async () => {
  tp = await startTestPlatform({ clock });
  units = await ensureTestUnits(tp);
  adminUser = await createStaff(tp, { roleScopes: ['identity.service_account.manage', 'identity.user.read', 'identity.user.write'], unitId: units.province });
  admin = await loginAs(tp, adminUser);
  const created = await callApi(tp, admin, 'POST', '/api/identity/service-accounts', { loginName: 'tax-system', displayName: '税务系统', homeUnitId: units.zhengzhou });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(created.json().kind, 'service');
  serviceId = created.json().id;
  const role = await createRole(tp.ctx(), { code: 'reader_api', name: '账号查询接口', scopes: ['identity.user.read'], knownScopes: tp.platform.services.scopes.map((s) => s.name) });
  readerRoleId = role.id;
  await assignRole(tp.ctx(), { userId: serviceId, roleId: readerRoleId, unitId: units.zhengzhou });
});
after(async () => tp?.close());

test('an issued key works as a bearer token; only its hash is stored; it is listed without the secret', async () => {
  const issued = await callApi(tp, admin, 'POST', `/api/identity/service-accounts/${serviceId}/keys`, { name: '生产环境' });
  assert.equal(issued.statusCode, 201);
  assert.equal(issued.headers['cache-control'], 'no-store');
  const { key, id } = issued.json() as { key: string; id: string };
  assert.match(key, /^egov_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
  const res = await bearer(key);
  assert.equal(res.statusCode, 200);
  // Bounded by the region of the grant: Zhengzhou accounts only.
  for (const u of res.json().items as { homeUnitName: string }[]) assert.match(u.homeUnitName, /郑州|中原|二七/);

  const stored = await queryOne<{ key_hash: string }>(tp.database.db, sql`SELECT key_hash FROM identity.api_keys WHERE id = ${id}`);
  assert.equal(stored?.key_hash, sm3Hex(key));
  const everything = await queryRows(tp.database.db, sql`SELECT * FROM identity.api_keys`);
  assert.ok(!JSON.stringify(everything).includes(key), 'the key itself is nowhere in the table');

  const listed = await callApi(tp, admin, 'GET', `/api/identity/service-accounts/${serviceId}/keys`);
  assert.equal(listed.statusCode, 200);
  assert.ok(!listed.body.includes(key));
  assert.equal(listed.json()[0].status, 'active');
  assert.notEqual(listed.json()[0].lastUsedAt, null, 'last use is recorded');
});

test('a revoked key is refused with 401 invalid_api_key', async () => {
  const { key, id } = (await callApi(tp, admin, 'POST', `/api/identity/service-accounts/${serviceId}/keys`, { name: '待吊销' })).json() as { key: string; id: string };
  assert.equal((await bearer(key)).statusCode, 200);
  const revoked = await callApi(tp, admin, 'DELETE', `/api/identity/service-accounts/${serviceId}/keys/${id}`);
  assert.equal(revoked.statusCode, 204);
  const res = await bearer(key);
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().code, 'invalid_api_key');
  assert.equal((await callApi(tp, admin, 'DELETE', `/api/identity/service-accounts/${serviceId}/keys/${id}`)).statusCode, 409, 'already revoked');
  const audited = await queryRows(tp.database.db, sql`SELECT 1 FROM platform.audit_log WHERE action = 'identity.api_key.revoke' AND target_id = ${serviceId}`);
  assert.equal(audited.length, 1);
});

test('an expired key is refused with 401', async () => {
  const expiresAt = new Date(clock.now().getTime() + 3600_000).toISOString();
  const { key } = (await callApi(tp, admin, 'POST', `/api/identity/service-accounts/${serviceId}/keys`, { name: '一小时', expiresAt })).json() as { key: string };
  assert.equal((await bearer(key)).statusCode, 200);
  const past = await callApi(tp, admin, 'POST', `/api/identity/service-accounts/${serviceId}/keys`, { name: '过去', expiresAt: '2020-01-01' });
  assert.equal(past.statusCode, 400);
  assert.match(past.json().title, /过期时间应晚于现在/);
  clock.advance(3600_000 + 1000);
  const res = await bearer(key);
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().code, 'invalid_api_key');
});

test('a made-up key, a disabled account, and keys for non-service accounts', async () => {
  assert.equal((await bearer('egov_abcdefgh_not-a-real-key')).statusCode, 401);
  admin = await loginAs(tp, adminUser); // the earlier session idled out while the clock moved
  const { key } = (await callApi(tp, admin, 'POST', `/api/identity/service-accounts/${serviceId}/keys`, { name: '停用测试' })).json() as { key: string };
  assert.equal((await bearer(key)).statusCode, 200);
  assert.equal((await callApi(tp, admin, 'POST', `/api/identity/users/${serviceId}/disable`)).statusCode, 200);
  assert.equal((await bearer(key)).statusCode, 401, 'a disabled service account cannot call');
  assert.equal((await callApi(tp, admin, 'POST', `/api/identity/users/${serviceId}/enable`)).statusCode, 200);
  assert.equal((await bearer(key)).statusCode, 200);

  const staff = await createStaff(tp, { roleScopes: [], unitId: units.province });
  const refused = await callApi(tp, admin, 'POST', `/api/identity/service-accounts/${staff.id}/keys`, { name: '给工作人员' });
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.json().code, 'not_service_account');
  // A service account cannot log in with a password (it has none).
  const anon = await anonymousSession(tp);
  const login = await tp.platform.app.inject({ method: 'POST', url: '/login', headers: { ...anon.headers, accept: 'application/json', 'content-type': 'application/json' }, payload: JSON.stringify({ loginName: 'tax-system', password: 'anything-At-all-1' }) });
  assert.equal(login.statusCode, 401);
});
