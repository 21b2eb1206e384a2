/**
 * Names, labels and shapes of the spatial geography module (自然资源和空间地理基础信息库): scopes,
 * roles, layer kinds, events, rows as stored.
 */
import type { DemoStaffDefinition, RoleDefinition } from '../../platform/module.ts';

export const SCOPES = {
  read: 'geography.read',
  layerManage: 'geography.layer.manage',
} as const;

export const SCOPE_DESCRIPTIONS: Record<(typeof SCOPES)[keyof typeof SCOPES], string> = {
  'geography.read': '查看空间地理数据 (图层、要素、地图) 并进行空间查询 (全省范围)',
  'geography.layer.manage': '新建和修改本辖区单位维护的图层, 导入 GeoJSON 和 Shapefile 要素',
};

export const LAYER_KINDS = ['admin_boundary', 'land_use', 'forest', 'water', 'poi', 'other'] as const;
export type LayerKind = (typeof LAYER_KINDS)[number];
export const LAYER_KIND_LABELS: Record<LayerKind, string> = {
  admin_boundary: '行政区划',
  land_use: '土地利用',
  forest: '森林资源',
  water: '水体',
  poi: '兴趣点',
  other: '其他',
};

export const IMPORT_MODES = ['upsert', 'replace'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];
export const IMPORT_MODE_LABELS: Record<ImportMode, string> = { upsert: '按要素编号新增或更新', replace: '替换图层的全部要素' };

/** Code of the layer `regionAt` answers from: the prefecture-level administrative boundaries. */
export const PREFECTURE_LAYER = 'admin-prefecture';
/** Shown wherever schematic geometry is displayed. */
export const SCHEMATIC_NOTE = '示意性边界, 非测绘成果';

/** Features per import at most (one transaction; larger sets are split by the sender). */
export const MAX_IMPORT_FEATURES = 200_000;
/** Bytes of an uploaded file at most. */
export const IMPORT_LIMIT_BYTES = 50 * 1024 * 1024;

export const EVENTS = {
  layerCreated: 'geography.layer.created',
  layerUpdated: 'geography.layer.updated',
  featuresImported: 'geography.features.imported',
  featureDeleted: 'geography.feature.deleted',
} as const;

export interface LayerRow {
  id: string;
  code: string;
  name: string;
  kind: LayerKind;
  description: string;
  source: string;
  owner_unit_id: string | null;
  owner_unit_name: string;
  region_code: string;
  is_schematic: boolean;
  is_demo: boolean;
  feature_count: number;
  max_width: number;
  max_height: number;
  version: number;
  created_by_name: string;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface FeatureRow {
  id: string;
  layer_id: string;
  feature_key: string;
  name: string;
  region_code: string | null;
  geometry_type: string;
  geometry: unknown;
  properties: Record<string, unknown>;
  min_lng: number;
  min_lat: number;
  max_lng: number;
  max_lat: number;
  label_x: number;
  label_y: number;
  area_km2: number | null;
  vertex_count: number;
  version: number;
  import_id: string | null;
  is_demo: boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

export const iso = (d: Date | string): string => new Date(d).toISOString();

export const GEOGRAPHY_ROLES: RoleDefinition[] = [
  { code: 'geo_reader', name: '空间地理数据查询员', description: '查看图层和地图, 进行空间查询', requiresMfa: false, scopes: [SCOPES.read] },
  { code: 'geo_editor', name: '空间地理数据维护员', description: '维护本单位的图层, 导入要素', requiresMfa: false, scopes: [SCOPES.read, SCOPES.layerManage] },
];

export const GEOGRAPHY_DEMO_STAFF: DemoStaffDefinition[] = [
  { login: 'hnziran', name: '省自然资源厅数据维护员 (演示)', role: 'geo_editor', unit: { regionCode: '410000', unitType: 'department', name: '河南省自然资源厅' }, totp: false },
  { login: 'zzdili', name: '郑州市空间数据查询员 (演示)', role: 'geo_reader', unit: { regionCode: '410100', unitType: 'government' }, totp: false },
];
