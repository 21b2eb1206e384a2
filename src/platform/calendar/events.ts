/**
 * Events the calendar publishes, and where its services find the handler registry publish() needs.
 *
 * Service functions take only `ctx`, and the kernel does not carry the registry on ctx yet, so the
 * calendar module's registerRoutes() binds it here once per boot (the same arrangement as the
 * directory module; it goes away when `events` is put on Ctx). Changes made without a bound
 * registry (CLI) still store their events in the outbox, without delivery rows.
 */
import { HandlerRegistry } from '../events/outbox.ts';

/**
 * Every event carries `regionCode` and `regionPrefix` (the subtree it affects) and the first date
 * it affects (`affectsFrom`, YYYY-MM-DD), so that a subscriber (the workflow engine) can recompute
 * the deadlines of running cases of that subtree whose counting window reaches that date.
 */
export const CALENDAR_EVENTS = {
  dayOverrideSet: 'calendar.day_override.set',
  dayOverrideRemoved: 'calendar.day_override.removed',
  yearDeclared: 'calendar.known_year.declared',
  yearRevoked: 'calendar.known_year.revoked',
  workingHoursSet: 'calendar.working_hours.set',
  workingHoursRemoved: 'calendar.working_hours.removed',
} as const;

export const CALENDAR_EVENT_TYPES: string[] = Object.values(CALENDAR_EVENTS);

let bound: HandlerRegistry | null = null;
const unbound = new HandlerRegistry();

export function bindCalendarEventRegistry(registry: HandlerRegistry): void {
  bound = registry;
}

export function calendarEventRegistry(): HandlerRegistry {
  return bound ?? unbound;
}
