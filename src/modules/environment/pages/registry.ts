/**
 * Registry pages (污染源档案): enterprises (list, register), one enterprise with its outlets, limits
 * and monitoring points (add an outlet, a point, set a limit, change a point's password or status),
 * and the emission standards.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge, button, checkbox, errorSummary, field, form, pagination, select, table } from '../../../platform/ui/components.ts';
import { hasScope } from '../../../platform/context.ts';
import { badRequest, isAppError, type FieldProblem } from '../../../platform/errors.ts';
import { INDUSTRIES, INDUSTRY_LABELS, MEDIUM_LABELS, POLLUTANTS, SCOPES, pollutantName, pollutantUnit, type Industry, type Medium } from '../model.ts';
import { createEnterprise, createOutlet, createPoint, getEnterprise, listEnterprises, listOutlets, listPoints, setOutletLimit, updatePoint, type Enterprise } from '../services/registry.ts';
import { STANDARDS, listStandards } from '../services/standards.ts';
import { BASE, cityName, crumbs, demoBadge, errorMap, formValues, isFormProblem, qs } from './common.ts';

const PAGE = 50;

const numOrNull = (s: string | undefined): number | null => (s === undefined || s.trim() === '' ? null : Number(s));

function problemsOf(err: unknown): FieldProblem[] {
  if (isAppError(err)) return err.fields.length ? err.fields : [{ field: '_', message: err.message }];
  return [];
}

function enterpriseForm(req: FastifyRequest, values: Record<string, string>, errors: FieldProblem[]): SafeHtml {
  const e = errorMap(errors);
  return form({
    action: `${BASE}/enterprises`,
    csrf: req.csrfToken,
    label: '登记排污企业',
    body: html`${errorSummary(errors)}
      ${field({ name: 'uscc', label: '统一社会信用代码', value: values.uscc, required: true, maxLength: 18, error: e.uscc })}
      ${field({ name: 'name', label: '企业名称', value: values.name, required: true, maxLength: 100, error: e.name })}
      ${field({ name: 'regionCode', label: '所在行政区划代码 (6 位)', value: values.regionCode, required: true, pattern: '[0-9]{6}', error: e.regionCode })}
      ${select({ name: 'industry', label: '行业', value: values.industry, required: true, options: INDUSTRIES.map((i) => ({ value: i, label: INDUSTRY_LABELS[i] })), error: e.industry })}
      ${checkbox({ name: 'centralizedSewage', label: '城乡集中式污水处理场所 (不超标排放免征环保税)', checked: values.centralizedSewage === 'on' })}
      ${field({ name: 'address', label: '地址', value: values.address, maxLength: 200, error: e.address })}
      ${field({ name: 'longitude', label: '经度', value: values.longitude, error: e.longitude })}
      ${field({ name: 'latitude', label: '纬度', value: values.latitude, error: e.latitude })}
      ${button('登记', { kind: 'primary' })}`,
  });
}

async function renderList(req: FastifyRequest, reply: FastifyReply, values: Record<string, string> = {}, errors: FieldProblem[] = []): Promise<FastifyReply> {
  const q = req.query as Record<string, string | undefined>;
  const page = Math.max(1, Math.min(10000, Number(q.page) || 1));
  const list = await listEnterprises(req.ctx, { search: q.q?.slice(0, 100), limit: PAGE, offset: (page - 1) * PAGE });
  return reply.page({
    title: '污染源档案',
    breadcrumbs: crumbs({ label: '污染源档案' }),
    status: errors.length ? 400 : 200,
    body: html`${form({
      action: `${BASE}/enterprises`, method: 'get', csrf: req.csrfToken, className: 'filters', label: '查询企业',
      body: html`${field({ name: 'q', label: '名称或信用代码', type: 'search', value: q.q, maxLength: 100 })}<div class="actions">${button('查询')}</div>`,
    })}
    ${table<Enterprise>({
      caption: `排污企业 (共 ${list.total} 家)`,
      rows: list.items,
      empty: '没有符合条件的企业。',
      columns: [
        { header: '企业', cell: (e) => html`<a href="${BASE}/enterprises/${e.id}">${e.name}</a>${demoBadge(e.isDemo)}` },
        { header: '统一社会信用代码', cell: (e) => html`<code>${e.uscc}</code>` },
        { header: '行业', cell: (e) => INDUSTRY_LABELS[e.industry] },
        { header: '所在地', cell: (e) => `${cityName(e.regionCode.startsWith('4190') ? e.regionCode : `${e.regionCode.slice(0, 4)}00`)} (${e.regionCode})` },
        { header: '状态', cell: (e) => (e.status === 'active' ? '在产' : '关停') },
      ],
    })}
    ${pagination({ page, pageSize: PAGE, total: list.total, hrefFor: (p) => `${BASE}/enterprises${qs({ q: q.q, page: p })}` })}
    ${hasScope(req.ctx.actor, SCOPES.registryWrite) ? html`<h2>登记排污企业</h2>${enterpriseForm(req, values, errors)}` : ''}`,
  });
}

async function renderEnterprise(req: FastifyRequest, reply: FastifyReply, id: string, errors: FieldProblem[] = [], values: Record<string, string> = {}): Promise<FastifyReply> {
  const ent = await getEnterprise(req.ctx, id);
  const outlets = await listOutlets(req.ctx, { enterpriseId: id });
  const points = await listPoints(req.ctx, { enterpriseId: id });
  const canWrite = hasScope(req.ctx.actor, SCOPES.registryWrite);
  const e = errorMap(errors);
  const pollutantOptions = (m: Medium) => Object.values(POLLUTANTS).filter((p) => p.medium === m);
  return reply.page({
    title: ent.name,
    breadcrumbs: crumbs({ label: '污染源档案', href: `${BASE}/enterprises` }, { label: ent.name }),
    status: errors.length ? 400 : 200,
    body: html`${demoBadge(ent.isDemo)}${errorSummary(errors)}
      <dl class="facts">
        <dt>统一社会信用代码</dt><dd><code>${ent.uscc}</code></dd>
        <dt>行业</dt><dd>${INDUSTRY_LABELS[ent.industry]}${ent.centralizedSewage ? ' · 城乡集中式污水处理场所' : ''}</dd>
        <dt>所在地</dt><dd>${ent.regionCode} ${ent.address ?? ''}</dd>
      </dl>
      <p><a href="${BASE}/reports/enterprises/${ent.id}">本企业月报与环保税计税依据</a></p>
      ${outlets.map((o) => html`<section aria-labelledby="o-${o.id}"><h2 id="o-${o.id}">排放口 ${o.code} ${o.name} (${MEDIUM_LABELS[o.medium]})</h2>
        <p>执行标准: ${o.standardCode ? (STANDARDS.find((s) => s.code === o.standardCode)?.name ?? o.standardCode) : '未设定'}${o.o2Reference !== null ? ` · 基准氧含量 ${o.o2Reference}%` : ''}</p>
        ${table({
          caption: `排放口 ${o.code} 执行限值`,
          rows: o.limits,
          empty: '未设定限值。',
          columns: [
            { header: '污染物', cell: (l) => `${pollutantName(l.pollutant)} (${l.pollutant})` },
            { header: '限值', cell: (l) => `${l.min !== null ? `${l.min}–` : ''}${l.max ?? '—'} ${pollutantUnit(l.pollutant)}` },
            { header: '来源', cell: (l) => l.standardCode ?? '人工设定' },
          ],
        })}
        ${table({
          caption: `排放口 ${o.code} 监控点`,
          rows: points.filter((p) => p.outletId === o.id),
          empty: '尚未登记监控点。',
          columns: [
            { header: 'MN', cell: (p) => html`<a href="${BASE}/points/${p.id}"><code>${p.mn}</code></a>` },
            { header: '协议', cell: (p) => `HJ 212-${p.protocol}` },
            { header: '监测项目', cell: (p) => p.pollutants.map(pollutantName).join('、') },
            { header: '状态', cell: (p) => (p.status === 'active' ? badge('启用', 'ok') : badge('停用', 'muted')) },
            ...(canWrite ? [{
              header: '修改',
              cell: (p: (typeof points)[number]) => form({
                action: `${BASE}/points/${p.id}`, csrf: req.csrfToken, label: `修改监控点 ${p.mn}`,
                body: html`<input type="hidden" name="version" value="${p.version}"><input type="hidden" name="enterpriseId" value="${ent.id}">
                  ${field({ name: 'pw', label: `新访问密码 (${p.mn})`, type: 'password', maxLength: 9, autocomplete: 'new-password' })}
                  ${select({ name: 'status', label: `状态 (${p.mn})`, value: p.status, options: [{ value: 'active', label: '启用' }, { value: 'disabled', label: '停用' }] })}
                  ${button('保存')}`,
              }),
            }] : []),
          ],
        })}
        ${canWrite ? html`<details><summary>登记监控点 / 设定限值</summary>
          ${form({
            action: `${BASE}/outlets/${o.id}/points`, csrf: req.csrfToken, label: `排放口 ${o.code} 登记监控点`,
            body: html`<input type="hidden" name="enterpriseId" value="${ent.id}">
              ${field({ name: 'mn', label: 'MN (24 位十六进制或 14 位 2005 版)', required: true, maxLength: 24, value: values.mn, error: e.mn })}
              ${field({ name: 'pw', label: '访问密码 PW (6–9 位)', type: 'password', required: true, maxLength: 9, autocomplete: 'new-password', error: e.pw })}
              <fieldset><legend>监测项目</legend>${pollutantOptions(o.medium).map((p) => checkbox({ name: 'pollutants', value: p.code, label: `${p.name} (${p.code})`, checked: true }))}</fieldset>
              ${field({ name: 'rtdIntervalS', label: '实时数据间隔 (秒)', type: 'number', value: values.rtdIntervalS ?? '30', error: e.rtdIntervalS })}
              ${button('登记监控点', { kind: 'primary' })}`,
          })}
          ${form({
            action: `${BASE}/outlets/${o.id}/limits`, csrf: req.csrfToken, label: `排放口 ${o.code} 设定限值`,
            body: html`<input type="hidden" name="enterpriseId" value="${ent.id}">
              ${select({ name: 'pollutant', label: '污染物', options: pollutantOptions(o.medium).filter((p) => !p.parameter || p.code === 'w01001').map((p) => ({ value: p.code, label: `${p.name} (${p.code})` })) })}
              ${field({ name: 'max', label: '限值上限 (留空并不填下限则删除)', error: e.max })}
              ${field({ name: 'min', label: '限值下限 (仅 pH 等)', error: e.min })}
              ${button('保存限值')}`,
          })}</details>` : ''}
      </section>`)}
      ${canWrite ? html`<h2>登记排放口</h2>${form({
        action: `${BASE}/enterprises/${ent.id}/outlets`, csrf: req.csrfToken, label: '登记排放口',
        body: html`${field({ name: 'code', label: '排放口编号 (如 DA001 / DW001)', required: true, maxLength: 20, value: values.code, error: e.code })}
          ${field({ name: 'name', label: '排放口名称', required: true, maxLength: 100, value: values.name, error: e.name })}
          ${select({ name: 'medium', label: '介质', options: [{ value: 'air', label: '废气' }, { value: 'water', label: '废水' }], value: values.medium })}
          ${select({ name: 'standardCode', label: '执行标准', placeholder: '暂不设定', value: values.standardCode, options: STANDARDS.map((s) => ({ value: s.code, label: `${s.name} (${s.reference})` })), error: e.standardCode })}
          ${button('登记排放口', { kind: 'primary' })}`,
      })}` : ''}`,
  });
}

export function registerRegistryPages(app: FastifyInstance, nudge: () => void): void {
  app.get(`${BASE}/enterprises`, { config: { scope: SCOPES.read } }, async (req, reply) => renderList(req, reply));

  app.post(`${BASE}/enterprises`, { config: { scope: SCOPES.registryWrite } }, async (req, reply) => {
    const v = formValues(req.body);
    try {
      const ent = await createEnterprise(req.ctx, {
        uscc: v.uscc ?? '',
        name: (v.name ?? '').trim(),
        regionCode: v.regionCode ?? '',
        industry: (INDUSTRIES as readonly string[]).includes(v.industry ?? '') ? (v.industry as Industry) : 'other',
        centralizedSewage: v.centralizedSewage === 'on',
        address: v.address?.trim() || null,
        longitude: numOrNull(v.longitude),
        latitude: numOrNull(v.latitude),
      });
      nudge();
      return reply.flashRedirect(`${BASE}/enterprises/${ent.id}`, { kind: 'success', text: '企业已登记。' });
    } catch (err) {
      if (isFormProblem(err)) return renderList(req, reply, v, problemsOf(err));
      throw err;
    }
  });

  app.get(`${BASE}/enterprises/:id`, { config: { scope: SCOPES.read } }, async (req, reply) => renderEnterprise(req, reply, (req.params as { id: string }).id));

  app.post(`${BASE}/enterprises/:id/outlets`, { config: { scope: SCOPES.registryWrite } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const v = formValues(req.body);
    try {
      await createOutlet(req.ctx, { enterpriseId: id, code: v.code ?? '', name: v.name ?? '', medium: v.medium === 'water' ? 'water' : 'air', standardCode: v.standardCode || null });
      return reply.flashRedirect(`${BASE}/enterprises/${id}`, { kind: 'success', text: '排放口已登记。' });
    } catch (err) {
      if (isFormProblem(err)) return renderEnterprise(req, reply, id, problemsOf(err), v);
      throw err;
    }
  });

  app.post(`${BASE}/outlets/:id/points`, { config: { scope: SCOPES.registryWrite } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const body = (req.body ?? {}) as Record<string, string | string[]>;
    const v = formValues(body);
    const pollutants = Array.isArray(body.pollutants) ? body.pollutants : body.pollutants ? [body.pollutants] : [];
    try {
      await createPoint(req.ctx, { outletId: id, mn: v.mn ?? '', pw: v.pw ?? '', pollutants, rtdIntervalS: v.rtdIntervalS ? Number(v.rtdIntervalS) : undefined });
      nudge();
      return reply.flashRedirect(`${BASE}/enterprises/${v.enterpriseId}`, { kind: 'success', text: '监控点已登记。' });
    } catch (err) {
      if (isFormProblem(err) && v.enterpriseId) return renderEnterprise(req, reply, v.enterpriseId, problemsOf(err), v);
      throw err;
    }
  });

  app.post(`${BASE}/outlets/:id/limits`, { config: { scope: SCOPES.registryWrite } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const v = formValues(req.body);
    try {
      const max = numOrNull(v.max);
      const min = numOrNull(v.min);
      if ((max !== null && !Number.isFinite(max)) || (min !== null && !Number.isFinite(min))) throw badRequest('limit_invalid', '限值应为数字', [{ field: 'max', message: '限值应为数字' }]);
      await setOutletLimit(req.ctx, { outletId: id, pollutant: v.pollutant ?? '', max, min });
      return reply.flashRedirect(`${BASE}/enterprises/${v.enterpriseId}`, { kind: 'success', text: '限值已保存。' });
    } catch (err) {
      if (isFormProblem(err) && v.enterpriseId) return renderEnterprise(req, reply, v.enterpriseId, problemsOf(err), v);
      throw err;
    }
  });

  app.post(`${BASE}/points/:id`, { config: { scope: SCOPES.registryWrite } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const v = formValues(req.body);
    try {
      await updatePoint(req.ctx, { id, version: Number(v.version), pw: v.pw || undefined, status: v.status === 'disabled' ? 'disabled' : 'active' });
      return reply.flashRedirect(`${BASE}/enterprises/${v.enterpriseId}`, { kind: 'success', text: '监控点已保存。' });
    } catch (err) {
      if (isFormProblem(err) && v.enterpriseId) return renderEnterprise(req, reply, v.enterpriseId, problemsOf(err), {});
      throw err;
    }
  });

  app.get(`${BASE}/standards`, { config: { scope: SCOPES.read } }, async (req, reply) => {
    const standards = await listStandards(req.ctx);
    return reply.page({
      title: '排放标准',
      breadcrumbs: crumbs({ label: '排放标准' }),
      body: html`<p>废气限值为折算到基准氧含量的小时均值浓度 (mg/m³), 废水限值为日均值 (mg/L)。标注「未核实」的限值仅供演示, 使用前请核对标准原文。</p>
        ${standards.map((s) => table({
          caption: `${s.name} — ${s.reference}${s.isLocal ? ' (地方标准)' : ''}${s.o2Reference !== null ? ` · 基准氧含量 ${s.o2Reference}%` : ''}${s.note ? ` · ${s.note}` : ''}`,
          rows: s.limits,
          columns: [
            { header: '污染物', cell: (l) => `${pollutantName(l.pollutant)} (${l.pollutant})` },
            { header: '限值', cell: (l) => `${l.min !== null ? `${l.min}–` : ''}${l.max ?? '—'} ${pollutantUnit(l.pollutant)}` },
          ],
        }))}`,
    });
  });
}
