/**
 * The printable rendering (/workbench/documents/:id/print): a page of its own, only the document
 * in GB/T 9704 layout on A4 with the print stylesheet of this module (no workbench shell, no inline
 * style or script), and a toolbar that is not printed. Also serves the module's stylesheet.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { AppError } from '../../../platform/errors.ts';
import { SCOPES } from '../model.ts';
import { IdParams } from '../schemas.ts';
import { getDocument } from '../services/queries.ts';
import { gbDocument } from './render.ts';
import { BASE } from './common.ts';
import { DOCUMENT_CSS } from './document.ts';

const ASSETS_DIR = path.resolve(import.meta.dirname, '../assets');

export function registerPrintPages(app: FastifyInstance): void {
  // Assets are code, read once at boot.
  const assets = new Map<string, Buffer>();
  for (const f of fs.readdirSync(ASSETS_DIR)) if (f.endsWith('.css')) assets.set(f, fs.readFileSync(path.join(ASSETS_DIR, f)));
  app.get('/documents/assets/:file', { config: { scope: 'public' } }, async (req, reply) => {
    const body = assets.get((req.params as { file: string }).file);
    if (!body) throw new AppError({ code: 'not_found', status: 404, message: '文件不存在。' });
    return reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(body);
  });

  app.get(`${BASE}/:id/print`, { config: { scope: SCOPES.read }, schema: { params: IdParams } }, async (req, reply) => {
    const d = await getDocument(req.ctx, { id: (req.params as { id: string }).id });
    const page = html`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${d.docNumber ?? '未编号'} ${d.title}${d.isDemo ? ' (演示)' : ''} - 打印稿</title>
<link rel="stylesheet" href="${DOCUMENT_CSS}">
</head>
<body class="gb-print">
<nav class="gb-toolbar" aria-label="打印稿操作"><a href="${BASE}/${d.id}">返回公文页面</a><span>纸张 A4, 请使用浏览器的打印功能 (Ctrl+P) 打印或另存为 PDF。</span>${d.isDemo ? html`<strong>演示数据, 不具有效力</strong>` : ''}</nav>
<main>
${gbDocument(d, { idSuffix: d.id, titleLevel: 1 })}
</main>
</body>
</html>`;
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page.toString());
  });
}
