/**
 * The calendar's JSON API under /api/calendar. Reading is for any staff member; changes need
 * `calendar.manage` within the region's subtree (checked by the services).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { PlatformServices } from '../module.ts';
import type { Actor } from '../context.ts';
import {
  AddQuery,
  AddResultSchema,
  DayInfoSchema,
  DaysQuery,
  DeclarationSchema,
  KnownYearBody,
  KnownYearParams,
  KnownYearsSchema,
  OverrideBody,
  OverrideListItemSchema,
  OverrideListQuery,
  OverrideParams,
  OverrideSchema,
  ReasonQuery,
  RegionParams,
  RegionQuery,
  RequiredReasonQuery,
  WorkingHoursBody,
  WorkingHoursSchema,
} from './schemas.ts';
import {
  CALENDAR_MANAGE_SCOPE,
  DEFAULT_REGION,
  declareKnownYear,
  getWorkingHours,
  listDays,
  listKnownYears,
  listOverrides,
  loadCalendar,
  removeDayOverride,
  removeWorkingHours,
  revokeKnownYear,
  setDayOverride,
  setWorkingHours,
} from './service.ts';

const tags = ['calendar'];

/** The region asked for, else the actor's own unit's region, else the province. */
export function regionOf(actor: Actor, asked: string | undefined): string {
  if (asked) return asked;
  const own = actor.grants.find((g) => /^[1-9]\d{5}$/.test(g.regionCode));
  return own?.regionCode ?? DEFAULT_REGION;
}

const region = (req: FastifyRequest, asked: string | undefined) => regionOf(req.ctx.actor, asked);

export async function registerCalendarApi(app: FastifyInstance, services: PlatformServices): Promise<void> {
  await app.register(async (plugin) => {
    const r = plugin.withTypeProvider<TypeBoxTypeProvider>();

    r.get('/api/calendar/days', {
      config: { scope: 'staff' },
      schema: {
        tags,
        summary: '日历: 逐日列出工作日、周末、节假日和调休上班 (最多 400 天)',
        description: '节假日安排尚未收录的年份不报错, 逐日标注 yearKnown=false、working=null。',
        querystring: DaysQuery,
        response: { 200: Type.Array(DayInfoSchema) },
      },
    }, async (req) => listDays(req.ctx, { regionCode: region(req, req.query.region), from: req.query.from, to: req.query.to }));

    r.get('/api/calendar/add', {
      config: { scope: 'staff' },
      schema: {
        tags,
        summary: '计算某日之后第 N 个工作日 (起算日当天不计入)',
        description: '跨入节假日安排尚未收录的年份时以 422 calendar_year_unknown 报错。',
        querystring: AddQuery,
        response: { 200: AddResultSchema },
      },
    }, async (req) => {
      const cal = await loadCalendar(req.ctx, { regionCode: region(req, req.query.region) });
      const result = cal.addWorkingDaysToDate(req.query.date, req.query.days);
      const deadline = cal.addWorkingDays(new Date(`${req.query.date}T12:00:00+08:00`), req.query.days);
      return { regionCode: cal.regionCode, date: req.query.date, days: req.query.days, result, deadline: deadline.toISOString() };
    });

    r.get('/api/calendar/overrides', {
      config: { scope: 'staff' },
      schema: { tags, summary: '日历调整列表: 适用于该区划的 (本级和上级) 以及下辖区划的', querystring: OverrideListQuery, response: { 200: Type.Array(OverrideListItemSchema) } },
    }, async (req) => listOverrides(req.ctx, { regionCode: req.query.region, year: req.query.year }));

    r.post('/api/calendar/overrides', {
      config: { scope: CALENDAR_MANAGE_SCOPE },
      schema: { tags, summary: '设置某区划某日为上班或休息 (已有则替换)', body: OverrideBody, response: { 201: OverrideSchema } },
    }, async (req, reply) => {
      const override = await setDayOverride(req.ctx, req.body);
      services.nudgeDispatcher();
      return reply.status(201).header('location', `/api/calendar/overrides/${override.regionCode}/${override.date}`).send(override);
    });

    r.delete('/api/calendar/overrides/:regionCode/:date', {
      config: { scope: CALENDAR_MANAGE_SCOPE },
      schema: { tags, summary: '删除日历调整', params: OverrideParams, querystring: ReasonQuery, response: { 200: OverrideSchema } },
    }, async (req) => {
      const removed = await removeDayOverride(req.ctx, { regionCode: req.params.regionCode, date: req.params.date, reason: req.query.reason });
      services.nudgeDispatcher();
      return removed;
    });

    r.get('/api/calendar/known-years', {
      config: { scope: 'staff' },
      schema: { tags, summary: '已收录的年份: 数据包收录的和管理员声明的', querystring: RegionQuery, response: { 200: KnownYearsSchema } },
    }, async (req) => listKnownYears(req.ctx, { regionCode: req.query.region }));

    r.post('/api/calendar/known-years', {
      config: { scope: CALENDAR_MANAGE_SCOPE },
      schema: {
        tags,
        summary: '声明某年的节假日安排已完整录入 (数据包未收录的年份)',
        description: '先以日历调整录入该年全部放假日和调休上班日, 再声明; 声明后该区划及下辖区划可计算该年的工作日。',
        body: KnownYearBody,
        response: { 201: DeclarationSchema },
      },
    }, async (req, reply) => {
      const declaration = await declareKnownYear(req.ctx, req.body);
      services.nudgeDispatcher();
      return reply.status(201).send(declaration);
    });

    r.delete('/api/calendar/known-years/:regionCode/:year', {
      config: { scope: CALENDAR_MANAGE_SCOPE },
      schema: { tags, summary: '撤回年份声明 (该年重新视为未收录)', params: KnownYearParams, querystring: RequiredReasonQuery, response: { 200: DeclarationSchema } },
    }, async (req) => {
      const revoked = await revokeKnownYear(req.ctx, { regionCode: req.params.regionCode, year: req.params.year, reason: req.query.reason });
      services.nudgeDispatcher();
      return revoked;
    });

    r.get('/api/calendar/working-hours', {
      config: { scope: 'staff' },
      schema: { tags, summary: '某区划适用的工作时间', querystring: RegionQuery, response: { 200: WorkingHoursSchema } },
    }, async (req) => getWorkingHours(req.ctx, { regionCode: region(req, req.query.region) }));

    r.put('/api/calendar/working-hours', {
      config: { scope: CALENDAR_MANAGE_SCOPE },
      schema: { tags, summary: '设置某区划 (及下辖区划) 的工作时间', body: WorkingHoursBody, response: { 200: WorkingHoursSchema } },
    }, async (req) => {
      const setting = await setWorkingHours(req.ctx, req.body);
      services.nudgeDispatcher();
      return setting;
    });

    r.delete('/api/calendar/working-hours/:regionCode', {
      config: { scope: CALENDAR_MANAGE_SCOPE },
      schema: { tags, summary: '删除某区划单独设置的工作时间 (恢复上级设置或默认)', params: RegionParams },
    }, async (req, reply) => {
      await removeWorkingHours(req.ctx, { regionCode: req.params.regionCode });
      services.nudgeDispatcher();
      return reply.status(204).send();
    });
  });
}
