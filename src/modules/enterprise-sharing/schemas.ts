/**
 * Request and response schemas of the enterprise-sharing API (TypeBox).
 */
import { Type } from '@sinclair/typebox';
import { ACCOUNTING_METHODS } from './model.ts';

const Uuid = (title: string) => Type.String({ title, pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const IdParams = Type.Object({ id: Uuid('标识') });
export const BureauParams = Type.Object({ bureau: Type.String({ title: '税务机关代码', pattern: '^[A-Z0-9_-]{2,32}$' }) });

export const InboxQuery = Type.Object({
  bureau: Type.Optional(Type.String({ title: '税务机关代码', pattern: '^[A-Z0-9_-]{2,32}$' })),
  view: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')], { title: '范围', description: 'open 待办 (默认) / all 含已办' })),
});

export const LatencySchema = Type.Object({
  count: Type.Integer({ description: '收到的企业登记事件数 (每局每事件一次)' }),
  p50Ms: Type.Union([Type.Integer(), Type.Null()], { description: '登记提交到税务端保存的时延中位数 (毫秒)' }),
  p95Ms: Type.Union([Type.Integer(), Type.Null()], { description: '第 95 百分位时延 (毫秒)' }),
});

export const IntakeSchema = Type.Object({
  id: Type.String(),
  bureauCode: Type.String(),
  bureauName: Type.String(),
  uscc: Type.String(),
  name: Type.String(),
  regionCode: Type.String(),
  registryStatus: Type.String(),
  registryStatusLabel: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  lastType: Type.String(),
  lastTypeLabel: Type.String(),
  lastChanges: Type.Union([Type.Record(Type.String(), Type.Object({ from: Type.Unknown(), to: Type.Unknown() })), Type.Null()]),
  intakeStatus: Type.String({ description: 'new 新设立待接收 / changed 有变更待确认 / accepted 已接收' }),
  intakeStatusLabel: Type.String(),
  competentAuthority: Nullable(Type.String()),
  businessAddress: Nullable(Type.String()),
  financeOfficer: Nullable(Type.String()),
  accountingMethod: Nullable(Type.String()),
  acceptedByName: Nullable(Type.String()),
  acceptedAt: Nullable(Type.String()),
  firstReceivedAt: Type.String(),
  updatedAt: Type.String(),
});

export const ClearanceSchema = Type.Object({
  id: Type.String(),
  bureauCode: Type.String(),
  bureauName: Type.String(),
  requestId: Type.String(),
  uscc: Type.String(),
  name: Type.String(),
  reason: Type.String(),
  requestedOn: Type.String(),
  receivedAt: Type.String(),
  status: Type.String({ description: 'pending 待答复 / answered 已答复 / closed 已办结' }),
  statusLabel: Type.String(),
  cleared: Type.Union([Type.Boolean(), Type.Null()]),
  outstanding: Type.Array(Type.String()),
  answeredByName: Nullable(Type.String()),
  answeredAt: Nullable(Type.String()),
});

export const InboxSchema = Type.Object({
  enterprises: Type.Array(IntakeSchema),
  clearances: Type.Array(ClearanceSchema),
  latency: LatencySchema,
});

export const AcceptBody = Type.Object({
  competentAuthority: Type.String({ title: '主管税务机关', minLength: 2, maxLength: 100 }),
  businessAddress: Type.Optional(Type.String({ title: '生产经营地', maxLength: 200 })),
  financeOfficer: Type.Optional(Type.String({ title: '财务负责人', maxLength: 60 })),
  accountingMethod: Type.Optional(Type.Union([...ACCOUNTING_METHODS.map((m) => Type.Literal(m)), Type.Literal('')], { title: '核算方式' })),
}, { additionalProperties: false });

export const AnswerBody = Type.Object({
  cleared: Type.Boolean({ title: '是否已清税' }),
  outstanding: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { title: '未清事项', maxItems: 20 })),
}, { additionalProperties: false });

export const WebhookAck = Type.Object({ stored: Type.Boolean({ description: 'false: 重复投递, 已处理过' }) });
