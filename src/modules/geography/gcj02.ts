/**
 * WGS84 / CGCS2000 ↔ GCJ-02 (国测局坐标, the offset coordinates of Chinese web maps).
 *
 * The forward transform is the widely published one (Krasovsky 1940 ellipsoid constants, the
 * polynomial-and-sine offset), applied only inside China's rough bounding box as every published
 * implementation does. The inverse has no closed form: we iterate the forward transform until the
 * round trip is within 1e-9 degrees (≈ 0.1 mm), instead of the one-step approximation many
 * libraries use (which is off by up to ~1 m).
 *
 * CGCS2000 is treated as WGS84: the two frames differ by a few centimetres, far below GCJ-02's own
 * precision and below anything this platform stores.
 */
import type { Position } from './geometry.ts';

const A = 6378245.0;
const EE = 0.006693421622965943; // 0.00669342162296594323 as published, to double precision

/** The rough box outside of which GCJ-02 applies no offset (as in the published implementations). */
export function outOfChina(lng: number, lat: number): boolean {
  return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function transformLat(x: number, y: number): number {
  let ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  ret += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  ret += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return ret;
}

function transformLng(x: number, y: number): number {
  let ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  ret += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  ret += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return ret;
}

/** WGS84 (or CGCS2000) longitude/latitude → GCJ-02. */
export function wgs84ToGcj02(lng: number, lat: number): [number, number] {
  if (outOfChina(lng, lat)) return [lng, lat];
  let dLat = transformLat(lng - 105.0, lat - 35.0);
  let dLng = transformLng(lng - 105.0, lat - 35.0);
  const radLat = (lat / 180.0) * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
  dLng = (dLng * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [lng + dLng, lat + dLat];
}

/** GCJ-02 → WGS84 (or CGCS2000), by fixed-point iteration of the forward transform (≤ 1e-9°). */
export function gcj02ToWgs84(lng: number, lat: number): [number, number] {
  if (outOfChina(lng, lat)) return [lng, lat];
  let x = lng;
  let y = lat;
  for (let i = 0; i < 30; i++) {
    const [gx, gy] = wgs84ToGcj02(x, y);
    const ex = gx - lng;
    const ey = gy - lat;
    x -= ex;
    y -= ey;
    if (Math.abs(ex) < 1e-9 && Math.abs(ey) < 1e-9) break;
  }
  return [x, y];
}

export type CoordinateSystem = 'wgs84' | 'cgcs2000' | 'gcj02';
export const COORDINATE_SYSTEM_LABELS: Record<CoordinateSystem, string> = {
  wgs84: 'WGS84 (GPS)',
  cgcs2000: 'CGCS2000 (国家大地坐标系, 本平台按 WGS84 处理)',
  gcj02: 'GCJ-02 (国测局坐标, 国内网络地图)',
};

/** A position in `from` to the platform's storage frame (WGS84/CGCS2000). */
export function toStorage(p: Position, from: CoordinateSystem): Position {
  if (from !== 'gcj02') return p;
  const [x, y] = gcj02ToWgs84(p[0], p[1]);
  return p.length > 2 ? [x, y, p[2]] : [x, y];
}

/** A stored position (WGS84/CGCS2000) in the frame `to`. */
export function fromStorage(p: Position, to: CoordinateSystem): Position {
  if (to !== 'gcj02') return p;
  const [x, y] = wgs84ToGcj02(p[0], p[1]);
  return p.length > 2 ? [x, y, p[2]] : [x, y];
}

/** Applies `fn` to every position of a GeoJSON geometry (a new object; the input is not changed). */
export function mapPositions<G extends { type: string; coordinates: unknown }>(g: G, fn: (p: Position) => Position): G {
  const walk = (c: unknown): unknown => (Array.isArray(c) && typeof c[0] === 'number' ? fn(c as Position) : Array.isArray(c) ? c.map(walk) : c);
  return { ...g, coordinates: walk(g.coordinates) };
}
