/**
 * Workbench pages for network links: list with filters, add to a unit, edit.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { button, errorSummary, field, form, pagination, select, table, textarea } from '../../../platform/ui/components.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import type { FieldProblem } from '../../../platform/errors.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { DIRECTIONS, DIRECTION_LABELS, LINK_STATUSES, LINK_STATUS_LABELS, NETWORKS, NETWORK_LABELS, SCOPES, optionsOf } from '../model.ts';
import { LinkEditForm, LinkForm, LinkListQuery } from '../schemas.ts';
import { regionsWithin } from '../services/regions.ts';
import type { Unit } from '../services/units.ts';
import { connectUnit, getLink, getUnitForLinks, listLinks, updateLink, type NetworkLink } from '../services/links.ts';
import { chinaToday, prefixesFor } from '../services/access.ts';
import { listUnitsForPicker } from '../lookup.ts';
import { BASE, can, crumbs, demoBadge, errorMap, formValues, isFormError, linkStatusBadge, qs, regionOptions } from './common.ts';

type Query = Record<string, string | undefined>;
const linksCrumb = { label: '网络接入', href: `${BASE}/links` };

async function renderList(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const raw = req.query as Query;
  const filterErrors: FieldProblem[] = [];
  let filter: { network?: string; status?: string; region?: string; q?: string; page?: number } = {};
  try {
    filter = parseInput(LinkListQuery, raw);
  } catch (err) {
    if (!isFormError(err)) throw err;
    filterErrors.push(...err.fields);
  }
  const result = await listLinks(req.ctx, { ...filter, pageSize: 50 });
  const regions = await regionsWithin(req.ctx, SCOPES.networkRead);
  const errs = errorMap(filterErrors);
  return reply.page({
    title: '网络接入',
    breadcrumbs: crumbs({ label: '网络接入' }),
    body: html`${errorSummary(filterErrors)}
      ${form({
        action: `${BASE}/links`,
        method: 'get',
        csrf: req.csrfToken,
        className: 'filters',
        label: '查询条件',
        body: html`
          ${field({ name: 'q', label: '单位名称', type: 'search', value: raw.q, maxLength: 100, error: errs.q })}
          ${select({ name: 'network', label: '网络', options: optionsOf(NETWORKS, NETWORK_LABELS), value: raw.network, placeholder: '全部', error: errs.network })}
          ${select({ name: 'status', label: '状态', options: optionsOf(LINK_STATUSES, LINK_STATUS_LABELS), value: raw.status, placeholder: '全部', error: errs.status })}
          ${select({ name: 'region', label: '行政区划 (含下辖)', options: regionOptions(regions), value: raw.region, placeholder: '全部', error: errs.region })}
          <div class="actions">${button('查询')} <a href="${BASE}/links">清除条件</a></div>`,
      })}
      <div class="actions">${can(req, SCOPES.networkWrite) ? html`<a class="btn btn-primary" href="${BASE}/links/new">新增网络接入</a>` : ''} <a href="${BASE}/coverage">覆盖情况</a></div>
      ${table({
        caption: `网络接入列表 (共 ${result.total} 条)`,
        rows: result.items,
        empty: '没有符合条件的接入记录。',
        columns: [
          { header: '单位', cell: (l: NetworkLink) => html`${can(req, SCOPES.unitRead) ? html`<a href="${BASE}/units/${l.unitId}">${l.unitName}</a>` : l.unitName}${l.unitStatus === 'active' ? '' : ' (单位已停用)'}` },
          { header: '行政区划', cell: (l: NetworkLink) => l.regionLabel },
          { header: '网络', cell: (l: NetworkLink) => NETWORK_LABELS[l.network] },
          { header: '接入方式', cell: (l: NetworkLink) => DIRECTION_LABELS[l.direction] },
          { header: '开通日期', cell: (l: NetworkLink) => l.connectedSince },
          { header: '带宽 (Mbps)', cell: (l: NetworkLink) => (l.bandwidthMbps === null ? '—' : l.bandwidthMbps), className: 'num' },
          { header: '状态', cell: (l: NetworkLink) => html`${linkStatusBadge(l.status)}${demoBadge(l.isDemo)}` },
          ...(can(req, SCOPES.networkWrite) ? [{ header: '操作', cell: (l: NetworkLink) => html`<a href="${BASE}/links/${l.id}/edit" aria-label="修改 ${l.unitName} 的${NETWORK_LABELS[l.network]}接入">修改</a>` }] : []),
        ],
      })}
      ${pagination({ page: result.page, pageSize: result.pageSize, total: result.total, hrefFor: (page) => `${BASE}/links${qs({ ...filter, page })}` })}`,
  });
}

interface FormState {
  values: Record<string, string>;
  errors: FieldProblem[];
  status?: number;
}

function linkFields(v: Record<string, string>, errs: Record<string, string>, today: string, withNetwork: boolean) {
  return html`
    ${withNetwork ? select({ name: 'network', label: '网络', options: optionsOf(NETWORKS, NETWORK_LABELS), value: v.network, required: true, placeholder: '请选择', error: errs.network }) : ''}
    ${select({ name: 'direction', label: '接入方式', options: optionsOf(DIRECTIONS, DIRECTION_LABELS), value: v.direction, required: true, placeholder: '请选择', error: errs.direction })}
    ${field({ name: 'connectedSince', label: '开通日期', type: 'date', value: v.connectedSince ?? today, required: true, error: errs.connectedSince, hint: '格式 YYYY-MM-DD, 不晚于今天' })}
    ${field({ name: 'bandwidthMbps', label: '带宽 (Mbps)', type: 'number', inputmode: 'numeric', value: v.bandwidthMbps, error: errs.bandwidthMbps, hint: '可不填' })}
    ${select({ name: 'status', label: '状态', options: optionsOf(LINK_STATUSES, LINK_STATUS_LABELS), value: v.status ?? 'active', required: true, error: errs.status })}
    ${textarea({ name: 'note', label: '备注 (可选, 不超过 500 字)', value: v.note, error: errs.note, rows: 3 })}`;
}

async function renderNew(req: FastifyRequest, reply: FastifyReply, unit: Unit, state: FormState): Promise<FastifyReply> {
  const errs = errorMap(state.errors);
  const title = `新增网络接入: ${unit.name}`;
  return reply.page({
    title,
    status: state.status,
    breadcrumbs: crumbs(linksCrumb, { label: unit.name }, { label: '新增网络接入' }),
    body: html`${errorSummary(state.errors)}
      ${errs.unitId ? html`<p class="flash flash-error" role="alert">${errs.unitId}</p>` : ''}
      ${form({
        action: `${BASE}/units/${unit.id}/links`,
        csrf: req.csrfToken,
        label: title,
        body: html`${linkFields(state.values, errs, chinaToday(req.ctx.clock.now()), true)}
          <div class="actions">${button('保存')} <a href="${can(req, SCOPES.unitRead) ? `${BASE}/units/${unit.id}` : `${BASE}/links`}">取消</a></div>`,
      })}`,
  });
}

async function renderEdit(req: FastifyRequest, reply: FastifyReply, link: NetworkLink, state: FormState): Promise<FastifyReply> {
  const errs = errorMap(state.errors);
  const title = `修改网络接入: ${link.unitName} · ${NETWORK_LABELS[link.network]}`;
  return reply.page({
    title,
    status: state.status,
    breadcrumbs: crumbs(linksCrumb, { label: link.unitName }, { label: '修改网络接入' }),
    body: html`${errorSummary(state.errors)}
      ${form({
        action: `${BASE}/links/${link.id}`,
        csrf: req.csrfToken,
        label: title,
        body: html`${linkFields(state.values, errs, chinaToday(req.ctx.clock.now()), false)}
          <div class="actions">${button('保存')} <a href="${can(req, SCOPES.unitRead) ? `${BASE}/units/${link.unitId}` : `${BASE}/links`}">取消</a></div>`,
      })}`,
  });
}

const linkValues = (l: NetworkLink): Record<string, string> => ({
  direction: l.direction,
  connectedSince: l.connectedSince,
  bandwidthMbps: l.bandwidthMbps === null ? '' : String(l.bandwidthMbps),
  status: l.status,
  note: l.note ?? '',
});

export function registerLinkPages(app: FastifyInstance, services: PlatformServices): void {
  app.get(`${BASE}/links`, { config: { scope: SCOPES.networkRead } }, renderList);

  // For network administrators who do not hold directory.unit.read: choose the unit here.
  app.get(`${BASE}/links/new`, { config: { scope: SCOPES.networkWrite } }, async (req, reply) => {
    const unitId = (req.query as Query).unitId;
    if (unitId) return renderNew(req, reply, await getUnitForLinks(req.ctx, unitId), { values: {}, errors: [] });
    const choices = await listUnitsForPicker(req.ctx, { regionPrefixes: prefixesFor(req.ctx, SCOPES.networkWrite), limit: 5000 });
    return reply.page({
      title: '新增网络接入',
      breadcrumbs: crumbs(linksCrumb, { label: '新增网络接入' }),
      body: html`<p>第 1 步: 选择接入单位 (您管辖范围内的正常状态单位)。</p>
        ${form({
          action: `${BASE}/links/new`,
          method: 'get',
          csrf: req.csrfToken,
          body: html`${select({ name: 'unitId', label: '接入单位', options: choices.map((u) => ({ value: u.id, label: `${u.name} (${u.regionCode})` })), required: true, placeholder: '请选择' })}
            <div class="actions">${button('下一步')} <a href="${BASE}/links">取消</a></div>`,
        })}`,
    });
  });

  app.get<{ Params: { id: string } }>(`${BASE}/units/:id/links/new`, { config: { scope: SCOPES.networkWrite } }, async (req, reply) => {
    const unit = await getUnitForLinks(req.ctx, req.params.id);
    return renderNew(req, reply, unit, { values: {}, errors: [] });
  });

  app.post<{ Params: { id: string } }>(`${BASE}/units/:id/links`, { config: { scope: SCOPES.networkWrite } }, async (req, reply) => {
    const unit = await getUnitForLinks(req.ctx, req.params.id);
    try {
      const input = parseInput(LinkForm, req.body);
      const link = await connectUnit(req.ctx, { unitId: unit.id, ...input });
      services.nudgeDispatcher();
      const back = can(req, SCOPES.unitRead) ? `${BASE}/units/${unit.id}` : `${BASE}/links${qs({ q: unit.name })}`;
      return reply.flashRedirect(back, { kind: 'success', text: `已登记「${unit.name}」接入${NETWORK_LABELS[link.network]}。` });
    } catch (err) {
      if (isFormError(err)) return renderNew(req, reply, unit, { values: formValues(req.body), errors: err.fields, status: err.status });
      throw err;
    }
  });

  app.get<{ Params: { id: string } }>(`${BASE}/links/:id/edit`, { config: { scope: SCOPES.networkWrite } }, async (req, reply) => {
    const link = await getLink(req.ctx, req.params.id);
    return renderEdit(req, reply, link, { values: linkValues(link), errors: [] });
  });

  app.post<{ Params: { id: string } }>(`${BASE}/links/:id`, { config: { scope: SCOPES.networkWrite } }, async (req, reply) => {
    const link = await getLink(req.ctx, req.params.id);
    try {
      const input = parseInput(LinkEditForm, req.body);
      await updateLink(req.ctx, { id: link.id, ...input, bandwidthMbps: input.bandwidthMbps ?? null, note: input.note ?? null });
      services.nudgeDispatcher();
      const back = can(req, SCOPES.unitRead) ? `${BASE}/units/${link.unitId}` : `${BASE}/links${qs({ q: link.unitName })}`;
      return reply.flashRedirect(back, { kind: 'success', text: `已保存「${link.unitName}」的${NETWORK_LABELS[link.network]}接入信息。` });
    } catch (err) {
      if (isFormError(err)) return renderEdit(req, reply, link, { values: formValues(req.body), errors: err.fields, status: err.status });
      throw err;
    }
  });
}
