/**
 * Request and response schemas of the geography API (TypeBox): validation, OpenAPI and, for forms,
 * the same Chinese messages through parseInput.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { IMPORT_MODES, LAYER_KINDS } from './model.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Uuid = (title: string) => Type.String({ title, pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });

export const Crs = Type.Union([Type.Literal('wgs84'), Type.Literal('cgcs2000'), Type.Literal('gcj02')], {
  title: '坐标系',
  description: 'wgs84 / cgcs2000 (按 WGS84 处理, 两者差异在厘米级) / gcj02 (国测局坐标, 国内网络地图); 默认 wgs84',
});
const LayerCode = Type.String({ title: '图层代码', pattern: '^[a-z][a-z0-9_-]{1,49}$' });
const LayerList = Type.String({ title: '图层', description: '图层代码, 多个用逗号分隔', pattern: '^[a-z][a-z0-9_-]{1,49}(,[a-z][a-z0-9_-]{1,49}){0,19}$' });
const Lng = Type.Number({ title: '经度', minimum: -180, maximum: 180 });
const Lat = Type.Number({ title: '纬度', minimum: -90, maximum: 90 });
const Kind = Type.Union(LAYER_KINDS.map((k) => Type.Literal(k)), { title: '图层类别', description: 'admin_boundary 行政区划 / land_use 土地利用 / forest 森林 / water 水体 / poi 兴趣点 / other 其他' });

export const LayerParams = Type.Object({ code: LayerCode });
export const FeatureParams = Type.Object({ id: Uuid('要素标识') });

export const LayerBody = Type.Object(
  {
    code: LayerCode,
    name: Type.String({ title: '图层名称', minLength: 1, maxLength: 100 }),
    kind: Kind,
    description: Type.Optional(Type.String({ title: '说明', maxLength: 2000 })),
    source: Type.Optional(Type.String({ title: '数据来源', maxLength: 200 })),
    isSchematic: Type.Optional(Type.Boolean({ title: '示意性数据' })),
    ownerUnitId: Type.Optional(Uuid('维护单位')),
  },
  { additionalProperties: false },
);

export const LayerPatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ title: '图层名称', minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.String({ title: '说明', maxLength: 2000 })),
    source: Type.Optional(Type.String({ title: '数据来源', maxLength: 200 })),
    isSchematic: Type.Optional(Type.Boolean({ title: '示意性数据' })),
  },
  { additionalProperties: false },
);

export const ImportBody = Type.Object(
  {
    mode: Type.Optional(Type.Union(IMPORT_MODES.map((m) => Type.Literal(m)), { title: '导入方式', description: 'upsert 按要素编号新增或更新 (默认) / replace 替换图层全部要素' })),
    crs: Type.Optional(Crs),
    keyProperty: Type.Optional(Type.String({ title: '要素编号属性', maxLength: 50, description: '默认取要素的 id, 其次属性 code / id / 编号; 都没有时按内容生成' })),
    fileName: Type.Optional(Type.String({ title: '文件名', maxLength: 200 })),
    data: Type.Unknown({ title: 'GeoJSON', description: 'GeoJSON FeatureCollection (或单个 Feature), 经纬度坐标' }),
  },
  { additionalProperties: false },
);

export const ListFeaturesQuery = Type.Object({
  q: Type.Optional(Type.String({ title: '名称、编号或区划代码', maxLength: 100 })),
  page: Type.Optional(Type.Integer({ title: '页码', minimum: 1, maximum: 100_000 })),
  pageSize: Type.Optional(Type.Integer({ title: '每页条数', minimum: 1, maximum: 500 })),
});

export const CrsQuery = Type.Object({ crs: Type.Optional(Crs) });

export const PointQuery = Type.Object({
  lng: Lng,
  lat: Lat,
  crs: Type.Optional(Crs),
  layer: Type.Optional(LayerCode),
});

export const BboxQuery = Type.Object({
  layers: LayerList,
  bbox: Type.String({ title: '外包矩形', description: '最小经度,最小纬度,最大经度,最大纬度', pattern: '^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$' }),
  crs: Type.Optional(Crs),
  limit: Type.Optional(Type.Integer({ title: '最多返回条数', minimum: 1, maximum: 10_000 })),
  geometry: Type.Optional(Type.Boolean({ title: '返回几何' })),
});

export const PolygonBody = Type.Object(
  {
    layers: Type.Array(LayerCode, { title: '图层', minItems: 1, maxItems: 20 }),
    geometry: Type.Unknown({ title: '查询范围', description: 'GeoJSON Polygon 或 MultiPolygon' }),
    crs: Type.Optional(Crs),
    limit: Type.Optional(Type.Integer({ title: '最多返回条数', minimum: 1, maximum: 10_000 })),
    withGeometry: Type.Optional(Type.Boolean({ title: '返回几何' })),
  },
  { additionalProperties: false },
);

export const NearestQuery = Type.Object({
  layers: LayerList,
  lng: Lng,
  lat: Lat,
  k: Type.Optional(Type.Integer({ title: '返回个数', minimum: 1, maximum: 100 })),
  maxDistance: Type.Optional(Type.Number({ title: '最大距离 (米)', minimum: 0, maximum: 20_000_000 })),
  crs: Type.Optional(Crs),
  geometry: Type.Optional(Type.Boolean({ title: '返回几何' })),
});

export const ConvertQuery = Type.Object({
  lng: Lng,
  lat: Lat,
  from: Crs,
  to: Crs,
});

// ---- responses ---------------------------------------------------------------------------------

export const LayerSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  kindLabel: Type.String(),
  description: Type.String(),
  source: Type.String(),
  ownerUnitName: Type.String(),
  regionCode: Type.String(),
  isSchematic: Type.Boolean({ description: 'true: 示意性数据, 非测绘成果' }),
  isDemo: Type.Boolean(),
  featureCount: Type.Integer(),
  version: Type.Integer(),
  createdByName: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const FeatureSchema = Type.Object({
  id: Type.String(),
  layerCode: Type.String(),
  key: Type.String(),
  name: Type.String(),
  regionCode: Nullable(Type.String()),
  geometryType: Type.String(),
  bbox: Type.Array(Type.Number()),
  label: Type.Array(Type.Number()),
  areaKm2: Nullable(Type.Number()),
  properties: Type.Record(Type.String(), Type.Unknown()),
  isDemo: Type.Boolean(),
  isSchematic: Type.Boolean(),
  version: Type.Integer(),
  updatedAt: Type.String(),
  geometry: Type.Optional(Type.Unknown()),
  distanceM: Type.Optional(Type.Number()),
});

export const FeaturePageSchema = Type.Object({ items: Type.Array(FeatureSchema), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer() });
export const QueryResultSchema = Type.Object({ items: Type.Array(FeatureSchema), truncated: Type.Boolean() });
export const RegionHitSchema = Type.Object({
  region: Nullable(Type.Object({ regionCode: Type.String(), name: Type.String(), featureId: Type.String(), layerCode: Type.String(), isSchematic: Type.Boolean() })),
});
export const ImportResultSchema = Type.Object({ importId: Type.String(), featureCount: Type.Integer(), inserted: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer(), deleted: Type.Integer() });
