/**
 * The demo accounts: seeded through the real services (so they obey the MLPS rules), usable with
 * the published password and TOTP secret, and marked as demo data wherever listed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { getPage, loginAs } from '../../../test/support/identity.ts';
import { queryRows, sql } from '../../platform/db/index.ts';
import { DEMO_PASSWORD, DEMO_STAFF, DEMO_TOTP_SECRET } from './seed.ts';
import { deploymentRoles } from './roles.ts';

let tp: TestPlatform;
before(async () => {
  tp = await startTestPlatform({ seedDemo: true });
});
after(async () => tp?.close());

test('every demo staff account exists with its role, and the administrators are three different people', async () => {
  const rows = await queryRows<{ login_name: string; code: string; mlps_admin: string | null; is_demo: boolean }>(tp.database.db, sql`SELECT u.login_name, r.code, r.mlps_admin, u.is_demo
    FROM identity.users u JOIN identity.assignments a ON a.user_id = u.id JOIN identity.roles r ON r.id = a.role_id WHERE u.kind = 'staff'`);
  const declared = [...DEMO_STAFF, ...tp.platform.services.demoStaff];
  assert.ok(declared.some((s) => s.role === 'doc_clerk'), 'modules declare demo staff too');
  for (const s of declared) assert.ok(rows.some((r) => r.login_name === s.login && r.code === s.role && r.is_demo), s.login);
  const admins = rows.filter((r) => r.mlps_admin);
  assert.equal(new Set(admins.map((r) => r.login_name)).size, admins.length, 'no one holds two administrator roles');
});

test('the demo system administrator logs in with the published secret and sees demo badges', async () => {
  const session = await loginAs(tp, { loginName: 'sysadmin', password: DEMO_PASSWORD, totpSecret: DEMO_TOTP_SECRET });
  const list = await getPage(tp, session, '/workbench/users?kind=staff');
  assert.equal(list.statusCode, 200);
  assert.match(list.body, /badge-demo">演示数据</);
  assert.match(list.body, /省安全管理员 \(演示\)/);
});

test('a module role may not carry an administrator power, an undeclared scope or a taken code', () => {
  const scopes = tp.platform.services.scopes;
  const role = (code: string, roleScopes: string[]) => ({ code, name: '测试', description: '测试', requiresMfa: false, scopes: roleScopes });
  assert.throws(() => deploymentRoles({ scopes, roles: [role('sneaky', ['documents.read', 'platform.audit.read'])] }), /administrators' powers/);
  assert.throws(() => deploymentRoles({ scopes, roles: [role('sneaky', ['identity.user.write'])] }), /administrators' powers/);
  assert.throws(() => deploymentRoles({ scopes, roles: [role('typo', ['documents.raed'])] }), /undeclared scopes/);
  assert.throws(() => deploymentRoles({ scopes, roles: [role('clerk', ['documents.read'])] }), /declared twice/);
  assert.ok(deploymentRoles({ scopes, roles: [role('reader', ['documents.read'])] }).some((r) => r.code === 'reader' && r.mlpsAdmin === null));
});
