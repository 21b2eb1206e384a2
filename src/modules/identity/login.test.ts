/**
 * Login, logout, lockout, disabled accounts, session timeouts, the mandatory second factor for
 * administrators, CSRF and the per-address login rate limit.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { anonymousSession, callApi, createStaff, csrfFrom, getPage, loginAs, postForm } from '../../../test/support/identity.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { setUserStatus } from './users.ts';
import { totpCode } from './totp.ts';
import { LOCKOUT_MINUTES, MAX_FAILED_LOGINS } from './sessions.ts';

const clock = manualClock(new Date('2026-03-02T01:00:00Z'));
let tp: TestPlatform;
let units: TestUnits;

before(async () => {
  tp = await startTestPlatform({ clock });
  units = await ensureTestUnits(tp);
});
after(async () => tp?.close());
// Each test starts in a fresh rate-limit window and a fresh TOTP step.
beforeEach(() => clock.advance(11 * 60_000));

/** POST /login as a browser would, from `ip`; returns the response and the cookies it set. */
async function submitLogin(loginName: string, password: string, opts: { ip?: string; csrf?: string | null; accept?: string } = {}) {
  const anon = await anonymousSession(tp);
  const fields: Record<string, string> = { loginName, password };
  if (opts.csrf !== null) fields._csrf = opts.csrf ?? anon.csrf;
  const res = await tp.platform.app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: opts.ip ?? '127.0.0.1',
    headers: { cookie: anon.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: opts.accept ?? 'text/html' },
    payload: new URLSearchParams(fields).toString(),
  });
  const setCookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const session = setCookies.find((c) => c.startsWith('egov_session='))?.split(';')[0];
  return { res, cookie: session ? `${anon.cookie}; ${session}` : anon.cookie };
}

test('a successful login sets a session cookie; logout revokes the session', async () => {
  const user = await createStaff(tp, { roleScopes: ['identity.user.read'], unitId: units.province });
  const { res, cookie } = await submitLogin(user.loginName, user.password);
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, '/workbench');
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('egov_session='));
  assert.ok(setCookie, 'session cookie set');
  assert.match(setCookie!, /HttpOnly/i);
  assert.match(setCookie!, /SameSite=Lax/i);

  const me = await tp.platform.app.inject({ method: 'GET', url: '/api/identity/me', headers: { cookie } });
  assert.equal(me.statusCode, 200);
  assert.equal(me.json().id, user.id);
  assert.deepEqual(me.json().grants[0].scopes, ['identity.user.read']);

  const home = await getPage(tp, { cookie }, '/workbench');
  const out = await postForm(tp, { cookie, csrf: csrfFrom(home.body) }, '/logout');
  assert.equal(out.statusCode, 303);
  const again = await tp.platform.app.inject({ method: 'GET', url: '/api/identity/me', headers: { cookie } });
  assert.equal(again.statusCode, 401, 'the old cookie is worthless after logout');
  const rows = await queryRows<{ revoked_at: unknown }>(tp.database.db, sql`SELECT revoked_at FROM identity.sessions WHERE user_id = ${user.id}`);
  assert.equal(rows.length, 1);
  assert.notEqual(rows[0].revoked_at, null);
});

test('a wrong password and an unknown account get the same 401 answer', async () => {
  const user = await createStaff(tp, { roleScopes: [], unitId: units.province });
  const wrong = await submitLogin(user.loginName, 'Wrong@2026pass');
  const unknown = await submitLogin('nobody-here', 'Wrong@2026pass');
  for (const { res } of [wrong, unknown]) {
    assert.equal(res.statusCode, 401);
    assert.match(res.body, /登录名或口令错误/);
    assert.doesNotMatch(res.body, /口令不正确|账号不存在|用户不存在|登录名不存在/);
    assert.doesNotMatch(res.body, /Wrong@2026pass/, 'the password is not echoed');
  }
  assert.match(wrong.res.body, new RegExp(`value="${user.loginName}"`), 'the login name is kept');
  const json = await submitLogin(user.loginName, 'Wrong@2026pass', { accept: 'application/json' });
  assert.equal(json.res.statusCode, 401);
  assert.equal(json.res.json().code, 'invalid_credentials');
  // A mistyped resident ID number is masked in the audit log.
  await submitLogin('410102199003071234', 'Wrong@2026pass');
  const logged = await queryRows<{ target_id: string }>(tp.database.db, sql`SELECT target_id FROM platform.audit_log WHERE action = 'identity.login' AND target_type = 'identity.login_name'`);
  assert.ok(logged.some((r) => r.target_id === '4101**********1234'));
  assert.ok(!logged.some((r) => r.target_id.includes('199003071')));
});

test(`the account locks after ${MAX_FAILED_LOGINS} failures; a security administrator unlocks it`, async () => {
  const user = await createStaff(tp, { roleScopes: [], unitId: units.zhengzhou });
  for (let i = 1; i <= MAX_FAILED_LOGINS; i += 1) {
    const { res } = await submitLogin(user.loginName, `Wrong@2026-${i}`, { ip: '10.20.0.1' });
    assert.equal(res.statusCode, 401, `attempt ${i}`);
  }
  const locked = await submitLogin(user.loginName, user.password, { ip: '10.20.0.1', accept: 'application/json' });
  assert.equal(locked.res.statusCode, 423, 'even the right password is refused while locked');
  assert.equal(locked.res.json().code, 'account_locked');
  assert.match(locked.res.json().title, /锁定/);
  const row = await queryOne<{ locked_until: Date | string | null }>(tp.database.db, sql`SELECT locked_until FROM identity.users WHERE id = ${user.id}`);
  assert.equal(new Date(row!.locked_until!).getTime(), clock.now().getTime() + LOCKOUT_MINUTES * 60_000);

  // The security administrator (built-in role, second factor enrolled at first login) unlocks it.
  const secUser = await createStaff(tp, { roleCode: 'sec_admin', unitId: units.province });
  const sec = await loginAs(tp, secUser);
  const detail = await getPage(tp, sec, `/workbench/users/${user.id}`);
  assert.match(detail.body, /已锁定/);
  const unlock = await postForm(tp, sec, `/workbench/users/${user.id}/unlock`);
  assert.equal(unlock.statusCode, 303);
  const ok = await submitLogin(user.loginName, user.password, { ip: '10.20.0.1' });
  assert.equal(ok.res.statusCode, 303, 'login works again after unlocking');
  const audited = await queryRows(tp.database.db, sql`SELECT 1 FROM platform.audit_log WHERE action = 'identity.user.unlock' AND target_id = ${user.id} AND actor_user_id = ${secUser.id}`);
  assert.equal(audited.length, 1);
});

test('a disabled account is refused (and only the right password learns why)', async () => {
  const user = await createStaff(tp, { roleScopes: [], unitId: units.zhengzhou });
  const session = await loginAs(tp, user);
  await setUserStatus(tp.ctx(), { id: user.id, status: 'disabled' });
  assert.equal((await getPage(tp, session, '/workbench')).statusCode, 303, 'its live session ended');
  const right = await submitLogin(user.loginName, user.password, { accept: 'application/json' });
  assert.equal(right.res.statusCode, 403);
  assert.equal(right.res.json().code, 'account_disabled');
  const wrong = await submitLogin(user.loginName, 'Wrong@2026pass', { accept: 'application/json' });
  assert.equal(wrong.res.statusCode, 401);
  assert.equal(wrong.res.json().code, 'invalid_credentials');
});

test('a session expires after 30 idle minutes', async () => {
  const user = await createStaff(tp, { roleScopes: ['identity.user.read'], unitId: units.province });
  const session = await loginAs(tp, user);
  clock.advance(29 * 60_000);
  assert.equal((await getPage(tp, session, '/workbench/users')).statusCode, 200, 'still alive within the idle limit (activity refreshes it)');
  clock.advance(31 * 60_000);
  const page = await getPage(tp, session, '/workbench/users');
  assert.equal(page.statusCode, 303);
  assert.match(String(page.headers.location), /^\/login\?next=%2Fworkbench%2Fusers/);
  assert.equal((await callApi(tp, session, 'GET', '/api/identity/me')).statusCode, 401);
});

test('an administrator without TOTP must enrol and holds no scope until the code is verified; a code is good once', async () => {
  const user = await createStaff(tp, { roleCode: 'sys_admin', unitId: units.province });
  const { res, cookie } = await submitLogin(user.loginName, user.password);
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, '/login/totp');

  const wb = await getPage(tp, { cookie }, '/workbench');
  assert.equal(wb.statusCode, 303);
  assert.equal(wb.headers.location, '/login/totp');
  assert.equal((await getPage(tp, { cookie }, '/workbench/users')).headers.location, '/login/totp');
  assert.equal((await tp.platform.app.inject({ method: 'GET', url: '/api/identity/me', headers: { cookie } })).statusCode, 401);
  assert.equal((await tp.platform.app.inject({ method: 'GET', url: '/api/identity/users', headers: { cookie } })).statusCode, 401);

  const enrol = await getPage(tp, { cookie }, '/login/totp');
  assert.equal(enrol.statusCode, 200);
  assert.match(enrol.body, /绑定动态口令/);
  const secret = /id="totp-secret">([A-Z2-7]+)</.exec(enrol.body)?.[1];
  assert.ok(secret);
  const csrf = csrfFrom(enrol.body);
  const bad = await postForm(tp, { cookie, csrf }, '/login/totp', { code: '000000' === totpCode(secret!, clock.now()) ? '111111' : '000000' });
  assert.equal(bad.statusCode, 401);
  const code = totpCode(secret!, clock.now());
  const good = await postForm(tp, { cookie, csrf }, '/login/totp', { code });
  assert.equal(good.statusCode, 303);
  const me = await tp.platform.app.inject({ method: 'GET', url: '/api/identity/me', headers: { cookie } });
  assert.equal(me.statusCode, 200);
  assert.ok(me.json().grants[0].scopes.includes('identity.user.write'));
  assert.equal((await queryOne<{ totp_enabled: boolean }>(tp.database.db, sql`SELECT totp_enabled FROM identity.users WHERE id = ${user.id}`))?.totp_enabled, true);

  // Log in again within the same 30 s: the same code is refused.
  const second = await submitLogin(user.loginName, user.password);
  assert.equal(second.res.headers.location, '/login/totp');
  const verify = await getPage(tp, { cookie: second.cookie }, '/login/totp');
  assert.match(verify.body, /动态口令验证/);
  assert.doesNotMatch(verify.body, /totp-secret/, 'the secret is shown only at enrolment');
  const replay = await postForm(tp, { cookie: second.cookie, csrf: csrfFrom(verify.body) }, '/login/totp', { code });
  assert.equal(replay.statusCode, 401);
  assert.match(replay.body, /已使用过/);
  clock.advance(30_000);
  const next = await postForm(tp, { cookie: second.cookie, csrf: csrfFrom(verify.body) }, '/login/totp', { code: totpCode(secret!, clock.now()) });
  assert.equal(next.statusCode, 303);
});

test('a missing or forged CSRF token is refused with 403 csrf_invalid', async () => {
  const user = await createStaff(tp, { roleScopes: ['identity.user.read', 'identity.user.write'], unitId: units.province });
  for (const csrf of [null, 'forged-token']) {
    const page = await submitLogin(user.loginName, user.password, { csrf });
    assert.equal(page.res.statusCode, 403);
    assert.match(page.res.body, /表单已过期或来源无法验证/);
    const json = await submitLogin(user.loginName, user.password, { csrf, accept: 'application/json' });
    assert.equal(json.res.statusCode, 403);
    assert.equal(json.res.json().code, 'csrf_invalid');
  }
  // A workbench form with a token from another session is refused, and nothing changes.
  const admin = await loginAs(tp, user);
  const other = await anonymousSession(tp);
  const target = await createStaff(tp, { roleScopes: [], unitId: units.province });
  for (const csrf of ['', other.csrf]) {
    const res = await postForm(tp, { cookie: admin.cookie, csrf }, `/workbench/users/${target.id}/disable`, csrf ? {} : { _csrf: '' });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /表单已过期/);
  }
  const api = await tp.platform.app.inject({ method: 'POST', url: `/api/identity/users/${target.id}/disable`, headers: { cookie: admin.cookie, accept: 'application/json' } });
  assert.equal(api.statusCode, 403);
  assert.equal(api.json().code, 'csrf_invalid');
  assert.equal((await queryOne<{ status: string }>(tp.database.db, sql`SELECT status FROM identity.users WHERE id = ${target.id}`))?.status, 'active');
});

test('logins are rate limited per address', async () => {
  const ip = '10.99.0.7';
  for (let i = 0; i < 30; i += 1) {
    const { res } = await submitLogin('nobody', 'Wrong@2026pass', { ip, accept: 'application/json' });
    assert.equal(res.statusCode, 401, `attempt ${i + 1}`);
  }
  const limited = await submitLogin('nobody', 'Wrong@2026pass', { ip, accept: 'application/json' });
  assert.equal(limited.res.statusCode, 429);
  assert.equal(limited.res.json().code, 'rate_limited');
  const user = await createStaff(tp, { roleScopes: [], unitId: units.province });
  assert.equal((await submitLogin(user.loginName, user.password, { ip })).res.statusCode, 429, 'even the right password waits');
  assert.equal((await submitLogin(user.loginName, user.password, { ip: '10.99.0.8' })).res.statusCode, 303, 'other addresses are not affected');
  clock.advance(10 * 60_000);
  assert.equal((await submitLogin(user.loginName, user.password, { ip })).res.statusCode, 303, 'the next window is open again');
});

test('a security administrator resets a lost second factor; the next login enrols a new one', async () => {
  const user = await createStaff(tp, { roleCode: 'unit_admin', unitId: units.zhengzhou });
  const first = await loginAs(tp, user);
  assert.ok(first.totpSecret, 'enrolled at first login');
  const sec = await loginAs(tp, await createStaff(tp, { roleCode: 'sec_admin', unitId: units.province }));
  const detail = await getPage(tp, sec, `/workbench/users/${user.id}`);
  assert.match(detail.body, /重置动态口令/);
  assert.equal((await postForm(tp, sec, `/workbench/users/${user.id}/reset-totp`)).statusCode, 303);
  assert.equal((await getPage(tp, first, '/workbench')).statusCode, 303, 'its sessions ended');
  clock.advance(31_000);
  const again = await loginAs(tp, user);
  assert.ok(again.totpSecret);
  assert.notEqual(again.totpSecret, first.totpSecret, 'a new secret');
  // The system administrator, who resets passwords, cannot reset second factors.
  const sys = await loginAs(tp, await createStaff(tp, { roleCode: 'sys_admin', unitId: units.province }));
  assert.equal((await callApi(tp, sys, 'POST', `/api/identity/users/${user.id}/reset-totp`)).statusCode, 403);
});
