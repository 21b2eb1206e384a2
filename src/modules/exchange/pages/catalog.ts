/**
 * Workbench pages of the resource catalog and access: browse and filter the catalog, a resource
 * with every metadata element of the 2017 guide, its methods, OpenAPI description and gateway
 * address (and, for its provider and the data authority, who holds grants), the publish form and
 * withdraw; applying (无条件 → granted at once, 有条件 → the provider answers within 10 working days,
 * 不予共享 → its legal basis, no form), the applications of one's unit and those to answer, the
 * answer form, and grants with revocation.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge, button, checkbox, errorSummary, field, form, select, table, textarea } from '../../../platform/ui/components.ts';
import { formatChinaTime } from '../../../platform/ui/time.ts';
import { hasScope, regionVisible } from '../../../platform/context.ts';
import { forbidden, isAppError, type FieldProblem } from '../../../platform/errors.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { CATALOG_TYPES, CATALOG_TYPE_LABELS, OPEN_TYPES, OPEN_TYPE_LABELS, RESOURCE_KINDS, RESOURCE_KIND_LABELS, SCOPES, SHARE_TYPES, SHARE_TYPE_LABELS, type ShareType } from '../model.ts';
import { ApplicationBody, DecisionBody, IdParams, ReasonBody, ResourceListQuery, openapiFor } from '../schemas-catalog.ts';
import { getResource, listResources, publishResource, withdrawResource, type DataItem, type EndpointInput, type ResourceInput, type ResourceView } from '../services/catalog.ts';
import { revokeGrant } from '../services/grants.ts';
import { actsForMember, listSubsystems, type SubsystemView } from '../services/members.ts';
import {
  APPLICATION_STATUS_LABELS, applicantSubsystems, canSeeResourceGrants, decideApplication, getApplication, grantsFor, listApplications, resourceGrants, submitApplication,
  withdrawApplication, type ApplicationView, type GrantListItem,
} from '../services/applications.ts';
import type { GrantView } from '../services/grants.ts';

export const EXCHANGE_BASE = '/workbench/exchange';
const BASE = EXCHANGE_BASE;
export const exchangeCrumbs = (...rest: { label: string; href?: string }[]) => [{ label: '工作台', href: '/workbench' }, { label: '数据共享交换', href: `${BASE}/catalog` }, ...rest];
const crumbs = exchangeCrumbs;
const time = (s: string | null) => (s ? formatChinaTime(s).slice(0, 16) : '—');
const day = (s: string | null) => (s ? formatChinaTime(s).slice(0, 10) : '—');
export const DEMO_BADGE = () => badge('演示', 'demo');

export function errorMap(fields: FieldProblem[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const f of fields) {
    const key = f.field.replace(/\[.*$/, '');
    m[key] = m[key] ? `${m[key]}; ${f.message}` : f.message;
  }
  return m;
}

/** Form fields as strings (repeated keys joined as arrays elsewhere). */
export function formValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((body ?? {}) as Record<string, unknown>)) if (k !== '_csrf' && typeof v === 'string') out[k] = v;
  return out;
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' && v ? [v] : []);

/** A user error (bad input, conflict) to show on the page; permission and not-found errors propagate. */
export const isUserError = (e: unknown): e is import('../../../platform/errors.ts').AppError => isAppError(e) && [400, 409, 422].includes(e.status);

const shareBadge = (t: ShareType) => badge(SHARE_TYPE_LABELS[t], t === 'unconditional' ? 'ok' : t === 'conditional' ? 'warn' : 'muted');
const statusBadge = (a: Pick<ApplicationView, 'status' | 'statusLabel' | 'overdue'>) =>
  html`${badge(a.statusLabel, a.status === 'approved' ? 'ok' : a.status === 'pending' ? 'warn' : 'muted')}${a.overdue ? html` ${badge('已超期', 'warn')}` : ''}`;

// --- catalog -----------------------------------------------------------------------------------

async function renderCatalog(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const raw = req.query as Record<string, string | undefined>;
  const query = parseInput(ResourceListQuery, raw);
  const providers = await listSubsystems(req.ctx, {});
  const list = await listResources(req.ctx, query);
  const canPublish = hasScope(req.ctx.actor, SCOPES.resourcePublish) || hasScope(req.ctx.actor, SCOPES.memberManage);
  return reply.page({
    title: '政务信息资源目录',
    breadcrumbs: crumbs({ label: '资源目录' }),
    body: html`${canPublish ? html`<p class="actions"><a class="btn btn-primary" href="${BASE}/catalog/new">登记共享资源</a></p>` : ''}
      ${form({
        action: `${BASE}/catalog`,
        method: 'get',
        csrf: req.csrfToken,
        className: 'filters',
        label: '检索资源目录',
        body: html`${field({ name: 'q', label: '名称、代码、摘要或提供方', type: 'search', value: query.q })}
          ${select({ name: 'kind', label: '资源形态', options: RESOURCE_KINDS.map((k) => ({ value: k, label: RESOURCE_KIND_LABELS[k] })), value: query.kind, placeholder: '全部' })}
          ${select({ name: 'shareType', label: '共享类型', options: SHARE_TYPES.map((k) => ({ value: k, label: SHARE_TYPE_LABELS[k] })), value: query.shareType, placeholder: '全部' })}
          ${select({ name: 'catalogType', label: '目录类型', options: CATALOG_TYPES.map((k) => ({ value: k, label: CATALOG_TYPE_LABELS[k] })), value: query.catalogType, placeholder: '全部' })}
          ${select({ name: 'providerSubsystemId', label: '提供方', options: providers.map((p) => ({ value: p.id, label: `${p.memberName} · ${p.name}` })), value: query.providerSubsystemId, placeholder: '全部' })}
          <div class="actions">${button('检索')} <a href="${BASE}/catalog">清除条件</a></div>`,
      })}
      ${table<ResourceView>({
        caption: `共享资源 (共 ${list.length} 项)`,
        rows: list,
        empty: '没有符合条件的资源。',
        columns: [
          { header: '信息资源代码', cell: (r) => html`<code>${r.code}</code>` },
          { header: '名称', cell: (r) => html`<a href="${BASE}/resources/${r.id}">${r.name}</a>${r.isDemo ? html` ${DEMO_BADGE()}` : ''}` },
          { header: '形态', cell: (r) => r.kindLabel },
          { header: '目录', cell: (r) => CATALOG_TYPE_LABELS[r.catalogType] },
          { header: '共享类型', cell: (r) => shareBadge(r.shareType) },
          { header: '提供方', cell: (r) => r.provider.memberName },
          { header: '更新周期', cell: (r) => r.updateCycle || '—' },
        ],
      })}`,
  });
}

async function renderResource(req: FastifyRequest, reply: FastifyReply, state: { errors?: FieldProblem[]; values?: Record<string, string>; status?: number } = {}): Promise<FastifyReply> {
  const { id } = parseInput(IdParams, req.params);
  const r = await getResource(req.ctx, { id });
  const a = req.ctx.actor;
  const showGrants = canSeeResourceGrants(req.ctx, r);
  const grants = showGrants ? await resourceGrants(req.ctx, { resourceId: r.id }) : [];
  const applicants = hasScope(a, SCOPES.applicationSubmit) ? await applicantSubsystems(req.ctx) : [];
  const canWithdraw = r.status === 'published' && (actsForMember(req.ctx, r.provider, SCOPES.resourcePublish) || hasScope(a, SCOPES.memberManage));
  const errs = errorMap(state.errors ?? []);
  const v = state.values ?? {};
  const epLabel = (e: { method: string; pathTemplate: string }) => `${e.method} ${e.pathTemplate}`;
  const applySection = r.shareType === 'none'
    ? html`<section aria-labelledby="apply-h"><h2 id="apply-h">申请使用</h2><p class="flash flash-info">本资源为<strong>不予共享</strong>, 不能申请使用。依据: ${r.legalBasis}</p></section>`
    : r.status !== 'published'
      ? html`<section aria-labelledby="apply-h"><h2 id="apply-h">申请使用</h2><p>本资源已撤销, 不能申请。</p></section>`
      : applicants.length
        ? html`<section aria-labelledby="apply-h"><h2 id="apply-h">申请使用</h2>
          <p class="hint">${r.shareType === 'unconditional' ? '无条件共享: 提交后立即授权。' : '有条件共享: 须写明用途和依据, 提供方在 10 个工作日内答复; 超期由数据主管部门督办。'}</p>
          ${errorSummary(state.errors ?? [])}
          ${form({
            action: `${BASE}/resources/${r.id}/apply`,
            csrf: req.csrfToken,
            label: '申请使用该资源',
            body: html`${select({ name: 'clientSubsystemId', label: '使用的子系统', options: applicants.map((s) => ({ value: s.id, label: `${s.memberName} · ${s.name} (${s.xroadId})` })), value: v.clientSubsystemId, required: true, error: errs.clientSubsystemId })}
              ${r.endpoints.length ? html`<fieldset><legend>申请的方法 (不选表示全部)</legend>${r.endpoints.map((e) => checkbox({ name: 'endpointIds', value: e.id, label: `${epLabel(e)} ${e.summary}` }))}${errs.endpointIds ? html`<p class="error-text">${errs.endpointIds}</p>` : ''}</fieldset>` : ''}
              ${textarea({ name: 'purpose', label: '使用用途', value: v.purpose, required: true, error: errs.purpose })}
              ${r.shareType === 'conditional' ? textarea({ name: 'legalBasis', label: '申请依据 (法律法规、政策文件或职责依据)', value: v.legalBasis, required: true, error: errs.legalBasis }) : ''}
              <div class="actions">${button('提交申请')}</div>`,
          })}</section>`
        : '';
  const formShown = r.shareType !== 'none' && r.status === 'published' && applicants.length > 0;
  return reply.page({
    title: r.name,
    breadcrumbs: crumbs({ label: '资源目录', href: `${BASE}/catalog` }, { label: r.name }),
    status: state.status,
    flash: !formShown && state.errors?.length ? { kind: 'error', text: state.errors.map((e) => e.message).join('; ') } : undefined,
    body: html`${r.isDemo ? html`<p>${DEMO_BADGE()} 演示资源, 由演示数据登记。</p>` : ''}
      ${r.status === 'withdrawn' ? html`<p class="flash flash-error" role="status">本资源已撤销, 网关不再转发对它的调用。</p>` : ''}
      <section aria-labelledby="meta-h"><h2 id="meta-h">目录元数据</h2>
      <dl class="facts">
        <dt>信息资源分类</dt><dd>${r.classification} (${CATALOG_TYPE_LABELS[r.catalogType]})</dd>
        <dt>信息资源名称</dt><dd>${r.name}</dd>
        <dt>信息资源代码</dt><dd><code>${r.code}</code></dd>
        <dt>信息资源提供方</dt><dd>${r.provider.memberName} · ${r.provider.name}</dd>
        <dt>信息资源提供方代码</dt><dd><code>${r.provider.memberCode}</code> (子系统 <code>${r.provider.xroadId}</code>)</dd>
        <dt>信息资源摘要</dt><dd>${r.abstract || '—'}</dd>
        <dt>信息资源格式</dt><dd>${r.format} · ${r.kindLabel}</dd>
        <dt>共享类型</dt><dd>${shareBadge(r.shareType)}</dd>
        <dt>共享条件</dt><dd>${r.shareCondition || '—'}</dd>
        <dt>共享方式</dt><dd>${r.shareMethod || '—'}</dd>
        ${r.legalBasis ? html`<dt>共享依据</dt><dd>${r.legalBasis}</dd>` : ''}
        <dt>开放属性</dt><dd>${OPEN_TYPE_LABELS[r.openType]}</dd>
        <dt>更新周期</dt><dd>${r.updateCycle || '—'}</dd>
        <dt>发布日期</dt><dd>${r.publishedOn}</dd>
        <dt>关联资源代码</dt><dd>${r.relatedCodes.length ? r.relatedCodes.map((c, i) => html`${i ? '、' : ''}<code>${c}</code>`) : '—'}</dd>
        <dt>网关地址</dt><dd><code>${r.gatewayPath}</code>${r.kind === 'api' ? html`<br><span class="hint">调用须带 X-Road-Client、X-Road-Id、X-Road-Purpose 请求头和 EGOV-HMAC-SM3 或 EGOV-SM2 签名</span>` : ''}</dd>
        ${r.kind === 'api' ? html`<dt>调用限制</dt><dd>超时 ${r.timeoutMs} 毫秒; 每分钟 ${r.ratePerMinute ?? '不限'} 次; 每日 ${r.dailyQuota ?? '不限'} 次 (授权可单独规定)</dd>` : ''}
      </dl></section>
      <section aria-labelledby="items-h"><h2 id="items-h">信息项</h2>
      ${table<DataItem>({ caption: '信息项名称和数据类型', rows: r.items, columns: [{ header: '信息项名称', cell: (i) => i.name }, { header: '数据类型', cell: (i) => i.type }, { header: '说明', cell: (i) => i.description ?? '—' }] })}</section>
      ${r.endpoints.length
        ? html`<section aria-labelledby="ep-h"><h2 id="ep-h">接口方法</h2>
          ${table({ caption: '方法 (可按方法授权)', rows: r.endpoints, columns: [
            { header: '方法', cell: (e) => html`<code>${epLabel(e)}</code>` },
            { header: 'operationId', cell: (e) => e.operationId },
            { header: '说明', cell: (e) => e.summary || '—' },
            { header: '数据主体参数', cell: (e) => e.subjectParam ?? '—' },
          ] })}
          <p><a href="/api/exchange/resources/${r.id}/openapi.json" download>下载 OpenAPI 描述 (JSON)</a></p>
          ${r.openapi ? html`<details><summary>查看 OpenAPI 描述</summary><pre>${JSON.stringify(r.openapi, null, 2)}</pre></details>` : ''}</section>`
        : ''}
      ${showGrants
        ? html`<section aria-labelledby="grants-h"><h2 id="grants-h">授权 (谁可以使用)</h2>${grantTable(grants, r)}</section>`
        : ''}
      ${applySection}
      ${canWithdraw
        ? html`<section aria-labelledby="wd-h"><h2 id="wd-h">撤销资源</h2>${form({
            action: `${BASE}/resources/${r.id}/withdraw`,
            csrf: req.csrfToken,
            label: '撤销资源',
            confirm: '撤销后网关不再转发对该资源的调用, 确定撤销吗?',
            body: html`${field({ name: 'reason', label: '撤销理由', required: true, error: errs.reason })}<div class="actions">${button('撤销', { kind: 'danger' })}</div>`,
          })}</section>`
        : ''}`,
  });
}

function grantTable(grants: GrantView[], r?: Pick<ResourceView, 'endpoints'>): SafeHtml {
  const ep = (id: string | null) => {
    if (!id) return '全部方法';
    const e = r?.endpoints.find((x) => x.id === id);
    return e ? `${e.method} ${e.pathTemplate}` : id;
  };
  return table<GrantView>({
    caption: `授权 (共 ${grants.length} 项)`,
    rows: grants,
    empty: '尚无授权。',
    columns: [
      { header: '被授权方', cell: (g) => html`<code>${g.granteeLabel}</code>` },
      { header: '范围', cell: (g) => ep(g.endpointId) },
      { header: '用途', cell: (g) => g.purpose },
      { header: '授权人和时间', cell: (g) => `${g.grantedByName} ${time(g.grantedAt)}` },
      { header: '有效期至', cell: (g) => (g.expiresAt ? time(g.expiresAt) : '长期') },
      { header: '状态', cell: (g) => (g.active ? badge('有效', 'ok') : g.revokedAt ? html`${badge('已吊销', 'muted')} ${g.revokeReason ?? ''}` : badge('已到期', 'muted')) },
    ],
  });
}

// --- publish -----------------------------------------------------------------------------------

/** Subsystems the actor may publish for: its own units' (exchange.resource.publish), or any in the member administrator's region. */
async function publishableSubsystems(req: FastifyRequest): Promise<SubsystemView[]> {
  const all = await listSubsystems(req.ctx, {});
  return all.filter((s) => s.status === 'active' && (actsForMember(req.ctx, s, SCOPES.resourcePublish) || regionVisible(req.ctx.actor, SCOPES.memberManage, s.regionCode)));
}

const splitLine = (line: string) => line.split(/[|｜]/).map((x) => x.trim());

/** 信息项: one per line, `名称 | 数据类型 | 说明`. */
export function parseItems(text: string): DataItem[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((l) => {
    const [name, type, description] = splitLine(l);
    return { name: name ?? '', type: type ?? '', ...(description ? { description } : {}) };
  });
}

/** 方法: one per line, `GET | /persons/{idNumber} | getPerson | 说明 | 数据主体参数`. */
export function parseEndpoints(text: string): EndpointInput[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((l) => {
    const [method, pathTemplate, operationId, summary, subjectParam] = splitLine(l);
    return { method: (method ?? '').toUpperCase() as EndpointInput['method'], pathTemplate: pathTemplate ?? '', operationId: operationId ?? '', summary: summary ?? '', subjectParam: subjectParam || null };
  });
}

async function publishForm(req: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldProblem[], status = 200): Promise<FastifyReply> {
  const subs = await publishableSubsystems(req);
  if (subs.length === 0) throw forbidden('您没有可以登记资源的本单位子系统 (须持有 exchange.resource.publish, 且本单位已接入交换平台)。');
  const errs = errorMap(errors);
  const opts = <T extends string>(list: readonly T[], labels: Record<T, string>) => list.map((k) => ({ value: k, label: labels[k] }));
  return reply.page({
    title: '登记共享资源',
    breadcrumbs: crumbs({ label: '资源目录', href: `${BASE}/catalog` }, { label: '登记共享资源' }),
    status,
    body: html`${errorSummary(errors)}${form({
      action: `${BASE}/catalog`,
      csrf: req.csrfToken,
      label: '登记共享资源',
      body: html`<p class="hint">元数据按《政务信息资源目录编制指南 (试行)》填写。有条件共享和不予共享须写明依据。</p>
        ${select({ name: 'providerSubsystemId', label: '提供方子系统', options: subs.map((s) => ({ value: s.id, label: `${s.memberName} · ${s.name} (${s.xroadId})` })), value: values.providerSubsystemId, required: true, error: errs.providerSubsystemId })}
        ${select({ name: 'catalogType', label: '目录类型', options: opts(CATALOG_TYPES, CATALOG_TYPE_LABELS), value: values.catalogType, required: true, error: errs.catalogType })}
        ${field({ name: 'classification', label: '信息资源分类 (类/项/目/细目)', value: values.classification, required: true, error: errs.classification, hint: '如 部门信息资源/人力资源和社会保障/社会保险' })}
        ${field({ name: 'code', label: '信息资源代码 (分类码 + 顺序码)', value: values.code, required: true, error: errs.code, hint: '如 301/001/0002' })}
        ${field({ name: 'name', label: '信息资源名称', value: values.name, required: true, error: errs.name })}
        ${textarea({ name: 'abstract', label: '信息资源摘要', value: values.abstract, error: errs.abstract })}
        ${field({ name: 'format', label: '信息资源格式', value: values.format, required: true, error: errs.format, hint: '如 JSON 接口、CSV 数据集' })}
        ${textarea({ name: 'items', label: '信息项 (每行一项: 名称 | 数据类型 | 说明)', value: values.items, required: true, error: errs.items, rows: 6 })}
        ${select({ name: 'kind', label: '资源形态', options: opts(RESOURCE_KINDS, RESOURCE_KIND_LABELS), value: values.kind, required: true, error: errs.kind })}
        ${field({ name: 'serviceCode', label: '服务代码 (网关地址中的服务部分)', value: values.serviceCode, required: true, error: errs.serviceCode })}
        ${select({ name: 'shareType', label: '共享类型', options: opts(SHARE_TYPES, SHARE_TYPE_LABELS), value: values.shareType, required: true, error: errs.shareType })}
        ${textarea({ name: 'shareCondition', label: '共享条件 (有条件共享)', value: values.shareCondition, error: errs.shareCondition })}
        ${field({ name: 'shareMethod', label: '共享方式', value: values.shareMethod, error: errs.shareMethod, hint: '如 接口调用、事件订阅、数据集下载' })}
        ${textarea({ name: 'legalBasis', label: '共享依据 (有条件共享、不予共享必填)', value: values.legalBasis, error: errs.legalBasis })}
        ${select({ name: 'openType', label: '开放属性', options: opts(OPEN_TYPES, OPEN_TYPE_LABELS), value: values.openType ?? 'closed', error: errs.openType })}
        ${field({ name: 'updateCycle', label: '更新周期', value: values.updateCycle, error: errs.updateCycle, hint: '如 实时、每日、每月' })}
        ${field({ name: 'publishedOn', label: '发布日期', type: 'date', value: values.publishedOn, error: errs.publishedOn, hint: '不填为今天' })}
        ${field({ name: 'relatedCodes', label: '关联资源代码 (多个用逗号分隔)', value: values.relatedCodes, error: errs.relatedCodes })}
        ${field({ name: 'baseUrl', label: '提供方地址 (接口服务, 网关转发的目标)', value: values.baseUrl, error: errs.baseUrl, hint: 'http:// 或 https:// 开头' })}
        ${textarea({ name: 'endpoints', label: '接口方法 (每行一个: 方法 | 路径模板 | operationId | 说明 | 数据主体参数)', value: values.endpoints, error: errs.endpoints, rows: 5 })}
        <div class="actions">${button('登记')} <a href="${BASE}/catalog">取消</a></div>`,
    })}`,
  });
}

function resourceInputFrom(v: Record<string, string>): ResourceInput {
  const endpoints = v.endpoints?.trim() ? parseEndpoints(v.endpoints) : [];
  const kind = v.kind as ResourceInput['kind'];
  const name = (v.name ?? '').trim();
  return {
    code: (v.code ?? '').trim(),
    catalogType: v.catalogType as ResourceInput['catalogType'],
    classification: v.classification ?? '',
    name,
    providerSubsystemId: v.providerSubsystemId ?? '',
    abstract: v.abstract?.trim() ?? '',
    format: v.format ?? '',
    items: parseItems(v.items ?? ''),
    kind,
    serviceCode: (v.serviceCode ?? '').trim(),
    shareType: v.shareType as ShareType,
    shareCondition: v.shareCondition?.trim() ?? '',
    shareMethod: v.shareMethod?.trim() ?? '',
    legalBasis: v.legalBasis?.trim() ?? '',
    openType: (v.openType || 'closed') as ResourceInput['openType'],
    updateCycle: v.updateCycle?.trim() ?? '',
    publishedOn: v.publishedOn?.trim() || undefined,
    relatedCodes: (v.relatedCodes ?? '').split(/[,，、\s]+/).filter(Boolean),
    baseUrl: kind === 'api' ? v.baseUrl?.trim() || null : null,
    endpoints,
    openapi: kind === 'api' && endpoints.length ? openapiFor(name, v.abstract?.trim() ?? '', endpoints) : null,
  };
}

// --- applications and grants -------------------------------------------------------------------

function applicationTable(list: ApplicationView[], caption: string, empty: string): SafeHtml {
  return table<ApplicationView>({
    caption,
    rows: list,
    empty,
    columns: [
      { header: '资源', cell: (a) => html`<a href="${BASE}/applications/${a.id}">${a.resourceName}</a> <code>${a.resourceCode}</code>` },
      { header: '申请方', cell: (a) => a.clientName },
      { header: '提供方', cell: (a) => a.providerName },
      { header: '申请时间', cell: (a) => time(a.requestedAt) },
      { header: '答复期限', cell: (a) => day(a.answerDueAt) },
      { header: '状态', cell: (a) => statusBadge(a) },
    ],
  });
}

async function renderApplications(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const a = req.ctx.actor;
  const q = req.query as Record<string, string | undefined>;
  const status = q.status && q.status in APPLICATION_STATUS_LABELS ? (q.status as ApplicationView['status']) : undefined;
  const sections: SafeHtml[] = [];
  if (hasScope(a, SCOPES.applicationDecide) || hasScope(a, SCOPES.resourcePublish)) {
    sections.push(html`<section aria-labelledby="in-h"><h2 id="in-h">对本单位资源的申请</h2>${applicationTable(await listApplications(req.ctx, { side: 'provider', status }), '对本单位资源的申请', '没有申请。')}</section>`);
  }
  if (hasScope(a, SCOPES.applicationSubmit)) {
    sections.push(html`<section aria-labelledby="out-h"><h2 id="out-h">本单位提出的申请</h2>${applicationTable(await listApplications(req.ctx, { side: 'client', status }), '本单位提出的申请', '本单位还没有提出申请。')}</section>`);
  }
  if (hasScope(a, SCOPES.grantManage)) {
    sections.push(html`<section aria-labelledby="od-h"><h2 id="od-h">超期未答复 (数据主管部门督办, 可代为答复)</h2>${applicationTable(await listApplications(req.ctx, { side: 'all', overdueOnly: true }), '超期未答复的申请', '没有超期未答复的申请。')}</section>`);
    sections.push(html`<section aria-labelledby="all-h"><h2 id="all-h">全部申请</h2>${applicationTable(await listApplications(req.ctx, { side: 'all', status, limit: 200 }), '全部申请 (最近 200 件)', '没有申请。')}</section>`);
  }
  if (sections.length === 0) throw forbidden('您没有查看共享申请的权限。');
  return reply.page({
    title: '共享申请',
    breadcrumbs: crumbs({ label: '共享申请' }),
    body: html`${form({
      action: `${BASE}/applications`,
      method: 'get',
      csrf: req.csrfToken,
      className: 'filters',
      label: '按状态筛选',
      body: html`${select({ name: 'status', label: '状态', options: Object.entries(APPLICATION_STATUS_LABELS).map(([value, label]) => ({ value, label })), value: status, placeholder: '全部' })}<div class="actions">${button('筛选')}</div>`,
    })}${sections}`,
  });
}

async function renderApplication(req: FastifyRequest, reply: FastifyReply, state: { errors?: FieldProblem[]; values?: Record<string, string>; status?: number } = {}): Promise<FastifyReply> {
  const { id } = parseInput(IdParams, req.params);
  const app = await getApplication(req.ctx, { id });
  const r = await getResource(req.ctx, { id: app.resourceId });
  const actor = req.ctx.actor;
  const asProvider = actsForMember(req.ctx, { unitId: app.providerUnitId }, SCOPES.applicationDecide);
  const asAuthority = regionVisible(actor, SCOPES.grantManage, app.providerRegionCode) && app.overdue;
  const canDecide = app.status === 'pending' && (asProvider || asAuthority);
  const canWithdraw = app.status === 'pending' && app.requestedBy !== null && app.requestedBy === actor.userId;
  const grants = app.status === 'approved' ? (await resourceGrantsOrMine(req, r)).filter((g) => g.applicationId === app.id) : [];
  const requested = app.endpointIds.length ? r.endpoints.filter((e) => app.endpointIds.includes(e.id)) : r.endpoints;
  const errs = errorMap(state.errors ?? []);
  const v = state.values ?? {};
  return reply.page({
    title: `共享申请: ${app.resourceName}`,
    breadcrumbs: crumbs({ label: '共享申请', href: `${BASE}/applications` }, { label: app.resourceName }),
    status: state.status,
    body: html`<dl class="facts">
        <dt>资源</dt><dd><a href="${BASE}/resources/${r.id}">${app.resourceName}</a> <code>${app.resourceCode}</code> ${shareBadge(app.shareType)}</dd>
        <dt>提供方</dt><dd>${app.providerName} (<code>${app.providerXroadId}</code>)</dd>
        <dt>申请方</dt><dd>${app.clientName} (<code>${app.clientXroadId}</code>)</dd>
        <dt>申请的方法</dt><dd>${app.endpointIds.length ? requested.map((e, i) => html`${i ? '、' : ''}<code>${e.method} ${e.pathTemplate}</code>`) : '整个资源'}</dd>
        <dt>使用用途</dt><dd>${app.purpose}</dd>
        <dt>申请依据</dt><dd>${app.legalBasis || '—'}</dd>
        <dt>申请人和时间</dt><dd>${app.requestedByName} ${time(app.requestedAt)}</dd>
        <dt>状态</dt><dd>${statusBadge(app)}</dd>
        ${app.answerDueAt ? html`<dt>答复期限</dt><dd>${time(app.answerDueAt)} (10 个工作日)${app.overdue ? ' — 已超期, 已提请数据主管部门督办' : ''}</dd>` : ''}
        ${app.decidedAt ? html`<dt>答复</dt><dd>${app.decidedByName ?? ''} ${time(app.decidedAt)}${app.decidedByAuthority ? html` ${badge('数据主管部门代为答复', 'warn')}` : ''}</dd>` : ''}
        ${app.decisionReason ? html`<dt>答复意见</dt><dd>${app.decisionReason}</dd>` : ''}
        ${app.caseId ? html`<dt>办件</dt><dd><a href="/workbench/cases/${app.caseId}">查看办理过程</a></dd>` : ''}
      </dl>
      ${grants.length ? html`<section aria-labelledby="g-h"><h2 id="g-h">生成的授权</h2>${grantTable(grants, r)}</section>` : ''}
      ${canDecide
        ? html`<section aria-labelledby="d-h"><h2 id="d-h">${asProvider ? '答复' : '代为答复 (提供方超期未答复)'}</h2>
          ${errorSummary(state.errors ?? [])}
          ${form({
            action: `${BASE}/applications/${app.id}/decision`,
            csrf: req.csrfToken,
            label: '答复共享申请',
            body: html`${select({ name: 'decision', label: '答复', options: [{ value: 'approve', label: '同意 (生成授权)' }, { value: 'refuse', label: '不同意 (须说明理由)' }], value: v.decision, required: true, error: errs.decision })}
              ${textarea({ name: 'reason', label: '答复意见 (不同意时必填)', value: v.reason, error: errs.reason })}
              ${requested.length > 1 ? html`<fieldset><legend>授权的方法 (不选表示按申请)</legend>${requested.map((e) => checkbox({ name: 'endpointIds', value: e.id, label: `${e.method} ${e.pathTemplate} ${e.summary}` }))}${errs.endpointIds ? html`<p class="error-text">${errs.endpointIds}</p>` : ''}</fieldset>` : ''}
              ${field({ name: 'expiresOn', label: '授权有效期至 (不填为长期)', type: 'date', value: v.expiresOn, error: errs.expiresOn })}
              ${field({ name: 'ratePerMinute', label: '每分钟调用上限 (不填取资源默认值)', type: 'number', value: v.ratePerMinute, error: errs.ratePerMinute })}
              ${field({ name: 'dailyQuota', label: '每日调用配额 (不填取资源默认值)', type: 'number', value: v.dailyQuota, error: errs.dailyQuota })}
              <div class="actions">${button('提交答复')}</div>`,
          })}</section>`
        : ''}
      ${canWithdraw
        ? form({ action: `${BASE}/applications/${app.id}/withdraw`, csrf: req.csrfToken, label: '撤回申请', confirm: '确定撤回这份申请吗?', body: html`<div class="actions">${button('撤回申请', { kind: 'secondary' })}</div>` })
        : ''}`,
  });
}

/** Grants the actor may see for a resource: all of them (provider, data authority), else those of their own subsystems. */
async function resourceGrantsOrMine(req: FastifyRequest, r: ResourceView): Promise<GrantView[]> {
  if (canSeeResourceGrants(req.ctx, r)) return resourceGrants(req.ctx, { resourceId: r.id });
  return (await grantsFor(req.ctx, { side: 'client' })).filter((g) => g.resourceId === r.id);
}

async function renderGrants(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const a = req.ctx.actor;
  const admin = hasScope(a, SCOPES.grantManage);
  if (!admin && !hasScope(a, SCOPES.applicationSubmit) && !hasScope(a, SCOPES.subscriptionManage)) throw forbidden('您没有查看授权的权限。');
  const list = await grantsFor(req.ctx, { side: admin ? 'all' : 'client' });
  return reply.page({
    title: admin ? '全部授权' : '本单位的授权',
    breadcrumbs: crumbs({ label: '授权' }),
    body: table<GrantListItem>({
      caption: `${admin ? '全部授权' : '本单位子系统获得的授权'} (共 ${list.length} 项)`,
      rows: list,
      empty: '尚无授权。',
      columns: [
        { header: '资源', cell: (g) => html`<a href="${BASE}/resources/${g.resourceId}">${g.resourceName}</a> <code>${g.resourceCode}</code>` },
        { header: '被授权方', cell: (g) => html`<code>${g.granteeLabel}</code>` },
        { header: '范围', cell: (g) => (g.endpointId ? '单个方法' : '全部方法') },
        { header: '用途', cell: (g) => g.purpose },
        { header: '授权时间', cell: (g) => time(g.grantedAt) },
        { header: '有效期至', cell: (g) => (g.expiresAt ? time(g.expiresAt) : '长期') },
        { header: '状态', cell: (g) => (g.active ? badge('有效', 'ok') : g.revokedAt ? html`${badge('已吊销', 'muted')} ${g.revokeReason ?? ''}` : badge('已到期', 'muted')) },
        {
          header: '操作',
          cell: (g) => (admin && g.active
            ? form({ action: `${BASE}/grants/${g.id}/revoke`, csrf: req.csrfToken, label: `吊销授权 ${g.granteeLabel}`, confirm: '吊销后该子系统不能再调用, 确定吗?',
              body: html`<div class="field"><label for="reason-${g.id}">吊销理由</label><input id="reason-${g.id}" name="reason" required minlength="2"></div>${button('吊销', { kind: 'danger' })}` })
            : ''),
        },
      ],
    }),
  });
}

// --- routes ------------------------------------------------------------------------------------

export async function registerCatalogPages(app: FastifyInstance, services: PlatformServices): Promise<void> {
  const nudge = () => services.nudgeDispatcher();

  app.get(`${BASE}/catalog`, { config: { scope: SCOPES.catalogRead } }, renderCatalog);
  app.get(`${BASE}/catalog/new`, { config: { scope: SCOPES.catalogRead } }, async (req, reply) => publishForm(req, reply, { kind: 'api', shareType: 'unconditional', catalogType: 'department', openType: 'closed' }, []));
  app.post(`${BASE}/catalog`, { config: { scope: SCOPES.catalogRead } }, async (req, reply) => {
    const values = formValues(req.body);
    try {
      const r = await publishResource(req.ctx, resourceInputFrom(values));
      nudge();
      return reply.flashRedirect(`${BASE}/resources/${r.id}`, { kind: 'success', text: `已登记共享资源「${r.name}」` });
    } catch (e) {
      if (isUserError(e)) return publishForm(req, reply, values, e.fields.length ? e.fields : [{ field: 'code', message: e.message }], e.status);
      throw e;
    }
  });

  app.get(`${BASE}/resources/:id`, { config: { scope: SCOPES.catalogRead } }, (req, reply) => renderResource(req, reply));
  app.post(`${BASE}/resources/:id/withdraw`, { config: { scope: SCOPES.catalogRead } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params);
    try {
      const { reason } = parseInput(ReasonBody, req.body);
      await withdrawResource(req.ctx, { id, reason });
      nudge();
      return reply.flashRedirect(`${BASE}/resources/${id}`, { kind: 'success', text: '资源已撤销' });
    } catch (e) {
      if (isUserError(e)) return reply.flashRedirect(`${BASE}/resources/${id}`, { kind: 'error', text: e.fields[0]?.message ?? e.message });
      throw e;
    }
  });
  app.post(`${BASE}/resources/:id/apply`, { config: { scope: SCOPES.applicationSubmit } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params);
    const values = formValues(req.body);
    try {
      const input = parseInput(ApplicationBody, { ...values, resourceId: id, endpointIds: asList((req.body as Record<string, unknown> | undefined)?.endpointIds) });
      const a = await submitApplication(req.ctx, input);
      nudge();
      return reply.flashRedirect(`${BASE}/applications/${a.id}`, { kind: 'success', text: a.status === 'approved' ? '无条件共享资源, 已授权' : `申请已提交, 提供方将在 ${day(a.answerDueAt)} 前答复` });
    } catch (e) {
      if (isUserError(e)) return renderResource(req, reply, { errors: e.fields.length ? e.fields : [{ field: 'purpose', message: e.message }], values, status: e.status });
      throw e;
    }
  });

  app.get(`${BASE}/applications`, { config: { scope: SCOPES.catalogRead } }, renderApplications);
  app.get(`${BASE}/applications/:id`, { config: { scope: SCOPES.catalogRead } }, (req, reply) => renderApplication(req, reply));
  app.post(`${BASE}/applications/:id/decision`, { config: { scope: SCOPES.catalogRead } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params);
    const values = formValues(req.body);
    try {
      const input = parseInput(DecisionBody, { ...values, endpointIds: asList((req.body as Record<string, unknown> | undefined)?.endpointIds) });
      const a = await decideApplication(req.ctx, { id, ...input });
      nudge();
      return reply.flashRedirect(`${BASE}/applications/${a.id}`, { kind: 'success', text: a.status === 'approved' ? '已同意, 授权已生成' : '已答复不同意' });
    } catch (e) {
      if (isUserError(e)) return renderApplication(req, reply, { errors: e.fields.length ? e.fields : [{ field: 'decision', message: e.message }], values, status: e.status });
      throw e;
    }
  });
  app.post(`${BASE}/applications/:id/withdraw`, { config: { scope: SCOPES.applicationSubmit } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params);
    try {
      await withdrawApplication(req.ctx, { id });
      nudge();
      return reply.flashRedirect(`${BASE}/applications/${id}`, { kind: 'success', text: '申请已撤回' });
    } catch (e) {
      if (isUserError(e)) return reply.flashRedirect(`${BASE}/applications/${id}`, { kind: 'error', text: e.message });
      throw e;
    }
  });

  app.get(`${BASE}/grants`, { config: { scope: SCOPES.catalogRead } }, renderGrants);
  app.post(`${BASE}/grants/:id/revoke`, { config: { scope: SCOPES.grantManage } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params);
    try {
      const { reason } = parseInput(ReasonBody, req.body);
      await revokeGrant(req.ctx, { id, reason });
      nudge();
      return reply.flashRedirect(`${BASE}/grants`, { kind: 'success', text: '授权已吊销' });
    } catch (e) {
      if (isUserError(e)) return reply.flashRedirect(`${BASE}/grants`, { kind: 'error', text: e.fields[0]?.message ?? e.message });
      throw e;
    }
  });
}
