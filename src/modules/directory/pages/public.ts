/**
 * The public directory (政府机构名录): active units with their type and region, for everyone.
 */
import type { FastifyInstance } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { button, field, form, pagination, select, table } from '../../../platform/ui/components.ts';
import { UNIT_TYPE_LABELS } from '../model.ts';
import { listRegions } from '../services/regions.ts';
import { listPublicUnits, type PublicUnit } from '../services/units.ts';
import { demoBadge, qs } from './common.ts';

export function registerPublicPages(app: FastifyInstance): void {
  app.get('/units', { config: { scope: 'public' } }, async (req, reply) => {
    const raw = req.query as Record<string, string | undefined>;
    const region = /^\d{6}$/.test(raw.region ?? '') ? raw.region : undefined;
    const q = (raw.q ?? '').trim().slice(0, 50) || undefined;
    const page = Math.max(1, Math.min(100000, Number.parseInt(raw.page ?? '1', 10) || 1));
    const result = await listPublicUnits(req.ctx, { region, q, page, pageSize: 50 });
    const prefectures = [...(await listRegions(req.ctx, { level: 'province' })), ...(await listRegions(req.ctx, { level: 'prefecture' }))];
    return reply.page({
      title: '政府机构名录',
      shell: 'public',
      breadcrumbs: [{ label: '首页', href: '/' }, { label: '政府机构名录' }],
      body: html`
        <p>河南省各级党委、人民政府及其部门、人大、政协、法院、检察院名录。</p>
        ${form({
          action: '/units',
          method: 'get',
          csrf: req.csrfToken,
          className: 'filters',
          label: '查找单位',
          body: html`${field({ name: 'q', label: '单位名称', type: 'search', value: q, maxLength: 50 })}
            ${select({ name: 'region', label: '地区', options: prefectures.map((r) => ({ value: r.code, label: r.name })), value: region, placeholder: '全省' })}
            <div class="actions">${button('查找')}</div>`,
        })}
        ${table({
          caption: `政府机构名录 (共 ${result.total} 个)`,
          rows: result.items,
          empty: '没有找到符合条件的单位。',
          columns: [
            { header: '单位名称', cell: (u: PublicUnit) => html`${u.name}${demoBadge(u.isDemo)}` },
            { header: '类型', cell: (u: PublicUnit) => UNIT_TYPE_LABELS[u.unitType] },
            { header: '所在地区', cell: (u: PublicUnit) => u.regionLabel },
          ],
        })}
        ${pagination({ page: result.page, pageSize: result.pageSize, total: result.total, hrefFor: (p) => `/units${qs({ q, region, page: p })}` })}`,
    });
  });
}
