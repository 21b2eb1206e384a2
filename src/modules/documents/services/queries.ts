/**
 * Reading documents: one document as its viewer may see it (content, step, seal, the sender's
 * read receipts, the viewer's own incoming records), and the lists 发文 (of the units where the
 * viewer holds documents.read) and 收文 (received by those units). The current step of each comes
 * from its workflow case.
 */
import type { Ctx } from '../../../platform/context.ts';
import { badRequest, notFound } from '../../../platform/errors.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { listAttachmentsUnchecked } from '../../../platform/files/index.ts';
import {
  ATTACHMENT_OWNER,
  CLASSIFICATION_LABELS,
  RECIPIENT_KIND_LABELS,
  SCOPES,
  URGENCY_LABELS,
  dayOrNull,
  iso,
  isoOrNull,
  type Classification,
  type DocumentRow,
  type IncomingRow,
  type RecipientKind,
  type Urgency,
} from '../model.ts';
import { atSendingUnit, canSeeDocument, canSeeIncoming, isSystem, unitsWith } from './access.ts';
import { DOC_COLUMNS, loadDocument, loadIncoming, loadIncomingOf, loadRecipients, loadSealing } from './store.ts';
import { editRefusal, outgoingCase } from './outgoing.ts';
import { incomingCase } from './incoming.ts';

export interface RecipientView {
  unitId: string;
  name: string;
}

export interface AttachmentItem {
  id: string;
  name: string;
  sm3: string;
  size: number;
  typeLabel: string;
  downloadUrl: string;
  previewUrl: string | null;
}

export interface ReceiptView {
  incomingId: string;
  unitId: string;
  unitName: string;
  kind: RecipientKind;
  kindLabel: string;
  deliveredAt: string;
  receivedAt: string | null;
  receivedBy: string | null;
  registrationNumber: string | null;
}

export interface IncomingView {
  id: string;
  documentId: string;
  unitId: string;
  unitName: string;
  kind: RecipientKind;
  kindLabel: string;
  regionCode: string;
  caseId: string;
  state: string | null;
  stateLabel: string;
  caseStatus: string | null;
  caseStatusLabel: string;
  caseVersion: number | null;
  deadline: string | null;
  late: boolean;
  escalated: boolean;
  deliveredAt: string;
  receivedAt: string | null;
  receivedBy: string | null;
  registrationNumber: string | null;
  handlingUnitId: string | null;
  handlingUnitName: string | null;
  proposal: string | null;
  instruction: string | null;
  result: string | null;
}

export interface DocumentView {
  id: string;
  isDemo: boolean;
  sendingUnit: { id: string; name: string };
  regionCode: string;
  copyNumber: string | null;
  classification: Classification;
  classificationLabel: string;
  classificationPeriod: string | null;
  urgency: Urgency;
  urgencyLabel: string;
  issuerMark: string;
  numberPrefix: string;
  docNumber: string | null;
  upward: boolean;
  signer: { name: string; at: string | null } | null;
  title: string;
  body: string;
  attachmentNote: string | null;
  issuerSignature: string;
  writtenDate: string | null;
  note: string | null;
  printingUnit: string;
  printingDate: string | null;
  mainRecipients: RecipientView[];
  copyRecipients: RecipientView[];
  attachments: AttachmentItem[];
  createdBy: { userId: string | null; name: string };
  createdAt: string;
  updatedAt: string;
  version: number;
  caseId: string | null;
  state: string | null;
  stateLabel: string;
  caseStatus: string | null;
  caseStatusLabel: string;
  caseVersion: number | null;
  seal: { sealedAt: string; sealedBy: string; unitName: string; fingerprint: string; contentHash: string; verificationCode: string | null } | null;
  distributedAt: string | null;
  /** Read receipts of the recipient units; only for the sending unit's staff (null for others). */
  receipts: ReceiptView[] | null;
  /** The incoming records of this document the viewer may see (their unit's 收文). */
  incoming: IncomingView[];
  /** Why the viewer may not edit the draft now (null: they may). */
  editRefusal: string | null;
}

async function incomingView(ctx: Ctx, i: IncomingRow): Promise<IncomingView> {
  const c = await incomingCase(ctx, i);
  const data = c?.data ?? {};
  const s = (k: string) => (typeof data[k] === 'string' ? (data[k] as string) : null);
  const handlingUnitId = s('handlingUnitId');
  const handlingUnitName = c && c.state.startsWith('handling') ? c.unit?.name ?? null : null;
  return {
    id: i.id,
    documentId: i.document_id,
    unitId: i.recipient_unit_id,
    unitName: i.recipient_unit_name,
    kind: i.recipient_kind,
    kindLabel: RECIPIENT_KIND_LABELS[i.recipient_kind],
    regionCode: i.region_code,
    caseId: i.case_id,
    state: c?.state ?? null,
    stateLabel: c ? (c.status === 'open' ? c.stateLabel : c.status === 'closed' ? c.stateLabel : c.statusLabel) : '—',
    caseStatus: c?.status ?? null,
    caseStatusLabel: c?.statusLabel ?? '—',
    caseVersion: c?.version ?? null,
    deadline: c?.deadline?.at ?? null,
    late: Boolean(c?.late),
    escalated: Boolean(c?.escalation),
    deliveredAt: iso(i.created_at),
    receivedAt: isoOrNull(i.received_at),
    receivedBy: i.received_by_name,
    registrationNumber: i.registration_number,
    handlingUnitId,
    handlingUnitName,
    proposal: s('proposal'),
    instruction: s('instruction'),
    result: s('result'),
  };
}

const receiptOf = (i: IncomingRow): ReceiptView => ({
  incomingId: i.id,
  unitId: i.recipient_unit_id,
  unitName: i.recipient_unit_name,
  kind: i.recipient_kind,
  kindLabel: RECIPIENT_KIND_LABELS[i.recipient_kind],
  deliveredAt: iso(i.created_at),
  receivedAt: isoOrNull(i.received_at),
  receivedBy: i.received_by_name,
  registrationNumber: i.registration_number,
});

/** The document as the viewer may see it; 404 when they may not. */
export async function getDocument(ctx: Ctx, input: { id: string }): Promise<DocumentView> {
  const doc = await loadDocument(ctx, input.id);
  if (!doc || !(await canSeeDocument(ctx, doc))) throw notFound('document_not_found', '公文不存在或您无权查看。');
  return documentView(ctx, doc);
}

export async function documentView(ctx: Ctx, doc: DocumentRow): Promise<DocumentView> {
  const [recipients, attachments, sealing, incomingRows, c] = [
    await loadRecipients(ctx, doc.id),
    await listAttachmentsUnchecked(ctx, { ownerType: ATTACHMENT_OWNER, ownerId: doc.id }),
    await loadSealing(ctx, doc.id),
    await loadIncomingOf(ctx, doc.id),
    await outgoingCase(ctx, doc),
  ];
  const sender = isSystem(ctx.actor) || Boolean(atSendingUnit(ctx.actor, doc));
  const mine: IncomingView[] = [];
  for (const i of incomingRows) if (await canSeeIncoming(ctx, i)) mine.push(await incomingView(ctx, i));
  const of = (kind: RecipientKind) => recipients.filter((r) => r.kind === kind).map((r) => ({ unitId: r.unit_id, name: r.unit_name }));
  return {
    id: doc.id,
    isDemo: doc.is_demo,
    sendingUnit: { id: doc.sending_unit_id, name: doc.sending_unit_name },
    regionCode: doc.region_code,
    copyNumber: doc.copy_number,
    classification: doc.classification,
    classificationLabel: CLASSIFICATION_LABELS[doc.classification],
    classificationPeriod: doc.classification_period,
    urgency: doc.urgency,
    urgencyLabel: URGENCY_LABELS[doc.urgency],
    issuerMark: doc.issuer_mark,
    numberPrefix: doc.number_prefix,
    docNumber: doc.doc_number,
    upward: doc.upward,
    signer: doc.signer_name ? { name: doc.signer_name, at: isoOrNull(doc.signed_at) } : null,
    title: doc.title,
    body: doc.body,
    attachmentNote: doc.attachment_note,
    issuerSignature: doc.issuer_signature,
    writtenDate: dayOrNull(doc.written_date),
    note: doc.note,
    printingUnit: doc.printing_unit,
    printingDate: dayOrNull(doc.printing_date),
    mainRecipients: of('main'),
    copyRecipients: of('copy'),
    attachments: attachments.map((a) => ({ id: a.id, name: a.originalName, sm3: a.sm3, size: a.size, typeLabel: a.typeLabel, downloadUrl: a.downloadUrl, previewUrl: a.previewUrl })),
    createdBy: { userId: doc.created_by_user_id, name: doc.created_by_name },
    createdAt: iso(doc.created_at),
    updatedAt: iso(doc.updated_at),
    version: Number(doc.version),
    caseId: c?.id ?? null,
    state: c?.state ?? null,
    stateLabel: c ? (c.status === 'open' || c.status === 'closed' ? c.stateLabel : c.statusLabel) : '—',
    caseStatus: c?.status ?? null,
    caseStatusLabel: c?.statusLabel ?? '—',
    caseVersion: c?.version ?? null,
    seal: sealing
      ? { sealedAt: iso(sealing.sealed_at), sealedBy: sealing.sealed_by_name, unitName: sealing.seal.unit_name, fingerprint: sealing.key_fingerprint, contentHash: sealing.content_hash, verificationCode: doc.verification_code }
      : null,
    distributedAt: isoOrNull(doc.distributed_at),
    receipts: sender ? incomingRows.map(receiptOf) : null,
    incoming: mine,
    editRefusal: await editRefusal(ctx, doc),
  };
}

/** One incoming record (for the actions on it); 404 when not visible. */
export async function getIncoming(ctx: Ctx, input: { id: string }): Promise<IncomingView> {
  const i = await loadIncoming(ctx, input.id);
  if (!i || !(await canSeeIncoming(ctx, i))) throw notFound('incoming_not_found', '收文不存在或您无权查看。');
  return incomingView(ctx, i);
}

export interface ListInput {
  q?: string;
  page?: number;
  pageSize?: number;
  /** 收文: only those not yet signed for (待签收). */
  pending?: boolean;
}

export interface OutgoingItem {
  id: string;
  docNumber: string | null;
  title: string;
  urgencyLabel: string;
  sendingUnitName: string;
  createdByName: string;
  createdAt: string;
  state: string | null;
  stateLabel: string;
  delivered: number;
  received: number;
  isDemo: boolean;
}

export interface IncomingItem {
  id: string;
  documentId: string;
  docNumber: string | null;
  title: string;
  urgencyLabel: string;
  senderName: string;
  unitName: string;
  kindLabel: string;
  deliveredAt: string;
  receivedAt: string | null;
  registrationNumber: string | null;
  stateLabel: string;
  isDemo: boolean;
}

export interface ListPage<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

function pagingOf(input: ListInput): { page: number; pageSize: number; like: string | null } {
  const page = Math.max(1, Math.floor(input.page ?? 1));
  const pageSize = Math.min(100, Math.max(1, Math.floor(input.pageSize ?? 20)));
  const q = (input.q ?? '').trim().slice(0, 100);
  if (input.q !== undefined && input.q.length > 100) throw badRequest('validation_failed', '「关键词」不能超过 100 个字符', [{ field: 'q', message: '「关键词」不能超过 100 个字符' }]);
  return { page, pageSize, like: q ? `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%` : null };
}

/** (unit, region prefix) pairs where the actor holds documents.read, as JSON for jsonb_to_recordset. */
function readPairs(ctx: Ctx): string {
  return JSON.stringify(unitsWith(ctx.actor, SCOPES.read).filter((u) => /^[0-9a-f-]{36}$/i.test(u.unitId)).map((u) => ({ u: u.unitId, p: u.regionPrefix })));
}

/** 发文: documents of the units where the viewer holds documents.read, newest first. */
export async function listOutgoing(ctx: Ctx, input: ListInput = {}): Promise<ListPage<OutgoingItem>> {
  const { page, pageSize, like } = pagingOf(input);
  const pairs = readPairs(ctx);
  const filter = like ? sql`(d.title ILIKE ${like} OR d.doc_number ILIKE ${like})` : sql`true`;
  const from = sql`FROM documents.documents d JOIN jsonb_to_recordset(${pairs}::jsonb) AS g(u uuid, p text)
    ON g.u = d.sending_unit_id AND left(d.region_code, length(g.p)) = g.p WHERE ${filter}`;
  const total = await queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n ${from}`);
  const rows = await queryRows<DocumentRow & { delivered: string | number; received: string | number }>(ctx.db, sql`SELECT ${DOC_COLUMNS},
      (SELECT count(*) FROM documents.incoming i WHERE i.document_id = d.id) AS delivered,
      (SELECT count(*) FROM documents.incoming i WHERE i.document_id = d.id AND i.received_at IS NOT NULL) AS received
    ${from} ORDER BY d.created_at DESC, d.id LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`);
  const items: OutgoingItem[] = [];
  for (const r of rows) {
    const c = await outgoingCase(ctx, r);
    items.push({
      id: r.id,
      docNumber: r.doc_number,
      title: r.title,
      urgencyLabel: URGENCY_LABELS[r.urgency],
      sendingUnitName: r.sending_unit_name,
      createdByName: r.created_by_name,
      createdAt: iso(r.created_at),
      state: c?.state ?? null,
      stateLabel: c ? (c.status === 'open' || c.status === 'closed' ? c.stateLabel : c.statusLabel) : '—',
      delivered: Number(r.delivered),
      received: Number(r.received),
      isDemo: r.is_demo,
    });
  }
  return { items, total: Number(total?.n ?? 0), page, pageSize };
}

/** 收文: what the units where the viewer holds documents.read received, newest first. */
export async function listIncoming(ctx: Ctx, input: ListInput = {}): Promise<ListPage<IncomingItem>> {
  const { page, pageSize, like } = pagingOf(input);
  const pairs = readPairs(ctx);
  const filters = [sql`true`];
  if (like) filters.push(sql`(d.title ILIKE ${like} OR d.doc_number ILIKE ${like} OR i.registration_number ILIKE ${like})`);
  if (input.pending) filters.push(sql`i.received_at IS NULL`);
  const from = sql`FROM documents.incoming i JOIN documents.documents d ON d.id = i.document_id
    JOIN jsonb_to_recordset(${pairs}::jsonb) AS g(u uuid, p text) ON g.u = i.recipient_unit_id AND left(i.region_code, length(g.p)) = g.p
    WHERE ${sql.join(filters, sql` AND `)}`;
  const total = await queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n ${from}`);
  const rows = await queryRows<IncomingRow & { doc_number: string | null; title: string; urgency: Urgency; sending_unit_name: string; is_demo: boolean }>(ctx.db, sql`SELECT i.*,
      d.doc_number, d.title, d.urgency, d.sending_unit_name, d.is_demo
    ${from} ORDER BY i.created_at DESC, i.id LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`);
  const items: IncomingItem[] = [];
  for (const r of rows) {
    const c = await incomingCase(ctx, r);
    items.push({
      id: r.id,
      documentId: r.document_id,
      docNumber: r.doc_number,
      title: r.title,
      urgencyLabel: URGENCY_LABELS[r.urgency],
      senderName: r.sending_unit_name,
      unitName: r.recipient_unit_name,
      kindLabel: RECIPIENT_KIND_LABELS[r.recipient_kind],
      deliveredAt: iso(r.created_at),
      receivedAt: isoOrNull(r.received_at),
      registrationNumber: r.registration_number,
      stateLabel: c ? (c.status === 'open' || c.status === 'closed' ? c.stateLabel : c.statusLabel) : '—',
      isDemo: r.is_demo,
    });
  }
  return { items, total: Number(total?.n ?? 0), page, pageSize };
}

/** Documents waiting for the viewer's units to sign for them (workbench home). */
export async function pendingReceipts(ctx: Ctx): Promise<number> {
  const pairs = JSON.stringify(unitsWith(ctx.actor, SCOPES.incomingRegister).filter((u) => /^[0-9a-f-]{36}$/i.test(u.unitId)).map((u) => ({ u: u.unitId, p: u.regionPrefix })));
  const r = await queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM documents.incoming i
    JOIN jsonb_to_recordset(${pairs}::jsonb) AS g(u uuid, p text) ON g.u = i.recipient_unit_id AND left(i.region_code, length(g.p)) = g.p
    WHERE i.received_at IS NULL`);
  return Number(r?.n ?? 0);
}
