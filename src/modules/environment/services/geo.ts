/**
 * A schematic map of Henan for the console: a rough outline of the province (a hand-drawn polygon of
 * about 30 vertices, not surveyed geometry) and the seats of the 18 prefecture-level units. The page
 * says so on screen. No external tile server is used.
 */

/** Approximate seats (WGS-84 lon, lat) of Henan's prefecture-level units, by region code. */
export const CITY_SEATS: Record<string, { name: string; lon: number; lat: number }> = {
  '410100': { name: '郑州市', lon: 113.62, lat: 34.75 },
  '410200': { name: '开封市', lon: 114.31, lat: 34.8 },
  '410300': { name: '洛阳市', lon: 112.45, lat: 34.62 },
  '410400': { name: '平顶山市', lon: 113.19, lat: 33.77 },
  '410500': { name: '安阳市', lon: 114.39, lat: 36.1 },
  '410600': { name: '鹤壁市', lon: 114.3, lat: 35.75 },
  '410700': { name: '新乡市', lon: 113.93, lat: 35.3 },
  '410800': { name: '焦作市', lon: 113.24, lat: 35.22 },
  '410900': { name: '濮阳市', lon: 115.03, lat: 35.76 },
  '411000': { name: '许昌市', lon: 113.85, lat: 34.04 },
  '411100': { name: '漯河市', lon: 114.02, lat: 33.58 },
  '411200': { name: '三门峡市', lon: 111.2, lat: 34.77 },
  '411300': { name: '南阳市', lon: 112.53, lat: 33.0 },
  '411400': { name: '商丘市', lon: 115.66, lat: 34.41 },
  '411500': { name: '信阳市', lon: 114.09, lat: 32.15 },
  '411600': { name: '周口市', lon: 114.7, lat: 33.63 },
  '411700': { name: '驻马店市', lon: 114.02, lat: 32.98 },
  '419001': { name: '济源市', lon: 112.6, lat: 35.07 },
};

/** Rough outline of Henan (lon, lat), clockwise from the west. Schematic only. */
const OUTLINE: [number, number][] = [
  [110.36, 34.6], [110.9, 34.65], [111.6, 34.95], [112.1, 35.05], [112.05, 35.3], [112.8, 35.25], [113.3, 35.5], [113.6, 35.95], [114.0, 36.35],
  [114.6, 36.25], [115.1, 36.2], [115.5, 35.95], [115.35, 35.6], [115.9, 35.5], [116.2, 34.9], [116.65, 34.4], [116.1, 34.2], [115.6, 33.95],
  [115.55, 33.4], [115.9, 32.95], [115.75, 32.4], [115.7, 31.9], [115.1, 31.55], [114.6, 31.45], [114.0, 31.65], [113.6, 31.85], [113.2, 32.3],
  [112.6, 32.4], [111.9, 32.6], [111.5, 32.9], [111.0, 33.25], [110.6, 33.5], [110.45, 34.1], [110.36, 34.6],
];

export const HENAN_SCHEMATIC_GEOJSON = {
  type: 'FeatureCollection',
  features: [{ type: 'Feature', properties: { name: '河南省 (示意)' }, geometry: { type: 'Polygon', coordinates: [OUTLINE] } }],
};

export const SCHEMATIC_NOTE = '示意图: 省界为手绘的近似多边形, 城市位置为近似坐标, 非测绘成果, 不作为界线依据。';
