/**
 * CSV import and export pages. The upload is multipart (a file, or text pasted into a textarea),
 * parsed by @fastify/multipart registered in this plugin's scope only, limited to 5 MB.
 *
 * CSRF: the kernel checks `_csrf` in a preValidation hook that runs before multipart bodies are
 * read, so the upload route is marked csrfExempt and checks the same token itself, before it
 * looks at the file (the `_csrf` field comes first in the form; a file part before it is refused).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { stringify } from 'csv-stringify/sync';
import { html } from '../../../platform/ui/html.ts';
import { button, field, form, table, textarea } from '../../../platform/ui/components.ts';
import { AppError, isAppError } from '../../../platform/errors.ts';
import { safeEqual } from '../../../platform/crypto/index.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { SCOPES, UNIT_TYPE_LABELS } from '../model.ts';
import { UnitExportQuery } from '../schemas.ts';
import { CSV_COLUMNS, exportUnitsCsv, importUnitsCsv, rowErrorsCsv, rowErrorsOf, type RowError } from '../services/csv.ts';
import { IMPORT_LIMIT_BYTES, attachment, csvFileName } from '../routes.ts';
import { BASE, crumbs } from './common.ts';

const importCrumbs = crumbs({ label: '政府机构', href: `${BASE}/units` }, { label: '导入' });

/** UTF-8 (with or without BOM); otherwise GB18030, what Excel on Chinese Windows writes by default. */
export function decodeCsv(buf: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return new TextDecoder('gb18030').decode(buf);
  }
}

function templateCsv(): string {
  return stringify(
    [['河南省示例局', '示例局', UNIT_TYPE_LABELS.department, '410000', '河南省人民政府', '', '正常']],
    { bom: true, header: true, columns: Object.values(CSV_COLUMNS), record_delimiter: 'windows' },
  );
}

function uploadForm(req: FastifyRequest, pasted: string): ReturnType<typeof form> {
  return form({
    action: `${BASE}/units/import`,
    csrf: req.csrfToken,
    multipart: true,
    label: '上传 CSV 文件',
    body: html`${field({ name: 'file', label: 'CSV 文件 (不超过 5 MB)', type: 'file', accept: '.csv,text/csv', hint: 'UTF-8 或 Excel 默认的 GBK/GB18030 编码均可' })}
      ${textarea({ name: 'csv_text', label: '或直接粘贴 CSV 内容', value: pasted, rows: 6 })}
      <div class="actions">${button('导入')} <a href="${BASE}/units">取消</a></div>`,
  });
}

function renderImport(req: FastifyRequest, reply: FastifyReply, state: { errors?: RowError[]; message?: string; pasted?: string; status?: number }): FastifyReply {
  const errors = state.errors ?? [];
  return reply.page({
    title: '导入政府机构',
    breadcrumbs: importCrumbs,
    status: state.status,
    body: html`
      ${state.message ? html`<div class="error-summary" role="alert" tabindex="-1"><h2>未导入任何数据</h2><p>${state.message}</p></div>` : ''}
      ${errors.length > 0
        ? html`<section aria-labelledby="errors-h"><h2 id="errors-h">逐行问题</h2>
            ${table({
              caption: `共 ${errors.length} 处问题 (行号与 Excel 中一致, 第 1 行为表头)`,
              rows: errors,
              columns: [
                { header: '行号', cell: (e: RowError) => e.row, className: 'num' },
                { header: '列', cell: (e: RowError) => e.column || '—' },
                { header: '问题', cell: (e: RowError) => e.message },
              ],
            })}
            ${form({
              action: `${BASE}/units/import/errors.csv`,
              csrf: req.csrfToken,
              label: '下载问题清单',
              body: html`<input type="hidden" name="errors" value="${JSON.stringify(errors.slice(0, 2000))}">${button('下载问题清单 (CSV)', { kind: 'secondary' })}`,
            })}
          </section>`
        : ''}
      <section aria-labelledby="how-h"><h2 id="how-h">文件格式</h2>
        <p>第 1 行为表头, 列名: ${Object.values(CSV_COLUMNS).join('、')}。其中单位名称、单位类型、行政区划代码必填; 上级单位填名称 (在本区划或上级区划中查找) 或单位标识。</p>
        <p>有统一社会信用代码的行按代码更新已有单位, 否则按“名称 + 行政区划”更新, 找不到则新增。任何一行有误时不导入任何数据。</p>
        <p><a href="${BASE}/units/template.csv">下载模板</a> · <a href="${BASE}/units/export.csv">导出现有单位</a> (可修改后重新导入)</p>
      </section>
      <section aria-labelledby="upload-h"><h2 id="upload-h">上传</h2>${uploadForm(req, state.pasted ?? '')}</section>`,
  });
}

interface Upload {
  csrf: string;
  text: string;
  fileName?: string;
}

async function readUpload(req: FastifyRequest): Promise<Upload> {
  const upload: Upload = { csrf: '', text: '' };
  let pasted = '';
  let fileText = '';
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (!upload.csrf || !safeEqual(upload.csrf, req.csrfToken)) throw csrfError();
        const buf = await part.toBuffer();
        if (part.fieldname === 'file' && buf.length > 0) {
          fileText = decodeCsv(buf);
          upload.fileName = part.filename;
        }
      } else {
        if (part.valueTruncated) throw tooLarge();
        const value = typeof part.value === 'string' ? part.value : '';
        if (part.fieldname === '_csrf') upload.csrf = value;
        else if (part.fieldname === 'csv_text') pasted = value;
      }
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') throw tooLarge();
    throw err;
  }
  if (!upload.csrf || !safeEqual(upload.csrf, req.csrfToken)) throw csrfError();
  upload.text = fileText || pasted;
  return upload;
}

const csrfError = () => new AppError({ code: 'csrf_invalid', status: 403, message: '表单已过期或来源无法验证, 请刷新页面后重试。' });
const tooLarge = () => new AppError({ code: 'payload_too_large', status: 413, message: '文件超过 5 MB, 请分批导入。' });

function parseErrorList(value: unknown): RowError[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : '[]');
  } catch {
    parsed = [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed
    .slice(0, 2000)
    .filter((e): e is RowError => !!e && typeof e === 'object' && Number.isInteger((e as RowError).row) && typeof (e as RowError).column === 'string' && typeof (e as RowError).message === 'string')
    .map((e) => ({ row: e.row, column: e.column.slice(0, 50), message: e.message.slice(0, 1000) }));
}

export async function registerCsvPages(app: FastifyInstance, services: PlatformServices): Promise<void> {
  app.get(`${BASE}/units/export.csv`, { config: { scope: SCOPES.unitRead } }, async (req, reply) => {
    const filter = parseInput(UnitExportQuery, req.query);
    const csv = await exportUnitsCsv(req.ctx, filter);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', attachment(csvFileName('政府机构', services.clock.now()), 'units.csv'))
      .header('cache-control', 'no-store')
      .send(csv);
  });

  app.get(`${BASE}/units/template.csv`, { config: { scope: SCOPES.unitWrite } }, async (_req, reply) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', attachment('政府机构导入模板.csv', 'units-template.csv')).send(templateCsv()),
  );

  app.get(`${BASE}/units/import`, { config: { scope: SCOPES.unitWrite } }, async (req, reply) => renderImport(req, reply, {}));

  app.post(`${BASE}/units/import/errors.csv`, { config: { scope: SCOPES.unitWrite }, bodyLimit: IMPORT_LIMIT_BYTES }, async (req, reply) => {
    const errors = parseErrorList((req.body as Record<string, unknown> | undefined)?.errors);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', attachment('导入问题清单.csv', 'import-errors.csv'))
      .header('cache-control', 'no-store')
      .send(rowErrorsCsv(errors));
  });

  await app.register(async (plugin) => {
    await plugin.register(multipart, { limits: { fileSize: IMPORT_LIMIT_BYTES, fieldSize: IMPORT_LIMIT_BYTES, files: 1, fields: 5, parts: 6 } });
    plugin.post(`${BASE}/units/import`, { config: { scope: SCOPES.unitWrite, csrfExempt: true } }, async (req, reply) => {
      if (!req.isMultipart()) throw new AppError({ code: 'unsupported_media_type', status: 415, message: '请通过页面上的表单上传文件。' });
      const upload = await readUpload(req);
      if (upload.text.trim() === '') return renderImport(req, reply, { message: '请选择要上传的 CSV 文件, 或粘贴 CSV 内容。', status: 400 });
      try {
        const result = await importUnitsCsv(req.ctx, { text: upload.text, fileName: upload.fileName });
        services.nudgeDispatcher();
        return reply.flashRedirect(`${BASE}/units`, {
          kind: 'success',
          text: `导入完成: 共 ${result.rows} 行, 新增 ${result.created} 个, 更新 ${result.updated} 个, 未变化 ${result.unchanged} 个。`,
        });
      } catch (err) {
        if (!isAppError(err) || err.status >= 500 || err.status === 403) throw err;
        const pasted = upload.fileName ? '' : upload.text.slice(0, 200_000);
        if (err.code === 'import_invalid') return renderImport(req, reply, { errors: rowErrorsOf(err), message: err.message, pasted, status: 422 });
        return renderImport(req, reply, { message: err.message, pasted, status: err.status });
      }
    });
  });
}
