/**
 * The indicator catalog (指标目录). Anyone with macro.read sees it; holders of
 * macro.indicator.manage register and change indicators. The source department is a directory unit.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope } from '../../../platform/context.ts';
import { badRequest, conflict, forbidden, notFound, type FieldProblem } from '../../../platform/errors.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { getUnitSummary } from '../../directory/index.ts';
import { EVENTS, FREQUENCIES, FREQUENCY_LABELS, SCOPES, iso, type Frequency } from '../model.ts';

export interface IndicatorRow {
  code: string;
  name: string;
  unit: string;
  frequency: Frequency;
  source_unit_id: string | null;
  source_unit_name: string;
  definition: string;
  decimals: number;
  is_demo: boolean;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface Indicator {
  code: string;
  name: string;
  unit: string;
  frequency: Frequency;
  frequencyLabel: string;
  sourceUnitId: string | null;
  sourceUnitName: string;
  definition: string;
  decimals: number;
  isDemo: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export const toIndicator = (r: IndicatorRow): Indicator => ({
  code: r.code,
  name: r.name,
  unit: r.unit,
  frequency: r.frequency,
  frequencyLabel: FREQUENCY_LABELS[r.frequency],
  sourceUnitId: r.source_unit_id,
  sourceUnitName: r.source_unit_name,
  definition: r.definition,
  decimals: Number(r.decimals),
  isDemo: r.is_demo,
  version: Number(r.version),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

export const indicatorNotFound = () => notFound('indicator_not_found', '指标不存在');

export async function loadIndicator(ctx: Ctx, code: string, forUpdate = false): Promise<IndicatorRow | undefined> {
  return queryOne<IndicatorRow>(ctx.db, sql`SELECT * FROM macro_economy.indicators WHERE code = ${code} ${forUpdate ? sql`FOR UPDATE` : sql``}`);
}

export async function getIndicator(ctx: Ctx, input: { code: string }): Promise<Indicator> {
  const row = await loadIndicator(ctx, input.code);
  if (!row) throw indicatorNotFound();
  return toIndicator(row);
}

export async function listIndicators(ctx: Ctx, input: { q?: string } = {}): Promise<Indicator[]> {
  const q = input.q?.trim();
  const pattern = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = await queryRows<IndicatorRow>(ctx.db, sql`SELECT * FROM macro_economy.indicators
    WHERE (${pattern}::text IS NULL OR name LIKE ${pattern} OR code LIKE upper(${pattern})) ORDER BY code`);
  return rows.map(toIndicator);
}

export interface IndicatorInput {
  code: string;
  name: string;
  unit: string;
  frequency: Frequency;
  sourceUnitId: string;
  definition?: string;
  decimals?: number;
  isDemo?: boolean;
}

async function checkInput(ctx: Ctx, input: Omit<IndicatorInput, 'code'>): Promise<{ unitName: string }> {
  const problems: FieldProblem[] = [];
  if (!input.name.trim()) problems.push({ field: 'name', message: '请填写指标名称' });
  if (!input.unit.trim()) problems.push({ field: 'unit', message: '请填写计量单位' });
  if (!(FREQUENCIES as readonly string[]).includes(input.frequency)) problems.push({ field: 'frequency', message: '频度应为年度、季度或月度' });
  const unit = await getUnitSummary(ctx, input.sourceUnitId);
  if (!unit || unit.status !== 'active') problems.push({ field: 'sourceUnitId', message: '来源部门不存在或已停用' });
  if (problems.length) throw badRequest('validation_failed', problems.map((p) => p.message).join('; '), problems);
  return { unitName: unit!.name };
}

export async function createIndicator(ctx: Ctx, input: IndicatorInput): Promise<Indicator> {
  if (!hasScope(ctx.actor, SCOPES.indicatorManage)) throw forbidden();
  const code = input.code.trim().toUpperCase();
  if (!/^[A-Z][A-Z0-9_]{1,39}$/.test(code)) throw badRequest('validation_failed', '指标代码应以字母开头, 由字母、数字和下划线组成 (2-40 个字符)', [{ field: 'code', message: '指标代码格式不正确' }]);
  const { unitName } = await checkInput(ctx, input);
  return inTransaction(ctx, async (tctx) => {
    if (await loadIndicator(tctx, code)) throw conflict('indicator_exists', `指标代码 ${code} 已存在`);
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`INSERT INTO macro_economy.indicators (code, name, unit, frequency, source_unit_id, source_unit_name, definition, decimals, is_demo, created_at, updated_at)
      VALUES (${code}, ${input.name.trim()}, ${input.unit.trim()}, ${input.frequency}, ${input.sourceUnitId}, ${unitName}, ${input.definition?.trim() ?? ''}, ${input.decimals ?? 2}, ${input.isDemo ?? false}, ${now}, ${now})`);
    audit(tctx, { action: 'macro.indicator.create', targetType: 'macro.indicator', targetId: code, targetLabel: input.name.trim(), details: { unit: input.unit, frequency: input.frequency, source: unitName } });
    await publish(tctx, { type: EVENTS.indicatorCreated, orderingKey: code, payload: { code, name: input.name.trim(), unit: input.unit.trim(), frequency: input.frequency, sourceUnitName: unitName } });
    return toIndicator((await loadIndicator(tctx, code))!);
  });
}

export type IndicatorPatch = Partial<Omit<IndicatorInput, 'code' | 'isDemo'>> & { code: string };

export async function updateIndicator(ctx: Ctx, input: IndicatorPatch): Promise<Indicator> {
  if (!hasScope(ctx.actor, SCOPES.indicatorManage)) throw forbidden();
  return inTransaction(ctx, async (tctx) => {
    const row = await loadIndicator(tctx, input.code, true);
    if (!row) throw indicatorNotFound();
    const next = {
      name: input.name?.trim() ?? row.name,
      unit: input.unit?.trim() ?? row.unit,
      frequency: input.frequency ?? row.frequency,
      sourceUnitId: input.sourceUnitId ?? row.source_unit_id ?? '',
      definition: input.definition?.trim() ?? row.definition,
      decimals: input.decimals ?? Number(row.decimals),
    };
    const { unitName } = await checkInput(tctx, next);
    if (next.frequency !== row.frequency) {
      const has = await queryOne(tctx.db, sql`SELECT 1 FROM macro_economy.observations WHERE indicator_code = ${row.code} LIMIT 1`);
      if (has) throw conflict('frequency_locked', '指标已有数据, 不能修改频度; 请登记新指标');
    }
    const changed: Record<string, { from: unknown; to: unknown }> = {};
    const before = { name: row.name, unit: row.unit, frequency: row.frequency, sourceUnitId: row.source_unit_id ?? '', definition: row.definition, decimals: Number(row.decimals) };
    for (const k of Object.keys(next) as (keyof typeof next)[]) if (next[k] !== before[k]) changed[k] = { from: before[k], to: next[k] };
    if (Object.keys(changed).length === 0) return toIndicator(row);
    await tctx.db.execute(sql`UPDATE macro_economy.indicators SET name = ${next.name}, unit = ${next.unit}, frequency = ${next.frequency}, source_unit_id = ${next.sourceUnitId},
      source_unit_name = ${unitName}, definition = ${next.definition}, decimals = ${next.decimals}, version = version + 1, updated_at = ${tctx.clock.now().toISOString()} WHERE code = ${row.code}`);
    audit(tctx, { action: 'macro.indicator.update', targetType: 'macro.indicator', targetId: row.code, targetLabel: next.name, details: { changed } });
    await publish(tctx, { type: EVENTS.indicatorUpdated, orderingKey: row.code, payload: { code: row.code, changed: Object.keys(changed) } });
    return toIndicator((await loadIndicator(tctx, row.code))!);
  });
}
