/**
 * The working-day calendar, cross-checked against hand-computed cases around Spring Festival and
 * National Day (each hand computation is written next to its assertion), against a naive
 * day-by-day / minute-by-minute reference implementation, and against the real database for
 * overrides, declared years, working hours and the CLI.
 *
 * Statutory data used (chinese-days@1.5.7, checked in the first test):
 *   2025 National Day + Mid-Autumn: rest 10-01 (Wed) .. 10-08 (Wed); work Sun 09-28 and Sat 10-11.
 *   2026 New Year: rest 01-01 .. 01-03; work Sun 01-04.
 *   2026 Spring Festival: rest 02-15 (Sun) .. 02-23 (Mon); work Sat 02-14 and Sat 02-28.
 *   2026 Qingming: rest 04-04 (Sat) .. 04-06 (Mon).
 *   2026 Mid-Autumn: rest 09-25 (Fri) .. 09-27 (Sun).
 *   2026 National Day: rest 10-01 (Thu) .. 10-07 (Wed); work Sun 09-20 and Sat 10-10.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { staffActor } from '../../../test/support/actors.ts';
import { platformModule } from '../platform-module.ts';
import { queryRows, sql } from '../db/index.ts';
import { isAppError } from '../errors.ts';
import {
  buildCalendar,
  CalendarYearUnknownError,
  deadlineWithPauses,
  declareKnownYear,
  listDays,
  listKnownYears,
  listOverrides,
  loadCalendar,
  parseWorkingPeriods,
  removeDayOverride,
  removeWorkingHours,
  revokeKnownYear,
  setDayOverride,
  setWorkingHours,
  statutoryData,
  CALENDAR_EVENTS,
  type LoadedCalendar,
} from './index.ts';
import { calendarModule } from './module.ts';
import { runCalendarCommand } from './cli.ts';
import { dayOfInstant, formatDay, instantAt, isWeekend, msOfDay, parseDay, yearOfDay } from './days.ts';

/** An instant given as China Standard Time wall-clock time. */
const cst = (local: string): Date => new Date(`${local}+08:00`);
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function expectCode(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isAppError(err), `expected AppError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

async function expectCodeAsync(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isAppError(err), `expected AppError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const henan = buildCalendar({ regionCode: '410000' });

describe('statutory data (chinese-days)', () => {
  test('the package says what the State Council notices say for the dates the tests rely on', () => {
    const data = statutoryData();
    const kind = (date: string) => data.days.get(parseDay(date)!)?.kind ?? 'none';
    const range = (from: string, to: string) => {
      const out: string[] = [];
      for (let d = parseDay(from)!; d <= parseDay(to)!; d += 1) out.push(formatDay(d));
      return out;
    };
    for (const d of range('2026-02-15', '2026-02-23')) assert.equal(kind(d), 'holiday', d);
    assert.equal(kind('2026-02-14'), 'workday');
    assert.equal(kind('2026-02-28'), 'workday');
    assert.equal(kind('2026-02-24'), 'none');
    for (const d of range('2026-10-01', '2026-10-07')) assert.equal(kind(d), 'holiday', d);
    for (const d of range('2026-09-25', '2026-09-27')) assert.equal(kind(d), 'holiday', d);
    assert.equal(kind('2026-09-20'), 'workday');
    assert.equal(kind('2026-10-10'), 'workday');
    for (const d of range('2025-10-01', '2025-10-08')) assert.equal(kind(d), 'holiday', d);
    assert.equal(kind('2025-09-28'), 'workday');
    assert.equal(kind('2025-10-11'), 'workday');
    assert.equal(data.days.get(parseDay('2026-02-17')!)?.name, '春节');
    assert.equal(data.days.get(parseDay('2026-02-20')!)?.inLieu, true);
    assert.equal(data.days.get(parseDay('2026-02-17')!)?.inLieu, false);
    // Years covered: those with at least one entry.
    assert.deepEqual(henan.packageYears, Array.from({ length: 23 }, (_, i) => 2004 + i));
    assert.equal(henan.isYearKnown(2027), false);
    assert.match(henan.source, /^chinese-days@/);
  });

  test('weekends rest unless adjusted; weekdays work unless a holiday', () => {
    assert.equal(henan.isWorkingDay('2026-02-14'), true); // Saturday, 春节调休上班
    assert.equal(henan.isWorkingDay('2026-02-21'), false); // Saturday in the holiday
    assert.equal(henan.isWorkingDay('2026-02-16'), false); // Monday in the holiday
    assert.equal(henan.isWorkingDay('2026-03-07'), false); // ordinary Saturday
    assert.equal(henan.isWorkingDay('2026-03-09'), true); // ordinary Monday
    const d = henan.describeDay('2026-02-28');
    assert.deepEqual([d.kind, d.name, d.weekday, d.working, d.source], ['adjusted_workday', '春节调休上班', 6, true, 'package']);
    const h = henan.describeDay('2026-02-20');
    assert.deepEqual([h.kind, h.name, h.inLieu], ['holiday', '春节 (调休)', true]);
    assert.equal(henan.describeDay('2026-03-07').kind, 'weekend');
    assert.equal(henan.describeDay('2027-03-01').kind, 'unknown');
    assert.equal(henan.describeDay('2027-03-01').working, null);
  });
});

describe('working days around Spring Festival 2026', () => {
  test('add 1 working day to Friday 2026-02-13 → Saturday 2026-02-14 (adjusted working day)', () => {
    // 02-13 Fri (start, not counted); 02-14 Sat is 春节调休上班 → 1st working day.
    assert.equal(henan.addWorkingDaysToDate('2026-02-13', 1), '2026-02-14');
  });

  test('add 5 working days to Thursday 2026-02-12 → 2026-02-26', () => {
    // 02-13 Fri (1), 02-14 Sat adjusted (2), 02-15..02-23 holiday, 02-24 Tue (3), 02-25 Wed (4), 02-26 Thu (5).
    assert.equal(henan.addWorkingDaysToDate('2026-02-12', 5), '2026-02-26');
  });

  test('20 working days from Tuesday 2026-02-10 → 2026-03-16', () => {
    // 02-11 (1) 02-12 (2) 02-13 (3) 02-14 Sat adj (4) | holiday 02-15..23 | 02-24 (5) 02-25 (6) 02-26 (7)
    // 02-27 (8) 02-28 Sat adj (9) | 03-02..06 (10-14) | 03-09..13 (15-19) | 03-16 Mon (20).
    assert.equal(henan.addWorkingDaysToDate('2026-02-10', 20), '2026-03-16');
    // The deadline instant: end of working hours that day, 17:00 +08:00 = 09:00Z, whatever the time of `from`.
    assert.equal(iso(henan.addWorkingDays(cst('2026-02-10T08:00:00'), 20)), '2026-03-16T09:00:00.000Z');
    assert.equal(iso(henan.addWorkingDays(cst('2026-02-10T23:59:00'), 20)), '2026-03-16T09:00:00.000Z');
    // Just after midnight UTC+8 is still that Chinese day, though it is the previous day in UTC.
    assert.equal(iso(henan.addWorkingDays(cst('2026-02-11T00:30:00'), 19)), '2026-03-16T09:00:00.000Z');
  });

  test('counting back and counting between agree with adding', () => {
    // Working days strictly after 02-10 up to and including 03-16: the 20 listed above.
    assert.equal(henan.workingDaysBetween(cst('2026-02-10T10:00:00'), cst('2026-03-16T08:00:00')), 20);
    // 3 working days before 2026-02-26: 02-25 (1), 02-24 (2), [holiday], 02-14 Sat adj (3).
    assert.equal(henan.addWorkingDaysToDate('2026-02-26', -3), '2026-02-14');
    assert.equal(henan.addWorkingDaysToDate('2026-02-16', 0), '2026-02-16');
    assert.equal(henan.workingDaysBetween(cst('2026-03-16T10:00:00'), cst('2026-02-10T10:00:00')), 0);
    assert.equal(henan.workingDaysBetween(cst('2026-03-16T08:00:00'), cst('2026-03-16T18:00:00')), 0);
    // Holiday week alone: 02-14 (Sat, adj) to 02-23: nothing after 02-14 works until 02-24.
    assert.equal(henan.workingDaysBetween(cst('2026-02-14T12:00:00'), cst('2026-02-23T12:00:00')), 0);
  });
});

describe('working days around National Day', () => {
  test('2026: add 3 working days to Wednesday 2026-09-30 → Saturday 2026-10-10', () => {
    // 10-01..10-07 holiday; 10-08 Thu (1), 10-09 Fri (2), 10-10 Sat 国庆调休上班 (3).
    assert.equal(henan.addWorkingDaysToDate('2026-09-30', 3), '2026-10-10');
  });

  test('2026: add 20 working days to Friday 2026-09-25 (Mid-Autumn) → 2026-10-29', () => {
    // 09-26/27 holiday (weekend of Mid-Autumn); 09-28 (1) 09-29 (2) 09-30 (3); 10-01..07 holiday;
    // 10-08 (4) 10-09 (5) 10-10 Sat adj (6); 10-12..16 (7-11); 10-19..23 (12-16); 10-26 (17) 10-27 (18)
    // 10-28 (19) 10-29 Thu (20).
    assert.equal(henan.addWorkingDaysToDate('2026-09-25', 20), '2026-10-29');
    // Sunday 09-20 is an adjusted working day: from Friday 09-18, 1 working day is Sunday 09-20.
    assert.equal(henan.addWorkingDaysToDate('2026-09-18', 1), '2026-09-20');
  });

  test('2025 National Day + Mid-Autumn: 10-01..10-08 rest, Sunday 09-28 and Saturday 10-11 work', () => {
    // 09-27 Sat rests; 09-28 Sun adj (1).
    assert.equal(henan.addWorkingDaysToDate('2025-09-26', 1), '2025-09-28');
    // 09-28 Sun (1), 09-29 (2), 09-30 (3), 10-01..08 holiday, 10-09 Thu (4), 10-10 Fri (5).
    assert.equal(henan.addWorkingDaysToDate('2025-09-26', 5), '2025-10-10');
    // From 09-30: 10-09 (1), 10-10 (2), 10-11 Sat adj (3).
    assert.equal(henan.addWorkingDaysToDate('2025-09-30', 3), '2025-10-11');
    // Backwards from 10-09: 09-30 (1), 09-29 (2), 09-28 Sun adj (3).
    assert.equal(henan.addWorkingDaysToDate('2025-10-09', -3), '2025-09-28');
  });
});

describe('years whose holidays are not known', () => {
  test('a range running into 2027 is refused with calendar_year_unknown, not counted as all working days', () => {
    // 2026-12-20 Sun: 12-21..25 (1-5), 12-28..31 (6-9), then 2027 — unknown.
    expectCode(() => henan.addWorkingDaysToDate('2026-12-20', 20), 'calendar_year_unknown', /^2027 年的法定节假日安排尚未收录, 无法计算工作日 \(已收录 2004–2026 年\); 请管理员在日历设置中补充$/);
    assert.throws(() => henan.addWorkingDaysToDate('2026-12-20', 20), (e: unknown) => e instanceof CalendarYearUnknownError && e.year === 2027 && e.status === 422);
    expectCode(() => henan.addWorkingDays(cst('2026-12-20T10:00:00'), 20), 'calendar_year_unknown');
    expectCode(() => henan.isWorkingDay('2027-01-04'), 'calendar_year_unknown');
    expectCode(() => henan.addWorkingDaysToDate('2027-01-04', 0), 'calendar_year_unknown');
    expectCode(() => henan.workingDaysBetween(cst('2026-12-30T10:00:00'), cst('2027-01-05T10:00:00')), 'calendar_year_unknown');
    expectCode(() => henan.workingHoursBetween(cst('2026-12-31T10:00:00'), cst('2027-01-04T10:00:00')), 'calendar_year_unknown');
    expectCode(() => henan.addWorkingHours(cst('2026-12-31T16:00:00'), 2), 'calendar_year_unknown');
    expectCode(() => henan.addWorkingDaysToDate('2004-01-06', -5), 'calendar_year_unknown', /^2003 年/);
    // The same range that stays inside 2026 computes: 12-21..25 (1-5), 12-28 (6).
    assert.equal(henan.addWorkingDaysToDate('2026-12-20', 6), '2026-12-28');
    assert.equal(henan.addWorkingDaysToDate('2026-12-20', 9), '2026-12-31');
  });

  test('a year declared known, with its holidays entered as overrides, computes', () => {
    const cal = buildCalendar({
      regionCode: '410000',
      declaredYears: [2027],
      overrides: [{ regionCode: '410000', date: '2027-01-01', kind: 'holiday', name: '元旦', reason: '测试' }],
    });
    // 12-21..25 (1-5), 12-28..31 (6-9); 2027-01-01 Fri holiday (override); 01-04..08 (10-14);
    // 01-11..15 (15-19); 01-18 Mon (20).
    assert.equal(cal.addWorkingDaysToDate('2026-12-20', 20), '2027-01-18');
    assert.equal(cal.isWorkingDay('2027-01-01'), false);
    // A hole: 2028 unknown between 2027 and a declared 2029.
    const holey = buildCalendar({ regionCode: '410000', declaredYears: [2027, 2029] });
    expectCode(() => holey.addWorkingDaysToDate('2027-12-01', 300), 'calendar_year_unknown', /^2028 年.*已收录 2004–2027、2029 年/);
  });
});

describe('working hours (default 09:00–12:00, 13:00–17:00 +08:00)', () => {
  test('4 working hours from Friday 16:00 → Monday 12:00', () => {
    // Fri 2026-03-06 16:00–17:00 (1 h); Sat, Sun rest; Mon 03-09 09:00–12:00 (3 h) → 12:00, not 13:00.
    assert.equal(iso(henan.addWorkingHours(cst('2026-03-06T16:00:00'), 4)), iso(cst('2026-03-09T12:00:00')));
    assert.equal(henan.workingHoursBetween(cst('2026-03-06T16:00:00'), cst('2026-03-09T12:00:00')), 4);
  });

  test('4 working hours from Friday 16:00 before Qingming → Tuesday 12:00 (Monday is a holiday)', () => {
    // Fri 2026-04-03 16:00–17:00 (1 h); 04-04..06 Qingming; Tue 04-07 09:00–12:00 (3 h).
    assert.equal(iso(henan.addWorkingHours(cst('2026-04-03T16:00:00'), 4)), iso(cst('2026-04-07T12:00:00')));
  });

  test('from 11:30, 1 working hour → 13:30 (lunch does not count)', () => {
    // 11:30–12:00 (0.5 h), 13:00–13:30 (0.5 h).
    assert.equal(iso(henan.addWorkingHours(cst('2026-03-04T11:30:00'), 1)), iso(cst('2026-03-04T13:30:00')));
    assert.equal(henan.workingHoursBetween(cst('2026-03-04T11:30:00'), cst('2026-03-04T13:30:00')), 1);
  });

  test('outside working hours, before holidays, fractions, zero', () => {
    // 07:00 → counting starts 09:00: 10:00.
    assert.equal(iso(henan.addWorkingHours(cst('2026-03-04T07:00:00'), 1)), iso(cst('2026-03-04T10:00:00')));
    // Friday 17:30 → Monday 09:00 + 1 h.
    assert.equal(iso(henan.addWorkingHours(cst('2026-03-06T17:30:00'), 1)), iso(cst('2026-03-09T10:00:00')));
    // 2026-09-30 Wed 16:00: 1 h that day; 10-01..07 rest; 10-08 09:00 + 1 h → 10:00.
    assert.equal(iso(henan.addWorkingHours(cst('2026-09-30T16:00:00'), 2)), iso(cst('2026-10-08T10:00:00')));
    // 14 h from Monday 09:00 = Monday (7) + Tuesday (7) → Tuesday 17:00.
    assert.equal(iso(henan.addWorkingHours(cst('2026-03-02T09:00:00'), 14)), iso(cst('2026-03-03T17:00:00')));
    assert.equal(iso(henan.addWorkingHours(cst('2026-03-02T12:15:00'), 0.25)), iso(cst('2026-03-02T13:15:00')));
    assert.equal(iso(henan.addWorkingHours(cst('2026-03-07T10:00:00'), 0)), iso(cst('2026-03-07T10:00:00')));
    // Saturday to Monday 10:30: only Monday 09:00–10:30.
    assert.equal(henan.workingHoursBetween(cst('2026-03-07T10:00:00'), cst('2026-03-09T10:30:00')), 1.5);
    // A whole week with Spring Festival: 02-09..13 (5 × 7) + Sat 02-14 (7) = 42 h up to Sunday 02-15.
    assert.equal(henan.workingHoursBetween(cst('2026-02-09T00:00:00'), cst('2026-02-22T00:00:00')), 42);
    assert.equal(henan.workingHoursBetween(cst('2026-03-09T10:00:00'), cst('2026-03-09T09:00:00')), 0);
    assert.equal(henan.hoursPerDay, 7);
  });

  test('configured working hours change hour counts and the end of a working-day deadline', () => {
    const summer = buildCalendar({ regionCode: '410300', workingPeriods: parseWorkingPeriods('08:30-12:00，14:30–17:30') });
    assert.equal(summer.hoursPerDay, 6.5);
    assert.equal(iso(summer.addWorkingDays(cst('2026-09-30T10:00:00'), 3)), iso(cst('2026-10-10T17:30:00')));
    // 11:00 + 2 h: 11:00–12:00 (1 h), 14:30–15:30 (1 h).
    assert.equal(iso(summer.addWorkingHours(cst('2026-03-04T11:00:00'), 2)), iso(cst('2026-03-04T15:30:00')));
    expectCode(() => parseWorkingPeriods('13:00-17:00,09:00-12:00'), 'calendar_invalid_working_hours', /重叠或顺序颠倒/);
    expectCode(() => parseWorkingPeriods('9点-12点'), 'calendar_invalid_working_hours');
    expectCode(() => parseWorkingPeriods('12:00-09:00'), 'calendar_invalid_working_hours');
    assert.deepEqual(parseWorkingPeriods('9:00-12:00 13:00-24:00'), [{ start: 540, end: 720 }, { start: 780, end: 1440 }]);
  });
});

describe('pausable clocks', () => {
  const start = cst('2026-03-02T10:00:00'); // Monday

  test('a 20-working-day budget without pauses ends on the 20th working day at 17:00', () => {
    // 03-03..06 (1-4), 03-09..13 (5-9), 03-16..20 (10-14), 03-23..27 (15-19), 03-30 Mon (20).
    const r = deadlineWithPauses(henan, { start, budget: { days: 20 }, pauses: [], now: cst('2026-03-10T09:00:00') });
    assert.equal(iso(r.deadline), iso(cst('2026-03-30T17:00:00')));
    // Used by 03-10: 03-03, 04, 05, 06, 09, 10 = 6.
    assert.deepEqual([r.usedDays, r.remainingDays], [6, 14]);
  });

  test('a 15-working-day pause for third-party consultation shifts the deadline by 15 working days; null while paused', () => {
    // Paused Wed 03-04 10:00 (that day still counts), resumed Wed 03-25 15:00. Paused working days
    // (03-04, 03-25]: 03-05 (1) 03-06 (2) 03-09..13 (3-7) 03-16..20 (8-12) 03-23 (13) 03-24 (14) 03-25 (15).
    const pause = { from: cst('2026-03-04T10:00:00'), to: cst('2026-03-25T15:00:00') };
    assert.equal(henan.workingDaysBetween(pause.from, pause.to), 15);
    const paused = deadlineWithPauses(henan, { start, budget: { days: 20 }, pauses: [{ from: pause.from, to: null }], now: cst('2026-03-10T09:00:00') });
    assert.equal(paused.deadline, null);
    // Used: 03-03 (1), 03-04 (2, the pause day); nothing after.
    assert.deepEqual([paused.usedDays, paused.remainingDays], [2, 18]);
    const resumed = deadlineWithPauses(henan, { start, budget: { days: 20 }, pauses: [pause], now: cst('2026-03-26T09:00:00') });
    // 20 + 15 = 35 working days after 03-02: 03-30 (20) 03-31 (21) 04-01 (22) 04-02 (23) 04-03 (24)
    // 04-04..06 Qingming, 04-07..10 (25-28), 04-13..17 (29-33), 04-20 (34), 04-21 Tue (35).
    assert.equal(henan.addWorkingDaysToDate('2026-03-02', 35), '2026-04-21');
    assert.equal(iso(resumed.deadline), iso(cst('2026-04-21T17:00:00')));
    // Used by 03-26: 03-03..03-26 = 18 working days, minus the 15 paused = 3 (03-03, 03-04, 03-26).
    assert.deepEqual([resumed.usedDays, resumed.remainingDays], [3, 17]);
  });

  test('pauses within one day, overlapping pauses, pauses after the deadline, bad pauses', () => {
    const sameDay = deadlineWithPauses(henan, { start, budget: { days: 20 }, pauses: [{ from: cst('2026-03-05T09:00:00'), to: cst('2026-03-05T16:00:00') }], now: start });
    assert.equal(iso(sameDay.deadline), iso(cst('2026-03-30T17:00:00')));
    // Two overlapping pauses count once: (03-04, 03-06] ∪ (03-05, 03-09] = (03-04, 03-09] → 3 working days.
    const overlap = deadlineWithPauses(henan, {
      start,
      budget: { days: 20 },
      pauses: [{ from: cst('2026-03-05T10:00:00'), to: cst('2026-03-09T10:00:00') }, { from: cst('2026-03-04T10:00:00'), to: cst('2026-03-06T10:00:00') }],
      now: start,
    });
    // 23 working days after 03-02: 03-30 (20), 03-31 (21), 04-01 (22), 04-02 (23).
    assert.equal(iso(overlap.deadline), iso(cst('2026-04-02T17:00:00')));
    // Budget of 1 day (deadline Tue 03-03 17:00) used up before a pause opened on Thursday: the passed deadline stays.
    const late = deadlineWithPauses(henan, { start, budget: { days: 1 }, pauses: [{ from: cst('2026-03-05T10:00:00'), to: null }], now: cst('2026-03-06T10:00:00') });
    assert.equal(iso(late.deadline), iso(cst('2026-03-03T17:00:00')));
    // Used: 03-03, 03-04, 03-05 (the pause day) = 3 → remaining -2 (overdue).
    assert.deepEqual([late.usedDays, late.remainingDays], [3, -2]);
    expectCode(() => deadlineWithPauses(henan, { start, budget: { days: 5 }, pauses: [{ from: cst('2026-03-05T10:00:00'), to: cst('2026-03-04T10:00:00') }], now: start }), 'calendar_invalid_pause');
  });

  test('an hours budget excludes paused working time exactly', () => {
    const monday9 = cst('2026-03-02T09:00:00');
    // 8 h: Monday 7 h + Tuesday 09:00–10:00.
    assert.equal(iso(deadlineWithPauses(henan, { start: monday9, budget: { hours: 8 }, pauses: [], now: monday9 }).deadline), iso(cst('2026-03-03T10:00:00')));
    // Paused Monday 11:00–14:00: 11–12 and 13–14 excluded (2 h) → Tuesday 12:00.
    const pause = { from: cst('2026-03-02T11:00:00'), to: cst('2026-03-02T14:00:00') };
    const r = deadlineWithPauses(henan, { start: monday9, budget: { hours: 8 }, pauses: [pause], now: cst('2026-03-02T15:00:00') });
    assert.equal(iso(r.deadline), iso(cst('2026-03-03T12:00:00')));
    // Used by 15:00: 09–12, 13–15 = 5 h, minus 2 h paused = 3 h.
    assert.deepEqual([r.usedHours, r.remainingHours], [3, 5]);
    assert.equal(r.usedDays, 3 / 7);
    assert.equal(deadlineWithPauses(henan, { start: monday9, budget: { hours: 8 }, pauses: [{ from: pause.from, to: null }], now: cst('2026-03-02T15:00:00') }).deadline, null);
  });
});

describe('cross-check against a naive reference', () => {
  /** Day-by-day: is the day working (package + weekends only, as `henan`). */
  const data = statutoryData();
  const naiveWorking = (day: number): boolean => {
    const s = data.days.get(day);
    return s ? s.kind === 'workday' : !isWeekend(day);
  };
  const naiveAdd = (date: string, n: number): string => {
    let day = parseDay(date)!;
    let left = Math.abs(n);
    const step = n >= 0 ? 1 : -1;
    while (left > 0) {
      day += step;
      if (naiveWorking(day)) left -= 1;
    }
    return formatDay(day);
  };
  /** Minute by minute through the default working periods. */
  const inWork = (t: Date) => {
    const m = msOfDay(t) / 60_000;
    return naiveWorking(dayOfInstant(t)) && ((m >= 540 && m < 720) || (m >= 780 && m < 1020));
  };
  const naiveAddHours = (from: Date, hours: number): Date => {
    let t = from.getTime();
    let left = Math.round(hours * 60);
    while (left > 0) {
      if (inWork(new Date(t))) left -= 1;
      t += 60_000;
    }
    return new Date(t);
  };
  // A fixed pseudo-random sequence, so failures reproduce.
  let seed = 20260930;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const first = parseDay('2004-03-01')!;
  const last = parseDay('2026-10-31')!;

  test('adding and counting working days agree with walking day by day (500 random cases)', () => {
    for (let i = 0; i < 500; i += 1) {
      const date = formatDay(first + rnd(last - first));
      const n = rnd(121) - 60;
      const expected = naiveAdd(date, n);
      assert.equal(henan.addWorkingDaysToDate(date, n), expected, `${date} ${n}`);
      if (n > 0) assert.equal(henan.workingDaysBetween(instantAt(parseDay(date)!, 0), instantAt(parseDay(expected)!, 0)), n, `${date} .. ${expected}`);
      assert.equal(yearOfDay(parseDay(expected)!) >= 2004, true);
    }
  });

  test('adding and counting working hours agree with walking minute by minute (150 random cases)', () => {
    for (let i = 0; i < 150; i += 1) {
      const from = new Date(instantAt(first + rnd(last - first), 0).getTime() + rnd(96) * 15 * 60_000);
      const hours = rnd(160) / 4;
      const expected = naiveAddHours(from, hours);
      const got = henan.addWorkingHours(from, hours);
      // The reference lands on the first minute after the last counted one; the calendar may stop at
      // the end of a period (12:00 rather than 13:00): both must be the same amount of work from `from`.
      assert.equal(henan.workingHoursBetween(from, got), hours, `${from.toISOString()} + ${hours} h`);
      assert.equal(henan.workingHoursBetween(from, expected), hours, `${from.toISOString()} + ${hours} h (reference)`);
      assert.ok(got.getTime() <= expected.getTime(), `${from.toISOString()} + ${hours} h: ${got.toISOString()} after ${expected.toISOString()}`);
    }
  });
});

describe('overrides, declared years and working hours in the database', () => {
  let tp: TestPlatform;
  const zhengzhouAdmin = staffActor('郑州市日历管理员', '410100', ['calendar.manage']);
  const provinceAdmin = staffActor('省日历管理员', '410000', ['calendar.manage']);
  const clerk = staffActor('工作人员', '410100', []);

  before(async () => {
    tp = await startTestPlatform({ modules: [platformModule, calendarModule] });
  });
  after(() => tp.close());

  const cal = (regionCode: string): Promise<LoadedCalendar> => loadCalendar(tp.ctx(), { regionCode });

  test('a local holiday of Zhengzhou (410100) applies to Zhengzhou and its counties, not to Luoyang', async () => {
    // 2026-06-01 is a Monday, an ordinary working day.
    await setDayOverride(tp.ctx(zhengzhouAdmin), { regionCode: '410100', date: '2026-06-01', kind: 'holiday', name: '郑州市地方假日 (测试)', reason: '测试用' });
    for (const code of ['410100', '410102', '410103']) assert.equal((await cal(code)).isWorkingDay('2026-06-01'), false, code);
    for (const code of ['410000', '410300', '410302']) assert.equal((await cal(code)).isWorkingDay('2026-06-01'), true, code);
    // From Friday 05-29, 1 working day: Zhengzhou skips Monday 06-01 → Tuesday 06-02; Luoyang → Monday 06-01.
    assert.equal((await cal('410102')).addWorkingDaysToDate('2026-05-29', 1), '2026-06-02');
    assert.equal((await cal('410302')).addWorkingDaysToDate('2026-05-29', 1), '2026-06-01');
    const day = (await listDays(tp.ctx(), { regionCode: '410102', from: '2026-06-01', to: '2026-06-01' }))[0];
    assert.deepEqual([day.kind, day.source, day.name, day.override?.regionCode], ['holiday', 'override', '郑州市地方假日 (测试)', '410100']);
  });

  test('the most specific override wins: county over city over province', async () => {
    // 2026-07-01 Wed: province rests, Zhengzhou works, Zhongyuan (410102) rests again.
    await setDayOverride(tp.ctx(provinceAdmin), { regionCode: '410000', date: '2026-07-01', kind: 'holiday', name: '全省调整 (测试)', reason: '测试' });
    await setDayOverride(tp.ctx(provinceAdmin), { regionCode: '410100', date: '2026-07-01', kind: 'workday', name: '郑州照常上班 (测试)', reason: '测试' });
    await setDayOverride(tp.ctx(zhengzhouAdmin), { regionCode: '410102', date: '2026-07-01', kind: 'holiday', name: '中原区调整 (测试)', reason: '测试' });
    const status = async (code: string) => (await cal(code)).isWorkingDay('2026-07-01');
    assert.deepEqual(
      [await status('410000'), await status('410300'), await status('410100'), await status('410103'), await status('410102')],
      [false, false, true, true, false],
    );
    // A statutory adjusted working day can be turned into a rest day locally: Saturday 2026-02-28.
    await setDayOverride(tp.ctx(zhengzhouAdmin), { regionCode: '410103', date: '2026-02-28', kind: 'holiday', name: '二七区补休 (测试)', reason: '测试' });
    assert.equal((await cal('410103')).isWorkingDay('2026-02-28'), false);
    assert.equal((await cal('410102')).isWorkingDay('2026-02-28'), true);
    const listed = await listOverrides(tp.ctx(), { regionCode: '410100', year: 2026 });
    assert.deepEqual(
      listed.filter((o) => o.date === '2026-07-01').map((o) => [o.regionCode, o.applies]),
      [['410000', true], ['410100', true], ['410102', false]],
    );
  });

  test('changing the calendar needs calendar.manage within the region, and is audited with an event', async () => {
    await expectCodeAsync(setDayOverride(tp.ctx(zhengzhouAdmin), { regionCode: '410000', date: '2026-08-03', kind: 'holiday', name: '越权', reason: '测试' }), 'region_forbidden');
    await expectCodeAsync(setDayOverride(tp.ctx(zhengzhouAdmin), { regionCode: '410300', date: '2026-08-03', kind: 'holiday', name: '越权', reason: '测试' }), 'region_forbidden');
    await expectCodeAsync(setDayOverride(tp.ctx(clerk), { regionCode: '410100', date: '2026-08-03', kind: 'holiday', name: '无权', reason: '测试' }), 'forbidden');
    await expectCodeAsync(declareKnownYear(tp.ctx(zhengzhouAdmin), { regionCode: '410000', year: 2027, note: '越权' }), 'region_forbidden');
    const audits = await queryRows<{ action: string; target_id: string; actor_name: string }>(
      tp.database.db,
      sql`SELECT action, target_id, actor_name FROM platform.audit_log WHERE action LIKE 'calendar.%' AND target_id = '410100:2026-06-01'`,
    );
    assert.deepEqual(audits, [{ action: 'calendar.day_override.set', target_id: '410100:2026-06-01', actor_name: '郑州市日历管理员' }]);
    const events = await queryRows<{ type: string; payload: { regionPrefix: string; affectsFrom: string } }>(
      tp.database.db,
      sql`SELECT type, payload FROM platform.outbox_events WHERE type = ${CALENDAR_EVENTS.dayOverrideSet} AND ordering_key = '410100' ORDER BY occurred_at, id LIMIT 1`,
    );
    assert.equal(events[0].payload.regionPrefix, '4101');
    assert.equal(events[0].payload.affectsFrom, '2026-06-01');
  });

  test('bad input is refused with the field named, and nothing is written', async () => {
    const before = await queryRows<{ n: number }>(tp.database.db, sql`SELECT count(*)::int AS n FROM calendar.day_overrides`);
    await expectCodeAsync(setDayOverride(tp.ctx(provinceAdmin), { regionCode: '410000', date: '2026-02-30', kind: 'holiday', name: 'x', reason: 'y' }), 'calendar_invalid_date');
    await expectCodeAsync(setDayOverride(tp.ctx(provinceAdmin), { regionCode: '4100', date: '2026-03-02', kind: 'holiday', name: 'x', reason: 'y' }), 'calendar_invalid_region');
    await expectCodeAsync(setDayOverride(tp.ctx(provinceAdmin), { regionCode: '410000', date: '2026-03-02', kind: 'holiday', name: 'x', reason: '  ' }), 'validation_failed', /依据或原因/);
    await expectCodeAsync(removeDayOverride(tp.ctx(provinceAdmin), { regionCode: '410000', date: '2026-03-02' }), 'calendar_override_not_found');
    const afterRows = await queryRows<{ n: number }>(tp.database.db, sql`SELECT count(*)::int AS n FROM calendar.day_overrides`);
    assert.deepEqual(afterRows, before);
  });

  test('2027 is unknown until declared; entering overrides alone does not make it known', async () => {
    // 2026-12-20 Sun + 20 runs into 2027 (12-21..25, 12-28..31 are only 9).
    await expectCodeAsync((async () => (await cal('410000')).addWorkingDaysToDate('2026-12-20', 20))(), 'calendar_year_unknown', /^2027 年的法定节假日安排尚未收录/);
    await setDayOverride(tp.ctx(provinceAdmin), { regionCode: '410000', date: '2027-01-01', kind: 'holiday', name: '元旦', reason: '2027 年节假日安排通知 (测试)' });
    await expectCodeAsync((async () => (await cal('410000')).addWorkingDaysToDate('2026-12-20', 20))(), 'calendar_year_unknown');
    await expectCodeAsync(declareKnownYear(tp.ctx(provinceAdmin), { regionCode: '410000', year: 2026, note: '数据包已有' }), 'calendar_year_covered');
    const d = await declareKnownYear(tp.ctx(provinceAdmin), { regionCode: '410000', year: 2027, note: '已录入 2027 年全部放假和调休 (测试)' });
    assert.deepEqual([d.regionCode, d.year, d.declaredByName], ['410000', 2027, '省日历管理员']);
    // 12-21..25 (1-5), 12-28..31 (6-9), 2027-01-01 Fri holiday, 01-04..08 (10-14), 01-11..15 (15-19), 01-18 Mon (20).
    assert.equal((await cal('410000')).addWorkingDaysToDate('2026-12-20', 20), '2027-01-18');
    // The province's declaration covers its subtree.
    assert.equal((await cal('410102')).addWorkingDaysToDate('2026-12-20', 20), '2027-01-18');
    await expectCodeAsync(declareKnownYear(tp.ctx(provinceAdmin), { regionCode: '410000', year: 2027, note: '重复' }), 'calendar_year_declared');
    await expectCodeAsync(declareKnownYear(tp.ctx(zhengzhouAdmin), { regionCode: '410100', year: 2027, note: '上级已声明' }), 'calendar_year_declared', /上级行政区划 410000/);
    const known = await listKnownYears(tp.ctx(), { regionCode: '410102' });
    assert.deepEqual(known.declarations.map((x) => [x.regionCode, x.year]), [['410000', 2027]]);
    assert.equal(known.packageYears[known.packageYears.length - 1], 2026);
    // Revoking makes the year unknown again (the overrides stay).
    await revokeKnownYear(tp.ctx(provinceAdmin), { regionCode: '410000', year: 2027, reason: '声明过早 (测试)' });
    await expectCodeAsync((async () => (await cal('410000')).addWorkingDaysToDate('2026-12-20', 20))(), 'calendar_year_unknown');
    await declareKnownYear(tp.ctx(provinceAdmin), { regionCode: '410000', year: 2027, note: '已录入 2027 年全部放假和调休 (测试)' });
  });

  test('working hours per region: Luoyang works 08:30–12:00, 14:30–17:30; others keep the default', async () => {
    await setWorkingHours(tp.ctx(provinceAdmin), { regionCode: '410300', periods: '08:30-12:00, 14:30-17:30', note: '夏季作息 (测试)' });
    const luoyang = await cal('410302');
    assert.deepEqual(luoyang.workingPeriods, [{ start: 510, end: 720 }, { start: 870, end: 1050 }]);
    // From Friday 2026-03-06 16:00: Fri 16:00–17:30 (1.5 h), Mon 08:30–12:00 (3.5 h) → 5 h ends Monday 12:00.
    assert.equal(iso(luoyang.addWorkingHours(cst('2026-03-06T16:00:00'), 5)), iso(cst('2026-03-09T12:00:00')));
    assert.equal(iso(luoyang.addWorkingDays(cst('2026-09-30T10:00:00'), 3)), iso(cst('2026-10-10T17:30:00')));
    assert.equal(iso((await cal('410102')).addWorkingDays(cst('2026-09-30T10:00:00'), 3)), iso(cst('2026-10-10T17:00:00')));
    await expectCodeAsync(setWorkingHours(tp.ctx(provinceAdmin), { regionCode: '410300', periods: '17:00-09:00' }), 'calendar_invalid_working_hours');
    await removeWorkingHours(tp.ctx(provinceAdmin), { regionCode: '410300' });
    assert.equal((await cal('410302')).hoursPerDay, 7);
  });

  test('CLI: `calendar add` prints the date, honours the database, exits 1 on an unknown year and 2 on bad usage', async () => {
    const run = async (args: string[], deps: Parameters<typeof runCalendarCommand>[2] = { env: { DATA_DIR: '/nonexistent-egov-calendar-test' } }) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCalendarCommand(args, { out: (s) => out.push(s), err: (s) => err.push(s) }, deps);
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    // 10-08 (1), 10-09 (2), 10-10 Sat adj (3).
    assert.deepEqual(await run(['add', '2026-09-30', '3', '--offline']), { code: 0, out: '2026-10-10', err: '' });
    // Without a database, the package alone, said on stderr.
    const noDb = await run(['add', '2026-09-30', '3']);
    assert.deepEqual([noDb.code, noDb.out], [0, '2026-10-10']);
    assert.match(noDb.err, /未找到数据库/);
    const unknown = await run(['add', '2026-12-20', '20', '--offline']);
    assert.deepEqual([unknown.code, unknown.out], [1, '']);
    assert.equal(unknown.err, '2027 年的法定节假日安排尚未收录, 无法计算工作日 (已收录 2004–2026 年); 请管理员在日历设置中补充');
    // 3 working days before 10-09: 10-08, 09-30, 09-29.
    assert.equal((await run(['add', '2026-10-09', '-3', '--offline'])).out, '2026-09-29');
    // With the database: 2027 declared above → computes; Zhengzhou's local holiday counts for Zhongyuan.
    assert.deepEqual(await run(['add', '2026-12-20', '20'], { database: tp.database }), { code: 0, out: '2027-01-18', err: '' });
    assert.equal((await run(['add', '2026-05-29', '1', '--region=410102'], { database: tp.database })).out, '2026-06-02');
    assert.equal((await run(['add', '2026-05-29', '1', '--region', '410302'], { database: tp.database })).out, '2026-06-01');
    for (const bad of [['add', '2026-02-30', '3'], ['add', '2026-09-30'], ['add', '2026-09-30', '3', '4'], ['add', '2026-09-30', 'x'], ['frob'], [], ['add', '2026-09-30', '3', '--region=41'], ['add', '2026-09-30', '3', '--bogus']]) {
      const r = await run(bad);
      assert.equal(r.code, 2, bad.join(' '));
      assert.match(r.err, /用法: egov calendar add/);
    }
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /^用法: egov calendar add/);
  });
});
