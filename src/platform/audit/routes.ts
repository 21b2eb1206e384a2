/**
 * The audit trail viewer: a workbench page with filters and pagination, a CSV export, a JSON API
 * and a check of the hash chain. Everything is bounded by the auditor's region (see search.ts).
 */
import { Readable } from 'node:stream';
import { Type, type Static, type TString } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../http/app.ts';
import type { PlatformServices } from '../module.ts';
import { hasScope, regionPrefixesFor, type Ctx } from '../context.ts';
import { isAppError, type FieldProblem } from '../errors.ts';
import { parseInput } from '../http/validation.ts';
import { html, type SafeHtml } from '../ui/html.ts';
import { badge, button, errorSummary, field, form, pagination, select, table } from '../ui/components.ts';
import { inTransaction } from '../transaction.ts';
import { formatChinaTime } from '../ui/time.ts';
import { audit, verifyAuditChain, type VerifyResult } from './chain.ts';
import {
  AUDIT_EXPORT_SCOPE,
  AUDIT_PAGE_SIZE_MAX,
  AUDIT_READ_SCOPE,
  AUDIT_RESULT_LABELS,
  exportAuditCsv,
  searchAudit,
  type AuditFilters,
  type AuditPage,
  type AuditRecord,
} from './search.ts';

/** `string | null` as `type: ['string', 'null']` (OpenAPI 3.1): fast-json-stringify serialises it
 * directly, where an anyOf would be validated value by value. */
const Nullable = (t: TString) => Type.Unsafe<string | null>({ ...t, type: ['string', 'null'] });

const filterProperties = {
  from: Type.Optional(Type.String({ title: '起始日期', description: 'YYYY-MM-DD (北京时间, 含当日) 或 ISO 8601 时间', maxLength: 40 })),
  to: Type.Optional(Type.String({ title: '截止日期', description: 'YYYY-MM-DD (北京时间, 含当日) 或 ISO 8601 时间 (不含)', maxLength: 40 })),
  actor: Type.Optional(Type.String({ title: '操作者', description: '姓名的一部分, 或账号标识 (UUID)', maxLength: 100 })),
  action: Type.Optional(Type.String({ title: '操作', description: '操作名称前缀, 如 directory. 或 identity.user.create', maxLength: 100 })),
  targetType: Type.Optional(Type.String({ title: '对象类型', maxLength: 100 })),
  targetId: Type.Optional(Type.String({ title: '对象标识', maxLength: 200 })),
  result: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('denied'), Type.Literal('failure')], { title: '结果' })),
  hasPurpose: Type.Optional(Type.Boolean({ title: '是否声明用途', description: 'true: 仅含查阅用途的记录 (个人信息查阅); false: 仅不含用途的记录' })),
};

export const AuditQuery = Type.Object({
  ...filterProperties,
  page: Type.Optional(Type.Integer({ title: '页码', minimum: 1, maximum: 1_000_000 })),
  pageSize: Type.Optional(Type.Integer({ title: '每页条数', minimum: 1, maximum: AUDIT_PAGE_SIZE_MAX })),
});
export const AuditExportQuery = Type.Object(filterProperties);
type AuditQueryInput = Static<typeof AuditQuery>;

export const AuditRecordSchema = Type.Object({
  seq: Type.Integer({ title: '链上序号' }),
  id: Type.String({ title: '记录标识' }),
  occurredAt: Type.String({ title: '发生时间 (ISO 8601, UTC)' }),
  actorKind: Type.String({ title: '操作者类型' }),
  actorUserId: Nullable(Type.String({ title: '操作者账号标识' })),
  actorName: Type.String({ title: '操作者姓名' }),
  actorUnitId: Nullable(Type.String({ title: '操作者单位' })),
  actorRegionCode: Type.String({ title: '操作者单位行政区划代码 (系统操作为空)' }),
  action: Type.String({ title: '操作' }),
  targetType: Type.String({ title: '对象类型' }),
  targetId: Type.String({ title: '对象标识' }),
  targetLabel: Nullable(Type.String({ title: '对象名称 (当时, 已脱敏)' })),
  purpose: Nullable(Type.String({ title: '声明的查阅用途' })),
  result: Type.String({ title: '结果: success 成功 / denied 拒绝 / failure 失败' }),
  details: Type.String({ title: '变更内容 (规范化 JSON 文本)' }),
  requestId: Type.String({ title: '请求标识' }),
  ip: Nullable(Type.String({ title: '来源 IP' })),
  prevHash: Type.String({ title: '前序哈希' }),
  hash: Type.String({ title: '本条哈希 (SM3)' }),
}, { title: '审计记录' });

export const AuditPageSchema = Type.Object({
  items: Type.Array(AuditRecordSchema, { title: '本页记录 (新的在前)' }),
  total: Type.Integer({ title: '符合条件的记录总数' }),
  page: Type.Integer({ title: '页码' }),
  pageSize: Type.Integer({ title: '每页条数' }),
});

export const VerifyResultSchema = Type.Object({
  ok: Type.Boolean({ title: '审计链是否完整' }),
  checked: Type.Integer({ title: '已校验的记录数' }),
  brokenAt: Type.Union([
    Type.Object({ seq: Type.Integer({ title: '首个断裂处的链上序号' }), reason: Type.String({ title: '断裂原因' }) }, { title: '断裂位置' }),
    Type.Null(),
  ], { title: '首个断裂处 (完整时为 null)' }),
});

const toFilters = (q: AuditQueryInput): AuditFilters => ({ ...q });

/** Runs the chain check and records who ran it and what it found. */
export async function verifyAndRecord(ctx: Ctx): Promise<VerifyResult> {
  const result = await verifyAuditChain(ctx.db);
  await inTransaction(ctx, async (tctx) => {
    audit(tctx, {
      action: 'platform.audit.verify',
      targetType: 'platform.audit_log',
      targetId: 'chain',
      targetLabel: '审计链',
      result: 'success',
      details: { ok: result.ok, checked: result.checked, brokenAt: result.brokenAt ?? null },
    });
  });
  return result;
}

const ACTOR_KIND_LABELS: Record<string, string> = {
  staff: '工作人员',
  citizen: '个人',
  enterprise: '法人',
  service: '业务系统',
  system: '系统',
  anonymous: '匿名',
};

function queryString(filters: AuditQueryInput, page?: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) {
    if (k === 'page' || v === undefined || v === '') continue;
    params.set(k, String(v));
  }
  if (page && page > 1) params.set('page', String(page));
  const s = params.toString();
  return s ? `?${s}` : '';
}

function scopeDescription(ctx: Ctx): string {
  const prefixes = regionPrefixesFor(ctx.actor, AUDIT_READ_SCOPE);
  if (prefixes.includes('')) return '全平台';
  return prefixes
    .map((p) => (p.length <= 2 ? `行政区划代码以 ${p} 开头的全省单位, 以及系统与公众账号的操作` : `行政区划代码以 ${p} 开头的单位`))
    .join('; ');
}

function filterForm(q: AuditQueryInput, errors: FieldProblem[]): SafeHtml {
  const err = (name: string) => errors.find((e) => e.field === name)?.message;
  return form({
    action: '/workbench/audit',
    method: 'get',
    csrf: '',
    className: 'filters',
    label: '筛选审计记录',
    body: html`${field({ name: 'from', label: '起始日期', type: 'date', value: q.from, error: err('from') })}
      ${field({ name: 'to', label: '截止日期', type: 'date', value: q.to, error: err('to') })}
      ${field({ name: 'actor', label: '操作者', hint: '姓名或账号标识', value: q.actor, error: err('actor'), maxLength: 100 })}
      ${field({ name: 'action', label: '操作 (前缀)', hint: '如 directory. 或 identity.user', value: q.action, error: err('action'), maxLength: 100 })}
      ${field({ name: 'targetType', label: '对象类型', value: q.targetType, error: err('targetType'), maxLength: 100 })}
      ${field({ name: 'targetId', label: '对象标识', value: q.targetId, error: err('targetId'), maxLength: 200 })}
      ${select({
        name: 'result',
        label: '结果',
        placeholder: '全部',
        value: q.result ?? '',
        error: err('result'),
        options: Object.entries(AUDIT_RESULT_LABELS).map(([value, label]) => ({ value, label })),
      })}
      ${select({
        name: 'hasPurpose',
        label: '查阅用途',
        placeholder: '全部',
        value: q.hasPurpose === undefined ? '' : String(q.hasPurpose),
        error: err('hasPurpose'),
        options: [
          { value: 'true', label: '已声明用途 (个人信息查阅)' },
          { value: 'false', label: '未声明用途' },
        ],
      })}
      <p class="actions">${button('查询')} <a href="/workbench/audit">清除条件</a></p>`,
  });
}

function resultsTable(result: AuditPage): SafeHtml {
  return table<AuditRecord>({
    caption: '审计记录 (新的在前)',
    empty: '没有符合条件的审计记录。',
    rows: result.items,
    columns: [
      { header: '序号', cell: (r) => r.seq, className: 'num' },
      { header: '时间 (北京时间)', cell: (r) => html`<time datetime="${r.occurredAt}">${formatChinaTime(r.occurredAt)}</time>` },
      {
        header: '操作者',
        cell: (r) => html`${r.actorName} <span class="muted">${ACTOR_KIND_LABELS[r.actorKind] ?? r.actorKind}${r.actorRegionCode ? ` · ${r.actorRegionCode}` : ''}</span>`,
      },
      { header: '操作', cell: (r) => html`<code>${r.action}</code>` },
      {
        header: '对象',
        cell: (r) => html`${r.targetLabel ?? ''} <span class="muted"><code>${r.targetType}</code> ${r.targetId}</span>`,
      },
      {
        header: '结果',
        cell: (r) => badge(AUDIT_RESULT_LABELS[r.result as keyof typeof AUDIT_RESULT_LABELS] ?? r.result, r.result === 'success' ? 'ok' : 'warn'),
      },
      { header: '用途', cell: (r) => r.purpose ?? '' },
      {
        header: '详情',
        cell: (r) =>
          r.details === '{}'
            ? html`<span class="muted">无</span>`
            : r.details.length <= 80
              ? html`<code>${r.details}</code>`
              : html`<details><summary>${r.details.slice(0, 60)}…</summary><pre>${r.details}</pre></details>`,
      },
    ],
  });
}

export function registerAuditRoutes(app: App, _services: PlatformServices): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/workbench/audit', { config: { scope: AUDIT_READ_SCOPE } }, async (req, reply) => {
    let q: AuditQueryInput = {};
    let errors: FieldProblem[] = [];
    let result: AuditPage | null = null;
    try {
      q = parseInput(AuditQuery, req.query);
      result = await searchAudit(req.ctx, toFilters(q));
    } catch (err) {
      if (!isAppError(err) || err.status !== 400) throw err;
      errors = err.fields.length ? err.fields : [{ field: '(query)', message: err.message }];
      q = (req.query ?? {}) as AuditQueryInput;
    }
    const canExport = hasScope(req.ctx.actor, AUDIT_EXPORT_SCOPE);
    return reply.page({
      title: '审计日志',
      status: errors.length ? 400 : 200,
      breadcrumbs: [{ label: '工作台', href: '/workbench' }, { label: '审计日志' }],
      body: html`<p>每次变更和个人信息查阅都记入审计日志, 各条记录以 SM3 哈希链相连, 只增不改。您可查看的范围: ${scopeDescription(req.ctx)}。</p>
        ${errorSummary(errors)}
        ${filterForm(q, errors)}
        <div class="actions">
          ${canExport && result ? html`<a class="btn btn-secondary" href="/workbench/audit/export.csv${queryString(q)}" download>导出 CSV (${result.total} 条)</a>` : ''}
          ${form({ action: '/workbench/audit/verify', csrf: req.csrfToken, className: 'inline', body: button('校验审计链', { kind: 'secondary' }) })}
        </div>
        ${result ? resultsTable(result) : ''}
        ${result ? pagination({ page: result.page, pageSize: result.pageSize, total: result.total, hrefFor: (p) => `/workbench/audit${queryString(q, p)}` }) : ''}`,
    });
  });

  r.get('/workbench/audit/export.csv', { config: { scope: AUDIT_EXPORT_SCOPE } }, async (req, reply) => {
    const q = parseInput(AuditExportQuery, req.query);
    const exported = await exportAuditCsv(req.ctx, q);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${exported.filename}"`)
      .header('cache-control', 'no-store')
      .header('x-total-count', String(exported.total))
      .send(Readable.from(exported.chunks));
  });

  r.post('/workbench/audit/verify', { config: { scope: AUDIT_READ_SCOPE } }, async (req, reply) => {
    const started = Date.now();
    const result = await verifyAndRecord(req.ctx);
    const ms = Date.now() - started;
    return reply.flashRedirect(
      '/workbench/audit',
      result.ok
        ? { kind: 'success', text: `审计链完整: 已校验 ${result.checked} 条记录, 用时 ${ms} 毫秒。` }
        : { kind: 'error', text: `审计链断裂: ${result.brokenAt?.reason ?? '原因未知'} (此前 ${result.checked} 条记录完整)。请立即报告安全管理员。` },
    );
  });

  r.get('/api/platform/audit', {
    config: { scope: AUDIT_READ_SCOPE },
    schema: {
      summary: '查询审计日志',
      description: '按条件分页查询审计记录, 新的在前; 仅返回调用者有 platform.audit.read 权限的辖区内的记录 (无辖区的系统操作仅全省审计员可见)。',
      tags: ['platform'],
      querystring: AuditQuery,
      response: { 200: AuditPageSchema },
    },
  }, async (req) => searchAudit(req.ctx, toFilters(req.query)));

  r.get('/api/platform/audit/verify', {
    config: { scope: AUDIT_READ_SCOPE },
    schema: {
      summary: '校验审计链',
      description: '按序号逐条重算 SM3 哈希链, 报告首个断裂处 (记录被篡改、删除或前序哈希被改动)。校验本身记入审计日志。',
      tags: ['platform'],
      response: { 200: VerifyResultSchema },
    },
  }, async (req) => {
    const result = await verifyAndRecord(req.ctx);
    return { ok: result.ok, checked: result.checked, brokenAt: result.brokenAt ?? null };
  });
}
