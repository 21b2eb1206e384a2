/**
 * Workbench pages for units: list with search and filters, detail (links, change history),
 * create and edit forms (errors re-rendered beside the fields), deactivate with confirmation.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { button, errorSummary, field, form, pagination, select, table, textarea } from '../../../platform/ui/components.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import { historyOf } from '../../../platform/audit/history.ts';
import { isAppError, type FieldProblem } from '../../../platform/errors.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { DIRECTION_LABELS, NETWORK_LABELS, SCOPES, UNIT_STATUSES, UNIT_STATUS_LABELS, UNIT_TYPES, UNIT_TYPE_LABELS, optionsOf, type UnitType } from '../model.ts';
import { StatusChangeBody, UnitCreateBody, UnitListQuery } from '../schemas.ts';
import { getRegion, regionChain, regionsWithin, type Region } from '../services/regions.ts';
import {
  createUnit,
  deactivateUnit,
  getUnit,
  listParentCandidates,
  listUnits,
  reactivateUnit,
  unitNamesByIds,
  updateUnit,
  type Unit,
} from '../services/units.ts';
import { listLinks } from '../services/links.ts';
import { BASE, actionLabel, can, crumbs, demoBadge, describeDetails, errorMap, formValues, formatTime, idsInDetails, isFormError, linkStatusBadge, qs, regionOptions, unitStatusBadge } from './common.ts';

type Query = Record<string, string | undefined>;
const unitsCrumb = { label: '政府机构', href: `${BASE}/units` };

async function renderList(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const raw = req.query as Query;
  const filterErrors: FieldProblem[] = [];
  let filter: { q?: string; region?: string; unitType?: string; status?: string; page?: number } = {};
  try {
    filter = parseInput(UnitListQuery, raw);
  } catch (err) {
    if (!isFormError(err)) throw err;
    filterErrors.push(...err.fields);
  }
  const result = await listUnits(req.ctx, { ...filter, pageSize: 20 });
  const regions = await regionsWithin(req.ctx, SCOPES.unitRead);
  const hrefFor = (page: number) => `${BASE}/units${qs({ ...filter, page })}`;
  const exportHref = `${BASE}/units/export.csv${qs({ q: filter.q, region: filter.region, unitType: filter.unitType, status: filter.status })}`;
  const errs = errorMap(filterErrors);
  return reply.page({
    title: '政府机构',
    breadcrumbs: crumbs({ label: '政府机构' }),
    body: html`
      ${errorSummary(filterErrors)}
      ${form({
        action: `${BASE}/units`,
        method: 'get',
        csrf: req.csrfToken,
        className: 'filters',
        label: '查询条件',
        body: html`
          ${field({ name: 'q', label: '名称、简称或信用代码', type: 'search', value: raw.q, maxLength: 100, error: errs.q })}
          ${select({ name: 'region', label: '行政区划 (含下辖)', options: regionOptions(regions), value: raw.region, placeholder: '全部', error: errs.region })}
          ${select({ name: 'unitType', label: '单位类型', options: optionsOf(UNIT_TYPES, UNIT_TYPE_LABELS), value: raw.unitType, placeholder: '全部', error: errs.unitType })}
          ${select({ name: 'status', label: '状态', options: optionsOf(UNIT_STATUSES, UNIT_STATUS_LABELS), value: raw.status, placeholder: '全部', error: errs.status })}
          <div class="actions">${button('查询')} <a href="${BASE}/units">清除条件</a></div>`,
      })}
      <div class="actions">
        ${can(req, SCOPES.unitWrite) ? html`<a class="btn btn-primary" href="${BASE}/units/new">新增单位</a> <a class="btn btn-secondary" href="${BASE}/units/import">导入 CSV</a>` : ''}
        <a class="btn btn-secondary" href="${exportHref}">导出 CSV</a>
      </div>
      ${table({
        caption: `政府机构列表 (共 ${result.total} 个)`,
        rows: result.items,
        empty: '没有符合条件的单位。',
        columns: [
          { header: '单位名称', cell: (u: Unit) => html`<a href="${BASE}/units/${u.id}">${u.name}</a>${demoBadge(u.isDemo)}` },
          { header: '单位类型', cell: (u: Unit) => UNIT_TYPE_LABELS[u.unitType] },
          { header: '行政区划', cell: (u: Unit) => html`${u.regionLabel} <span class="mono">${u.regionCode}</span>` },
          { header: '上级单位', cell: (u: Unit) => u.parentName ?? '—' },
          { header: '状态', cell: (u: Unit) => unitStatusBadge(u.status) },
        ],
      })}
      ${pagination({ page: result.page, pageSize: result.pageSize, total: result.total, hrefFor })}`,
  });
}

async function renderDetail(req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<FastifyReply> {
  const unit = await getUnit(req.ctx, req.params.id);
  const links = can(req, SCOPES.networkRead) ? (await listLinks(req.ctx, { unitId: unit.id, pageSize: 10 })).items : null;
  const history = await historyOf(req.ctx, { targetType: 'directory.unit', targetId: unit.id, limit: 50 });
  const names = await unitNamesByIds(req.ctx, idsInDetails(history.map((h) => h.details)));
  const canWrite = can(req, SCOPES.unitWrite);
  return reply.page({
    title: unit.name,
    breadcrumbs: crumbs(unitsCrumb, { label: unit.name }),
    body: html`
      <p>${unitStatusBadge(unit.status)}${demoBadge(unit.isDemo)}</p>
      <dl class="facts">
        <dt>单位名称</dt><dd>${unit.name}</dd>
        <dt>简称</dt><dd>${unit.shortName ?? '—'}</dd>
        <dt>单位类型</dt><dd>${UNIT_TYPE_LABELS[unit.unitType]}</dd>
        <dt>行政区划</dt><dd><a href="${BASE}/regions/${unit.regionCode}">${unit.regionLabel}</a> <span class="mono">${unit.regionCode}</span></dd>
        <dt>上级单位</dt><dd>${unit.parentId ? html`<a href="${BASE}/units/${unit.parentId}">${unit.parentName}</a>` : '—'}</dd>
        <dt>统一社会信用代码</dt><dd class="mono">${unit.uscc ?? '—'}</dd>
        <dt>最后修改</dt><dd>${formatTime(unit.updatedAt)}</dd>
      </dl>
      ${canWrite
        ? html`<div class="actions">
            <a class="btn btn-primary" href="${BASE}/units/${unit.id}/edit">修改</a>
            ${unit.status === 'active'
              ? html`<a class="btn btn-danger" href="${BASE}/units/${unit.id}/deactivate">停用</a>`
              : form({ action: `${BASE}/units/${unit.id}/reactivate`, csrf: req.csrfToken, className: 'inline', body: button('重新启用', { kind: 'secondary' }) })}
            <a href="${BASE}/units${qs({ region: unit.regionCode })}">同区划的单位</a>
          </div>`
        : ''}
      ${links !== null
        ? html`<section aria-labelledby="links-h"><h2 id="links-h">网络接入</h2>
            ${table({
              caption: '本单位的网络接入',
              rows: links,
              empty: '尚无网络接入记录。',
              columns: [
                { header: '网络', cell: (l) => NETWORK_LABELS[l.network] },
                { header: '接入方式', cell: (l) => DIRECTION_LABELS[l.direction] },
                { header: '开通日期', cell: (l) => l.connectedSince },
                { header: '带宽 (Mbps)', cell: (l) => (l.bandwidthMbps === null ? '—' : l.bandwidthMbps), className: 'num' },
                { header: '状态', cell: (l) => html`${linkStatusBadge(l.status)}${demoBadge(l.isDemo)}` },
                { header: '操作', cell: (l) => (can(req, SCOPES.networkWrite) ? html`<a href="${BASE}/links/${l.id}/edit" aria-label="修改${NETWORK_LABELS[l.network]}接入">修改</a>` : '—') },
              ],
            })}
            ${can(req, SCOPES.networkWrite) && unit.status === 'active' && links.length < 3 ? html`<p><a class="btn btn-secondary" href="${BASE}/units/${unit.id}/links/new">新增网络接入</a></p>` : ''}
          </section>`
        : ''}
      <section aria-labelledby="history-h"><h2 id="history-h">修改记录</h2>
        ${table({
          caption: '本单位的修改记录 (取自审计日志, 最近 50 条)',
          rows: history,
          empty: '暂无修改记录。',
          columns: [
            { header: '时间', cell: (h) => formatTime(h.occurredAt) },
            { header: '操作者', cell: (h) => h.actorName },
            { header: '操作', cell: (h) => actionLabel(h.action) },
            { header: '内容', cell: (h) => html`${describeDetails(h.action, h.details, names).map((line) => html`<div>${line}</div>`)}` },
          ],
        })}
      </section>`,
  });
}

interface FormState {
  values: Record<string, string>;
  errors: FieldProblem[];
  status?: number;
}

function unitFields(input: { values: Record<string, string>; errs: Record<string, string>; parents: { id: string; name: string; regionLabel: string }[]; regionField: SafeHtml }): SafeHtml {
  const { values: v, errs } = input;
  return html`
    ${field({ name: 'name', label: '单位名称', value: v.name, required: true, maxLength: 100, error: errs.name, hint: '单位全称, 2 至 100 个字符' })}
    ${field({ name: 'shortName', label: '简称', value: v.shortName, maxLength: 50, error: errs.shortName })}
    ${select({ name: 'unitType', label: '单位类型', options: optionsOf(UNIT_TYPES, UNIT_TYPE_LABELS), value: v.unitType, required: true, placeholder: '请选择', error: errs.unitType })}
    ${input.regionField}
    ${select({
      name: 'parentId',
      label: '上级单位',
      options: input.parents.map((p) => ({ value: p.id, label: `${p.name} (${p.regionLabel})` })),
      value: v.parentId,
      placeholder: '(无上级单位)',
      error: errs.parentId,
    })}
    ${field({ name: 'uscc', label: '统一社会信用代码', value: v.uscc, maxLength: 18, error: errs.uscc, hint: 'GB 32100, 18 位, 可不填; 填写时将核验校验码', autocomplete: 'off' })}`;
}

async function renderCreate(req: FastifyRequest, reply: FastifyReply, state: FormState): Promise<FastifyReply> {
  const regions = await regionsWithin(req.ctx, SCOPES.unitWrite);
  const regionCode = state.values.regionCode ?? '';
  const region = regions.find((r) => r.code === regionCode) ?? null;
  const title = '新增单位';
  const breadcrumbs = crumbs(unitsCrumb, { label: title });
  if (!region) {
    // Step 1: the region decides which units may be the parent.
    const errs = errorMap(state.errors);
    return reply.page({
      title,
      breadcrumbs,
      status: state.status,
      body: html`${errorSummary(state.errors)}
        <p>第 1 步: 选择新单位所在的行政区划 (只能选择您管辖范围内的区划)。</p>
        ${form({
          action: `${BASE}/units/new`,
          method: 'get',
          csrf: req.csrfToken,
          body: html`${select({ name: 'regionCode', label: '所在行政区划', options: regionOptions(regions), value: regionCode, required: true, placeholder: '请选择', error: errs.regionCode })}
            <div class="actions">${button('下一步')} <a href="${BASE}/units">取消</a></div>`,
        })}`,
    });
  }
  const chain = await regionChain(req.ctx, region.code);
  const parents = await listParentCandidates(req.ctx, { regionCode: region.code });
  const errs = errorMap(state.errors);
  const regionField = html`<div class="field${errs.regionCode ? ' field-error' : ''}"><p><strong>所在行政区划:</strong> ${chain.map((r) => r.name).join(' ')} <span class="mono">${region.code}</span>
    <a href="${BASE}/units/new">更改区划</a></p>${errs.regionCode ? html`<p class="error-text" id="f-regionCode">${errs.regionCode}</p>` : ''}
    <input type="hidden" name="regionCode" value="${region.code}"></div>`;
  return reply.page({
    title,
    breadcrumbs,
    status: state.status,
    body: html`${errorSummary(state.errors)}
      ${form({
        action: `${BASE}/units`,
        csrf: req.csrfToken,
        label: title,
        body: html`${unitFields({ values: state.values, errs, parents, regionField })}
          <div class="actions">${button('保存')} <a href="${BASE}/units">取消</a></div>`,
      })}`,
  });
}

async function renderEdit(req: FastifyRequest, reply: FastifyReply, unit: Unit, state: FormState): Promise<FastifyReply> {
  const regions: Region[] = await regionsWithin(req.ctx, SCOPES.unitWrite);
  const regionCode = state.values.regionCode ?? unit.regionCode;
  const parents = await listParentCandidates(req.ctx, { regionCode: (await getRegion(req.ctx, regionCode)) ? regionCode : unit.regionCode, excludeId: unit.id });
  const errs = errorMap(state.errors);
  const regionField = select({ name: 'regionCode', label: '所在行政区划', options: regionOptions(regions), value: regionCode, required: true, error: errs.regionCode });
  const title = `修改: ${unit.name}`;
  return reply.page({
    title,
    breadcrumbs: crumbs(unitsCrumb, { label: unit.name, href: `${BASE}/units/${unit.id}` }, { label: '修改' }),
    status: state.status,
    body: html`${errorSummary(state.errors)}
      <p class="hint">更改行政区划后, 上级单位须在新区划或其上级区划中; 保存后可重新选择上级单位。</p>
      ${form({
        action: `${BASE}/units/${unit.id}`,
        csrf: req.csrfToken,
        label: title,
        body: html`${unitFields({ values: state.values, errs, parents, regionField })}
          <div class="actions">${button('保存')} <a href="${BASE}/units/${unit.id}">取消</a></div>`,
      })}`,
  });
}

const unitValues = (u: Unit): Record<string, string> => ({
  name: u.name,
  shortName: u.shortName ?? '',
  unitType: u.unitType,
  regionCode: u.regionCode,
  parentId: u.parentId ?? '',
  uscc: u.uscc ?? '',
});

export function registerUnitPages(app: FastifyInstance, services: PlatformServices): void {
  app.get(`${BASE}/units`, { config: { scope: SCOPES.unitRead } }, renderList);

  app.get(`${BASE}/units/new`, { config: { scope: SCOPES.unitWrite } }, async (req, reply) => {
    const regionCode = (req.query as Query).regionCode ?? '';
    return renderCreate(req, reply, { values: { regionCode }, errors: [] });
  });

  app.post(`${BASE}/units`, { config: { scope: SCOPES.unitWrite } }, async (req, reply) => {
    const values = formValues(req.body);
    try {
      const input = parseInput(UnitCreateBody, req.body);
      const unit = await createUnit(req.ctx, input);
      services.nudgeDispatcher();
      return reply.flashRedirect(`${BASE}/units/${unit.id}`, { kind: 'success', text: `已新增单位「${unit.name}」。` });
    } catch (err) {
      if (isFormError(err)) return renderCreate(req, reply, { values, errors: err.fields, status: err.status });
      throw err;
    }
  });

  app.get<{ Params: { id: string } }>(`${BASE}/units/:id`, { config: { scope: SCOPES.unitRead } }, renderDetail);

  app.get<{ Params: { id: string } }>(`${BASE}/units/:id/edit`, { config: { scope: SCOPES.unitWrite } }, async (req, reply) => {
    const unit = await getUnit(req.ctx, req.params.id);
    return renderEdit(req, reply, unit, { values: unitValues(unit), errors: [] });
  });

  app.post<{ Params: { id: string } }>(`${BASE}/units/:id`, { config: { scope: SCOPES.unitWrite } }, async (req, reply) => {
    const unit = await getUnit(req.ctx, req.params.id);
    const values = formValues(req.body);
    try {
      const input = parseInput(UnitCreateBody, req.body);
      // The form shows every field: a blank optional field clears it.
      const updated = await updateUnit(req.ctx, {
        id: unit.id,
        name: input.name,
        shortName: input.shortName ?? null,
        unitType: input.unitType as UnitType,
        regionCode: input.regionCode,
        parentId: input.parentId ?? null,
        uscc: input.uscc ?? null,
      });
      services.nudgeDispatcher();
      return reply.flashRedirect(`${BASE}/units/${unit.id}`, { kind: 'success', text: `已保存「${updated.name}」的修改。` });
    } catch (err) {
      if (isFormError(err)) return renderEdit(req, reply, unit, { values, errors: err.fields, status: err.status });
      throw err;
    }
  });

  app.get<{ Params: { id: string } }>(`${BASE}/units/:id/deactivate`, { config: { scope: SCOPES.unitWrite } }, async (req, reply) => {
    const unit = await getUnit(req.ctx, req.params.id);
    return renderDeactivate(req, reply, unit, { values: {}, errors: [] });
  });

  app.post<{ Params: { id: string } }>(`${BASE}/units/:id/deactivate`, { config: { scope: SCOPES.unitWrite } }, async (req, reply) => {
    const unit = await getUnit(req.ctx, req.params.id);
    try {
      const input = parseInput(StatusChangeBody, req.body);
      await deactivateUnit(req.ctx, { id: unit.id, reason: input.reason });
      services.nudgeDispatcher();
      return reply.flashRedirect(`${BASE}/units/${unit.id}`, { kind: 'success', text: `已停用「${unit.name}」。` });
    } catch (err) {
      if (isFormError(err)) return renderDeactivate(req, reply, unit, { values: formValues(req.body), errors: err.fields, status: err.status });
      if (isAppError(err) && err.status === 409) {
        return renderDeactivate(req, reply, unit, { values: formValues(req.body), errors: [{ field: 'reason', message: err.message }], status: 409 });
      }
      throw err;
    }
  });

  app.post<{ Params: { id: string } }>(`${BASE}/units/:id/reactivate`, { config: { scope: SCOPES.unitWrite } }, async (req, reply) => {
    const unit = await getUnit(req.ctx, req.params.id);
    try {
      await reactivateUnit(req.ctx, { id: unit.id });
    } catch (err) {
      if (isAppError(err) && err.status === 409) {
        return reply.flashRedirect(`${BASE}/units/${unit.id}`, { kind: 'error', text: err.message });
      }
      throw err;
    }
    services.nudgeDispatcher();
    return reply.flashRedirect(`${BASE}/units/${unit.id}`, { kind: 'success', text: `已重新启用「${unit.name}」。` });
  });
}

async function renderDeactivate(req: FastifyRequest, reply: FastifyReply, unit: Unit, state: FormState): Promise<FastifyReply> {
  const errs = errorMap(state.errors);
  return reply.page({
    title: `停用: ${unit.name}`,
    breadcrumbs: crumbs(unitsCrumb, { label: unit.name, href: `${BASE}/units/${unit.id}` }, { label: '停用' }),
    status: state.status,
    body: html`${errorSummary(state.errors)}
      <p>停用后, 该单位不再出现在选择列表和公开名录中, 也不计入网络覆盖统计; 记录和修改历史保留, 可随时重新启用。</p>
      <p>有正常状态的下级单位时不能停用。</p>
      ${form({
        action: `${BASE}/units/${unit.id}/deactivate`,
        csrf: req.csrfToken,
        label: '确认停用',
        body: html`${textarea({ name: 'reason', label: '停用原因 (可选, 将记入审计日志)', value: state.values.reason, error: errs.reason, rows: 3 })}
          <div class="actions">${button('确认停用', { kind: 'danger' })} <a href="${BASE}/units/${unit.id}">取消</a></div>`,
      })}`,
  });
}
