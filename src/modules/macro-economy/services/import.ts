/**
 * Bulk import of indicator values from CSV/XLSX through the kernel's import pipeline
 * (src/platform/imports): streamed, validated row by row with a downloadable error report,
 * all-or-nothing per batch, resumable, with progress. Every value that changes supersedes the
 * current one, which moves to `revisions` (staged rows are compared before the upsert), with the
 * job's creator as who, the job's time as when and the reason given at upload as why.
 */
import type { Ctx } from '../../../platform/context.ts';
import { bulkUpsert, type ImportDefinition, type ImportJob, type ParsedRow } from '../../../platform/imports/index.ts';
import { queryRows, sql } from '../../../platform/db/index.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { listRegions } from '../../directory/index.ts';
import { EVENTS, IMPORT_KIND, SCOPES, periodProblem, type Frequency } from '../model.ts';
import { parseDecimal } from './values.ts';

export interface ValueRow {
  indicator: string;
  region: string;
  period: string;
  value: string;
  note: string;
}

export const VALUE_COLUMNS = [
  { key: 'indicator', header: '指标代码', required: true, aliases: ['indicator', 'code', '指标'] },
  { key: 'region', header: '地区代码', required: true, aliases: ['region', 'region_code', '行政区划代码'] },
  { key: 'period', header: '时期', required: true, aliases: ['period', '期别'] },
  { key: 'value', header: '数值', required: true, aliases: ['value'] },
  { key: 'note', header: '附注', aliases: ['note', '备注'] },
];

/** The reason stated at upload (`options.reason`), required. */
const reasonOf = (job: ImportJob): string => String(job.options.reason ?? '').trim() || '批量导入';

export const macroValuesImport: ImportDefinition<ValueRow> = {
  kind: IMPORT_KIND,
  label: '宏观经济指标数据导入',
  scope: SCOPES.valueWrite,
  columns: VALUE_COLUMNS,
  batchSize: 5000,
  parseRow(cells) {
    const problems: { column: string; message: string }[] = [];
    const indicator = (cells.indicator ?? '').trim().toUpperCase();
    const region = (cells.region ?? '').trim();
    const period = (cells.period ?? '').trim();
    const value = parseDecimal(cells.value ?? '');
    if (!/^[A-Z][A-Z0-9_]{1,39}$/.test(indicator)) problems.push({ column: 'indicator', message: `指标代码「${cells.indicator ?? ''}」格式不正确` });
    if (!/^\d{6}$/.test(region)) problems.push({ column: 'region', message: `地区代码「${region}」应为 6 位行政区划代码 (GB/T 2260)` });
    if (!/^\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))?$/.test(period)) problems.push({ column: 'period', message: `时期「${period}」应为 2024、2024Q1 或 2024-03 的形式` });
    if (value === null) problems.push({ column: 'value', message: `数值「${cells.value ?? ''}」不是数字 (最多 15 位整数、6 位小数)` });
    const note = (cells.note ?? '').trim();
    if (note.length > 200) problems.push({ column: 'note', message: '附注不能超过 200 个字' });
    return problems.length ? { problems } : { value: { indicator, region, period, value: value!, note } };
  },
  keyOf: (v) => `${v.indicator}|${v.region}|${v.period}`,
  async validateBatch(ctx, rows, job) {
    const codes = [...new Set(rows.map((r) => r.value.indicator))];
    const indicators = new Map(
      (await queryRows<{ code: string; frequency: Frequency }>(ctx.db, sql`SELECT code, frequency FROM macro_economy.indicators WHERE code IN ${codes}`)).map((r) => [r.code, r.frequency]),
    );
    const regions = new Set((await listRegions(ctx, {})).map((r) => r.code));
    const out: { row: number; column: string; message: string }[] = [];
    for (const r of rows) {
      const freq = indicators.get(r.value.indicator);
      if (!freq) out.push({ row: r.row, column: 'indicator', message: `指标 ${r.value.indicator} 不在指标目录中` });
      else {
        const pp = periodProblem(freq, r.value.period);
        if (pp) out.push({ row: r.row, column: 'period', message: pp });
      }
      if (!regions.has(r.value.region)) out.push({ row: r.row, column: 'region', message: `地区代码 ${r.value.region} 不在本省现行行政区划中` });
      else if (!r.value.region.startsWith(job.regionPrefix)) out.push({ row: r.row, column: 'region', message: `地区 ${r.value.region} 不在导入人所在单位的辖区内` });
    }
    return out;
  },
  async writeBatch(ctx: Ctx, rows: ParsedRow<ValueRow>[], job: ImportJob) {
    const now = ctx.clock.now().toISOString();
    const reason = reasonOf(job);
    const isDemo = job.options.isDemo === true;
    const result = await bulkUpsert(ctx, {
      table: 'macro_economy.observations',
      columns: ['indicator_code', 'region_code', 'period', 'value', 'note', 'revision', 'reason', 'recorded_by_user_id', 'recorded_by_name', 'recorded_at', 'import_job_id', 'is_demo'],
      key: ['indicator_code', 'region_code', 'period'],
      rows: rows.map((r) => [r.value.indicator, r.value.region, r.value.period, r.value.value, r.value.note, 1, reason, job.createdBy, job.createdByName, now, job.id, isDemo]),
      update: ['value', 'note', 'reason', 'recorded_by_user_id', 'recorded_by_name', 'recorded_at', 'import_job_id'],
      compare: ['value', 'note'],
      extraSet: 'revision = t.revision + 1',
      beforeUpsert: `INSERT INTO macro_economy.revisions (id, indicator_code, region_code, period, revision, value, note, reason, recorded_by_user_id, recorded_by_name, recorded_at, import_job_id, superseded_at, superseded_by_name, superseded_reason)
        SELECT gen_random_uuid(), t.indicator_code, t.region_code, t.period, t.revision, t.value, t.note, t.reason, t.recorded_by_user_id, t.recorded_by_name, t.recorded_at, t.import_job_id,
          s.recorded_at, s.recorded_by_name, s.reason
        FROM {stage} s JOIN macro_economy.observations t USING (indicator_code, region_code, period)
        WHERE (t.value, t.note) IS DISTINCT FROM (s.value, s.note)`,
    });
    if (result.inserted + result.updated > 0) {
      const indicators = [...new Set(rows.map((r) => r.value.indicator))].sort();
      audit(ctx, {
        action: 'macro.values.import',
        targetType: 'imports.job',
        targetId: job.id,
        targetLabel: job.fileName,
        details: { rows: rows.length, ...result, indicators, firstRow: rows[0].row, lastRow: rows[rows.length - 1].row, reason, by: job.createdByName },
      });
      await publish(ctx, {
        type: EVENTS.valuesImported,
        orderingKey: job.id,
        payload: { jobId: job.id, indicators, periods: [...new Set(rows.map((r) => r.value.period))].sort(), regions: [...new Set(rows.map((r) => r.value.region))].length, ...result, reason },
      });
    }
    return result;
  },
};

export const MACRO_IMPORTERS = [macroValuesImport] as ImportDefinition<unknown>[];
