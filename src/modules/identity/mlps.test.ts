/**
 * The three-administrator split of MLPS (等保“三员分立”): no account holds two of system,
 * security and audit administrator (by role or by their powers), nobody grants to themselves,
 * custom roles cannot carry reserved powers, built-in roles cannot be edited, and the auditor
 * reads the audit log but changes nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { callApi, createStaff, getPage, loginAs, postForm, type Session, type TestUser } from '../../../test/support/identity.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { queryRows, sql } from '../../platform/db/index.ts';
import { isAppError } from '../../platform/errors.ts';
import type { Actor } from '../../platform/context.ts';
import { assignRole, grantsOf, removeAssignment } from './assignments.ts';
import { createRole, getRole, updateRole, type Role } from './roles.ts';

const clock = manualClock(new Date('2026-03-02T01:00:00Z'));
let tp: TestPlatform;
let units: TestUnits;
let roles: Record<string, Role>;
let secUser: TestUser;
let sec: Session;

const code = (c: string, status?: number) => (e: unknown) => isAppError(e) && e.code === c && (status === undefined || e.status === status);

async function actorOf(user: TestUser): Promise<Actor> {
  const { grants } = await grantsOf(tp.ctx(), user.id);
  return { kind: 'staff', userId: user.id, name: user.loginName, grants };
}

before(async () => {
  tp = await startTestPlatform({ clock });
  units = await ensureTestUnits(tp);
  roles = {};
  for (const c of ['sys_admin', 'sec_admin', 'audit_admin', 'clerk', 'unit_admin']) roles[c] = (await getRole(tp.ctx(), { code: c }))!;
  secUser = await createStaff(tp, { roleCode: 'sec_admin', unitId: units.province });
  sec = await loginAs(tp, secUser);
});
after(async () => tp?.close());

test('a second MLPS administrator role on the same account is refused (service and HTTP)', async () => {
  const sysUser = await createStaff(tp, { roleCode: 'sys_admin', unitId: units.province });
  await assert.rejects(assignRole(tp.ctx(), { userId: sysUser.id, roleId: roles.sec_admin.id, unitId: units.province }), code('mlps_separation', 409));
  await assert.rejects(assignRole(tp.ctx(), { userId: sysUser.id, roleId: roles.audit_admin.id, unitId: units.zhengzhou }), code('mlps_separation', 409), 'also at another unit');
  // The same administrator role at another unit is fine; so is an ordinary role.
  await assignRole(tp.ctx(), { userId: sysUser.id, roleId: roles.sys_admin.id, unitId: units.zhengzhou });
  await assignRole(tp.ctx(), { userId: sysUser.id, roleId: roles.clerk.id, unitId: units.zhengzhou });

  const api = await callApi(tp, sec, 'POST', '/api/identity/assignments', { userId: sysUser.id, roleId: roles.audit_admin.id, unitId: units.province });
  assert.equal(api.statusCode, 409);
  assert.equal(api.json().code, 'mlps_separation');
  assert.match(api.json().title, /该账号已是系统管理员, 不能同时担任审计管理员/);
  const page = await postForm(tp, sec, `/workbench/users/${sysUser.id}/assignments`, { roleId: roles.sec_admin.id, unitId: units.province });
  assert.equal(page.statusCode, 409);
  assert.match(page.body, /三员分立/);
  const held = await queryRows<{ code: string }>(tp.database.db, sql`SELECT r.code FROM identity.assignments a JOIN identity.roles r ON r.id = a.role_id WHERE a.user_id = ${sysUser.id}`);
  assert.deepEqual(held.map((r) => r.code).sort(), ['clerk', 'sys_admin', 'sys_admin']);
});

test('the powers of another administrator cannot come in through a custom role either', async () => {
  // A custom role with a system-administrator power (account writing) for the security administrator…
  const writer = await createRole(tp.ctx(), { code: 'account_writer', name: '账号维护员', scopes: ['identity.user.read', 'identity.user.write'], knownScopes: tp.platform.services.scopes.map((s) => s.name) });
  const otherSec = await createStaff(tp, { roleCode: 'sec_admin', unitId: units.zhengzhou });
  await assert.rejects(assignRole(tp.ctx(), { userId: otherSec.id, roleId: writer.id, unitId: units.zhengzhou }), code('mlps_separation', 409));
  // …or by widening a role someone already holds.
  const reader = await createRole(tp.ctx(), { code: 'account_reader', name: '账号查看员', scopes: ['identity.user.read'], knownScopes: tp.platform.services.scopes.map((s) => s.name) });
  await assignRole(tp.ctx(), { userId: otherSec.id, roleId: reader.id, unitId: units.zhengzhou });
  const widen = await callApi(tp, sec, 'PUT', `/api/identity/roles/${reader.id}`, { name: '账号查看员', scopes: ['identity.user.read', 'identity.service_account.manage'] });
  assert.equal(widen.statusCode, 409);
  assert.equal(widen.json().code, 'mlps_separation');
  // A service account never holds administrator powers.
  const svc = await createStaff(tp, { roleScopes: [], unitId: units.province });
  await tp.database.db.execute(sql`UPDATE identity.users SET kind = 'service', password_hash = NULL WHERE id = ${svc.id}`);
  await assert.rejects(assignRole(tp.ctx(), { userId: svc.id, roleId: roles.sys_admin.id, unitId: units.province }), code('service_admin', 400));
});

test('nobody grants roles to themselves or removes their own', async () => {
  const self = await actorOf(secUser);
  await assert.rejects(assignRole({ ...tp.ctx(), actor: self }, { userId: secUser.id, roleId: roles.clerk.id, unitId: units.province }), code('self_grant', 403));
  const api = await callApi(tp, sec, 'POST', '/api/identity/assignments', { userId: secUser.id, roleId: roles.unit_admin.id, unitId: units.province });
  assert.equal(api.statusCode, 403);
  assert.equal(api.json().code, 'self_grant');
  const own = await queryRows<{ id: string }>(tp.database.db, sql`SELECT id FROM identity.assignments WHERE user_id = ${secUser.id}`);
  await assert.rejects(removeAssignment({ ...tp.ctx(), actor: self }, { assignmentId: own[0].id }), code('self_grant', 403));
  assert.equal((await callApi(tp, sec, 'DELETE', `/api/identity/assignments/${own[0].id}`)).statusCode, 403);
});

test('a custom role cannot contain reserved scopes nor mix two administrators', async () => {
  const reserved = await callApi(tp, sec, 'POST', '/api/identity/roles', { code: 'auditor_lite', name: '审计助理', scopes: ['platform.audit.read'] });
  assert.equal(reserved.statusCode, 400);
  assert.equal(reserved.json().code, 'reserved_scope');
  for (const s of ['identity.assignment.write', 'identity.role.write', 'platform.audit.export']) {
    const res = await callApi(tp, sec, 'POST', '/api/identity/roles', { code: 'r_reserved', name: '保留权限', scopes: [s] });
    assert.equal(res.json().code, 'reserved_scope', s);
  }
  const mixed = await callApi(tp, sec, 'POST', '/api/identity/roles', { code: 'r_mixed', name: '混合', scopes: ['identity.user.write', 'identity.user.unlock'] });
  assert.equal(mixed.statusCode, 400);
  assert.equal(mixed.json().code, 'mlps_separation');
  const unknown = await callApi(tp, sec, 'POST', '/api/identity/roles', { code: 'r_unknown', name: '未知', scopes: ['identity.everything'] });
  assert.equal(unknown.json().code, 'unknown_scope');

  const ok = await callApi(tp, sec, 'POST', '/api/identity/roles', { code: 'viewer', name: '查看员', scopes: ['identity.user.read', 'identity.role.read'] });
  assert.equal(ok.statusCode, 201, ok.body);
  const put = await callApi(tp, sec, 'PUT', `/api/identity/roles/${ok.json().id}`, { name: '查看员', scopes: ['identity.user.read', 'platform.audit.read'] });
  assert.equal(put.statusCode, 400);
  assert.equal(put.json().code, 'reserved_scope');
  assert.deepEqual((await getRole(tp.ctx(), { id: ok.json().id }))?.scopes, ['identity.role.read', 'identity.user.read'], 'unchanged');
});

test('built-in roles cannot be edited', async () => {
  const knownScopes = tp.platform.services.scopes.map((s) => s.name);
  await assert.rejects(updateRole(tp.ctx(), { id: roles.sys_admin.id, name: '系统管理员', scopes: ['identity.user.read'], knownScopes }), code('builtin_role', 409));
  const api = await callApi(tp, sec, 'PUT', `/api/identity/roles/${roles.audit_admin.id}`, { name: '审计管理员', scopes: [] });
  assert.equal(api.statusCode, 409);
  assert.equal(api.json().code, 'builtin_role');
  const page = await postForm(tp, sec, `/workbench/roles/${roles.sec_admin.id}`, { name: '安全管理员', scopes: ['identity.user.read'] });
  assert.equal(page.statusCode, 409);
  assert.match(page.body, /内置角色的权限固定/);
  assert.deepEqual((await getRole(tp.ctx(), { id: roles.sec_admin.id }))?.scopes, roles.sec_admin.scopes);
});

test('the auditor cannot change accounts but reads the audit log', async () => {
  const auditor = await loginAs(tp, await createStaff(tp, { roleCode: 'audit_admin', unitId: units.province }));
  const target = await createStaff(tp, { roleScopes: [], unitId: units.province });
  assert.equal((await callApi(tp, auditor, 'POST', '/api/identity/users', { loginName: 'audit-made', displayName: '审计建号', password: 'Audit@2026pw', homeUnitId: units.province })).statusCode, 403);
  assert.equal((await callApi(tp, auditor, 'PATCH', `/api/identity/users/${target.id}`, { displayName: '改名' })).statusCode, 403);
  assert.equal((await callApi(tp, auditor, 'POST', `/api/identity/users/${target.id}/disable`)).statusCode, 403);
  assert.equal((await callApi(tp, auditor, 'POST', '/api/identity/assignments', { userId: target.id, roleId: roles.clerk.id, unitId: units.province })).statusCode, 403);
  assert.equal((await postForm(tp, auditor, `/workbench/users/${target.id}/disable`)).statusCode, 403);
  assert.equal((await getPage(tp, auditor, '/workbench/users')).statusCode, 403);
  const log = await getPage(tp, auditor, '/workbench/audit');
  assert.equal(log.statusCode, 200);
  assert.match(log.body, /审计日志/);
  // The refusals themselves are in the log.
  const denied = await queryRows(tp.database.db, sql`SELECT 1 FROM platform.audit_log WHERE action = 'access.denied' AND actor_name LIKE '测试用户%' AND result = 'denied'`);
  assert.ok(denied.length >= 5);
});
