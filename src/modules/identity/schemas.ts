/**
 * Request and response schemas of the identity module. The same TypeBox schemas validate the JSON
 * API (through Fastify), the workbench forms (through parseInput) and document the API (OpenAPI).
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { UserKind } from './users.ts';

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const Uuid = (title: string) => Type.String({ title, pattern: UUID_PATTERN });
const Nullable = <T extends TSchema>(t: T, title: string) => Type.Union([t, Type.Null()], { title });

export const USER_KINDS = ['staff', 'citizen', 'enterprise', 'service'] as const satisfies readonly UserKind[];
export const USER_KIND_LABELS: Record<UserKind, string> = { staff: '工作人员', citizen: '自然人', enterprise: '法人', service: '服务账号' };

// ---- parameters and queries

export const IdParams = Type.Object({ id: Uuid('标识') });
export const UserAssignmentParams = Type.Object({ id: Uuid('账号标识'), assignmentId: Uuid('授权标识') });
export const ServiceKeyParams = Type.Object({ id: Uuid('服务账号标识'), keyId: Uuid('密钥标识') });

export const UserKindSchema = Type.Union(USER_KINDS.map((k) => Type.Literal(k)), { title: '账号类型', description: 'staff 工作人员 / citizen 自然人 / enterprise 法人 / service 服务账号' });

export const UserListQuery = Type.Object({
  kind: Type.Optional(UserKindSchema),
  search: Type.Optional(Type.String({ title: '检索', description: '姓名的一部分, 或完整的登录名 (身份号码、信用代码)', maxLength: 100 })),
  page: Type.Optional(Type.Integer({ title: '页码', minimum: 1, maximum: 100_000 })),
  pageSize: Type.Optional(Type.Integer({ title: '每页条数', minimum: 1, maximum: 200 })),
});

export const ServiceAccountListQuery = Type.Object({
  search: Type.Optional(Type.String({ title: '检索', maxLength: 100 })),
  page: Type.Optional(Type.Integer({ title: '页码', minimum: 1, maximum: 100_000 })),
});

export const UnitPickerQuery = Type.Object({ unitSearch: Type.Optional(Type.String({ title: '单位名称', maxLength: 100 })) });

// ---- bodies (forms and JSON)

// Formats are checked by the services, which name the rule in their message; the schema bounds size.
const loginName = Type.String({ title: '登录名', description: '3-32 位小写字母、数字、点、下划线或连字符, 以字母开头', minLength: 1, maxLength: 32 });
const displayName = Type.String({ title: '姓名', description: '2-50 个字符', minLength: 1, maxLength: 50 });
const phone = Type.String({ title: '手机号码', description: '11 位数字, 以 1 开头', maxLength: 11 });
const email = Type.String({ title: '电子邮箱', maxLength: 200 });

export const CreateStaffBody = Type.Object({
  loginName,
  displayName,
  password: Type.String({ title: '初始口令', description: '至少 10 位, 含大写字母、小写字母、数字、特殊字符中的三类', minLength: 1, maxLength: 128 }),
  homeUnitId: Uuid('所属单位'),
  phone: Type.Optional(phone),
  email: Type.Optional(email),
}, { additionalProperties: false });

export const UpdateUserBody = Type.Object({
  displayName: Type.Optional(displayName),
  phone: Type.Optional(Nullable(phone, '手机号码 (null 清除)')),
  email: Type.Optional(Nullable(email, '电子邮箱 (null 清除)')),
}, { additionalProperties: false, minProperties: 1 });

/** The edit form: every field is sent; a blank one clears it. */
export const EditUserForm = Type.Object({
  displayName,
  phone: Type.Optional(phone),
  email: Type.Optional(email),
}, { additionalProperties: false });

export const ResetPasswordBody = Type.Object({
  newPassword: Type.String({ title: '新口令', minLength: 1, maxLength: 128 }),
}, { additionalProperties: false });

export const AssignmentBody = Type.Object({
  userId: Uuid('账号'),
  roleId: Uuid('角色'),
  unitId: Uuid('岗位所在单位'),
}, { additionalProperties: false });

export const AssignmentForm = Type.Object({ roleId: Uuid('角色'), unitId: Uuid('岗位所在单位') }, { additionalProperties: false });

const scopes = Type.Array(Type.String({ title: '权限范围', maxLength: 100 }), { title: '权限范围', maxItems: 200 });
const roleName = Type.String({ title: '角色名称', description: '2-50 个字符', minLength: 1, maxLength: 50 });
const roleDescription = Type.String({ title: '说明', maxLength: 500 });
const requiresMfa = Type.Boolean({ title: '须双因素认证' });

export const CreateRoleBody = Type.Object({
  code: Type.String({ title: '角色代码', description: '2-40 位小写字母、数字或下划线, 以字母开头', minLength: 2, maxLength: 40 }),
  name: roleName,
  description: Type.Optional(roleDescription),
  requiresMfa: Type.Optional(requiresMfa),
  scopes: Type.Optional(scopes),
}, { additionalProperties: false });

export const UpdateRoleBody = Type.Object({
  name: roleName,
  description: Type.Optional(roleDescription),
  requiresMfa: Type.Optional(requiresMfa),
  scopes: Type.Optional(scopes),
}, { additionalProperties: false });

export const PurposeBody = Type.Object({
  purpose: Type.String({ title: '用途', description: '查看完整个人信息的事由 (4-200 个字), 记入审计日志', minLength: 1, maxLength: 200 }),
}, { additionalProperties: false });

export const CreateServiceAccountBody = Type.Object({
  loginName,
  displayName: Type.String({ title: '系统名称', description: '2-50 个字符', minLength: 1, maxLength: 50 }),
  homeUnitId: Uuid('所属单位'),
  email: Type.Optional(Type.String({ title: '联系邮箱', maxLength: 200 })),
}, { additionalProperties: false });

export const IssueKeyBody = Type.Object({
  name: Type.String({ title: '密钥用途', description: '2-100 个字', minLength: 1, maxLength: 100 }),
  expiresAt: Type.Optional(Type.String({ title: '过期时间', description: 'YYYY-MM-DD (北京时间当日结束) 或 ISO 8601 时间; 不填则长期有效', maxLength: 40 })),
}, { additionalProperties: false });

export const ChangePasswordForm = Type.Object({
  currentPassword: Type.String({ title: '当前口令', minLength: 1, maxLength: 128 }),
  newPassword: Type.String({ title: '新口令', minLength: 1, maxLength: 128 }),
  confirmPassword: Type.String({ title: '确认新口令', minLength: 1, maxLength: 128 }),
}, { additionalProperties: false });

// ---- responses

export const UserSchema = Type.Object({
  id: Type.String({ title: '账号标识' }),
  kind: Type.String({ title: '账号类型: staff 工作人员 / citizen 自然人 / enterprise 法人 / service 服务账号' }),
  loginName: Type.String({ title: '登录名 (自然人为脱敏的身份号码)' }),
  displayName: Type.String({ title: '姓名或单位名称' }),
  idNumber: Nullable(Type.String(), '公民身份号码 (脱敏)'),
  uscc: Nullable(Type.String(), '统一社会信用代码'),
  phone: Nullable(Type.String(), '手机号码 (脱敏)'),
  email: Nullable(Type.String(), '电子邮箱'),
  homeUnitId: Nullable(Type.String(), '所属单位标识'),
  homeUnitName: Nullable(Type.String(), '所属单位名称'),
  status: Type.String({ title: '状态: active 正常 / disabled 已停用' }),
  locked: Type.Boolean({ title: '是否因登录失败被锁定' }),
  totpEnabled: Type.Boolean({ title: '是否已启用动态口令' }),
  isDemo: Type.Boolean({ title: '是否为演示账号' }),
  createdAt: Type.String({ title: '创建时间 (ISO 8601)' }),
}, { title: '账号' });

export const UserPageSchema = Type.Object({
  items: Type.Array(UserSchema, { title: '本页账号' }),
  total: Type.Integer({ title: '符合条件的账号总数' }),
  page: Type.Integer({ title: '页码' }),
  pageSize: Type.Integer({ title: '每页条数' }),
});

export const AssignmentSchema = Type.Object({
  id: Type.String({ title: '授权标识' }),
  userId: Type.String({ title: '账号标识' }),
  roleId: Type.String({ title: '角色标识' }),
  roleCode: Type.String({ title: '角色代码' }),
  roleName: Type.String({ title: '角色名称' }),
  unitId: Type.String({ title: '岗位所在单位标识' }),
  unitName: Type.String({ title: '岗位所在单位名称' }),
  regionCode: Type.String({ title: '单位所在行政区划代码' }),
  createdAt: Type.String({ title: '授权时间 (ISO 8601)' }),
}, { title: '岗位授权' });

export const RoleSchema = Type.Object({
  id: Type.String({ title: '角色标识' }),
  code: Type.String({ title: '角色代码' }),
  name: Type.String({ title: '角色名称' }),
  description: Type.String({ title: '说明' }),
  mlpsAdmin: Nullable(Type.String(), '等保三员: system 系统管理员 / security 安全管理员 / audit 审计管理员; 其他角色为 null'),
  requiresMfa: Type.Boolean({ title: '须双因素认证' }),
  builtin: Type.Boolean({ title: '内置角色 (不可修改)' }),
  scopes: Type.Array(Type.String(), { title: '权限范围' }),
}, { title: '角色' });

export const PersonalDataSchema = Type.Object({
  displayName: Type.String({ title: '姓名或单位名称' }),
  idNumber: Nullable(Type.String(), '公民身份号码 (完整)'),
  uscc: Nullable(Type.String(), '统一社会信用代码'),
  phone: Nullable(Type.String(), '手机号码 (完整)'),
}, { title: '完整个人信息 (本次查看已记入审计日志)' });

export const ApiKeySchema = Type.Object({
  id: Type.String({ title: '密钥标识' }),
  name: Type.String({ title: '用途' }),
  prefix: Type.String({ title: '密钥前缀 (用于识别)' }),
  createdAt: Type.String({ title: '签发时间' }),
  expiresAt: Nullable(Type.String(), '过期时间'),
  revokedAt: Nullable(Type.String(), '吊销时间'),
  lastUsedAt: Nullable(Type.String(), '最近使用时间'),
  status: Type.String({ title: '状态: active 有效 / expired 已过期 / revoked 已吊销' }),
}, { title: 'API 密钥' });

export const IssuedKeySchema = Type.Object({
  id: Type.String({ title: '密钥标识' }),
  key: Type.String({ title: 'API 密钥 (只显示这一次, 请立即妥善保存)' }),
  prefix: Type.String({ title: '密钥前缀' }),
  expiresAt: Nullable(Type.String(), '过期时间'),
}, { title: '新签发的 API 密钥' });

export const SessionSchema = Type.Object({
  id: Type.String({ title: '会话标识' }),
  createdAt: Type.String({ title: '登录时间' }),
  lastSeenAt: Type.String({ title: '最近活动时间' }),
  expiresAt: Type.String({ title: '绝对过期时间' }),
  ip: Nullable(Type.String(), '登录 IP'),
  userAgent: Nullable(Type.String(), '浏览器标识'),
  secondFactorDone: Type.Boolean({ title: '是否已通过动态口令验证' }),
}, { title: '会话' });

export const RevokedSessionsSchema = Type.Object({ sessions: Type.Integer({ title: '结束的会话数' }) });
