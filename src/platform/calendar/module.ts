/**
 * The calendar declared like a module, so role management, navigation and route registration treat
 * it the same way: scope `calendar.manage`, the workbench page and the JSON API. Listed in
 * src/modules/index.ts.
 */
import type { ModuleDefinition } from '../module.ts';
import { hasScope, regionPrefixesFor } from '../context.ts';
import { registerCalendarApi } from './routes.ts';
import { registerCalendarPages, CALENDAR_PAGE } from './pages.ts';
import { bindCalendarEventRegistry } from './events.ts';
import { CALENDAR_MANAGE_SCOPE, chinaDate, loadCalendar, DEFAULT_REGION } from './service.ts';

/** From this month on, a missing next year is shown to calendar administrators as pending work. */
const REMIND_FROM_MONTH = 10;

export const calendarModule: ModuleDefinition = {
  name: 'calendar',
  scopes: [{ name: CALENDAR_MANAGE_SCOPE, description: '维护工作日历 (调休、地方假日)' }],
  navigation: [{ label: '工作日历', href: CALENDAR_PAGE, scope: 'staff', group: '系统运维' }],
  async registerRoutes(app, services) {
    bindCalendarEventRegistry(services.events);
    await registerCalendarApi(app, services);
    registerCalendarPages(app, services);
  },
  async pendingItems(ctx) {
    if (!hasScope(ctx.actor, CALENDAR_MANAGE_SCOPE)) return [];
    const today = chinaDate(ctx.clock.now());
    const [year, month] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
    const grant = ctx.actor.grants.find((g) => (g.scopes.has(CALENDAR_MANAGE_SCOPE) || g.scopes.has('*')) && /^[1-9]\d{5}$/.test(g.regionCode));
    const region = grant?.regionCode ?? (regionPrefixesFor(ctx.actor, CALENDAR_MANAGE_SCOPE).includes('') ? DEFAULT_REGION : null);
    if (!region) return [];
    const cal = await loadCalendar(ctx, { regionCode: region });
    const missing = [year, ...(month >= REMIND_FROM_MONTH ? [year + 1] : [])].filter((y) => !cal.isYearKnown(y));
    return missing.map((y) => ({ title: `${y} 年节假日安排尚未收录 (${region}), 跨入该年的期限无法计算`, href: `${CALENDAR_PAGE}?year=${y}&region=${region}`, count: 1 }));
  },
};
