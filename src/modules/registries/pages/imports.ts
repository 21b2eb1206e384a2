/**
 * Import pages: upload a CSV/XLSX for the population or the legal-entity registry; the kernel's
 * import service stores the file, runs the job in the background and shows its progress page.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { html } from '../../../platform/ui/html.ts';
import { button, form } from '../../../platform/ui/components.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { IMPORTS_BASE, importJobsTable, listImportJobs, receiveImportUpload, startImportInBackground, type ImportDefinition } from '../../../platform/imports/index.ts';
import { ENTITY_IMPORT, PERSON_IMPORT } from '../services/importers.ts';
import { actorUnit } from '../services/access.ts';
import { BASE, crumbs, input } from './common.ts';

/** Web uploads up to 512 MB; larger files through the CLI (npx egov registries import …). */
export const UPLOAD_LIMIT_BYTES = 512 * 1024 * 1024;

const KINDS = { persons: PERSON_IMPORT, entities: ENTITY_IMPORT } as unknown as Record<'persons' | 'entities', ImportDefinition<unknown>>;

async function page(req: FastifyRequest, kind: 'persons' | 'entities') {
  const def = KINDS[kind];
  const jobs = await listImportJobs(req.ctx, { kinds: [def.kind], limit: 20 });
  return {
    title: def.label,
    breadcrumbs: crumbs({ label: def.label }),
    body: html`<p>上传 CSV (UTF-8 或 Excel 默认的 GB18030 编码) 或 XLSX (第一个工作表)。第 1 行为表头, 列名:
        ${def.columns.map((c) => c.header).join('、')} (带 * 为必填: ${def.columns.filter((c) => c.required).map((c) => c.header).join('、')})。</p>
      <p class="muted">按主键 (${kind === 'persons' ? '公民身份号码' : '统一社会信用代码'}) 新增或更新, 重复导入同一文件不会改变数据。每 ${def.batchSize ?? 5000} 行一批、一个事务: 批内任何一行有误则整批不写入, 所有问题行都列在问题清单中。中断后可从最后写入的批次继续。
      ${kind === 'entities' ? '未通过 GB 32100 校验的存量代码照常导入并标记, 列入数据质量问题。' : '出生日期和性别须与身份号码一致; 户籍地区划须在组织目录中。'}</p>
      ${form({
        action: `${BASE}/imports/${kind}`,
        csrf: req.csrfToken,
        multipart: true,
        label: '上传文件',
        body: html`${input({ id: 'imp-file', name: 'file', label: '文件 (CSV 或 XLSX, 网页上传不超过 512 MB)', type: 'file', required: true })}
          ${input({ id: 'imp-source', name: 'sourceName', label: '来源部门名称 (默认为您所在单位)', maxLength: 100 })}
          <div class="actions">${button('开始导入')}</div>`,
      })}
      ${importJobsTable(jobs)}
      <p class="muted">命令行导入大文件: <code>npx egov registries import ${kind} 文件.csv</code> (显示进度条)。</p>`,
  };
}

export async function registerImportPages(app: FastifyInstance, services: PlatformServices): Promise<void> {
  for (const kind of ['persons', 'entities'] as const) {
    const def = KINDS[kind];
    app.get(`${BASE}/imports/${kind}`, { config: { scope: def.scope } }, async (req, reply) => reply.page(await page(req, kind)));
  }
  await app.register(async (plugin) => {
    await plugin.register(multipart, { limits: { fileSize: UPLOAD_LIMIT_BYTES, fieldSize: 10_000, files: 1, fields: 5, parts: 6 } });
    for (const kind of ['persons', 'entities'] as const) {
      const def = KINDS[kind];
      plugin.post(`${BASE}/imports/${kind}`, { config: { scope: def.scope, csrfExempt: true } }, async (req, reply) => {
        const unit = actorUnit(req.ctx, def.scope);
        const { job } = await receiveImportUpload(req, services, def, { options: (f) => ({ sourceUnitId: unit.unitId, sourceName: (f.sourceName ?? '').trim().slice(0, 100) || unit.unitName || req.ctx.actor.name }) });
        if (!job) return reply.flashRedirect(`${BASE}/imports/${kind}`, { kind: 'error', text: '请选择要上传的文件。' });
        void startImportInBackground(services, def, job);
        return reply.redirect(`${IMPORTS_BASE}/${job.id}`, 303);
      });
    }
  });
}
