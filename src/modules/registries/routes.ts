/**
 * The registries JSON API under /api/registries (member systems with API keys, staff). Thin: schemas
 * validate and document, services decide (visibility, masking, purpose, access log).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PlatformServices } from '../../platform/module.ts';
import { SCOPES } from './model.ts';
import { EDUCATION, ENTITY_TYPES, ETHNICITIES, INDUSTRY_SECTIONS, MARITAL, RELATIONS } from './codes.ts';
import {
  AbnormalBody, AccessLogSchema, AnnualReportBody, CodesSchema, DeregisterBody, EntityBatch, EntityBatchBody, EntityChangeBody, EntityDetailsSchema, EntityPage, EntityRegisterBody,
  EntitySchema, EventResult, HistorySchema, IdNumberParams, IssuePage, IssueParams, IssueSchema, PersonBatch, PersonBatchBody, PersonCorrectionBody, PersonEventBody, PersonPage,
  PersonSchema, QualityQuery, ReadQuery, ResolveBody, SearchQuery, UsccParams,
} from './schemas.ts';
import { batchPersons, correctPerson, getPerson, personHistory, recordPersonEvent, searchPersons, type PersonEventInput } from './services/persons.ts';
import { batchEntities, changeEntity, deregisterEntity, entityDetails, entityView, loadRows, fileAnnualReport, getEntity, listAbnormal, registerEntity, removeAbnormal, searchEntities } from './services/entities.ts';
import { accessLogFor } from './services/access-log.ts';
import { requestDeregistration } from './services/deregistration.ts';
import { listQualityIssues, resolveQualityIssue, runQualityChecks } from './services/quality.ts';
import { Type } from '@sinclair/typebox';

const tags = ['registries'];

export function registerRegistriesApi(app: FastifyInstance, services: PlatformServices): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const done = <T>(v: T): T => {
    services.nudgeDispatcher();
    return v;
  };

  r.get('/api/registries/codes', {
    config: { scope: 'authenticated' },
    schema: { tags, summary: '代码表: 民族 (GB/T 3304)、行业 (GB/T 4754-2017)、主体类型、家庭关系、学历、婚姻状况', response: { 200: CodesSchema } },
  }, async () => ({ ethnicities: ETHNICITIES, industries: INDUSTRY_SECTIONS, entityTypes: ENTITY_TYPES, relations: RELATIONS, education: EDUCATION, marital: MARITAL }));

  // --- population ---
  r.get('/api/registries/persons/:idNumber', {
    config: { scope: SCOPES.personRead },
    schema: { tags, summary: '按公民身份号码查询人口信息', description: '默认脱敏; 持有 registries.person.read_full 且提供 purpose 时返回完整信息。每次查询记入访问记录。', params: IdNumberParams, querystring: ReadQuery, response: { 200: PersonSchema } },
  }, async (req) => getPerson(req.ctx, { idNumber: req.params.idNumber, purpose: req.query.purpose, channel: 'api' }));

  r.post('/api/registries/persons/batch', {
    config: { scope: SCOPES.personRead },
    schema: { tags, summary: '批量查询人口信息 (最多 1000 个号码)', body: PersonBatchBody, response: { 200: PersonBatch } },
  }, async (req) => batchPersons(req.ctx, req.body));

  r.get('/api/registries/persons', {
    config: { scope: SCOPES.personRead },
    schema: { tags, summary: '按姓名 (和行政区划) 检索人口信息', querystring: SearchQuery, response: { 200: PersonPage } },
  }, async (req) => searchPersons(req.ctx, req.query));

  r.post('/api/registries/persons/events', {
    config: { scope: SCOPES.personWrite },
    schema: { tags, summary: '户籍登记事项: 出生、死亡、迁入、迁出、变更姓名、分户、合户', body: PersonEventBody, response: { 201: EventResult } },
  }, async (req, reply) => reply.status(201).send(done(await recordPersonEvent(req.ctx, req.body as PersonEventInput))));

  r.post('/api/registries/persons/:idNumber/corrections', {
    config: { scope: SCOPES.personWrite },
    schema: { tags, summary: '更正人口信息 (来源部门直接更正, 记入历史和审计)', params: IdNumberParams, body: PersonCorrectionBody, response: { 200: PersonSchema } },
  }, async (req) => done(await correctPerson(req.ctx, { idNumber: req.params.idNumber, ...req.body } as Parameters<typeof correctPerson>[1])));

  r.get('/api/registries/persons/:idNumber/history', {
    config: { scope: SCOPES.personRead },
    schema: { tags, summary: '人口变动历史', params: IdNumberParams, response: { 200: HistorySchema } },
  }, async (req) => personHistory(req.ctx, { idNumber: req.params.idNumber }));

  r.get('/api/registries/persons/:idNumber/access-log', {
    config: { scope: SCOPES.accessLogRead },
    schema: { tags, summary: '访问记录: 谁在何时为何用途查询了此人', params: IdNumberParams, response: { 200: AccessLogSchema } },
  }, async (req) => accessLogFor(req.ctx, { idNumber: req.params.idNumber }));

  // --- legal entities ---
  r.get('/api/registries/entities/:uscc', {
    config: { scope: SCOPES.entityRead },
    schema: { tags, summary: '按统一社会信用代码查询法人单位', params: UsccParams, querystring: ReadQuery, response: { 200: EntitySchema } },
  }, async (req) => getEntity(req.ctx, { uscc: req.params.uscc, purpose: req.query.purpose, channel: 'api' }));

  r.post('/api/registries/entities/batch', {
    config: { scope: SCOPES.entityRead },
    schema: { tags, summary: '批量查询法人单位 (最多 1000 个代码)', body: EntityBatchBody, response: { 200: EntityBatch } },
  }, async (req) => batchEntities(req.ctx, req.body));

  r.get('/api/registries/entities', {
    config: { scope: SCOPES.entityRead },
    schema: { tags, summary: '按名称 (和行政区划) 检索法人单位', querystring: SearchQuery, response: { 200: EntityPage } },
  }, async (req) => searchEntities(req.ctx, req.query));

  r.post('/api/registries/entities', {
    config: { scope: SCOPES.entityWrite },
    schema: { tags, summary: '设立登记 (发布 registries.entity.registered)', body: EntityRegisterBody, response: { 201: EntitySchema } },
  }, async (req, reply) => reply.status(201).send(done(await registerEntity(req.ctx, req.body))));

  r.patch('/api/registries/entities/:uscc', {
    config: { scope: SCOPES.entityWrite },
    schema: { tags, summary: '变更登记或更正 (发布 registries.entity.changed)', params: UsccParams, body: EntityChangeBody, response: { 200: EntitySchema } },
  }, async (req) => done(await changeEntity(req.ctx, { ...(req.body as object), uscc: req.params.uscc })));

  r.post('/api/registries/entities/:uscc/deregister', {
    config: { scope: SCOPES.entityWrite },
    schema: {
      tags,
      summary: '注销、吊销或迁出 (发布 registries.entity.deregistered)',
      description: '注销 (cancelled) 先记录注销申请并发布 registries.entity.deregistration_requested, 待辖区内各税务机关答复已清税后才完成 (返回的登记状态在此之前仍为存续); 吊销、迁出立即生效。',
      params: UsccParams,
      body: DeregisterBody,
      response: { 200: EntitySchema },
    },
  }, async (req) => {
    const { uscc } = req.params;
    if (req.body.status !== 'cancelled') return done(await deregisterEntity(req.ctx, { uscc, ...req.body }));
    await requestDeregistration(req.ctx, { uscc, reason: req.body.reason, occurredOn: req.body.occurredOn });
    const [row] = await loadRows(req.ctx, [uscc.trim().toUpperCase()]);
    return done(entityView(row, false));
  });

  r.post('/api/registries/entities/:uscc/annual-reports', {
    config: { scope: SCOPES.entityWrite },
    schema: { tags, summary: '登记年度报告', params: UsccParams, body: AnnualReportBody, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await fileAnnualReport(req.ctx, { uscc: req.params.uscc, ...req.body });
    services.nudgeDispatcher();
    return reply.status(204).send(null);
  });

  r.post('/api/registries/entities/:uscc/abnormal', {
    config: { scope: SCOPES.entityWrite },
    schema: { tags, summary: '列入或移出经营异常名录', params: UsccParams, body: AbnormalBody, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const b = req.body;
    if (b.action === 'list') await listAbnormal(req.ctx, { uscc: req.params.uscc, reason: b.reason, listedOn: b.listedOn, listedBy: b.listedBy });
    else await removeAbnormal(req.ctx, { uscc: req.params.uscc, reason: b.reason, removedOn: b.removedOn });
    services.nudgeDispatcher();
    return reply.status(204).send(null);
  });

  r.get('/api/registries/entities/:uscc/details', {
    config: { scope: SCOPES.entityRead },
    schema: { tags, summary: '变更历史、年度报告和经营异常名录记录', params: UsccParams, response: { 200: EntityDetailsSchema } },
  }, async (req) => entityDetails(req.ctx, { uscc: req.params.uscc }));

  r.get('/api/registries/entities/:uscc/access-log', {
    config: { scope: SCOPES.accessLogRead },
    schema: { tags, summary: '访问记录: 谁在何时为何用途查询了此法人', params: UsccParams, response: { 200: AccessLogSchema } },
  }, async (req) => accessLogFor(req.ctx, { uscc: req.params.uscc }));

  // --- quality ---
  r.get('/api/registries/quality', {
    config: { scope: SCOPES.qualityManage },
    schema: { tags, summary: '本部门的数据质量问题', querystring: QualityQuery, response: { 200: IssuePage } },
  }, async (req) => listQualityIssues(req.ctx, req.query));

  r.post('/api/registries/quality/run', {
    config: { scope: SCOPES.qualityManage },
    schema: { tags, summary: '运行数据质量检查', response: { 200: Type.Record(Type.String(), Type.Integer()) } },
  }, async (req) => runQualityChecks(req.ctx));

  r.post('/api/registries/quality/:id/resolve', {
    config: { scope: SCOPES.qualityManage },
    schema: { tags, summary: '处理数据质量问题 (已更正或经核实无误)', params: IssueParams, body: ResolveBody, response: { 200: IssueSchema } },
  }, async (req) => resolveQualityIssue(req.ctx, { id: req.params.id, ...req.body }));
}
