/**
 * The resource catalog (政务信息资源目录): resources with the core metadata of the 2017 compilation
 * guide, published by a provider subsystem; API resources carry their endpoints (and OpenAPI), which
 * grants and the gateway refer to. Anyone with exchange.catalog.read browses it; provider staff
 * publish for their own unit's subsystems.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope } from '../../../platform/context.ts';
import { badRequest, conflict, forbidden, notFound, type FieldProblem } from '../../../platform/errors.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { newId } from '../../../platform/ids.ts';
import { chinaIso } from '../../../platform/ui/time.ts';
import {
  CATALOG_TYPES, EVENTS, OPEN_TYPES, RESOURCE_KINDS, SCOPES, SHARE_TYPES, SHARE_TYPE_LABELS, RESOURCE_KIND_LABELS, iso,
  type CatalogType, type OpenType, type ResourceKind, type ShareType,
} from '../model.ts';
import { actsForMember, findSubsystem, getSubsystem, type SubsystemView } from './members.ts';

export interface DataItem {
  /** 信息项名称 */
  name: string;
  /** 数据类型: 字符型 C / 数值型 N / 日期型 D / 日期时间型 T / 布尔型 B / 二进制 BLOB … */
  type: string;
  description?: string;
}

export interface EndpointInput {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  pathTemplate: string;
  operationId: string;
  summary?: string;
  /** Path parameter naming the data subject (an ID number or credit code), for "who used my data". */
  subjectParam?: string | null;
}

export interface EndpointView extends Required<Omit<EndpointInput, 'subjectParam'>> {
  id: string;
  subjectParam: string | null;
}

export interface ResourceInput {
  code: string;
  catalogType: CatalogType;
  classification: string;
  name: string;
  providerSubsystemId: string;
  abstract?: string;
  format: string;
  items: DataItem[];
  kind: ResourceKind;
  serviceCode: string;
  shareType: ShareType;
  shareCondition?: string;
  shareMethod?: string;
  legalBasis?: string;
  openType?: OpenType;
  updateCycle?: string;
  publishedOn?: string;
  relatedCodes?: string[];
  /** API resources: where the gateway forwards (the provider system's base URL). */
  baseUrl?: string | null;
  openapi?: Record<string, unknown> | null;
  endpoints?: EndpointInput[];
  logBodies?: boolean;
  timeoutMs?: number;
  ratePerMinute?: number | null;
  dailyQuota?: number | null;
  isDemo?: boolean;
}

export interface ResourceView {
  id: string;
  code: string;
  catalogType: CatalogType;
  classification: string;
  name: string;
  provider: SubsystemView;
  abstract: string;
  format: string;
  items: DataItem[];
  kind: ResourceKind;
  kindLabel: string;
  serviceCode: string;
  /** /exchange/r1/{INSTANCE/CLASS/MEMBER/SUBSYSTEM}/{serviceCode} */
  gatewayPath: string;
  shareType: ShareType;
  shareTypeLabel: string;
  shareCondition: string;
  shareMethod: string;
  legalBasis: string;
  openType: OpenType;
  updateCycle: string;
  publishedOn: string;
  relatedCodes: string[];
  baseUrl: string | null;
  openapi: Record<string, unknown> | null;
  endpoints: EndpointView[];
  logBodies: boolean;
  timeoutMs: number;
  ratePerMinute: number | null;
  dailyQuota: number | null;
  status: 'published' | 'withdrawn';
  isDemo: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface ResourceRow {
  id: string;
  code: string;
  catalog_type: CatalogType;
  classification: string;
  name: string;
  provider_subsystem_id: string;
  abstract: string;
  format: string;
  items: DataItem[];
  kind: ResourceKind;
  service_code: string;
  share_type: ShareType;
  share_condition: string;
  share_method: string;
  legal_basis: string;
  open_type: OpenType;
  update_cycle: string;
  published_on: string | Date;
  related_codes: string[];
  base_url: string | null;
  openapi: Record<string, unknown> | null;
  log_bodies: boolean;
  timeout_ms: number;
  rate_per_minute: number | null;
  daily_quota: number | null;
  status: 'published' | 'withdrawn';
  is_demo: boolean;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

interface EndpointRow {
  id: string;
  resource_id: string;
  method: EndpointInput['method'];
  path_template: string;
  operation_id: string;
  summary: string;
  subject_param: string | null;
}

const dateOnly = (d: string | Date): string => (typeof d === 'string' ? d.slice(0, 10) : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 10));

async function toView(ctx: Ctx, r: ResourceRow): Promise<ResourceView> {
  const provider = await getSubsystem(ctx, { id: r.provider_subsystem_id });
  const endpoints = await queryRows<EndpointRow>(ctx.db, sql`SELECT * FROM exchange.endpoints WHERE resource_id = ${r.id} ORDER BY path_template, method`);
  return {
    id: r.id,
    code: r.code,
    catalogType: r.catalog_type,
    classification: r.classification,
    name: r.name,
    provider,
    abstract: r.abstract,
    format: r.format,
    items: r.items,
    kind: r.kind,
    kindLabel: RESOURCE_KIND_LABELS[r.kind],
    serviceCode: r.service_code,
    gatewayPath: `/exchange/r1/${provider.xroadId}/${r.service_code}`,
    shareType: r.share_type,
    shareTypeLabel: SHARE_TYPE_LABELS[r.share_type],
    shareCondition: r.share_condition,
    shareMethod: r.share_method,
    legalBasis: r.legal_basis,
    openType: r.open_type,
    updateCycle: r.update_cycle,
    publishedOn: dateOnly(r.published_on),
    relatedCodes: r.related_codes,
    baseUrl: r.base_url,
    openapi: r.openapi,
    endpoints: endpoints.map((e) => ({ id: e.id, method: e.method, pathTemplate: e.path_template, operationId: e.operation_id, summary: e.summary, subjectParam: e.subject_param })),
    logBodies: r.log_bodies,
    timeoutMs: Number(r.timeout_ms),
    ratePerMinute: r.rate_per_minute === null ? null : Number(r.rate_per_minute),
    dailyQuota: r.daily_quota === null ? null : Number(r.daily_quota),
    status: r.status,
    isDemo: r.is_demo,
    version: Number(r.version),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export const resourceNotFound = () => notFound('resource_not_found', '共享资源不存在');

function checkResource(input: ResourceInput): void {
  const p: FieldProblem[] = [];
  const add = (field: string, message: string) => p.push({ field, message });
  if (!/^[0-9A-Za-z/-]{3,64}$/.test(input.code)) add('code', '信息资源代码应为 3 至 64 位字母、数字、斜杠或连字符 (分类码 + 顺序码)');
  if (!(CATALOG_TYPES as readonly string[]).includes(input.catalogType)) add('catalogType', '目录类型应为 基础、主题 或 部门');
  if (!input.classification?.trim()) add('classification', '请填写信息资源分类');
  if (!input.name || input.name.trim().length < 2 || input.name.length > 200) add('name', '信息资源名称应为 2 至 200 个字');
  if (!input.format?.trim()) add('format', '请填写信息资源格式');
  if (!(RESOURCE_KINDS as readonly string[]).includes(input.kind)) add('kind', '资源形态应为 接口服务、事件主题 或 批量数据集');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$/.test(input.serviceCode)) add('serviceCode', '服务代码应为 2 至 64 位字母、数字、点、下划线或连字符');
  if (!(SHARE_TYPES as readonly string[]).includes(input.shareType)) add('shareType', '共享类型应为 无条件共享、有条件共享 或 不予共享');
  else if (input.shareType !== 'unconditional' && !input.legalBasis?.trim()) add('legalBasis', `${SHARE_TYPE_LABELS[input.shareType]}须写明法律、行政法规或政策依据`);
  if (input.shareType === 'conditional' && !input.shareCondition?.trim()) add('shareCondition', '有条件共享须写明共享条件');
  if (input.openType !== undefined && !(OPEN_TYPES as readonly string[]).includes(input.openType)) add('openType', '开放属性应为 无条件开放、有条件开放 或 不予开放');
  if (!Array.isArray(input.items) || input.items.length === 0) add('items', '请至少列出一个信息项 (名称和数据类型)');
  else input.items.forEach((it, i) => {
    if (!it.name?.trim() || !it.type?.trim()) add(`items[${i}]`, `第 ${i + 1} 个信息项缺少名称或数据类型`);
  });
  if (input.kind === 'api') {
    if (!input.baseUrl || !/^https?:\/\/[^\s/]+/.test(input.baseUrl)) add('baseUrl', '接口服务须填写提供方地址 (http:// 或 https://)');
    if (!input.endpoints?.length) add('endpoints', '接口服务须至少有一个方法');
  }
  for (const [i, e] of (input.endpoints ?? []).entries()) {
    if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(e.method)) add(`endpoints[${i}].method`, 'HTTP 方法无效');
    if (!/^\/[A-Za-z0-9_{}./-]*$/.test(e.pathTemplate)) add(`endpoints[${i}].pathTemplate`, '路径模板应以 / 开头, 参数写成 {名称}');
    if (!/^[A-Za-z][A-Za-z0-9_]{1,63}$/.test(e.operationId)) add(`endpoints[${i}].operationId`, 'operationId 应为字母开头的字母数字');
    if (e.subjectParam && !e.pathTemplate.includes(`{${e.subjectParam}}`)) add(`endpoints[${i}].subjectParam`, `路径模板中没有参数 {${e.subjectParam}}`);
  }
  if (input.publishedOn !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(input.publishedOn)) add('publishedOn', '发布日期应为 YYYY-MM-DD');
  if (p.length > 0) throw badRequest('validation_failed', '共享资源的元数据有误', p);
}

/** Publishes a resource in the catalog for a subsystem of the actor's unit (or any, for the platform). */
export async function publishResource(ctx: Ctx, input: ResourceInput): Promise<ResourceView> {
  checkResource(input);
  const provider = await getSubsystem(ctx, { id: input.providerSubsystemId });
  if (!actsForMember(ctx, provider, SCOPES.resourcePublish) && !hasScope(ctx.actor, SCOPES.memberManage)) throw forbidden('只能以本单位子系统的名义登记共享资源。');
  const now = ctx.clock.now();
  return inTransaction(ctx, async (tx) => {
    const dup = await queryOne<{ code: string }>(tx.db, sql`SELECT code FROM exchange.resources WHERE code = ${input.code}
      OR (provider_subsystem_id = ${provider.id} AND service_code = ${input.serviceCode})`);
    if (dup) throw conflict('resource_exists', dup.code === input.code ? `信息资源代码 ${input.code} 已被使用` : `子系统 ${provider.xroadId} 已有服务代码 ${input.serviceCode}`);
    const id = newId();
    await tx.db.execute(sql`INSERT INTO exchange.resources (id, code, catalog_type, classification, name, provider_subsystem_id, abstract, format, items, kind,
      service_code, share_type, share_condition, share_method, legal_basis, open_type, update_cycle, published_on, related_codes, base_url, openapi,
      log_bodies, timeout_ms, rate_per_minute, daily_quota, status, is_demo, version, created_at, updated_at)
      VALUES (${id}, ${input.code}, ${input.catalogType}, ${input.classification.trim()}, ${input.name.trim()}, ${provider.id}, ${input.abstract ?? ''},
      ${input.format}, ${JSON.stringify(input.items)}::jsonb, ${input.kind}, ${input.serviceCode}, ${input.shareType}, ${input.shareCondition ?? ''},
      ${input.shareMethod ?? ''}, ${input.legalBasis ?? ''}, ${input.openType ?? 'closed'}, ${input.updateCycle ?? ''},
      ${input.publishedOn ?? chinaIso(now).slice(0, 10)}, ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(input.relatedCodes ?? [])}::jsonb)), ${input.kind === 'api' ? input.baseUrl ?? null : null},
      ${input.openapi ? JSON.stringify(input.openapi) : null}::jsonb, ${input.logBodies ?? false}, ${input.timeoutMs ?? 10_000},
      ${input.ratePerMinute ?? null}, ${input.dailyQuota ?? null}, 'published', ${input.isDemo ?? false}, 1, ${now}, ${now})`);
    for (const e of input.endpoints ?? []) {
      await tx.db.execute(sql`INSERT INTO exchange.endpoints (id, resource_id, method, path_template, operation_id, summary, subject_param)
        VALUES (${newId()}, ${id}, ${e.method}, ${e.pathTemplate}, ${e.operationId}, ${e.summary ?? ''}, ${e.subjectParam ?? null})`);
    }
    audit(tx, { action: 'exchange.resource.publish', targetType: 'exchange.resource', targetId: id, targetLabel: `${input.code} ${input.name}`, details: { shareType: input.shareType, kind: input.kind } });
    await publish(tx, { type: EVENTS.resourcePublished, orderingKey: id, payload: { resourceId: id, code: input.code, provider: provider.xroadId } });
    return getResource(tx, { id });
  });
}

export async function getResource(ctx: Ctx, input: { id?: string; code?: string }): Promise<ResourceView> {
  const row = input.id
    ? await queryOne<ResourceRow>(ctx.db, sql`SELECT * FROM exchange.resources WHERE id = ${input.id}`)
    : await queryOne<ResourceRow>(ctx.db, sql`SELECT * FROM exchange.resources WHERE code = ${input.code ?? ''}`);
  if (!row) throw resourceNotFound();
  return toView(ctx, row);
}

/** The published resource at /exchange/r1/{provider}/{serviceCode}, or null. */
export async function resourceByService(ctx: Ctx, input: { providerXroadId: string; serviceCode: string }): Promise<ResourceView | null> {
  const provider = await findSubsystem(ctx, { xroadId: input.providerXroadId });
  if (!provider) return null;
  const row = await queryOne<ResourceRow>(ctx.db, sql`SELECT * FROM exchange.resources WHERE provider_subsystem_id = ${provider.id} AND service_code = ${input.serviceCode}`);
  return row ? toView(ctx, row) : null;
}

export interface ResourceFilter {
  q?: string;
  kind?: ResourceKind;
  shareType?: ShareType;
  catalogType?: CatalogType;
  providerSubsystemId?: string;
  providerUnitId?: string;
  includeWithdrawn?: boolean;
}

export async function listResources(ctx: Ctx, input: ResourceFilter = {}): Promise<ResourceView[]> {
  const q = input.q?.trim() ? `%${input.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = await queryRows<ResourceRow>(ctx.db, sql`SELECT r.* FROM exchange.resources r
    JOIN exchange.subsystems s ON s.id = r.provider_subsystem_id JOIN exchange.members m ON m.id = s.member_id
    WHERE (${q}::text IS NULL OR r.name LIKE ${q} OR r.code LIKE ${q} OR r.abstract LIKE ${q} OR m.name LIKE ${q})
      AND (${input.kind ?? null}::text IS NULL OR r.kind = ${input.kind ?? null})
      AND (${input.shareType ?? null}::text IS NULL OR r.share_type = ${input.shareType ?? null})
      AND (${input.catalogType ?? null}::text IS NULL OR r.catalog_type = ${input.catalogType ?? null})
      AND (${input.providerSubsystemId ?? null}::uuid IS NULL OR r.provider_subsystem_id = ${input.providerSubsystemId ?? null})
      AND (${input.providerUnitId ?? null}::uuid IS NULL OR m.unit_id = ${input.providerUnitId ?? null})
      AND (${input.includeWithdrawn ?? false} OR r.status = 'published')
    ORDER BY r.code`);
  return Promise.all(rows.map((r) => toView(ctx, r)));
}

/** Withdraws a resource: no new applications; the gateway refuses calls to it. */
export async function withdrawResource(ctx: Ctx, input: { id: string; reason: string }): Promise<ResourceView> {
  const r = await getResource(ctx, { id: input.id });
  if (!actsForMember(ctx, r.provider, SCOPES.resourcePublish) && !hasScope(ctx.actor, SCOPES.memberManage)) throw forbidden('只能撤销本单位的共享资源。');
  if (!input.reason?.trim()) throw badRequest('reason_required', '请说明撤销理由');
  return inTransaction(ctx, async (tx) => {
    await tx.db.execute(sql`UPDATE exchange.resources SET status = 'withdrawn', version = version + 1, updated_at = ${ctx.clock.now()} WHERE id = ${r.id}`);
    audit(tx, { action: 'exchange.resource.withdraw', targetType: 'exchange.resource', targetId: r.id, targetLabel: `${r.code} ${r.name}`, details: { reason: input.reason } });
    await publish(tx, { type: EVENTS.resourceChanged, orderingKey: r.id, payload: { resourceId: r.id, status: 'withdrawn' } });
    return getResource(tx, { id: r.id });
  });
}

/** Matches a request path (after the service code) to an endpoint of the resource; params by name. */
export function matchEndpoint(resource: Pick<ResourceView, 'endpoints'>, method: string, path: string): { endpoint: EndpointView; params: Record<string, string> } | null {
  const segs = path.split('/').filter(Boolean);
  for (const endpoint of resource.endpoints) {
    if (endpoint.method !== method) continue;
    const tpl = endpoint.pathTemplate.split('/').filter(Boolean);
    if (tpl.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < tpl.length && ok; i += 1) {
      const m = /^\{([A-Za-z0-9_]+)\}$/.exec(tpl[i]);
      if (m) params[m[1]] = decodeURIComponent(segs[i]);
      else ok = tpl[i] === segs[i];
    }
    if (ok) return { endpoint, params };
  }
  return null;
}
