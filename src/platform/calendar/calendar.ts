/**
 * The working calendar of one region, pure and in memory: statutory data + the region's overrides
 * + declared years + working hours, precomputed into a per-day array with prefix sums, so that
 * counting working days is O(1) and adding them is a binary search.
 *
 * Conventions (see CONTEXT.md):
 * - "N working days after D": D itself is not counted (期间开始的当日不计入); the result is the N-th
 *   working day after D. N may be negative (the N-th working day before D); N = 0 gives D.
 * - An operation whose range of days touches a year that is neither covered by the data package nor
 *   declared by an administrator throws CalendarYearUnknownError (`calendar_year_unknown`).
 * - Instants are placed on days and hours in UTC+8 explicitly (days.ts).
 */
import { AppError } from '../errors.ts';
import {
  dayOfInstant,
  firstDayOfYear,
  formatDay,
  instantAt,
  isWeekend,
  isoWeekday,
  msOfDay,
  regionPrefixOf,
  requireDay,
  requireRegionCode,
  yearOfDay,
} from './days.ts';
import { statutoryData, type StatutoryData } from './statutory.ts';

export interface WorkingCalendar {
  regionCode: string;
  isWorkingDay(date: string /* YYYY-MM-DD */): boolean;
  /** N working days after the day of `from` (that day not counted); returns the date YYYY-MM-DD. */
  addWorkingDaysToDate(date: string, n: number): string;
  /** Deadline instant: the end of working hours (17:00 +08:00) of the N-th working day after `from`'s day. */
  addWorkingDays(from: Date, n: number): Date;
  /** Instant after `hours` working hours counted from `from` (time outside working hours does not count). */
  addWorkingHours(from: Date, hours: number): Date;
  /** Whole working days strictly after a's day up to and including b's day (0 if b <= a). */
  workingDaysBetween(a: Date, b: Date): number;
  /** Working hours (fractional) between two instants. */
  workingHoursBetween(a: Date, b: Date): number;
}

/** A working period of a day, in minutes after midnight (UTC+8); end may be 1440. */
export interface WorkingPeriod {
  start: number;
  end: number;
}

export const DEFAULT_WORKING_PERIODS: readonly WorkingPeriod[] = [
  { start: 9 * 60, end: 12 * 60 },
  { start: 13 * 60, end: 17 * 60 },
];

export interface DayOverrideRecord {
  regionCode: string;
  date: string;
  kind: 'workday' | 'holiday';
  name: string;
  reason: string;
}

export type DayKind = 'workday' | 'weekend' | 'holiday' | 'adjusted_workday' | 'unknown';

export const DAY_KIND_LABELS: Record<DayKind, string> = {
  workday: '工作日',
  weekend: '周末休息',
  holiday: '节假日休息',
  adjusted_workday: '调休上班',
  unknown: '未收录',
};

export interface DayInfo {
  date: string;
  /** 1 Monday … 7 Sunday. */
  weekday: number;
  /** Whether the year's holidays are known (package or declared); when not, `working` is null. */
  yearKnown: boolean;
  working: boolean | null;
  kind: DayKind;
  /** Festival or override name, e.g. 春节, 春节调休上班, 郑州市地方假日. */
  name: string | null;
  /** Where the day's status comes from. */
  source: 'override' | 'package' | 'default';
  /** A rest day in exchange for an adjusted working day (调休休息), per the package. */
  inLieu: boolean;
  /** The override that decides the day (the most specific one), when any. */
  override: DayOverrideRecord | null;
}

export interface LoadedCalendar extends WorkingCalendar {
  /** Years whose holidays are known for this region, ascending. */
  readonly knownYears: readonly number[];
  readonly packageYears: readonly number[];
  /** Years declared known by administrators for this region (or a region above it). */
  readonly declaredYears: readonly number[];
  readonly workingPeriods: readonly WorkingPeriod[];
  /** Working hours in one working day (7 by default). */
  readonly hoursPerDay: number;
  /** Data source, e.g. chinese-days@1.5.7. */
  readonly source: string;
  isYearKnown(year: number): boolean;
  describeDay(date: string): DayInfo;
}

export interface CalendarInput {
  regionCode: string;
  /** Overrides for this region or regions above it (others are ignored). */
  overrides?: readonly DayOverrideRecord[];
  /** Years declared known for this region or regions above it. */
  declaredYears?: readonly number[];
  /** Working periods of every working day; default 09:00–12:00, 13:00–17:00. */
  workingPeriods?: readonly WorkingPeriod[];
  /** The statutory data (tests may pass their own); default the chinese-days package. */
  data?: StatutoryData;
}

const MAX_DAYS = 10_000;
const MAX_HOURS = 100_000;
const HOUR_MS = 3_600_000;

/** `2004–2026、2028` from a sorted list of years. */
export function describeYears(years: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < years.length) {
    let j = i;
    while (j + 1 < years.length && years[j + 1] === years[j] + 1) j += 1;
    parts.push(j === i ? String(years[i]) : `${years[i]}–${years[j]}`);
    i = j + 1;
  }
  return parts.join('、');
}

export class CalendarYearUnknownError extends AppError {
  readonly year: number;
  constructor(year: number, knownYears: readonly number[]) {
    super({
      code: 'calendar_year_unknown',
      status: 422,
      message: `${year} 年的法定节假日安排尚未收录, 无法计算工作日 (${knownYears.length ? `已收录 ${describeYears(knownYears)} 年` : '尚未收录任何年份'}); 请管理员在日历设置中补充`,
    });
    this.year = year;
  }
}

function invalid(code: string, message: string, field: string): AppError {
  return new AppError({ code, status: 400, message, fields: [{ field, message }] });
}

function requireCount(n: number, field: string): number {
  if (!Number.isInteger(n) || Math.abs(n) > MAX_DAYS) throw invalid('calendar_invalid_count', `工作日数「${String(n)}」无效, 应为 -${MAX_DAYS} 到 ${MAX_DAYS} 之间的整数`, field);
  return n;
}

function requireInstant(d: Date, field: string): number {
  const t = d instanceof Date ? d.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw invalid('calendar_invalid_instant', `时间「${String(d)}」无效`, field);
  return t;
}

/** `HH:MM` for minutes after midnight. */
export function formatMinutes(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

export function formatPeriods(periods: readonly WorkingPeriod[]): string {
  return periods.map((p) => `${formatMinutes(p.start)}-${formatMinutes(p.end)}`).join(',');
}

/**
 * Parses working periods such as `09:00-12:00, 13:00-17:00` (comma, 、, ; or spaces between;
 * - – ~ 至 within): ordered, not overlapping, within the day (24:00 allowed as an end).
 */
export function parseWorkingPeriods(text: string, field = 'periods'): WorkingPeriod[] {
  const bad = (why: string) => invalid('calendar_invalid_working_hours', `工作时间「${text}」无效: ${why}; 应写作如 09:00-12:00,13:00-17:00`, field);
  const items = String(text ?? '').split(/[,，、;；\s]+/).filter(Boolean);
  if (items.length === 0) throw bad('至少需要一个时段');
  if (items.length > 6) throw bad('最多 6 个时段');
  const periods: WorkingPeriod[] = [];
  for (const item of items) {
    const m = /^(\d{1,2}):(\d{2})[-–~至](\d{1,2}):(\d{2})$/.exec(item);
    if (!m) throw bad(`无法识别「${item}」`);
    const start = Number(m[1]) * 60 + Number(m[2]);
    const end = Number(m[3]) * 60 + Number(m[4]);
    if (Number(m[2]) > 59 || Number(m[4]) > 59 || start >= 1440 || end > 1440) throw bad(`「${item}」不是一天之内的时间`);
    if (start >= end) throw bad(`「${item}」的结束时间应晚于开始时间`);
    const prev = periods[periods.length - 1];
    if (prev && start < prev.end) throw bad(`「${item}」与前一时段重叠或顺序颠倒`);
    periods.push({ start, end });
  }
  return periods;
}

/** Working (1) or not (0) for every day of the package's years, by the package alone; computed once per data set. */
const baseCache = new WeakMap<StatutoryData, { firstDay: number; working: Uint8Array }>();
function baseOf(data: StatutoryData): { firstDay: number; working: Uint8Array } {
  const hit = baseCache.get(data);
  if (hit) return hit;
  const years = [...data.years].sort((a, b) => a - b);
  const firstDay = years.length ? firstDayOfYear(years[0]) : 0;
  const length = years.length ? firstDayOfYear(years[years.length - 1] + 1) - firstDay : 0;
  const working = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) {
    const s = data.days.get(firstDay + i);
    working[i] = s ? (s.kind === 'workday' ? 1 : 0) : isWeekend(firstDay + i) ? 0 : 1;
  }
  const base = { firstDay, working };
  baseCache.set(data, base);
  return base;
}

export function buildCalendar(input: CalendarInput): LoadedCalendar {
  const regionCode = requireRegionCode(input.regionCode);
  const data = input.data ?? statutoryData();
  const periods = (input.workingPeriods ?? DEFAULT_WORKING_PERIODS).map((p) => ({ start: p.start, end: p.end }));
  if (periods.length === 0) throw invalid('calendar_invalid_working_hours', '工作时间至少需要一个时段', 'periods');
  const periodsMs = periods.map((p) => ({ start: p.start * 60_000, end: p.end * 60_000 }));
  const dayMs = periodsMs.reduce((s, p) => s + p.end - p.start, 0);
  const endOfWorkMs = periodsMs[periodsMs.length - 1].end;

  // The most specific override of each day wins (longer prefix = smaller region).
  const applicable = (input.overrides ?? [])
    .filter((o) => regionCode.startsWith(regionPrefixOf(o.regionCode)))
    .sort((a, b) => regionPrefixOf(a.regionCode).length - regionPrefixOf(b.regionCode).length);
  const overrides = new Map<number, DayOverrideRecord>();
  for (const o of applicable) overrides.set(requireDay(o.date), o);

  const packageYears = [...data.years].sort((a, b) => a - b);
  const declaredYears = [...new Set(input.declaredYears ?? [])].filter((y) => Number.isInteger(y)).sort((a, b) => a - b);
  const known = new Set<number>([...packageYears, ...declaredYears]);
  const knownYears = [...known].sort((a, b) => a - b);

  // Per-day arrays over [first known year, last known year]; days of unknown years are not working.
  const firstDay = knownYears.length ? firstDayOfYear(knownYears[0]) : 0;
  const length = knownYears.length ? firstDayOfYear(knownYears[knownYears.length - 1] + 1) - firstDay : 0;
  const statusOf = (day: number): { working: boolean; source: DayInfo['source']; statutory: ReturnType<typeof data.days.get>; override: DayOverrideRecord | undefined } => {
    const override = overrides.get(day);
    const statutory = data.days.get(day);
    if (override) return { working: override.kind === 'workday', source: 'override', statutory, override };
    if (statutory) return { working: statutory.kind === 'workday', source: 'package', statutory, override };
    return { working: !isWeekend(day), source: 'default', statutory, override };
  };
  const base = baseOf(data);
  const working = new Uint8Array(length);
  if (length > 0) {
    for (let y = knownYears[0], i = 0; y <= knownYears[knownYears.length - 1]; y += 1) {
      const end = firstDayOfYear(y + 1);
      if (!known.has(y)) {
        i = end - firstDay;
        continue;
      }
      for (let day = firstDayOfYear(y); day < end; day += 1, i += 1) {
        const b = day - base.firstDay;
        working[i] = b >= 0 && b < base.working.length ? base.working[b] : isWeekend(day) ? 0 : 1;
      }
    }
    for (const [day, o] of overrides) {
      const i = day - firstDay;
      if (i >= 0 && i < length && known.has(yearOfDay(day))) working[i] = o.kind === 'workday' ? 1 : 0;
    }
  }
  /** cum[i] = working days among indices 0..i. */
  const cum = new Int32Array(length);
  for (let i = 0, running = 0; i < length; i += 1) {
    running += working[i];
    cum[i] = running;
  }
  const cumAt = (i: number): number => (i < 0 ? 0 : cum[i]);

  const isYearKnown = (year: number) => known.has(year);
  const unknown = (year: number) => new CalendarYearUnknownError(year, knownYears);
  /** Every year touched walking from day `a` to day `b` (either direction) must be known. */
  const assertKnown = (a: number, b: number) => {
    const ya = yearOfDay(a);
    const yb = yearOfDay(b);
    const step = yb >= ya ? 1 : -1;
    for (let y = ya; ; y += step) {
      if (!known.has(y)) throw unknown(y);
      if (y === yb) break;
    }
  };
  /** The first unknown year walking from `day`'s year in direction `step` (one always exists). */
  const firstUnknownFrom = (day: number, step: 1 | -1): number => {
    let y = yearOfDay(day);
    while (known.has(y)) y += step;
    return y;
  };
  /** Smallest index in [lo, hi] with cum >= target, or -1. */
  const search = (lo: number, hi: number, target: number): number => {
    if (lo > hi || cum[hi] < target) return -1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid] >= target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };

  const addDays = (day: number, n: number): number => {
    assertKnown(day, day);
    if (n === 0) return day;
    const i = day - firstDay;
    if (n > 0) {
      const j = search(i + 1, length - 1, cum[i] + n);
      if (j < 0) {
        assertKnown(day, firstDay + length - 1);
        throw unknown(firstUnknownFrom(day, 1));
      }
      assertKnown(day, firstDay + j);
      return firstDay + j;
    }
    const target = cumAt(i - 1) + n + 1;
    const j = target >= 1 ? search(0, i - 1, target) : -1;
    if (j < 0) {
      assertKnown(day, firstDay);
      throw unknown(firstUnknownFrom(day, -1));
    }
    assertKnown(day, firstDay + j);
    return firstDay + j;
  };

  const isWorking = (day: number) => working[day - firstDay] === 1;

  /** Working milliseconds of a working day before `t` ms after midnight. */
  const workedBefore = (t: number): number => periodsMs.reduce((s, p) => s + Math.max(0, Math.min(p.end, t) - p.start), 0);

  const workingMsBetween = (a: number, b: number): number => {
    if (b <= a) return 0;
    const da = dayOfInstant(new Date(a));
    const db = dayOfInstant(new Date(b));
    assertKnown(da, db);
    const ta = msOfDay(new Date(a));
    const tb = msOfDay(new Date(b));
    if (da === db) return isWorking(da) ? workedBefore(tb) - workedBefore(ta) : 0;
    const first = isWorking(da) ? dayMs - workedBefore(ta) : 0;
    const last = isWorking(db) ? workedBefore(tb) : 0;
    const middle = (cumAt(db - firstDay - 1) - cumAt(da - firstDay)) * dayMs;
    return first + middle + last;
  };

  /** The instant within working day `day` after `remaining` ms of work counted from `fromMs` (ms after midnight), or null when the day has less left. */
  const placeWithin = (day: number, fromMs: number, remaining: number): { at: Date | null; left: number } => {
    let left = remaining;
    for (const p of periodsMs) {
      const s = Math.max(p.start, fromMs);
      if (s >= p.end) continue;
      const avail = p.end - s;
      if (left <= avail) return { at: instantAt(day, s + left), left: 0 };
      left -= avail;
    }
    return { at: null, left };
  };

  const addWorkingMs = (from: number, ms: number): Date => {
    const day = dayOfInstant(new Date(from));
    assertKnown(day, day);
    if (ms === 0) return new Date(from);
    let left = ms;
    if (isWorking(day)) {
      const r = placeWithin(day, msOfDay(new Date(from)), left);
      if (r.at) return r.at;
      left = r.left;
    }
    // `left` > 0 is used up by k whole working days and a part (0, dayMs] of the next one.
    const k = Math.ceil(left / dayMs) - 1;
    const target = addDays(day, k + 1);
    const r = placeWithin(target, 0, left - k * dayMs);
    return r.at ?? instantAt(target, endOfWorkMs);
  };

  const describeDay = (date: string): DayInfo => {
    const day = requireDay(date);
    const yearKnown = known.has(yearOfDay(day));
    const s = statusOf(day);
    const weekend = isWeekend(day);
    const kind: DayKind = !yearKnown && !s.override ? 'unknown' : s.working ? (weekend ? 'adjusted_workday' : 'workday') : s.source === 'default' ? 'weekend' : 'holiday';
    let name: string | null = null;
    if (s.override) name = s.override.name;
    else if (s.statutory) name = s.statutory.kind === 'workday' ? `${s.statutory.name}调休上班` : s.statutory.inLieu ? `${s.statutory.name} (调休)` : s.statutory.name;
    return {
      date: formatDay(day),
      weekday: isoWeekday(day),
      yearKnown,
      working: yearKnown ? s.working : null,
      kind,
      name,
      source: s.source,
      inLieu: s.source === 'package' && (s.statutory?.inLieu ?? false),
      override: s.override ?? null,
    };
  };

  return {
    regionCode,
    knownYears,
    packageYears,
    declaredYears,
    workingPeriods: periods,
    hoursPerDay: dayMs / HOUR_MS,
    source: data.source,
    isYearKnown,
    describeDay,
    isWorkingDay(date) {
      const day = requireDay(date);
      assertKnown(day, day);
      return isWorking(day);
    },
    addWorkingDaysToDate(date, n) {
      return formatDay(addDays(requireDay(date), requireCount(n, 'n')));
    },
    addWorkingDays(from, n) {
      requireInstant(from, 'from');
      return instantAt(addDays(dayOfInstant(from), requireCount(n, 'n')), endOfWorkMs);
    },
    addWorkingHours(from, hours) {
      const t = requireInstant(from, 'from');
      if (typeof hours !== 'number' || !Number.isFinite(hours) || hours < 0 || hours > MAX_HOURS) {
        throw invalid('calendar_invalid_count', `工作时数「${String(hours)}」无效, 应为 0 到 ${MAX_HOURS} 之间的数`, 'hours');
      }
      return addWorkingMs(t, Math.round(hours * HOUR_MS));
    },
    workingDaysBetween(a, b) {
      const da = dayOfInstant(new Date(requireInstant(a, 'a')));
      const db = dayOfInstant(new Date(requireInstant(b, 'b')));
      if (db <= da) return 0;
      assertKnown(da, db);
      return cum[db - firstDay] - cum[da - firstDay];
    },
    workingHoursBetween(a, b) {
      return workingMsBetween(requireInstant(a, 'a'), requireInstant(b, 'b')) / HOUR_MS;
    },
  };
}

export interface Pause {
  from: Date;
  /** null while the clock is still paused. */
  to: Date | null;
}

export interface PausedDeadline {
  /** null while paused (unless the budget was already used up before the pause began). */
  deadline: Date | null;
  /** Working days counted so far (up to `now`), pauses excluded; fractional for an hours budget. */
  usedDays: number;
  /** Budget minus used; negative when overdue. */
  remainingDays: number;
  /** For an hours budget: working hours counted so far and left. */
  usedHours?: number;
  remainingHours?: number;
}

/** Sorted, merged pause intervals in ms; `to` Infinity while still paused. */
function mergePauses(pauses: readonly Pause[]): { from: number; to: number }[] {
  const list = pauses.map((p, i) => {
    const from = requireInstant(p.from, `pauses.${i}.from`);
    const to = p.to === null ? Infinity : requireInstant(p.to, `pauses.${i}.to`);
    if (to < from) throw invalid('calendar_invalid_pause', `第 ${i + 1} 个暂停时段的恢复时间早于暂停时间`, `pauses.${i}.to`);
    return { from, to };
  });
  list.sort((a, b) => a.from - b.from);
  const merged: { from: number; to: number }[] = [];
  for (const p of list) {
    const last = merged[merged.length - 1];
    if (last && p.from <= last.to) last.to = Math.max(last.to, p.to);
    else merged.push({ ...p });
  }
  return merged;
}

/**
 * A pausable clock: the deadline of a budget of working days or hours counted from `start`, with
 * paused time not counted.
 *
 * Days budget: counted like addWorkingDays (the start day not counted). A pause from instant F to
 * instant T takes out the working days strictly after F's day up to and including T's day: the day
 * the clock stops still counts, counting resumes the day after the clock restarts (the same rule as
 * for the start, 期间开始的当日不计入). A pause within one day takes out nothing.
 *
 * Hours budget: working time between the instants, pauses excluded exactly.
 *
 * While a pause is open the deadline is null, unless the budget was already used up before the
 * pause began (then that passed deadline is returned).
 */
export function deadlineWithPauses(
  cal: WorkingCalendar,
  input: { start: Date; budget: { days: number } | { hours: number }; pauses: Pause[]; now: Date },
): PausedDeadline {
  const start = requireInstant(input.start, 'start');
  const now = requireInstant(input.now, 'now');
  const pauses = mergePauses(input.pauses ?? []);

  if ('days' in input.budget) {
    const budget = requireCount(input.budget.days, 'budget.days');
    if (budget < 0) throw invalid('calendar_invalid_count', '期限工作日数不能为负', 'budget.days');
    // Days are handled through noon of each day, so only the day matters.
    const noon = (day: number) => instantAt(day, 12 * HOUR_MS);
    const between = (a: number, b: number) => (b > a ? cal.workingDaysBetween(noon(a), noon(b)) : 0);
    const startDay = dayOfInstant(new Date(start));
    // Excluded day ranges (fromDay, toDay], in order and disjoint since the pauses are merged.
    const ranges = pauses.map((p) => ({ from: dayOfInstant(new Date(p.from)), to: p.to === Infinity ? Infinity : dayOfInstant(new Date(p.to)) }));
    let cursor = startDay;
    let remaining = budget;
    let deadline: Date | null | undefined;
    for (const r of ranges) {
      if (r.to <= cursor) continue;
      const avail = between(cursor, r.from);
      if (remaining <= avail) {
        deadline = cal.addWorkingDays(noon(cursor), remaining);
        break;
      }
      remaining -= avail;
      if (r.to === Infinity) {
        deadline = null;
        break;
      }
      cursor = r.to;
    }
    if (deadline === undefined) deadline = cal.addWorkingDays(noon(cursor), remaining);
    const nowDay = dayOfInstant(new Date(now));
    let used = between(startDay, nowDay);
    for (const r of ranges) used -= between(Math.max(r.from, startDay), Math.min(r.to, nowDay));
    return { deadline, usedDays: used, remainingDays: budget - used };
  }

  const hours = input.budget.hours;
  if (typeof hours !== 'number' || !Number.isFinite(hours) || hours < 0 || hours > MAX_HOURS) {
    throw invalid('calendar_invalid_count', `期限工作时数「${String(hours)}」无效`, 'budget.hours');
  }
  const msBetween = (a: number, b: number) => (b > a ? Math.round(cal.workingHoursBetween(new Date(a), new Date(b)) * HOUR_MS) : 0);
  const addMs = (from: number, ms: number) => cal.addWorkingHours(new Date(from), ms / HOUR_MS);
  let cursor = start;
  let remaining = Math.round(hours * HOUR_MS);
  let deadline: Date | null | undefined;
  for (const p of pauses) {
    if (p.to <= cursor) continue;
    if (p.from > cursor) {
      const candidate = addMs(cursor, remaining);
      if (candidate.getTime() <= p.from) {
        deadline = candidate;
        break;
      }
      remaining -= msBetween(cursor, p.from);
    }
    if (p.to === Infinity) {
      deadline = null;
      break;
    }
    cursor = p.to;
  }
  if (deadline === undefined) deadline = addMs(cursor, remaining);
  let usedMs = msBetween(start, now);
  for (const p of pauses) usedMs -= msBetween(Math.max(p.from, start), Math.min(p.to, now));
  const usedHours = usedMs / HOUR_MS;
  const perDay = (cal as Partial<LoadedCalendar>).hoursPerDay ?? 7;
  return { deadline, usedDays: usedHours / perDay, remainingDays: (hours - usedHours) / perDay, usedHours, remainingHours: hours - usedHours };
}
