/**
 * SCHEMATIC geometry of Henan for the demo (示意性边界, 非测绘成果). No boundary dataset exists on
 * this machine, so the province outline is a hand-drawn ~35-vertex polygon that roughly follows the
 * real border, and each prefecture-level unit is the Voronoi cell of its government seat (real seat
 * coordinates from public knowledge, WGS84, rounded) clipped to that outline. The cells partition
 * the outline exactly; near a boundary they say nothing about where the real boundary runs.
 */
import type { Position, Ring } from '../geometry.ts';

/** The province outline, counter-clockwise, closed (lng, lat). Schematic. */
export const HENAN_OUTLINE: Ring = [
  [110.36, 34.6],
  [110.5, 34.1],
  [110.8, 33.6],
  [111.0, 33.1],
  [111.5, 32.55],
  [112.0, 32.35],
  [112.6, 32.4],
  [113.2, 32.35],
  [113.7, 31.9],
  [114.2, 31.5],
  [114.9, 31.5],
  [115.6, 31.7],
  [115.9, 32.05],
  [115.6, 32.45],
  [115.3, 33.0],
  [115.6, 33.5],
  [116.4, 33.8],
  [116.65, 34.2],
  [116.3, 34.55],
  [115.7, 34.75],
  [115.3, 34.95],
  [115.45, 35.3],
  [116.05, 35.9],
  [115.55, 36.1],
  [114.95, 36.1],
  [114.35, 36.4],
  [113.75, 36.35],
  [113.7, 35.9],
  [113.3, 35.5],
  [112.8, 35.25],
  [112.1, 35.1],
  [111.6, 34.98],
  [110.9, 34.78],
  [110.36, 34.6],
];

/** Seats of the 18 prefecture-level governments (GB/T 2260 code, name, lng, lat; WGS84, ≈ 0.01°). */
export const PREFECTURE_SEATS: { code: string; name: string; seat: Position }[] = [
  { code: '410100', name: '郑州市', seat: [113.625, 34.747] },
  { code: '410200', name: '开封市', seat: [114.308, 34.797] },
  { code: '410300', name: '洛阳市', seat: [112.454, 34.62] },
  { code: '410400', name: '平顶山市', seat: [113.193, 33.766] },
  { code: '410500', name: '安阳市', seat: [114.392, 36.098] },
  { code: '410600', name: '鹤壁市', seat: [114.297, 35.748] },
  { code: '410700', name: '新乡市', seat: [113.927, 35.303] },
  { code: '410800', name: '焦作市', seat: [113.242, 35.216] },
  { code: '410900', name: '濮阳市', seat: [115.029, 35.762] },
  { code: '411000', name: '许昌市', seat: [113.852, 34.036] },
  { code: '411100', name: '漯河市', seat: [114.017, 33.582] },
  { code: '411200', name: '三门峡市', seat: [111.2, 34.773] },
  { code: '411300', name: '南阳市', seat: [112.529, 32.991] },
  { code: '411400', name: '商丘市', seat: [115.656, 34.414] },
  { code: '411500', name: '信阳市', seat: [114.091, 32.147] },
  { code: '411600', name: '周口市', seat: [114.697, 33.626] },
  { code: '411700', name: '驻马店市', seat: [114.022, 32.98] },
  { code: '419001', name: '济源市', seat: [112.602, 35.067] },
];

/** Longitude is shrunk by cos(34°) so cells are Voronoi cells in (roughly) metric space. */
const K = Math.cos((34 * Math.PI) / 180);

/** Sutherland–Hodgman: the part of a closed ring where a·x + b·y ≤ c. */
function clipHalfPlane(ring: Ring, a: number, b: number, c: number): Ring {
  const pts = ring.slice(0, -1);
  const out: Position[] = [];
  const side = (p: Position) => a * p[0] + b * p[1] - c;
  for (let i = 0; i < pts.length; i++) {
    const cur = pts[i];
    const prev = pts[(i + pts.length - 1) % pts.length];
    const sc = side(cur);
    const sp = side(prev);
    if (sc <= 0) {
      if (sp > 0) out.push(intersect(prev, cur, sp, sc));
      out.push(cur);
    } else if (sp <= 0) out.push(intersect(prev, cur, sp, sc));
  }
  if (out.length < 3) return [];
  return [...out, out[0]];
}

function intersect(p: Position, q: Position, sp: number, sq: number): Position {
  const t = sp / (sp - sq);
  return [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])];
}

const round = (r: Ring): Ring => {
  const out: Ring = [];
  for (const p of r) {
    const q: Position = [Math.round(p[0] * 1e5) / 1e5, Math.round(p[1] * 1e5) / 1e5];
    const last = out[out.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) out.push(q);
  }
  return out;
};

/** The Voronoi cell of `seeds[i]` within `outline` (closed ring; [] if empty). */
export function voronoiCell(outline: Ring, seeds: Position[], i: number): Ring {
  let cell = outline;
  const s = seeds[i];
  for (let j = 0; j < seeds.length && cell.length; j++) {
    if (j === i) continue;
    const t = seeds[j];
    // |p - s|² ≤ |p - t|²  ⇔  2(t - s)·p ≤ |t|² - |s|², in the shrunk-longitude plane.
    const a = 2 * (t[0] - s[0]) * K * K;
    const b = 2 * (t[1] - s[1]);
    const c = (t[0] * K) ** 2 + t[1] ** 2 - (s[0] * K) ** 2 - s[1] ** 2;
    cell = clipHalfPlane(cell, a, b, c);
  }
  return cell.length ? round(cell) : [];
}

/** GeoJSON features of the 18 schematic prefecture-level regions. */
export function schematicPrefectures(): { type: 'FeatureCollection'; features: unknown[] } {
  const seeds = PREFECTURE_SEATS.map((p) => p.seat);
  return {
    type: 'FeatureCollection',
    features: PREFECTURE_SEATS.map((p, i) => ({
      type: 'Feature',
      id: p.code,
      geometry: { type: 'Polygon', coordinates: [voronoiCell(HENAN_OUTLINE, seeds, i)] },
      properties: { region_code: p.code, name: p.name, 政府驻地经度: p.seat[0], 政府驻地纬度: p.seat[1], 说明: '示意性边界, 非测绘成果 (按政府驻地的泰森多边形生成)' },
    })),
  };
}

/** Deterministic pseudo-random numbers (mulberry32), for synthetic layers. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random point inside the outline (rejection sampling in its bounding box). */
export function randomPointInHenan(rand: () => number, inside: (p: Position) => boolean): Position {
  for (;;) {
    const p: Position = [110.36 + rand() * (116.65 - 110.36), 31.5 + rand() * (36.4 - 31.5)];
    if (inside(p)) return p;
  }
}
