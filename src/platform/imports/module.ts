/**
 * The imports kernel service declared like a module: the progress page and JSON progress of a job,
 * the error report download, cancel and resume, and a worker task that resumes jobs whose process
 * died. Modules hand their `ImportDefinition`s to `createImportsModule` in src/modules/index.ts and
 * host their own upload forms (see `receiveImportUpload`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleDefinition, PlatformServices } from '../module.ts';
import { systemActor, type Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { safeEqual } from '../crypto/index.ts';
import { newId } from '../ids.ts';
import { sql } from '../db/index.ts';
import { html } from '../ui/html.ts';
import { badge, button, form, table } from '../ui/components.ts';
import { formatChinaTime } from '../ui/time.ts';
import {
  cancelImportJob,
  createImportJob,
  getImportJob,
  importsDir,
  listRowErrors,
  rowErrorsCsv,
  runImportJob,
  staleImportJobs,
  type ImportDefinition,
  type ImportJob,
  type ImportRowError,
} from './service.ts';

export const IMPORTS_BASE = '/workbench/imports';

const definitions = new Map<string, ImportDefinition<unknown>>();

function definitionOf(kind: string): ImportDefinition<unknown> {
  const def = definitions.get(kind);
  if (!def) throw new AppError({ code: 'import_kind_unknown', status: 409, message: `本部署没有 ${kind} 类型的导入。` });
  return def;
}

/** Runs a job in this process without waiting (the upload answers at once with the progress page). */
export function startImportInBackground(services: PlatformServices, def: ImportDefinition<unknown>, job: ImportJob, opts: { takeOver?: boolean } = {}): Promise<ImportJob | null> {
  const ctx: Ctx = {
    actor: { ...systemActor, name: `导入任务 (${job.createdByName})` },
    db: services.database.db,
    clock: services.clock,
    requestId: `import:${job.id}`,
    log: services.log,
  };
  return runImportJob(ctx, def, { id: job.id }, opts)
    .then((done) => {
      services.nudgeDispatcher();
      return done;
    })
    .catch((err: unknown) => {
      services.log.error({ err, job: job.id }, 'import job stopped');
      return null;
    });
}

export interface ReceivedUpload {
  fields: Record<string, string>;
  job: ImportJob | null;
}

/**
 * Reads a multipart upload (the `_csrf` field must come before the file, as the form sends it),
 * streams the file to DATA_DIR/imports and registers the job. The route must be registered with
 * `csrfExempt: true` inside a plugin that registered @fastify/multipart; the token is checked here.
 */
export async function receiveImportUpload(req: FastifyRequest, services: PlatformServices, def: ImportDefinition<unknown>, opts: { options?: (fields: Record<string, string>) => Record<string, unknown> } = {}): Promise<ReceivedUpload> {
  if (!req.isMultipart()) throw new AppError({ code: 'unsupported_media_type', status: 415, message: '请通过页面上的表单上传文件。' });
  const fields: Record<string, string> = {};
  const csrfError = () => new AppError({ code: 'csrf_invalid', status: 403, message: '表单已过期或来源无法验证, 请刷新页面后重试。' });
  let stored: { path: string; name: string } | null = null;
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      if (!fields._csrf || !safeEqual(fields._csrf, req.csrfToken)) throw csrfError();
      const name = [...(part.filename || 'upload')].map((c) => (c === '/' || c === '\\' || c.charCodeAt(0) < 32 ? '_' : c)).join('').slice(0, 200);
      const target = path.join(importsDir(services.config.dataDir), `${newId()}${path.extname(name).toLowerCase().replace(/[^.a-z0-9]/g, '')}`);
      await pipeline(part.file, fs.createWriteStream(target));
      if (part.file.truncated) {
        fs.rmSync(target, { force: true });
        throw new AppError({ code: 'payload_too_large', status: 413, message: '文件过大。更大的文件请用命令行导入 (npx egov registries import …)。' });
      }
      if (fs.statSync(target).size === 0) fs.rmSync(target, { force: true });
      else stored = { path: target, name };
    } else if (typeof part.value === 'string') fields[part.fieldname] = part.value;
  }
  if (!fields._csrf || !safeEqual(fields._csrf, req.csrfToken)) throw csrfError();
  if (!stored) return { fields, job: null };
  const job = await createImportJob(req.ctx, def, { filePath: stored.path, fileName: stored.name, options: opts.options?.(fields) ?? {} });
  return { fields, job };
}

const time = (iso: string | null) => (iso ? formatChinaTime(iso).slice(0, 19) : '—');

function statusBadge(job: ImportJob) {
  const kind = job.status === 'completed' ? 'ok' : job.status === 'running' || job.status === 'pending' ? 'muted' : 'warn';
  return badge(job.statusLabel, kind);
}

/** A compact list of jobs for a module's import page. */
export function importJobsTable(jobs: ImportJob[]) {
  return table<ImportJob>({
    caption: '最近的导入任务',
    rows: jobs,
    empty: '还没有导入任务。',
    columns: [
      { header: '文件', cell: (j) => html`<a href="${IMPORTS_BASE}/${j.id}">${j.fileName}</a>` },
      { header: '类型', cell: (j) => j.label },
      { header: '状态', cell: (j) => statusBadge(j) },
      { header: '已处理行', cell: (j) => j.rowsRead.toLocaleString('zh-CN'), className: 'num' },
      { header: '未导入行', cell: (j) => j.rowsFailed.toLocaleString('zh-CN'), className: 'num' },
      { header: '发起', cell: (j) => html`${j.createdByName} <span class="muted">${time(j.createdAt)}</span>` },
    ],
  });
}

const JobParams = Type.Object({ id: Type.String({ format: 'uuid', title: '任务标识' }) });
const JobSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  label: Type.String(),
  fileName: Type.String(),
  status: Type.String(),
  statusLabel: Type.String(),
  percent: Type.Union([Type.Integer(), Type.Null()]),
  rowsRead: Type.Integer(),
  rowsInserted: Type.Integer(),
  rowsUpdated: Type.Integer(),
  rowsUnchanged: Type.Integer(),
  rowsFailed: Type.Integer(),
  errorCount: Type.Integer(),
  batchesCommitted: Type.Integer(),
  batchesFailed: Type.Integer(),
  nextRow: Type.Integer(),
  rowsPerSecond: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  resumedCount: Type.Integer(),
});

function registerRoutes(app: FastifyInstance, services: PlatformServices): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/api/imports/:id', {
    config: { scope: 'authenticated' },
    schema: { tags: ['imports'], summary: '导入任务进度', params: JobParams, response: { 200: JobSchema } },
  }, async (req) => getImportJob(req.ctx, { id: req.params.id }));

  r.get(`${IMPORTS_BASE}/:id`, { config: { scope: 'staff' }, schema: { params: JobParams } }, async (req, reply) => {
    const job = await getImportJob(req.ctx, { id: req.params.id });
    const errors = await listRowErrors(req.ctx, { id: job.id, limit: 200 });
    const active = job.status === 'running' || job.status === 'pending';
    if (active) reply.header('refresh', '2');
    return reply.page({
      title: `导入进度: ${job.fileName}`,
      breadcrumbs: [{ label: '工作台', href: '/workbench' }, { label: '导入任务' }],
      body: html`
        <p>${job.label} · ${statusBadge(job)}${job.resumedCount ? html` <span class="muted">(中断后续传 ${job.resumedCount} 次)</span>` : ''}</p>
        ${job.percent !== null ? html`<p><label for="import-progress">进度</label> <progress id="import-progress" max="100" value="${job.percent}">${job.percent}%</progress> ${job.percent}%</p>` : ''}
        ${active ? html`<p class="muted" role="status">正在处理, 本页每 2 秒自动刷新。</p>` : ''}
        ${job.lastError ? html`<div class="error-summary" role="alert"><h2>任务未能完成</h2><p>${job.lastError}</p></div>` : ''}
        <dl class="facts">
          <dt>已处理数据行</dt><dd>${job.rowsRead.toLocaleString('zh-CN')}${job.estimatedRows ? ` / 约 ${job.estimatedRows.toLocaleString('zh-CN')}` : ''}</dd>
          <dt>新增</dt><dd>${job.rowsInserted.toLocaleString('zh-CN')}</dd>
          <dt>更新</dt><dd>${job.rowsUpdated.toLocaleString('zh-CN')}</dd>
          <dt>内容相同未改动</dt><dd>${job.rowsUnchanged.toLocaleString('zh-CN')}</dd>
          <dt>未导入 (所在批次有问题行)</dt><dd>${job.rowsFailed.toLocaleString('zh-CN')}</dd>
          <dt>批次</dt><dd>已写入 ${job.batchesCommitted} 批, 整批未写入 ${job.batchesFailed} 批 (每批 ${job.batchSize} 行, 一批中任何一行有误则整批不写入)</dd>
          <dt>速度</dt><dd>${job.rowsPerSecond ? `${job.rowsPerSecond.toLocaleString('zh-CN')} 行/秒` : '—'}</dd>
          <dt>发起</dt><dd>${job.createdByName}, ${time(job.createdAt)}</dd>
          <dt>结束</dt><dd>${time(job.finishedAt)}</dd>
        </dl>
        ${active ? form({ action: `${IMPORTS_BASE}/${job.id}/cancel`, csrf: req.csrfToken, label: '取消导入', body: button('停止导入', { kind: 'danger' }) }) : ''}
        ${job.status === 'cancelled' || (job.status === 'running' && job.heartbeatAt && Date.now() - Date.parse(job.heartbeatAt) > 60_000)
          ? form({ action: `${IMPORTS_BASE}/${job.id}/resume`, csrf: req.csrfToken, label: '继续导入', body: html`<p class="muted">从第 ${job.nextRow} 行继续 (已写入的批次不会重复写入)。</p>${button('继续导入')}` })
          : ''}
        <section aria-labelledby="errs-h"><h2 id="errs-h">逐行问题 (${job.errorCount.toLocaleString('zh-CN')} 处)</h2>
          ${job.errorCount > 0 ? html`<p><a class="btn btn-secondary" href="${IMPORTS_BASE}/${job.id}/errors.csv">下载问题清单 (CSV)</a> 行号与 Excel 中一致, 第 1 行为表头。</p>` : ''}
          ${table<ImportRowError>({
            caption: job.errorCount > 200 ? '前 200 处问题' : '问题',
            rows: errors,
            empty: '没有发现问题。',
            columns: [
              { header: '行号', cell: (e) => e.row, className: 'num' },
              { header: '列', cell: (e) => e.column || '—' },
              { header: '问题', cell: (e) => e.message },
              { header: '原值', cell: (e) => e.value ?? '' },
            ],
          })}
        </section>`,
    });
  });

  r.get(`${IMPORTS_BASE}/:id/errors.csv`, { config: { scope: 'staff' }, schema: { params: JobParams } }, async (req, reply) => {
    const job = await getImportJob(req.ctx, { id: req.params.id });
    const name = `导入问题清单-${job.fileName.replace(/\.[^.]*$/, '')}.csv`;
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="import-errors.csv"; filename*=UTF-8''${encodeURIComponent(name)}`)
      .header('cache-control', 'no-store')
      .send(Readable.from(rowErrorsCsv(req.ctx, { id: job.id })));
  });

  r.post(`${IMPORTS_BASE}/:id/cancel`, { config: { scope: 'staff' }, schema: { params: JobParams } }, async (req, reply) => {
    await cancelImportJob(req.ctx, { id: req.params.id });
    return reply.flashRedirect(`${IMPORTS_BASE}/${req.params.id}`, { kind: 'info', text: '已请求停止: 当前批次完成后停止, 之后可继续导入。' });
  });

  r.post(`${IMPORTS_BASE}/:id/resume`, { config: { scope: 'staff' }, schema: { params: JobParams } }, async (req, reply) => {
    const job = await getImportJob(req.ctx, { id: req.params.id });
    const def = definitionOf(job.kind);
    if (!req.ctx.actor.grants.some((g) => g.scopes.has(def.scope) || g.scopes.has('*'))) throw new AppError({ code: 'forbidden', status: 403, message: '您没有执行此操作的权限。' });
    if (job.status === 'cancelled') await services.database.db.execute(sql`UPDATE imports.jobs SET status = 'pending', finished_at = NULL WHERE id = ${job.id} AND status = 'cancelled'`);
    void startImportInBackground(services, def, await getImportJob(req.ctx, { id: job.id }), { takeOver: job.status === 'running' });
    return reply.flashRedirect(`${IMPORTS_BASE}/${job.id}`, { kind: 'success', text: `已从第 ${job.nextRow} 行继续导入。` });
  });
}

/** The imports kernel module for the given import definitions (each module's `index.ts` exports its own). */
export function createImportsModule(importers: ImportDefinition<unknown>[]): ModuleDefinition {
  for (const d of importers) definitions.set(d.kind, d);
  return {
    name: 'imports',
    scopes: [],
    registerRoutes,
    background: [
      {
        name: 'resume-interrupted',
        role: 'worker',
        async start({ services, systemCtx }) {
          const tick = async () => {
            const ids = await staleImportJobs(systemCtx(), { kinds: [...definitions.keys()] });
            for (const id of ids) {
              const job = await getImportJob(systemCtx(), { id });
              await startImportInBackground(services, definitionOf(job.kind), job);
            }
          };
          let running = false;
          const timer = setInterval(() => {
            if (running) return;
            running = true;
            void tick()
              .catch((err: unknown) => services.log.error({ err }, 'import resume pass failed'))
              .finally(() => (running = false));
          }, 30_000);
          return {
            async stop() {
              clearInterval(timer);
            },
          };
        },
      },
    ],
  };
}
