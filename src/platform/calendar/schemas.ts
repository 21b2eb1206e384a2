/**
 * Request and response schemas of the calendar API: they validate, and they are the OpenAPI document.
 */
import { Type } from '@sinclair/typebox';

const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
const REGION_PATTERN = '^[1-9]\\d{5}$';

export const DateString = (title: string) => Type.String({ title, pattern: DATE_PATTERN, description: 'YYYY-MM-DD (北京时间)', examples: ['2026-10-09'] });
export const RegionCode = (title = '行政区划代码') => Type.String({ title, pattern: REGION_PATTERN, description: '6 位行政区划代码 (GB/T 2260); 调整对该区划及下辖区划生效', examples: ['410000'] });
const Region = Type.Optional(RegionCode('行政区划代码 (缺省为本人单位所在区划)'));

export const DaysQuery = Type.Object({
  from: DateString('开始日期'),
  to: DateString('结束日期'),
  region: Region,
}, { additionalProperties: false });

export const AddQuery = Type.Object({
  date: DateString('起算日期'),
  days: Type.Integer({ title: '工作日数', minimum: -10000, maximum: 10000, description: '起算日当天不计入; 负数表示之前' }),
  region: Region,
}, { additionalProperties: false });

export const RegionQuery = Type.Object({ region: Region }, { additionalProperties: false });

export const OverrideListQuery = Type.Object({
  region: Region,
  year: Type.Optional(Type.Integer({ title: '年份', minimum: 1949, maximum: 2200 })),
}, { additionalProperties: false });

export const OverrideBody = Type.Object({
  regionCode: RegionCode(),
  date: DateString('日期'),
  kind: Type.Union([Type.Literal('workday'), Type.Literal('holiday')], { title: '类型', description: 'workday 上班 / holiday 休息' }),
  name: Type.String({ title: '名称', minLength: 1, maxLength: 50, examples: ['2027 年春节'] }),
  reason: Type.String({ title: '依据或原因', minLength: 1, maxLength: 500, examples: ['国务院办公厅关于 2027 年部分节假日安排的通知'] }),
}, { additionalProperties: false });

export const OverrideParams = Type.Object({ regionCode: RegionCode(), date: DateString('日期') });

export const ReasonQuery = Type.Object({ reason: Type.Optional(Type.String({ title: '原因', maxLength: 500 })) }, { additionalProperties: false });
export const RequiredReasonQuery = Type.Object({ reason: Type.String({ title: '原因', minLength: 1, maxLength: 500 }) }, { additionalProperties: false });

export const KnownYearBody = Type.Object({
  regionCode: RegionCode(),
  year: Type.Integer({ title: '年份', minimum: 1949, maximum: 2200 }),
  note: Type.String({ title: '说明', minLength: 1, maxLength: 500, examples: ['已按国办发明电〔2026〕X 号录入全部放假和调休上班日期'] }),
}, { additionalProperties: false });

export const KnownYearParams = Type.Object({ regionCode: RegionCode(), year: Type.Integer({ title: '年份', minimum: 1949, maximum: 2200 }) });

export const WorkingHoursBody = Type.Object({
  regionCode: RegionCode(),
  periods: Type.String({ title: '工作时段', minLength: 1, maxLength: 100, examples: ['09:00-12:00,13:00-17:00'] }),
  note: Type.Optional(Type.String({ title: '说明', maxLength: 500 })),
}, { additionalProperties: false });

export const RegionParams = Type.Object({ regionCode: RegionCode() });

const Kind = Type.Union([Type.Literal('workday'), Type.Literal('holiday')], { title: '类型' });

export const OverrideSchema = Type.Object({
  regionCode: Type.String({ title: '行政区划代码' }),
  date: Type.String({ title: '日期' }),
  kind: Kind,
  name: Type.String({ title: '名称' }),
  reason: Type.String({ title: '依据或原因' }),
  createdByName: Type.String({ title: '录入者' }),
  createdAt: Type.String({ title: '录入时间' }),
  updatedByName: Type.String({ title: '最后修改者' }),
  updatedAt: Type.String({ title: '最后修改时间' }),
});

export const OverrideListItemSchema = Type.Intersect([OverrideSchema, Type.Object({ applies: Type.Boolean({ title: '是否适用于所查区划 (否: 为下辖区划设置)' }) })]);

export const DayInfoSchema = Type.Object({
  date: Type.String({ title: '日期' }),
  weekday: Type.Integer({ title: '星期 (1 星期一 … 7 星期日)' }),
  yearKnown: Type.Boolean({ title: '该年节假日安排是否已收录' }),
  working: Type.Union([Type.Boolean(), Type.Null()], { title: '是否工作日 (年份未收录时为空)' }),
  kind: Type.Union([Type.Literal('workday'), Type.Literal('weekend'), Type.Literal('holiday'), Type.Literal('adjusted_workday'), Type.Literal('unknown')], { title: '类别: 工作日 / 周末 / 节假日休息 / 调休上班 / 未收录' }),
  name: Type.Union([Type.String(), Type.Null()], { title: '节日或调整名称' }),
  source: Type.Union([Type.Literal('override'), Type.Literal('package'), Type.Literal('default')], { title: '依据: override 地方调整 / package 数据包 / default 按星期' }),
  inLieu: Type.Boolean({ title: '是否调休休息日' }),
  override: Type.Union([
    Type.Object({ regionCode: Type.String(), date: Type.String(), kind: Kind, name: Type.String(), reason: Type.String() }),
    Type.Null(),
  ], { title: '起决定作用的地方调整' }),
});

export const AddResultSchema = Type.Object({
  regionCode: Type.String({ title: '行政区划代码' }),
  date: Type.String({ title: '起算日期' }),
  days: Type.Integer({ title: '工作日数' }),
  result: Type.String({ title: '结果日期' }),
  deadline: Type.String({ title: '期限届满时刻 (结果日期的下班时间, ISO 8601)' }),
});

export const DeclarationSchema = Type.Object({
  regionCode: Type.String({ title: '行政区划代码' }),
  year: Type.Integer({ title: '年份' }),
  note: Type.String({ title: '说明' }),
  declaredByName: Type.String({ title: '声明者' }),
  declaredAt: Type.String({ title: '声明时间' }),
});

export const KnownYearsSchema = Type.Object({
  source: Type.String({ title: '数据包' }),
  packageYears: Type.Array(Type.Integer(), { title: '数据包收录的年份' }),
  declarations: Type.Array(DeclarationSchema, { title: '管理员声明的年份' }),
});

export const WorkingHoursSchema = Type.Object({
  regionCode: Type.Union([Type.String(), Type.Null()], { title: '设置所属区划 (空为默认)' }),
  periods: Type.String({ title: '工作时段' }),
  note: Type.String({ title: '说明' }),
  setByName: Type.Union([Type.String(), Type.Null()], { title: '设置者' }),
  setAt: Type.Union([Type.String(), Type.Null()], { title: '设置时间' }),
});
