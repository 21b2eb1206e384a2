/**
 * The working-day calendar (工作日历): China's statutory holidays and adjusted working days (调休)
 * from the chinese-days package, per-region overrides and declared years, working hours, and the
 * arithmetic of deadlines in working days and working hours, with clocks that pause.
 *
 * This file is the public surface; see CONTEXT.md for the terms and rules. The module definition
 * (routes, pages, scope) is in module.ts, the CLI command in cli.ts.
 */
export {
  buildCalendar,
  deadlineWithPauses,
  parseWorkingPeriods,
  formatPeriods,
  describeYears,
  CalendarYearUnknownError,
  DEFAULT_WORKING_PERIODS,
  DAY_KIND_LABELS,
  type WorkingCalendar,
  type LoadedCalendar,
  type CalendarInput,
  type DayInfo,
  type DayKind,
  type DayOverrideRecord,
  type WorkingPeriod,
  type Pause,
  type PausedDeadline,
} from './calendar.ts';
export {
  loadCalendar,
  listDays,
  listOverrides,
  listKnownYears,
  getWorkingHours,
  setDayOverride,
  removeDayOverride,
  declareKnownYear,
  revokeKnownYear,
  setWorkingHours,
  removeWorkingHours,
  CALENDAR_MANAGE_SCOPE,
  DEFAULT_REGION,
  type DayOverride,
  type OverrideListItem,
  type SetDayOverrideInput,
  type YearDeclaration,
  type KnownYears,
  type WorkingHoursSetting,
} from './service.ts';
export { CALENDAR_EVENTS, CALENDAR_EVENT_TYPES } from './events.ts';
export { statutoryData, type StatutoryData, type StatutoryDay } from './statutory.ts';
export { regionPrefixOf, dayOfInstant, formatDay, parseDay } from './days.ts';
