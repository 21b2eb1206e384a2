/**
 * Attachments: a blob stored by its SM3 digest plus a metadata row (`files.attachments`) inserted
 * in the caller's transaction. Who may see or add an owner's attachments is the owner module's
 * policy; a refusal looks exactly like a missing file (404) and is audited.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Ctx } from '../context.ts';
import { AppError, badRequest } from '../errors.ts';
import { newId } from '../ids.ts';
import { queryOne, queryRows, sql } from '../db/index.ts';
import { audit } from '../audit/chain.ts';
import { inTransaction } from '../transaction.ts';
import type { PlatformServices } from '../module.ts';
import { FILE_TYPES, type DetectedType } from './detect.ts';
import { BlobStore, type StagedBlob } from './store.ts';
import type { AttachmentPolicies, ResolvedPolicy } from './policy.ts';

export interface FilesRuntime {
  store: BlobStore;
  policies: AttachmentPolicies;
}

let current: FilesRuntime | null = null;

/** Bound once at boot (filesModule.registerRoutes): wiring from configuration, not state. */
export function bindFilesRuntime(services: PlatformServices): FilesRuntime {
  current = { store: new BlobStore(path.join(services.config.dataDir, 'files')), policies: services.attachmentPolicies };
  return current;
}

export function filesRuntime(): FilesRuntime {
  if (!current) throw new Error('files is not part of this deployment: add filesModule to the modules list');
  return current;
}

export interface AttachmentView {
  id: string;
  sm3: string;
  size: number;
  detectedType: DetectedType;
  /** Chinese name of the detected type. */
  typeLabel: string;
  mediaType: string;
  originalName: string;
  ownerType: string;
  ownerId: string;
  uploadedBy: string | null;
  uploadedAt: string;
  downloadUrl: string;
  /** Present for PDF and images. */
  previewUrl: string | null;
}

interface AttachmentRow {
  id: string;
  sm3: string;
  size: string | number;
  detected_type: DetectedType;
  original_name: string;
  owner_type: string;
  owner_id: string;
  uploaded_by: string | null;
  uploaded_at: Date | string;
}

export function toView(r: AttachmentRow): AttachmentView {
  const info = FILE_TYPES[r.detected_type] ?? FILE_TYPES.unknown;
  return {
    id: r.id,
    sm3: r.sm3,
    size: Number(r.size),
    detectedType: r.detected_type,
    typeLabel: info.label,
    mediaType: info.mediaType,
    originalName: r.original_name,
    ownerType: r.owner_type,
    ownerId: r.owner_id,
    uploadedBy: r.uploaded_by,
    uploadedAt: new Date(r.uploaded_at).toISOString(),
    downloadUrl: `/files/${r.id}`,
    previewUrl: info.previewable ? `/files/${r.id}/preview` : null,
  };
}

/** A file name fit to show and to send back: no path, no control or direction-override characters. */
export function sanitizeFileName(name: string): string {
  let n = (name ?? '').normalize('NFC');
  n = n.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  n = n.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '');
  n = n.replace(/[<>:"|?*]/g, '_').trim().replace(/^\.+/, '').trim();
  const chars = Array.from(n);
  if (chars.length > 200) {
    const ext = Array.from(path.extname(n)).slice(0, 16);
    n = [...chars.slice(0, 200 - ext.length), ...ext].join('');
  }
  return n || '未命名文件';
}

export const formatBytes = (n: number): string =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KB` : `${n} 字节`;

export function policyFor(rt: FilesRuntime, ownerType: string): ResolvedPolicy {
  const policy = rt.policies.get(ownerType);
  if (!policy) throw badRequest('files_unknown_owner_type', `未知的附件归属类型「${ownerType}」`, [{ field: 'ownerType', message: `未知的附件归属类型「${ownerType}」` }]);
  return policy;
}

const hidden = () => new AppError({ code: 'not_found', status: 404, message: '文件不存在或您无权查看。' });

async function auditDenied(ctx: Ctx, action: string, target: { type: string; id: string }, details: Record<string, unknown>): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    audit(tctx, { action, targetType: target.type, targetId: target.id, result: 'denied', details });
  });
}

/** Refuses content the owner type does not accept (size, type by content). */
export function checkContent(staged: StagedBlob, policy: ResolvedPolicy): void {
  if (staged.tooLarge || staged.size > policy.maxBytes) {
    throw new AppError({ code: 'file_too_large', status: 413, message: `文件超过大小限制 (最大 ${formatBytes(policy.maxBytes)})。` });
  }
  if (staged.size === 0) throw badRequest('file_empty', '文件为空, 请重新选择。', [{ field: 'file', message: '文件为空' }]);
  if (!policy.allowedTypes.includes(staged.type)) {
    const allowed = policy.allowedTypes.map((t) => FILE_TYPES[t].label).join('、');
    throw new AppError({
      code: 'file_type_not_allowed',
      status: 415,
      message: `文件内容经检测为「${FILE_TYPES[staged.type].label}」, 不在允许上传的类型之内 (允许: ${allowed})。文件类型按内容判断, 与文件名无关。`,
      fields: [{ field: 'file', message: `不允许上传${FILE_TYPES[staged.type].label}` }],
    });
  }
}

/**
 * Records a staged blob as an attachment of (ownerType, ownerId): checks size and type, moves the
 * blob into place, inserts the row in the caller's transaction (or a new one). Does not check who
 * may attach: the upload route asks the policy first; module code decides for itself.
 */
export async function recordStaged(ctx: Ctx, rt: FilesRuntime, input: { staged: StagedBlob; ownerType: string; ownerId: string; name: string }): Promise<AttachmentView> {
  const policy = policyFor(rt, input.ownerType);
  checkContent(input.staged, policy);
  if (input.ownerId.length < 1 || input.ownerId.length > 100) throw badRequest('files_bad_owner', '附件归属对象标识不正确', [{ field: 'ownerId', message: '附件归属对象标识不正确' }]);
  await rt.store.commit(input.staged);
  // The blob is in place before the row commits; a rollback leaves an orphan blob for sweepOrphanBlobs().
  return inTransaction(ctx, async (tctx) => {
    const row: AttachmentRow = {
      id: newId(),
      sm3: input.staged.sm3,
      size: input.staged.size,
      detected_type: input.staged.type,
      original_name: sanitizeFileName(input.name),
      owner_type: input.ownerType,
      owner_id: input.ownerId,
      uploaded_by: tctx.actor.userId,
      uploaded_at: tctx.clock.now().toISOString(),
    };
    await tctx.db.execute(sql`
      INSERT INTO files.attachments (id, sm3, size, detected_type, original_name, owner_type, owner_id, uploaded_by, uploaded_at)
      VALUES (${row.id}, ${row.sm3}, ${row.size}, ${row.detected_type}, ${row.original_name}, ${row.owner_type}, ${row.owner_id}, ${row.uploaded_by}, ${row.uploaded_at})`);
    audit(tctx, {
      action: 'files.attachment.upload',
      targetType: 'files.attachment',
      targetId: row.id,
      targetLabel: row.original_name,
      details: { ownerType: row.owner_type, ownerId: row.owner_id, sm3: row.sm3, size: Number(row.size), type: row.detected_type },
    });
    return toView(row);
  });
}

/**
 * Stores content as an attachment from module code (a generated PDF, a received document), in the
 * caller's transaction when there is one. Size and type limits of the owner type apply.
 */
export async function storeAttachment(ctx: Ctx, input: { ownerType: string; ownerId: string; name: string; content: Buffer | Readable }): Promise<AttachmentView> {
  const rt = filesRuntime();
  const policy = policyFor(rt, input.ownerType);
  const staged = await rt.store.stage(input.content, policy.maxBytes);
  try {
    return await recordStaged(ctx, rt, { staged, ownerType: input.ownerType, ownerId: input.ownerId, name: input.name });
  } finally {
    await rt.store.discard(staged);
  }
}

/** The attachment row, without any access check (module code that already decided). */
export async function getAttachment(ctx: Ctx, input: { id: string }): Promise<AttachmentView | null> {
  if (!/^[0-9a-f-]{36}$/i.test(input.id)) return null;
  const row = await queryOne<AttachmentRow>(ctx.db, sql`SELECT * FROM files.attachments WHERE id = ${input.id}`);
  return row ? toView(row) : null;
}

/**
 * The attachment if the actor may see its owner; otherwise (or when it does not exist) null, with
 * an audit record of the refusal when it does exist.
 */
export async function readableAttachment(ctx: Ctx, rt: FilesRuntime, input: { id: string; purpose: 'download' | 'preview' | 'metadata' }): Promise<AttachmentView | null> {
  const a = await getAttachment(ctx, { id: input.id });
  if (!a) return null;
  const policy = rt.policies.get(a.ownerType);
  const allowed = policy ? await policy.canRead(ctx, a.ownerId) : false;
  if (!allowed) {
    await auditDenied(ctx, `files.attachment.${input.purpose}`, { type: 'files.attachment', id: a.id }, { ownerType: a.ownerType, ownerId: a.ownerId });
    return null;
  }
  return a;
}

/** May the actor attach to this owner? A refusal is audited and reported as "not found". */
export async function assertMayAttach(ctx: Ctx, rt: FilesRuntime, input: { ownerType: string; ownerId: string }): Promise<void> {
  const policy = policyFor(rt, input.ownerType);
  if (await policy.canAttach(ctx, input.ownerId)) return;
  await auditDenied(ctx, 'files.attachment.upload', { type: input.ownerType, id: input.ownerId }, {});
  throw new AppError({ code: 'files_owner_not_found', status: 404, message: '要添加附件的对象不存在或您无权操作。' });
}

/** Attachments of an owner the actor may see, oldest first; 404 when the owner is not visible. */
export async function listAttachments(ctx: Ctx, input: { ownerType: string; ownerId: string }): Promise<AttachmentView[]> {
  const rt = filesRuntime();
  const policy = policyFor(rt, input.ownerType);
  if (!(await policy.canRead(ctx, input.ownerId))) {
    await auditDenied(ctx, 'files.attachment.list', { type: input.ownerType, id: input.ownerId }, {});
    throw hidden();
  }
  return listAttachmentsUnchecked(ctx, input);
}

/** Attachments of an owner, without an access check (module code that already decided). */
export async function listAttachmentsUnchecked(ctx: Ctx, input: { ownerType: string; ownerId: string }): Promise<AttachmentView[]> {
  const rows = await queryRows<AttachmentRow>(
    ctx.db,
    sql`SELECT * FROM files.attachments WHERE owner_type = ${input.ownerType} AND owner_id = ${input.ownerId} ORDER BY uploaded_at, id`,
  );
  return rows.map(toView);
}

/**
 * Removes stored blobs no attachment refers to (uploads whose transaction rolled back) once they
 * are older than `graceMs` (default one hour, longer than any upload transaction), and stale
 * temporary files. Safe to run from several processes.
 */
export async function sweepOrphanBlobs(ctx: Ctx, input: { graceMs?: number } = {}): Promise<{ removed: string[]; kept: number }> {
  const rt = filesRuntime();
  const result = await rt.store.sweep(async (sm3s) => {
    const rows = await queryRows<{ sm3: string }>(ctx.db, sql`SELECT DISTINCT sm3 FROM files.attachments WHERE sm3 = ANY(${`{${sm3s.join(',')}}`}::text[])`);
    return new Set(rows.map((r) => r.sm3));
  }, input.graceMs ?? 3_600_000);
  if (result.removed.length > 0) ctx.log.info({ removed: result.removed.length }, 'orphan attachment blobs removed');
  return result;
}

export { hidden as attachmentHidden };
