/**
 * Request and response schemas of the macro-economy API (TypeBox).
 */
import { Type } from '@sinclair/typebox';
import { FREQUENCIES } from './model.ts';

const Uuid = (title: string) => Type.String({ title, pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const Code = Type.String({ title: '指标代码', pattern: '^[A-Za-z][A-Za-z0-9_]{1,39}$' });
const RegionCode = Type.String({ title: '地区代码', pattern: '^[0-9]{6}$' });
const Period = Type.String({ title: '时期', pattern: '^[0-9]{4}(Q[1-4]|-(0[1-9]|1[0-2]))?$', description: '年 2024 / 季 2024Q1 / 月 2024-03' });
const Frequency = Type.Union(FREQUENCIES.map((f) => Type.Literal(f)), { title: '频度', description: 'year 年度 / quarter 季度 / month 月度' });

export const IndicatorParams = Type.Object({ code: Code });

export const IndicatorBody = Type.Object(
  {
    code: Code,
    name: Type.String({ title: '指标名称', minLength: 1, maxLength: 100 }),
    unit: Type.String({ title: '计量单位', minLength: 1, maxLength: 30 }),
    frequency: Frequency,
    sourceUnitId: Uuid('来源部门'),
    definition: Type.Optional(Type.String({ title: '指标解释', maxLength: 5000 })),
    decimals: Type.Optional(Type.Integer({ title: '小数位数', minimum: 0, maximum: 6 })),
  },
  { additionalProperties: false },
);

export const IndicatorPatchBody = Type.Partial(Type.Omit(IndicatorBody, ['code']), { additionalProperties: false });

export const IndicatorListQuery = Type.Object({ q: Type.Optional(Type.String({ title: '指标名称或代码', maxLength: 100 })) });

export const ValueBody = Type.Object(
  {
    indicatorCode: Code,
    regionCode: RegionCode,
    period: Period,
    value: Type.Union([Type.Number(), Type.String({ maxLength: 30 })], { title: '数值' }),
    note: Type.Optional(Type.String({ title: '附注', maxLength: 200 })),
    reason: Type.Optional(Type.String({ title: '录入或修订原因', maxLength: 500, description: '修订已有数据时必填' })),
  },
  { additionalProperties: false },
);

export const ValuesQuery = Type.Object({
  indicator: Code,
  regions: Type.Optional(Type.String({ title: '地区代码', description: '多个用逗号分隔', pattern: '^[0-9]{6}(,[0-9]{6}){0,199}$' })),
  from: Type.Optional(Period),
  to: Type.Optional(Period),
});

export const HistoryQuery = Type.Object({ indicator: Code, region: RegionCode, period: Period });
export const CompareQuery = Type.Object({ indicator: Code, period: Period, parent: Type.Optional(RegionCode) });

export const IndicatorSchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  unit: Type.String(),
  frequency: Type.String(),
  frequencyLabel: Type.String(),
  sourceUnitId: Type.Union([Type.String(), Type.Null()]),
  sourceUnitName: Type.String(),
  definition: Type.String(),
  decimals: Type.Integer(),
  isDemo: Type.Boolean(),
  version: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const ObservationSchema = Type.Object({
  indicatorCode: Type.String(),
  regionCode: Type.String(),
  regionName: Type.String(),
  period: Type.String(),
  value: Type.String({ description: '十进制数值 (字符串, 不丢精度)' }),
  note: Type.String(),
  revision: Type.Integer(),
  reason: Type.String(),
  recordedByName: Type.String(),
  recordedAt: Type.String(),
  importJobId: Type.Union([Type.String(), Type.Null()]),
  isDemo: Type.Boolean({ description: 'true: 演示数据, 非官方统计' }),
});

export const HistorySchema = Type.Array(
  Type.Object({
    revision: Type.Integer(),
    value: Type.String(),
    note: Type.String(),
    reason: Type.String(),
    recordedByName: Type.String(),
    recordedAt: Type.String(),
    supersededAt: Type.Union([Type.String(), Type.Null()]),
    supersededByName: Type.Union([Type.String(), Type.Null()]),
    supersededReason: Type.Union([Type.String(), Type.Null()]),
  }),
);
