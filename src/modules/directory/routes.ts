/**
 * The directory's JSON API under /api/directory. Thin: schemas validate and document, the
 * service functions decide. Pages live in pages/ and are registered from index.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { PlatformServices } from '../../platform/module.ts';
import { notFound } from '../../platform/errors.ts';
import { historyOf } from '../../platform/audit/history.ts';
import { SCOPES } from './model.ts';
import {
  HistoryEntrySchema,
  IdParams,
  ImportResultSchema,
  LinkCreateBody,
  LinkListQuery,
  LinkPatchBody,
  LinkSchema,
  CoverageSchema,
  RegionCodeParams,
  RegionListQuery,
  RegionSchema,
  StatusChangeBody,
  UnitCreateBody,
  UnitExportQuery,
  UnitListQuery,
  UnitPatchBody,
  UnitSchema,
  pageOf,
} from './schemas.ts';
import { getRegion, listRegions } from './services/regions.ts';
import { createUnit, deactivateUnit, getUnit, listUnits, reactivateUnit, updateUnit } from './services/units.ts';
import { connectUnit, getLink, listLinks, updateLink } from './services/links.ts';
import { computeCoverage } from './services/coverage.ts';
import { exportUnitsCsv, importUnitsCsv } from './services/csv.ts';

export const IMPORT_LIMIT_BYTES = 5 * 1024 * 1024;
const tags = ['directory'];

export function csvFileName(prefix: string, now: Date): string {
  return `${prefix}-${now.toISOString().slice(0, 10)}.csv`;
}

/** RFC 6266 attachment header with an ASCII fallback and the UTF-8 name. */
export function attachment(fileName: string, asciiFallback: string): string {
  return `attachment; filename="${asciiFallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export async function registerDirectoryApi(app: FastifyInstance, services: PlatformServices): Promise<void> {
  await app.register(async (plugin) => {
    // CSV uploads to the API: the raw file as the body (text/csv), up to IMPORT_LIMIT_BYTES.
    plugin.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_LIMIT_BYTES }, (_req, body, done) => done(null, body));
    const r = plugin.withTypeProvider<TypeBoxTypeProvider>();

    r.get('/api/directory/regions', {
      config: { scope: 'public' },
      schema: { tags, summary: '行政区划列表 (GB/T 2260, 河南省)', querystring: RegionListQuery, response: { 200: Type.Array(RegionSchema) } },
    }, async (req) => listRegions(req.ctx, { parentCode: req.query.parent, level: req.query.level as 'province' | 'prefecture' | 'county' | undefined, q: req.query.q }));

    r.get('/api/directory/regions/:code', {
      config: { scope: 'public' },
      schema: { tags, summary: '行政区划详情', params: RegionCodeParams, response: { 200: RegionSchema } },
    }, async (req) => {
      const region = await getRegion(req.ctx, req.params.code);
      if (!region) throw notFound('region_not_found', '行政区划不存在。');
      return region;
    });

    r.get('/api/directory/units', {
      config: { scope: SCOPES.unitRead },
      schema: { tags, summary: '政府机构列表 (限本人管辖区划)', querystring: UnitListQuery, response: { 200: pageOf(UnitSchema) } },
    }, async (req) => listUnits(req.ctx, req.query));

    r.post('/api/directory/units', {
      config: { scope: SCOPES.unitWrite },
      schema: { tags, summary: '新增政府机构', body: UnitCreateBody, response: { 201: UnitSchema } },
    }, async (req, reply) => {
      const unit = await createUnit(req.ctx, req.body);
      services.nudgeDispatcher();
      return reply.status(201).header('location', `/api/directory/units/${unit.id}`).send(unit);
    });

    r.get('/api/directory/units/export', {
      config: { scope: SCOPES.unitRead },
      schema: { tags, summary: '导出政府机构 (CSV, UTF-8 带 BOM)', querystring: UnitExportQuery },
    }, async (req, reply) => {
      const csv = await exportUnitsCsv(req.ctx, req.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', attachment(csvFileName('政府机构', services.clock.now()), 'units.csv'))
        .header('cache-control', 'no-store')
        .send(csv);
    });

    r.post('/api/directory/units/import', {
      config: { scope: SCOPES.unitWrite },
      bodyLimit: IMPORT_LIMIT_BYTES,
      schema: {
        tags,
        summary: '导入政府机构 (CSV, 全部成功或全部不导入)',
        description: '请求体为 CSV 文件内容 (Content-Type: text/csv; UTF-8)。任何一行有误时不导入任何数据, 以 422 返回逐行问题 (fields)。',
        consumes: ['text/csv'],
        body: Type.String({ title: 'CSV 文件内容' }),
        response: { 200: ImportResultSchema },
      },
    }, async (req) => {
      const result = await importUnitsCsv(req.ctx, { text: req.body });
      services.nudgeDispatcher();
      return result;
    });

    r.get('/api/directory/units/:id', {
      config: { scope: SCOPES.unitRead },
      schema: { tags, summary: '政府机构详情', params: IdParams, response: { 200: UnitSchema } },
    }, async (req) => getUnit(req.ctx, req.params.id));

    r.patch('/api/directory/units/:id', {
      config: { scope: SCOPES.unitWrite },
      schema: { tags, summary: '修改政府机构', params: IdParams, body: UnitPatchBody, response: { 200: UnitSchema } },
    }, async (req) => {
      const unit = await updateUnit(req.ctx, { id: req.params.id, ...req.body });
      services.nudgeDispatcher();
      return unit;
    });

    r.post('/api/directory/units/:id/deactivate', {
      config: { scope: SCOPES.unitWrite },
      schema: { tags, summary: '停用政府机构', params: IdParams, body: StatusChangeBody, response: { 200: UnitSchema } },
    }, async (req) => {
      const unit = await deactivateUnit(req.ctx, { id: req.params.id, reason: req.body.reason });
      services.nudgeDispatcher();
      return unit;
    });

    r.post('/api/directory/units/:id/reactivate', {
      config: { scope: SCOPES.unitWrite },
      schema: { tags, summary: '重新启用政府机构', params: IdParams, body: StatusChangeBody, response: { 200: UnitSchema } },
    }, async (req) => {
      const unit = await reactivateUnit(req.ctx, { id: req.params.id, reason: req.body.reason });
      services.nudgeDispatcher();
      return unit;
    });

    r.get('/api/directory/units/:id/history', {
      config: { scope: SCOPES.unitRead },
      schema: { tags, summary: '政府机构的修改记录 (取自审计日志)', params: IdParams, response: { 200: Type.Array(HistoryEntrySchema) } },
    }, async (req) => {
      const unit = await getUnit(req.ctx, req.params.id);
      return historyOf(req.ctx, { targetType: 'directory.unit', targetId: unit.id, limit: 200 });
    });

    r.get('/api/directory/links', {
      config: { scope: SCOPES.networkRead },
      schema: { tags, summary: '网络接入列表', querystring: LinkListQuery, response: { 200: pageOf(LinkSchema) } },
    }, async (req) => listLinks(req.ctx, req.query));

    r.post('/api/directory/links', {
      config: { scope: SCOPES.networkWrite },
      schema: { tags, summary: '新增网络接入', body: LinkCreateBody, response: { 201: LinkSchema } },
    }, async (req, reply) => {
      const link = await connectUnit(req.ctx, req.body);
      services.nudgeDispatcher();
      return reply.status(201).header('location', `/api/directory/links/${link.id}`).send(link);
    });

    r.get('/api/directory/links/:id', {
      config: { scope: SCOPES.networkRead },
      schema: { tags, summary: '网络接入详情', params: IdParams, response: { 200: LinkSchema } },
    }, async (req) => getLink(req.ctx, req.params.id));

    r.patch('/api/directory/links/:id', {
      config: { scope: SCOPES.networkWrite },
      schema: { tags, summary: '修改网络接入', params: IdParams, body: LinkPatchBody, response: { 200: LinkSchema } },
    }, async (req) => {
      const link = await updateLink(req.ctx, { id: req.params.id, ...req.body });
      services.nudgeDispatcher();
      return link;
    });

    r.get('/api/directory/coverage', {
      config: { scope: SCOPES.networkRead },
      schema: { tags, summary: '电子政务网络覆盖情况 (由接入记录计算, 限本人管辖区划)', response: { 200: CoverageSchema } },
    }, async (req) => computeCoverage(req.ctx));
  });
}
