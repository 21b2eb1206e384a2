/**
 * Upload, download and preview of attachments. Uploads are multipart (`@fastify/multipart`,
 * registered in this plugin's own context): the file is streamed to disk while hashed and
 * sniffed, then checked against the owner type's policy. Downloads go only to those the owner's
 * policy admits; anyone else gets the same 404 as for a missing file (and an audit record).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fsp from 'node:fs/promises';
import type { App } from '../http/app.ts';
import { AppError, isAppError } from '../errors.ts';
import { parseInput } from '../http/validation.ts';
import { safeEqual } from '../crypto/index.ts';
import { inTransaction } from '../transaction.ts';
import { audit } from '../audit/chain.ts';
import { FILE_TYPES } from './detect.ts';
import type { StagedBlob } from './store.ts';
import {
  assertMayAttach, attachmentHidden, listAttachments, readableAttachment, recordStaged, type AttachmentView, type FilesRuntime,
} from './service.ts';

const tags = ['files'];
const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const IdParams = Type.Object({ id: Type.String({ title: '附件标识', pattern: UUID_PATTERN }) });
const OwnerType = Type.String({ title: '归属类型', description: '登记了附件策略的对象类型, 如 workflow.case', pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$', maxLength: 64 });
const OwnerId = Type.String({ title: '归属对象标识', minLength: 1, maxLength: 100 });
const UploadFields = Type.Object({
  ownerType: OwnerType,
  ownerId: OwnerId,
  back: Type.Optional(Type.String({ title: '返回页面', maxLength: 500 })),
}, { additionalProperties: false });
const OwnerQuery = Type.Object({ ownerType: OwnerType, ownerId: OwnerId });

export const AttachmentSchema = Type.Object({
  id: Type.String({ title: '附件标识' }),
  sm3: Type.String({ title: '内容的 SM3 摘要 (十六进制)' }),
  size: Type.Integer({ title: '大小 (字节)' }),
  detectedType: Type.String({ title: '按内容检测的类型', description: Object.keys(FILE_TYPES).join(' / ') }),
  typeLabel: Type.String({ title: '类型名称' }),
  mediaType: Type.String({ title: '媒体类型' }),
  originalName: Type.String({ title: '原文件名 (已清理)' }),
  ownerType: Type.String({ title: '归属类型' }),
  ownerId: Type.String({ title: '归属对象标识' }),
  uploadedBy: Type.Union([Type.String(), Type.Null()], { title: '上传人账号' }),
  uploadedAt: Type.String({ title: '上传时间', format: 'date-time' }),
  downloadUrl: Type.String({ title: '下载地址' }),
  previewUrl: Type.Union([Type.String(), Type.Null()], { title: '预览地址 (PDF 与图片)' }),
});

/** RFC 6266 / 5987: an ASCII fallback and the UTF-8 name. */
export function contentDisposition(kind: 'attachment' | 'inline', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

const safeBack = (back: string | undefined): string => (back && back.startsWith('/') && !back.startsWith('//') && !back.includes('\\') ? back : '/');

const csrfRefused = () => new AppError({ code: 'csrf_invalid', status: 403, message: '表单已过期或来源无法验证, 请刷新页面后重试。' });

interface ParsedUpload {
  fields: Record<string, string>;
  staged: StagedBlob | null;
  fileName: string;
}

/**
 * Reads the multipart body: the text fields and one file, streamed to a staging file. The CSRF
 * token (header, or the `_csrf` field of a form) is checked here, as the global check runs before
 * a multipart body is read. Bearer (API key) calls need none.
 */
async function readUpload(req: FastifyRequest, rt: FilesRuntime): Promise<ParsedUpload> {
  if (!req.isMultipart()) throw new AppError({ code: 'unsupported_media_type', status: 415, message: '请以 multipart/form-data 格式上传文件。' });
  const bearer = req.headers.authorization?.startsWith('Bearer ') ?? false;
  const header = req.headers['x-csrf-token'];
  if (!bearer && typeof header === 'string' && !safeEqual(header, req.csrfToken)) throw csrfRefused();
  const out: ParsedUpload = { fields: {}, staged: null, fileName: '' };
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (out.staged) throw new AppError({ code: 'files_one_file', status: 400, message: '一次只能上传一个文件。' });
        out.staged = await rt.store.stage(part.file, rt.policies.largestLimit());
        if (part.file.truncated) out.staged.tooLarge = true;
        out.fileName = part.filename;
      } else if (part.valueTruncated) {
        throw new AppError({ code: 'files_field_too_large', status: 400, message: `表单字段「${part.fieldname}」过长。` });
      } else if (typeof part.value === 'string') {
        out.fields[part.fieldname] = part.value;
      }
    }
  } catch (err) {
    if (out.staged) await rt.store.discard(out.staged);
    const code = (err as { code?: string }).code;
    if (code === 'FST_FILES_LIMIT') throw new AppError({ code: 'files_one_file', status: 400, message: '一次只能上传一个文件。' });
    if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') throw new AppError({ code: 'files_too_many_fields', status: 400, message: '表单字段过多。' });
    throw err;
  }
  if (!bearer && typeof header !== 'string' && !(out.fields._csrf && safeEqual(out.fields._csrf, req.csrfToken))) {
    if (out.staged) await rt.store.discard(out.staged);
    throw csrfRefused();
  }
  return out;
}

/** Checks and records an upload; the staging file is gone afterwards whatever happens. */
async function acceptUpload(req: FastifyRequest, rt: FilesRuntime, upload: ParsedUpload): Promise<AttachmentView> {
  try {
    const { ownerType, ownerId } = parseInput(UploadFields, upload.fields);
    if (!upload.staged || (upload.staged.size === 0 && upload.fileName === '')) {
      throw new AppError({ code: 'files_no_file', status: 400, message: '请选择要上传的文件。', fields: [{ field: 'file', message: '请选择要上传的文件' }] });
    }
    await assertMayAttach(req.ctx, rt, { ownerType, ownerId });
    return await recordStaged(req.ctx, rt, { staged: upload.staged, ownerType, ownerId, name: upload.fileName });
  } finally {
    if (upload.staged) await rt.store.discard(upload.staged);
  }
}

/** Looks the attachment up for the actor; refusal and absence look the same. */
async function attachmentFor(req: FastifyRequest, reply: FastifyReply, rt: FilesRuntime, purpose: 'download' | 'preview' | 'metadata'): Promise<AttachmentView | null> {
  const a = await readableAttachment(req.ctx, rt, { id: (req.params as { id: string }).id, purpose });
  if (a) return a;
  if (req.ctx.actor.kind === 'anonymous') {
    // Anonymous: ask to log in, for existing and missing files alike (reveals nothing).
    if (purpose !== 'metadata' && (req.headers.accept ?? '').includes('text/html')) {
      void reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      return null;
    }
    throw new AppError({ code: 'unauthenticated', status: 401, message: '请先登录。' });
  }
  throw attachmentHidden();
}

async function sendBlob(req: FastifyRequest, reply: FastifyReply, rt: FilesRuntime, a: AttachmentView, mode: 'attachment' | 'inline'): Promise<FastifyReply> {
  try {
    await fsp.access(rt.store.blobPath(a.sm3));
  } catch {
    req.log.error({ attachment: a.id, sm3: a.sm3 }, 'attachment blob missing on disk');
    throw new AppError({ code: 'files_blob_missing', status: 500, message: `文件内容缺失, 请联系管理员 (请求编号 ${req.id})。` });
  }
  await inTransaction(req.ctx, async (tctx) => {
    audit(tctx, { action: `files.attachment.${mode === 'inline' ? 'preview' : 'download'}`, targetType: 'files.attachment', targetId: a.id, targetLabel: a.originalName, details: { ownerType: a.ownerType, ownerId: a.ownerId } });
  });
  const csp = mode === 'inline'
    ? "default-src 'none'; img-src 'self'; object-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox"
    : "default-src 'none'; frame-ancestors 'none'; sandbox";
  return reply
    .header('content-type', a.mediaType)
    .header('content-length', String(a.size))
    .header('content-disposition', contentDisposition(mode, a.originalName))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', csp)
    .header('x-frame-options', mode === 'inline' ? 'SAMEORIGIN' : 'DENY')
    .header('cache-control', 'private, no-store')
    .header('etag', `"sm3-${a.sm3}"`)
    .send(rt.store.open(a.sm3));
}

export async function registerFilesRoutes(app: App, rt: FilesRuntime): Promise<void> {
  await app.register(async (child) => {
    await child.register(multipart, {
      // Per-owner limits are checked after the owner is known; this is the ceiling.
      limits: { fileSize: rt.policies.largestLimit(), files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25, headerPairs: 100 },
      throwFileSizeLimit: false,
    });
    const r = child.withTypeProvider<TypeBoxTypeProvider>();

    r.post('/api/files', {
      config: { scope: 'authenticated', csrfExempt: true },
      schema: {
        summary: '上传附件',
        description: 'multipart/form-data, 字段: ownerType 归属类型, ownerId 归属对象标识, 以及一个文件。类型按文件内容判断 (不看文件名与声明的类型), 大小与允许的类型由归属类型的策略决定 (默认 20 MB; PDF、图片、docx、xlsx、OFD、纯文本)。会话调用须带 x-csrf-token 请求头或 _csrf 字段。',
        tags,
        consumes: ['multipart/form-data'],
        response: { 201: AttachmentSchema },
      },
    }, async (req, reply) => {
      const upload = await readUpload(req, rt);
      return reply.status(201).send(await acceptUpload(req, rt, upload));
    });

    // The same for a plain HTML form (no JavaScript): back to the page with a message.
    r.post('/files/upload', { config: { scope: 'authenticated', csrfExempt: true } }, async (req, reply) => {
      const upload = await readUpload(req, rt);
      const back = safeBack(upload.fields.back);
      try {
        const a = await acceptUpload(req, rt, upload);
        return reply.flashRedirect(back, { kind: 'success', text: `已上传「${a.originalName}」(${a.typeLabel})。` });
      } catch (err) {
        if (isAppError(err) && [400, 413, 415].includes(err.status)) return reply.flashRedirect(back, { kind: 'error', text: err.message });
        throw err;
      }
    });
  });

  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/api/files', {
    config: { scope: 'authenticated' },
    schema: { summary: '某对象的附件', tags, querystring: OwnerQuery, response: { 200: Type.Object({ items: Type.Array(AttachmentSchema, { title: '附件' }) }) } },
  }, async (req) => ({ items: await listAttachments(req.ctx, { ownerType: req.query.ownerType, ownerId: req.query.ownerId }) }));

  r.get('/api/files/:id', {
    config: { scope: 'authenticated' },
    schema: { summary: '附件信息', tags, params: IdParams, response: { 200: AttachmentSchema } },
  }, async (req, reply) => {
    const a = await attachmentFor(req, reply, rt, 'metadata');
    if (!a) throw attachmentHidden();
    return a;
  });

  r.get('/files/:id', { config: { scope: 'public' }, schema: { params: IdParams } }, async (req, reply) => {
    const a = await attachmentFor(req, reply, rt, 'download');
    if (!a) return reply;
    return sendBlob(req, reply, rt, a, 'attachment');
  });

  r.get('/files/:id/preview', { config: { scope: 'public' }, schema: { params: IdParams } }, async (req, reply) => {
    const a = await attachmentFor(req, reply, rt, 'preview');
    if (!a) return reply;
    if (!a.previewUrl) throw new AppError({ code: 'files_preview_unsupported', status: 415, message: `「${a.typeLabel}」不支持在线预览, 请下载后查看。` });
    return sendBlob(req, reply, rt, a, 'inline');
  });
}
