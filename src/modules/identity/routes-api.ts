/**
 * JSON API of account, role and service-account management (/api/identity/…). Thin: the schema
 * validates, the service decides (scopes, regions, MLPS rules), the response schema filters.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../../platform/http/app.ts';
import type { PlatformServices } from '../../platform/module.ts';
import { createServiceAccount, createStaffUser, getAccountFor, getServiceAccount, getUser, listServiceAccounts, listUsers, readPersonalData, resetPassword, resetTotp, setUserStatus, unlockUser, updateStaffUser } from './users.ts';
import { assignRole, listAssignments, removeAssignment } from './assignments.ts';
import { createRole, getRole, listRoles, updateRole } from './roles.ts';
import { forceLogout, issueApiKey, listApiKeys, listSessions, revokeApiKey } from './sessions.ts';
import { notFound } from '../../platform/errors.ts';
import {
  ApiKeySchema, AssignmentBody, AssignmentSchema, CreateRoleBody, CreateServiceAccountBody, CreateStaffBody, IdParams, IssueKeyBody, IssuedKeySchema,
  PersonalDataSchema, PurposeBody, ResetPasswordBody, RevokedSessionsSchema, RoleSchema, ServiceAccountListQuery, ServiceKeyParams, SessionSchema,
  UpdateRoleBody, UpdateUserBody, UserListQuery, UserPageSchema, UserSchema,
} from './schemas.ts';

const tags = ['identity'];

export function registerIdentityApi(app: App, services: PlatformServices): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const knownScopes = () => services.scopes.map((s) => s.name);

  // ---- accounts

  r.get('/api/identity/users', {
    config: { scope: 'identity.user.read' },
    schema: { summary: '查询账号', description: '本辖区的工作人员与服务账号; 全省权限者还可见自然人与法人账号。个人信息脱敏。', tags, querystring: UserListQuery, response: { 200: UserPageSchema } },
  }, async (req) => listUsers(req.ctx, req.query));

  r.post('/api/identity/users', {
    config: { scope: 'identity.user.write' },
    schema: { summary: '创建工作人员账号', tags, body: CreateStaffBody, response: { 201: UserSchema } },
  }, async (req, reply) => reply.status(201).send(await createStaffUser(req.ctx, req.body)));

  r.get('/api/identity/users/:id', {
    config: { scope: 'identity.user.read' },
    schema: { summary: '查看账号', tags, params: IdParams, response: { 200: UserSchema } },
  }, async (req) => getUser(req.ctx, { id: req.params.id }));

  r.patch('/api/identity/users/:id', {
    config: { scope: 'identity.user.write' },
    schema: { summary: '修改工作人员或服务账号的姓名与联系方式', tags, params: IdParams, body: UpdateUserBody, response: { 200: UserSchema } },
  }, async (req) => updateStaffUser(req.ctx, { id: req.params.id, ...req.body }));

  r.post('/api/identity/users/:id/disable', {
    config: { scope: 'identity.user.write' },
    schema: { summary: '停用账号 (同时结束其全部会话)', tags, params: IdParams, response: { 200: UserSchema } },
  }, async (req) => {
    await setUserStatus(req.ctx, { id: req.params.id, status: 'disabled' });
    return getAccountFor(req.ctx, { id: req.params.id, scope: 'identity.user.write' });
  });

  r.post('/api/identity/users/:id/enable', {
    config: { scope: 'identity.user.write' },
    schema: { summary: '启用账号', tags, params: IdParams, response: { 200: UserSchema } },
  }, async (req) => {
    await setUserStatus(req.ctx, { id: req.params.id, status: 'active' });
    return getAccountFor(req.ctx, { id: req.params.id, scope: 'identity.user.write' });
  });

  r.post('/api/identity/users/:id/unlock', {
    config: { scope: 'identity.user.unlock' },
    schema: { summary: '解锁因登录失败被锁定的账号', tags, params: IdParams, response: { 204: Type.Null({ title: '无内容' }) } },
  }, async (req, reply) => {
    await unlockUser(req.ctx, { id: req.params.id });
    return reply.status(204).send(null);
  });

  r.post('/api/identity/users/:id/reset-totp', {
    config: { scope: 'identity.user.unlock' },
    schema: { summary: '重置动态口令 (遗失手机时; 下次登录重新绑定, 同时结束其全部会话)', tags, params: IdParams, response: { 204: Type.Null({ title: '无内容' }) } },
  }, async (req, reply) => {
    await resetTotp(req.ctx, { id: req.params.id });
    return reply.status(204).send(null);
  });

  r.post('/api/identity/users/:id/reset-password', {
    config: { scope: 'identity.user.write' },
    schema: { summary: '重置工作人员口令 (同时结束其全部会话)', tags, params: IdParams, body: ResetPasswordBody, response: { 204: Type.Null({ title: '无内容' }) } },
  }, async (req, reply) => {
    await resetPassword(req.ctx, { id: req.params.id, newPassword: req.body.newPassword });
    return reply.status(204).send(null);
  });

  r.get('/api/identity/users/:id/sessions', {
    config: { scope: 'identity.user.read' },
    schema: { summary: '账号的有效会话', tags, params: IdParams, response: { 200: Type.Array(SessionSchema) } },
  }, async (req) => listSessions(req.ctx, { userId: req.params.id, idleMinutes: services.config.sessionIdleMinutes }));

  r.post('/api/identity/users/:id/logout', {
    config: { scope: 'identity.user.write' },
    schema: { summary: '强制下线 (结束账号的全部会话)', tags, params: IdParams, response: { 200: RevokedSessionsSchema } },
  }, async (req) => ({ sessions: await forceLogout(req.ctx, { userId: req.params.id }) }));

  r.post('/api/identity/users/:id/personal-data', {
    config: { scope: 'identity.person.read_full' },
    schema: {
      summary: '查看完整个人信息',
      description: '须说明用途; 每次查看连同用途记入审计日志 (identity.person.read_full)。响应不得缓存。',
      tags, params: IdParams, body: PurposeBody, response: { 200: PersonalDataSchema },
    },
  }, async (req, reply) => {
    const data = await readPersonalData(req.ctx, { id: req.params.id, purpose: req.body.purpose });
    return reply.header('cache-control', 'no-store').send(data);
  });

  // ---- assignments

  r.get('/api/identity/users/:id/assignments', {
    config: { scope: 'identity.user.read' },
    schema: { summary: '账号的岗位授权', tags, params: IdParams, response: { 200: Type.Array(AssignmentSchema) } },
  }, async (req) => {
    await getUser(req.ctx, { id: req.params.id });
    return listAssignments(req.ctx, { userId: req.params.id });
  });

  r.post('/api/identity/assignments', {
    config: { scope: 'identity.assignment.write' },
    schema: { summary: '授予岗位角色', description: '不能给自己授权; 一个账号至多担任三员之一。', tags, body: AssignmentBody, response: { 201: AssignmentSchema } },
  }, async (req, reply) => reply.status(201).send(await assignRole(req.ctx, req.body)));

  r.delete('/api/identity/assignments/:id', {
    config: { scope: 'identity.assignment.write' },
    schema: { summary: '撤销岗位授权', tags, params: IdParams, response: { 204: Type.Null({ title: '无内容' }) } },
  }, async (req, reply) => {
    await removeAssignment(req.ctx, { assignmentId: req.params.id });
    return reply.status(204).send(null);
  });

  // ---- roles

  r.get('/api/identity/roles', {
    config: { scope: 'identity.role.read' },
    schema: { summary: '角色列表', tags, response: { 200: Type.Array(RoleSchema) } },
  }, async (req) => listRoles(req.ctx));

  r.get('/api/identity/roles/:id', {
    config: { scope: 'identity.role.read' },
    schema: { summary: '查看角色', tags, params: IdParams, response: { 200: RoleSchema } },
  }, async (req) => {
    const role = await getRole(req.ctx, { id: req.params.id });
    if (!role) throw notFound('role_not_found', '角色不存在');
    return role;
  });

  r.post('/api/identity/roles', {
    config: { scope: 'identity.role.write' },
    schema: { summary: '创建自定义角色', description: '不能包含三员专属权限, 也不能混合两类管理员的权限。', tags, body: CreateRoleBody, response: { 201: RoleSchema } },
  }, async (req, reply) => reply.status(201).send(await createRole(req.ctx, { ...req.body, scopes: req.body.scopes ?? [], knownScopes: knownScopes() })));

  r.put('/api/identity/roles/:id', {
    config: { scope: 'identity.role.write' },
    schema: { summary: '修改自定义角色', description: '内置角色不可修改 (409 builtin_role)。', tags, params: IdParams, body: UpdateRoleBody, response: { 200: RoleSchema } },
  }, async (req) => updateRole(req.ctx, { id: req.params.id, ...req.body, scopes: req.body.scopes ?? [], knownScopes: knownScopes() }));

  // ---- service accounts and API keys

  r.get('/api/identity/service-accounts', {
    config: { scope: 'identity.service_account.manage' },
    schema: { summary: '服务账号列表', tags, querystring: ServiceAccountListQuery, response: { 200: UserPageSchema } },
  }, async (req) => listServiceAccounts(req.ctx, req.query));

  r.post('/api/identity/service-accounts', {
    config: { scope: 'identity.service_account.manage' },
    schema: { summary: '创建服务账号', description: '服务账号没有口令, 只能使用 API 密钥; 授权由安全管理员在账号页面进行。', tags, body: CreateServiceAccountBody, response: { 201: UserSchema } },
  }, async (req, reply) => reply.status(201).send(await createServiceAccount(req.ctx, req.body)));

  r.get('/api/identity/service-accounts/:id/keys', {
    config: { scope: 'identity.service_account.manage' },
    schema: { summary: '服务账号的 API 密钥', tags, params: IdParams, response: { 200: Type.Array(ApiKeySchema) } },
  }, async (req) => {
    await getServiceAccount(req.ctx, { id: req.params.id });
    return listApiKeys(req.ctx, { serviceUserId: req.params.id });
  });

  r.post('/api/identity/service-accounts/:id/keys', {
    config: { scope: 'identity.service_account.manage' },
    schema: { summary: '签发 API 密钥', description: '密钥明文只在本响应中出现一次, 平台只保存其 SM3 摘要。', tags, params: IdParams, body: IssueKeyBody, response: { 201: IssuedKeySchema } },
  }, async (req, reply) => {
    const issued = await issueApiKey(req.ctx, { serviceUserId: req.params.id, name: req.body.name, expiresAt: req.body.expiresAt });
    return reply.status(201).header('cache-control', 'no-store').send(issued);
  });

  r.delete('/api/identity/service-accounts/:id/keys/:keyId', {
    config: { scope: 'identity.service_account.manage' },
    schema: { summary: '吊销 API 密钥', tags, params: ServiceKeyParams, response: { 204: Type.Null({ title: '无内容' }) } },
  }, async (req, reply) => {
    await revokeApiKey(req.ctx, { keyId: req.params.keyId, serviceUserId: req.params.id });
    return reply.status(204).send(null);
  });
}
