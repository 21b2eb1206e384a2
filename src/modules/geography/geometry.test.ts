/**
 * Pure geometry: validation with precise paths and Chinese messages, point in polygon with holes
 * and multipolygons, intersections, distances, the GCJ-02 transform against published values and
 * an independent implementation, and the schematic Henan partition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  bboxPolygon,
  distanceToGeometry,
  geometriesIntersect,
  geometryContainsPoint,
  haversine,
  ringContains,
  validateGeometry,
  type Geometry,
  type Ring,
} from './geometry.ts';
import { gcj02ToWgs84, outOfChina, wgs84ToGcj02 } from './gcj02.ts';
import { HENAN_OUTLINE, PREFECTURE_SEATS, randomPointInHenan, schematicPrefectures, seededRandom } from './services/henan.ts';

const require = createRequire(import.meta.url);
const coordtransform = require('coordtransform') as { wgs84togcj02(lng: number, lat: number): [number, number] };

const square = (x0: number, y0: number, x1: number, y1: number): Ring => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
const donut: Geometry = { type: 'Polygon', coordinates: [square(0, 0, 10, 10), square(4, 4, 6, 6)] };
const twoIslands: Geometry = { type: 'MultiPolygon', coordinates: [[square(0, 0, 1, 1)], [square(5, 5, 6, 6), square(5.4, 5.4, 5.6, 5.6)]] };

test('valid geometries of every supported type pass', () => {
  for (const g of [
    { type: 'Point', coordinates: [113.6, 34.7] },
    { type: 'Point', coordinates: [113.6, 34.7, 120] },
    { type: 'MultiPoint', coordinates: [[113.6, 34.7], [114, 35]] },
    { type: 'LineString', coordinates: [[113.6, 34.7], [114, 35]] },
    { type: 'MultiLineString', coordinates: [[[113.6, 34.7], [114, 35]], [[112, 33], [112.5, 33.5]]] },
    donut,
    twoIslands,
  ]) assert.deepEqual(validateGeometry(g), [], JSON.stringify(g));
});

test('broken geometries are refused with the exact position and a Chinese message', () => {
  const first = (g: unknown) => validateGeometry(g)[0];
  const unclosed = first({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] });
  assert.equal(unclosed.path, 'geometry.coordinates[0]');
  assert.match(unclosed.message, /未闭合/);

  const lat = first({ type: 'Polygon', coordinates: [[[113, 34], [114, 34], [114, 95], [113, 34]]] });
  assert.equal(lat.path, 'geometry.coordinates[0][2]');
  assert.match(lat.message, /纬度 95 超出/);

  const lng = first({ type: 'Point', coordinates: [181, 34] });
  assert.match(lng.message, /经度 181 超出/);

  const bowtie = first({ type: 'Polygon', coordinates: [[[0, 0], [2, 2], [2, 0], [0, 3], [0, 0]]] });
  assert.match(bowtie.message, /自相交: 第 1 条边与第 3 条边相交/);

  const holeOutside = first({ type: 'Polygon', coordinates: [square(0, 0, 1, 1), square(3, 3, 4, 4)] });
  assert.equal(holeOutside.path, 'geometry.coordinates[1]');
  assert.match(holeOutside.message, /内环 \(洞\).*不在外环/);

  assert.match(first({ type: 'GeometryCollection', geometries: [] }).message, /几何类型「GeometryCollection」不受支持/);
  assert.match(first({ type: 'Circle', coordinates: [0, 0] }).message, /不受支持/);
  assert.match(first({ type: 'LineString', coordinates: [[0, 0]] }).message, /至少需要 2 个坐标点/);
  assert.match(first({ type: 'Point', coordinates: ['113', 34] }).message, /非数值/);
  assert.match(first({ type: 'Point', coordinates: [113] }).message, /应为 \[经度, 纬度\]/);
  assert.match(first({ type: 'Polygon', coordinates: [[[0, 0], [1, 1], [2, 2], [0, 0]]] }).message, /面积为零/);
  assert.match(first(null).message, /缺失/);
  // A repeated vertex is not a self-intersection.
  assert.deepEqual(validateGeometry({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 0], [1, 1], [0, 1], [0, 0]]] }), []);
});

test('point in polygon: holes, multipolygons and boundaries', () => {
  assert.equal(geometryContainsPoint(donut, [1, 1]), true);
  assert.equal(geometryContainsPoint(donut, [5, 5]), false, 'inside the hole');
  assert.equal(geometryContainsPoint(donut, [4, 5]), true, 'on the hole boundary belongs to the polygon');
  assert.equal(geometryContainsPoint(donut, [10, 5]), true, 'on the outer boundary');
  assert.equal(geometryContainsPoint(donut, [10.001, 5]), false);
  assert.equal(geometryContainsPoint(twoIslands, [0.5, 0.5]), true);
  assert.equal(geometryContainsPoint(twoIslands, [5.2, 5.2]), true, 'second polygon');
  assert.equal(geometryContainsPoint(twoIslands, [5.5, 5.5]), false, "second polygon's hole");
  assert.equal(geometryContainsPoint(twoIslands, [3, 3]), false, 'between the islands');
  assert.equal(geometryContainsPoint({ type: 'Point', coordinates: [0, 0] }, [0, 0]), false, 'points contain nothing');
  // Concave ring: the notch is outside.
  const u: Ring = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]];
  assert.equal(ringContains(u, [1.5, 2]), false);
  assert.equal(ringContains(u, [0.5, 2]), true);
});

test('intersections with a box or a polygon are exact', () => {
  const box = (x0: number, y0: number, x1: number, y1: number) => bboxPolygon([x0, y0, x1, y1]);
  // A cross: neither shape has a vertex inside the other, the edges cross.
  const wide: Geometry = { type: 'Polygon', coordinates: [square(0, 4, 10, 6)] };
  assert.equal(geometriesIntersect(wide, box(4, 0, 6, 10)), true);
  assert.equal(geometriesIntersect(wide, box(11, 0, 12, 10)), false);
  // A box wholly inside the hole of the donut does not meet it; one over the ring does.
  assert.equal(geometriesIntersect(donut, box(4.5, 4.5, 5.5, 5.5)), false);
  assert.equal(geometriesIntersect(donut, box(3.5, 4.5, 4.5, 5.5)), true);
  // A line crossing a box without a vertex in it.
  assert.equal(geometriesIntersect({ type: 'LineString', coordinates: [[-1, 5], [11, 5]] }, box(4, 4, 6, 6)), true);
  assert.equal(geometriesIntersect({ type: 'LineString', coordinates: [[-1, 7], [11, 7]] }, box(4, 4, 6, 6)), false);
  // Points.
  assert.equal(geometriesIntersect({ type: 'Point', coordinates: [5, 5] }, donut), false);
  assert.equal(geometriesIntersect({ type: 'Point', coordinates: [5, 5] }, box(4, 4, 6, 6)), true);
  assert.equal(geometriesIntersect({ type: 'MultiPoint', coordinates: [[20, 20], [5.2, 5.2]] }, twoIslands), true);
});

test('distances: haversine against known figures, point to area edge', () => {
  // One degree of latitude on the mean sphere: 111.195 km.
  assert.ok(Math.abs(haversine([113, 34], [113, 35]) - 111_195) < 1);
  // Beijing (天安门) – Shanghai (人民广场): about 1 067 km.
  const d = haversine([116.3975, 39.9087], [121.4737, 31.2304]);
  assert.ok(d > 1_060_000 && d < 1_075_000, String(d));
  // 0.1° south of a square's bottom edge near the equator: ≈ 11.12 km; inside: 0.
  const sq: Geometry = { type: 'Polygon', coordinates: [square(0, 0, 1, 1)] };
  assert.ok(Math.abs(distanceToGeometry([0.5, -0.1], sq) - 11_119.5) < 5);
  assert.equal(distanceToGeometry([0.5, 0.5], sq), 0);
  // To a line: perpendicular distance, not to the nearest vertex.
  const line: Geometry = { type: 'LineString', coordinates: [[113, 34], [114, 34]] };
  assert.ok(Math.abs(distanceToGeometry([113.5, 34.01], line) - 1_112) < 3);
});

test('GCJ-02: published values, agreement with an independent implementation, round trip', () => {
  // Published example (coordtransform README): WGS84 (116.404, 39.915) → GCJ-02.
  const [x, y] = wgs84ToGcj02(116.404, 39.915);
  assert.ok(Math.abs(x - 116.41024449916938) < 1e-12 && Math.abs(y - 39.91640428150164) < 1e-12, `${x}, ${y}`);
  const rand = seededRandom(7);
  for (let i = 0; i < 2000; i++) {
    // Inside both implementations' China boxes (they differ at the edges).
    const lng = 74 + rand() * 60;
    const lat = 18 + rand() * 35;
    const ours = wgs84ToGcj02(lng, lat);
    const theirs = coordtransform.wgs84togcj02(lng, lat);
    assert.ok(Math.abs(ours[0] - theirs[0]) < 1e-12 && Math.abs(ours[1] - theirs[1]) < 1e-12);
    const back = gcj02ToWgs84(ours[0], ours[1]);
    // The inverse is iterated to 1e-9° (≈ 0.1 mm), better than the one-step approximation.
    assert.ok(Math.abs(back[0] - lng) < 1e-8 && Math.abs(back[1] - lat) < 1e-8, `${lng},${lat} -> ${back}`);
  }
  // The offset in Henan is a few hundred metres.
  const zz = wgs84ToGcj02(113.625, 34.747);
  const off = haversine([113.625, 34.747], zz);
  assert.ok(off > 300 && off < 800, String(off));
  // Outside China: unchanged both ways.
  assert.equal(outOfChina(2.35, 48.85), true);
  assert.deepEqual(wgs84ToGcj02(2.35, 48.85), [2.35, 48.85]);
  assert.deepEqual(gcj02ToWgs84(2.35, 48.85), [2.35, 48.85]);
});

test('schematic Henan: 18 valid cells that partition the outline, each holding its seat', () => {
  const fc = schematicPrefectures();
  assert.equal(fc.features.length, 18);
  const cells = fc.features.map((f) => (f as { geometry: Geometry }).geometry);
  cells.forEach((g, i) => {
    assert.deepEqual(validateGeometry(g), [], PREFECTURE_SEATS[i].name);
    assert.equal(geometryContainsPoint(g, PREFECTURE_SEATS[i].seat), true, PREFECTURE_SEATS[i].name);
  });
  const rand = seededRandom(42);
  const outline: Geometry = { type: 'Polygon', coordinates: [HENAN_OUTLINE] };
  for (let i = 0; i < 3000; i++) {
    const p = randomPointInHenan(rand, (q) => geometryContainsPoint(outline, q));
    const hits = cells.filter((g) => geometryContainsPoint(g, p)).length;
    assert.ok(hits >= 1 && hits <= 2, `${p}: ${hits}`); // 2 only exactly on a shared edge
  }
});
