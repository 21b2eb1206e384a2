/**
 * Operational monitoring from the message log: overall figures for the dashboard (gatewayStats),
 * per-service health (success/failure counts, min/avg/max duration, last success and failure, as
 * X-Road's getSecurityServerHealthData), the message list with filters, and "who used my data"
 * (usageFor: forwarded messages whose subject is that person or entity).
 *
 * Visibility: the data authority (exchange.member.manage) sees everything; other holders of
 * exchange.monitor.read see the messages to resources of their units and from their units' systems.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope } from '../../../platform/context.ts';
import { badRequest, forbidden, notFound } from '../../../platform/errors.ts';
import type { SQL } from 'drizzle-orm';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { checkResidentId, checkUscc, maskIdNumber } from '../../../platform/identifiers/index.ts';
import { systemActor } from '../../../platform/context.ts';
import { accessLogFor } from '../../registries/index.ts';
import { SCOPES } from '../model.ts';
import { requireMonitor, subjectDigest, type Outcome } from './message-log.ts';

const ms = (us: number | string | null): number => (us === null ? 0 : Math.round(Number(us) / 10) / 100);

/** SQL condition on messages `m` limiting them to what the actor may see (true for the data authority). */
function visibleMessages(ctx: Ctx): SQL {
  if (hasScope(ctx.actor, SCOPES.memberManage)) return sql`true`;
  const units = [...new Set(ctx.actor.grants.filter((g) => g.scopes.has(SCOPES.monitorRead)).map((g) => g.unitId).filter(Boolean))];
  if (units.length === 0) return sql`false`;
  const list = sql.join(units.map((u) => sql`${u}`), sql`, `);
  return sql`(m.resource_id IN (SELECT r.id FROM exchange.resources r JOIN exchange.subsystems s ON s.id = r.provider_subsystem_id JOIN exchange.members mb ON mb.id = s.member_id WHERE mb.unit_id IN (${list}))
    OR m.client_subsystem_id IN (SELECT s.id FROM exchange.subsystems s JOIN exchange.members mb ON mb.id = s.member_id WHERE mb.unit_id IN (${list})))`;
}

export interface GatewayStats {
  requests: number;
  failures: number;
  successRate: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  byDay: { day: string; requests: number; failures: number }[];
  byService: { resourceId: string; code: string; name: string; requests: number; failures: number; minMs: number; avgMs: number; maxMs: number }[];
}

export interface ServiceHealth {
  resourceId: string;
  code: string;
  name: string;
  serviceXroadId: string;
  requests: number;
  successes: number;
  failures: number;
  minMs: number;
  avgMs: number;
  maxMs: number;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
}

/** Per-service health since `since` (one row per resource called). */
export async function serviceHealth(ctx: Ctx, input: { since: Date }): Promise<ServiceHealth[]> {
  requireMonitor(ctx);
  const rows = await queryRows<{ resource_id: string; code: string; name: string; service: string; requests: number; failures: number; min_us: number; avg_us: number; max_us: number; last_ok: Date | string | null; last_fail: Date | string | null }>(ctx.db, sql`
    SELECT m.resource_id, r.code, r.name, max(m.service_xroad_id) AS service, count(*)::int AS requests, (count(*) FILTER (WHERE m.outcome <> 'success'))::int AS failures,
      min(m.duration_us) AS min_us, avg(m.duration_us)::float8 AS avg_us, max(m.duration_us) AS max_us,
      max(m.received_at) FILTER (WHERE m.outcome = 'success') AS last_ok, max(m.received_at) FILTER (WHERE m.outcome <> 'success') AS last_fail
    FROM exchange.messages m JOIN exchange.resources r ON r.id = m.resource_id
    WHERE m.received_at >= ${input.since.toISOString()} AND ${visibleMessages(ctx)}
    GROUP BY m.resource_id, r.code, r.name ORDER BY r.code`);
  return rows.map((r) => ({
    resourceId: r.resource_id,
    code: r.code,
    name: r.name,
    serviceXroadId: r.service,
    requests: Number(r.requests),
    successes: Number(r.requests) - Number(r.failures),
    failures: Number(r.failures),
    minMs: ms(r.min_us),
    avgMs: ms(r.avg_us),
    maxMs: ms(r.max_us),
    lastSuccessAt: r.last_ok ? new Date(r.last_ok).toISOString() : null,
    lastFailureAt: r.last_fail ? new Date(r.last_fail).toISOString() : null,
  }));
}

/** Figures for the exchange dashboard: totals, latency percentiles, per China day and per service. */
export async function gatewayStats(ctx: Ctx, input: { since: Date }): Promise<GatewayStats> {
  requireMonitor(ctx);
  const since = input.since.toISOString();
  const vis = visibleMessages(ctx);
  const total = await queryOne<{ requests: number; failures: number; p50: number | null; p95: number | null; p99: number | null }>(ctx.db, sql`
    SELECT count(*)::int AS requests, (count(*) FILTER (WHERE m.outcome <> 'success'))::int AS failures,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY m.duration_us) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY m.duration_us) AS p95,
      percentile_cont(0.99) WITHIN GROUP (ORDER BY m.duration_us) AS p99
    FROM exchange.messages m WHERE m.received_at >= ${since} AND ${vis}`);
  const days = await queryRows<{ day: string; requests: number; failures: number }>(ctx.db, sql`
    SELECT to_char((m.received_at AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD') AS day, count(*)::int AS requests, (count(*) FILTER (WHERE m.outcome <> 'success'))::int AS failures
    FROM exchange.messages m WHERE m.received_at >= ${since} AND ${vis} GROUP BY 1 ORDER BY 1`);
  const requests = Number(total?.requests ?? 0);
  const failures = Number(total?.failures ?? 0);
  const health = await serviceHealth(ctx, input);
  return {
    requests,
    failures,
    successRate: requests === 0 ? 1 : (requests - failures) / requests,
    p50Ms: ms(total?.p50 ?? null),
    p95Ms: ms(total?.p95 ?? null),
    p99Ms: ms(total?.p99 ?? null),
    byDay: days.map((d) => ({ day: d.day, requests: Number(d.requests), failures: Number(d.failures) })),
    byService: health.map((h) => ({ resourceId: h.resourceId, code: h.code, name: h.name, requests: h.requests, failures: h.failures, minMs: h.minMs, avgMs: h.avgMs, maxMs: h.maxMs })),
  };
}

// --- the message list ------------------------------------------------------------------------------

export const OUTCOME_LABELS: Record<Outcome, string> = { success: '成功', client_error: '客户端错误', gateway_error: '网关错误', provider_error: '提供方错误' };

export interface MessageFilter {
  resourceId?: string;
  client?: string;
  outcome?: Outcome;
  from?: string;
  to?: string;
  page?: number;
  pageSize?: number;
}

export interface MessageView {
  seq: number;
  id: string;
  receivedAt: string;
  clientXroadId: string;
  serviceXroadId: string;
  resourceName: string | null;
  method: string;
  restPath: string;
  messageId: string;
  userId: string;
  purpose: string;
  issue: string;
  status: number;
  outcome: Outcome;
  errorCode: string | null;
  requestBytes: number;
  responseBytes: number;
  durationMs: number;
  providerMs: number;
  requestHash: string;
  responseHash: string;
  hash: string;
  bodiesLogged: boolean;
}

/** One message with its chain links and, where the resource logs them, the bodies. */
export async function getMessage(ctx: Ctx, input: { seq: number }): Promise<MessageView & { prevHash: string; requestBody: string | null; responseBody: string | null }> {
  requireMonitor(ctx);
  const row = await queryOne<{ seq: number; prev_hash: string; request_body: string | null; response_body: string | null }>(ctx.db, sql`SELECT m.seq, m.prev_hash, m.request_body, m.response_body
    FROM exchange.messages m WHERE m.seq = ${input.seq} AND ${visibleMessages(ctx)}`);
  if (!row) throw notFound('message_not_found', '消息不存在或不在您的查看范围内');
  const { rows } = await listMessages(ctx, { seq: input.seq });
  return { ...rows[0], prevHash: row.prev_hash, requestBody: row.request_body, responseBody: row.response_body };
}

export async function listMessages(ctx: Ctx, input: MessageFilter & { seq?: number } = {}): Promise<{ rows: MessageView[]; total: number }> {
  requireMonitor(ctx);
  const pageSize = Math.min(Math.max(input.pageSize ?? 50, 1), 200);
  const page = Math.max(input.page ?? 1, 1);
  const client = input.client?.trim() ? `%${input.client.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const where = sql`${visibleMessages(ctx)}
    AND (${input.resourceId ?? null}::uuid IS NULL OR m.resource_id = ${input.resourceId ?? null})
    AND (${client}::text IS NULL OR m.client_xroad_id LIKE ${client})
    AND (${input.outcome ?? null}::text IS NULL OR m.outcome = ${input.outcome ?? null})
    AND (${input.from ?? null}::timestamptz IS NULL OR m.received_at >= ${input.from ?? null}::timestamptz)
    AND (${input.to ?? null}::timestamptz IS NULL OR m.received_at < ${input.to ?? null}::timestamptz)
    AND (${input.seq ?? null}::bigint IS NULL OR m.seq = ${input.seq ?? null})`;
  const count = await queryOne<{ n: number }>(ctx.db, sql`SELECT count(*)::int AS n FROM exchange.messages m WHERE ${where}`);
  const rows = await queryRows<Record<string, unknown>>(ctx.db, sql`SELECT m.seq, m.id, m.received_at, m.client_xroad_id, m.service_xroad_id, r.name AS resource_name, m.method, m.rest_path, m.message_id,
    m.user_id, m.purpose, m.issue, m.status, m.outcome, m.error_code, m.request_bytes, m.response_bytes, m.duration_us, m.provider_us, m.request_hash, m.response_hash, m.hash,
    (m.request_body IS NOT NULL OR m.response_body IS NOT NULL) AS bodies
    FROM exchange.messages m LEFT JOIN exchange.resources r ON r.id = m.resource_id WHERE ${where} ORDER BY m.seq DESC LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`);
  return {
    total: Number(count?.n ?? 0),
    rows: rows.map((r) => ({
      seq: Number(r.seq),
      id: String(r.id),
      receivedAt: new Date(r.received_at as string).toISOString(),
      clientXroadId: String(r.client_xroad_id),
      serviceXroadId: String(r.service_xroad_id),
      resourceName: (r.resource_name as string | null) ?? null,
      method: String(r.method),
      restPath: String(r.rest_path),
      messageId: String(r.message_id),
      userId: String(r.user_id),
      purpose: String(r.purpose),
      issue: String(r.issue),
      status: Number(r.status),
      outcome: r.outcome as Outcome,
      errorCode: (r.error_code as string | null) ?? null,
      requestBytes: Number(r.request_bytes),
      responseBytes: Number(r.response_bytes),
      durationMs: ms(r.duration_us as number),
      providerMs: ms(r.provider_us as number),
      requestHash: String(r.request_hash),
      responseHash: String(r.response_hash),
      hash: String(r.hash),
      bodiesLogged: Boolean(r.bodies),
    })),
  };
}

// --- who used my data ------------------------------------------------------------------------------

export interface UsageItem {
  at: string;
  clientXroadId: string;
  /** The institution (member) whose system called. */
  clientName: string;
  systemName: string;
  resourceName: string;
  purpose: string;
  userId: string;
  channel: 'exchange';
}

/** Gateway messages (forwarded to the provider) whose data subject is this person or entity, newest first. */
export async function usageFor(ctx: Ctx, input: { idNumber?: string; uscc?: string; limit?: number }): Promise<UsageItem[]> {
  if (ctx.actor.kind !== 'system' && !hasScope(ctx.actor, SCOPES.usageRead)) throw forbidden('您没有查看数据使用记录的权限。');
  const value = input.idNumber ?? input.uscc;
  if (!value?.trim()) throw badRequest('subject_required', '请指定公民身份号码或统一社会信用代码');
  const digest = await subjectDigest(ctx.db, value);
  const rows = await queryRows<{ received_at: Date | string; client_xroad_id: string; member_name: string | null; subsystem_name: string | null; resource_name: string | null; purpose: string; user_id: string }>(ctx.db, sql`
    SELECT m.received_at, m.client_xroad_id, mb.name AS member_name, s.name AS subsystem_name, r.name AS resource_name, m.purpose, m.user_id
    FROM exchange.messages m LEFT JOIN exchange.subsystems s ON s.id = m.client_subsystem_id LEFT JOIN exchange.members mb ON mb.id = s.member_id
    LEFT JOIN exchange.resources r ON r.id = m.resource_id
    WHERE m.subject_hash = ${digest} AND m.forwarded ORDER BY m.seq DESC LIMIT ${input.limit ?? 200}`);
  return rows.map((r) => ({
    at: new Date(r.received_at).toISOString(),
    clientXroadId: r.client_xroad_id,
    clientName: r.member_name ?? r.client_xroad_id,
    systemName: r.subsystem_name ?? '',
    resourceName: r.resource_name ?? '',
    purpose: r.purpose,
    userId: r.user_id,
    channel: 'exchange',
  }));
}

/** One line of the "who used my data" page: from the gateway log or the registries' access log. */
export interface DataUsageLine {
  at: string;
  institution: string;
  system: string;
  what: string;
  purpose: string;
  source: '共享交换' | '基础信息库';
}

const REGISTRY_CHANNELS: Record<string, string> = { api: '接口查询', batch: '批量查询', page: '工作人员查询', search: '检索' };

/**
 * Every recorded use of a person's or an entity's data, merged from the gateway's message log and
 * the registries' access log, newest first. Callers decide who may see it (the citizen for
 * themselves; staff through lookupDataUsage).
 */
export async function dataUsageOf(ctx: Ctx, input: { idNumber?: string; uscc?: string }): Promise<DataUsageLine[]> {
  const sys: Ctx = { ...ctx, actor: systemActor };
  const [gateway, registry] = await Promise.all([usageFor(sys, input), accessLogFor(sys, { ...input, limit: 200 })]);
  const lines: DataUsageLine[] = [
    ...gateway.map((g) => ({ at: g.at, institution: g.clientName, system: g.systemName || g.clientXroadId, what: g.resourceName, purpose: g.purpose, source: '共享交换' as const })),
    ...registry.map((a) => ({
      at: a.accessedAt,
      institution: a.unitName || a.actorName,
      system: a.actorKind === 'service' ? a.actorName : REGISTRY_CHANNELS[a.channel] ?? a.channel,
      what: input.idNumber ? '人口基础信息' : '法人单位基础信息',
      purpose: a.purpose ?? '',
      source: '基础信息库' as const,
    })),
  ];
  return lines.sort((a, b) => b.at.localeCompare(a.at));
}

/** Staff lookup for complaints: needs exchange.usage.read and a stated purpose; the lookup is audited. */
export async function lookupDataUsage(ctx: Ctx, input: { subject: string; purpose: string }): Promise<{ subjectLabel: string; lines: DataUsageLine[] }> {
  if (!hasScope(ctx.actor, SCOPES.usageRead)) throw forbidden('您没有查看数据使用记录的权限。');
  const purpose = (input.purpose ?? '').trim();
  const subject = (input.subject ?? '').trim().toUpperCase();
  const problems = [];
  if (purpose.length < 4 || purpose.length > 200) problems.push({ field: 'purpose', message: '请说明查询用途 (4-200 个字), 例如 "受理投诉 (编号 …)"' });
  const person = checkResidentId(subject, ctx.clock.now()).valid;
  const entity = !person && checkUscc(subject).valid;
  if (!person && !entity) problems.push({ field: 'subject', message: '请输入有效的公民身份号码 (18 位) 或统一社会信用代码 (18 位)' });
  if (problems.length) throw badRequest('validation_failed', problems.map((p) => p.message).join('; '), problems);
  const subjectLabel = person ? maskIdNumber(subject) : subject;
  await inTransaction(ctx, async (tx) => {
    audit(tx, { action: 'exchange.usage.lookup', targetType: person ? 'person' : 'entity', targetId: subjectLabel, targetLabel: subjectLabel, purpose });
  });
  return { subjectLabel, lines: await dataUsageOf(ctx, person ? { idNumber: subject } : { uscc: subject }) };
}
