/**
 * Request and response schemas of the registries API (TypeBox): validation, OpenAPI, and the same
 * Chinese messages for forms through parseInput.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { PERSON_EVENT_TYPES } from './model.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Day = (title: string) => Type.String({ title, pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$', description: 'YYYY-MM-DD' });
const IdNumber = (title = '公民身份号码') => Type.String({ title, pattern: '^[0-9]{17}[0-9Xx]$' });
const Purpose = Type.Optional(Type.String({ title: '用途', maxLength: 200, description: '查看未脱敏信息时必须说明用途 (至少 4 个字); 持有完整信息权限且说明用途时返回完整信息, 否则脱敏' }));
const Region = Type.String({ title: '行政区划代码', pattern: '^[0-9]{6}$' });

export const IdNumberParams = Type.Object({ idNumber: IdNumber() });
export const UsccParams = Type.Object({ uscc: Type.String({ title: '统一社会信用代码', minLength: 18, maxLength: 18 }) });
export const IssueParams = Type.Object({ id: Type.String({ title: '问题标识', format: 'uuid' }) });

export const ReadQuery = Type.Object({ purpose: Purpose }, { additionalProperties: false });
export const SearchQuery = Type.Object(
  {
    name: Type.String({ title: '姓名或名称', minLength: 1, maxLength: 200 }),
    regionCode: Type.Optional(Region),
    page: Type.Optional(Type.Integer({ title: '页码', minimum: 1, maximum: 1000 })),
    pageSize: Type.Optional(Type.Integer({ title: '每页条数', minimum: 1, maximum: 100 })),
    purpose: Purpose,
  },
  { additionalProperties: false },
);
export const PersonBatchBody = Type.Object({ idNumbers: Type.Array(Type.String({ title: '公民身份号码', maxLength: 18 }), { title: '公民身份号码列表', minItems: 1, maxItems: 1000 }), purpose: Purpose }, { additionalProperties: false });
export const EntityBatchBody = Type.Object({ usccs: Type.Array(Type.String({ title: '统一社会信用代码', maxLength: 18 }), { title: '统一社会信用代码列表', minItems: 1, maxItems: 1000 }), purpose: Purpose }, { additionalProperties: false });

const FieldSource = Type.Object({ unitId: Nullable(Type.String()), name: Type.String(), at: Type.String() });
export const PersonSchema = Type.Object(
  {
    idNumber: Type.String(), masked: Type.Boolean(), name: Type.String(), formerNames: Type.Array(Type.String()), sex: Type.String(), sexLabel: Type.String(),
    ethnicity: Type.String(), ethnicityLabel: Type.String(), birthDate: Type.String(), regionCode: Type.String(), address: Type.String(), householdId: Nullable(Type.String()),
    relationToHead: Nullable(Type.String()), relationLabel: Type.String(), education: Nullable(Type.String()), educationLabel: Type.String(), maritalStatus: Nullable(Type.String()),
    maritalLabel: Type.String(), status: Type.String(), statusLabel: Type.String(), statusDate: Nullable(Type.String()), movedTo: Nullable(Type.String()),
    source: FieldSource, fieldSources: Type.Record(Type.String(), FieldSource), version: Type.Integer(), isDemo: Type.Boolean(), updatedAt: Type.String(),
  },
  { description: '人口信息 (masked 为 true 时姓名、号码、出生日期、地址、户号已脱敏)' },
);
export const EntitySchema = Type.Object({
  uscc: Type.String(), usccValid: Type.Boolean(), usccProblem: Nullable(Type.String()), masked: Type.Boolean(), name: Type.String(), entityType: Type.String(), entityTypeLabel: Type.String(),
  legalRepName: Type.String(), legalRepIdNumber: Nullable(Type.String()), registeredCapital: Nullable(Type.Number()), currency: Type.String(), establishedOn: Type.String(),
  businessScope: Type.String(), industryCode: Type.String(), industryLabel: Type.String(), industrySection: Type.String(), regionCode: Type.String(), address: Type.String(),
  authorityName: Type.String(), status: Type.String(), statusLabel: Type.String(), statusDate: Nullable(Type.String()), statusReason: Nullable(Type.String()),
  source: FieldSource, fieldSources: Type.Record(Type.String(), FieldSource), version: Type.Integer(), isDemo: Type.Boolean(), updatedAt: Type.String(),
});
export const PersonPage = Type.Object({ items: Type.Array(PersonSchema), page: Type.Integer(), pageSize: Type.Integer(), more: Type.Boolean() });
export const EntityPage = Type.Object({ items: Type.Array(EntitySchema), page: Type.Integer(), pageSize: Type.Integer(), more: Type.Boolean() });
export const PersonBatch = Type.Object({ found: Type.Array(PersonSchema), notFound: Type.Array(Type.String()) });
export const EntityBatch = Type.Object({ found: Type.Array(EntitySchema), notFound: Type.Array(Type.String()) });

const Change = Type.Record(Type.String(), Type.Object({ from: Type.Unknown(), to: Type.Unknown() }));
export const HistorySchema = Type.Array(Type.Object({ type: Type.String(), typeLabel: Type.String(), occurredOn: Nullable(Type.String()), changes: Change, note: Nullable(Type.String()), sourceName: Type.String(), actorName: Type.String(), recordedAt: Type.String() }));
export const AccessLogSchema = Type.Array(Type.Object({ accessedAt: Type.String(), actorKind: Type.String(), actorName: Type.String(), unitName: Type.String(), channel: Type.String(), purpose: Nullable(Type.String()), fullView: Type.Boolean() }));
export const EntityDetailsSchema = Type.Object({
  history: HistorySchema,
  annualReports: Type.Array(Type.Object({ year: Type.Integer(), submittedOn: Type.String(), employees: Nullable(Type.Integer()), revenue: Nullable(Type.Number()), totalAssets: Nullable(Type.Number()), operatingStatus: Type.String() })),
  abnormal: Type.Array(Type.Object({ reason: Type.String(), listedOn: Type.String(), listedBy: Type.String(), removedOn: Nullable(Type.String()), removalReason: Nullable(Type.String()) })),
});

const Note = Type.Optional(Type.String({ title: '说明', maxLength: 500 }));
const Name = (title: string) => Type.String({ title, minLength: 1, maxLength: 60 });
const Code2 = (title: string) => Type.String({ title, pattern: '^[0-9]{2}$' });
export const PersonEventBody = Type.Union([
  Type.Object({ type: Type.Literal('birth'), idNumber: IdNumber(), name: Name('姓名'), ethnicity: Code2('民族'), regionCode: Region, address: Type.String({ title: '户籍地址', maxLength: 200 }), householdId: Type.Optional(Type.String({ title: '户号', maxLength: 30 })), relationToHead: Type.Optional(Code2('与户主关系')), occurredOn: Type.Optional(Day('出生日期')) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('death'), idNumber: IdNumber(), occurredOn: Day('死亡日期'), note: Note }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('move_in'), idNumber: IdNumber(), name: Type.Optional(Name('姓名')), ethnicity: Type.Optional(Code2('民族')), regionCode: Region, address: Type.String({ title: '户籍地址', maxLength: 200 }), householdId: Type.Optional(Type.String({ title: '户号', maxLength: 30 })), relationToHead: Type.Optional(Code2('与户主关系')), occurredOn: Type.Optional(Day('迁入日期')), note: Note }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('move_out'), idNumber: IdNumber(), occurredOn: Day('迁出日期'), movedTo: Type.String({ title: '迁往地', minLength: 1, maxLength: 200 }), note: Note }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('name_change'), idNumber: IdNumber(), newName: Name('新姓名'), note: Note }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('household_split'), idNumbers: Type.Array(IdNumber(), { title: '分出的成员', minItems: 1, maxItems: 20 }), newHouseholdId: Type.String({ title: '新户号', minLength: 1, maxLength: 30 }), headIdNumber: IdNumber('新户户主'), note: Note }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('household_merge'), fromHouseholdId: Type.String({ title: '并入的户号', minLength: 1, maxLength: 30 }), intoHouseholdId: Type.String({ title: '并入到户号', minLength: 1, maxLength: 30 }), relationOfFormerHead: Type.Optional(Code2('原户主与新户主关系')), note: Note }, { additionalProperties: false }),
], { title: '户籍登记事项', description: `type: ${PERSON_EVENT_TYPES.join(' / ')}` });
export const EventResult = Type.Object({ idNumbers: Type.Array(Type.String()) });

export const PersonCorrectionBody = Type.Object({
  field: Type.Union(['name', 'ethnicity', 'address', 'regionCode', 'education', 'maritalStatus', 'relationToHead'].map((f) => Type.Literal(f)), { title: '更正事项' }),
  value: Type.String({ title: '更正后的值', minLength: 1, maxLength: 200 }),
  reason: Type.String({ title: '更正依据', minLength: 2, maxLength: 500 }),
}, { additionalProperties: false });

const EntityFields = {
  name: Type.String({ title: '名称', minLength: 1, maxLength: 200 }),
  entityType: Type.String({ title: '主体类型', pattern: '^[0-9]{4}$' }),
  legalRepName: Type.String({ title: '法定代表人', minLength: 1, maxLength: 60 }),
  legalRepIdNumber: Type.Optional(Nullable(IdNumber('法定代表人身份号码'))),
  registeredCapital: Type.Optional(Nullable(Type.Number({ title: '注册资本(万元)', minimum: 0 }))),
  currency: Type.Optional(Type.String({ title: '币种', pattern: '^[A-Z]{3}$' })),
  businessScope: Type.Optional(Type.String({ title: '经营范围', maxLength: 2000 })),
  industryCode: Code2('行业代码'),
  regionCode: Region,
  address: Type.String({ title: '住所', maxLength: 200 }),
  authorityName: Type.Optional(Type.String({ title: '登记机关', maxLength: 100 })),
};
export const EntityRegisterBody = Type.Object({ uscc: Type.String({ title: '统一社会信用代码', minLength: 18, maxLength: 18 }), establishedOn: Day('成立日期'), ...EntityFields }, { additionalProperties: false });
export const EntityChangeBody = Type.Object({
  ...Object.fromEntries(Object.entries(EntityFields).map(([k, v]) => [k, Type.Optional(v)])),
  occurredOn: Type.Optional(Day('核准日期')),
  note: Note,
  correction: Type.Optional(Type.Boolean({ title: '更正', description: 'true: 更正错误数据 (而非变更登记)' })),
}, { additionalProperties: false });
export const DeregisterBody = Type.Object({
  status: Type.Union([Type.Literal('cancelled'), Type.Literal('revoked'), Type.Literal('moved_out')], { title: '登记状态', description: 'cancelled 注销 / revoked 吊销 / moved_out 迁出' }),
  occurredOn: Day('日期'),
  reason: Type.String({ title: '原因', minLength: 2, maxLength: 500 }),
}, { additionalProperties: false });
export const AnnualReportBody = Type.Object({
  year: Type.Integer({ title: '报告年度', minimum: 1990, maximum: 2100 }),
  submittedOn: Day('报送日期'),
  employees: Type.Optional(Nullable(Type.Integer({ title: '从业人数', minimum: 0 }))),
  revenue: Type.Optional(Nullable(Type.Number({ title: '营业总收入(万元)' }))),
  totalAssets: Type.Optional(Nullable(Type.Number({ title: '资产总额(万元)' }))),
  operatingStatus: Type.Optional(Type.String({ title: '经营状态', maxLength: 20 })),
}, { additionalProperties: false });
export const AbnormalBody = Type.Union([
  Type.Object({ action: Type.Literal('list'), reason: Type.String({ title: '列入原因', minLength: 2, maxLength: 500 }), listedOn: Day('列入日期'), listedBy: Type.Optional(Type.String({ title: '作出决定机关', maxLength: 100 })) }, { additionalProperties: false }),
  Type.Object({ action: Type.Literal('remove'), reason: Type.String({ title: '移出原因', minLength: 2, maxLength: 500 }), removedOn: Day('移出日期') }, { additionalProperties: false }),
], { title: '经营异常名录' });

export const QualityQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('dismissed')], { title: '状态' })),
  all: Type.Optional(Type.Boolean({ title: '辖区全部' })),
  page: Type.Optional(Type.Integer({ title: '页码', minimum: 1 })),
}, { additionalProperties: false });
export const ResolveBody = Type.Object({
  status: Type.Union([Type.Literal('resolved'), Type.Literal('dismissed')], { title: '处理结果', description: 'resolved 已更正 / dismissed 经核实无误' }),
  note: Type.String({ title: '处理说明', minLength: 2, maxLength: 500 }),
}, { additionalProperties: false });
export const IssueSchema = Type.Object({
  id: Type.String(), recordType: Type.String(), recordKey: Type.String(), rule: Type.String(), ruleLabel: Type.String(), message: Type.String(), sourceName: Type.String(), regionCode: Type.String(),
  status: Type.String(), detectedAt: Type.String(), resolvedAt: Nullable(Type.String()), resolvedByName: Nullable(Type.String()), resolutionNote: Nullable(Type.String()),
});
export const IssuePage = Type.Object({ items: Type.Array(IssueSchema), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer() });
export const CodesSchema = Type.Object({
  ethnicities: Type.Record(Type.String(), Type.String()),
  industries: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), divisions: Type.Record(Type.String(), Type.String()) })),
  entityTypes: Type.Record(Type.String(), Type.String()),
  relations: Type.Record(Type.String(), Type.String()),
  education: Type.Record(Type.String(), Type.String()),
  marital: Type.Record(Type.String(), Type.String()),
});
