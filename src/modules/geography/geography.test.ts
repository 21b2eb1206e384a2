/**
 * The geography services on a real database: the schematic prefecture layer answers regionAt;
 * broken GeoJSON is refused with every problem and stores nothing; imports are idempotent upserts
 * or replacements with audit and events; bbox / polygon / nearest queries agree with brute force;
 * a shapefile goes through the same import; layers of another region cannot be changed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestPlatform } from '../../../test/support/platform.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import type { Actor } from '../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { isAppError } from '../../platform/errors.ts';
import {
  createLayer,
  deleteFeature,
  featuresContaining,
  featuresInBbox,
  featuresInPolygon,
  importFeatures,
  listFeatures,
  nearestFeatures,
  regionAt,
  shapefileToGeoJson,
  wgs84ToGcj02,
  geometryContainsPoint,
  haversine,
  type Geometry,
} from './index.ts';
import { SCOPES } from './model.ts';
import { PREFECTURE_SEATS, seededRandom } from './services/henan.ts';
import { bboxOf, bboxIntersects, geometriesIntersect, bboxPolygon } from './geometry.ts';

let tp: TestPlatform;
let units: TestUnits;
let provinceEditor: Actor;
let zzEditor: Actor;

const editorAt = (unitId: string, name: string, regionCode: string, regionPrefix: string): Actor => ({
  kind: 'staff',
  userId: null,
  name,
  grants: [{ roleCode: 't', roleName: 't', unitId, unitName: name, regionCode, regionPrefix, scopes: new Set([SCOPES.read, SCOPES.layerManage]) }],
});

const fc = (features: unknown[]) => ({ type: 'FeatureCollection', features });
const pt = (id: string, lng: number, lat: number, props: Record<string, unknown> = {}) => ({ type: 'Feature', id, geometry: { type: 'Point', coordinates: [lng, lat] }, properties: { name: id, ...props } });
const sq = (x0: number, y0: number, x1: number, y1: number) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];

before(async () => {
  tp = await startTestPlatform();
  units = await ensureTestUnits(tp);
  provinceEditor = editorAt(units.province, '省自然资源测试员', '410000', '41');
  zzEditor = editorAt(units.zhengzhou, '郑州测试员', '410100', '4101');
});
after(async () => tp?.close());

test('regionAt answers from the schematic prefecture layer, in WGS84 and GCJ-02', async () => {
  const ctx = tp.ctx();
  for (const s of PREFECTURE_SEATS) {
    const hit = await regionAt(ctx, { lng: s.seat[0], lat: s.seat[1] });
    assert.equal(hit?.regionCode, s.code, s.name);
    assert.equal(hit?.isSchematic, true);
  }
  const [gx, gy] = wgs84ToGcj02(113.625, 34.747);
  assert.equal((await regionAt(ctx, { lng: gx, lat: gy, crs: 'gcj02' }))?.name, '郑州市');
  assert.equal(await regionAt(ctx, { lng: 116.3975, lat: 39.9087 }), null, 'Beijing is outside Henan');
  assert.equal(await regionAt(ctx, { lng: 113.6, lat: 34.7, layer: 'no-such-layer' }), null);
});

test('broken GeoJSON is refused with every problem, precisely, and nothing is stored', async () => {
  const ctx = tp.ctx(provinceEditor);
  await createLayer(ctx, { code: 't-broken', name: '测试图层 (拒绝)', kind: 'land_use' });
  const events = async () => Number((await queryOne<{ n: number }>(tp.database.db, sql`SELECT count(*)::int AS n FROM platform.outbox_events WHERE type = 'geography.features.imported' AND payload->>'layerCode' = 't-broken'`))!.n);
  const data = fc([
    { type: 'Feature', id: 'A', geometry: { type: 'Polygon', coordinates: [sq(113, 34, 113.1, 34.1)] }, properties: { name: '好的' } },
    { type: 'Feature', id: 'B', geometry: { type: 'Polygon', coordinates: [[[113, 34], [113.1, 34], [113.1, 34.1], [113, 34.1]]] }, properties: {} },
    { type: 'Feature', id: 'C', geometry: { type: 'Point', coordinates: [34.7, 113.6] }, properties: {} },
    { type: 'Feature', id: 'A', geometry: { type: 'Point', coordinates: [113.6, 34.7] }, properties: {} },
    { type: 'Feature', id: 'E', geometry: { type: 'GeometryCollection', geometries: [] }, properties: {} },
    { type: 'Feature', id: 'F', geometry: { type: 'Point', coordinates: [113.6, 34.7] }, properties: { region_code: '999999' } },
    { type: 'Feature', id: 'G', geometry: { type: 'Polygon', coordinates: [[[0, 0], [2, 2], [2, 0], [0, 3], [0, 0]]] }, properties: {} },
    'not a feature',
  ]);
  await assert.rejects(importFeatures(ctx, { layerCode: 't-broken', data }), (err) => {
    assert.ok(isAppError(err));
    assert.equal(err.code, 'import_invalid');
    assert.equal(err.status, 422);
    const byField = new Map(err.fields.map((f) => [f.field, f.message]));
    assert.match(byField.get('features[1].geometry.coordinates[0]')!, /第 2 个要素 \(编号 B\): 面的环 .* 未闭合/);
    assert.match(byField.get('features[2].geometry.coordinates')!, /第 3 个要素 \(编号 C\): .*纬度 113.6 超出/);
    assert.match(byField.get('features[3]')!, /第 4 个要素 \(编号 A\): 要素编号与第 1 个要素重复/);
    assert.match(byField.get('features[4].geometry.type')!, /GeometryCollection/);
    assert.match(byField.get('features[5].properties.region_code')!, /999999 不在本省现行区划中/);
    assert.match(byField.get('features[6].geometry.coordinates[0]')!, /自相交/);
    assert.match(byField.get('features[7]')!, /第 8 个要素不是 GeoJSON Feature/);
    assert.equal(err.fields.length, 7, 'the good feature has no problem');
    return true;
  });
  assert.equal((await listFeatures(tp.ctx(), { layerCode: 't-broken' })).total, 0, 'not even the valid feature was stored');
  assert.equal(await events(), 0);
  const log = await queryOne<{ status: string; errors: unknown[] }>(tp.database.db, sql`SELECT i.status, i.errors FROM geography.imports i JOIN geography.layers l ON l.id = i.layer_id WHERE l.code = 't-broken'`);
  assert.equal(log?.status, 'failed');
  assert.equal(log?.errors.length, 7);
  // Not GeoJSON at all.
  await assert.rejects(importFeatures(ctx, { layerCode: 't-broken', data: { type: 'Topology' } }), /FeatureCollection 或 Feature/);
  // Administrative layers need region codes.
  await createLayer(ctx, { code: 't-admin', name: '测试行政区', kind: 'admin_boundary' });
  await assert.rejects(importFeatures(ctx, { layerCode: 't-admin', data: fc([{ type: 'Feature', id: 'x', geometry: { type: 'Polygon', coordinates: [sq(113, 34, 114, 35)] }, properties: {} }]) }), (err) => {
    assert.ok(isAppError(err) && /必须有行政区划代码/.test(err.fields[0].message));
    return true;
  });
});

test('imports upsert idempotently, replace, delete; each change is audited and published', async () => {
  const ctx = tp.ctx(provinceEditor);
  await createLayer(ctx, { code: 't-upsert', name: '测试图层 (更新)', kind: 'poi' });
  const base = [pt('P1', 113.6, 34.7), pt('P2', 113.7, 34.8), pt('P3', 112.4, 34.6)];
  assert.deepEqual(await importFeatures(ctx, { layerCode: 't-upsert', data: fc(base) }).then(({ importId: _, ...r }) => r), { featureCount: 3, inserted: 3, updated: 0, unchanged: 0, deleted: 0 });
  assert.deepEqual(await importFeatures(ctx, { layerCode: 't-upsert', data: fc(base) }).then(({ importId: _, ...r }) => r), { featureCount: 3, inserted: 0, updated: 0, unchanged: 3, deleted: 0 }, 'idempotent');
  const moved = [pt('P1', 113.61, 34.7), base[1], base[2]];
  const r3 = await importFeatures(ctx, { layerCode: 't-upsert', data: fc(moved) });
  assert.equal(r3.updated, 1);
  const p1 = await queryOne<{ version: number; min_lng: number }>(tp.database.db, sql`SELECT f.version, f.min_lng FROM geography.features f JOIN geography.layers l ON l.id = f.layer_id WHERE l.code = 't-upsert' AND f.feature_key = 'P1'`);
  assert.deepEqual([p1?.version, p1?.min_lng], [2, 113.61]);
  const r4 = await importFeatures(ctx, { layerCode: 't-upsert', data: fc([moved[0], pt('P4', 114, 35)]), mode: 'replace' });
  assert.deepEqual([r4.inserted, r4.deleted, r4.unchanged], [1, 2, 1]);
  const list = await listFeatures(tp.ctx(), { layerCode: 't-upsert' });
  assert.deepEqual(list.items.map((f) => f.key), ['P1', 'P4']);
  await deleteFeature(ctx, { id: list.items[1].id });
  const audits = await queryRows<{ action: string; result: string }>(tp.database.db, sql`SELECT a.action, a.result FROM platform.audit_log a JOIN geography.layers l ON a.target_id = l.id::text WHERE l.code = 't-upsert' ORDER BY a.seq`);
  assert.deepEqual(audits.map((a) => a.action), ['geography.layer.create', 'geography.features.import', 'geography.features.import', 'geography.features.import', 'geography.features.import']);
  const events = await queryRows<{ type: string }>(tp.database.db, sql`SELECT type FROM platform.outbox_events WHERE payload->>'layerCode' = 't-upsert' OR payload->>'code' = 't-upsert' ORDER BY occurred_at, id`);
  assert.deepEqual(events.map((e) => e.type), ['geography.layer.created', 'geography.features.imported', 'geography.features.imported', 'geography.features.imported', 'geography.features.imported', 'geography.feature.deleted']);
  // GCJ-02 input is stored as WGS84.
  const [gx, gy] = wgs84ToGcj02(113.5, 34.5);
  await importFeatures(ctx, { layerCode: 't-upsert', data: fc([pt('G1', gx, gy)]), crs: 'gcj02' });
  const g1 = await queryOne<{ min_lng: number; min_lat: number }>(tp.database.db, sql`SELECT f.min_lng, f.min_lat FROM geography.features f WHERE f.feature_key = 'G1'`);
  assert.ok(Math.abs(g1!.min_lng - 113.5) < 1e-8 && Math.abs(g1!.min_lat - 34.5) < 1e-8);
});

test('a layer of another region cannot be changed; the import is refused before reading', async () => {
  await assert.rejects(importFeatures(tp.ctx(zzEditor), { layerCode: 't-upsert', data: fc([pt('Z', 113, 34)]) }), (err) => isAppError(err) && err.status === 403);
  const reader: Actor = { ...zzEditor, grants: [{ ...zzEditor.grants[0], scopes: new Set([SCOPES.read]) }] };
  await assert.rejects(createLayer(tp.ctx(reader), { code: 't-nope', name: '无权', kind: 'other' }), (err) => isAppError(err) && err.status === 403);
  // The Zhengzhou editor's own layer works.
  const own = await createLayer(tp.ctx(zzEditor), { code: 't-zz', name: '郑州图层', kind: 'other' });
  assert.equal(own.regionCode, '410100');
  assert.equal((await importFeatures(tp.ctx(zzEditor), { layerCode: 't-zz', data: fc([pt('Z', 113.6, 34.7)]) })).inserted, 1);
});

test('bbox, polygon and nearest queries agree with brute force over a random layer', async () => {
  const ctx = tp.ctx(provinceEditor);
  await createLayer(ctx, { code: 't-random', name: '随机要素', kind: 'other' });
  const rand = seededRandom(11);
  const features: { id: string; geometry: Geometry }[] = [];
  for (let i = 0; i < 400; i++) {
    const x = 111 + rand() * 4;
    const y = 32.5 + rand() * 3;
    const kind = i % 4;
    const geometry: Geometry =
      kind === 0 || kind === 1
        ? { type: 'Point', coordinates: [x, y] }
        : kind === 2
          ? { type: 'LineString', coordinates: [[x, y], [x + rand() * 0.3, y + rand() * 0.3]] }
          : { type: 'Polygon', coordinates: [sq(x, y, x + 0.05 + rand() * 0.4, y + 0.05 + rand() * 0.4), sq(x + 0.02, y + 0.02, x + 0.04, y + 0.04)] };
    features.push({ id: `R${String(i).padStart(3, '0')}`, geometry });
  }
  await importFeatures(ctx, { layerCode: 't-random', data: fc(features.map((f) => ({ type: 'Feature', id: f.id, geometry: f.geometry, properties: {} }))) });
  const q = tp.ctx();
  for (let t = 0; t < 25; t++) {
    const x = 111 + rand() * 4;
    const y = 32.5 + rand() * 3;
    const box: [number, number, number, number] = [x, y, x + rand() * 0.8, y + rand() * 0.8];
    const expected = features.filter((f) => bboxIntersects(bboxOf(f.geometry), box) && geometriesIntersect(f.geometry, bboxPolygon(box))).map((f) => f.id).sort();
    const got = (await featuresInBbox(q, { layers: ['t-random'], bbox: box })).items.map((f) => f.key).sort();
    assert.deepEqual(got, expected, `bbox ${box}`);

    const k = 1 + Math.floor(rand() * 6);
    const p = [x + 0.2, y + 0.2];
    const brute = features.map((f) => ({ id: f.id, d: distanceOf(p, f.geometry) })).sort((a, b) => a.d - b.d || a.id.localeCompare(b.id)).slice(0, k);
    const near = await nearestFeatures(q, { layers: ['t-random'], lng: p[0], lat: p[1], k });
    assert.deepEqual(near.map((f) => f.key), brute.map((b) => b.id), `nearest to ${p}`);
  }
  // A query polygon with a hole: features only in the hole do not count.
  const ring = { type: 'Polygon', coordinates: [sq(112, 33, 114, 35), sq(112.5, 33.5, 113.5, 34.5)] } as Geometry;
  const expected = features.filter((f) => geometriesIntersect(f.geometry, ring)).map((f) => f.id).sort();
  const got = (await featuresInPolygon(q, { layers: ['t-random'], geometry: ring, limit: 10_000 })).items.map((f) => f.key).sort();
  assert.deepEqual(got, expected);
  assert.ok(features.some((f) => f.geometry.type === 'Point' && geometryContainsPoint({ type: 'Polygon', coordinates: [ring.coordinates[1]] } as Geometry, f.geometry.coordinates) && !got.includes(f.id)), 'some point lies in the hole and is excluded');
  // Containment in a multipolygon with a hole.
  await importFeatures(ctx, { layerCode: 't-random', data: fc([{ type: 'Feature', id: 'MP', geometry: { type: 'MultiPolygon', coordinates: [[sq(100, 20, 101, 21)], [sq(102, 20, 103, 21), sq(102.4, 20.4, 102.6, 20.6)]] }, properties: {} }]) });
  assert.deepEqual((await featuresContaining(q, { layers: ['t-random'], lng: 102.2, lat: 20.2 })).map((f) => f.key), ['MP']);
  assert.deepEqual(await featuresContaining(q, { layers: ['t-random'], lng: 102.5, lat: 20.5 }), []);
  assert.deepEqual(await featuresContaining(q, { layers: ['t-random'], lng: 101.5, lat: 20.5 }), []);
  // maxDistance bounds the answer.
  assert.deepEqual(await nearestFeatures(q, { layers: ['t-random'], lng: 90, lat: 20, k: 3, maxDistanceM: 1000 }), []);
});

function distanceOf(p: number[], g: Geometry): number {
  if (g.type === 'Point') return haversine(p, g.coordinates);
  // Same metric as the service for lines and areas (tested in geometry.test.ts).
  return distanceToGeometryRef(p, g);
}
import { distanceToGeometry as distanceToGeometryRef } from './geometry.ts';

// ---- shapefile -----------------------------------------------------------------------------------

/** A minimal ESRI shapefile writer (points and single-ring polygons) with a dBASE III table of text fields. */
function writeShapefile(records: { geometry: Geometry; props: Record<string, string> }[], fields: string[]): { shp: Buffer; dbf: Buffer } {
  const contents = records.map((r) => {
    if (r.geometry.type === 'Point') {
      const b = Buffer.alloc(20);
      b.writeInt32LE(1, 0);
      b.writeDoubleLE(r.geometry.coordinates[0], 4);
      b.writeDoubleLE(r.geometry.coordinates[1], 12);
      return b;
    }
    const ring = (r.geometry as { coordinates: number[][][] }).coordinates[0].slice().reverse(); // shapefile shells are clockwise
    const b = Buffer.alloc(44 + 4 + ring.length * 16);
    b.writeInt32LE(5, 0);
    const box = bboxOf(r.geometry);
    box.forEach((v, i) => b.writeDoubleLE(v, 4 + i * 8));
    b.writeInt32LE(1, 36);
    b.writeInt32LE(ring.length, 40);
    b.writeInt32LE(0, 44);
    ring.forEach((p, i) => {
      b.writeDoubleLE(p[0], 48 + i * 16);
      b.writeDoubleLE(p[1], 56 + i * 16);
    });
    return b;
  });
  const body = Buffer.concat(contents.map((c, i) => {
    const h = Buffer.alloc(8);
    h.writeInt32BE(i + 1, 0);
    h.writeInt32BE(c.length / 2, 4);
    return Buffer.concat([h, c]);
  }));
  const header = Buffer.alloc(100);
  header.writeInt32BE(9994, 0);
  header.writeInt32BE((100 + body.length) / 2, 24);
  header.writeInt32LE(1000, 28);
  header.writeInt32LE(records[0].geometry.type === 'Point' ? 1 : 5, 32);
  const shp = Buffer.concat([header, body]);
  const width = 40;
  const dh = Buffer.alloc(32 + fields.length * 32 + 1);
  dh.writeUInt8(3, 0);
  dh.writeUInt32LE(records.length, 4);
  dh.writeUInt16LE(dh.length, 8);
  dh.writeUInt16LE(1 + fields.length * width, 10);
  fields.forEach((f, i) => {
    dh.write(f, 32 + i * 32, 'latin1');
    dh.write('C', 32 + i * 32 + 11, 'latin1');
    dh.writeUInt8(width, 32 + i * 32 + 16);
  });
  dh.writeUInt8(0x0d, dh.length - 1);
  const rows = records.map((r) => {
    const b = Buffer.alloc(1 + fields.length * width, 0x20);
    fields.forEach((f, i) => b.write(r.props[f] ?? '', 1 + i * width, 'utf8'));
    return b;
  });
  return { shp, dbf: Buffer.concat([dh, ...rows, Buffer.from([0x1a])]) };
}

test('a shapefile is read and imported through the same validation', async () => {
  const ctx = tp.ctx(provinceEditor);
  await createLayer(ctx, { code: 't-shp', name: 'Shapefile 图层', kind: 'land_use' });
  const files = writeShapefile(
    [
      { geometry: { type: 'Polygon', coordinates: [sq(113.6, 34.6, 113.7, 34.7)] }, props: { code: 'S1', name: '图斑一' } },
      { geometry: { type: 'Polygon', coordinates: [sq(113.8, 34.6, 113.9, 34.7)] }, props: { code: 'S2', name: '图斑二' } },
    ],
    ['code', 'name'],
  );
  const data = await shapefileToGeoJson({ ...files, cpg: 'UTF-8' });
  const result = await importFeatures(ctx, { layerCode: 't-shp', data, format: 'shapefile', fileName: 't.shp' });
  assert.equal(result.inserted, 2);
  const items = (await listFeatures(tp.ctx(), { layerCode: 't-shp' })).items;
  assert.deepEqual(items.map((f) => [f.key, f.name, f.geometryType]), [['S1', '图斑一', 'Polygon'], ['S2', '图斑二', 'Polygon']]);
  assert.equal((await featuresContaining(tp.ctx(), { layers: ['t-shp'], lng: 113.65, lat: 34.65 }))[0]?.key, 'S1');
  // A projected .prj and a file that is not a shapefile are refused.
  await assert.rejects(shapefileToGeoJson({ ...files, prj: 'PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS[...]]' }), /投影坐标系/);
  await assert.rejects(shapefileToGeoJson({ shp: Buffer.alloc(200) }), /文件头不正确/);
  // An unclosed ring in a shapefile is refused like in GeoJSON (shapefile rings are closed by format; a degenerate one is caught).
  const bad = writeShapefile([{ geometry: { type: 'Polygon', coordinates: [[[113, 34], [113.1, 34], [113.2, 34], [113, 34]]] }, props: { code: 'B1' } }], ['code']);
  await assert.rejects(importFeatures(ctx, { layerCode: 't-shp', data: await shapefileToGeoJson({ ...bad, cpg: 'UTF-8' }), format: 'shapefile' }), /面积为零/);
  assert.equal((await listFeatures(tp.ctx(), { layerCode: 't-shp' })).total, 2);
});
