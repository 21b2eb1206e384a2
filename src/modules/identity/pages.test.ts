/**
 * The identity workbench pages end to end: forms, refusals re-rendered with the user's values,
 * the one-time API key page, the profile.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { createStaff, csrfFrom, getPage, loginAs, postForm, TEST_PASSWORD, type Session } from '../../../test/support/identity.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { getRole } from './roles.ts';

const clock = manualClock(new Date('2026-03-02T01:00:00Z'));
let tp: TestPlatform;
let units: TestUnits;
/** System-side administrator (accounts, service accounts) and security-side (roles, grants): MLPS keeps them apart. */
let admin: Session;
let adminId: string;
let sec: Session;
let secId: string;

before(async () => {
  tp = await startTestPlatform({ clock });
  units = await ensureTestUnits(tp);
  const u = await createStaff(tp, { roleScopes: ['identity.user.read', 'identity.user.write', 'identity.service_account.manage', 'identity.role.read'], unitId: units.province });
  adminId = u.id;
  admin = await loginAs(tp, u);
  const s = await createStaff(tp, { roleScopes: ['identity.user.read', 'identity.user.unlock', 'identity.role.read', 'identity.role.write', 'identity.assignment.write'], unitId: units.province });
  secId = s.id;
  sec = await loginAs(tp, s);
});
after(async () => tp?.close());

test('user list, filters and navigation render for an administrator', async () => {
  const res = await getPage(tp, admin, '/workbench/users');
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.body, /账号管理/);
  assert.match(res.body, /href="\/workbench\/profile"/, 'profile link in the navigation');
  const filtered = await getPage(tp, admin, '/workbench/users?kind=staff&search=%E6%B5%8B%E8%AF%95');
  assert.equal(filtered.statusCode, 200);
  assert.match(filtered.body, /测试用户/);
  const bad = await getPage(tp, admin, '/workbench/users?kind=alien');
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /账号类型/);
  // LIKE wildcards in the search are taken literally.
  const percent = await getPage(tp, admin, '/workbench/users?search=%25');
  assert.equal(percent.statusCode, 200);
  assert.match(percent.body, /没有符合条件的账号/);
});

test('create a staff account through the form; refusals keep the values but never the password', async () => {
  const form = await getPage(tp, admin, '/workbench/users/new');
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /郑州市人民政府 \(测试\)/, 'units of the region are offered');
  const narrowed = await getPage(tp, admin, `/workbench/users/new?unitSearch=${encodeURIComponent('洛阳')}`);
  assert.match(narrowed.body, /洛阳市人民政府/);
  assert.doesNotMatch(narrowed.body, /郑州市人民政府 \(测试\)/);

  const refused = await postForm(tp, admin, '/workbench/users', { loginName: 'Bad Name', displayName: '王五', password: 'Zq9sh', homeUnitId: units.zhengzhou, phone: '123' });
  assert.equal(refused.statusCode, 400);
  assert.match(refused.body, /请更正以下问题/);
  assert.match(refused.body, /登录名应为/);
  assert.match(refused.body, /手机号码应为 11 位/);
  assert.match(refused.body, /口令至少 10 位/);
  assert.match(refused.body, /value="王五"/, 'the name is kept');
  assert.doesNotMatch(refused.body, /Zq9sh/, 'the password is never echoed');

  const created = await postForm(tp, admin, '/workbench/users', { loginName: 'wangwu', displayName: '王五', password: TEST_PASSWORD, homeUnitId: units.zhengzhou, phone: '13912345678', email: 'wangwu@example.gov.cn' });
  assert.equal(created.statusCode, 303, created.body);
  const location = String(created.headers.location);
  assert.match(location, /^\/workbench\/users\/[0-9a-f-]{36}$/);
  const detail = await getPage(tp, admin, location);
  assert.equal(detail.statusCode, 200);
  assert.match(detail.body, /139\*\*\*\*5678/, 'phone masked on the detail page');
  assert.doesNotMatch(detail.body, /13912345678/);

  const dup = await postForm(tp, admin, '/workbench/users', { loginName: 'wangwu', displayName: '王五', password: TEST_PASSWORD, homeUnitId: units.zhengzhou });
  assert.equal(dup.statusCode, 409);
  assert.match(dup.body, /已被使用/);
});

test('detail actions: edit, disable, enable, reset password, assignments', async () => {
  const target = await createStaff(tp, { roleScopes: [], unitId: units.zhongyuan });
  const url = `/workbench/users/${target.id}`;

  const edit = await postForm(tp, admin, `${url}/edit`, { displayName: 'O\'Brien; DROP TABLE identity.users; --', phone: '', email: 'x@example.cn' });
  assert.equal(edit.statusCode, 303, edit.body);
  const shown = await getPage(tp, admin, url);
  assert.match(shown.body, /O&#39;Brien; DROP TABLE identity.users; --/, 'stored literally, rendered escaped');
  const badEdit = await postForm(tp, admin, `${url}/edit`, { displayName: '李', email: 'not-an-email' });
  assert.equal(badEdit.statusCode, 400);
  assert.match(badEdit.body, /电子邮箱格式不正确|姓名/);

  assert.match(shown.body, /data-confirm="确定停用账号/, 'destructive actions ask first');
  const disable = await postForm(tp, admin, `${url}/disable`);
  assert.equal(disable.statusCode, 303);
  assert.equal((await queryOne<{ status: string }>(tp.database.db, sql`SELECT status FROM identity.users WHERE id = ${target.id}`))?.status, 'disabled');
  const flash = await getPage(tp, { cookie: `${admin.cookie}; ${String(disable.headers['set-cookie']).split(';')[0]}` }, url);
  assert.match(flash.body, /账号已停用/);
  assert.equal((await postForm(tp, admin, `${url}/enable`)).statusCode, 303);

  const weak = await postForm(tp, admin, `${url}/reset-password`, { newPassword: 'abc' });
  assert.equal(weak.statusCode, 400);
  assert.match(weak.body, /口令至少 10 位/);
  assert.equal((await postForm(tp, admin, `${url}/reset-password`, { newPassword: 'Another@2026pw' })).statusCode, 303);
  await loginAs(tp, { loginName: target.loginName, password: 'Another@2026pw' });

  const clerk = await getRole(tp.ctx(), { code: 'clerk' });
  const granted = await postForm(tp, sec, `${url}/assignments`, { roleId: clerk!.id, unitId: units.zhongyuan });
  assert.equal(granted.statusCode, 303, granted.body);
  const rows = await queryRows<{ id: string }>(tp.database.db, sql`SELECT a.id FROM identity.assignments a JOIN identity.roles r ON r.id = a.role_id WHERE a.user_id = ${target.id} AND r.code = 'clerk'`);
  assert.equal(rows.length, 1);
  const again = await postForm(tp, sec, `${url}/assignments`, { roleId: clerk!.id, unitId: units.zhongyuan });
  assert.equal(again.statusCode, 409);
  assert.match(again.body, /已有此角色/);
  const removed = await postForm(tp, sec, `${url}/assignments/${rows[0].id}/delete`);
  assert.equal(removed.statusCode, 303);
  assert.equal((await queryRows(tp.database.db, sql`SELECT 1 FROM identity.assignments WHERE id = ${rows[0].id}`)).length, 0);

  // An administrator's own page offers no grant form and no disable button.
  const own = await getPage(tp, sec, `/workbench/users/${secId}`);
  assert.equal(own.statusCode, 200);
  assert.match(own.body, /不能修改自己的授权/);
  assert.doesNotMatch(own.body, /授予岗位角色/);
  assert.doesNotMatch((await getPage(tp, admin, `/workbench/users/${adminId}`)).body, /停用账号/);
});

test('roles: create with grouped scope checkboxes, edit, built-in read-only', async () => {
  const list = await getPage(tp, sec, '/workbench/roles');
  assert.equal(list.statusCode, 200);
  assert.match(list.body, /三员: 系统管理员/);
  assert.match(list.body, /查看本辖区账号/, 'scopes are described in Chinese');

  const form = await getPage(tp, sec, '/workbench/roles/new');
  assert.match(form.body, /<legend>身份与权限<\/legend>/);
  assert.doesNotMatch(form.body, /value="identity.assignment.write"/, 'reserved scopes are not offered');

  const refused = await postForm(tp, sec, '/workbench/roles', { code: 'Bad Code', name: '巡查员', scopes: ['identity.user.read', 'identity.assignment.write'] });
  assert.equal(refused.statusCode, 400);
  assert.match(refused.body, /value="巡查员"/);
  assert.match(refused.body, /value="identity.user.read" checked/, 'ticked boxes stay ticked');

  const created = await postForm(tp, sec, '/workbench/roles', { code: 'inspector', name: '巡查员', description: '只读', scopes: 'identity.user.read', requiresMfa: 'true' });
  assert.equal(created.statusCode, 303, created.body);
  const role = await getRole(tp.ctx(), { code: 'inspector' });
  assert.deepEqual(role?.scopes, ['identity.user.read']);
  assert.equal(role?.requiresMfa, true);

  const updated = await postForm(tp, sec, `/workbench/roles/${role!.id}`, { name: '巡查员 (二级)', scopes: ['identity.user.read', 'identity.role.read'] });
  assert.equal(updated.statusCode, 303, updated.body);
  assert.deepEqual((await getRole(tp.ctx(), { id: role!.id }))?.scopes, ['identity.role.read', 'identity.user.read']);

  const builtin = await getRole(tp.ctx(), { code: 'sys_admin' });
  const view = await getPage(tp, sec, `/workbench/roles/${builtin!.id}`);
  assert.equal(view.statusCode, 200);
  assert.match(view.body, /权限固定, 不可修改/);
  assert.doesNotMatch(view.body, /<form action="\/workbench\/roles\//);
});

test('service accounts: create, issue a key shown once, revoke', async () => {
  const list = await getPage(tp, admin, '/workbench/service-accounts');
  assert.equal(list.statusCode, 200);
  const created = await postForm(tp, admin, '/workbench/service-accounts', { loginName: 'tax-gateway', displayName: '税务系统', homeUnitId: units.province });
  assert.equal(created.statusCode, 303, created.body);
  const url = String(created.headers.location);
  const detail = await getPage(tp, admin, url);
  assert.equal(detail.statusCode, 200);
  assert.match(detail.body, /尚未签发 API 密钥/);

  const issued = await postForm(tp, admin, `${url}/keys`, { name: '生产环境' });
  assert.equal(issued.statusCode, 200);
  assert.equal(issued.headers['cache-control'], 'no-store');
  assert.match(issued.body, /密钥只显示这一次/);
  const key = /id="api-key">(egov_[A-Za-z0-9_-]+)</.exec(issued.body)?.[1];
  assert.ok(key);
  const me = await tp.platform.app.inject({ method: 'GET', url: '/api/identity/me', headers: { authorization: `Bearer ${key}` } });
  assert.equal(me.statusCode, 200);

  const again = await getPage(tp, admin, url);
  assert.doesNotMatch(again.body, new RegExp(key!.slice(-20)), 'the key is never shown again');
  const keyId = /keys\/([0-9a-f-]{36})\/revoke/.exec(again.body)?.[1];
  assert.ok(keyId);
  assert.equal((await postForm(tp, admin, `${url}/keys/${keyId}/revoke`)).statusCode, 303);
  const after = await tp.platform.app.inject({ method: 'GET', url: '/api/identity/me', headers: { authorization: `Bearer ${key}` } });
  assert.equal(after.statusCode, 401);

  const badKey = await postForm(tp, admin, `${url}/keys`, { name: 'x', expiresAt: '2020-01-01' });
  assert.equal(badKey.statusCode, 400);
});

test('profile: own sessions and password change (other sessions end, this one stays)', async () => {
  const user = await createStaff(tp, { roleScopes: [], unitId: units.erqi });
  const first = await loginAs(tp, user);
  const second = await loginAs(tp, user);
  const page = await getPage(tp, second, '/workbench/profile');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /当前会话/);
  assert.match(page.body, /退出其他所有会话/);

  const mismatch = await postForm(tp, second, '/workbench/profile/password', { currentPassword: user.password, newPassword: 'Changed@2026pw', confirmPassword: 'Changed@2026px' });
  assert.equal(mismatch.statusCode, 400);
  assert.match(mismatch.body, /两次输入的新口令不一致/);
  const wrong = await postForm(tp, second, '/workbench/profile/password', { currentPassword: 'nope-Nope-1', newPassword: 'Changed@2026pw', confirmPassword: 'Changed@2026pw' });
  assert.equal(wrong.statusCode, 400);
  assert.match(wrong.body, /当前口令不正确/);
  const ok = await postForm(tp, second, '/workbench/profile/password', { currentPassword: user.password, newPassword: 'Changed@2026pw', confirmPassword: 'Changed@2026pw' });
  assert.equal(ok.statusCode, 303, ok.body);
  assert.equal((await getPage(tp, second, '/workbench/profile')).statusCode, 200, 'this session stays');
  assert.equal((await getPage(tp, first, '/workbench/profile')).statusCode, 303, 'the other session ended');
  const relogin = await loginAs(tp, { loginName: user.loginName, password: 'Changed@2026pw' });
  assert.ok(csrfFrom((await getPage(tp, relogin, '/workbench/profile')).body));
});
