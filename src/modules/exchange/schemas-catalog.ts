/**
 * Request and response schemas of the exchange's catalog and access API (TypeBox): members,
 * subsystems, credentials, groups, resources, applications and grants. The same schemas document
 * the API at /api/docs and validate the workbench forms (parseInput).
 */
import { Type, type TLiteral } from '@sinclair/typebox';
import type { EndpointInput } from './services/catalog.ts';
import { CATALOG_TYPES, MEMBER_CLASSES, OPEN_TYPES, RESOURCE_KINDS, SHARE_TYPES } from './model.ts';

const Uuid = (title: string) => Type.String({ title, pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const NullableString = Nullable(Type.String());
const literals = <T extends string>(values: readonly T[], title: string, description: string) => Type.Union(values.map((v) => Type.Literal(v)) as TLiteral<T>[], { title, description });

export const IdParams = Type.Object({ id: Uuid('标识') });
export const KeyIdParams = Type.Object({ keyId: Type.String({ title: '密钥编号', pattern: '^[A-Za-z0-9_-]{8,64}$' }) });

// --- members, subsystems, credentials, groups ---------------------------------------------------

export const MemberBody = Type.Object(
  {
    memberClass: literals(MEMBER_CLASSES, '成员类别', 'GOV 政务部门 / COM 企业 / NGO 社会组织'),
    memberCode: Type.String({ title: '成员代码', pattern: '^[0-9A-Z]{4,32}$', description: '统一社会信用代码或单位代码 (大写字母和数字)' }),
    name: Type.String({ title: '成员名称', minLength: 2, maxLength: 200 }),
    unitId: Type.Optional(Uuid('组织目录中的单位')),
    regionCode: Type.Optional(Type.String({ title: '行政区划代码', pattern: '^[0-9]{6}$', description: '没有对应单位时必填' })),
  },
  { additionalProperties: false },
);

export const MemberSchema = Type.Object({
  id: Type.String(),
  memberClass: Type.String(),
  memberClassLabel: Type.String(),
  memberCode: Type.String(),
  name: Type.String(),
  unitId: NullableString,
  regionCode: Type.String(),
  isDemo: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const MemberListQuery = Type.Object({ q: Type.Optional(Type.String({ title: '名称或代码', maxLength: 100 })) });

export const SubsystemBody = Type.Object(
  {
    memberId: Uuid('所属成员'),
    code: Type.String({ title: '子系统代码', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$' }),
    name: Type.String({ title: '系统名称', minLength: 2, maxLength: 200 }),
    description: Type.Optional(Type.String({ title: '系统说明', maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const SubsystemSchema = Type.Object({
  id: Type.String(),
  memberId: Type.String(),
  memberName: Type.String(),
  memberClass: Type.String(),
  memberCode: Type.String(),
  unitId: NullableString,
  regionCode: Type.String(),
  code: Type.String(),
  name: Type.String(),
  description: Type.String(),
  status: Type.String({ description: 'active 启用 / disabled 停用' }),
  xroadId: Type.String({ description: 'CN-HA/CLASS/MEMBER/SUBSYSTEM' }),
  createdAt: Type.String({ format: 'date-time' }),
});

export const SubsystemListQuery = Type.Object({ memberId: Type.Optional(Uuid('所属成员')) });
export const SubsystemStatusBody = Type.Object({ status: Type.Union([Type.Literal('active'), Type.Literal('disabled')], { title: '状态' }) }, { additionalProperties: false });

export const CredentialSchema = Type.Object({
  id: Type.String(),
  subsystemId: Type.String(),
  kind: Type.String({ description: 'hmac_sm3 / sm2' }),
  keyId: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: NullableString,
  lastUsedAt: NullableString,
});
export const IssuedCredentialSchema = Type.Object({ ...CredentialSchema.properties, secret: Type.String({ description: 'HMAC-SM3 密钥 (只在签发时返回这一次)' }) });
export const Sm2Body = Type.Object({ publicKeyPem: Type.String({ title: 'SM2 公钥 (PEM)', minLength: 40, maxLength: 4000 }) }, { additionalProperties: false });

export const GroupBody = Type.Object(
  {
    code: Type.String({ title: '分组代码', pattern: '^[a-z0-9][a-z0-9_-]{1,63}$' }),
    name: Type.String({ title: '分组名称', minLength: 2, maxLength: 200 }),
    description: Type.Optional(Type.String({ title: '分组说明', maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export const GroupMemberBody = Type.Object({ subsystemId: Uuid('子系统') }, { additionalProperties: false });
export const GroupSchema = Type.Object({ id: Type.String(), code: Type.String(), name: Type.String(), description: Type.String(), subsystemIds: Type.Array(Type.String()) });

// --- catalog -----------------------------------------------------------------------------------

const DataItemSchema = Type.Object(
  { name: Type.String({ title: '信息项名称', minLength: 1, maxLength: 100 }), type: Type.String({ title: '数据类型', minLength: 1, maxLength: 50 }), description: Type.Optional(Type.String({ title: '说明', maxLength: 500 })) },
  { additionalProperties: false },
);
const EndpointBody = Type.Object(
  {
    method: Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => Type.Literal(m)), { title: 'HTTP 方法' }),
    pathTemplate: Type.String({ title: '路径模板', pattern: '^/', maxLength: 300 }),
    operationId: Type.String({ title: 'operationId', pattern: '^[A-Za-z][A-Za-z0-9_]{1,63}$' }),
    summary: Type.Optional(Type.String({ title: '方法说明', maxLength: 200 })),
    subjectParam: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()], { title: '数据主体参数' })),
  },
  { additionalProperties: false },
);

export const ResourceBody = Type.Object(
  {
    code: Type.String({ title: '信息资源代码', pattern: '^[0-9A-Za-z/-]{3,64}$' }),
    catalogType: literals(CATALOG_TYPES, '目录类型', 'base 基础 / thematic 主题 / department 部门'),
    classification: Type.String({ title: '信息资源分类', minLength: 1, maxLength: 200 }),
    name: Type.String({ title: '信息资源名称', minLength: 2, maxLength: 200 }),
    providerSubsystemId: Uuid('提供方子系统'),
    abstract: Type.Optional(Type.String({ title: '信息资源摘要', maxLength: 4000 })),
    format: Type.String({ title: '信息资源格式', minLength: 1, maxLength: 100 }),
    items: Type.Array(DataItemSchema, { title: '信息项', minItems: 1, maxItems: 500 }),
    kind: literals(RESOURCE_KINDS, '资源形态', 'api 接口服务 / topic 事件主题 / dataset 批量数据集'),
    serviceCode: Type.String({ title: '服务代码', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$' }),
    shareType: literals(SHARE_TYPES, '共享类型', 'unconditional 无条件共享 / conditional 有条件共享 / none 不予共享'),
    shareCondition: Type.Optional(Type.String({ title: '共享条件', maxLength: 2000 })),
    shareMethod: Type.Optional(Type.String({ title: '共享方式', maxLength: 200 })),
    legalBasis: Type.Optional(Type.String({ title: '共享依据', maxLength: 2000 })),
    openType: Type.Optional(literals(OPEN_TYPES, '开放属性', 'open 无条件开放 / conditional 有条件开放 / closed 不予开放')),
    updateCycle: Type.Optional(Type.String({ title: '更新周期', maxLength: 50 })),
    publishedOn: Type.Optional(Type.String({ title: '发布日期', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })),
    relatedCodes: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9A-Za-z/-]{3,64}$' }), { title: '关联资源代码', maxItems: 50 })),
    baseUrl: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()], { title: '提供方地址' })),
    openapi: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { title: 'OpenAPI 描述' })),
    endpoints: Type.Optional(Type.Array(EndpointBody, { title: '接口方法', maxItems: 200 })),
    logBodies: Type.Optional(Type.Boolean({ title: '保存完整消息体' })),
    timeoutMs: Type.Optional(Type.Integer({ title: '超时 (毫秒)', minimum: 100, maximum: 120000 })),
    ratePerMinute: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { title: '每分钟调用上限' })),
    dailyQuota: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { title: '每日调用配额' })),
  },
  { additionalProperties: false },
);

export const ResourceListQuery = Type.Object({
  q: Type.Optional(Type.String({ title: '名称、代码、摘要或提供方', maxLength: 100 })),
  kind: Type.Optional(literals(RESOURCE_KINDS, '资源形态', 'api / topic / dataset')),
  shareType: Type.Optional(literals(SHARE_TYPES, '共享类型', 'unconditional / conditional / none')),
  catalogType: Type.Optional(literals(CATALOG_TYPES, '目录类型', 'base / thematic / department')),
  providerSubsystemId: Type.Optional(Uuid('提供方子系统')),
  code: Type.Optional(Type.String({ title: '信息资源代码', pattern: '^[0-9A-Za-z/-]{3,64}$' })),
  includeWithdrawn: Type.Optional(Type.Boolean({ title: '包括已撤销的资源' })),
});

const EndpointSchema = Type.Object({ id: Type.String(), method: Type.String(), pathTemplate: Type.String(), operationId: Type.String(), summary: Type.String(), subjectParam: NullableString });

export const ResourceSchema = Type.Object({
  id: Type.String(),
  code: Type.String({ description: '信息资源代码' }),
  catalogType: Type.String(),
  classification: Type.String(),
  name: Type.String(),
  provider: SubsystemSchema,
  abstract: Type.String(),
  format: Type.String(),
  items: Type.Array(Type.Object({ name: Type.String(), type: Type.String(), description: Type.Optional(Type.String()) })),
  kind: Type.String(),
  kindLabel: Type.String(),
  serviceCode: Type.String(),
  gatewayPath: Type.String({ description: '网关地址 /exchange/r1/{提供方子系统}/{服务代码}' }),
  shareType: Type.String(),
  shareTypeLabel: Type.String(),
  shareCondition: Type.String(),
  shareMethod: Type.String(),
  legalBasis: Type.String(),
  openType: Type.String(),
  updateCycle: Type.String(),
  publishedOn: Type.String({ format: 'date' }),
  relatedCodes: Type.Array(Type.String()),
  baseUrl: NullableString,
  endpoints: Type.Array(EndpointSchema),
  logBodies: Type.Boolean(),
  timeoutMs: Type.Integer(),
  ratePerMinute: Type.Union([Type.Integer(), Type.Null()]),
  dailyQuota: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.String({ description: 'published 已发布 / withdrawn 已撤销' }),
  isDemo: Type.Boolean(),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const ReasonBody = Type.Object({ reason: Type.String({ title: '理由', minLength: 2, maxLength: 2000 }) }, { additionalProperties: false });

// --- applications and grants -------------------------------------------------------------------

export const ApplicationBody = Type.Object(
  {
    resourceId: Uuid('资源'),
    clientSubsystemId: Uuid('申请使用的子系统'),
    endpointIds: Type.Optional(Type.Array(Uuid('方法'), { title: '申请的方法', description: '不填表示整个资源', maxItems: 200 })),
    purpose: Type.String({ title: '使用用途', minLength: 4, maxLength: 1000 }),
    legalBasis: Type.Optional(Type.String({ title: '申请依据', maxLength: 2000, description: '有条件共享必填' })),
  },
  { additionalProperties: false },
);

export const DecisionBody = Type.Object(
  {
    decision: Type.Union([Type.Literal('approve'), Type.Literal('refuse')], { title: '答复', description: 'approve 同意 / refuse 不同意' }),
    reason: Type.Optional(Type.String({ title: '答复意见', maxLength: 2000, description: '不同意时必填' })),
    expiresOn: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }), Type.Null()], { title: '授权有效期至' })),
    endpointIds: Type.Optional(Type.Array(Uuid('方法'), { title: '授权的方法', maxItems: 200 })),
    ratePerMinute: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { title: '每分钟调用上限' })),
    dailyQuota: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { title: '每日调用配额' })),
  },
  { additionalProperties: false },
);

export const ApplicationListQuery = Type.Object({
  side: Type.Optional(Type.Union([Type.Literal('client'), Type.Literal('provider'), Type.Literal('all')], { title: '范围', description: 'client 本单位提出的 / provider 对本单位资源的 / all 全部 (数据主管部门)' })),
  status: Type.Optional(Type.Union(['pending', 'approved', 'refused', 'withdrawn'].map((s) => Type.Literal(s)), { title: '状态' })),
  overdue: Type.Optional(Type.Boolean({ title: '只看超期未答复的' })),
});

export const ApplicationSchema = Type.Object({
  id: Type.String(),
  resourceId: Type.String(),
  resourceCode: Type.String(),
  resourceName: Type.String(),
  shareType: Type.String(),
  shareTypeLabel: Type.String(),
  providerXroadId: Type.String(),
  providerName: Type.String(),
  clientSubsystemId: Type.String(),
  clientXroadId: Type.String(),
  clientName: Type.String(),
  endpointIds: Type.Array(Type.String()),
  purpose: Type.String(),
  legalBasis: Type.String(),
  requestedByName: Type.String(),
  requestedAt: Type.String({ format: 'date-time' }),
  status: Type.String({ description: 'pending 待答复 / approved 已同意 / refused 不同意 / withdrawn 已撤回' }),
  statusLabel: Type.String(),
  answerDueAt: NullableString,
  overdue: Type.Boolean(),
  caseId: NullableString,
  decidedAt: NullableString,
  decidedByName: NullableString,
  decisionReason: NullableString,
  decidedByAuthority: Type.Boolean(),
  grantId: NullableString,
});

export const GrantBody = Type.Object(
  {
    resourceId: Uuid('资源'),
    endpointId: Type.Optional(Type.Union([Uuid('方法'), Type.Null()], { title: '方法' })),
    subsystemId: Type.Optional(Type.Union([Uuid('子系统'), Type.Null()], { title: '子系统' })),
    groupId: Type.Optional(Type.Union([Uuid('分组'), Type.Null()], { title: '分组' })),
    purpose: Type.String({ title: '授权用途', minLength: 2, maxLength: 1000 }),
    ratePerMinute: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { title: '每分钟调用上限' })),
    dailyQuota: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { title: '每日调用配额' })),
    expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { title: '到期时间' })),
  },
  { additionalProperties: false },
);

export const GrantListQuery = Type.Object({
  side: Type.Optional(Type.Union([Type.Literal('client'), Type.Literal('all')], { title: '范围', description: 'client 本单位子系统获得的 / all 全部 (数据主管部门)' })),
  resourceId: Type.Optional(Uuid('资源')),
  activeOnly: Type.Optional(Type.Boolean({ title: '只看有效的' })),
});

export const GrantSchema = Type.Object({
  id: Type.String(),
  resourceId: Type.String(),
  endpointId: NullableString,
  subsystemId: NullableString,
  groupId: NullableString,
  granteeLabel: Type.String(),
  purpose: Type.String(),
  applicationId: NullableString,
  ratePerMinute: Type.Union([Type.Integer(), Type.Null()]),
  dailyQuota: Type.Union([Type.Integer(), Type.Null()]),
  grantedByName: Type.String(),
  grantedAt: Type.String({ format: 'date-time' }),
  expiresAt: NullableString,
  revokedAt: NullableString,
  revokedByName: NullableString,
  revokeReason: NullableString,
  active: Type.Boolean(),
});

/** An OpenAPI 3 description of a resource's endpoints (paths relative to the gateway address; X-Road headers on every operation). */
export function openapiFor(title: string, gatewayNote: string, endpoints: Pick<EndpointInput, 'method' | 'pathTemplate' | 'operationId' | 'summary'>[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of endpoints) {
    const params = [...e.pathTemplate.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    paths[e.pathTemplate] = {
      ...(paths[e.pathTemplate] ?? {}),
      [e.method.toLowerCase()]: {
        operationId: e.operationId,
        summary: e.summary,
        parameters: [
          ...params,
          { name: 'X-Road-Client', in: 'header', required: true, schema: { type: 'string' }, description: '调用方子系统标识 CN-HA/CLASS/MEMBER/SUBSYSTEM' },
          { name: 'X-Road-Id', in: 'header', required: true, schema: { type: 'string' }, description: '调用方消息编号 (同一调用方唯一)' },
          { name: 'X-Road-UserId', in: 'header', required: false, schema: { type: 'string' }, description: '最终用户 (经办人账号)' },
          { name: 'X-Road-Purpose', in: 'header', required: true, schema: { type: 'string' }, description: '调用用途 (可 URL 编码中文)' },
        ],
        ...(e.method === 'POST' ? { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } } } : {}),
        responses: { 200: { description: '成功', content: { 'application/json': { schema: { type: 'object' } } } }, 403: { description: '调用方无授权' }, 504: { description: '提供方超时' } },
      },
    };
  }
  return { openapi: '3.0.3', info: { title, version: '1', description: gatewayNote }, paths };
}

