/**
 * The exchange's catalog and access JSON API under /api/exchange: members, subsystems, credentials
 * and groups (the data authority; a unit's own staff for their subsystems where the services allow),
 * the resource catalog with OpenAPI download, publish and withdraw, applications and their answers,
 * grants. Routes that several roles share declare exchange.catalog.read (every exchange role holds it) and the service decides who may.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { PlatformServices } from '../../platform/module.ts';
import { SCOPES } from './model.ts';
import {
  ApplicationBody, ApplicationListQuery, ApplicationSchema, CredentialSchema, DecisionBody, GrantBody, GrantListQuery, GrantSchema, GroupBody, GroupMemberBody,
  GroupSchema, IdParams, IssuedCredentialSchema, KeyIdParams, MemberBody, MemberListQuery, MemberSchema, ReasonBody, ResourceBody, ResourceListQuery, ResourceSchema,
  Sm2Body, SubsystemBody, SubsystemListQuery, SubsystemSchema, SubsystemStatusBody,
} from './schemas-catalog.ts';
import {
  addToGroup, createGroup, createMember, createSubsystem, issueHmacCredential, listGroups, listMembers, registerSm2Credential, revokeCredential, setSubsystemStatus,
} from './services/members.ts';
import { getResource, listResources, publishResource, withdrawResource } from './services/catalog.ts';
import { grantAccess, revokeGrant } from './services/grants.ts';
import {
  credentialsOf, decideApplication, getApplication, grantsFor, listApplications, resourceGrants, submitApplication, subsystemsFor, withdrawApplication,
} from './services/applications.ts';
import { forbidden } from '../../platform/errors.ts';
import { hasScope } from '../../platform/context.ts';

const tags = ['exchange'];

export async function registerCatalogApi(app: FastifyInstance, services: PlatformServices): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const done = <T>(v: T): T => {
    services.nudgeDispatcher();
    return v;
  };

  // --- members, subsystems, credentials, groups ---
  r.get('/api/exchange/members', {
    config: { scope: SCOPES.memberManage },
    schema: { tags, summary: '交换成员列表', querystring: MemberListQuery, response: { 200: Type.Array(MemberSchema) } },
  }, async (req) => listMembers(req.ctx, req.query));

  r.post('/api/exchange/members', {
    config: { scope: SCOPES.memberManage },
    schema: { tags, summary: '登记交换成员 (政务部门须对应组织目录中的单位)', body: MemberBody, response: { 201: MemberSchema } },
  }, async (req, reply) => reply.status(201).send(done(await createMember(req.ctx, req.body))));

  r.get('/api/exchange/subsystems', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '子系统列表 (成员管理员看本辖区, 其他人看本单位的)', querystring: SubsystemListQuery, response: { 200: Type.Array(SubsystemSchema) } },
  }, async (req) => subsystemsFor(req.ctx, req.query));

  r.post('/api/exchange/subsystems', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '登记子系统 (成员管理员, 或本单位的资源管理员)', body: SubsystemBody, response: { 201: SubsystemSchema } },
  }, async (req, reply) => reply.status(201).send(done(await createSubsystem(req.ctx, req.body))));

  r.post('/api/exchange/subsystems/:id/status', {
    config: { scope: SCOPES.memberManage },
    schema: { tags, summary: '启用或停用子系统', params: IdParams, body: SubsystemStatusBody, response: { 200: SubsystemSchema } },
  }, async (req) => setSubsystemStatus(req.ctx, { id: req.params.id, status: req.body.status }));

  r.get('/api/exchange/subsystems/:id/credentials', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '子系统的接入凭证 (不含密钥)', params: IdParams, response: { 200: Type.Array(CredentialSchema) } },
  }, async (req) => credentialsOf(req.ctx, { subsystemId: req.params.id }));

  r.post('/api/exchange/subsystems/:id/credentials/hmac', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '签发 HMAC-SM3 密钥 (密钥只在本次应答中出现)', params: IdParams, response: { 201: IssuedCredentialSchema } },
  }, async (req, reply) => reply.status(201).header('cache-control', 'no-store').send(done(await issueHmacCredential(req.ctx, { subsystemId: req.params.id }))));

  r.post('/api/exchange/subsystems/:id/credentials/sm2', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '登记 SM2 公钥', params: IdParams, body: Sm2Body, response: { 201: CredentialSchema } },
  }, async (req, reply) => reply.status(201).send(done(await registerSm2Credential(req.ctx, { subsystemId: req.params.id, publicKeyPem: req.body.publicKeyPem }))));

  r.post('/api/exchange/credentials/:keyId/revoke', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '吊销凭证 (之后用它签名的请求被网关拒绝)', params: KeyIdParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await revokeCredential(req.ctx, { keyId: req.params.keyId });
    services.nudgeDispatcher();
    return reply.status(204).send(null);
  });

  r.get('/api/exchange/groups', {
    config: { scope: SCOPES.memberManage },
    schema: { tags, summary: '子系统分组', response: { 200: Type.Array(GroupSchema) } },
  }, async (req) => listGroups(req.ctx));

  r.post('/api/exchange/groups', {
    config: { scope: SCOPES.memberManage },
    schema: { tags, summary: '创建子系统分组', body: GroupBody, response: { 201: GroupSchema } },
  }, async (req, reply) => reply.status(201).send(await createGroup(req.ctx, req.body)));

  r.post('/api/exchange/groups/:id/members', {
    config: { scope: SCOPES.memberManage },
    schema: { tags, summary: '把子系统加入分组', params: IdParams, body: GroupMemberBody, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await addToGroup(req.ctx, { groupId: req.params.id, subsystemId: req.body.subsystemId });
    return reply.status(204).send(null);
  });

  // --- catalog ---
  r.get('/api/exchange/resources', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '政务信息资源目录 (检索和筛选)', querystring: ResourceListQuery, response: { 200: Type.Array(ResourceSchema) } },
  }, async (req) => {
    const { code, ...filter } = req.query;
    const list = await listResources(req.ctx, filter);
    return code ? list.filter((x) => x.code === code) : list;
  });

  r.post('/api/exchange/resources', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '登记共享资源 (本单位子系统的名义)', body: ResourceBody, response: { 201: ResourceSchema } },
  }, async (req, reply) => reply.status(201).send(done(await publishResource(req.ctx, req.body))));

  r.get('/api/exchange/resources/:id', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '资源详情 (目录元数据、方法、网关地址)', params: IdParams, response: { 200: ResourceSchema } },
  }, async (req) => getResource(req.ctx, { id: req.params.id }));

  r.get('/api/exchange/resources/:id/openapi.json', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '接口服务的 OpenAPI 描述 (下载)', params: IdParams },
  }, async (req, reply) => {
    const res = await getResource(req.ctx, { id: req.params.id });
    const doc = res.openapi ?? { openapi: '3.0.3', info: { title: res.name, version: String(res.version) }, paths: {} };
    const withServer = { ...doc, servers: [{ url: res.gatewayPath, description: '共享交换平台网关地址' }] };
    return reply.header('content-disposition', `attachment; filename="${res.serviceCode}-openapi.json"`).type('application/json; charset=utf-8').send(JSON.stringify(withServer, null, 2));
  });

  r.post('/api/exchange/resources/:id/withdraw', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '撤销共享资源 (提供方或成员管理员)', params: IdParams, body: ReasonBody, response: { 200: ResourceSchema } },
  }, async (req) => done(await withdrawResource(req.ctx, { id: req.params.id, reason: req.body.reason })));

  r.get('/api/exchange/resources/:id/grants', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '资源的授权 (提供方单位和数据主管部门)', params: IdParams, response: { 200: Type.Array(GrantSchema) } },
  }, async (req) => resourceGrants(req.ctx, { resourceId: req.params.id }));

  // --- applications and grants ---
  r.post('/api/exchange/applications', {
    config: { scope: SCOPES.applicationSubmit },
    schema: {
      tags,
      summary: '申请使用共享资源',
      description: '无条件共享: 立即授权 (状态 approved); 有条件共享: 提供方 10 个工作日内答复 (状态 pending); 不予共享: 409 resource_not_shared, 附依据。',
      body: ApplicationBody,
      response: { 201: ApplicationSchema },
    },
  }, async (req, reply) => reply.status(201).send(done(await submitApplication(req.ctx, req.body))));

  r.get('/api/exchange/applications', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '共享申请列表', querystring: ApplicationListQuery, response: { 200: Type.Array(ApplicationSchema) } },
  }, async (req) => listApplications(req.ctx, { side: req.query.side ?? 'client', status: req.query.status, overdueOnly: req.query.overdue }));

  r.get('/api/exchange/applications/:id', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '共享申请详情', params: IdParams, response: { 200: ApplicationSchema } },
  }, async (req) => getApplication(req.ctx, { id: req.params.id }));

  r.post('/api/exchange/applications/:id/decision', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '答复共享申请 (提供方; 超期后数据主管部门可代为答复)', params: IdParams, body: DecisionBody, response: { 200: ApplicationSchema } },
  }, async (req) => done(await decideApplication(req.ctx, { id: req.params.id, ...req.body })));

  r.post('/api/exchange/applications/:id/withdraw', {
    config: { scope: SCOPES.applicationSubmit },
    schema: { tags, summary: '撤回待答复的申请', params: IdParams, response: { 200: ApplicationSchema } },
  }, async (req) => done(await withdrawApplication(req.ctx, { id: req.params.id })));

  r.get('/api/exchange/grants', {
    config: { scope: SCOPES.catalogRead },
    schema: { tags, summary: '授权列表 (本单位子系统获得的, 或全部)', querystring: GrantListQuery, response: { 200: Type.Array(GrantSchema) } },
  }, async (req) => {
    if (req.query.resourceId) return resourceGrants(req.ctx, { resourceId: req.query.resourceId, activeOnly: req.query.activeOnly });
    const side = req.query.side ?? (hasScope(req.ctx.actor, SCOPES.grantManage) ? 'all' : 'client');
    if (side === 'client' && !hasScope(req.ctx.actor, SCOPES.applicationSubmit) && !hasScope(req.ctx.actor, SCOPES.subscriptionManage)) throw forbidden('您没有查看授权的权限。');
    return grantsFor(req.ctx, { side, activeOnly: req.query.activeOnly });
  });

  r.post('/api/exchange/grants', {
    config: { scope: SCOPES.grantManage },
    schema: { tags, summary: '直接授权 (数据主管部门)', body: GrantBody, response: { 201: GrantSchema } },
  }, async (req, reply) => reply.status(201).send(done(await grantAccess(req.ctx, { ...req.body, expiresAt: req.body.expiresAt ? new Date(req.body.expiresAt) : null }))));

  r.post('/api/exchange/grants/:id/revoke', {
    config: { scope: SCOPES.grantManage },
    schema: { tags, summary: '吊销授权 (须说明理由)', params: IdParams, body: ReasonBody, response: { 200: GrantSchema } },
  }, async (req) => done(await revokeGrant(req.ctx, { id: req.params.id, reason: req.body.reason })));
}
