/**
 * Seeds. Reference (every start, only while missing): the layer of the 18 prefecture-level units
 * with SCHEMATIC boundaries (示意性边界, 非测绘成果), so `regionAt` answers from the first start;
 * an administrator replaces it by importing surveyed boundaries (mode replace) and clearing the
 * schematic flag. Demo (first start): a few land-use parcels (one with a hole, one multipolygon),
 * forests, water bodies (areas and a river line) and points of interest, all flagged demo.
 */
import type { Ctx } from '../../../platform/context.ts';
import { findUnit } from '../../directory/index.ts';
import { PREFECTURE_LAYER, SCHEMATIC_NOTE, type LayerKind } from '../model.ts';
import { createLayer, loadLayer } from './layers.ts';
import { importFeatures } from './import.ts';
import { schematicPrefectures } from './henan.ts';

export async function seedGeographyReference(ctx: Ctx): Promise<void> {
  if (await loadLayer(ctx, PREFECTURE_LAYER)) return;
  await createLayer(ctx, {
    code: PREFECTURE_LAYER,
    name: '河南省地级行政区 (示意)',
    kind: 'admin_boundary',
    description: `${SCHEMATIC_NOTE}。按 18 个地级行政区政府驻地的泰森多边形 (Voronoi) 在示意性省界内生成, 仅用于演示空间查询; 不得用于测量、界线认定或统计。导入测绘部门的正式界线后请替换。`,
    source: '示意 (按政府驻地生成)',
    isSchematic: true,
  });
  await importFeatures(ctx, { layerCode: PREFECTURE_LAYER, data: schematicPrefectures(), mode: 'replace', fileName: '示意性地级行政区.geojson' });
}

const rect = (x0: number, y0: number, x1: number, y1: number) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
const feature = (id: string, name: string, geometry: unknown, props: Record<string, unknown> = {}) => ({ type: 'Feature', id, geometry, properties: { name, ...props, 说明: '演示数据' } });

const DEMO_LAYERS: { code: string; name: string; kind: LayerKind; description: string; features: unknown[] }[] = [
  {
    code: 'landuse-demo',
    name: '土地利用图斑 (演示)',
    kind: 'land_use',
    description: '郑州市区附近的几个演示图斑, 非真实调查成果。',
    features: [
      feature('DK-410100-0001', '耕地图斑 0001', { type: 'Polygon', coordinates: [rect(113.8, 34.7, 113.83, 34.72)] }, { 地类: '耕地', 地类编码: '0103', 面积亩: 3300 }),
      feature('DK-410100-0002', '建设用地图斑 0002 (含保留绿地)', { type: 'Polygon', coordinates: [rect(113.7, 34.78, 113.74, 34.81), rect(113.715, 34.79, 113.725, 34.8).reverse()] }, { 地类: '城镇住宅用地', 地类编码: '0701' }),
      feature('DK-410100-0003', '林地图斑 0003 (两块)', { type: 'MultiPolygon', coordinates: [[rect(113.58, 34.68, 113.6, 34.7)], [rect(113.62, 34.68, 113.64, 34.7)]] }, { 地类: '乔木林地', 地类编码: '0301' }),
    ],
  },
  {
    code: 'forest-demo',
    name: '森林资源 (演示)',
    kind: 'forest',
    description: '伏牛山、太行山南段的示意性林区范围, 非森林资源调查成果。',
    features: [
      feature('LQ-001', '伏牛山林区 (示意)', { type: 'Polygon', coordinates: [[[111.4, 33.5], [112.0, 33.35], [112.6, 33.55], [112.4, 33.9], [111.7, 34.0], [111.4, 33.5]]] }, { 林区类型: '天然林' }),
      feature('LQ-002', '太行山南段林区 (示意)', { type: 'Polygon', coordinates: [[[113.35, 35.35], [113.75, 35.55], [113.85, 36.1], [113.6, 36.15], [113.4, 35.7], [113.35, 35.35]]] }, { 林区类型: '天然次生林' }),
    ],
  },
  {
    code: 'water-demo',
    name: '水体 (演示)',
    kind: 'water',
    description: '示意性的水库范围和河段, 非水利普查成果。',
    features: [
      feature('SK-001', '丹江口水库 (河南部分, 示意)', { type: 'Polygon', coordinates: [[[111.45, 32.62], [111.62, 32.6], [111.75, 32.72], [111.66, 32.85], [111.5, 32.8], [111.45, 32.62]]] }, { 类型: '水库', 用途: '南水北调中线水源' }),
      feature('SK-002', '小浪底水库 (示意)', { type: 'Polygon', coordinates: [[[112.05, 34.98], [112.2, 34.92], [112.4, 34.93], [112.38, 35.02], [112.15, 35.05], [112.05, 34.98]]] }, { 类型: '水库' }),
      feature('HL-001', '黄河郑州段 (示意)', { type: 'LineString', coordinates: [[113.2, 34.93], [113.45, 34.94], [113.65, 34.92], [113.9, 34.9], [114.1, 34.88]] }, { 类型: '河流' }),
    ],
  },
  {
    code: 'poi-demo',
    name: '兴趣点 (演示)',
    kind: 'poi',
    description: '几个公众熟知地点的近似位置, 演示最近要素查询。',
    features: [
      feature('POI-001', '郑州东站', { type: 'Point', coordinates: [113.7787, 34.7597] }, { 类别: '交通枢纽' }),
      feature('POI-002', '河南博物院', { type: 'Point', coordinates: [113.6734, 34.7883] }, { 类别: '博物馆' }),
      feature('POI-003', '龙门石窟', { type: 'Point', coordinates: [112.4741, 34.5578] }, { 类别: '世界文化遗产' }),
      feature('POI-004', '少林寺', { type: 'Point', coordinates: [112.9353, 34.5078] }, { 类别: '世界文化遗产' }),
      feature('POI-005', '殷墟', { type: 'Point', coordinates: [114.3097, 36.1276] }, { 类别: '世界文化遗产' }),
      feature('POI-006', '云台山', { type: 'Point', coordinates: [113.4386, 35.4213] }, { 类别: '风景名胜区' }),
      feature('POI-007', '清明上河园', { type: 'Point', coordinates: [114.338, 34.8132] }, { 类别: '旅游景区' }),
      feature('POI-008', '南湾湖', { type: 'Point', coordinates: [114.0167, 32.1267] }, { 类别: '风景名胜区' }),
    ],
  },
];

export async function seedGeographyDemo(ctx: Ctx): Promise<void> {
  const owner = await findUnit(ctx, { regionCode: '410000', unitType: 'department', name: '河南省自然资源厅' });
  for (const l of DEMO_LAYERS) {
    if (await loadLayer(ctx, l.code)) continue;
    await createLayer(ctx, { code: l.code, name: l.name, kind: l.kind, description: l.description, source: '演示数据', ownerUnitId: owner?.id, isDemo: true });
    await importFeatures(ctx, { layerCode: l.code, data: { type: 'FeatureCollection', features: l.features }, mode: 'replace', fileName: `${l.code}.geojson`, isDemo: true });
  }
}
