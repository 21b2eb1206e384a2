/**
 * The portal JSON API under /api/portal. Thin: the schemas validate and document, the services
 * decide (site staff = holders of the scope at the site's sponsor unit).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { PlatformServices } from '../../platform/module.ts';
import { enforceRateLimit } from '../../platform/http/rate-limit.ts';
import { APPLICANT_TYPES, ARTICLE_KINDS, DELIVERIES, SCOPES } from './model.ts';
import { createSite, listSites } from './services/sites.ts';
import { approveArticle, createArticle, getArticleForStaff, submitArticle, withdrawArticle } from './services/articles.ts';
import { searchArticles } from './services/search.ts';
import { applyForInformation, getRequest } from './services/requests.ts';
import { annualReport } from './services/report.ts';
import { PUBLIC_FORM_LIMIT } from './pages/citizen.ts';

const tags = ['portal'];
const lit = <T extends string>(xs: readonly T[], title: string) => Type.Union(xs.map((x) => Type.Literal(x)), { title });
const Id = Type.Object({ id: Type.String({ title: '标识', format: 'uuid' }) });
const Any = Type.Object({}, { additionalProperties: true });

export async function registerPortalApi(app: FastifyInstance, services: PlatformServices): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const nudge = <T>(v: T): T => {
    services.nudgeDispatcher();
    return v;
  };

  r.get('/api/portal/sites', { config: { scope: 'public' }, schema: { tags, summary: '政府网站列表 (网站标识码、名称、域名、主办单位)' } }, async (req) =>
    (await listSites(req.ctx)).filter((s) => s.status === 'active').map((s) => ({ code: s.code, name: s.name, host: s.host, level: s.level, regionCode: s.regionCode, sponsorName: s.sponsorName })));

  r.post('/api/portal/sites', {
    config: { scope: SCOPES.siteManage },
    schema: {
      tags,
      summary: '开办网站 (网站标识码: 6 位行政区划代码 + 4 位顺序号, 或 bm + 8 位数字)',
      body: Type.Object({
        code: Type.String({ title: '网站标识码', minLength: 10, maxLength: 10 }),
        name: Type.String({ title: '网站名称', minLength: 1, maxLength: 100 }),
        host: Type.Optional(Type.String({ title: '域名', maxLength: 253 })),
        level: lit(['province', 'city', 'county', 'department'] as const, '网站层级'),
        parentCode: Type.Optional(Type.String({ title: '上级网站标识码', minLength: 10, maxLength: 10 })),
        sponsorUnitId: Type.String({ title: '主办单位', format: 'uuid' }),
        icpNumber: Type.Optional(Type.String({ title: 'ICP备案号', maxLength: 50 })),
        policeNumber: Type.Optional(Type.String({ title: '公安机关备案号', maxLength: 50 })),
        partyLabel: Type.Optional(Type.String({ title: '党政机关标识', maxLength: 50 })),
        contactPhone: Type.Optional(Type.String({ title: '联系电话', maxLength: 30 })),
      }, { additionalProperties: false }),
      response: { 201: Any },
    },
  }, async (req, reply) => reply.status(201).send(nudge(await createSite(req.ctx, req.body))));

  r.get('/api/portal/search', {
    config: { scope: 'public' },
    schema: {
      tags,
      summary: '站群全文检索 (中文分词 + 二元组; 标题和近期政策优先)',
      querystring: Type.Object({
        q: Type.String({ title: '关键词', minLength: 1, maxLength: 100 }),
        site: Type.Optional(Type.String({ title: '网站标识码', maxLength: 10 })),
        column: Type.Optional(Type.String({ title: '栏目', format: 'uuid' })),
        type: Type.Optional(Type.String({ title: '类型', maxLength: 20 })),
        from: Type.Optional(Type.String({ title: '发布日期起', format: 'date' })),
        to: Type.Optional(Type.String({ title: '发布日期止', format: 'date' })),
        page: Type.Optional(Type.Integer({ title: '页码', minimum: 1, maximum: 50 })),
      }),
    },
  }, async (req) => {
    const q = req.query;
    return searchArticles(req.ctx, { q: q.q, siteCode: q.site, columnId: q.column, type: q.type, from: q.from, to: q.to, page: q.page });
  });

  r.post('/api/portal/articles', {
    config: { scope: SCOPES.articleEdit },
    schema: {
      tags,
      summary: '起草信息 (第 1 版, 发起发布流程)',
      body: Type.Object({
        siteCode: Type.String({ title: '网站标识码', minLength: 10, maxLength: 10 }),
        columnId: Type.String({ title: '栏目', format: 'uuid' }),
        title: Type.String({ title: '标题', minLength: 1, maxLength: 200 }),
        summary: Type.Optional(Type.String({ title: '摘要', maxLength: 1000 })),
        body: Type.String({ title: '正文', minLength: 1, maxLength: 100_000 }),
        author: Type.Optional(Type.String({ title: '作者', maxLength: 100 })),
        source: Type.Optional(Type.String({ title: '来源', maxLength: 100 })),
        kind: Type.Optional(lit(ARTICLE_KINDS, '信息种类')),
        docNumber: Type.Optional(Type.String({ title: '文号', maxLength: 100 })),
        category: Type.Optional(Type.String({ title: '主题分类', maxLength: 100 })),
        createdDate: Type.Optional(Type.String({ title: '生成日期', format: 'date' })),
        publishAt: Type.Optional(Type.String({ title: '定时发布时间', format: 'date-time' })),
        shared: Type.Optional(Type.Boolean({ title: '共享到资源库' })),
      }, { additionalProperties: false }),
      response: { 201: Any },
    },
  }, async (req, reply) => reply.status(201).send(nudge(await createArticle(req.ctx, req.body))));

  r.get('/api/portal/articles/:id', { config: { scope: 'staff' }, schema: { tags, summary: '信息详情 (本网站编辑和审核员)', params: Id } }, async (req) => getArticleForStaff(req.ctx, { id: req.params.id }));
  r.post('/api/portal/articles/:id/submit', { config: { scope: SCOPES.articleEdit }, schema: { tags, summary: '送审', params: Id } }, async (req) => nudge(await submitArticle(req.ctx, { id: req.params.id })));
  r.post('/api/portal/articles/:id/approve', { config: { scope: SCOPES.articleReview }, schema: { tags, summary: '审核通过并发布 (定时发布的到时发布)', params: Id } }, async (req) => nudge(await approveArticle(req.ctx, { id: req.params.id })));
  r.post('/api/portal/articles/:id/withdraw', {
    config: { scope: SCOPES.articleReview },
    schema: { tags, summary: '撤稿', params: Id, body: Type.Object({ reason: Type.String({ title: '撤稿原因', minLength: 1, maxLength: 500 }) }) },
  }, async (req) => nudge(await withdrawArticle(req.ctx, { id: req.params.id, reason: req.body.reason })));

  r.post('/api/portal/requests', {
    config: { scope: 'authenticated' },
    schema: {
      tags,
      summary: '提交政府信息公开申请 (须以个人或法人账号登录)',
      body: Type.Object({
        siteCode: Type.String({ title: '网站标识码', minLength: 10, maxLength: 10 }),
        unitId: Type.Optional(Type.String({ title: '受理机关', format: 'uuid' })),
        applicantType: lit(APPLICANT_TYPES, '申请人类型'),
        applicantName: Type.String({ title: '申请人姓名或名称', minLength: 1, maxLength: 100 }),
        contactPhone: Type.String({ title: '联系电话', minLength: 7, maxLength: 20 }),
        contactAddress: Type.Optional(Type.String({ title: '通信地址', maxLength: 200 })),
        description: Type.String({ title: '所需信息描述', minLength: 1, maxLength: 5000 }),
        purpose: Type.Optional(Type.String({ title: '用途', maxLength: 500 })),
        delivery: lit(DELIVERIES, '获取方式'),
      }, { additionalProperties: false }),
      response: { 201: Any },
    },
  }, async (req, reply) => {
    await enforceRateLimit(req.ctx, { key: `portal.apply:${req.ctx.actor.userId}`, ...PUBLIC_FORM_LIMIT });
    return reply.status(201).send(nudge(await applyForInformation(req.ctx, req.body)));
  });

  r.get('/api/portal/requests/:id', { config: { scope: 'authenticated' }, schema: { tags, summary: '申请详情 (申请人本人, 或受理机关办理人员)', params: Id } }, async (req) => getRequest(req.ctx, { id: req.params.id }));

  r.get('/api/portal/reports/:unitId/:year', {
    config: { scope: SCOPES.reportManage },
    schema: { tags, summary: '政府信息公开工作年度报告数据 (2021 年版模板, 含表三勾稽核对)', params: Type.Object({ unitId: Type.String({ title: '机关', format: 'uuid' }), year: Type.Integer({ title: '年度', minimum: 2008, maximum: 2100 }) }) },
  }, async (req) => annualReport(req.ctx, { unitId: req.params.unitId, year: req.params.year }));
}
