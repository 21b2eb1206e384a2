/**
 * The macro-economy JSON API under /api/macro: the indicator catalog, values (time series and
 * region comparison), one value recorded or revised, the revision history of a value.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { PlatformServices } from '../../platform/module.ts';
import { SCOPES } from './model.ts';
import { CompareQuery, HistoryQuery, HistorySchema, IndicatorBody, IndicatorListQuery, IndicatorParams, IndicatorPatchBody, IndicatorSchema, ObservationSchema, ValueBody, ValuesQuery } from './schemas.ts';
import { createIndicator, getIndicator, listIndicators, updateIndicator } from './services/indicators.ts';
import { compareRegions, listValues, recordValue, valueHistory } from './services/values.ts';

const tags = ['macro-economy'];

export async function registerMacroApi(app: FastifyInstance, services: PlatformServices): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/api/macro/indicators', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '指标目录', querystring: IndicatorListQuery, response: { 200: Type.Array(IndicatorSchema) } },
  }, async (req) => listIndicators(req.ctx, req.query));

  r.post('/api/macro/indicators', {
    config: { scope: SCOPES.indicatorManage },
    schema: { tags, summary: '登记指标', body: IndicatorBody, response: { 201: IndicatorSchema } },
  }, async (req, reply) => {
    const ind = await createIndicator(req.ctx, req.body);
    services.nudgeDispatcher();
    return reply.status(201).send(ind);
  });

  r.get('/api/macro/indicators/:code', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '指标详情', params: IndicatorParams, response: { 200: IndicatorSchema } },
  }, async (req) => getIndicator(req.ctx, { code: req.params.code.toUpperCase() }));

  r.patch('/api/macro/indicators/:code', {
    config: { scope: SCOPES.indicatorManage },
    schema: { tags, summary: '修改指标 (已有数据的指标不能改频度)', params: IndicatorParams, body: IndicatorPatchBody, response: { 200: IndicatorSchema } },
  }, async (req) => {
    const ind = await updateIndicator(req.ctx, { ...req.body, code: req.params.code.toUpperCase() });
    services.nudgeDispatcher();
    return ind;
  });

  r.get('/api/macro/values', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '指标数据 (时间序列; 本辖区)', querystring: ValuesQuery, response: { 200: Type.Array(ObservationSchema) } },
  }, async (req) => listValues(req.ctx, { indicatorCode: req.query.indicator.toUpperCase(), regionCodes: req.query.regions?.split(','), from: req.query.from, to: req.query.to }));

  r.post('/api/macro/values', {
    config: { scope: SCOPES.valueWrite },
    schema: {
      tags,
      summary: '录入或修订一个数据',
      description: '同一指标、地区、时期已有不同的值时为修订: 须填写 reason, 原值连同录入人、时间、原因保留在修订记录中。',
      body: ValueBody,
      response: { 200: Type.Object({ outcome: Type.String({ description: 'inserted 新增 / revised 修订 / unchanged 未变化' }), observation: ObservationSchema }) },
    },
  }, async (req) => {
    const res = await recordValue(req.ctx, { ...req.body, indicatorCode: req.body.indicatorCode.toUpperCase() });
    services.nudgeDispatcher();
    return res;
  });

  r.get('/api/macro/values/history', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '一个数据的现行值和历次被替代的值 (新在前)', querystring: HistoryQuery, response: { 200: HistorySchema } },
  }, async (req) => valueHistory(req.ctx, { indicatorCode: req.query.indicator.toUpperCase(), regionCode: req.query.region, period: req.query.period }));

  r.get('/api/macro/compare', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '某时期各下级地区的数据 (地区对比; 默认各地级行政区)', querystring: CompareQuery, response: { 200: Type.Array(ObservationSchema) } },
  }, async (req) => compareRegions(req.ctx, { indicatorCode: req.query.indicator.toUpperCase(), period: req.query.period, parentCode: req.query.parent }));
}
