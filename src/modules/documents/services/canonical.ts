/**
 * The canonical content of a document: every GB/T 9704-2012 element (except the seal itself) and
 * the SM3 digests of its attachments, as canonical JSON (sorted keys, no whitespace). The seal
 * signs SM3 of exactly this text, so changing any element — in the database or in an exported
 * file — changes the digest and verification fails.
 */
import type { Ctx } from '../../../platform/context.ts';
import { canonicalJson } from '../../../platform/audit/chain.ts';
import { sm3Hex } from '../../../platform/crypto/index.ts';
import { listAttachmentsUnchecked } from '../../../platform/files/index.ts';
import { ATTACHMENT_OWNER, CANONICAL_FORMAT, CLASSIFICATION_LABELS, URGENCY_LABELS, dayOrNull, type DocumentRow, type RecipientRow } from '../model.ts';
import { loadRecipients } from './store.ts';

export interface CanonicalRecipient {
  unitId: string;
  name: string;
}

export interface CanonicalAttachment {
  name: string;
  sm3: string;
  size: number;
}

/** A type alias (not an interface) so it fits JSON-object schemas. */
export type CanonicalContent = {
  format: string;
  documentId: string;
  sendingUnit: { id: string; name: string };
  /** 份号 */
  copyNumber: string | null;
  /** 密级 (always 非密 here) */
  classification: string;
  /** 保密期限 */
  classificationPeriod: string | null;
  /** 紧急程度 */
  urgency: string;
  /** 发文机关标志 */
  issuerMark: string;
  /** 发文字号 */
  docNumber: string | null;
  /** 签发人 */
  signer: string | null;
  title: string;
  /** 主送机关 */
  mainRecipients: CanonicalRecipient[];
  /** 正文 */
  body: string;
  /** 附件说明 */
  attachmentNote: string | null;
  /** 附件 (name, SM3 of the content, size) */
  attachments: CanonicalAttachment[];
  /** 发文机关署名 */
  issuerSignature: string;
  /** 成文日期 YYYY-MM-DD */
  writtenDate: string | null;
  /** 附注 */
  note: string | null;
  /** 抄送机关 */
  copyRecipients: CanonicalRecipient[];
  /** 印发机关 */
  printingUnit: string;
  /** 印发日期 YYYY-MM-DD */
  printingDate: string | null;
};

export function canonicalContent(doc: DocumentRow, recipients: RecipientRow[], attachments: CanonicalAttachment[]): CanonicalContent {
  const of = (kind: 'main' | 'copy') => recipients.filter((r) => r.kind === kind).sort((a, b) => a.position - b.position).map((r) => ({ unitId: r.unit_id, name: r.unit_name }));
  return {
    format: CANONICAL_FORMAT,
    documentId: doc.id,
    sendingUnit: { id: doc.sending_unit_id, name: doc.sending_unit_name },
    copyNumber: doc.copy_number,
    classification: CLASSIFICATION_LABELS[doc.classification] ?? String(doc.classification),
    classificationPeriod: doc.classification_period,
    urgency: URGENCY_LABELS[doc.urgency] ?? String(doc.urgency),
    issuerMark: doc.issuer_mark,
    docNumber: doc.doc_number,
    signer: doc.signer_name,
    title: doc.title,
    mainRecipients: of('main'),
    body: doc.body,
    attachmentNote: doc.attachment_note,
    attachments,
    issuerSignature: doc.issuer_signature,
    writtenDate: dayOrNull(doc.written_date),
    note: doc.note,
    copyRecipients: of('copy'),
    printingUnit: doc.printing_unit,
    printingDate: dayOrNull(doc.printing_date),
  };
}

/** The attachments of a document as the seal covers them (oldest first). */
export async function attachmentDigests(ctx: Ctx, documentId: string): Promise<CanonicalAttachment[]> {
  const list = await listAttachmentsUnchecked(ctx, { ownerType: ATTACHMENT_OWNER, ownerId: documentId });
  return list.map((a) => ({ name: a.originalName, sm3: a.sm3, size: a.size }));
}

/** The canonical content of a stored document as it is now. */
export async function currentContent(ctx: Ctx, doc: DocumentRow): Promise<CanonicalContent> {
  return canonicalContent(doc, await loadRecipients(ctx, doc.id), await attachmentDigests(ctx, doc.id));
}

export const canonicalText = (content: CanonicalContent): string => canonicalJson(content);
export const contentHash = (content: CanonicalContent): string => sm3Hex(canonicalText(content));
