/**
 * Seal verification (印章验证) and export. A seal is valid when (1) SM3 of the document's canonical
 * content equals the hash that was signed, (2) the SM2 signature over that hash verifies with the
 * public key, and (3) that key is a seal registered on this platform for the sending unit and was
 * not revoked before the sealing. Any change to any element or attachment breaks (1); a forged
 * hash breaks (2); a self-made key breaks (3).
 *
 * Three ways in: a stored document (by id, or by 发文字号 + the verification code printed on it,
 * which anyone may use), and an exported file (JSON: the content and the seal), checked against
 * the seal registry without trusting the key or names it carries.
 */
import type { Ctx } from '../../../platform/context.ts';
import { notFound } from '../../../platform/errors.ts';
import { canonicalJson } from '../../../platform/audit/chain.ts';
import { queryOne, sql } from '../../../platform/db/index.ts';
import { sm3Hex } from '../../../platform/crypto/index.ts';
import { EXPORT_FORMAT, iso, isoOrNull, type DocumentRow, type SealRow } from '../model.ts';
import { DOC_COLUMNS, loadDocument, loadSealing, sealByFingerprint } from './store.ts';
import { currentContent, type CanonicalContent } from './canonical.ts';
import { verifyWithSeal } from './seals.ts';
import { canSeeDocument } from './access.ts';
import { normalizeDocNumber, normalizeVerificationCode } from './format.ts';

export type VerificationStatus = 'valid' | 'tampered' | 'bad_signature' | 'unknown_seal' | 'revoked' | 'not_sealed' | 'not_found' | 'malformed';

export interface VerificationResult {
  valid: boolean;
  status: VerificationStatus;
  /** One Chinese sentence for people. */
  message: string;
  /** Each check that failed, in Chinese. */
  problems: string[];
  document: { docNumber: string | null; title: string; sendingUnitName: string; writtenDate: string | null } | null;
  seal: { unitName: string; fingerprint: string; sealedAt: string | null; revokedAt: string | null } | null;
  /** SM3 of the content as presented now. */
  contentHash: string | null;
  /** The hash the seal signed. */
  signedHash: string | null;
}

export interface ExportedDocument {
  format: string;
  content: CanonicalContent;
  seal: {
    algorithm: string;
    contentHash: string;
    signature: string;
    keyFingerprint: string;
    publicKeyPem: string;
    unitName: string;
    sealedAt: string;
    verificationCode: string;
  };
}

const MESSAGES: Record<VerificationStatus, string> = {
  valid: '电子印章有效: 公文内容自盖章后未被改动。',
  tampered: '验证失败: 公文内容与盖章时不一致, 可能已被篡改。',
  bad_signature: '验证失败: 印章签名无效。',
  unknown_seal: '验证失败: 该印章不是本平台登记的电子印章。',
  revoked: '验证失败: 盖章时该印章已被注销。',
  not_sealed: '该公文尚未加盖电子印章。',
  not_found: '未找到与发文字号和验证码相符的公文, 请核对后重新输入。',
  malformed: '文件格式不正确, 不是本平台导出的公文文件。',
};

function result(status: VerificationStatus, extra: Partial<VerificationResult> = {}): VerificationResult {
  return {
    valid: status === 'valid',
    status,
    message: MESSAGES[status],
    problems: [],
    document: null,
    seal: null,
    contentHash: null,
    signedHash: null,
    ...extra,
  };
}

/** The checks of one seal over one content, in order; the first failure names the status. */
function judge(input: { content: unknown; signedHash: string; signature: string; seal: SealRow | undefined; sealedAt: string | null; fingerprint: string }): { status: VerificationStatus; problems: string[]; hash: string } {
  const hash = sm3Hex(canonicalJson(input.content));
  const problems: string[] = [];
  if (hash !== input.signedHash) problems.push(`内容摘要不符: 现在的内容 SM3 为 ${hash.slice(0, 16)}…, 盖章时为 ${input.signedHash.slice(0, 16)}…`);
  if (!input.seal) problems.push(`印章公钥 (指纹 ${input.fingerprint.slice(0, 16)}…) 未在本平台登记`);
  else if (!verifyWithSeal(input.seal.public_key_pem, input.signedHash, input.signature)) problems.push('SM2 签名与印章公钥不符');
  if (input.seal?.revoked_at && input.sealedAt && new Date(input.seal.revoked_at).getTime() <= new Date(input.sealedAt).getTime()) problems.push(`印章已于 ${iso(input.seal.revoked_at)} 注销, 早于盖章时间`);
  const status: VerificationStatus = !input.seal
    ? 'unknown_seal'
    : problems.some((p) => p.startsWith('SM2'))
      ? 'bad_signature'
      : hash !== input.signedHash
        ? 'tampered'
        : problems.length
          ? 'revoked'
          : 'valid';
  return { status, problems, hash };
}

/** Verifies the seal of a stored document as its rows are now. */
export async function checkStoredSeal(ctx: Ctx, doc: DocumentRow): Promise<VerificationResult> {
  const document = { docNumber: doc.doc_number, title: doc.title, sendingUnitName: doc.sending_unit_name, writtenDate: doc.written_date ? String(doc.written_date).slice(0, 10) : null };
  const sealing = await loadSealing(ctx, doc.id);
  if (!sealing) return result('not_sealed', { document });
  const content = await currentContent(ctx, doc);
  const j = judge({ content, signedHash: sealing.content_hash, signature: sealing.signature, seal: sealing.seal, sealedAt: iso(sealing.sealed_at), fingerprint: sealing.key_fingerprint });
  const stored = sealing.key_fingerprint === sealing.seal.fingerprint ? j : { ...j, status: 'bad_signature' as const, problems: [...j.problems, '用印记录中的公钥指纹与印章不符'] };
  return result(stored.status, {
    problems: stored.problems,
    document,
    seal: { unitName: sealing.seal.unit_name, fingerprint: sealing.seal.fingerprint, sealedAt: iso(sealing.sealed_at), revokedAt: isoOrNull(sealing.seal.revoked_at) },
    contentHash: j.hash,
    signedHash: sealing.content_hash,
  });
}

/** GET /api/documents/:id/verify: the document must be visible to the caller. */
export async function verifyDocument(ctx: Ctx, input: { id: string }): Promise<VerificationResult> {
  const doc = await loadDocument(ctx, input.id);
  if (!doc || !(await canSeeDocument(ctx, doc))) throw notFound('document_not_found', '公文不存在或您无权查看。');
  return checkStoredSeal(ctx, doc);
}

/** The public check: 发文字号 + verification code, both printed on the document. */
export async function verifyByCode(ctx: Ctx, input: { number: string; code: string }): Promise<VerificationResult> {
  const code = normalizeVerificationCode(input.code ?? '');
  const number = normalizeDocNumber(input.number ?? '');
  if (!code || !number) return result('not_found');
  const doc = await queryOne<DocumentRow>(ctx.db, sql`SELECT ${DOC_COLUMNS} FROM documents.documents d WHERE d.verification_code = ${code} AND d.doc_number = ${number}`);
  if (!doc) return result('not_found');
  return checkStoredSeal(ctx, doc);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks an exported file: its content against its seal, and the seal against the registry. */
export async function verifyExported(ctx: Ctx, input: unknown): Promise<VerificationResult> {
  if (!isObject(input) || input.format !== EXPORT_FORMAT || !isObject(input.content) || !isObject(input.seal)) return result('malformed');
  const s = input.seal;
  if (typeof s.contentHash !== 'string' || typeof s.signature !== 'string' || typeof s.keyFingerprint !== 'string') return result('malformed');
  const c = input.content;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const document = { docNumber: str(c.docNumber), title: str(c.title) ?? '', sendingUnitName: isObject(c.sendingUnit) ? str(c.sendingUnit.name) ?? '' : '', writtenDate: str(c.writtenDate) };
  const seal = await sealByFingerprint(ctx, s.keyFingerprint);
  const sealedAt = typeof s.sealedAt === 'string' && !Number.isNaN(Date.parse(s.sealedAt)) ? new Date(s.sealedAt).toISOString() : null;
  // The registry's record of this sealing, when the platform has it, fixes the sealing time.
  const recorded = await queryOne<{ sealed_at: Date | string }>(ctx.db, sql`SELECT sealed_at FROM documents.sealings WHERE signature = ${s.signature}`);
  const when = recorded ? iso(recorded.sealed_at) : sealedAt;
  const j = judge({ content: c, signedHash: s.contentHash, signature: s.signature, seal, sealedAt: when, fingerprint: s.keyFingerprint });
  const problems = [...j.problems];
  let status = j.status;
  // The unit named in the file must be the seal's unit.
  if (status === 'valid' && seal && isObject(c.sendingUnit) && c.sendingUnit.id !== seal.unit_id) {
    status = 'unknown_seal';
    problems.push('文件中的发文机关与印章所属单位不符');
  }
  return result(status, {
    problems,
    document,
    seal: seal ? { unitName: seal.unit_name, fingerprint: seal.fingerprint, sealedAt: when, revokedAt: isoOrNull(seal.revoked_at) } : null,
    contentHash: j.hash,
    signedHash: s.contentHash,
  });
}

/** The sealed document as a file anyone can keep and verify later (GET /api/documents/:id/export). */
export async function exportDocument(ctx: Ctx, input: { id: string }): Promise<ExportedDocument> {
  const doc = await loadDocument(ctx, input.id);
  if (!doc || !(await canSeeDocument(ctx, doc))) throw notFound('document_not_found', '公文不存在或您无权查看。');
  const sealing = await loadSealing(ctx, doc.id);
  if (!sealing) throw notFound('document_not_sealed', '公文尚未用印, 不能导出。');
  return {
    format: EXPORT_FORMAT,
    content: await currentContent(ctx, doc),
    seal: {
      algorithm: 'SM2-SM3',
      contentHash: sealing.content_hash,
      signature: sealing.signature,
      keyFingerprint: sealing.key_fingerprint,
      publicKeyPem: sealing.seal.public_key_pem,
      unitName: sealing.seal.unit_name,
      sealedAt: iso(sealing.sealed_at),
      verificationCode: doc.verification_code ?? '',
    },
  };
}

