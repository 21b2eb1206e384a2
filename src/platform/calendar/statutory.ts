/**
 * China's statutory holidays and adjusted working days (调休) from the `chinese-days` data package
 * (dist/chinese-days.json: `holidays`, `workdays`, `inLieuDays`, each `date -> "English,中文,N"`).
 * Read once per process: it is code-like reference data, the same in every process.
 * The years covered are those with at least one entry; nothing is assumed about other years.
 */
import { createRequire } from 'node:module';
import { parseDay, yearOfDay } from './days.ts';

export interface StatutoryDay {
  /** Rest day (holiday or day off in lieu) or adjusted working day on a weekend. */
  kind: 'holiday' | 'workday';
  /** Chinese name of the festival, e.g. 春节, 国庆节. */
  name: string;
  /** A rest day granted in exchange for an adjusted working day (调休休息), not a statutory holiday proper. */
  inLieu: boolean;
}

export interface StatutoryData {
  /** Package name and version, shown as the data source. */
  source: string;
  days: ReadonlyMap<number, StatutoryDay>;
  years: ReadonlySet<number>;
}

interface PackageJson {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
  inLieuDays: Record<string, string>;
}

let cached: StatutoryData | null = null;

function chineseName(value: string): string {
  const parts = value.split(',');
  return (parts[1] ?? parts[0] ?? '').trim() || '节假日';
}

export function statutoryData(): StatutoryData {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const json = require('chinese-days/dist/chinese-days.json') as PackageJson;
  const version = (require('chinese-days/package.json') as { version: string }).version;
  const days = new Map<number, StatutoryDay>();
  const years = new Set<number>();
  const add = (date: string, day: StatutoryDay) => {
    const n = parseDay(date);
    if (n === null) throw new Error(`chinese-days: invalid date ${date}`);
    if (days.has(n)) throw new Error(`chinese-days: ${date} is listed both as a holiday and as a working day`);
    days.set(n, day);
    years.add(yearOfDay(n));
  };
  for (const [date, value] of Object.entries(json.holidays)) add(date, { kind: 'holiday', name: chineseName(value), inLieu: date in json.inLieuDays });
  for (const [date, value] of Object.entries(json.workdays)) add(date, { kind: 'workday', name: chineseName(value), inLieu: false });
  cached = { source: `chinese-days@${version}`, days, years };
  return cached;
}
