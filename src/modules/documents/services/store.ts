/**
 * Reading the module's rows (no access checks: callers decide). Dates are selected as text so
 * PGlite and node-postgres give the same `YYYY-MM-DD`.
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import type { SQL } from 'drizzle-orm';
import type { DocumentRow, IncomingRow, RecipientRow, SealRow, SealingRow } from '../model.ts';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The columns of documents.documents with the dates as text. */
export const DOC_COLUMNS = sql.raw(`d.id, d.sending_unit_id, d.sending_unit_name, d.region_code, d.copy_number, d.classification, d.classification_period,
  d.urgency, d.issuer_mark, d.number_prefix, d.number_year, d.number_seq, d.doc_number, d.upward, d.signer_name, d.signer_user_id, d.signed_at,
  d.title, d.body, d.attachment_note, d.issuer_signature, d.written_date::text AS written_date, d.note, d.printing_unit,
  d.printing_date::text AS printing_date, d.case_id, d.verification_code, d.distributed_at, d.is_demo, d.created_by_user_id, d.created_by_name,
  d.created_at, d.updated_at, d.version`);

export async function loadDocument(ctx: Ctx, id: string, opts: { forUpdate?: boolean } = {}): Promise<DocumentRow | undefined> {
  if (!UUID_RE.test(id)) return undefined;
  const lock: SQL = opts.forUpdate ? sql` FOR UPDATE` : sql``;
  return queryOne<DocumentRow>(ctx.db, sql`SELECT ${DOC_COLUMNS} FROM documents.documents d WHERE d.id = ${id}${lock}`);
}

export async function loadRecipients(ctx: Ctx, documentId: string): Promise<RecipientRow[]> {
  return queryRows<RecipientRow>(ctx.db, sql`SELECT * FROM documents.recipients WHERE document_id = ${documentId} ORDER BY kind DESC, position`);
}

export async function loadIncomingOf(ctx: Ctx, documentId: string): Promise<IncomingRow[]> {
  return queryRows<IncomingRow>(ctx.db, sql`SELECT i.* FROM documents.incoming i
    LEFT JOIN documents.recipients r ON r.document_id = i.document_id AND r.unit_id = i.recipient_unit_id
    WHERE i.document_id = ${documentId} ORDER BY i.recipient_kind DESC, r.position, i.recipient_unit_name`);
}

export async function loadIncoming(ctx: Ctx, id: string, opts: { forUpdate?: boolean } = {}): Promise<IncomingRow | undefined> {
  if (!UUID_RE.test(id)) return undefined;
  const lock: SQL = opts.forUpdate ? sql` FOR UPDATE` : sql``;
  return queryOne<IncomingRow>(ctx.db, sql`SELECT * FROM documents.incoming WHERE id = ${id}${lock}`);
}

export async function loadSealing(ctx: Ctx, documentId: string): Promise<(SealingRow & { seal: SealRow }) | undefined> {
  const sealing = await queryOne<SealingRow>(ctx.db, sql`SELECT * FROM documents.sealings WHERE document_id = ${documentId}`);
  if (!sealing) return undefined;
  const seal = await queryOne<SealRow>(ctx.db, sql`SELECT * FROM documents.seals WHERE id = ${sealing.seal_id}`);
  return { ...sealing, seal: seal! };
}

export async function sealByFingerprint(ctx: Ctx, fingerprint: string): Promise<SealRow | undefined> {
  if (!/^[0-9a-f]{64}$/.test(fingerprint)) return undefined;
  return queryOne<SealRow>(ctx.db, sql`SELECT * FROM documents.seals WHERE fingerprint = ${fingerprint}`);
}

export async function activeSeal(ctx: Ctx, unitId: string, opts: { forUpdate?: boolean } = {}): Promise<SealRow | undefined> {
  const lock: SQL = opts.forUpdate ? sql` FOR UPDATE` : sql``;
  return queryOne<SealRow>(ctx.db, sql`SELECT * FROM documents.seals WHERE unit_id = ${unitId} AND revoked_at IS NULL${lock}`);
}
