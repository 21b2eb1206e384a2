/**
 * Spatial queries. The database narrows the candidates by bounding box (B-tree on
 * (layer_id, min_lng, min_lat), bounded below by the layer's largest feature extent); the exact test
 * runs here on the GeoJSON (geometry.ts). Reads need no scope in the service: the routes require
 * geography.read, and other modules call `regionAt` as a public service.
 */
import type { Ctx } from '../../../platform/context.ts';
import { badRequest, notFound } from '../../../platform/errors.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import {
  bboxOf,
  bboxPolygon,
  degreesAround,
  distanceToGeometry,
  geometriesIntersect,
  geometryContainsPoint,
  validateGeometry,
  type BBox,
  type Geometry,
} from '../geometry.ts';
import { fromStorage, mapPositions, toStorage, type CoordinateSystem } from '../gcj02.ts';
import { PREFECTURE_LAYER, iso, type FeatureRow, type LayerRow } from '../model.ts';
import { layerNotFound } from './layers.ts';

export interface FeatureView {
  id: string;
  layerCode: string;
  key: string;
  name: string;
  regionCode: string | null;
  geometryType: string;
  bbox: BBox;
  label: [number, number];
  areaKm2: number | null;
  properties: Record<string, unknown>;
  isDemo: boolean;
  isSchematic: boolean;
  version: number;
  updatedAt: string;
  geometry?: Geometry;
  /** Metres from the query point (nearest queries). */
  distanceM?: number;
}

type Row = FeatureRow & { layer_code: string; is_schematic: boolean };

const COLUMNS = sql`f.id, f.layer_id, f.feature_key, f.name, f.region_code, f.geometry_type, f.geometry, f.properties, f.min_lng, f.min_lat, f.max_lng, f.max_lat, f.label_x, f.label_y,
  f.area_km2, f.vertex_count, f.version, f.import_id, f.is_demo, f.created_at, f.updated_at`;
const COLUMNS_NO_GEOMETRY = sql`f.id, f.layer_id, f.feature_key, f.name, f.region_code, f.geometry_type, f.properties, f.min_lng, f.min_lat, f.max_lng, f.max_lat, f.label_x, f.label_y,
  f.area_km2, f.vertex_count, f.version, f.import_id, f.is_demo, f.created_at, f.updated_at`;

const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

function toView(r: Row, layer: { code: string; is_schematic: boolean }, opts: { geometry?: boolean; crs?: CoordinateSystem } = {}): FeatureView {
  const crs = opts.crs ?? 'wgs84';
  const out = (p: number[]) => fromStorage(p, crs);
  const box: BBox = [Number(r.min_lng), Number(r.min_lat), Number(r.max_lng), Number(r.max_lat)];
  const lo = out([box[0], box[1]]);
  const hi = out([box[2], box[3]]);
  const label = out([Number(r.label_x), Number(r.label_y)]);
  const v: FeatureView = {
    id: r.id,
    layerCode: layer.code,
    key: r.feature_key,
    name: r.name,
    regionCode: r.region_code,
    geometryType: r.geometry_type,
    bbox: [lo[0], lo[1], hi[0], hi[1]],
    label: [label[0], label[1]],
    areaKm2: r.area_km2 === null ? null : Number(r.area_km2),
    properties: parseJson<Record<string, unknown>>(r.properties) ?? {},
    isDemo: r.is_demo,
    isSchematic: layer.is_schematic,
    version: Number(r.version),
    updatedAt: iso(r.updated_at),
  };
  if (opts.geometry && r.geometry) v.geometry = crs === 'wgs84' || crs === 'cgcs2000' ? parseJson<Geometry>(r.geometry) : mapPositions(parseJson<Geometry>(r.geometry), out);
  return v;
}

/** Layers by code, in the order given; unknown codes are refused. */
export async function layersByCode(ctx: Ctx, codes: string[]): Promise<LayerRow[]> {
  const unique = [...new Set(codes)];
  if (unique.length === 0) throw badRequest('validation_failed', '请指定至少一个图层', [{ field: 'layers', message: '请指定至少一个图层' }]);
  const rows = await queryRows<LayerRow>(ctx.db, sql`SELECT * FROM geography.layers WHERE code IN ${unique}`);
  const missing = unique.filter((c) => !rows.some((r) => r.code === c));
  if (missing.length) throw badRequest('layer_not_found', `图层不存在: ${missing.join('、')}`, [{ field: 'layers', message: `图层不存在: ${missing.join('、')}` }]);
  return unique.map((c) => rows.find((r) => r.code === c)!);
}

/**
 * The bounding-box prefilter alone: features of the layer whose box meets `box` (degrees, storage
 * frame). Exported for the benchmark's reference figure.
 */
export async function bboxCandidates(ctx: Ctx, layer: LayerRow, box: BBox, opts: { geometry?: boolean; limit?: number } = {}): Promise<Row[]> {
  const w = Number(layer.max_width);
  const h = Number(layer.max_height);
  return queryRows<Row>(
    ctx.db,
    sql`SELECT ${opts.geometry === false ? COLUMNS_NO_GEOMETRY : COLUMNS} FROM geography.features f
      WHERE f.layer_id = ${layer.id}
        AND f.min_lng BETWEEN ${box[0] - w}::float8 AND ${box[2]}::float8 AND f.min_lat BETWEEN ${box[1] - h}::float8 AND ${box[3]}::float8
        AND f.max_lng >= ${box[0]}::float8 AND f.max_lat >= ${box[1]}::float8
      ORDER BY f.feature_key
      ${opts.limit ? sql`LIMIT ${opts.limit}` : sql``}`,
  );
}

function inputPoint(p: { lng: number; lat: number; crs?: CoordinateSystem }): [number, number] {
  if (!Number.isFinite(p.lng) || !Number.isFinite(p.lat) || p.lng < -180 || p.lng > 180 || p.lat < -90 || p.lat > 90) {
    throw badRequest('validation_failed', '经度应在 -180 至 180 之间, 纬度应在 -90 至 90 之间', [{ field: 'lng', message: '经纬度超出范围' }]);
  }
  const s = toStorage([p.lng, p.lat], p.crs ?? 'wgs84');
  return [s[0], s[1]];
}

/** Features of areal layers that contain the point (boundary included), in layer order then key. */
export async function featuresContaining(ctx: Ctx, input: { layers: string[]; lng: number; lat: number; crs?: CoordinateSystem; geometry?: boolean }): Promise<FeatureView[]> {
  const p = inputPoint(input);
  const out: FeatureView[] = [];
  for (const layer of await layersByCode(ctx, input.layers)) {
    for (const r of await bboxCandidates(ctx, layer, [p[0], p[1], p[0], p[1]])) {
      if (geometryContainsPoint(parseJson<Geometry>(r.geometry), p)) out.push(toView(r, layer, { geometry: input.geometry, crs: input.crs }));
    }
  }
  return out;
}

export interface RegionHit {
  regionCode: string;
  name: string;
  featureId: string;
  layerCode: string;
  /** The boundary is schematic (示意性边界, 非测绘成果): answers near a boundary may be wrong. */
  isSchematic: boolean;
}

/**
 * Which administrative region contains the point? Public service for other modules (no scope
 * check). Answers from the prefecture-level boundary layer unless `layer` names another
 * administrative boundary layer; on a shared boundary the smallest region code wins. Null
 * outside every region (or when the layer does not exist yet).
 */
export async function regionAt(ctx: Ctx, input: { lng: number; lat: number; crs?: CoordinateSystem; layer?: string }): Promise<RegionHit | null> {
  const code = input.layer ?? PREFECTURE_LAYER;
  const layer = await queryOne<LayerRow>(ctx.db, sql`SELECT * FROM geography.layers WHERE code = ${code}`);
  if (!layer) return null;
  const p = inputPoint(input);
  const hits = (await bboxCandidates(ctx, layer, [p[0], p[1], p[0], p[1]])).filter((r) => r.region_code && geometryContainsPoint(parseJson<Geometry>(r.geometry), p));
  hits.sort((a, b) => a.region_code!.localeCompare(b.region_code!));
  const h = hits[0];
  return h ? { regionCode: h.region_code!, name: h.name, featureId: h.id, layerCode: layer.code, isSchematic: layer.is_schematic } : null;
}

export interface QueryResult {
  items: FeatureView[];
  /** More features matched than `limit`. */
  truncated: boolean;
}

function checkBox(b: number[]): BBox {
  if (b.length !== 4 || !b.every(Number.isFinite) || b[0] > b[2] || b[1] > b[3] || b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90) {
    throw badRequest('validation_failed', '外包矩形应为「最小经度,最小纬度,最大经度,最大纬度」, 且最小值不大于最大值', [{ field: 'bbox', message: '外包矩形格式不正确' }]);
  }
  return b as BBox;
}

/** Features of the layers that share at least one point with the box. */
export async function featuresInBbox(ctx: Ctx, input: { layers: string[]; bbox: number[]; crs?: CoordinateSystem; limit?: number; geometry?: boolean }): Promise<QueryResult> {
  let box = checkBox(input.bbox);
  if (input.crs === 'gcj02') {
    const lo = toStorage([box[0], box[1]], 'gcj02');
    const hi = toStorage([box[2], box[3]], 'gcj02');
    box = [lo[0], lo[1], hi[0], hi[1]];
  }
  return featuresIntersecting(ctx, { layers: input.layers, area: bboxPolygon(box), box, isBox: true, crs: input.crs, limit: input.limit, geometry: input.geometry });
}

/** Features of the layers that share at least one point with the polygon (holes respected). */
export async function featuresInPolygon(ctx: Ctx, input: { layers: string[]; geometry: unknown; crs?: CoordinateSystem; limit?: number; withGeometry?: boolean }): Promise<QueryResult> {
  const problems = validateGeometry(input.geometry, 'geometry');
  if (problems.length) throw badRequest('validation_failed', problems.map((p) => p.message).join('; '), problems.map((p) => ({ field: p.path, message: p.message })));
  let area = input.geometry as Geometry;
  if (area.type !== 'Polygon' && area.type !== 'MultiPolygon') throw badRequest('validation_failed', '查询范围应为面 (Polygon 或 MultiPolygon)', [{ field: 'geometry.type', message: '查询范围应为面' }]);
  if (input.crs === 'gcj02') area = mapPositions(area, (p) => toStorage(p, 'gcj02'));
  return featuresIntersecting(ctx, { layers: input.layers, area, box: bboxOf(area), isBox: false, crs: input.crs, limit: input.limit, geometry: input.withGeometry });
}

async function featuresIntersecting(ctx: Ctx, input: { layers: string[]; area: Geometry; box: BBox; isBox: boolean; crs?: CoordinateSystem; limit?: number; geometry?: boolean }): Promise<QueryResult> {
  const limit = Math.max(1, Math.min(input.limit ?? 1000, 10_000));
  const items: FeatureView[] = [];
  let truncated = false;
  for (const layer of await layersByCode(ctx, input.layers)) {
    for (const r of await bboxCandidates(ctx, layer, input.box)) {
      const g = parseJson<Geometry>(r.geometry);
      const fbox: BBox = [Number(r.min_lng), Number(r.min_lat), Number(r.max_lng), Number(r.max_lat)];
      const inside = input.isBox && fbox[0] >= input.box[0] && fbox[2] <= input.box[2] && fbox[1] >= input.box[1] && fbox[3] <= input.box[3];
      if (inside || geometriesIntersect(g, input.area, fbox, input.box)) {
        if (items.length >= limit) {
          truncated = true;
          break;
        }
        items.push(toView(r, layer, { geometry: input.geometry, crs: input.crs }));
      }
    }
    if (truncated) break;
  }
  return { items, truncated };
}

/**
 * The k features nearest to the point across the layers (distance 0 inside an area), within
 * `maxDistanceM` if given. Exact: the search window grows until the k-th distance found lies
 * within the window's guaranteed radius.
 */
export async function nearestFeatures(ctx: Ctx, input: { layers: string[]; lng: number; lat: number; k?: number; maxDistanceM?: number; crs?: CoordinateSystem; geometry?: boolean }): Promise<FeatureView[]> {
  const p = inputPoint(input);
  const k = Math.max(1, Math.min(input.k ?? 5, 100));
  const max = input.maxDistanceM ?? 20_000_000;
  const layers = await layersByCode(ctx, input.layers);
  const total = layers.reduce((s, l) => s + Number(l.feature_count), 0);
  let radius = Math.min(max, 2_000);
  for (;;) {
    const { dLng, dLat } = degreesAround(p[1], radius);
    const box: BBox = [Math.max(-180, p[0] - dLng), Math.max(-90, p[1] - dLat), Math.min(180, p[0] + dLng), Math.min(90, p[1] + dLat)];
    const found: { r: Row; layer: LayerRow; d: number }[] = [];
    for (const layer of layers) {
      for (const r of await bboxCandidates(ctx, layer, box)) {
        const d = distanceToGeometry(p, parseJson<Geometry>(r.geometry));
        if (d <= radius) found.push({ r, layer, d });
      }
    }
    // Everything within `radius` is in `found` (the window covers the circle).
    if (found.length >= k || radius >= max || found.length >= total) {
      found.sort((a, b) => a.d - b.d || a.r.feature_key.localeCompare(b.r.feature_key));
      return found.slice(0, k).map(({ r, layer, d }) => ({ ...toView(r, layer, { geometry: input.geometry, crs: input.crs }), distanceM: Math.round(d * 10) / 10 }));
    }
    radius = Math.min(max, radius * 4);
  }
}

export async function getFeature(ctx: Ctx, input: { id: string; crs?: CoordinateSystem }): Promise<FeatureView> {
  const r = await queryOne<Row>(ctx.db, sql`SELECT ${COLUMNS}, l.code AS layer_code, l.is_schematic FROM geography.features f JOIN geography.layers l ON l.id = f.layer_id WHERE f.id = ${input.id}`);
  if (!r) throw notFound('feature_not_found', '要素不存在');
  return toView(r, { code: r.layer_code, is_schematic: r.is_schematic }, { geometry: true, crs: input.crs });
}

export interface FeaturePage {
  items: FeatureView[];
  total: number;
  page: number;
  pageSize: number;
}

export async function listFeatures(ctx: Ctx, input: { layerCode: string; q?: string; page?: number; pageSize?: number }): Promise<FeaturePage> {
  const layer = await queryOne<LayerRow>(ctx.db, sql`SELECT * FROM geography.layers WHERE code = ${input.layerCode}`);
  if (!layer) throw layerNotFound();
  const page = Math.max(1, input.page ?? 1);
  const pageSize = Math.max(1, Math.min(input.pageSize ?? 50, 500));
  const q = input.q?.trim();
  const pattern = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const where = sql`f.layer_id = ${layer.id} AND (${pattern}::text IS NULL OR f.name LIKE ${pattern} OR f.feature_key LIKE ${pattern} OR f.region_code LIKE ${pattern})`;
  const total = await queryOne<{ n: number | string }>(ctx.db, sql`SELECT count(*) AS n FROM geography.features f WHERE ${where}`);
  const rows = await queryRows<Row>(ctx.db, sql`SELECT ${COLUMNS_NO_GEOMETRY} FROM geography.features f WHERE ${where} ORDER BY f.feature_key LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`);
  return { items: rows.map((r) => toView(r, layer)), total: Number(total?.n ?? 0), page, pageSize };
}

/** The whole layer as a GeoJSON FeatureCollection (for maps and for export), in the requested frame. */
export async function layerGeoJson(ctx: Ctx, input: { layerCode: string; crs?: CoordinateSystem; limit?: number }): Promise<{ type: 'FeatureCollection'; features: unknown[]; truncated: boolean }> {
  const layer = await queryOne<LayerRow>(ctx.db, sql`SELECT * FROM geography.layers WHERE code = ${input.layerCode}`);
  if (!layer) throw layerNotFound();
  const limit = Math.max(1, Math.min(input.limit ?? 50_000, 200_000));
  const rows = await queryRows<Row>(ctx.db, sql`SELECT ${COLUMNS} FROM geography.features f WHERE f.layer_id = ${layer.id} ORDER BY f.feature_key LIMIT ${limit + 1}`);
  const features = rows.slice(0, limit).map((r) => {
    const v = toView(r, layer, { geometry: true, crs: input.crs });
    return {
      type: 'Feature',
      id: v.key,
      geometry: v.geometry,
      properties: { ...v.properties, name: v.name, region_code: v.regionCode, ...(layer.is_schematic ? { 说明: '示意性边界, 非测绘成果' } : {}), ...(v.isDemo ? { 演示数据: true } : {}) },
    };
  });
  return { type: 'FeatureCollection', features, truncated: rows.length > limit };
}
