/**
 * Searching and exporting the audit log, bounded by the auditor's region: a city auditor sees the
 * records of actors whose unit lies in the city; records without a region (system actions,
 * citizens, enterprises) are visible to province-wide auditors only.
 */
import { stringify } from 'csv-stringify/sync';
import type { SQL } from 'drizzle-orm';
import { queryOne, queryRows, sql } from '../db/index.ts';
import { regionPrefixesFor, type Actor, type Ctx } from '../context.ts';
import { badRequest, forbidden } from '../errors.ts';
import { inTransaction } from '../transaction.ts';
import { audit } from './chain.ts';
import { chinaIso } from '../ui/time.ts';

export const AUDIT_READ_SCOPE = 'platform.audit.read';
export const AUDIT_EXPORT_SCOPE = 'platform.audit.export';

export const AUDIT_RESULTS = ['success', 'denied', 'failure'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];
export const AUDIT_RESULT_LABELS: Record<AuditResult, string> = { success: '成功', denied: '拒绝', failure: '失败' };

export interface AuditFilters {
  /** From this day (YYYY-MM-DD, China Standard Time) or instant (ISO 8601), inclusive. */
  from?: string;
  /** Up to this day (inclusive, whole day) or instant (exclusive). */
  to?: string;
  /** Actor's account id (UUID) or part of the actor's name. */
  actor?: string;
  /** Prefix of the action name, e.g. `directory.` or `identity.person.read`. */
  action?: string;
  targetType?: string;
  targetId?: string;
  result?: AuditResult;
  /** true: only records with a stated purpose (personal-data reads); false: only without. */
  hasPurpose?: boolean;
  page?: number;
  pageSize?: number;
}

export interface AuditRecord {
  seq: number;
  id: string;
  occurredAt: string;
  actorKind: string;
  actorUserId: string | null;
  actorName: string;
  actorUnitId: string | null;
  actorRegionCode: string;
  action: string;
  targetType: string;
  targetId: string;
  targetLabel: string | null;
  purpose: string | null;
  result: string;
  details: string;
  requestId: string;
  ip: string | null;
  prevHash: string;
  hash: string;
}

export interface AuditPage {
  items: AuditRecord[];
  total: number;
  page: number;
  pageSize: number;
}

export const AUDIT_PAGE_SIZE_MAX = 200;
const EXPORT_BATCH = 2000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

interface StoredRow {
  seq: string | number;
  id: string;
  occurred_at: Date | string;
  actor_kind: string;
  actor_user_id: string | null;
  actor_name: string;
  actor_unit_id: string | null;
  actor_region_code: string;
  action: string;
  target_type: string;
  target_id: string;
  target_label: string | null;
  purpose: string | null;
  result: string;
  details: string;
  request_id: string;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

function toRecord(r: StoredRow): AuditRecord {
  return {
    seq: Number(r.seq),
    id: r.id,
    occurredAt: new Date(r.occurred_at).toISOString(),
    actorKind: r.actor_kind,
    actorUserId: r.actor_user_id,
    actorName: r.actor_name,
    actorUnitId: r.actor_unit_id,
    actorRegionCode: r.actor_region_code,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    targetLabel: r.target_label,
    purpose: r.purpose,
    result: r.result,
    details: r.details,
    requestId: r.request_id,
    ip: r.ip,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

const likePrefix = (s: string): string => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A day is taken in China Standard Time; `end` gives the start of the following day. */
function instant(value: string, field: 'from' | 'to'): Date {
  const label = field === 'from' ? '起始日期' : '截止日期';
  if (DAY_RE.test(value)) {
    const [y, m, day] = value.split('-').map(Number);
    const utc = new Date(Date.UTC(y, m - 1, day));
    if (utc.getUTCFullYear() !== y || utc.getUTCMonth() !== m - 1 || utc.getUTCDate() !== day) {
      throw badRequest('invalid_date', `「${label}」不是有效日期`, [{ field, message: `「${label}」不是有效日期` }]);
    }
    const start = utc.getTime() - 8 * 3_600_000; // 00:00 China Standard Time
    return new Date(field === 'to' ? start + 86_400_000 : start);
  }
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(d.getTime())) {
    throw badRequest('invalid_date', `「${label}」应为日期 (如 2024-05-01) 或 ISO 8601 时间`, [{ field, message: `「${label}」格式不正确` }]);
  }
  return d;
}

/**
 * The region part of the WHERE clause for an actor holding `scope`. Prefix '' is the whole
 * platform; a province prefix (2 digits) also sees records without a region.
 */
export function auditRegionCondition(actor: Actor, scope: string): SQL {
  const prefixes = regionPrefixesFor(actor, scope);
  if (prefixes.length === 0) throw forbidden(scope === AUDIT_EXPORT_SCOPE ? '您没有导出审计日志的权限。' : '您没有查看审计日志的权限。');
  if (prefixes.includes('')) return sql`TRUE`;
  const parts = prefixes.map((p) =>
    p.length <= 2
      ? sql`(actor_region_code = '' OR actor_region_code LIKE ${likePrefix(p)})`
      : sql`actor_region_code LIKE ${likePrefix(p)}`,
  );
  return sql`(${sql.join(parts, sql` OR `)})`;
}

function whereClause(actor: Actor, scope: string, f: AuditFilters): SQL {
  const conds: SQL[] = [auditRegionCondition(actor, scope)];
  const from = f.from ? instant(f.from, 'from') : null;
  const to = f.to ? instant(f.to, 'to') : null;
  if (from && to && from.getTime() >= to.getTime()) {
    throw badRequest('invalid_range', '「起始日期」不能晚于「截止日期」', [{ field: 'from', message: '「起始日期」不能晚于「截止日期」' }]);
  }
  if (from) conds.push(sql`occurred_at >= ${from.toISOString()}`);
  if (to) conds.push(sql`occurred_at < ${to.toISOString()}`);
  const actorQuery = f.actor?.trim();
  if (actorQuery) {
    conds.push(UUID_RE.test(actorQuery) ? sql`actor_user_id = ${actorQuery.toLowerCase()}::uuid` : sql`strpos(actor_name, ${actorQuery}) > 0`);
  }
  if (f.action?.trim()) conds.push(sql`action LIKE ${likePrefix(f.action.trim())}`);
  if (f.targetType?.trim()) conds.push(sql`target_type = ${f.targetType.trim()}`);
  if (f.targetId?.trim()) conds.push(sql`target_id = ${f.targetId.trim()}`);
  if (f.result) {
    if (!AUDIT_RESULTS.includes(f.result)) throw badRequest('invalid_result', '「结果」的取值不在允许范围内');
    conds.push(sql`result = ${f.result}`);
  }
  if (f.hasPurpose === true) conds.push(sql`purpose IS NOT NULL AND purpose <> ''`);
  if (f.hasPurpose === false) conds.push(sql`(purpose IS NULL OR purpose = '')`);
  return sql.join(conds, sql` AND `);
}

/** One page of the audit log, newest first, within the actor's region for platform.audit.read. */
export async function searchAudit(ctx: Ctx, filters: AuditFilters = {}): Promise<AuditPage> {
  const where = whereClause(ctx.actor, AUDIT_READ_SCOPE, filters);
  const pageSize = Math.min(Math.max(1, Math.trunc(filters.pageSize ?? 50)), AUDIT_PAGE_SIZE_MAX);
  const page = Math.max(1, Math.trunc(filters.page ?? 1));
  const [rows, count] = await Promise.all([
    queryRows<StoredRow>(ctx.db, sql`SELECT * FROM platform.audit_log WHERE ${where} ORDER BY seq DESC LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`),
    queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM platform.audit_log WHERE ${where}`),
  ]);
  return { items: rows.map(toRecord), total: Number(count?.n ?? 0), page, pageSize };
}

export const AUDIT_CSV_HEADER = [
  '序号', '发生时间', '操作者类型', '操作者账号', '操作者', '操作者单位', '操作者区划', '操作', '对象类型', '对象标识',
  '对象名称', '用途', '结果', '详情', '请求标识', '来源IP', '前序哈希', '哈希',
];

/** Spreadsheets run cells starting with these as formulas (CSV injection); a leading ' defuses them. */
function cell(value: string | number | null): string {
  if (value === null) return '';
  const s = String(value);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

function csvLine(r: AuditRecord): string[] {
  return [
    r.seq, chinaIso(r.occurredAt), r.actorKind, r.actorUserId, r.actorName, r.actorUnitId, r.actorRegionCode, r.action,
    r.targetType, r.targetId, r.targetLabel, r.purpose, r.result, r.details, r.requestId, r.ip, r.prevHash, r.hash,
  ].map(cell);
}

export interface AuditExport {
  filename: string;
  /** Records in the export (fixed when the export starts). */
  total: number;
  /** UTF-8 text: a BOM and the header first, then batches of CRLF-terminated lines. */
  chunks: AsyncIterable<string>;
}

/**
 * CSV of the records matching `filters` (all pages, oldest first) within the region where the actor
 * holds platform.audit.export. The export itself is audited before the first byte is produced; it
 * covers the records that existed at that moment.
 */
export async function exportAuditCsv(ctx: Ctx, filters: Omit<AuditFilters, 'page' | 'pageSize'> = {}): Promise<AuditExport> {
  const where = whereClause(ctx.actor, AUDIT_EXPORT_SCOPE, filters);
  const bounds = await queryOne<{ n: string | number; max_seq: string | number | null }>(
    ctx.db,
    sql`SELECT count(*) AS n, max(seq) AS max_seq FROM platform.audit_log WHERE ${where}`,
  );
  const total = Number(bounds?.n ?? 0);
  const maxSeq = bounds?.max_seq === null || bounds?.max_seq === undefined ? 0 : Number(bounds.max_seq);
  const recorded = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined && v !== ''));
  await inTransaction(ctx, async (tctx) => {
    audit(tctx, { action: 'platform.audit.export', targetType: 'platform.audit_log', targetId: 'csv', targetLabel: '审计日志', details: { filters: recorded, rows: total, upToSeq: maxSeq } });
  });
  const stamp = chinaIso(ctx.clock.now().toISOString()).slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const db = ctx.db;
  async function* chunks(): AsyncGenerator<string> {
    yield `\uFEFF${stringify([AUDIT_CSV_HEADER], { record_delimiter: 'windows' })}`;
    let after = 0;
    for (;;) {
      const rows = await queryRows<StoredRow>(
        db,
        sql`SELECT * FROM platform.audit_log WHERE ${where} AND seq > ${after} AND seq <= ${maxSeq} ORDER BY seq LIMIT ${EXPORT_BATCH}`,
      );
      if (rows.length === 0) return;
      yield stringify(rows.map((r) => csvLine(toRecord(r))), { record_delimiter: 'windows' });
      after = Number(rows[rows.length - 1].seq);
    }
  }
  return { filename: `audit-${stamp}.csv`, total, chunks: chunks() };
}
