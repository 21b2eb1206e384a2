/**
 * Request and response schemas of the directory API (they appear in OpenAPI at /api/docs) and of
 * the workbench forms. Every property has a Chinese `title`, so validation messages name the field.
 * Enumerations are plain strings with `enum` (one clear message when wrong); the services check
 * them again, since they are also called without HTTP.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { DIRECTIONS, LINK_STATUSES, NETWORKS, REGION_LEVELS, UNIT_STATUSES, UNIT_TYPES } from './model.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const enumOf = (values: readonly string[], title: string, description?: string) => Type.String({ enum: [...values], title, description });
const Uuid = (title: string) => Type.String({ title, pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const RegionCode = (title: string) => Type.String({ title, pattern: '^[0-9]{6}$', description: 'GB/T 2260 六位行政区划代码' });
const DateString = (title: string) => Type.String({ title, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' });

// --- regions -------------------------------------------------------------------------------------

export const RegionSchema = Type.Object(
  {
    code: Type.String({ title: '行政区划代码' }),
    name: Type.String({ title: '区划名称' }),
    level: enumOf(REGION_LEVELS, '层级', 'province 省 / prefecture 地级 / county 县级'),
    parentCode: Nullable(Type.String({ title: '上级区划代码' })),
    subtreePrefix: Type.String({ title: '下辖区划代码前缀' }),
    kind: Type.String({ title: '类型' }),
    source: Type.String({ title: '数据来源' }),
    active: Type.Boolean({ title: '是否现行有效' }),
  },
  { title: '行政区划' },
);

export const RegionListQuery = Type.Object(
  {
    parent: Type.Optional(RegionCode('上级区划代码')),
    level: Type.Optional(enumOf(REGION_LEVELS, '层级')),
    q: Type.Optional(Type.String({ title: '名称或代码', maxLength: 50 })),
  },
  { additionalProperties: false },
);

export const RegionCodeParams = Type.Object({ code: RegionCode('行政区划代码') });

// --- units ---------------------------------------------------------------------------------------

export const UnitSchema = Type.Object(
  {
    id: Type.String({ title: '单位标识' }),
    name: Type.String({ title: '单位名称' }),
    shortName: Nullable(Type.String({ title: '简称' })),
    unitType: enumOf(UNIT_TYPES, '单位类型'),
    parentId: Nullable(Type.String({ title: '上级单位标识' })),
    parentName: Nullable(Type.String({ title: '上级单位名称' })),
    regionCode: Type.String({ title: '行政区划代码' }),
    regionName: Type.String({ title: '区划名称' }),
    regionLabel: Type.String({ title: '区划全称' }),
    uscc: Nullable(Type.String({ title: '统一社会信用代码' })),
    status: enumOf(UNIT_STATUSES, '状态', 'active 正常 / inactive 已停用'),
    isDemo: Type.Boolean({ title: '演示数据' }),
    createdAt: Type.String({ title: '创建时间', format: 'date-time' }),
    updatedAt: Type.String({ title: '最后修改时间', format: 'date-time' }),
  },
  { title: '政府机构' },
);

const unitFields = {
  name: Type.String({ title: '单位名称', minLength: 2, maxLength: 100 }),
  shortName: Type.String({ title: '简称', maxLength: 50 }),
  unitType: enumOf(UNIT_TYPES, '单位类型', 'party_committee 党委 / government 人民政府 / department 政府部门 / congress 人大 / cppcc 政协 / court 法院 / procuratorate 检察院 / institution 事业单位 / other 其他'),
  regionCode: RegionCode('所在行政区划'),
  parentId: Uuid('上级单位'),
  uscc: Type.String({ title: '统一社会信用代码', maxLength: 32, description: 'GB 32100, 18 位, 校验码会被核验' }),
};

export const UnitCreateBody = Type.Object(
  {
    name: unitFields.name,
    shortName: Type.Optional(unitFields.shortName),
    unitType: unitFields.unitType,
    regionCode: unitFields.regionCode,
    parentId: Type.Optional(unitFields.parentId),
    uscc: Type.Optional(unitFields.uscc),
  },
  { additionalProperties: false, title: '新增单位' },
);

export const UnitPatchBody = Type.Object(
  {
    name: Type.Optional(unitFields.name),
    shortName: Type.Optional(Nullable(unitFields.shortName)),
    unitType: Type.Optional(unitFields.unitType),
    regionCode: Type.Optional(unitFields.regionCode),
    parentId: Type.Optional(Nullable(unitFields.parentId)),
    uscc: Type.Optional(Nullable(unitFields.uscc)),
  },
  { additionalProperties: false, title: '修改单位 (未给出的字段不变, null 清空)' },
);

export const UnitListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ title: '关键词', maxLength: 100, description: '匹配名称、简称或统一社会信用代码' })),
    region: Type.Optional(RegionCode('行政区划')),
    unitType: Type.Optional(enumOf(UNIT_TYPES, '单位类型')),
    status: Type.Optional(enumOf(UNIT_STATUSES, '状态')),
    page: Type.Optional(Type.Integer({ title: '页码', minimum: 1, maximum: 100000 })),
    pageSize: Type.Optional(Type.Integer({ title: '每页条数', minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);

export const UnitExportQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ title: '关键词', maxLength: 100 })),
    region: Type.Optional(RegionCode('行政区划')),
    unitType: Type.Optional(enumOf(UNIT_TYPES, '单位类型')),
    status: Type.Optional(enumOf(UNIT_STATUSES, '状态')),
  },
  { additionalProperties: false },
);

export const StatusChangeBody = Type.Object(
  { reason: Type.Optional(Type.String({ title: '原因', maxLength: 500 })) },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Uuid('标识') });

export const ImportResultSchema = Type.Object({
  rows: Type.Integer({ title: '数据行数' }),
  created: Type.Integer({ title: '新增' }),
  updated: Type.Integer({ title: '更新' }),
  unchanged: Type.Integer({ title: '未变化' }),
});

export const HistoryEntrySchema = Type.Object({
  occurredAt: Type.String({ title: '时间', format: 'date-time' }),
  actorName: Type.String({ title: '操作者' }),
  action: Type.String({ title: '操作' }),
  details: Type.String({ title: '变更内容 (JSON)' }),
  result: Type.String({ title: '结果' }),
});

// --- network links -------------------------------------------------------------------------------

export const LinkSchema = Type.Object(
  {
    id: Type.String({ title: '接入记录标识' }),
    unitId: Type.String({ title: '单位标识' }),
    unitName: Type.String({ title: '单位名称' }),
    unitStatus: Type.String({ title: '单位状态' }),
    regionCode: Type.String({ title: '行政区划代码' }),
    regionLabel: Type.String({ title: '区划全称' }),
    network: enumOf(NETWORKS, '网络', 'party_intranet 党委内网 / gov_intranet 政务内网 / gov_extranet 政务外网'),
    direction: enumOf(DIRECTIONS, '接入方式', 'vertical 纵向 / horizontal 横向'),
    connectedSince: Type.String({ title: '开通日期' }),
    bandwidthMbps: Nullable(Type.Integer({ title: '带宽 (Mbps)' })),
    status: enumOf(LINK_STATUSES, '状态', 'active 在用 / suspended 暂停 / disconnected 已断开'),
    note: Nullable(Type.String({ title: '备注' })),
    isDemo: Type.Boolean({ title: '演示数据' }),
    createdAt: Type.String({ title: '创建时间', format: 'date-time' }),
    updatedAt: Type.String({ title: '最后修改时间', format: 'date-time' }),
  },
  { title: '网络接入' },
);

const linkFields = {
  direction: enumOf(DIRECTIONS, '接入方式'),
  connectedSince: DateString('开通日期'),
  bandwidthMbps: Type.Integer({ title: '带宽 (Mbps)', minimum: 1, maximum: 1000000 }),
  status: enumOf(LINK_STATUSES, '状态'),
  note: Type.String({ title: '备注', maxLength: 500 }),
};

export const LinkCreateBody = Type.Object(
  {
    unitId: Uuid('单位'),
    network: enumOf(NETWORKS, '网络'),
    direction: linkFields.direction,
    connectedSince: linkFields.connectedSince,
    bandwidthMbps: Type.Optional(linkFields.bandwidthMbps),
    status: Type.Optional(linkFields.status),
    note: Type.Optional(linkFields.note),
  },
  { additionalProperties: false, title: '新增网络接入' },
);

export const LinkPatchBody = Type.Object(
  {
    direction: Type.Optional(linkFields.direction),
    connectedSince: Type.Optional(linkFields.connectedSince),
    bandwidthMbps: Type.Optional(Nullable(linkFields.bandwidthMbps)),
    status: Type.Optional(linkFields.status),
    note: Type.Optional(Nullable(linkFields.note)),
  },
  { additionalProperties: false, title: '修改网络接入 (未给出的字段不变, null 清空)' },
);

export const LinkListQuery = Type.Object(
  {
    unitId: Type.Optional(Uuid('单位')),
    network: Type.Optional(enumOf(NETWORKS, '网络')),
    status: Type.Optional(enumOf(LINK_STATUSES, '状态')),
    region: Type.Optional(RegionCode('行政区划')),
    q: Type.Optional(Type.String({ title: '单位名称关键词', maxLength: 100 })),
    page: Type.Optional(Type.Integer({ title: '页码', minimum: 1, maximum: 100000 })),
    pageSize: Type.Optional(Type.Integer({ title: '每页条数', minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);

/** The link form of the workbench (the unit comes from the URL). */
export const LinkForm = Type.Object({
  network: enumOf(NETWORKS, '网络'),
  direction: linkFields.direction,
  connectedSince: linkFields.connectedSince,
  bandwidthMbps: Type.Optional(linkFields.bandwidthMbps),
  status: Type.Optional(linkFields.status),
  note: Type.Optional(linkFields.note),
});

export const LinkEditForm = Type.Object({
  direction: linkFields.direction,
  connectedSince: linkFields.connectedSince,
  bandwidthMbps: Type.Optional(linkFields.bandwidthMbps),
  status: linkFields.status,
  note: Type.Optional(linkFields.note),
});

// --- coverage ------------------------------------------------------------------------------------

const CellSchema = Type.Object({
  connected: Type.Integer({ title: '已接入' }),
  total: Type.Integer({ title: '总数' }),
  percent: Nullable(Type.Number({ title: '接入率 (%)' })),
});

export const CoverageSchema = Type.Object(
  {
    scopeLabel: Type.String({ title: '统计范围' }),
    departmentsLabel: Type.String({ title: '部门口径' }),
    networks: Type.Array(
      Type.Object({
        network: enumOf(NETWORKS, '网络'),
        label: Type.String({ title: '网络名称' }),
        prefecture: CellSchema,
        county: CellSchema,
        departments: CellSchema,
        summary: Type.String({ title: '摘要' }),
      }),
    ),
  },
  { title: '网络覆盖情况' },
);

export const pageOf = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ title: '总条数' }),
    page: Type.Integer({ title: '页码' }),
    pageSize: Type.Integer({ title: '每页条数' }),
  });
