/**
 * Dates and instants in China Standard Time (UTC+8, no daylight saving), computed explicitly:
 * nothing here depends on the process time zone. A calendar day is a "day number", the count of
 * days since 1970-01-01; an instant's day is the day number of its UTC+8 wall-clock date.
 */
import { AppError } from '../errors.ts';

export const DAY_MS = 86_400_000;
export const CST_OFFSET_MS = 8 * 3_600_000;

/** Day number of a `YYYY-MM-DD` date, or null when it is not a real calendar date. */
export function parseDay(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / DAY_MS;
}

/** Day number of a date, refusing anything else with `calendar_invalid_date` (field named). */
export function requireDay(value: string, field = 'date'): number {
  const day = typeof value === 'string' ? parseDay(value) : null;
  if (day === null) {
    const message = `日期「${String(value)}」无效, 应为 YYYY-MM-DD 格式的实际日期, 如 2026-10-09`;
    throw new AppError({ code: 'calendar_invalid_date', status: 400, message, fields: [{ field, message }] });
  }
  return day;
}

export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The UTC+8 calendar day of an instant. */
export function dayOfInstant(instant: Date): number {
  return Math.floor((instant.getTime() + CST_OFFSET_MS) / DAY_MS);
}

/** Milliseconds since UTC+8 midnight of the instant's day. */
export function msOfDay(instant: Date): number {
  const local = instant.getTime() + CST_OFFSET_MS;
  return local - Math.floor(local / DAY_MS) * DAY_MS;
}

/** The instant `ms` milliseconds after UTC+8 midnight of `day`. */
export function instantAt(day: number, ms: number): Date {
  return new Date(day * DAY_MS + ms - CST_OFFSET_MS);
}

export function yearOfDay(day: number): number {
  return new Date(day * DAY_MS).getUTCFullYear();
}

export function firstDayOfYear(year: number): number {
  return Date.UTC(year, 0, 1) / DAY_MS;
}

/** ISO weekday: 1 Monday … 7 Sunday (1970-01-01, day 0, was a Thursday). */
export function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

export const isWeekend = (day: number): boolean => isoWeekday(day) >= 6;

export const WEEKDAY_LABELS = ['', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六', '星期日'];

/**
 * The prefix shared by the codes of a region's subtree (GB/T 2260): province `41` for `410000`,
 * prefecture `4101` for `410100`, county-level codes (and Jiyuan `419001`) whole.
 */
export function regionPrefixOf(regionCode: string): string {
  if (regionCode.endsWith('0000')) return regionCode.slice(0, 2);
  if (regionCode.endsWith('00')) return regionCode.slice(0, 4);
  return regionCode;
}

/** The prefixes an override may be stored under to apply to `regionCode`: its own and its ancestors'. */
export function applicablePrefixes(regionCode: string): string[] {
  return [...new Set([regionCode.slice(0, 2), regionCode.slice(0, 4), regionPrefixOf(regionCode)])];
}

export function requireRegionCode(value: string, field = 'regionCode'): string {
  if (typeof value !== 'string' || !/^[1-9][0-9]{5}$/.test(value)) {
    const message = `行政区划代码「${String(value)}」无效, 应为 6 位数字 (GB/T 2260), 如河南省 410000、郑州市 410100`;
    throw new AppError({ code: 'calendar_invalid_region', status: 400, message, fields: [{ field, message }] });
  }
  return value;
}
