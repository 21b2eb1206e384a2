/**
 * Alarms (报警): opened by the aggregation worker (exceedance, constant values, out of range, fault
 * flags) and by the missing-data scan; one open alarm per point, kind and pollutant (repeat
 * occurrences count on it). Lifecycle open → acknowledged → resolved by staff holding
 * environment.alarm.handle in the region, audited; a new alarm is published as an event whose
 * handler notifies the responsible city environment bureau; staff can open a follow-up case
 * (核查 → 整改 → 办结) on the workflow engine.
 */
import { Type } from '@sinclair/typebox';
import type { Ctx } from '../../../platform/context.ts';
import { hasScope, regionVisible } from '../../../platform/context.ts';
import { badRequest, conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { newId } from '../../../platform/ids.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish, type EventHandler } from '../../../platform/events/outbox.ts';
import { notify } from '../../../platform/notify/index.ts';
import { defineWorkflow, startCase, type WorkflowDefinition } from '../../../platform/workflow/index.ts';
import { findUnit, regionChain, type UnitSummary } from '../../directory/index.ts';
import { ALARM_FLOW, ALARM_KIND_LABELS, EVENTS, SCOPES, SUBJECT_MODULE, iso, isoOrNull, pollutantName, type AlarmKind, type AlarmStatus } from '../model.ts';
import { UUID_RE, regionFilter } from './registry.ts';

export interface AlarmView {
  id: string;
  pointId: string;
  mn: string;
  enterpriseId: string;
  enterpriseName: string;
  outletCode: string;
  regionCode: string;
  kind: AlarmKind;
  pollutant: string | null;
  firstDataTime: string;
  lastDataTime: string;
  occurrences: number;
  value: number | null;
  limitValue: number | null;
  message: string;
  status: AlarmStatus;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  resolution: string | null;
  caseId: string | null;
  createdAt: string;
  version: number;
  isDemo: boolean;
}

interface AlarmRow {
  id: string;
  point_id: string;
  mn: string;
  enterprise_id: string;
  enterprise_name: string;
  outlet_code: string;
  region_code: string;
  kind: AlarmKind;
  pollutant: string | null;
  first_data_time: string | Date;
  last_data_time: string | Date;
  occurrences: number;
  value: number | null;
  limit_value: number | null;
  message: string;
  status: AlarmStatus;
  acknowledged_by: string | null;
  acknowledged_at: string | Date | null;
  resolved_by: string | null;
  resolved_at: string | Date | null;
  resolution: string | null;
  case_id: string | null;
  created_at: string | Date;
  version: number;
  is_demo: boolean;
}

const alarmSelect = sql`SELECT a.*, p.mn, p.is_demo, e.id AS enterprise_id, e.name AS enterprise_name, o.code AS outlet_code
  FROM environment.alarms a JOIN environment.points p ON p.id = a.point_id JOIN environment.outlets o ON o.id = p.outlet_id JOIN environment.enterprises e ON e.id = o.enterprise_id`;

const alarmView = (r: AlarmRow): AlarmView => ({
  id: r.id,
  pointId: r.point_id,
  mn: r.mn,
  enterpriseId: r.enterprise_id,
  enterpriseName: r.enterprise_name,
  outletCode: r.outlet_code,
  regionCode: r.region_code,
  kind: r.kind,
  pollutant: r.pollutant,
  firstDataTime: iso(r.first_data_time),
  lastDataTime: iso(r.last_data_time),
  occurrences: Number(r.occurrences),
  value: r.value,
  limitValue: r.limit_value,
  message: r.message,
  status: r.status,
  acknowledgedBy: r.acknowledged_by,
  acknowledgedAt: isoOrNull(r.acknowledged_at),
  resolvedBy: r.resolved_by,
  resolvedAt: isoOrNull(r.resolved_at),
  resolution: r.resolution,
  caseId: r.case_id,
  createdAt: iso(r.created_at),
  version: Number(r.version),
  isDemo: r.is_demo,
});

export interface AlarmSignal {
  pointId: string;
  regionCode: string;
  kind: AlarmKind;
  pollutant: string | null;
  dataTime: Date;
  value: number | null;
  limit: number | null;
  message: string;
}

/**
 * Opens an alarm, or counts a new occurrence on the open one of the same point, kind and pollutant
 * (only when the data time is later, so recomputing an hour does not count twice). In the caller's
 * transaction (the worker's). Returns the id when a new alarm was opened.
 */
export async function raiseAlarm(ctx: Ctx, s: AlarmSignal): Promise<string | null> {
  const key = `${s.pointId}:${s.kind}:${s.pollutant ?? ''}`;
  const id = newId();
  const t = s.dataTime.toISOString();
  const rows = await queryRows<{ id: string; inserted: boolean }>(ctx.db, sql`INSERT INTO environment.alarms AS a
      (id, point_id, region_code, kind, pollutant, open_key, first_data_time, last_data_time, value, limit_value, message, created_at)
    VALUES (${id}, ${s.pointId}, ${s.regionCode}, ${s.kind}, ${s.pollutant}, ${key}, ${t}, ${t}, ${s.value}, ${s.limit}, ${s.message}, ${ctx.clock.now().toISOString()})
    ON CONFLICT (open_key) WHERE open_key IS NOT NULL DO UPDATE SET occurrences = a.occurrences + 1, last_data_time = excluded.last_data_time,
      value = excluded.value, limit_value = excluded.limit_value, message = excluded.message
    WHERE excluded.last_data_time > a.last_data_time
    RETURNING id, (xmax = 0) AS inserted`);
  const r = rows[0];
  if (!r || !r.inserted) return null;
  await publish(ctx, { type: EVENTS.alarmOpened, orderingKey: s.pointId, payload: { alarmId: r.id, pointId: s.pointId, regionCode: s.regionCode, kind: s.kind, pollutant: s.pollutant, message: s.message } });
  return r.id;
}

/** Resolves an open alarm automatically (data resumed after a missing-data alarm). */
export async function autoResolve(ctx: Ctx, input: { pointId: string; kind: AlarmKind; pollutant: string | null; note: string }): Promise<boolean> {
  const key = `${input.pointId}:${input.kind}:${input.pollutant ?? ''}`;
  const rows = await queryRows<{ id: string }>(ctx.db, sql`UPDATE environment.alarms SET status = 'resolved', open_key = NULL, resolved_by = '系统',
    resolved_at = ${ctx.clock.now().toISOString()}, resolution = ${input.note}, version = version + 1 WHERE open_key = ${key} RETURNING id`);
  for (const r of rows) {
    audit(ctx, { action: 'environment.alarm.auto_resolve', targetType: 'environment.alarm', targetId: r.id, details: { kind: input.kind, note: input.note } });
    await publish(ctx, { type: EVENTS.alarmResolved, orderingKey: input.pointId, payload: { alarmId: r.id, pointId: input.pointId, automatic: true } });
  }
  return rows.length > 0;
}

export async function getAlarm(ctx: Ctx, id: string): Promise<AlarmView> {
  if (!UUID_RE.test(id)) throw notFound('alarm_not_found', '报警不存在');
  const row = await queryOne<AlarmRow>(ctx.db, sql`${alarmSelect} WHERE a.id = ${id}`);
  if (!row || !regionVisible(ctx.actor, SCOPES.read, row.region_code)) throw notFound('alarm_not_found', '报警不存在');
  return alarmView(row);
}

export interface AlarmFilter {
  status?: AlarmStatus | 'active';
  kind?: AlarmKind;
  regionPrefix?: string;
  pointId?: string;
  limit?: number;
  offset?: number;
}

export async function listAlarms(ctx: Ctx, f: AlarmFilter = {}): Promise<{ items: AlarmView[]; total: number }> {
  const visible = regionFilter(ctx, SCOPES.read, sql.raw('a.region_code'));
  const status = f.status === 'active' ? null : (f.status ?? null);
  const active = f.status === 'active';
  const prefix = f.regionPrefix && /^\d{2,6}$/.test(f.regionPrefix) ? `${f.regionPrefix}%` : null;
  const point = f.pointId && UUID_RE.test(f.pointId) ? f.pointId : null;
  const where = sql`${visible} AND (${status}::text IS NULL OR a.status = ${status}) AND (${active} = false OR a.status <> 'resolved')
    AND (${f.kind ?? null}::text IS NULL OR a.kind = ${f.kind ?? null}) AND (${prefix}::text IS NULL OR a.region_code LIKE ${prefix}) AND (${point}::uuid IS NULL OR a.point_id = ${point})`;
  const rows = await queryRows<AlarmRow>(ctx.db, sql`${alarmSelect} WHERE ${where} ORDER BY a.created_at DESC, a.id DESC LIMIT ${Math.min(f.limit ?? 50, 500)} OFFSET ${Math.max(0, f.offset ?? 0)}`);
  const total = await queryOne<{ n: number }>(ctx.db, sql`SELECT count(*)::int AS n FROM environment.alarms a WHERE ${where}`);
  return { items: rows.map(alarmView), total: Number(total?.n ?? 0) };
}

async function loadForChange(ctx: Ctx, id: string, version: number): Promise<AlarmRow> {
  if (!UUID_RE.test(id)) throw notFound('alarm_not_found', '报警不存在');
  const row = await queryOne<AlarmRow>(ctx.db, sql`${alarmSelect} WHERE a.id = ${id} FOR UPDATE OF a`);
  if (!row || !regionVisible(ctx.actor, SCOPES.read, row.region_code)) throw notFound('alarm_not_found', '报警不存在');
  if (!regionVisible(ctx.actor, SCOPES.alarmHandle, row.region_code)) throw forbidden('您没有处理该辖区报警的权限。');
  if (Number(row.version) !== version) throw conflict('alarm_changed', '该报警已被他人处理, 请刷新后重试');
  return row;
}

export async function acknowledgeAlarm(ctx: Ctx, input: { id: string; version: number; note?: string }): Promise<AlarmView> {
  return inTransaction(ctx, async (tx) => {
    const row = await loadForChange(tx, input.id, input.version);
    if (row.status !== 'open') throw conflict('alarm_not_open', '只有待处理的报警可以确认');
    await tx.db.execute(sql`UPDATE environment.alarms SET status = 'acknowledged', acknowledged_by = ${ctx.actor.name}, acknowledged_at = ${ctx.clock.now().toISOString()},
      resolution = coalesce(${input.note?.trim() || null}, resolution), version = version + 1 WHERE id = ${row.id}`);
    audit(tx, { action: 'environment.alarm.acknowledge', targetType: 'environment.alarm', targetId: row.id, targetLabel: `${row.enterprise_name} ${ALARM_KIND_LABELS[row.kind]}`, details: { note: input.note ?? null } });
    await publish(tx, { type: EVENTS.alarmAcknowledged, orderingKey: row.point_id, payload: { alarmId: row.id, pointId: row.point_id } });
    return alarmView((await queryOne<AlarmRow>(tx.db, sql`${alarmSelect} WHERE a.id = ${row.id}`))!);
  });
}

export async function resolveAlarm(ctx: Ctx, input: { id: string; version: number; resolution: string }): Promise<AlarmView> {
  const resolution = (input.resolution ?? '').trim();
  if (!resolution || resolution.length > 2000) throw badRequest('resolution_required', '请填写处理情况 (不超过 2000 字)', [{ field: 'resolution', message: '请填写处理情况' }]);
  return inTransaction(ctx, async (tx) => {
    const row = await loadForChange(tx, input.id, input.version);
    if (row.status === 'resolved') throw conflict('alarm_resolved', '该报警已解除');
    await tx.db.execute(sql`UPDATE environment.alarms SET status = 'resolved', open_key = NULL, resolved_by = ${ctx.actor.name}, resolved_at = ${ctx.clock.now().toISOString()},
      resolution = ${resolution}, acknowledged_by = coalesce(acknowledged_by, ${ctx.actor.name}), acknowledged_at = coalesce(acknowledged_at, ${ctx.clock.now().toISOString()}),
      version = version + 1 WHERE id = ${row.id}`);
    audit(tx, { action: 'environment.alarm.resolve', targetType: 'environment.alarm', targetId: row.id, targetLabel: `${row.enterprise_name} ${ALARM_KIND_LABELS[row.kind]}`, details: { resolution } });
    await publish(tx, { type: EVENTS.alarmResolved, orderingKey: row.point_id, payload: { alarmId: row.id, pointId: row.point_id, automatic: false } });
    return alarmView((await queryOne<AlarmRow>(tx.db, sql`${alarmSelect} WHERE a.id = ${row.id}`))!);
  });
}

// --- the responsible bureau -----------------------------------------------------------------------

/** The environment bureau responsible for a region: the prefecture's 生态环境局, else the province's 生态环境厅. */
export async function responsibleBureau(ctx: Ctx, regionCode: string): Promise<UnitSummary | null> {
  const chain = await regionChain(ctx, regionCode);
  const pref = chain[1] ?? null;
  if (pref) {
    const u = await findUnit(ctx, { regionCode: pref.code, unitType: 'department', name: `${pref.name}生态环境局` });
    if (u) return u;
  }
  const prov = chain[0];
  return prov ? findUnit(ctx, { regionCode: prov.code, unitType: 'department', name: `${prov.name}生态环境厅` }) : null;
}

/** Outbox handler: tells the responsible bureau's monitoring staff about a new alarm. */
export const alarmNotifier: EventHandler = {
  name: 'environment.alarm-notifier',
  types: [EVENTS.alarmOpened],
  async handle(ctx, event) {
    const p = event.payload as { alarmId: string; regionCode: string; kind: AlarmKind; pollutant: string | null; message: string };
    const row = await queryOne<AlarmRow>(ctx.db, sql`${alarmSelect} WHERE a.id = ${p.alarmId}`);
    if (!row) return;
    const unit = await responsibleBureau(ctx, row.region_code);
    if (!unit) return;
    await notify(ctx, {
      recipients: { unitId: unit.id, scope: SCOPES.alarmHandle },
      template: 'environment.alarm',
      data: { enterprise: row.enterprise_name, outlet: row.outlet_code, mn: row.mn, kind: ALARM_KIND_LABELS[row.kind] + (row.pollutant ? ` (${pollutantName(row.pollutant)})` : ''), message: row.message },
      link: `/workbench/environment/alarms/${row.id}`,
    });
  },
};

// --- follow-up case (核查 → 整改 → 办结) -------------------------------------------------------

export interface FollowupData extends Record<string, unknown> {
  alarmId: string;
  finding?: string;
  measures?: string;
}

export const alarmFollowupV1: WorkflowDefinition = defineWorkflow<FollowupData>({
  key: ALARM_FLOW,
  version: 1,
  title: '报警核查整改',
  initial: 'verifying',
  dataSchema: Type.Object(
    {
      alarmId: Type.String({ title: '报警标识', minLength: 36, maxLength: 36 }),
      finding: Type.Optional(Type.String({ title: '核查情况', maxLength: 2000 })),
      measures: Type.Optional(Type.String({ title: '整改措施', maxLength: 2000 })),
    },
    { additionalProperties: false },
  ),
  startScope: SCOPES.alarmHandle,
  states: {
    verifying: { label: '核查', scope: SCOPES.alarmHandle, deadline: { workingDays: 3 }, reminderBefore: 1 },
    rectifying: { label: '整改', scope: SCOPES.alarmHandle, deadline: { workingDays: 10 }, reminderBefore: 2 },
    closed: { label: '办结', terminal: true },
  },
  transitions: [
    { name: 'verified', label: '核查属实, 责令整改', from: ['verifying'], to: 'rectifying', fields: [{ name: 'finding', label: '核查情况', type: 'textarea', required: true, maxLength: 2000 }] },
    { name: 'unfounded', label: '核查不属实, 办结', from: ['verifying'], to: 'closed', fields: [{ name: 'finding', label: '核查情况', type: 'textarea', required: true, maxLength: 2000 }] },
    { name: 'rectified', label: '整改完成, 办结', from: ['rectifying'], to: 'closed', fields: [{ name: 'measures', label: '整改措施', type: 'textarea', required: true, maxLength: 2000 }] },
  ],
});

/** Opens the follow-up case of an alarm at the responsible bureau (or the actor's own unit). One case per alarm. */
export async function openFollowupCase(ctx: Ctx, input: { id: string; version: number }): Promise<AlarmView> {
  if (!hasScope(ctx.actor, SCOPES.alarmHandle)) throw forbidden('您没有发起核查整改的权限。');
  return inTransaction(ctx, async (tx) => {
    const row = await loadForChange(tx, input.id, input.version);
    if (row.case_id) throw conflict('alarm_case_exists', '该报警已发起核查整改案件');
    const bureau = await responsibleBureau(tx, row.region_code);
    const own = ctx.actor.grants.find((g) => (g.scopes.has(SCOPES.alarmHandle) || g.scopes.has('*')) && g.unitId && row.region_code.startsWith(g.regionPrefix));
    const unit = bureau ?? (own ? { id: own.unitId, name: own.unitName } : null);
    if (!unit) throw badRequest('alarm_no_unit', '找不到负责该辖区的生态环境部门, 无法发起案件');
    const c = await startCase(tx, {
      definitionKey: ALARM_FLOW,
      title: `${row.enterprise_name} ${row.outlet_code} ${ALARM_KIND_LABELS[row.kind]}${row.pollutant ? ` (${pollutantName(row.pollutant)})` : ''} 核查整改`,
      regionCode: row.region_code,
      subject: { module: SUBJECT_MODULE, id: row.id },
      data: { alarmId: row.id },
      unit: { id: unit.id, name: unit.name },
    });
    await tx.db.execute(sql`UPDATE environment.alarms SET case_id = ${c.id},
      status = CASE WHEN status = 'open' THEN 'acknowledged' ELSE status END,
      acknowledged_by = coalesce(acknowledged_by, ${ctx.actor.name}), acknowledged_at = coalesce(acknowledged_at, ${ctx.clock.now().toISOString()}),
      version = version + 1 WHERE id = ${row.id}`);
    audit(tx, { action: 'environment.alarm.case', targetType: 'environment.alarm', targetId: row.id, targetLabel: `${row.enterprise_name} ${ALARM_KIND_LABELS[row.kind]}`, details: { caseId: c.id, unitId: unit.id } });
    return alarmView((await queryOne<AlarmRow>(tx.db, sql`${alarmSelect} WHERE a.id = ${row.id}`))!);
  });
}

export async function countActiveAlarms(ctx: Ctx): Promise<number> {
  const visible = regionFilter(ctx, SCOPES.alarmHandle, sql.raw('a.region_code'));
  const r = await queryOne<{ n: number }>(ctx.db, sql`SELECT count(*)::int AS n FROM environment.alarms a WHERE a.status = 'open' AND ${visible}`);
  return Number(r?.n ?? 0);
}
