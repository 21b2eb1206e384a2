/**
 * The bulk import engine. A module describes an import (`ImportDefinition`: columns, row parsing and
 * validation, batch writing); the engine streams the file, validates every row, and writes batch by
 * batch — each batch in ONE transaction together with its `imports.batches` row and the job's
 * progress, so a batch is all-or-nothing and a crashed import resumes after the last committed
 * batch. Bad rows are kept (imports.row_errors) and offered as a CSV error report.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { Ctx } from '../context.ts';
import { hasScope, regionPrefixesFor } from '../context.ts';
import { copyFrom, queryOne, queryRows, sql, type Db } from '../db/index.ts';
import { inTransaction } from '../transaction.ts';
import { audit } from '../audit/chain.ts';
import { newId } from '../ids.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { detectEncoding, detectFormat, openCsv, openXlsx, readHead, type FileEncoding, type FileFormat, type OpenedFile, type SourceRow } from './reader.ts';

export interface ImportColumn {
  key: string;
  /** Chinese header, as in the template and the error report. */
  header: string;
  aliases?: string[];
  required?: boolean;
}

export interface RowProblem {
  /** Column key (or '' for the whole row). */
  column: string;
  message: string;
}

export interface ParsedRow<R> {
  row: number;
  value: R;
}

export interface BatchResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** What a module declares for one kind of import. */
export interface ImportDefinition<R = unknown> {
  /** `module.thing`, e.g. `registries.persons`. */
  kind: string;
  /** Chinese name, e.g. 人口基础信息导入. */
  label: string;
  /** Scope needed to start, watch and resume the import. */
  scope: string;
  columns: ImportColumn[];
  /** Rows per transaction (default 5000). */
  batchSize?: number;
  /** Pure row check: the cells by column key → a value, or the problems of the row. */
  parseRow(cells: Record<string, string>, row: number, job: ImportJob): { value: R } | { problems: RowProblem[] };
  /** Unique key of a row: two rows of one batch with the same key are both reported. */
  keyOf?(value: R): string;
  /** Checks that need the database (e.g. region codes exist), for the whole batch; row numbers in the result. */
  validateBatch?(ctx: Ctx, rows: ParsedRow<R>[], job: ImportJob): Promise<{ row: number; column: string; message: string }[]>;
  /** Writes the rows (inside the batch transaction: audit/publish allowed). */
  writeBatch(ctx: Ctx, rows: ParsedRow<R>[], job: ImportJob): Promise<BatchResult>;
}

export type ImportStatus = 'pending' | 'running' | 'completed' | 'completed_with_errors' | 'failed' | 'cancelled';

export const IMPORT_STATUS_LABELS: Record<ImportStatus, string> = {
  pending: '待处理',
  running: '处理中',
  completed: '已完成',
  completed_with_errors: '已完成 (部分批次未导入)',
  failed: '失败',
  cancelled: '已取消',
};

export interface ImportJob {
  id: string;
  kind: string;
  label: string;
  scope: string;
  fileName: string;
  filePath: string;
  fileFormat: FileFormat;
  fileEncoding: FileEncoding;
  fileSize: number;
  options: Record<string, unknown>;
  batchSize: number;
  status: ImportStatus;
  statusLabel: string;
  estimatedRows: number | null;
  nextRow: number;
  nextByte: number | null;
  batchesCommitted: number;
  batchesFailed: number;
  rowsRead: number;
  rowsInserted: number;
  rowsUpdated: number;
  rowsUnchanged: number;
  rowsFailed: number;
  errorCount: number;
  lastError: string | null;
  createdBy: string | null;
  createdByName: string;
  unitId: string | null;
  regionPrefix: string;
  createdAt: string;
  startedAt: string | null;
  heartbeatAt: string | null;
  finishedAt: string | null;
  resumedCount: number;
  /** 0..100, or null while the size is unknown. */
  percent: number | null;
  /** Rows per second since the (last) start. */
  rowsPerSecond: number | null;
}

interface JobRow {
  id: string;
  kind: string;
  label: string;
  scope: string;
  file_name: string;
  file_path: string;
  file_format: FileFormat;
  file_encoding: FileEncoding;
  file_size: string | number;
  file_sm3: string;
  options: Record<string, unknown>;
  batch_size: number;
  status: ImportStatus;
  runner: string | null;
  estimated_rows: string | number | null;
  next_row: string | number;
  next_byte: string | number | null;
  batches_committed: number;
  batches_failed: number;
  rows_read: string | number;
  rows_inserted: string | number;
  rows_updated: string | number;
  rows_unchanged: string | number;
  rows_failed: string | number;
  error_count: string | number;
  last_error: string | null;
  created_by: string | null;
  created_by_name: string;
  unit_id: string | null;
  region_prefix: string;
  created_at: Date | string;
  started_at: Date | string | null;
  heartbeat_at: Date | string | null;
  finished_at: Date | string | null;
  resumed_count: number;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

function toJob(r: JobRow): ImportJob {
  const job: ImportJob = {
    id: r.id,
    kind: r.kind,
    label: r.label,
    scope: r.scope,
    fileName: r.file_name,
    filePath: r.file_path,
    fileFormat: r.file_format,
    fileEncoding: r.file_encoding,
    fileSize: Number(r.file_size),
    options: r.options ?? {},
    batchSize: r.batch_size,
    status: r.status,
    statusLabel: IMPORT_STATUS_LABELS[r.status],
    estimatedRows: num(r.estimated_rows),
    nextRow: Number(r.next_row),
    nextByte: num(r.next_byte),
    batchesCommitted: r.batches_committed,
    batchesFailed: r.batches_failed,
    rowsRead: Number(r.rows_read),
    rowsInserted: Number(r.rows_inserted),
    rowsUpdated: Number(r.rows_updated),
    rowsUnchanged: Number(r.rows_unchanged),
    rowsFailed: Number(r.rows_failed),
    errorCount: Number(r.error_count),
    lastError: r.last_error,
    createdBy: r.created_by,
    createdByName: r.created_by_name,
    unitId: r.unit_id,
    regionPrefix: r.region_prefix,
    createdAt: iso(r.created_at)!,
    startedAt: iso(r.started_at),
    heartbeatAt: iso(r.heartbeat_at),
    finishedAt: iso(r.finished_at),
    resumedCount: r.resumed_count,
    percent: null,
    rowsPerSecond: null,
  };
  const done = job.status === 'completed' || job.status === 'completed_with_errors';
  if (done) job.percent = 100;
  else if (job.nextByte !== null && job.fileSize > 0) job.percent = Math.min(99, Math.floor((job.nextByte / job.fileSize) * 100));
  else if (job.estimatedRows) job.percent = Math.min(99, Math.floor((job.rowsRead / job.estimatedRows) * 100));
  if (job.startedAt) {
    const end = job.finishedAt ? Date.parse(job.finishedAt) : job.heartbeatAt ? Date.parse(job.heartbeatAt) : Date.now();
    const secs = (end - Date.parse(job.startedAt)) / 1000;
    if (secs > 0) job.rowsPerSecond = Math.round(job.rowsRead / secs);
  }
  return job;
}

/** Where uploaded files are kept until the job is done (DATA_DIR/imports). */
export function importsDir(dataDir: string): string {
  const dir = path.join(dataDir, 'imports');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** SM3 of the first 64 MB (enough to notice a replaced file before resuming). */
function fileDigest(file: string): string {
  const h = createHash('sm3');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let read = 0; read < 64 << 20; ) {
      const n = fs.readSync(fd, buf, 0, buf.length, read);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
      read += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

function actorUnit(ctx: Ctx, scope: string): { unitId: string | null; regionPrefix: string } {
  const grant = ctx.actor.grants.find((g) => g.scopes.has(scope) || g.scopes.has('*'));
  return { unitId: grant?.unitId || null, regionPrefix: grant?.regionPrefix ?? '' };
}

export interface CreateImportInput {
  /** The file, already on disk under importsDir (moved/copied there by the caller), or any path for the CLI. */
  filePath: string;
  fileName: string;
  options?: Record<string, unknown>;
  batchSize?: number;
}

/** Registers a job for a file (does not start it). The actor must hold the definition's scope. */
export async function createImportJob(ctx: Ctx, def: ImportDefinition<unknown>, input: CreateImportInput): Promise<ImportJob> {
  if (!hasScope(ctx.actor, def.scope)) throw forbidden();
  const stat = fs.statSync(input.filePath);
  if (stat.size === 0) throw badRequest('import_empty', '文件为空。');
  const head = readHead(input.filePath);
  const format = detectFormat(head, input.fileName);
  const encoding: FileEncoding = format === 'csv' ? detectEncoding(head) : 'utf-8';
  const id = newId();
  const now = ctx.clock.now().toISOString();
  const { unitId, regionPrefix } = actorUnit(ctx, def.scope);
  const batchSize = input.batchSize ?? def.batchSize ?? 5000;
  await inTransaction(ctx, async (tctx) => {
    await tctx.db.execute(sql`INSERT INTO imports.jobs (id, kind, label, scope, file_name, file_path, file_format, file_encoding, file_size, file_sm3, options,
        batch_size, status, created_by, created_by_name, unit_id, region_prefix, created_at)
      VALUES (${id}, ${def.kind}, ${def.label}, ${def.scope}, ${input.fileName.slice(0, 255)}, ${input.filePath}, ${format}, ${encoding}, ${stat.size},
        ${fileDigest(input.filePath)}, ${JSON.stringify(input.options ?? {})}::jsonb, ${batchSize}, 'pending', ${ctx.actor.userId}, ${ctx.actor.name},
        ${unitId}, ${regionPrefix}, ${now})`);
    audit(tctx, { action: 'imports.job.create', targetType: 'imports.job', targetId: id, targetLabel: `${def.label}: ${input.fileName}`, details: { kind: def.kind, size: stat.size, format, encoding } });
  });
  return (await loadJob(ctx.db, id))!;
}

async function loadJob(db: Db, id: string): Promise<ImportJob | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const r = await queryOne<JobRow>(db, sql`SELECT * FROM imports.jobs WHERE id = ${id}`);
  return r ? toJob(r) : null;
}

/** May the actor see this job: its creator, or a holder of its scope whose region covers the creator's unit. */
export function canSeeJob(ctx: Ctx, job: ImportJob): boolean {
  if (ctx.actor.kind === 'system') return true;
  if (job.createdBy && job.createdBy === ctx.actor.userId) return true;
  return regionPrefixesFor(ctx.actor, job.scope).some((p) => job.regionPrefix.startsWith(p));
}

export async function getImportJob(ctx: Ctx, input: { id: string }): Promise<ImportJob> {
  const job = await loadJob(ctx.db, input.id);
  if (!job || !canSeeJob(ctx, job)) throw notFound('import_not_found', '导入任务不存在或您无权查看。');
  return job;
}

/** Recent jobs of some kinds that the actor may see. */
export async function listImportJobs(ctx: Ctx, input: { kinds: string[]; limit?: number }): Promise<ImportJob[]> {
  if (input.kinds.length === 0) return [];
  const rows = await queryRows<JobRow>(ctx.db, sql`SELECT * FROM imports.jobs WHERE kind IN (${sql.join(input.kinds.map((k) => sql`${k}`), sql`, `)})
    ORDER BY created_at DESC LIMIT ${input.limit ?? 20}`);
  return rows.map(toJob).filter((j) => canSeeJob(ctx, j));
}

export interface ImportRowError {
  row: number;
  column: string;
  message: string;
  value: string | null;
}

export async function listRowErrors(ctx: Ctx, input: { id: string; limit?: number; offset?: number }): Promise<ImportRowError[]> {
  await getImportJob(ctx, { id: input.id });
  const rows = await queryRows<{ row_no: string | number; column_name: string; message: string; value: string | null }>(
    ctx.db,
    sql`SELECT row_no, column_name, message, value FROM imports.row_errors WHERE job_id = ${input.id} ORDER BY row_no, id LIMIT ${input.limit ?? 1000} OFFSET ${input.offset ?? 0}`,
  );
  return rows.map((r) => ({ row: Number(r.row_no), column: r.column_name, message: r.message, value: r.value }));
}

const csvCell = (v: string): string => {
  const guarded = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
};

/** The error report as CSV (UTF-8 with BOM, CRLF: Excel opens it), streamed in pages. */
export async function* rowErrorsCsv(ctx: Ctx, input: { id: string }): AsyncGenerator<string> {
  await getImportJob(ctx, { id: input.id });
  yield `\ufeff${['行号', '列', '问题', '原值'].join(',')}\r\n`;
  let after = 0;
  for (;;) {
    const rows = await queryRows<{ id: string | number; row_no: string | number; column_name: string; message: string; value: string | null }>(
      ctx.db,
      sql`SELECT id, row_no, column_name, message, value FROM imports.row_errors WHERE job_id = ${input.id} AND id > ${after} ORDER BY id LIMIT 5000`,
    );
    if (rows.length === 0) return;
    after = Number(rows[rows.length - 1].id);
    yield rows.map((r) => [String(r.row_no), r.column_name, r.message, r.value ?? ''].map(csvCell).join(',')).join('\r\n') + '\r\n';
  }
}

/** Asks a running job to stop after its current batch (it can be resumed later). */
export async function cancelImportJob(ctx: Ctx, input: { id: string }): Promise<ImportJob> {
  const job = await getImportJob(ctx, input);
  if (!hasScope(ctx.actor, job.scope) && job.createdBy !== ctx.actor.userId) throw forbidden();
  await inTransaction(ctx, async (tctx) => {
    await tctx.db.execute(sql`UPDATE imports.jobs SET status = 'cancelled', finished_at = ${ctx.clock.now().toISOString()} WHERE id = ${job.id} AND status IN ('pending', 'running')`);
    audit(tctx, { action: 'imports.job.cancel', targetType: 'imports.job', targetId: job.id, targetLabel: `${job.label}: ${job.fileName}` });
  });
  return getImportJob(ctx, input);
}

// --- COPY helpers ---------------------------------------------------------------------------------

export type CopyValue = string | number | boolean | null | undefined | Date | string[] | Record<string, unknown>;

function copyEscape(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

const arrayElement = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** One value in COPY text format (NULL as \N). */
export function copyField(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return copyEscape(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return copyEscape(`{${v.map(arrayElement).join(',')}}`);
  return copyEscape(JSON.stringify(v));
}

/** Rows → COPY text (tab-separated, one line per row). */
export function copyText(rows: CopyValue[][]): string {
  let out = '';
  for (const r of rows) {
    for (let i = 0; i < r.length; i += 1) out += (i ? '\t' : '') + copyField(r[i]);
    out += '\n';
  }
  return out;
}

const IDENT = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;
const ident = (name: string): string => {
  if (!IDENT.test(name)) throw new Error(`bad identifier ${name}`);
  return name;
};

export interface BulkUpsertInput {
  /** `schema.table` */
  table: string;
  columns: string[];
  /** Conflict target (the primary key). */
  key: string[];
  rows: CopyValue[][];
  /** Columns overwritten on conflict (default: every non-key column). */
  update?: string[];
  /** Columns compared to decide "unchanged" (default: `update`); leave out timestamps. */
  compare?: string[];
  /** Extra assignments on update, SQL over `t` (the existing row) and EXCLUDED, e.g. `version = t.version + 1`. */
  extraSet?: string;
  /** SQL run before existing rows are updated (e.g. their history); `{stage}` names the staging table, which then holds only rows whose key exists. */
  beforeUpsert?: string;
}

/**
 * COPY the rows into a session-local staging table, then INSERT … ON CONFLICT DO UPDATE into the
 * target, all in the caller's transaction (call inside inTransaction). Rows whose compared columns
 * are equal are left alone (counted unchanged), so re-importing a file is idempotent and cheap.
 */
export async function bulkUpsert(ctx: Ctx, o: BulkUpsertInput): Promise<BatchResult> {
  if (!ctx.tx) throw new Error('bulkUpsert called outside inTransaction()');
  if (o.rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const table = ident(o.table);
  const cols = o.columns.map(ident);
  const key = o.key.map(ident);
  const update = (o.update ?? cols.filter((c) => !key.includes(c))).map(ident);
  const compare = (o.compare ?? update).map(ident);
  const stage = `imports_stage_${createHash('sha1').update(`${table}|${cols.join(',')}`).digest('hex').slice(0, 12)}`;
  const colList = cols.join(', ');
  await ctx.db.execute(sql.raw(`CREATE TEMP TABLE IF NOT EXISTS ${stage} ON COMMIT DELETE ROWS AS SELECT ${colList} FROM ${table} WITH NO DATA`));
  await copyFrom(ctx.db, `COPY ${stage} (${colList}) FROM STDIN`, copyText(o.rows));
  // 1. New keys: plain insert (no history, no comparison); what went in leaves the staging table.
  const ins = await queryOne<{ n: string | number }>(
    ctx.db,
    sql.raw(`WITH ins AS (INSERT INTO ${table} (${colList}) SELECT ${colList} FROM ${stage} ON CONFLICT (${key.join(', ')}) DO NOTHING RETURNING ${key.join(', ')}),
      del AS (DELETE FROM ${stage} s USING ins WHERE ${key.map((k) => `s.${k} = ins.${k}`).join(' AND ')} RETURNING 1)
      SELECT count(*) AS n FROM del`),
  );
  const inserted = Number(ins?.n ?? 0);
  if (inserted === o.rows.length) return { inserted, updated: 0, unchanged: 0 };
  // 2. Existing keys: history hook, then update the rows whose compared columns differ.
  if (o.beforeUpsert) await ctx.db.execute(sql.raw(o.beforeUpsert.replaceAll('{stage}', stage)));
  const set = [...update.map((c) => `${c} = EXCLUDED.${c}`), ...(o.extraSet ? [o.extraSet] : [])].join(', ');
  const changed = compare.length ? `WHERE (${compare.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${compare.map((c) => `EXCLUDED.${c}`).join(', ')})` : '';
  const up = await queryOne<{ n: string | number }>(
    ctx.db,
    sql.raw(`WITH up AS (
        INSERT INTO ${table} AS t (${colList}) SELECT ${colList} FROM ${stage}
        ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${set} ${changed} RETURNING 1)
      SELECT count(*) AS n FROM up`),
  );
  const updated = Number(up?.n ?? 0);
  return { inserted, updated, unchanged: o.rows.length - inserted - updated };
}

// --- the runner -----------------------------------------------------------------------------------

export interface RunOptions {
  /** Called after every batch (committed or failed) with the job as stored. An exception thrown here aborts the run as a crash would. */
  onProgress?(job: ImportJob): void | Promise<void>;
  /** Take over a job marked running by another process even if its heartbeat is recent (the CLI's resume). */
  takeOver?: boolean;
  /** Seconds without a heartbeat after which another process may take a running job over (default 60). */
  staleSeconds?: number;
}

const runnerId = () => `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
const MAX_STORED_ERRORS = 1_000_000;

/** Maps the header to column keys; problems when required columns are missing or names are unknown. */
export function mapHeader(def: ImportDefinition<unknown>, header: string[]): { keys: (string | null)[]; problem: string | null } {
  const byName = new Map<string, string>();
  for (const c of def.columns) for (const n of [c.header, c.key, ...(c.aliases ?? [])]) byName.set(n.trim(), c.key);
  const keys = header.map((h) => byName.get(h.replace(/^\ufeff/, '').trim()) ?? null);
  const unknown = header.filter((h, i) => keys[i] === null && h.trim() !== '');
  if (unknown.length) return { keys, problem: `无法识别的列「${unknown.join('」「')}」。可用的列: ${def.columns.map((c) => c.header).join('、')}。` };
  const missing = def.columns.filter((c) => c.required && !keys.includes(c.key));
  if (missing.length) return { keys, problem: `缺少必需的列「${missing.map((c) => c.header).join('」「')}」。` };
  const dup = keys.find((k, i) => k !== null && keys.indexOf(k) !== i);
  if (dup) return { keys, problem: `列「${def.columns.find((c) => c.key === dup)!.header}」出现了不止一次。` };
  return { keys, problem: null };
}

async function claim(ctx: Ctx, id: string, runner: string, opts: RunOptions): Promise<ImportJob | null> {
  const now = ctx.clock.now();
  const stale = new Date(now.getTime() - (opts.staleSeconds ?? 60) * 1000).toISOString();
  const r = await queryOne<JobRow>(ctx.db, sql`UPDATE imports.jobs SET status = 'running', runner = ${runner}, heartbeat_at = ${now.toISOString()},
      started_at = ${now.toISOString()}, finished_at = NULL,
      resumed_count = resumed_count + CASE WHEN batches_committed + batches_failed > 0 THEN 1 ELSE 0 END
    WHERE id = ${id} AND (status = 'pending' OR (status = 'running' AND (${opts.takeOver === true} OR heartbeat_at < ${stale})))
    RETURNING *`);
  return r ? toJob(r) : null;
}

async function failJob(ctx: Ctx, job: ImportJob, message: string): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    await tctx.db.execute(sql`UPDATE imports.jobs SET status = 'failed', last_error = ${message}, finished_at = ${ctx.clock.now().toISOString()} WHERE id = ${job.id}`);
    audit(tctx, { action: 'imports.job.fail', targetType: 'imports.job', targetId: job.id, targetLabel: `${job.label}: ${job.fileName}`, result: 'failure', details: { message } });
  });
}

/** Locks the job row and checks this runner still owns it (another process may have taken it over). */
async function ownJob(ctx: Ctx, id: string, runner: string): Promise<void> {
  const r = await queryOne<{ runner: string | null; status: string }>(ctx.db, sql`SELECT runner, status FROM imports.jobs WHERE id = ${id} FOR UPDATE`);
  if (!r || r.runner !== runner || r.status !== 'running') throw new ImportInterrupted(r?.status === 'cancelled' ? 'cancelled' : 'taken_over');
}

class ImportInterrupted extends Error {
  constructor(readonly why: 'cancelled' | 'taken_over') {
    super(`import ${why}`);
  }
}

interface Pending<R> {
  rows: ParsedRow<R>[];
  problems: ImportRowError[];
  firstRow: number;
  lastRow: number;
  count: number;
  endByte: number | null;
}

async function commitBatch<R>(ctx: Ctx, def: ImportDefinition<R>, job: ImportJob, runner: string, batchNo: number, b: Pending<R>, started: number): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    await ownJob(tctx, job.id, runner);
    const res = await def.writeBatch(tctx, b.rows, job);
    const now = ctx.clock.now().toISOString();
    await tctx.db.execute(sql`INSERT INTO imports.batches (job_id, batch_no, first_row, last_row, status, rows, inserted, updated, error_count, duration_ms, finished_at)
      VALUES (${job.id}, ${batchNo}, ${b.firstRow}, ${b.lastRow}, 'committed', ${b.count}, ${res.inserted}, ${res.updated}, 0, ${Math.round(performance.now() - started)}, ${now})`);
    await tctx.db.execute(sql`UPDATE imports.jobs SET batches_committed = batches_committed + 1, rows_read = rows_read + ${b.count},
        rows_inserted = rows_inserted + ${res.inserted}, rows_updated = rows_updated + ${res.updated}, rows_unchanged = rows_unchanged + ${res.unchanged},
        next_row = ${b.lastRow + 1}, next_byte = ${b.endByte}, heartbeat_at = ${now},
        estimated_rows = CASE WHEN ${b.endByte}::bigint > 0 THEN round(file_size::numeric * (rows_read + ${b.count}) / ${b.endByte}::bigint) ELSE estimated_rows END
      WHERE id = ${job.id}`);
  });
}

async function failBatch(ctx: Ctx, job: ImportJob, runner: string, batchNo: number, b: Pending<unknown>, started: number): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    await ownJob(tctx, job.id, runner);
    const stored = await queryOne<{ error_count: string | number }>(tctx.db, sql`SELECT error_count FROM imports.jobs WHERE id = ${job.id}`);
    const room = Math.max(0, MAX_STORED_ERRORS - Number(stored?.error_count ?? 0));
    const keep = b.problems.slice(0, room);
    if (keep.length) {
      await copyFrom(
        tctx.db,
        'COPY imports.row_errors (job_id, batch_no, row_no, column_name, message, value) FROM STDIN',
        copyText(keep.map((p) => [job.id, batchNo, p.row, p.column, p.message, p.value === null ? null : p.value.slice(0, 200)])),
      );
    }
    const now = ctx.clock.now().toISOString();
    await tctx.db.execute(sql`INSERT INTO imports.batches (job_id, batch_no, first_row, last_row, status, rows, inserted, updated, error_count, duration_ms, finished_at)
      VALUES (${job.id}, ${batchNo}, ${b.firstRow}, ${b.lastRow}, 'failed', ${b.count}, 0, 0, ${b.problems.length}, ${Math.round(performance.now() - started)}, ${now})`);
    await tctx.db.execute(sql`UPDATE imports.jobs SET batches_failed = batches_failed + 1, rows_read = rows_read + ${b.count}, rows_failed = rows_failed + ${b.count},
        error_count = error_count + ${b.problems.length}, next_row = ${b.lastRow + 1}, next_byte = ${b.endByte}, heartbeat_at = ${now}
      WHERE id = ${job.id}`);
  });
}

/**
 * Runs (or resumes) a job to the end in this process. Returns the job as stored at the end. A job
 * already running elsewhere (recent heartbeat) is returned unchanged unless `takeOver`.
 */
export async function runImportJob<R>(ctx: Ctx, def: ImportDefinition<R>, input: { id: string }, opts: RunOptions = {}): Promise<ImportJob> {
  const runner = runnerId();
  const existing = await loadJob(ctx.db, input.id);
  if (!existing) throw notFound('import_not_found', '导入任务不存在。');
  if (existing.kind !== def.kind) throw badRequest('import_kind_mismatch', `任务类型为 ${existing.kind}, 不是 ${def.kind}。`);
  const job = await claim(ctx, input.id, runner, opts);
  if (!job) return existing;
  if (!fs.existsSync(job.filePath)) {
    await failJob(ctx, job, '导入文件已不存在, 无法继续。');
    return (await loadJob(ctx.db, job.id))!;
  }
  const digest = await queryOne<{ file_sm3: string }>(ctx.db, sql`SELECT file_sm3 FROM imports.jobs WHERE id = ${job.id}`);
  if (digest?.file_sm3 !== fileDigest(job.filePath)) {
    await failJob(ctx, job, '导入文件在任务创建后被修改, 为避免数据错乱已停止; 请重新上传。');
    return (await loadJob(ctx.db, job.id))!;
  }
  let file: OpenedFile;
  try {
    file = job.fileFormat === 'xlsx' ? await openXlsx(job.filePath, job.nextRow) : await openCsv(job.filePath, job.fileEncoding, job.nextRow, job.nextByte);
  } catch (err) {
    await failJob(ctx, job, `无法读取文件: ${(err as Error).message}`.slice(0, 500));
    return (await loadJob(ctx.db, job.id))!;
  }
  const { keys, problem } = mapHeader(def as ImportDefinition<unknown>, file.header);
  if (problem) {
    file.close();
    await failJob(ctx, job, problem);
    return (await loadJob(ctx.db, job.id))!;
  }
  const headerOf = new Map(def.columns.map((c) => [c.key, c.header]));
  let batchNo = job.batchesCommitted + job.batchesFailed;
  const fresh = (): Pending<R> => ({ rows: [], problems: [], firstRow: 0, lastRow: 0, count: 0, endByte: null });
  let b = fresh();
  let started = performance.now();
  const seenKeys = new Map<string, number>();

  /** Validates and writes one batch (batches are written strictly in order). */
  const flush = async (batch: Pending<R>, no: number, t0: number): Promise<void> => {
    if (def.keyOf) {
      seenKeys.clear();
      for (const r of batch.rows) {
        const k = def.keyOf(r.value);
        const first = seenKeys.get(k);
        if (first !== undefined) batch.problems.push({ row: r.row, column: '', message: `与第 ${first} 行重复 (同一主键在文件中出现两次)`, value: k });
        else seenKeys.set(k, r.row);
      }
    }
    if (def.validateBatch && batch.rows.length > 0) {
      const extra = await def.validateBatch(ctx, batch.rows, job);
      for (const p of extra) batch.problems.push({ row: p.row, column: headerOf.get(p.column) ?? p.column, message: p.message, value: null });
    }
    if (batch.problems.length > 0) {
      batch.problems.sort((x, y) => x.row - y.row);
      await failBatch(ctx, job, runner, no, batch as Pending<unknown>, t0);
    } else {
      await commitBatch(ctx, def, job, runner, no, batch, t0);
    }
    if (opts.onProgress) await opts.onProgress((await loadJob(ctx.db, job.id))!);
  };
  // Pipelining: the next batch is read and parsed while the previous one is written (one write in flight).
  let inFlight: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  const submit = async (): Promise<void> => {
    if (b.count === 0) return;
    await inFlight;
    if (failure) throw failure;
    batchNo += 1;
    const batch = b;
    inFlight = flush(batch, batchNo, started).catch((err: unknown) => {
      failure = err;
    });
    b = fresh();
    started = performance.now();
  };

  try {
    for await (const src of file.rows as AsyncIterable<SourceRow>) {
      if (failure) throw failure;
      if (b.count === 0) b.firstRow = src.row;
      b.count += 1;
      b.lastRow = src.row;
      b.endByte = src.endByte ?? null;
      const cells: Record<string, string> = {};
      for (let i = 0; i < keys.length; i += 1) {
        const k = keys[i];
        if (k) cells[k] = src.cells[i] ?? '';
      }
      const parsed = def.parseRow(cells, src.row, job);
      if ('value' in parsed) b.rows.push({ row: src.row, value: parsed.value });
      else for (const p of parsed.problems) b.problems.push({ row: src.row, column: headerOf.get(p.column) ?? p.column, message: p.message, value: p.column ? (cells[p.column] ?? null) : null });
      if (b.count >= job.batchSize) await submit();
    }
    await submit();
    await inFlight;
    if (failure) throw failure;
  } catch (err) {
    file.close();
    await inFlight;
    if (err instanceof ImportInterrupted) return (await loadJob(ctx.db, job.id))!;
    throw err;
  }
  file.close();
  await inTransaction(ctx, async (tctx) => {
    await ownJob(tctx, job.id, runner);
    const now = ctx.clock.now().toISOString();
    const row = await queryOne<JobRow>(tctx.db, sql`UPDATE imports.jobs SET status = CASE WHEN batches_failed > 0 THEN 'completed_with_errors' ELSE 'completed' END,
        finished_at = ${now}, heartbeat_at = ${now}, runner = NULL, estimated_rows = rows_read WHERE id = ${job.id} RETURNING *`);
    const done = toJob(row!);
    audit(tctx, {
      action: 'imports.job.finish',
      targetType: 'imports.job',
      targetId: job.id,
      targetLabel: `${job.label}: ${job.fileName}`,
      result: done.batchesFailed > 0 ? 'failure' : 'success',
      details: { rows: done.rowsRead, inserted: done.rowsInserted, updated: done.rowsUpdated, unchanged: done.rowsUnchanged, failedRows: done.rowsFailed, errors: done.errorCount },
    });
  });
  return (await loadJob(ctx.db, job.id))!;
}

/** Jobs that were running in a process that died (stale heartbeat) or never started: candidates for a worker to resume. */
export async function staleImportJobs(ctx: Ctx, input: { kinds: string[]; staleSeconds?: number }): Promise<string[]> {
  if (input.kinds.length === 0) return [];
  const stale = new Date(ctx.clock.now().getTime() - (input.staleSeconds ?? 60) * 1000).toISOString();
  const rows = await queryRows<{ id: string }>(ctx.db, sql`SELECT id FROM imports.jobs
    WHERE kind IN (${sql.join(input.kinds.map((k) => sql`${k}`), sql`, `)})
      AND ((status = 'running' AND heartbeat_at < ${stale}) OR (status = 'pending' AND created_at < ${stale}))
    ORDER BY created_at LIMIT 10`);
  return rows.map((r) => r.id);
}

/** A one-line progress bar for terminals (the CLI writes it to stderr). */
export function progressLine(job: ImportJob): string {
  const pct = job.percent ?? 0;
  const width = 30;
  const filled = Math.round((pct / 100) * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const rate = job.rowsPerSecond ? ` ${job.rowsPerSecond.toLocaleString('en-US')} 行/秒` : '';
  return `[${bar}] ${String(pct).padStart(3)}% 已处理 ${job.rowsRead.toLocaleString('en-US')} 行 (新增 ${job.rowsInserted}, 更新 ${job.rowsUpdated}, 未变 ${job.rowsUnchanged}, 未导入 ${job.rowsFailed})${rate}`;
}
