/**
 * The environment JSON API under /api/environment. Thin: schemas validate and document, the services
 * decide (region bounds are checked per row).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PlatformServices } from '../../platform/module.ts';
import { SCOPES } from './model.ts';
import {
  AlarmAckBody, AlarmCaseBody, AlarmQuery, AlarmResolveBody, CityParams, EmissionQuery, EnterpriseBody, EnterpriseQuery, EnterpriseUpdateBody, IdParams, LimitBody, LimitParams,
  MonthQuery, OutletBody, PointBody, PointPatchBody, PointQuery, RatesQuery, SeriesQuery, TaxQuery,
} from './schemas.ts';
import { createEnterprise, createOutlet, createPoint, getEnterprise, getPoint, listEnterprises, listOutlets, listPoints, setOutletLimit, updateEnterprise, updatePoint } from './services/registry.ts';
import { listStandards } from './services/standards.ts';
import { acknowledgeAlarm, getAlarm, listAlarms, openFollowupCase, resolveAlarm } from './services/alarms.ts';
import { emissionTotals, pointSeries, pointStatuses, reductionByCity, taxBase, transmissionRates } from './services/console.ts';
import { cityMonthXlsx, enterpriseMonthXlsx } from './services/export.ts';

const tags = ['environment'];
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export async function registerEnvironmentApi(app: FastifyInstance, services: PlatformServices): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const nudge = <T>(v: T): T => {
    services.nudgeDispatcher();
    return v;
  };

  // --- registry ---
  r.get('/api/environment/standards', { config: { scope: SCOPES.read }, schema: { tags, summary: '排放标准及限值' } }, async (req) => listStandards(req.ctx));
  r.get('/api/environment/enterprises', { config: { scope: SCOPES.read }, schema: { tags, summary: '排污企业列表 (本辖区)', querystring: EnterpriseQuery } }, async (req) => listEnterprises(req.ctx, req.query));
  r.post('/api/environment/enterprises', { config: { scope: SCOPES.registryWrite }, schema: { tags, summary: '登记排污企业', body: EnterpriseBody } }, async (req, reply) =>
    reply.status(201).send(nudge(await createEnterprise(req.ctx, req.body))));
  r.get('/api/environment/enterprises/:id', { config: { scope: SCOPES.read }, schema: { tags, summary: '企业及其排放口', params: IdParams } }, async (req) => ({
    enterprise: await getEnterprise(req.ctx, req.params.id),
    outlets: await listOutlets(req.ctx, { enterpriseId: req.params.id }),
    points: await listPoints(req.ctx, { enterpriseId: req.params.id }),
  }));
  r.put('/api/environment/enterprises/:id', { config: { scope: SCOPES.registryWrite }, schema: { tags, summary: '修改企业', params: IdParams, body: EnterpriseUpdateBody } }, async (req) =>
    updateEnterprise(req.ctx, { ...req.body, id: req.params.id }));
  r.post('/api/environment/outlets', { config: { scope: SCOPES.registryWrite }, schema: { tags, summary: '登记排放口 (限值由排放标准带出)', body: OutletBody } }, async (req, reply) =>
    reply.status(201).send(await createOutlet(req.ctx, req.body)));
  r.put('/api/environment/outlets/:id/limits/:pollutant', { config: { scope: SCOPES.registryWrite }, schema: { tags, summary: '设定排放口某污染物的限值 (max 为 null 且无 min 时删除)', params: LimitParams, body: LimitBody } }, async (req) =>
    setOutletLimit(req.ctx, { outletId: req.params.id, pollutant: req.params.pollutant, max: req.body.max, min: req.body.min ?? null }));
  r.get('/api/environment/points', { config: { scope: SCOPES.read }, schema: { tags, summary: '监控点及实时状态 (在线/离线/报警)', querystring: PointQuery } }, async (req) =>
    pointStatuses(req.ctx, { regionPrefix: req.query.regionPrefix }));
  r.post('/api/environment/points', { config: { scope: SCOPES.registryWrite }, schema: { tags, summary: '登记监控点 (MN 与访问密码; 密码只存 HMAC)', body: PointBody } }, async (req, reply) =>
    reply.status(201).send(nudge(await createPoint(req.ctx, req.body))));
  r.get('/api/environment/points/:id', { config: { scope: SCOPES.read }, schema: { tags, summary: '监控点', params: IdParams } }, async (req) => getPoint(req.ctx, req.params.id));
  r.patch('/api/environment/points/:id', { config: { scope: SCOPES.registryWrite }, schema: { tags, summary: '修改监控点 (密码、监测项目、间隔、量程、启停)', params: IdParams, body: PointPatchBody } }, async (req) =>
    updatePoint(req.ctx, { ...req.body, id: req.params.id }));
  r.get('/api/environment/points/:id/series', { config: { scope: SCOPES.read }, schema: { tags, summary: '实时数据与小时数据 (废气为折算浓度) 及限值', params: IdParams, querystring: SeriesQuery } }, async (req) =>
    pointSeries(req.ctx, { pointId: req.params.id, hours: req.query.hours, days: req.query.days }));

  // --- alarms ---
  r.get('/api/environment/alarms', { config: { scope: SCOPES.read }, schema: { tags, summary: '报警列表 (本辖区)', querystring: AlarmQuery } }, async (req) => listAlarms(req.ctx, req.query));
  r.get('/api/environment/alarms/:id', { config: { scope: SCOPES.read }, schema: { tags, summary: '报警详情', params: IdParams } }, async (req) => getAlarm(req.ctx, req.params.id));
  r.post('/api/environment/alarms/:id/acknowledge', { config: { scope: SCOPES.alarmHandle }, schema: { tags, summary: '确认报警', params: IdParams, body: AlarmAckBody } }, async (req) =>
    nudge(await acknowledgeAlarm(req.ctx, { id: req.params.id, version: req.body.version, note: req.body.note })));
  r.post('/api/environment/alarms/:id/resolve', { config: { scope: SCOPES.alarmHandle }, schema: { tags, summary: '解除报警', params: IdParams, body: AlarmResolveBody } }, async (req) =>
    nudge(await resolveAlarm(req.ctx, { id: req.params.id, version: req.body.version, resolution: req.body.resolution })));
  r.post('/api/environment/alarms/:id/case', { config: { scope: SCOPES.alarmHandle }, schema: { tags, summary: '发起核查整改案件 (核查 3 个工作日, 整改 10 个工作日)', params: IdParams, body: AlarmCaseBody } }, async (req) =>
    nudge(await openFollowupCase(req.ctx, { id: req.params.id, version: req.body.version })));

  // --- statistics and reports ---
  r.get('/api/environment/emissions', { config: { scope: SCOPES.read }, schema: { tags, summary: '排放量 (kg) 按城市/企业/排放口/日汇总', querystring: EmissionQuery } }, async (req) =>
    emissionTotals(req.ctx, { month: req.query.month, groupBy: req.query.groupBy ?? 'city', regionPrefix: req.query.regionPrefix, enterpriseId: req.query.enterpriseId }));
  r.get('/api/environment/reductions', { config: { scope: SCOPES.read }, schema: { tags, summary: '各市减排统计 (与上年同月比)', querystring: MonthQuery } }, async (req) => reductionByCity(req.ctx, { month: req.query.month }));
  r.get('/api/environment/rates', { config: { scope: SCOPES.read }, schema: { tags, summary: '传输率、有效率、传输有效率 (按月或按日)', querystring: RatesQuery } }, async (req) => transmissionRates(req.ctx, req.query));
  r.get('/api/environment/tax', { config: { scope: SCOPES.read }, schema: { tags, summary: '环境保护税计税依据 (按月, 自动监测数据)', querystring: TaxQuery } }, async (req) => taxBase(req.ctx, req.query));
  r.get('/api/environment/reports/enterprises/:id/xlsx', { config: { scope: SCOPES.read }, schema: { tags, summary: '企业月报 (XLSX: 计税依据、排放量、传输有效率)', params: IdParams, querystring: MonthQuery } }, async (req, reply) => {
    const x = await enterpriseMonthXlsx(req.ctx, { enterpriseId: req.params.id, month: req.query.month });
    return reply.type(XLSX_TYPE).header('content-disposition', `attachment; filename="${x.filename}"`).send(x.body);
  });
  r.get('/api/environment/reports/cities/:code/xlsx', { config: { scope: SCOPES.read }, schema: { tags, summary: '城市月报 (XLSX: 排放量、减排、传输有效率、环保税)', params: CityParams, querystring: MonthQuery } }, async (req, reply) => {
    const x = await cityMonthXlsx(req.ctx, { cityCode: req.params.code, month: req.query.month });
    return reply.type(XLSX_TYPE).header('content-disposition', `attachment; filename="${x.filename}"`).send(x.body);
  });
}
