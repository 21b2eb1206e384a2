/**
 * Pure planar/spherical geometry on GeoJSON (RFC 7946) in CGCS2000 / WGS84 longitude-latitude:
 * validation with Chinese messages that name the exact coordinate, bounding boxes, point in
 * polygon (holes and multipolygons, boundary counts as inside), intersection with a box or a
 * polygon, and distances (haversine between points; to lines and areas through a local
 * equirectangular projection around the query point, accurate to well under 0.5 % over a province).
 *
 * PGlite has no PostGIS, so the database keeps the GeoJSON and its bounding box; the database does
 * the bounding-box prefilter and these functions do the exact tests.
 */

export type Position = number[];
export type Ring = Position[];

export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'Polygon'; coordinates: Ring[] }
  | { type: 'MultiPolygon'; coordinates: Ring[][] };

export type GeometryType = Geometry['type'];
export const GEOMETRY_TYPES: readonly GeometryType[] = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'];
export const GEOMETRY_TYPE_LABELS: Record<GeometryType, string> = {
  Point: '点',
  MultiPoint: '多点',
  LineString: '线',
  MultiLineString: '多线',
  Polygon: '面',
  MultiPolygon: '多面',
};

/** [xmin, ymin, xmax, ymax] in degrees. */
export type BBox = [number, number, number, number];

export interface GeometryProblem {
  /** JSON pointer-like path inside the geometry, e.g. `coordinates[0][3]`. */
  path: string;
  message: string;
}

/** Problems reported per geometry at most (a broken file would otherwise list thousands). */
const MAX_PROBLEMS = 20;

function isPosition(p: unknown): p is Position {
  return Array.isArray(p) && (p.length === 2 || p.length === 3) && p.every((n) => typeof n === 'number');
}

function checkPosition(p: unknown, path: string, out: GeometryProblem[]): boolean {
  if (!Array.isArray(p) || p.length < 2 || p.length > 3) {
    out.push({ path, message: `坐标 ${path} 应为 [经度, 纬度] 两个 (或带高程的三个) 数值` });
    return false;
  }
  if (!p.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    out.push({ path, message: `坐标 ${path} 含有非数值或无穷大` });
    return false;
  }
  const [x, y] = p as number[];
  if (x < -180 || x > 180) out.push({ path, message: `坐标 ${path} 的经度 ${x} 超出 -180 至 180 的范围 (经纬度是否写反?)` });
  if (y < -90 || y > 90) out.push({ path, message: `坐标 ${path} 的纬度 ${y} 超出 -90 至 90 的范围 (经纬度是否写反?)` });
  return x >= -180 && x <= 180 && y >= -90 && y <= 90;
}

function checkPositions(arr: unknown, path: string, min: number, what: string, out: GeometryProblem[]): arr is Position[] {
  if (!Array.isArray(arr)) {
    out.push({ path, message: `${path} 应为坐标数组 (${what})` });
    return false;
  }
  let ok = true;
  arr.forEach((p, i) => {
    if (out.length < MAX_PROBLEMS && !checkPosition(p, `${path}[${i}]`, out)) ok = false;
  });
  if (ok && arr.length < min) {
    out.push({ path, message: `${what} ${path} 至少需要 ${min} 个坐标点, 实际 ${arr.length} 个` });
    ok = false;
  }
  return ok;
}

const samePos = (a: Position, b: Position) => a[0] === b[0] && a[1] === b[1];

/** Twice the signed area of a ring in degree² (positive: counter-clockwise). */
export function ringArea2(ring: Ring): number {
  let s = 0;
  for (let i = 0, n = ring.length - 1; i < n; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s;
}

function orient(a: Position, b: Position, c: Position): number {
  const v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  return Math.abs(v) < 1e-18 ? 0 : v > 0 ? 1 : -1;
}

function onSegment(a: Position, b: Position, p: Position): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

/** Do segments ab and cd share any point? */
export function segmentsIntersect(a: Position, b: Position, c: Position, d: Position): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  if (o1 === 0 && onSegment(a, b, c)) return true;
  if (o2 === 0 && onSegment(a, b, d)) return true;
  if (o3 === 0 && onSegment(c, d, a)) return true;
  if (o4 === 0 && onSegment(c, d, b)) return true;
  return false;
}

/**
 * The first pair of non-adjacent edges of a closed ring that touch or cross, or null. A sweep over
 * edges sorted by their smallest x keeps it near-linear for ordinary boundaries.
 */
export function ringSelfIntersection(ring: Ring): [number, number] | null {
  const n = ring.length - 1; // edges
  const edges = Array.from({ length: n }, (_, i) => i).sort((i, j) => Math.min(ring[i][0], ring[i + 1][0]) - Math.min(ring[j][0], ring[j + 1][0]));
  const active: number[] = [];
  for (const e of edges) {
    const minX = Math.min(ring[e][0], ring[e + 1][0]);
    for (let k = active.length - 1; k >= 0; k--) {
      const f = active[k];
      if (Math.max(ring[f][0], ring[f + 1][0]) < minX) {
        active.splice(k, 1);
        continue;
      }
      const adjacent = Math.abs(e - f) === 1 || Math.abs(e - f) === n - 1;
      if (adjacent) {
        // Adjacent edges share one vertex; they may not fold back over each other.
        const [p, q, r] = e === (f + 1) % n ? [ring[f], ring[e], ring[e + 1]] : [ring[e], ring[f], ring[f + 1]];
        if (orient(p, q, r) === 0 && (r[0] - q[0]) * (p[0] - q[0]) + (r[1] - q[1]) * (p[1] - q[1]) > 0) return [Math.min(e, f), Math.max(e, f)];
        continue;
      }
      if (segmentsIntersect(ring[e], ring[e + 1], ring[f], ring[f + 1])) return [Math.min(e, f), Math.max(e, f)];
    }
    active.push(e);
  }
  return null;
}

function checkRing(ring: unknown, path: string, out: GeometryProblem[]): ring is Ring {
  const before = out.length;
  if (!checkPositions(ring, path, 4, '面的环', out)) {
    // checkPositions reports "at least 4"; a ring of 1-3 points is also not closed, which is the same fault.
    return false;
  }
  const r = ring as Ring;
  if (!samePos(r[0], r[r.length - 1])) {
    out.push({ path, message: `面的环 ${path} 未闭合: 首点 [${r[0][0]}, ${r[0][1]}] 与末点 [${r[r.length - 1][0]}, ${r[r.length - 1][1]}] 不同` });
    return false;
  }
  if (ringArea2(r) === 0) {
    out.push({ path, message: `面的环 ${path} 面积为零 (各点共线或重合)` });
    return false;
  }
  // Repeated consecutive vertices are harmless; the intersection test runs on the ring without them.
  const hit = ringSelfIntersection(r.filter((p, i) => i === 0 || !samePos(p, r[i - 1])));
  if (hit) {
    out.push({ path, message: `面的环 ${path} 自相交: 第 ${hit[0] + 1} 条边与第 ${hit[1] + 1} 条边相交` });
    return false;
  }
  return out.length === before;
}

function checkPolygon(rings: unknown, path: string, out: GeometryProblem[]): rings is Ring[] {
  if (!Array.isArray(rings) || rings.length === 0) {
    out.push({ path, message: `面 ${path} 应为至少包含一个外环的数组` });
    return false;
  }
  let ok = true;
  rings.forEach((r, i) => {
    if (out.length < MAX_PROBLEMS && !checkRing(r, `${path}[${i}]`, out)) ok = false;
  });
  if (!ok) return false;
  const [outer, ...holes] = rings as Ring[];
  holes.forEach((h, i) => {
    if (!ringContains(outer, h[0]) || !ringContains(outer, h[1])) {
      out.push({ path: `${path}[${i + 1}]`, message: `内环 (洞) ${path}[${i + 1}] 不在外环 ${path}[0] 之内` });
      ok = false;
    }
  });
  return ok;
}

/**
 * Checks a GeoJSON geometry: known type (GeometryCollection is not accepted), coordinate arrays of
 * the right depth, finite longitudes in [-180, 180] and latitudes in [-90, 90], lines of ≥ 2 points,
 * closed rings of ≥ 4 points with non-zero area and no self-intersection, holes inside their shell.
 * Returns every problem found (up to 20), each with its path.
 */
export function validateGeometry(g: unknown, path = 'geometry'): GeometryProblem[] {
  const out: GeometryProblem[] = [];
  if (g === null || typeof g !== 'object' || Array.isArray(g)) {
    out.push({ path, message: `${path} 缺失或不是对象` });
    return out;
  }
  const { type, coordinates } = g as { type?: unknown; coordinates?: unknown };
  if (typeof type !== 'string' || !(GEOMETRY_TYPES as readonly string[]).includes(type)) {
    out.push({ path: `${path}.type`, message: `几何类型「${String(type)}」不受支持, 应为 ${GEOMETRY_TYPES.join('、')} 之一` });
    return out;
  }
  const c = `${path}.coordinates`;
  switch (type as GeometryType) {
    case 'Point':
      checkPosition(coordinates, c, out);
      break;
    case 'MultiPoint':
      checkPositions(coordinates, c, 1, '多点', out);
      break;
    case 'LineString':
      checkPositions(coordinates, c, 2, '线', out);
      break;
    case 'MultiLineString':
      if (!Array.isArray(coordinates) || coordinates.length === 0) out.push({ path: c, message: `多线 ${c} 应为非空的线数组` });
      else coordinates.forEach((l, i) => out.length < MAX_PROBLEMS && checkPositions(l, `${c}[${i}]`, 2, '线', out));
      break;
    case 'Polygon':
      checkPolygon(coordinates, c, out);
      break;
    case 'MultiPolygon':
      if (!Array.isArray(coordinates) || coordinates.length === 0) out.push({ path: c, message: `多面 ${c} 应为非空的面数组` });
      else coordinates.forEach((p, i) => out.length < MAX_PROBLEMS && checkPolygon(p, `${c}[${i}]`, out));
      break;
  }
  return out;
}

/** Every position of a geometry. */
export function positions(g: Geometry): Position[] {
  switch (g.type) {
    case 'Point':
      return [g.coordinates];
    case 'MultiPoint':
    case 'LineString':
      return g.coordinates;
    case 'MultiLineString':
    case 'Polygon':
      return g.coordinates.flat();
    case 'MultiPolygon':
      return g.coordinates.flat(2);
  }
}

export function bboxOf(g: Geometry): BBox {
  let xmin = Infinity;
  let ymin = Infinity;
  let xmax = -Infinity;
  let ymax = -Infinity;
  for (const p of positions(g)) {
    if (p[0] < xmin) xmin = p[0];
    if (p[0] > xmax) xmax = p[0];
    if (p[1] < ymin) ymin = p[1];
    if (p[1] > ymax) ymax = p[1];
  }
  return [xmin, ymin, xmax, ymax];
}

export const bboxIntersects = (a: BBox, b: BBox) => a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];
export const bboxContainsPoint = (b: BBox, p: Position) => p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3];

/** Ray casting on one ring; a point on an edge counts as inside. */
export function ringContains(ring: Ring, p: Position): boolean {
  const [x, y] = p;
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = ring[i][0];
    const yi = ring[i][1];
    const xj = ring[j][0];
    const yj = ring[j][1];
    if (orient(ring[j], ring[i], p) === 0 && onSegment(ring[j], ring[i], p)) return true;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Inside the shell and not strictly inside a hole (the hole's edge belongs to the polygon). */
export function polygonContains(rings: Ring[], p: Position): boolean {
  if (!ringContains(rings[0], p)) return false;
  for (let h = 1; h < rings.length; h++) if (ringContains(rings[h], p) && !ringBoundary(rings[h], p)) return false;
  return true;
}

function ringBoundary(ring: Ring, p: Position): boolean {
  for (let i = 0; i < ring.length - 1; i++) if (orient(ring[i], ring[i + 1], p) === 0 && onSegment(ring[i], ring[i + 1], p)) return true;
  return false;
}

/** Does an areal geometry contain the point (boundary included)? Points and lines contain nothing. */
export function geometryContainsPoint(g: Geometry, p: Position): boolean {
  if (g.type === 'Polygon') return polygonContains(g.coordinates, p);
  if (g.type === 'MultiPolygon') return g.coordinates.some((poly) => polygonContains(poly, p));
  return false;
}

/** The polygons of an areal geometry (empty for points and lines). */
function polygonsOf(g: Geometry): Ring[][] {
  if (g.type === 'Polygon') return [g.coordinates];
  if (g.type === 'MultiPolygon') return g.coordinates;
  return [];
}

/** Edges (as pairs of positions) of lines and of every ring of areas. */
function* edgesOf(g: Geometry): Generator<[Position, Position]> {
  const lines: Position[][] =
    g.type === 'LineString' ? [g.coordinates] : g.type === 'MultiLineString' ? g.coordinates : g.type === 'Polygon' ? g.coordinates : g.type === 'MultiPolygon' ? g.coordinates.flat() : [];
  for (const l of lines) for (let i = 0; i < l.length - 1; i++) yield [l[i], l[i + 1]];
}

/** The box as a closed counter-clockwise polygon. */
export function bboxPolygon(b: BBox): Geometry {
  return { type: 'Polygon', coordinates: [[[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]], [b[0], b[1]]]] };
}

/**
 * Do two geometries share at least one point? Exact for every pair of the supported types:
 * a vertex of one inside an area of the other, or two edges touching.
 */
export function geometriesIntersect(a: Geometry, b: Geometry, aBox: BBox = bboxOf(a), bBox: BBox = bboxOf(b)): boolean {
  if (!bboxIntersects(aBox, bBox)) return false;
  const aPolys = polygonsOf(a);
  const bPolys = polygonsOf(b);
  if (bPolys.length && positions(a).some((p) => bboxContainsPoint(bBox, p) && bPolys.some((poly) => polygonContains(poly, p)))) return true;
  if (aPolys.length && positions(b).some((p) => bboxContainsPoint(aBox, p) && aPolys.some((poly) => polygonContains(poly, p)))) return true;
  if (!aPolys.length && !bPolys.length) {
    // Points against points or lines: shared positions or a point on a line.
    const aPts = a.type === 'Point' || a.type === 'MultiPoint' ? positions(a) : [];
    const bPts = b.type === 'Point' || b.type === 'MultiPoint' ? positions(b) : [];
    if (aPts.some((p) => bPts.some((q) => samePos(p, q)))) return true;
    for (const [p, q] of edgesOf(b)) if (aPts.some((x) => orient(p, q, x) === 0 && onSegment(p, q, x))) return true;
    for (const [p, q] of edgesOf(a)) if (bPts.some((x) => orient(p, q, x) === 0 && onSegment(p, q, x))) return true;
  }
  const bEdges = [...edgesOf(b)].filter(([p, q]) => bboxIntersects(aBox, [Math.min(p[0], q[0]), Math.min(p[1], q[1]), Math.max(p[0], q[0]), Math.max(p[1], q[1])]));
  if (bEdges.length === 0) return false;
  for (const [p, q] of edgesOf(a)) for (const [r, s] of bEdges) if (segmentsIntersect(p, q, r, s)) return true;
  return false;
}

/** Mean earth radius (IUGG), metres. CGCS2000 and WGS84 ellipsoids differ by < 0.11 mm in the semi-minor axis. */
export const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Great-circle distance in metres between two longitude/latitude positions. */
export function haversine(a: Position, b: Position): number {
  const dLat = (b[1] - a[1]) * RAD;
  const dLng = (b[0] - a[0]) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * RAD) * Math.cos(b[1] * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Distance in metres from a point to a geometry: 0 inside an area; haversine to the nearest
 * vertex of points; to the nearest edge of lines and areas in a local equirectangular projection
 * centred on the point (the nearest point of the edge is then measured with haversine).
 */
export function distanceToGeometry(p: Position, g: Geometry): number {
  if (geometryContainsPoint(g, p)) return 0;
  if (g.type === 'Point' || g.type === 'MultiPoint') return Math.min(...positions(g).map((q) => haversine(p, q)));
  const k = Math.cos(p[1] * RAD);
  let best = Infinity;
  for (const [a, b] of edgesOf(g)) {
    const ax = (a[0] - p[0]) * k;
    const ay = a[1] - p[1];
    const bx = (b[0] - p[0]) * k;
    const by = b[1] - p[1];
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
    const nearest: Position = [p[0] + (ax + t * dx) / k, p[1] + ay + t * dy];
    const d = haversine(p, nearest);
    if (d < best) best = d;
  }
  return best;
}

/** Degrees of longitude and latitude that cover at least `metres` around latitude `lat`. */
export function degreesAround(lat: number, metres: number): { dLng: number; dLat: number } {
  const dLat = (metres / EARTH_RADIUS_M) / RAD;
  const cos = Math.max(0.01, Math.cos(Math.min(89, Math.abs(lat) + dLat) * RAD));
  return { dLng: Math.min(360, dLat / cos), dLat: Math.min(180, dLat) };
}

/** A point inside or on an areal geometry (for labels), else the bbox centre or the first vertex. */
export function labelPoint(g: Geometry): Position {
  if (g.type === 'Point') return g.coordinates;
  const polys = polygonsOf(g);
  if (polys.length) {
    // Centroid of the largest shell, if inside; otherwise the middle of the widest horizontal chord through it.
    const shell = polys.map((p) => p[0]).sort((a, b) => Math.abs(ringArea2(b)) - Math.abs(ringArea2(a)))[0];
    const c = ringCentroid(shell);
    const poly = polys.find((p) => p[0] === shell)!;
    if (polygonContains(poly, c)) return c;
    const b = bboxOf({ type: 'Polygon', coordinates: [shell] });
    const y = (b[1] + b[3]) / 2;
    const xs: number[] = [];
    for (let i = 0; i < shell.length - 1; i++) {
      const [a, d] = [shell[i], shell[i + 1]];
      if ((a[1] > y) !== (d[1] > y)) xs.push(a[0] + ((y - a[1]) * (d[0] - a[0])) / (d[1] - a[1]));
    }
    xs.sort((a, d) => a - d);
    let best: Position = c;
    let width = -1;
    for (let i = 0; i + 1 < xs.length; i += 2) if (xs[i + 1] - xs[i] > width) [width, best] = [xs[i + 1] - xs[i], [(xs[i] + xs[i + 1]) / 2, y]];
    return best;
  }
  const pts = positions(g);
  return pts[Math.floor(pts.length / 2)];
}

function ringCentroid(ring: Ring): Position {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const f = ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
    a += f;
    cx += (ring[i][0] + ring[i + 1][0]) * f;
    cy += (ring[i][1] + ring[i + 1][1]) * f;
  }
  return a === 0 ? ring[0] : [cx / (3 * a), cy / (3 * a)];
}

/** Approximate area in square kilometres (spherical excess via the equal-area projection at the ring's latitude). */
export function areaKm2(g: Geometry): number {
  let total = 0;
  for (const poly of polygonsOf(g)) {
    poly.forEach((ring, i) => {
      const lat0 = ring.reduce((s, p) => s + p[1], 0) / ring.length;
      const k = Math.cos(lat0 * RAD);
      const a = Math.abs(ringArea2(ring)) / 2 * k * (RAD * EARTH_RADIUS_M / 1000) ** 2;
      total += i === 0 ? a : -a;
    });
  }
  return total;
}

/** Type guard after validation. */
export function asGeometry(g: unknown): Geometry {
  return g as Geometry;
}

export { isPosition };
