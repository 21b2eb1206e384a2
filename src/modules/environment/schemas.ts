/**
 * TypeBox schemas of the environment API and forms (validation and OpenAPI), with Chinese titles.
 */
import { Type, type Static } from '@sinclair/typebox';

const Uuid = (title: string) => Type.String({ title, format: 'uuid', minLength: 36, maxLength: 36 });
const RegionCode = Type.String({ title: '行政区划代码', pattern: '^[0-9]{6}$' });
const RegionPrefix = Type.String({ title: '区划前缀', pattern: '^[0-9]{2,6}$' });
export const Month = Type.String({ title: '月份 (YYYY-MM)', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' });
const Medium = Type.Union([Type.Literal('air'), Type.Literal('water')], { title: '介质' });
const Industry = Type.Union([Type.Literal('thermal_power'), Type.Literal('sewage_plant'), Type.Literal('other')], { title: '行业' });
const PollutantCode = Type.String({ title: '污染物代码', pattern: '^[a-z][0-9]{5}$' });

export const IdParams = Type.Object({ id: Uuid('标识') });

export const EnterpriseBody = Type.Object(
  {
    uscc: Type.String({ title: '统一社会信用代码', minLength: 18, maxLength: 18 }),
    name: Type.String({ title: '企业名称', minLength: 2, maxLength: 100 }),
    regionCode: RegionCode,
    industry: Industry,
    centralizedSewage: Type.Optional(Type.Boolean({ title: '集中式污水处理场所' })),
    address: Type.Optional(Type.Union([Type.String({ title: '地址', maxLength: 200 }), Type.Null()])),
    longitude: Type.Optional(Type.Union([Type.Number({ title: '经度', minimum: 73, maximum: 136 }), Type.Null()])),
    latitude: Type.Optional(Type.Union([Type.Number({ title: '纬度', minimum: 3, maximum: 54 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type EnterpriseBodyT = Static<typeof EnterpriseBody>;

export const EnterpriseUpdateBody = Type.Composite([
  EnterpriseBody,
  Type.Object({ version: Type.Integer({ title: '版本号', minimum: 1 }), status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('closed')], { title: '状态' })) }),
], { additionalProperties: false });

export const EnterpriseQuery = Type.Object(
  {
    regionPrefix: Type.Optional(RegionPrefix),
    search: Type.Optional(Type.String({ title: '名称或信用代码', maxLength: 100 })),
    industry: Type.Optional(Industry),
    limit: Type.Optional(Type.Integer({ title: '条数', minimum: 1, maximum: 500 })),
    offset: Type.Optional(Type.Integer({ title: '起始位置', minimum: 0 })),
  },
  { additionalProperties: false },
);

export const OutletBody = Type.Object(
  {
    enterpriseId: Uuid('企业'),
    code: Type.String({ title: '排放口编号', pattern: '^[A-Za-z0-9-]{1,20}$' }),
    name: Type.String({ title: '排放口名称', minLength: 1, maxLength: 100 }),
    medium: Medium,
    standardCode: Type.Optional(Type.Union([Type.String({ title: '排放标准', maxLength: 64 }), Type.Null()])),
    o2Reference: Type.Optional(Type.Union([Type.Number({ title: '基准氧含量 (%)', minimum: 0, exclusiveMaximum: 21 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const LimitParams = Type.Object({ id: Uuid('排放口'), pollutant: PollutantCode });
export const LimitBody = Type.Object(
  {
    max: Type.Union([Type.Number({ title: '限值上限', exclusiveMinimum: 0 }), Type.Null()]),
    min: Type.Optional(Type.Union([Type.Number({ title: '限值下限' }), Type.Null()])),
  },
  { additionalProperties: false },
);

const Ranges = Type.Record(Type.String({ pattern: '^[a-z][0-9]{5}$' }), Type.Tuple([Type.Number(), Type.Number()]), { title: '仪器量程' });

export const PointBody = Type.Object(
  {
    outletId: Uuid('排放口'),
    mn: Type.String({ title: 'MN (设备唯一标识)', minLength: 14, maxLength: 24 }),
    pw: Type.String({ title: '访问密码 PW', minLength: 6, maxLength: 9 }),
    pollutants: Type.Array(PollutantCode, { title: '监测项目', minItems: 1, maxItems: 40 }),
    rtdIntervalS: Type.Optional(Type.Integer({ title: '实时数据间隔 (秒)', minimum: 30, maximum: 3600 })),
    minIntervalMin: Type.Optional(Type.Integer({ title: '分钟数据间隔 (分钟)', minimum: 1, maximum: 30 })),
    instrumentRanges: Type.Optional(Ranges),
  },
  { additionalProperties: false },
);

export const PointPatchBody = Type.Object(
  {
    version: Type.Integer({ title: '版本号', minimum: 1 }),
    pw: Type.Optional(Type.String({ title: '新访问密码 PW', minLength: 6, maxLength: 9 })),
    pollutants: Type.Optional(Type.Array(PollutantCode, { title: '监测项目', minItems: 1, maxItems: 40 })),
    rtdIntervalS: Type.Optional(Type.Integer({ title: '实时数据间隔 (秒)', minimum: 30, maximum: 3600 })),
    minIntervalMin: Type.Optional(Type.Integer({ title: '分钟数据间隔 (分钟)', minimum: 1, maximum: 30 })),
    instrumentRanges: Type.Optional(Ranges),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')], { title: '状态' })),
  },
  { additionalProperties: false },
);

export const PointQuery = Type.Object({ regionPrefix: Type.Optional(RegionPrefix), enterpriseId: Type.Optional(Uuid('企业')) }, { additionalProperties: false });
export const SeriesQuery = Type.Object(
  { hours: Type.Optional(Type.Integer({ title: '实时数据小时数', minimum: 1, maximum: 48 })), days: Type.Optional(Type.Integer({ title: '小时数据天数', minimum: 1, maximum: 31 })) },
  { additionalProperties: false },
);

const AlarmStatus = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved'), Type.Literal('active')], { title: '状态' });
const AlarmKind = Type.Union(['exceedance', 'missing', 'constant', 'out_of_range', 'fault'].map((k) => Type.Literal(k)), { title: '报警类型' });
export const AlarmQuery = Type.Object(
  {
    status: Type.Optional(AlarmStatus),
    kind: Type.Optional(AlarmKind),
    regionPrefix: Type.Optional(RegionPrefix),
    pointId: Type.Optional(Uuid('监控点')),
    limit: Type.Optional(Type.Integer({ title: '条数', minimum: 1, maximum: 500 })),
    offset: Type.Optional(Type.Integer({ title: '起始位置', minimum: 0 })),
  },
  { additionalProperties: false },
);
export const AlarmAckBody = Type.Object({ version: Type.Integer({ title: '版本号', minimum: 1 }), note: Type.Optional(Type.String({ title: '说明', maxLength: 2000 })) }, { additionalProperties: false });
export const AlarmResolveBody = Type.Object({ version: Type.Integer({ title: '版本号', minimum: 1 }), resolution: Type.String({ title: '处理情况', minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
export const AlarmCaseBody = Type.Object({ version: Type.Integer({ title: '版本号', minimum: 1 }) }, { additionalProperties: false });

export const EmissionQuery = Type.Object(
  {
    month: Month,
    groupBy: Type.Optional(Type.Union([Type.Literal('city'), Type.Literal('enterprise'), Type.Literal('outlet'), Type.Literal('day')], { title: '分组' })),
    regionPrefix: Type.Optional(RegionPrefix),
    enterpriseId: Type.Optional(Uuid('企业')),
  },
  { additionalProperties: false },
);
export const RatesQuery = Type.Object(
  { month: Type.Optional(Month), day: Type.Optional(Type.String({ title: '日期', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })), regionPrefix: Type.Optional(RegionPrefix), enterpriseId: Type.Optional(Uuid('企业')) },
  { additionalProperties: false },
);
export const TaxQuery = Type.Object({ month: Month, enterpriseId: Type.Optional(Uuid('企业')), regionPrefix: Type.Optional(RegionPrefix) }, { additionalProperties: false });
export const MonthQuery = Type.Object({ month: Month }, { additionalProperties: false });
export const CityParams = Type.Object({ code: RegionCode });
