/**
 * Request and response schemas of the workflow API (OpenAPI at /api/docs) and of the workbench
 * forms; every property carries a Chinese title so validation messages name the field.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { CASE_STATUSES, HISTORY_ACTIONS, INBOX_BOXES, PAUSE_REASONS, SUSPEND_REASONS, TIMER_KINDS } from './model.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const Uuid = (title: string) => Type.String({ title, pattern: UUID_PATTERN });
const DateString = (title: string) => Type.String({ title, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD (北京时间)' });
const enumOf = (values: readonly string[], title: string, description?: string) => Type.String({ enum: [...values], title, description });
const Comment = (title = '办理意见') => Type.Optional(Type.String({ title, maxLength: 5000 }));
const ExpectedVersion = Type.Optional(Type.Integer({ title: '页面上看到的案件版本号', minimum: 1, description: '与当前版本不一致时返回 409 case_changed' }));

export const CaseIdParams = Type.Object({ id: Uuid('案件标识') });

export const InboxQuery = Type.Object(
  {
    box: Type.Optional(enumOf(INBOX_BOXES, '分类', 'todo 待办 / done 已办 / due_soon 即将超期 / overdue 已超期')),
    definition: Type.Optional(Type.String({ title: '流程', maxLength: 100 })),
    state: Type.Optional(Type.String({ title: '环节', maxLength: 100 })),
    from: Type.Optional(DateString('受理起始日期')),
    to: Type.Optional(DateString('受理截止日期')),
    q: Type.Optional(Type.String({ title: '标题关键词', maxLength: 100 })),
    page: Type.Optional(Type.Integer({ title: '页码', minimum: 1, maximum: 100_000 })),
    pageSize: Type.Optional(Type.Integer({ title: '每页条数', minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);

export const StatsQuery = Type.Object(
  {
    definition: Type.Optional(Type.String({ title: '流程', maxLength: 100 })),
    from: Type.Optional(DateString('受理起始日期')),
    to: Type.Optional(DateString('受理截止日期')),
  },
  { additionalProperties: false },
);

export const TransitionBody = Type.Object(
  {
    transition: Type.String({ title: '操作', minLength: 1, maxLength: 100 }),
    comment: Comment(),
    fields: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 10000 }), Type.Number()]), { title: '本环节填写的字段' })),
    attachmentIds: Type.Optional(Type.Array(Uuid('附件标识'), { title: '附件', maxItems: 20 })),
    expectedVersion: ExpectedVersion,
  },
  { additionalProperties: false },
);

export const SimpleOpBody = Type.Object({ comment: Comment('说明'), expectedVersion: ExpectedVersion }, { additionalProperties: false });

export const HandOverBody = Type.Object(
  { toUserId: Uuid('接收人'), comment: Comment('转交说明'), expectedVersion: ExpectedVersion },
  { additionalProperties: false },
);

export const CorrectionBody = Type.Object(
  { comment: Type.String({ title: '需要补正的内容', minLength: 1, maxLength: 5000 }), expectedVersion: ExpectedVersion },
  { additionalProperties: false },
);

export const SubmitCorrectionBody = Type.Object(
  {
    comment: Comment('补正说明'),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { title: '补正后的案件数据 (只含修改的项)' })),
    attachmentIds: Type.Optional(Type.Array(Uuid('附件标识'), { title: '附件', maxItems: 20 })),
    expectedVersion: ExpectedVersion,
  },
  { additionalProperties: false },
);

export const SuspendBody = Type.Object(
  {
    reason: enumOf(SUSPEND_REASONS, '中止原因', 'consultation 征求第三方意见 / inspection 现场核查 / expert_review 专家评审'),
    comment: Type.String({ title: '中止说明', minLength: 1, maxLength: 5000 }),
    expectedVersion: ExpectedVersion,
  },
  { additionalProperties: false },
);

const UnitRef = Nullable(Type.Object({ id: Type.String({ title: '单位标识' }), name: Type.String({ title: '单位名称' }) }, { title: '办理单位' }));

export const CaseSchema = Type.Object(
  {
    id: Type.String({ title: '案件标识' }),
    definitionKey: Type.String({ title: '流程标识' }),
    definitionVersion: Type.Integer({ title: '流程版本' }),
    definitionTitle: Type.String({ title: '流程名称' }),
    title: Type.String({ title: '案件标题' }),
    subject: Type.Object({ module: Type.String({ title: '业务模块' }), id: Type.String({ title: '业务对象标识' }) }, { title: '业务对象' }),
    regionCode: Type.String({ title: '行政区划代码' }),
    state: Type.String({ title: '当前环节' }),
    stateLabel: Type.String({ title: '当前环节名称' }),
    status: enumOf(CASE_STATUSES, '办理状态', 'open 办理中 / correction 待补正 / suspended 已中止 / closed 已办结 / withdrawn 已撤回'),
    statusLabel: Type.String({ title: '办理状态名称' }),
    unit: UnitRef,
    requiredScope: Nullable(Type.String({ title: '本环节所需权限' })),
    assignee: Nullable(Type.Object({ userId: Type.String({ title: '承办人账号' }), name: Type.String({ title: '承办人' }) }, { title: '承办人' })),
    startedBy: Type.Object({ userId: Nullable(Type.String({ title: '发起人账号' })), name: Type.String({ title: '发起人' }), kind: Type.String({ title: '发起人类型' }) }, { title: '发起人' }),
    startedAt: Type.String({ title: '受理时间', format: 'date-time' }),
    stateEnteredAt: Type.String({ title: '进入本环节时间', format: 'date-time' }),
    closedAt: Nullable(Type.String({ title: '办结时间', format: 'date-time' })),
    deadline: Nullable(Type.Object({
      at: Nullable(Type.String({ title: '期限 (暂停中为空)', format: 'date-time' })),
      unit: Type.String({ enum: ['days', 'hours'], title: '期限单位', description: 'days 工作日 / hours 工作时' }),
      amount: Type.Integer({ title: '期限数' }),
    }, { title: '本环节期限' })),
    pause: Nullable(Type.Object({ reason: enumOf(PAUSE_REASONS, '暂停原因'), reasonLabel: Type.String({ title: '暂停原因名称' }), since: Type.String({ title: '暂停开始', format: 'date-time' }) }, { title: '计时暂停' })),
    late: Type.Boolean({ title: '是否曾超期' }),
    escalation: Nullable(Type.Object({ at: Type.String({ title: '督办时间', format: 'date-time' }), unitId: Nullable(Type.String({ title: '督办单位标识' })), unitName: Nullable(Type.String({ title: '督办单位' })) }, { title: '超期督办' })),
    handlingWorkingDays: Nullable(Type.Number({ title: '办结用时 (工作日)' })),
    data: Type.Record(Type.String(), Type.Unknown(), { title: '案件数据' }),
    version: Type.Integer({ title: '版本号 (乐观锁)' }),
    updatedAt: Type.String({ title: '最后变更时间', format: 'date-time' }),
  },
  { title: '案件' },
);

export const InboxItemSchema = Type.Composite([CaseSchema, Type.Object({ overdue: Type.Boolean({ title: '已超期' }), lastActionAt: Nullable(Type.String({ title: '我最近办理时间', format: 'date-time' })) })], { title: '待办条目' });

export const InboxPageSchema = Type.Object({
  box: enumOf(INBOX_BOXES, '分类'),
  items: Type.Array(InboxItemSchema, { title: '案件' }),
  total: Type.Integer({ title: '符合条件的案件数' }),
  page: Type.Integer({ title: '页码' }),
  pageSize: Type.Integer({ title: '每页条数' }),
  counts: Type.Object({
    todo: Type.Integer({ title: '待办数' }),
    overdue: Type.Integer({ title: '已超期数' }),
    dueSoon: Nullable(Type.Integer({ title: '即将超期数 (日历无法计算时为空)' })),
    dueSoonError: Nullable(Type.String({ title: '即将超期无法计算的原因' })),
  }, { title: '各分类数量' }),
});

const FieldDefSchema = Type.Object({
  name: Type.String({ title: '字段名' }),
  label: Type.String({ title: '字段名称' }),
  type: Type.Optional(Type.String({ title: '类型', enum: ['text', 'textarea', 'date', 'number', 'select'] })),
  required: Type.Optional(Type.Boolean({ title: '必填' })),
  options: Type.Optional(Type.Array(Type.Object({ value: Type.String({ title: '取值' }), label: Type.String({ title: '名称' }) }), { title: '选项' })),
  maxLength: Type.Optional(Type.Integer({ title: '最大长度' })),
  pattern: Type.Optional(Type.String({ title: '格式 (正则表达式)' })),
  hint: Type.Optional(Type.String({ title: '填写提示' })),
});

export const CaseDetailSchema = Type.Object({
  case: CaseSchema,
  history: Type.Array(Type.Object({
    seq: Type.Integer({ title: '序号' }),
    at: Type.String({ title: '时间', format: 'date-time' }),
    action: enumOf(HISTORY_ACTIONS, '操作'),
    actionLabel: Type.String({ title: '操作名称' }),
    transition: Nullable(Type.String({ title: '流转' })),
    transitionLabel: Nullable(Type.String({ title: '流转名称' })),
    fromState: Nullable(Type.String({ title: '操作前环节' })),
    fromLabel: Nullable(Type.String({ title: '操作前环节名称' })),
    toState: Nullable(Type.String({ title: '操作后环节' })),
    toLabel: Nullable(Type.String({ title: '操作后环节名称' })),
    actor: Type.Object({ kind: Type.String({ title: '类型' }), userId: Nullable(Type.String({ title: '账号' })), name: Type.String({ title: '姓名' }), unitId: Nullable(Type.String({ title: '单位标识' })), unitName: Nullable(Type.String({ title: '单位' })) }, { title: '操作者' }),
    comment: Nullable(Type.String({ title: '意见' })),
    fields: Type.Record(Type.String(), Type.Unknown(), { title: '填写的字段' }),
    attachmentIds: Type.Array(Type.String(), { title: '附件' }),
    details: Type.Record(Type.String(), Type.Unknown(), { title: '细节' }),
  }), { title: '办理记录' }),
  pauses: Type.Array(Type.Object({
    reason: enumOf(PAUSE_REASONS, '原因'),
    reasonLabel: Type.String({ title: '原因名称' }),
    from: Type.String({ title: '暂停开始', format: 'date-time' }),
    to: Nullable(Type.String({ title: '恢复时间', format: 'date-time' })),
    startedBy: Type.String({ title: '暂停操作者' }),
    endedBy: Nullable(Type.String({ title: '恢复操作者' })),
    comment: Nullable(Type.String({ title: '说明' })),
  }), { title: '计时暂停区间' }),
  deadline: Nullable(Type.Object({
    at: Nullable(Type.String({ title: '期限', format: 'date-time' })),
    unit: Type.String({ title: '单位', enum: ['days', 'hours'] }),
    amount: Type.Integer({ title: '期限数' }),
    used: Type.Number({ title: '已用' }),
    remaining: Type.Number({ title: '剩余 (负数为已超期)' }),
    overdue: Type.Boolean({ title: '已超期' }),
    paused: Type.Boolean({ title: '计时暂停中' }),
  }, { title: '本环节期限' })),
  deadlineError: Nullable(Type.String({ title: '期限无法计算的原因' })),
  actions: Type.Array(Type.Object({
    kind: Type.String({ title: '操作类型', enum: ['claim', 'release', 'hand_over', 'transition', 'return_for_correction', 'submit_correction', 'suspend', 'resume', 'withdraw'] }),
    label: Type.String({ title: '操作名称' }),
    transition: Type.Optional(Type.Object({
      name: Type.String({ title: '流转' }),
      label: Type.String({ title: '流转名称' }),
      to: Type.String({ title: '目标环节' }),
      toLabel: Type.String({ title: '目标环节名称' }),
      fields: Type.Array(FieldDefSchema, { title: '需填写的字段' }),
      commentRequired: Type.Boolean({ title: '须填写意见' }),
    })),
    blockedReason: Type.Optional(Type.String({ title: '暂不可用的原因' })),
  }), { title: '当前可执行的操作' }),
  timers: Type.Array(Type.Object({
    id: Type.String({ title: '标识' }),
    kind: enumOf(TIMER_KINDS, '类型'),
    kindLabel: Type.String({ title: '类型名称' }),
    transition: Nullable(Type.String({ title: '自动流转' })),
    dueAt: Type.String({ title: '应执行时间', format: 'date-time' }),
    status: Type.String({ title: '状态', enum: ['pending', 'fired', 'cancelled', 'failed'] }),
    attempts: Type.Integer({ title: '尝试次数' }),
    lastError: Nullable(Type.String({ title: '最近失败原因' })),
    firedAt: Nullable(Type.String({ title: '执行时间', format: 'date-time' })),
  }), { title: '定时任务' }),
  handOverCandidates: Type.Array(Type.Object({ userId: Type.String({ title: '账号' }), name: Type.String({ title: '姓名' }) }), { title: '可转交的同事' }),
});

const StatsFigures = {
  received: Type.Integer({ title: '受理数' }),
  closed: Type.Integer({ title: '办结数' }),
  closedOnTime: Type.Integer({ title: '按期办结数' }),
  overdue: Type.Integer({ title: '超期未办结数' }),
  withdrawn: Type.Integer({ title: '撤回数' }),
  averageWorkingDays: Nullable(Type.Number({ title: '平均办理用时 (工作日)' })),
};

export const StatsSchema = Type.Object({
  rows: Type.Array(Type.Object({
    definitionKey: Type.String({ title: '流程标识' }),
    definitionTitle: Type.String({ title: '流程名称' }),
    unitId: Nullable(Type.String({ title: '办理单位标识' })),
    unitName: Nullable(Type.String({ title: '办理单位' })),
    ...StatsFigures,
  }), { title: '按流程和单位' }),
  totals: Type.Object(StatsFigures, { title: '合计' }),
});
