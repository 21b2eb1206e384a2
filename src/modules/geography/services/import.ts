/**
 * Feature import (GeoJSON FeatureCollection, or a shapefile read into one): every feature is
 * validated first (structure, geometry type, coordinate ranges, closed and simple rings, holes,
 * keys, region codes) and every problem is reported with the feature's number and the exact
 * position; a batch with any problem stores nothing (the refusal itself is logged in
 * geography.imports). A valid batch is written in one transaction: upsert by feature key
 * (idempotent: an unchanged feature is not rewritten), or replace the layer's features.
 */
import { createHash } from 'node:crypto';
import type { Ctx } from '../../../platform/context.ts';
import { AppError, type FieldProblem } from '../../../platform/errors.ts';
import { newId } from '../../../platform/ids.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { listRegions } from '../../directory/index.ts';
import { areaKm2, bboxOf, labelPoint, positions, validateGeometry, type Geometry } from '../geometry.ts';
import { mapPositions, toStorage, type CoordinateSystem } from '../gcj02.ts';
import { EVENTS, MAX_IMPORT_FEATURES, type ImportMode, type LayerRow } from '../model.ts';
import { layerForChange } from './layers.ts';

export interface ImportProblem {
  /** 1-based feature number in the file (0: the file as a whole). */
  feature: number;
  key: string | null;
  path: string;
  message: string;
}

export interface PreparedFeature {
  key: string;
  name: string;
  regionCode: string | null;
  geometry: Geometry;
  properties: Record<string, unknown>;
  bbox: [number, number, number, number];
  label: [number, number];
  areaKm2: number | null;
  vertexCount: number;
}

export interface ImportInput {
  layerCode: string;
  /** The parsed GeoJSON (a FeatureCollection, or one Feature). */
  data: unknown;
  mode?: ImportMode;
  crs?: CoordinateSystem;
  /** Property holding the feature key; default: the feature's `id`, else properties `code` / `id` / `编号`. */
  keyProperty?: string;
  fileName?: string;
  format?: 'geojson' | 'shapefile';
  isDemo?: boolean;
}

export interface ImportResult {
  importId: string;
  featureCount: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

const NAME_KEYS = ['name', '名称', 'NAME', 'Name', 'mc', 'MC'];
const REGION_KEYS = ['region_code', 'regionCode', 'adcode', '行政区划代码', 'XZQDM', 'xzqdm'];

function keyOf(f: Record<string, unknown>, props: Record<string, unknown>, keyProperty: string | undefined): string | null {
  const pick = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);
  if (keyProperty) return pick(props[keyProperty]);
  return pick(f.id) ?? pick(props.code) ?? pick(props.id) ?? pick(props['编号']);
}

/**
 * Pure: checks a parsed GeoJSON document and prepares its features for storage. `knownRegions`
 * are the GB/T 2260 codes a `region_code` may take; `requireRegion`: every feature must have one
 * (administrative boundary layers).
 */
export function prepareFeatures(
  data: unknown,
  opts: { crs: CoordinateSystem; keyProperty?: string; knownRegions: Set<string>; requireRegion: boolean },
): { features: PreparedFeature[]; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const whole = (message: string) => ({ features: [], problems: [{ feature: 0, key: null, path: '(文件)', message }] });
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return whole('文件内容不是 GeoJSON 对象');
  const doc = data as Record<string, unknown>;
  let list: unknown[];
  if (doc.type === 'FeatureCollection') {
    if (!Array.isArray(doc.features)) return whole('FeatureCollection 缺少 features 数组');
    list = doc.features;
  } else if (doc.type === 'Feature') list = [doc];
  else return whole(`GeoJSON 类型应为 FeatureCollection 或 Feature, 实际为「${String(doc.type)}」`);
  if (list.length === 0) return whole('文件中没有要素');
  if (list.length > MAX_IMPORT_FEATURES) return whole(`一次最多导入 ${MAX_IMPORT_FEATURES} 个要素, 文件中有 ${list.length} 个, 请分批导入`);
  if (doc.crs && typeof doc.crs === 'object') {
    const name = String((doc.crs as { properties?: { name?: unknown } }).properties?.name ?? '');
    if (name && !/CRS84|4326|4490|4610|WGS/i.test(name)) return whole(`文件声明的坐标系「${name}」不是经纬度坐标 (应为 CGCS2000 / WGS84 经纬度, EPSG:4490 或 4326); 投影坐标请先转换`);
  }
  const seen = new Map<string, number>();
  const features: PreparedFeature[] = [];
  list.forEach((raw, i) => {
    const n = i + 1;
    const at = `features[${i}]`;
    if (raw === null || typeof raw !== 'object' || (raw as { type?: unknown }).type !== 'Feature') {
      problems.push({ feature: n, key: null, path: at, message: `第 ${n} 个要素不是 GeoJSON Feature 对象` });
      return;
    }
    const f = raw as Record<string, unknown>;
    const propsRaw = f.properties ?? {};
    if (typeof propsRaw !== 'object' || Array.isArray(propsRaw)) {
      problems.push({ feature: n, key: null, path: `${at}.properties`, message: `第 ${n} 个要素的 properties 应为对象` });
      return;
    }
    const props = propsRaw as Record<string, unknown>;
    let key = keyOf(f, props, opts.keyProperty);
    const label = key ? `第 ${n} 个要素 (编号 ${key})` : `第 ${n} 个要素`;
    const geomProblems = validateGeometry(f.geometry, `${at}.geometry`);
    for (const p of geomProblems) problems.push({ feature: n, key, path: p.path, message: `${label}: ${p.message}` });
    if (geomProblems.length) return;
    let geometry = f.geometry as Geometry;
    if (opts.crs === 'gcj02') geometry = mapPositions(geometry, (p) => toStorage(p, 'gcj02'));
    if (!key) key = opts.keyProperty ? null : `auto-${createHash('sha256').update(JSON.stringify([geometry, props])).digest('hex').slice(0, 16)}`;
    if (!key) {
      problems.push({ feature: n, key: null, path: `${at}.properties.${opts.keyProperty}`, message: `${label}: 缺少要素编号属性「${opts.keyProperty}」` });
      return;
    }
    if (key.length > 100) {
      problems.push({ feature: n, key, path: at, message: `${label}: 要素编号不能超过 100 个字符` });
      return;
    }
    const dup = seen.get(key);
    if (dup !== undefined) {
      problems.push({ feature: n, key, path: at, message: `${label}: 要素编号与第 ${dup} 个要素重复` });
      return;
    }
    seen.set(key, n);
    const regionRaw = REGION_KEYS.map((k) => props[k]).find((v) => v !== undefined && v !== null && v !== '');
    let regionCode: string | null = regionRaw === undefined ? null : String(regionRaw).trim();
    if (regionCode === null && opts.requireRegion && /^\d{6}$/.test(key)) regionCode = key;
    if (regionCode !== null && !/^\d{6}$/.test(regionCode)) {
      problems.push({ feature: n, key, path: `${at}.properties.region_code`, message: `${label}: 行政区划代码「${regionCode}」应为 6 位数字 (GB/T 2260)` });
      return;
    }
    if (regionCode !== null && !opts.knownRegions.has(regionCode)) {
      problems.push({ feature: n, key, path: `${at}.properties.region_code`, message: `${label}: 行政区划代码 ${regionCode} 不在本省现行区划中` });
      return;
    }
    if (regionCode === null && opts.requireRegion) {
      problems.push({ feature: n, key, path: `${at}.properties.region_code`, message: `${label}: 行政区划图层的要素必须有行政区划代码 (region_code)` });
      return;
    }
    const name = String(NAME_KEYS.map((k) => props[k]).find((v) => typeof v === 'string' || typeof v === 'number') ?? '').trim().slice(0, 200);
    const pos = positions(geometry);
    const lp = labelPoint(geometry);
    features.push({
      key,
      name,
      regionCode,
      geometry,
      properties: props,
      bbox: bboxOf(geometry),
      label: [lp[0], lp[1]],
      areaKm2: geometry.type === 'Polygon' || geometry.type === 'MultiPolygon' ? areaKm2(geometry) : null,
      vertexCount: pos.length,
    });
  });
  return { features, problems };
}

/** The problems as form/API fields (at most 1000, with a final line saying how many more). */
export function problemFields(problems: ImportProblem[]): FieldProblem[] {
  const out = problems.slice(0, 1000).map((p) => ({ field: p.path, message: p.message }));
  if (problems.length > 1000) out.push({ field: '(文件)', message: `另有 ${problems.length - 1000} 处问题未列出` });
  return out;
}

async function recordFailure(ctx: Ctx, layer: LayerRow, input: ImportInput, mode: ImportMode, crs: CoordinateSystem, count: number, problems: ImportProblem[]): Promise<string> {
  const id = newId();
  // Its own transaction: the refused batch wrote nothing, but the attempt and its report are kept.
  await inTransaction({ ...ctx, tx: undefined }, async (tctx) => {
    await tctx.db.execute(sql`INSERT INTO geography.imports (id, layer_id, format, file_name, mode, source_crs, status, feature_count, errors, created_by_user_id, created_by_name, created_at)
      VALUES (${id}, ${layer.id}, ${input.format ?? 'geojson'}, ${input.fileName ?? null}, ${mode}, ${crs}, 'failed', ${count}, ${JSON.stringify(problems.slice(0, 1000))}::jsonb,
        ${tctx.actor.userId}, ${tctx.actor.name}, ${tctx.clock.now().toISOString()})`);
    audit(tctx, { action: 'geography.features.import', targetType: 'geography.layer', targetId: layer.id, targetLabel: layer.name, result: 'failure', details: { importId: id, problems: problems.length, fileName: input.fileName ?? null } });
  });
  return id;
}

const CHUNK = 500;

export async function importFeatures(ctx: Ctx, input: ImportInput): Promise<ImportResult> {
  const mode = input.mode ?? 'upsert';
  const crs = input.crs ?? 'wgs84';
  // Check the permission (and that the layer exists) before reading the data.
  const layer = await inTransaction(ctx, (tctx) => layerForChange(tctx, input.layerCode));
  const regions = await listRegions(ctx, {});
  const { features, problems } = prepareFeatures(input.data, { crs, keyProperty: input.keyProperty, knownRegions: new Set(regions.map((r) => r.code)), requireRegion: layer.kind === 'admin_boundary' });
  if (problems.length) {
    const count = Array.isArray((input.data as { features?: unknown[] } | null)?.features) ? (input.data as { features: unknown[] }).features.length : 0;
    const importId = await recordFailure(ctx, layer, input, mode, crs, count, problems);
    throw new AppError({
      code: 'import_invalid',
      status: 422,
      message: `文件有 ${problems.length} 处问题, 未导入任何要素 (导入记录 ${importId})。${problems[0].message}${problems.length > 1 ? ' 等' : ''}`,
      fields: problemFields(problems),
    });
  }
  return inTransaction(ctx, async (tctx) => {
    const locked = await layerForChange(tctx, input.layerCode);
    const importId = newId();
    const now = tctx.clock.now().toISOString();
    let inserted = 0;
    let updated = 0;
    let deleted = 0;
    if (mode === 'replace') {
      const keys = features.map((f) => f.key);
      const gone = await queryRows<{ id: string }>(tctx.db, sql`DELETE FROM geography.features WHERE layer_id = ${locked.id} AND feature_key NOT IN (SELECT jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb)) RETURNING id`);
      deleted = gone.length;
    }
    for (let i = 0; i < features.length; i += CHUNK) {
      const chunk = features.slice(i, i + CHUNK);
      const values = chunk.map(
        (f) => sql`(${newId()}::uuid, ${locked.id}::uuid, ${f.key}, ${f.name}, ${f.regionCode}, ${f.geometry.type}, ${JSON.stringify(f.geometry)}::jsonb, ${JSON.stringify(f.properties)}::jsonb,
          ${f.bbox[0]}::float8, ${f.bbox[1]}::float8, ${f.bbox[2]}::float8, ${f.bbox[3]}::float8, ${f.label[0]}::float8, ${f.label[1]}::float8, ${f.areaKm2}::float8, ${f.vertexCount}::int,
          ${importId}::uuid, ${input.isDemo ?? false}, ${now}::timestamptz, ${now}::timestamptz)`,
      );
      const rows = await queryRows<{ inserted: boolean }>(
        tctx.db,
        sql`INSERT INTO geography.features AS f (id, layer_id, feature_key, name, region_code, geometry_type, geometry, properties, min_lng, min_lat, max_lng, max_lat, label_x, label_y, area_km2, vertex_count, import_id, is_demo, created_at, updated_at)
          VALUES ${sql.join(values, sql`, `)}
          ON CONFLICT (layer_id, feature_key) DO UPDATE SET name = excluded.name, region_code = excluded.region_code, geometry_type = excluded.geometry_type, geometry = excluded.geometry,
            properties = excluded.properties, min_lng = excluded.min_lng, min_lat = excluded.min_lat, max_lng = excluded.max_lng, max_lat = excluded.max_lat, label_x = excluded.label_x, label_y = excluded.label_y,
            area_km2 = excluded.area_km2, vertex_count = excluded.vertex_count, import_id = excluded.import_id, version = f.version + 1, updated_at = excluded.updated_at
          WHERE (f.name, f.region_code, f.geometry, f.properties) IS DISTINCT FROM (excluded.name, excluded.region_code, excluded.geometry, excluded.properties)
          RETURNING (xmax = 0) AS inserted`,
      );
      for (const r of rows) if (r.inserted) inserted++;
      else updated++;
    }
    const maxW = Math.max(0, ...features.map((f) => f.bbox[2] - f.bbox[0]));
    const maxH = Math.max(0, ...features.map((f) => f.bbox[3] - f.bbox[1]));
    const counted = await queryOne<{ n: number | string; w: number | null; h: number | null }>(tctx.db, sql`SELECT count(*) AS n, max(max_lng - min_lng) AS w, max(max_lat - min_lat) AS h FROM geography.features WHERE layer_id = ${locked.id}`);
    await tctx.db.execute(sql`UPDATE geography.layers SET feature_count = ${Number(counted?.n ?? 0)},
      max_width = ${mode === 'replace' ? Number(counted?.w ?? 0) : Math.max(Number(locked.max_width), maxW)},
      max_height = ${mode === 'replace' ? Number(counted?.h ?? 0) : Math.max(Number(locked.max_height), maxH)},
      version = version + 1, updated_at = ${now} WHERE id = ${locked.id}`);
    await tctx.db.execute(sql`INSERT INTO geography.imports (id, layer_id, format, file_name, mode, source_crs, status, feature_count, inserted, updated, deleted, created_by_user_id, created_by_name, created_at)
      VALUES (${importId}, ${locked.id}, ${input.format ?? 'geojson'}, ${input.fileName ?? null}, ${mode}, ${crs}, 'done', ${features.length}, ${inserted}, ${updated}, ${deleted}, ${tctx.actor.userId}, ${tctx.actor.name}, ${now})`);
    const result: ImportResult = { importId, featureCount: features.length, inserted, updated, unchanged: features.length - inserted - updated, deleted };
    audit(tctx, { action: 'geography.features.import', targetType: 'geography.layer', targetId: locked.id, targetLabel: locked.name, details: { ...result, mode, crs, format: input.format ?? 'geojson', fileName: input.fileName ?? null } });
    await publish(tctx, { type: EVENTS.featuresImported, orderingKey: locked.id, payload: { layerId: locked.id, layerCode: locked.code, ...result, mode } });
    return result;
  });
}

export async function deleteFeature(ctx: Ctx, input: { id: string }): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    const row = await queryOne<{ id: string; feature_key: string; name: string; code: string }>(
      tctx.db,
      sql`SELECT f.id, f.feature_key, f.name, l.code FROM geography.features f JOIN geography.layers l ON l.id = f.layer_id WHERE f.id = ${input.id}`,
    );
    if (!row) throw new AppError({ code: 'feature_not_found', status: 404, message: '要素不存在' });
    const layer = await layerForChange(tctx, row.code);
    await tctx.db.execute(sql`DELETE FROM geography.features WHERE id = ${row.id}`);
    await tctx.db.execute(sql`UPDATE geography.layers SET feature_count = feature_count - 1, version = version + 1, updated_at = ${tctx.clock.now().toISOString()} WHERE id = ${layer.id}`);
    audit(tctx, { action: 'geography.feature.delete', targetType: 'geography.feature', targetId: row.id, targetLabel: row.name || row.feature_key, details: { layer: layer.code, key: row.feature_key } });
    await publish(tctx, { type: EVENTS.featureDeleted, orderingKey: layer.id, payload: { layerId: layer.id, layerCode: layer.code, featureId: row.id, key: row.feature_key } });
  });
}
