/**
 * Who may and who may not, for every route of the identity module: the table below lists each
 * route with its scope (and is checked against what the module really registers); for each, one
 * user who may (holding just that scope) and one who may not, plus anonymous visitors. Then the
 * region bound, citizens on the workbench, and a read-only API key.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { callApi, createStaff, getPage, loginAs, postForm, TEST_PASSWORD, type Session, type TestUser } from '../../../test/support/identity.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import type { App } from '../../platform/http/app.ts';
import { residentIdCheckChar } from '../../platform/identifiers/index.ts';
import { identityModule } from './index.ts';
import { assignRole } from './assignments.ts';
import { createRole, getRole } from './roles.ts';
import { registerCitizen } from './registration.ts';
import { createServiceAccount } from './users.ts';
import { issueApiKey } from './sessions.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Every route of the module: method, URL pattern, declared scope. */
const ROUTES: [Method, string, string][] = [
  // login, registration, the citizen's own page
  ['GET', '/login', 'public'],
  ['POST', '/login', 'public'],
  ['GET', '/login/totp', 'public'],
  ['POST', '/login/totp', 'public'],
  ['POST', '/logout', 'public'],
  ['GET', '/register', 'public'],
  ['POST', '/register/citizen', 'public'],
  ['POST', '/register/enterprise', 'public'],
  ['GET', '/my', 'authenticated'],
  ['GET', '/api/identity/me', 'authenticated'],
  // account pages
  ['GET', '/workbench/users', 'identity.user.read'],
  ['GET', '/workbench/users/new', 'identity.user.write'],
  ['POST', '/workbench/users', 'identity.user.write'],
  ['GET', '/workbench/users/:id', 'identity.user.read'],
  ['GET', '/workbench/users/:id/edit', 'identity.user.write'],
  ['POST', '/workbench/users/:id/edit', 'identity.user.write'],
  ['POST', '/workbench/users/:id/disable', 'identity.user.write'],
  ['POST', '/workbench/users/:id/enable', 'identity.user.write'],
  ['POST', '/workbench/users/:id/unlock', 'identity.user.unlock'],
  ['POST', '/workbench/users/:id/reset-totp', 'identity.user.unlock'],
  ['POST', '/workbench/users/:id/logout', 'identity.user.write'],
  ['POST', '/workbench/users/:id/reset-password', 'identity.user.write'],
  ['POST', '/workbench/users/:id/assignments', 'identity.assignment.write'],
  ['POST', '/workbench/users/:id/assignments/:assignmentId/delete', 'identity.assignment.write'],
  ['POST', '/workbench/users/:id/personal-data', 'identity.person.read_full'],
  // role pages
  ['GET', '/workbench/roles', 'identity.role.read'],
  ['GET', '/workbench/roles/new', 'identity.role.write'],
  ['POST', '/workbench/roles', 'identity.role.write'],
  ['GET', '/workbench/roles/:id', 'identity.role.read'],
  ['POST', '/workbench/roles/:id', 'identity.role.write'],
  // service account pages
  ['GET', '/workbench/service-accounts', 'identity.service_account.manage'],
  ['POST', '/workbench/service-accounts', 'identity.service_account.manage'],
  ['GET', '/workbench/service-accounts/:id', 'identity.service_account.manage'],
  ['POST', '/workbench/service-accounts/:id/keys', 'identity.service_account.manage'],
  ['POST', '/workbench/service-accounts/:id/keys/:keyId/revoke', 'identity.service_account.manage'],
  // own settings
  ['GET', '/workbench/profile', 'staff'],
  ['POST', '/workbench/profile/password', 'staff'],
  ['POST', '/workbench/profile/sessions/revoke-others', 'staff'],
  // JSON API
  ['GET', '/api/identity/users', 'identity.user.read'],
  ['POST', '/api/identity/users', 'identity.user.write'],
  ['GET', '/api/identity/users/:id', 'identity.user.read'],
  ['PATCH', '/api/identity/users/:id', 'identity.user.write'],
  ['POST', '/api/identity/users/:id/disable', 'identity.user.write'],
  ['POST', '/api/identity/users/:id/enable', 'identity.user.write'],
  ['POST', '/api/identity/users/:id/unlock', 'identity.user.unlock'],
  ['POST', '/api/identity/users/:id/reset-totp', 'identity.user.unlock'],
  ['POST', '/api/identity/users/:id/reset-password', 'identity.user.write'],
  ['GET', '/api/identity/users/:id/sessions', 'identity.user.read'],
  ['POST', '/api/identity/users/:id/logout', 'identity.user.write'],
  ['POST', '/api/identity/users/:id/personal-data', 'identity.person.read_full'],
  ['GET', '/api/identity/users/:id/assignments', 'identity.user.read'],
  ['POST', '/api/identity/assignments', 'identity.assignment.write'],
  ['DELETE', '/api/identity/assignments/:id', 'identity.assignment.write'],
  ['GET', '/api/identity/roles', 'identity.role.read'],
  ['GET', '/api/identity/roles/:id', 'identity.role.read'],
  ['POST', '/api/identity/roles', 'identity.role.write'],
  ['PUT', '/api/identity/roles/:id', 'identity.role.write'],
  ['GET', '/api/identity/service-accounts', 'identity.service_account.manage'],
  ['POST', '/api/identity/service-accounts', 'identity.service_account.manage'],
  ['GET', '/api/identity/service-accounts/:id/keys', 'identity.service_account.manage'],
  ['POST', '/api/identity/service-accounts/:id/keys', 'identity.service_account.manage'],
  ['DELETE', '/api/identity/service-accounts/:id/keys/:keyId', 'identity.service_account.manage'],
];

const clock = manualClock(new Date('2026-03-02T01:00:00Z'));
let tp: TestPlatform;
let units: TestUnits;
let ipCounter = 0;
const nextIp = () => `10.77.${Math.floor(ipCounter / 200)}.${(ipCounter++ % 200) + 1}`;

interface Fixture {
  target: TestUser;
  citizenId: string;
  clerkRoleId: string;
  customRoleId: string;
  assignmentIds: string[];
  serviceId: string;
  keyIds: string[];
}
let fx: Fixture;
let citizen: Session;

before(async () => {
  tp = await startTestPlatform({ clock });
  units = await ensureTestUnits(tp);
  const ctx = tp.ctx();
  const target = await createStaff(tp, { roleScopes: [], unitId: units.zhengzhou });
  const clerk = (await getRole(ctx, { code: 'clerk' }))!;
  const unitAdmin = (await getRole(ctx, { code: 'unit_admin' }))!;
  const a1 = await assignRole(ctx, { userId: target.id, roleId: unitAdmin.id, unitId: units.province });
  const a2 = await assignRole(ctx, { userId: target.id, roleId: unitAdmin.id, unitId: units.luoyang });
  const custom = await createRole(ctx, { code: 'matrix_role', name: '矩阵测试角色', scopes: ['identity.user.read'], knownScopes: tp.platform.services.scopes.map((s) => s.name) });
  const citizenIdNumber = `41010219800101001${residentIdCheckChar('41010219800101001')}`;
  const citizenId = await registerCitizen(ctx, { name: '孙八', idNumber: citizenIdNumber, phone: '13600000000', password: 'Citizen@2026' });
  const sa = await createServiceAccount(ctx, { loginName: 'matrix-system', displayName: '矩阵业务系统', homeUnitId: units.province });
  const k1 = await issueApiKey(ctx, { serviceUserId: sa.id, name: '页面吊销' });
  const k2 = await issueApiKey(ctx, { serviceUserId: sa.id, name: '接口吊销' });
  fx = { target, citizenId, clerkRoleId: clerk.id, customRoleId: custom.id, assignmentIds: [a1.id, a2.id], serviceId: sa.id, keyIds: [k1.id, k2.id] };
  citizen = await loginAs(tp, { loginName: citizenIdNumber, password: 'Citizen@2026', ip: nextIp() });
});
after(async () => tp?.close());

/** URL, body and expected status for the allowed caller of each route (keyed "METHOD url"). */
function allowedCase(method: Method, pattern: string): { url: string; body?: Record<string, unknown>; ok: number[] } {
  const t = fx.target.id;
  const cases: Record<string, { url: string; body?: Record<string, unknown>; ok: number[] }> = {
    'GET /workbench/users': { url: '/workbench/users', ok: [200] },
    'GET /workbench/users/new': { url: '/workbench/users/new', ok: [200] },
    'POST /workbench/users': { url: '/workbench/users', body: { loginName: 'matrix-new', displayName: '新建账号', password: TEST_PASSWORD, homeUnitId: units.zhengzhou }, ok: [303] },
    'GET /workbench/users/:id': { url: `/workbench/users/${t}`, ok: [200] },
    'GET /workbench/users/:id/edit': { url: `/workbench/users/${t}/edit`, ok: [200] },
    'POST /workbench/users/:id/edit': { url: `/workbench/users/${t}/edit`, body: { displayName: '改过的名字' }, ok: [303] },
    'POST /workbench/users/:id/disable': { url: `/workbench/users/${t}/disable`, ok: [303] },
    'POST /workbench/users/:id/enable': { url: `/workbench/users/${t}/enable`, ok: [303] },
    'POST /workbench/users/:id/unlock': { url: `/workbench/users/${t}/unlock`, ok: [303] },
    'POST /workbench/users/:id/reset-totp': { url: `/workbench/users/${t}/reset-totp`, ok: [303] },
    'POST /workbench/users/:id/logout': { url: `/workbench/users/${t}/logout`, ok: [303] },
    'POST /workbench/users/:id/reset-password': { url: `/workbench/users/${t}/reset-password`, body: { newPassword: 'Reset@2026pw' }, ok: [303] },
    'POST /workbench/users/:id/assignments': { url: `/workbench/users/${t}/assignments`, body: { roleId: fx.clerkRoleId, unitId: units.zhengzhou }, ok: [303] },
    'POST /workbench/users/:id/assignments/:assignmentId/delete': { url: `/workbench/users/${t}/assignments/${fx.assignmentIds[0]}/delete`, ok: [303] },
    'POST /workbench/users/:id/personal-data': { url: `/workbench/users/${fx.citizenId}/personal-data`, body: { purpose: '权限矩阵测试核验' }, ok: [200] },
    'GET /workbench/roles': { url: '/workbench/roles', ok: [200] },
    'GET /workbench/roles/new': { url: '/workbench/roles/new', ok: [200] },
    'POST /workbench/roles': { url: '/workbench/roles', body: { code: 'matrix_page_role', name: '页面角色', scopes: ['identity.user.read'] }, ok: [303] },
    'GET /workbench/roles/:id': { url: `/workbench/roles/${fx.customRoleId}`, ok: [200] },
    'POST /workbench/roles/:id': { url: `/workbench/roles/${fx.customRoleId}`, body: { name: '矩阵测试角色', scopes: ['identity.user.read', 'identity.role.read'] }, ok: [303] },
    'GET /workbench/service-accounts': { url: '/workbench/service-accounts', ok: [200] },
    'POST /workbench/service-accounts': { url: '/workbench/service-accounts', body: { loginName: 'matrix-page-system', displayName: '页面业务系统', homeUnitId: units.province }, ok: [303] },
    'GET /workbench/service-accounts/:id': { url: `/workbench/service-accounts/${fx.serviceId}`, ok: [200] },
    'POST /workbench/service-accounts/:id/keys': { url: `/workbench/service-accounts/${fx.serviceId}/keys`, body: { name: '矩阵密钥' }, ok: [200] },
    'POST /workbench/service-accounts/:id/keys/:keyId/revoke': { url: `/workbench/service-accounts/${fx.serviceId}/keys/${fx.keyIds[0]}/revoke`, ok: [303] },
    'GET /workbench/profile': { url: '/workbench/profile', ok: [200] },
    'POST /workbench/profile/password': { url: '/workbench/profile/password', body: { currentPassword: TEST_PASSWORD, newPassword: 'Profile@2026pw', confirmPassword: 'Profile@2026pw' }, ok: [303] },
    'POST /workbench/profile/sessions/revoke-others': { url: '/workbench/profile/sessions/revoke-others', ok: [303] },
    'GET /api/identity/users': { url: '/api/identity/users', ok: [200] },
    'POST /api/identity/users': { url: '/api/identity/users', body: { loginName: 'matrix-api', displayName: '接口建号', password: TEST_PASSWORD, homeUnitId: units.zhengzhou }, ok: [201] },
    'GET /api/identity/users/:id': { url: `/api/identity/users/${t}`, ok: [200] },
    'PATCH /api/identity/users/:id': { url: `/api/identity/users/${t}`, body: { email: 'matrix@example.gov.cn' }, ok: [200] },
    'POST /api/identity/users/:id/disable': { url: `/api/identity/users/${t}/disable`, ok: [200] },
    'POST /api/identity/users/:id/enable': { url: `/api/identity/users/${t}/enable`, ok: [200] },
    'POST /api/identity/users/:id/unlock': { url: `/api/identity/users/${t}/unlock`, ok: [204] },
    'POST /api/identity/users/:id/reset-totp': { url: `/api/identity/users/${t}/reset-totp`, ok: [204] },
    'POST /api/identity/users/:id/reset-password': { url: `/api/identity/users/${t}/reset-password`, body: { newPassword: 'Reset@2026px' }, ok: [204] },
    'GET /api/identity/users/:id/sessions': { url: `/api/identity/users/${t}/sessions`, ok: [200] },
    'POST /api/identity/users/:id/logout': { url: `/api/identity/users/${t}/logout`, ok: [200] },
    'POST /api/identity/users/:id/personal-data': { url: `/api/identity/users/${fx.citizenId}/personal-data`, body: { purpose: '权限矩阵测试核验' }, ok: [200] },
    'GET /api/identity/users/:id/assignments': { url: `/api/identity/users/${t}/assignments`, ok: [200] },
    'POST /api/identity/assignments': { url: '/api/identity/assignments', body: { userId: t, roleId: fx.clerkRoleId, unitId: units.zhongyuan }, ok: [201] },
    'DELETE /api/identity/assignments/:id': { url: `/api/identity/assignments/${fx.assignmentIds[1]}`, ok: [204] },
    'GET /api/identity/roles': { url: '/api/identity/roles', ok: [200] },
    'GET /api/identity/roles/:id': { url: `/api/identity/roles/${fx.customRoleId}`, ok: [200] },
    'POST /api/identity/roles': { url: '/api/identity/roles', body: { code: 'matrix_api_role', name: '接口角色', scopes: [] }, ok: [201] },
    'PUT /api/identity/roles/:id': { url: `/api/identity/roles/${fx.customRoleId}`, body: { name: '矩阵测试角色', scopes: ['identity.user.read'] }, ok: [200] },
    'GET /api/identity/service-accounts': { url: '/api/identity/service-accounts', ok: [200] },
    'POST /api/identity/service-accounts': { url: '/api/identity/service-accounts', body: { loginName: 'matrix-api-system', displayName: '接口业务系统', homeUnitId: units.province }, ok: [201] },
    'GET /api/identity/service-accounts/:id/keys': { url: `/api/identity/service-accounts/${fx.serviceId}/keys`, ok: [200] },
    'POST /api/identity/service-accounts/:id/keys': { url: `/api/identity/service-accounts/${fx.serviceId}/keys`, body: { name: '接口密钥' }, ok: [201] },
    'DELETE /api/identity/service-accounts/:id/keys/:keyId': { url: `/api/identity/service-accounts/${fx.serviceId}/keys/${fx.keyIds[1]}`, ok: [204] },
  };
  const c = cases[`${method} ${pattern}`];
  if (!c) throw new Error(`no allowed case for ${method} ${pattern}`);
  return c;
}

/** Anything under /workbench/users/:id is a form on the account page, which its holder also reads. */
const alsoNeeded = (pattern: string, scope: string) => (pattern.startsWith('/workbench/users/:id') && scope !== 'identity.user.read' ? ['identity.user.read'] : []);

async function send(session: Session | null, method: Method, url: string, body?: Record<string, unknown>): Promise<LightMyRequestResponse> {
  if (url.startsWith('/api/')) return callApi(tp, session, method, url, method === 'GET' || method === 'DELETE' ? undefined : (body ?? {}));
  if (method === 'GET') return getPage(tp, session, url);
  return postForm(tp, session, url, Object.fromEntries(Object.entries(body ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)])));
}

test('the table lists exactly the routes the module registers, with their scopes', async () => {
  const registered: [string, string, string][] = [];
  const record = (method: string) => (url: string, opts: { config?: { scope?: string } }) => {
    registered.push([method, url, opts.config?.scope ?? '(none)']);
  };
  const fake = { get: record('GET'), post: record('POST'), put: record('PUT'), patch: record('PATCH'), delete: record('DELETE'), withTypeProvider: () => fake };
  await identityModule.registerRoutes!(fake as unknown as App, tp.platform.services);
  const key = (r: [string, string, string]) => r.join(' ');
  assert.deepEqual(registered.map(key).sort(), ROUTES.map(key).sort());
  for (const [method, url] of ROUTES) assert.ok(tp.platform.app.hasRoute({ method, url }), `${method} ${url} is served`);
});

test('every named-scope route: allowed with the scope, 403 without it, login for anonymous', async () => {
  const sessions = new Map<string, Session>();
  const sessionWith = async (scopes: string[]) => {
    const k = scopes.slice().sort().join(',');
    if (!sessions.has(k)) {
      const user = await createStaff(tp, { roleScopes: scopes, unitId: units.province });
      sessions.set(k, await loginAs(tp, { ...user, ip: nextIp() }));
    }
    return sessions.get(k)!;
  };
  for (const [method, pattern, scope] of ROUTES) {
    if (['public', 'authenticated', 'staff'].includes(scope)) continue;
    const c = allowedCase(method, pattern);
    const also = alsoNeeded(pattern, scope);
    const label = `${method} ${pattern} (${scope})`;

    // Denied: a staff member with neighbouring scopes but not this one.
    const neighbours = ['identity.user.read', 'identity.role.read', ...also].filter((s) => s !== scope);
    const denied = await send(await sessionWith(['directory.unit.read', ...new Set(neighbours)]), method, c.url, c.body);
    assert.equal(denied.statusCode, 403, `${label} denied: ${denied.body.slice(0, 200)}`);

    // Anonymous: pages ask to log in, everything else is 401.
    const anon = await send(null, method, c.url, c.body);
    if (method === 'GET' && !pattern.startsWith('/api/')) {
      assert.equal(anon.statusCode, 303, `${label} anonymous`);
      assert.match(String(anon.headers.location), /^\/login\?next=/);
    } else {
      assert.equal(anon.statusCode, 401, `${label} anonymous`);
    }

    // Allowed: just this scope (and reading the account for the account page's forms).
    const allowed = await send(await sessionWith([scope, ...also]), method, c.url, c.body);
    assert.ok(c.ok.includes(allowed.statusCode), `${label} allowed: got ${allowed.statusCode} ${allowed.body.slice(0, 300)}`);
  }
});

test('staff-only and authenticated routes: citizens and anonymous visitors', async () => {
  const staff = await loginAs(tp, { ...(await createStaff(tp, { roleScopes: [], unitId: units.province })), ip: nextIp() });
  for (const [method, pattern, scope] of ROUTES.filter(([, , s]) => s === 'staff')) {
    const c = allowedCase(method, pattern);
    const denied = await send(citizen, method, c.url, c.body);
    assert.equal(denied.statusCode, 403, `${method} ${pattern} citizen`);
    const allowed = await send(staff, method, c.url, c.body);
    assert.ok(c.ok.includes(allowed.statusCode), `${method} ${pattern} (${scope}) staff: ${allowed.statusCode} ${allowed.body.slice(0, 200)}`);
  }
  assert.equal((await getPage(tp, citizen, '/my')).statusCode, 200);
  assert.equal((await callApi(tp, citizen, 'GET', '/api/identity/me')).statusCode, 200);
  assert.equal((await getPage(tp, null, '/my')).statusCode, 303);
  assert.equal((await callApi(tp, null, 'GET', '/api/identity/me')).statusCode, 401);
  for (const [method, pattern] of ROUTES.filter(([, , s]) => s === 'public')) {
    if (method === 'GET') assert.equal((await getPage(tp, null, pattern)).statusCode, pattern === '/login/totp' ? 303 : 200, pattern);
  }
});

test('a citizen cannot reach the account workbench', async () => {
  const res = await getPage(tp, citizen, '/workbench/users');
  assert.equal(res.statusCode, 403);
  assert.match(res.body, /此页面仅供政府工作人员使用/);
  assert.equal((await callApi(tp, citizen, 'GET', '/api/identity/users')).statusCode, 403);
});

test('a county clerk sees only the accounts of their county (404 for another county)', async () => {
  const zhongyuanClerk = await createStaff(tp, { roleScopes: ['identity.user.read', 'identity.user.write'], unitId: units.zhongyuan });
  const session = await loginAs(tp, { ...zhongyuanClerk, ip: nextIp() });
  const neighbour = await createStaff(tp, { roleScopes: [], unitId: units.erqi });
  const colleague = await createStaff(tp, { roleScopes: [], unitId: units.zhongyuan });
  assert.equal((await getPage(tp, session, `/workbench/users/${neighbour.id}`)).statusCode, 404);
  assert.equal((await callApi(tp, session, 'GET', `/api/identity/users/${neighbour.id}`)).statusCode, 404);
  assert.equal((await callApi(tp, session, 'POST', `/api/identity/users/${neighbour.id}/disable`)).statusCode, 404);
  assert.equal((await callApi(tp, session, 'GET', `/api/identity/users/${fx.citizenId}`)).statusCode, 404, 'citizens: province-wide only');
  assert.equal((await getPage(tp, session, `/workbench/users/${colleague.id}`)).statusCode, 200);
  const list = (await callApi(tp, session, 'GET', '/api/identity/users?pageSize=200')).json() as { items: { id: string }[] };
  assert.ok(list.items.some((u) => u.id === colleague.id));
  assert.ok(!list.items.some((u) => u.id === neighbour.id));
  // Creating an account in another county's unit is refused too.
  const create = await callApi(tp, session, 'POST', '/api/identity/users', { loginName: 'cross-county', displayName: '越权建号', password: TEST_PASSWORD, homeUnitId: units.erqi });
  assert.equal(create.statusCode, 403);
});

test('an API key of a service account with identity.user.read may list accounts but not create them', async () => {
  const ctx = tp.ctx();
  const sa = await createServiceAccount(ctx, { loginName: 'hr-sync', displayName: '人事系统', homeUnitId: units.province });
  const role = await createRole(ctx, { code: 'account_sync', name: '账号同步', scopes: ['identity.user.read'], knownScopes: tp.platform.services.scopes.map((s) => s.name) });
  await assignRole(ctx, { userId: sa.id, roleId: role.id, unitId: units.province });
  const { key } = await issueApiKey(ctx, { serviceUserId: sa.id, name: '同步' });
  const headers = { authorization: `Bearer ${key}`, accept: 'application/json' };
  const list = await tp.platform.app.inject({ method: 'GET', url: '/api/identity/users', headers });
  assert.equal(list.statusCode, 200);
  assert.ok(list.json().total > 0);
  const create = await tp.platform.app.inject({
    method: 'POST',
    url: '/api/identity/users',
    headers: { ...headers, 'content-type': 'application/json' },
    payload: JSON.stringify({ loginName: 'by-key', displayName: '密钥建号', password: TEST_PASSWORD, homeUnitId: units.province }),
  });
  assert.equal(create.statusCode, 403);
  assert.equal(create.json().code, 'forbidden');
});

test('the OpenAPI document describes the identity API, and no page', async () => {
  const res = await tp.platform.app.inject({ method: 'GET', url: '/api/docs/json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json() as { paths: Record<string, Record<string, { summary?: string; requestBody?: unknown }>> };
  const apiRoutes = ROUTES.filter(([, url]) => url.startsWith('/api/'));
  for (const [method, url] of apiRoutes) {
    const op = doc.paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
    assert.ok(op, `${method} ${url} documented`);
    assert.match(op.summary ?? '', /[\u4e00-\u9fff]/, `${method} ${url} has a Chinese summary`);
  }
  assert.ok(!Object.keys(doc.paths).some((p) => p.startsWith('/workbench')), 'pages are hidden');
  assert.ok(doc.paths['/api/identity/users'].post.requestBody);
});
