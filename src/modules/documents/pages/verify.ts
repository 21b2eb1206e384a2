/**
 * The public verification page (/verify/documents, 公文印章验证): anyone holding a document checks
 * its seal, either with the 发文字号 and the verification code printed on it (the platform checks
 * the stored document as it is now), or by uploading the exported file (its content is checked
 * against its seal and the seal against the platform's registry). Rate-limited per address.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { button, errorSummary, field, form } from '../../../platform/ui/components.ts';
import { formatChinaTime } from '../../../platform/ui/time.ts';
import { AppError, isAppError, type FieldProblem } from '../../../platform/errors.ts';
import { safeEqual } from '../../../platform/crypto/index.ts';
import { enforceRateLimit } from '../../../platform/http/rate-limit.ts';
import { verifyByCode, verifyExported, type VerificationResult } from '../services/verify.ts';
import { chineseDate } from '../services/format.ts';
import { VERIFY_RATE_LIMIT } from '../routes.ts';
import { errorMap, formValues } from './common.ts';

export const VERIFY_PATH = '/verify/documents';
const MAX_FILE_BYTES = 2 * 1024 * 1024;

function resultBox(r: VerificationResult): ReturnType<typeof html> {
  return html`<section aria-labelledby="result-h" class="verify-result">
    <h2 id="result-h">验证结果</h2>
    <p class="flash ${r.valid ? 'flash-success' : 'flash-error'}" role="${r.valid ? 'status' : 'alert'}"><strong>${r.valid ? '✔ ' : '✘ '}${r.message}</strong></p>
    ${r.problems.length ? html`<ul>${r.problems.map((p) => html`<li>${p}</li>`)}</ul>` : ''}
    ${r.document
      ? html`<dl class="facts">
        <dt>发文字号</dt><dd>${r.document.docNumber ?? '—'}</dd>
        <dt>标题</dt><dd>${r.document.title}</dd>
        <dt>发文机关</dt><dd>${r.document.sendingUnitName}</dd>
        <dt>成文日期</dt><dd>${r.document.writtenDate ? chineseDate(r.document.writtenDate) : '—'}</dd>
        ${r.seal ? html`<dt>印章</dt><dd>${r.seal.unitName}${r.seal.revokedAt ? ` (已于 ${formatChinaTime(r.seal.revokedAt).slice(0, 16)} 注销)` : ''}</dd>
          <dt>用印时间</dt><dd>${r.seal.sealedAt ? formatChinaTime(r.seal.sealedAt).slice(0, 16) : '—'}</dd>
          <dt>公钥指纹 (SM3)</dt><dd class="mono">${r.seal.fingerprint}</dd>` : ''}
        ${r.contentHash ? html`<dt>内容摘要 (现在)</dt><dd class="mono">${r.contentHash}</dd>` : ''}
        ${r.signedHash ? html`<dt>内容摘要 (盖章时)</dt><dd class="mono">${r.signedHash}</dd>` : ''}
      </dl>`
      : ''}
  </section>`;
}

function renderVerify(req: FastifyRequest, reply: FastifyReply, o: { result?: VerificationResult; values?: Record<string, string>; errors?: FieldProblem[]; fileError?: string; status?: number } = {}): FastifyReply {
  const v = o.values ?? {};
  const errors = o.errors ?? [];
  const errs = errorMap(errors);
  return reply.page({
    title: '公文电子印章验证',
    shell: 'public',
    status: o.status ?? 200,
    breadcrumbs: [{ label: '首页', href: '/' }, { label: '公文电子印章验证' }],
    body: html`<p>持有本平台印发公文的单位和个人, 可在此核验公文上的电子印章: 印章是否为本平台登记的单位印章, 公文内容自盖章后是否被改动。</p>
      ${o.result ? resultBox(o.result) : ''}
      ${errorSummary(errors)}
      <div class="cards">
        <section class="card" aria-labelledby="by-code-h"><h2 id="by-code-h">按发文字号和验证码</h2>
          ${form({
            action: VERIFY_PATH,
            csrf: req.csrfToken,
            label: '按发文字号和验证码验证',
            body: html`${field({ name: 'number', label: '发文字号', value: v.number, required: true, maxLength: 60, hint: '如 豫政〔2026〕12号 (方括号也可)', error: errs.number })}
              ${field({ name: 'code', label: '验证码', value: v.code, required: true, maxLength: 40, hint: '印在公文末尾, 16 位字母数字, 如 A1B2-C3D4-E5F6-0718', error: errs.code })}
              <div class="actions">${button('验证')}</div>`,
          })}
        </section>
        <section class="card" aria-labelledby="by-file-h"><h2 id="by-file-h">上传导出的公文文件</h2>
          ${o.fileError ? html`<p class="flash flash-error" role="alert">${o.fileError}</p>` : ''}
          ${form({
            action: `${VERIFY_PATH}/file`,
            csrf: req.csrfToken,
            multipart: true,
            label: '上传公文文件验证',
            body: html`${field({ name: 'file', label: '公文文件 (JSON)', type: 'file', accept: '.json,application/json', required: true, hint: '公文页面「导出公文文件」得到的 .json 文件, 不超过 2 MB' })}
              <div class="actions">${button('上传并验证')}</div>`,
          })}
        </section>
      </div>`,
  });
}

export async function registerVerifyPages(app: FastifyInstance): Promise<void> {
  const limited = (req: FastifyRequest) => enforceRateLimit(req.ctx, { key: `documents.verify:${req.ip}`, ...VERIFY_RATE_LIMIT }, '验证过于频繁, 请稍后再试。');

  app.get(VERIFY_PATH, { config: { scope: 'public' } }, async (req, reply) => renderVerify(req, reply));

  app.post(VERIFY_PATH, { config: { scope: 'public' } }, async (req, reply) => {
    const v = formValues(req.body);
    const errors: FieldProblem[] = [];
    if (!v.number?.trim()) errors.push({ field: 'number', message: '请填写「发文字号」' });
    if (!v.code?.trim()) errors.push({ field: 'code', message: '请填写「验证码」' });
    if ((v.number ?? '').length > 60) errors.push({ field: 'number', message: '「发文字号」不能超过 60 个字符' });
    if ((v.code ?? '').length > 40) errors.push({ field: 'code', message: '「验证码」不能超过 40 个字符' });
    if (errors.length) return renderVerify(req, reply, { values: v, errors, status: 400 });
    await limited(req);
    return renderVerify(req, reply, { values: v, result: await verifyByCode(req.ctx, { number: v.number, code: v.code }) });
  });

  // The upload: multipart is read after the global CSRF check, so the token is checked here (as files does).
  await app.register(async (child) => {
    await child.register(multipart, { limits: { fileSize: MAX_FILE_BYTES, files: 1, fields: 5, fieldSize: 1024, parts: 8 }, throwFileSizeLimit: false });
    child.post(`${VERIFY_PATH}/file`, { config: { scope: 'public', csrfExempt: true } }, async (req, reply) => {
      if (!req.isMultipart()) throw new AppError({ code: 'unsupported_media_type', status: 415, message: '请以表单上传文件。' });
      let csrf = '';
      let content: Buffer | null = null;
      let truncated = false;
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          content = await part.toBuffer().catch(() => null);
          truncated = part.file.truncated;
        } else if (part.fieldname === '_csrf' && typeof part.value === 'string') {
          csrf = part.value;
        }
      }
      const header = req.headers['x-csrf-token'];
      const sent = typeof header === 'string' ? header : csrf;
      if (!sent || !safeEqual(sent, req.csrfToken)) throw new AppError({ code: 'csrf_invalid', status: 403, message: '表单已过期或来源无法验证, 请刷新页面后重试。' });
      if (!content || content.length === 0) return renderVerify(req, reply, { fileError: '请选择要验证的公文文件。', status: 400 });
      if (truncated || content.length > MAX_FILE_BYTES) return renderVerify(req, reply, { fileError: '文件超过 2 MB, 不是本平台导出的公文文件。', status: 413 });
      await limited(req);
      let parsed: unknown;
      try {
        parsed = JSON.parse(content.toString('utf8'));
      } catch {
        return renderVerify(req, reply, { result: await verifyExported(req.ctx, null) });
      }
      try {
        return renderVerify(req, reply, { result: await verifyExported(req.ctx, parsed) });
      } catch (err) {
        if (isAppError(err) && err.status < 500) return renderVerify(req, reply, { fileError: err.message, status: err.status });
        throw err;
      }
    });
  });
}
