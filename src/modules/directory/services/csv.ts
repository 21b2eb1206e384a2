/**
 * CSV import and export of units. Export: the units the actor may see, UTF-8 with BOM and CRLF so
 * Excel opens the Chinese correctly. Import: every row is checked, and either every row is stored
 * (in ONE transaction, each change audited and published) or none is, with a list of the
 * problems by row number (row 1 is the header, as in Excel).
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'drizzle-orm';
import type { Ctx } from '../../../platform/context.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { queryOne, queryRows } from '../../../platform/db/index.ts';
import { AppError, badRequest, isAppError } from '../../../platform/errors.ts';
import { sm3Hex } from '../../../platform/crypto/index.ts';
import { SCOPES, UNIT_STATUSES, UNIT_STATUS_LABELS, UNIT_TYPES, UNIT_TYPE_LABELS, codeFromLabel, isUuid, type UnitStatus } from '../model.ts';
import { requireScope } from './access.ts';
import { createUnit, deactivateUnit, listAllUnits, patchUnit, reactivateUnit, type UnitFilter } from './units.ts';

/** The columns, in export order; import accepts them in any order. */
export const CSV_COLUMNS = {
  name: '单位名称',
  shortName: '简称',
  unitType: '单位类型',
  regionCode: '行政区划代码',
  parent: '上级单位',
  uscc: '统一社会信用代码',
  status: '状态',
} as const;
type ColumnKey = keyof typeof CSV_COLUMNS;

const HEADER_ALIASES: Record<string, ColumnKey> = {
  ...Object.fromEntries(Object.entries(CSV_COLUMNS).map(([k, v]) => [v, k as ColumnKey])),
  ...Object.fromEntries(Object.keys(CSV_COLUMNS).map((k) => [k, k as ColumnKey])),
  上级单位名称: 'parent',
  上级单位标识: 'parent',
  区划代码: 'regionCode',
};
const REQUIRED: ColumnKey[] = ['name', 'unitType', 'regionCode'];
const FIELD_COLUMN: Record<string, string> = {
  name: CSV_COLUMNS.name,
  shortName: CSV_COLUMNS.shortName,
  unitType: CSV_COLUMNS.unitType,
  regionCode: CSV_COLUMNS.regionCode,
  parentId: CSV_COLUMNS.parent,
  uscc: CSV_COLUMNS.uscc,
  status: CSV_COLUMNS.status,
};
export const MAX_IMPORT_ROWS = 10_000;

/** Cells that a spreadsheet would run as a formula get a leading apostrophe (removed again on import). */
const FORMULA_START = /^[=+\-@\t\r]/;
export const guardCell = (v: string): string => (FORMULA_START.test(v) ? `'${v}` : v);
const unguardCell = (v: string): string => (v.startsWith("'") && FORMULA_START.test(v.slice(1)) ? v.slice(1) : v);

export async function exportUnitsCsv(ctx: Ctx, filter: Omit<UnitFilter, 'page' | 'pageSize'> = {}): Promise<string> {
  requireScope(ctx, SCOPES.unitRead);
  const list = await listAllUnits(ctx, filter);
  const records = list.map((u) =>
    [u.name, u.shortName ?? '', UNIT_TYPE_LABELS[u.unitType], u.regionCode, u.parentName ?? '', u.uscc ?? '', UNIT_STATUS_LABELS[u.status]].map(guardCell),
  );
  return stringify(records, { bom: true, header: true, columns: Object.values(CSV_COLUMNS), record_delimiter: 'windows' });
}

export interface RowError {
  /** Line in the spreadsheet: 1 is the header, 2 the first data row. */
  row: number;
  /** Column header (Chinese) the problem is about; empty for the whole row. */
  column: string;
  message: string;
}

export interface ImportResult {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
}

interface ParsedRow {
  row: number;
  cells: Partial<Record<ColumnKey, string>>;
}

/** Parses the file; refuses (400) when the file as a whole is unusable. */
export function parseUnitsCsv(text: string): ParsedRow[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: true }) as string[][];
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw badRequest('csv_malformed', `CSV 文件格式错误${line ? ` (第 ${line} 行附近)` : ''}: 请检查引号与分隔符, 并以 UTF-8 编码保存。`);
  }
  if (records.length === 0) throw badRequest('csv_empty', 'CSV 文件为空。');
  const header = records[0].map((h) => h.trim());
  const keys: (ColumnKey | null)[] = header.map((h) => HEADER_ALIASES[h] ?? null);
  const unknown = header.filter((h, i) => keys[i] === null && h !== '');
  if (unknown.length > 0) throw badRequest('csv_unknown_column', `无法识别的列「${unknown.join('」「')}」。可用的列: ${Object.values(CSV_COLUMNS).join('、')}。`);
  const missing = REQUIRED.filter((k) => !keys.includes(k));
  if (missing.length > 0) throw badRequest('csv_missing_column', `缺少必需的列「${missing.map((k) => CSV_COLUMNS[k]).join('」「')}」。`);
  const dup = keys.filter((k, i) => k !== null && keys.indexOf(k) !== i);
  if (dup.length > 0) throw badRequest('csv_duplicate_column', `列「${CSV_COLUMNS[dup[0]!]}」出现了不止一次。`);
  const data = records.slice(1);
  if (data.length === 0) throw badRequest('csv_empty', '文件中没有数据行 (第 1 行应为表头)。');
  if (data.length > MAX_IMPORT_ROWS) throw badRequest('csv_too_many_rows', `一次最多导入 ${MAX_IMPORT_ROWS} 行, 本文件有 ${data.length} 行, 请分批导入。`);
  return data.map((rec, i) => {
    const cells: Partial<Record<ColumnKey, string>> = {};
    keys.forEach((k, j) => {
      if (k) cells[k] = unguardCell(rec[j] ?? '');
    });
    return { row: i + 2, cells };
  });
}

const rowErrorField = (e: RowError): string => `rows[${e.row}]${e.column ? `.${e.column}` : ''}`;

/** The refusal of an import: 422 with one field problem per row problem. */
function importRefusal(errors: RowError[]): AppError {
  const rows = new Set(errors.map((e) => e.row)).size;
  return new AppError({
    code: 'import_invalid',
    status: 422,
    message: `导入文件有 ${rows} 行存在问题 (共 ${errors.length} 处), 未导入任何数据。请修改后重新导入。`,
    fields: errors.map((e) => ({ field: rowErrorField(e), message: `第 ${e.row} 行: ${e.column ? `${e.column}: ` : ''}${e.message}` })),
  });
}

/** Reads the row problems back from an import refusal (for pages and the error CSV). */
export function rowErrorsOf(err: AppError): RowError[] {
  return err.fields.map((f) => {
    const m = /^rows\[(\d+)\](?:\.(.+))?$/.exec(f.field);
    const row = m ? Number(m[1]) : 0;
    const column = m?.[2] ?? '';
    const prefix = `第 ${row} 行: ${column ? `${column}: ` : ''}`;
    return { row, column, message: f.message.startsWith(prefix) ? f.message.slice(prefix.length) : f.message };
  });
}

export function rowErrorsCsv(errors: RowError[]): string {
  return stringify(
    errors.map((e) => [String(e.row), e.column, guardCell(e.message)]),
    { bom: true, header: true, columns: ['行号', '列', '问题'], record_delimiter: 'windows' },
  );
}

const cellOrNull = (v: string | undefined): string | null => (v && v.trim() !== '' ? v.trim() : null);

async function resolveParent(ctx: Ctx, value: string, regionCode: string): Promise<{ id: string } | { error: string }> {
  if (isUuid(value)) return { id: value };
  // The nearest unit of that name in the unit's region or a region above it.
  const row = await queryOne<{ id: string }>(
    ctx.db,
    sql`SELECT u.id FROM directory.units u JOIN directory.regions r ON r.code = u.region_code
        WHERE u.name = ${value} AND ${regionCode} LIKE r.subtree_prefix || '%'
        ORDER BY length(r.subtree_prefix) DESC LIMIT 1`,
  );
  return row ? { id: row.id } : { error: `上级单位「${value}」在本区划及上级区划中不存在 (如是本文件中新增的单位, 请把它放在前面的行)` };
}

async function findExisting(ctx: Ctx, input: { uscc: string | null; name: string; regionCode: string }): Promise<{ id: string; status: string } | null> {
  const rows = input.uscc
    ? await queryRows<{ id: string; status: string }>(ctx.db, sql`SELECT id, status FROM directory.units WHERE uscc = ${input.uscc.toUpperCase()}`)
    : await queryRows<{ id: string; status: string }>(ctx.db, sql`SELECT id, status FROM directory.units WHERE region_code = ${input.regionCode} AND name = ${input.name}`);
  return rows[0] ?? null;
}

function errorsFrom(err: AppError, row: number): RowError[] {
  if (err.fields.length === 0) return [{ row, column: '', message: err.message }];
  return err.fields.map((f) => ({ row, column: FIELD_COLUMN[f.field] ?? '', message: f.message }));
}

/**
 * Imports units: upsert by credit code when given, else by name + region. All rows or none.
 * The rows are applied in order inside one transaction, so a row may name a parent created by an
 * earlier row; when any row fails, the transaction is rolled back and every problem reported.
 */
export async function importUnitsCsv(ctx: Ctx, input: { text: string; fileName?: string }): Promise<ImportResult> {
  requireScope(ctx, SCOPES.unitWrite);
  const rows = parseUnitsCsv(input.text);
  return inTransaction(ctx, async (tctx) => {
    const errors: RowError[] = [];
    const seen = new Map<string, number>();
    const result: ImportResult = { rows: rows.length, created: 0, updated: 0, unchanged: 0 };
    for (const { row, cells } of rows) {
      const rowErrors: RowError[] = [];
      const name = (cells.name ?? '').trim();
      const regionCode = (cells.regionCode ?? '').trim();
      const uscc = cellOrNull(cells.uscc)?.toUpperCase() ?? null;
      const unitType = codeFromLabel(UNIT_TYPES, UNIT_TYPE_LABELS, cells.unitType ?? '');
      if (!unitType) {
        rowErrors.push({ row, column: CSV_COLUMNS.unitType, message: `「${cells.unitType ?? ''}」不是有效的单位类型, 可选: ${Object.values(UNIT_TYPE_LABELS).join('、')}` });
      }
      const statusCell = cellOrNull(cells.status);
      const status: UnitStatus | undefined = statusCell === null ? 'active' : codeFromLabel(UNIT_STATUSES, UNIT_STATUS_LABELS, statusCell);
      if (!status) rowErrors.push({ row, column: CSV_COLUMNS.status, message: `「${statusCell}」不是有效的状态, 可选: 正常、已停用` });
      const key = uscc ? `uscc:${uscc}` : `name:${regionCode}:${name}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        rowErrors.push({ row, column: uscc ? CSV_COLUMNS.uscc : CSV_COLUMNS.name, message: `与第 ${earlier} 行是同一单位 (${uscc ? '统一社会信用代码' : '名称和行政区划'}相同)` });
      } else seen.set(key, row);
      let parentId: string | null = null;
      const parentCell = cellOrNull(cells.parent);
      if (parentCell !== null && /^\d{6}$/.test(regionCode)) {
        const parent = await resolveParent(tctx, parentCell, regionCode);
        if ('error' in parent) rowErrors.push({ row, column: CSV_COLUMNS.parent, message: parent.error });
        else parentId = parent.id;
      }
      if (rowErrors.length > 0 || !unitType || !status) {
        errors.push(...rowErrors);
        continue;
      }
      try {
        const fields = { name, shortName: cellOrNull(cells.shortName), unitType, regionCode, parentId, uscc };
        const existing = await findExisting(tctx, { uscc, name, regionCode });
        if (existing) {
          const { changed: changedFields } = await patchUnit(tctx, { id: existing.id, ...fields });
          let changed = changedFields.length > 0;
          if (status !== existing.status) {
            await (status === 'inactive' ? deactivateUnit : reactivateUnit)(tctx, { id: existing.id, reason: 'CSV 导入' });
            changed = true;
          }
          if (changed) result.updated += 1;
          else result.unchanged += 1;
        } else {
          const created = await createUnit(tctx, fields);
          if (status === 'inactive') await deactivateUnit(tctx, { id: created.id, reason: 'CSV 导入' });
          result.created += 1;
        }
      } catch (err) {
        if (!isAppError(err)) throw err;
        errors.push(...errorsFrom(err, row));
      }
    }
    if (errors.length > 0) throw importRefusal(errors);
    audit(tctx, {
      action: 'directory.unit.import',
      targetType: 'directory.unit_set',
      targetId: 'csv',
      targetLabel: input.fileName ?? 'CSV',
      details: { ...result, fileName: input.fileName ?? null, sm3: sm3Hex(input.text) },
    });
    return result;
  });
}
