/**
 * Shapefile (ESRI .shp + .dbf) → GeoJSON FeatureCollection with the maintained `shapefile` package;
 * the result goes through the same validation as a GeoJSON upload. The attribute table's text is
 * decoded as GBK by default (what Chinese GIS software writes) or as the .cpg file says. Only
 * longitude/latitude files are accepted: a .prj naming a projected system is refused.
 */
import { read } from 'shapefile';
import { AppError } from '../../../platform/errors.ts';

export interface ShapefileInput {
  shp: Buffer;
  dbf?: Buffer;
  /** Content of the .cpg file, e.g. "UTF-8" or "GBK". */
  cpg?: string;
  /** Content of the .prj file (WKT). */
  prj?: string;
}

export function encodingOf(cpg: string | undefined): string {
  const c = (cpg ?? '').trim().toLowerCase();
  if (!c) return 'gbk';
  if (c.includes('utf')) return 'utf-8';
  if (c.includes('936') || c.includes('gbk') || c.includes('gb2312')) return 'gbk';
  if (c.includes('18030')) return 'gb18030';
  return 'gbk';
}

export async function shapefileToGeoJson(input: ShapefileInput): Promise<unknown> {
  if (input.prj && /PROJCS\[/i.test(input.prj)) {
    throw new AppError({ code: 'import_invalid', status: 422, message: 'Shapefile 的 .prj 声明为投影坐标系, 本平台只接受 CGCS2000 / WGS84 经纬度坐标, 请先转换后再导入', fields: [{ field: 'prj', message: '投影坐标系不受支持' }] });
  }
  if (input.shp.length < 100 || input.shp.readInt32BE(0) !== 9994) {
    throw new AppError({ code: 'import_invalid', status: 422, message: '.shp 文件不是有效的 Shapefile (文件头不正确)', fields: [{ field: 'shp', message: '.shp 文件头不正确' }] });
  }
  const toArray = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  try {
    return await read(toArray(input.shp), input.dbf ? toArray(input.dbf) : undefined, { encoding: encodingOf(input.cpg) });
  } catch (err) {
    throw new AppError({ code: 'import_invalid', status: 422, message: `Shapefile 无法读取: ${(err as Error).message}`, fields: [{ field: 'shp', message: 'Shapefile 无法读取' }] });
  }
}
