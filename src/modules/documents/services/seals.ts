/**
 * Electronic seals (电子印章): one SM2 key pair per unit, the private key kept SM4-encrypted under
 * the platform secret `documents_seal_sm4`. A seal is made by a holder of documents.seal.manage at
 * the unit (on the seals page, or automatically the first time they apply it) and may be revoked;
 * a revoked seal can no longer be applied, while documents sealed before the revocation still verify.
 */
import type { Ctx } from '../../../platform/context.ts';
import { AppError, conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { queryRows, sql } from '../../../platform/db/index.ts';
import { newId } from '../../../platform/ids.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { ensureSecret } from '../../../platform/secrets.ts';
import { generateSm2KeyPair, sm2Sign, sm2Verify, sm3Hex, sm4Decrypt, sm4Encrypt } from '../../../platform/crypto/index.ts';
import { getUnitSummary } from '../../directory/index.ts';
import { EVENTS, SCOPES, iso, isoOrNull, type SealRow } from '../model.ts';
import { grantAt, isSystem, unitsWith } from './access.ts';
import { activeSeal, UUID_RE } from './store.ts';

export const SEAL_KEY_SECRET = 'documents_seal_sm4';

export interface SealView {
  id: string;
  unitId: string;
  unitName: string;
  fingerprint: string;
  publicKeyPem: string;
  isDemo: boolean;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
  revokeReason: string | null;
}

export const sealView = (r: SealRow): SealView => ({
  id: r.id,
  unitId: r.unit_id,
  unitName: r.unit_name,
  fingerprint: r.fingerprint,
  publicKeyPem: r.public_key_pem,
  isDemo: r.is_demo,
  createdAt: iso(r.created_at),
  createdBy: r.created_by_name,
  revokedAt: isoOrNull(r.revoked_at),
  revokedBy: r.revoked_by_name,
  revokeReason: r.revoke_reason,
});

/** SM3 of the DER encoding of an SPKI PEM public key (hex): the seal's fingerprint. */
export function keyFingerprint(publicKeyPem: string): string {
  const body = publicKeyPem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
  return sm3Hex(Buffer.from(body, 'base64'));
}

const sealKey = (ctx: Ctx) => ensureSecret(ctx.db, SEAL_KEY_SECRET, 16);

/**
 * Creates the unit's seal inside the caller's transaction (the caller checked the permission).
 * Null when the unit already has an active seal (e.g. made meanwhile by a concurrent first sealing).
 */
export async function makeSeal(ctx: Ctx, input: { unitId: string; unitName: string; isDemo?: boolean }): Promise<SealRow | null> {
  const pair = generateSm2KeyPair();
  const row: SealRow = {
    id: newId(),
    unit_id: input.unitId,
    unit_name: input.unitName,
    public_key_pem: pair.publicKeyPem,
    private_key_sealed: sm4Encrypt(await sealKey(ctx), pair.privateKeyPem),
    fingerprint: keyFingerprint(pair.publicKeyPem),
    is_demo: input.isDemo ?? false,
    created_at: ctx.clock.now().toISOString(),
    created_by_name: ctx.actor.name,
    revoked_at: null,
    revoked_by_name: null,
    revoke_reason: null,
  };
  const inserted = await queryRows<{ id: string }>(ctx.db, sql`INSERT INTO documents.seals (id, unit_id, unit_name, public_key_pem, private_key_sealed, fingerprint, is_demo, created_at, created_by_name)
    VALUES (${row.id}, ${row.unit_id}, ${row.unit_name}, ${row.public_key_pem}, ${row.private_key_sealed}, ${row.fingerprint}, ${row.is_demo}, ${row.created_at}, ${row.created_by_name})
    ON CONFLICT (unit_id) WHERE revoked_at IS NULL DO NOTHING RETURNING id`);
  if (inserted.length === 0) return null;
  audit(ctx, { action: 'documents.seal.create', targetType: 'documents.seal', targetId: row.id, targetLabel: row.unit_name, details: { unitId: row.unit_id, fingerprint: row.fingerprint } });
  await publish(ctx, { type: EVENTS.sealCreated, orderingKey: row.unit_id, payload: { sealId: row.id, unitId: row.unit_id, fingerprint: row.fingerprint } });
  return row;
}

/** The SM2 signature of `data` with the seal's private key. */
export async function signWithSeal(ctx: Ctx, seal: SealRow, data: string): Promise<string> {
  return sm2Sign(sm4Decrypt(await sealKey(ctx), seal.private_key_sealed), data);
}

export const verifyWithSeal = (publicKeyPem: string, data: string, signature: string): boolean => sm2Verify(publicKeyPem, data, signature);

function requireSealManager(ctx: Ctx, unitId: string, regionCode: string): void {
  if (isSystem(ctx.actor)) return;
  if (!grantAt(ctx.actor, unitId, SCOPES.sealManage, regionCode)) throw forbidden('您没有管理该单位电子印章的权限。');
}

/** Makes a seal for a unit that has none (管理电子印章). */
export async function createSeal(ctx: Ctx, input: { unitId: string }): Promise<SealView> {
  const unit = UUID_RE.test(input.unitId ?? '') ? await getUnitSummary(ctx, input.unitId) : null;
  if (!unit) throw new AppError({ code: 'validation_failed', status: 400, message: '请选择单位', fields: [{ field: 'unitId', message: '单位不存在' }] });
  requireSealManager(ctx, unit.id, unit.regionCode);
  if (unit.status !== 'active') throw conflict('unit_inactive', `「${unit.name}」已停用, 不能制作印章。`);
  return inTransaction(ctx, async (tctx) => {
    const made = (await activeSeal(tctx, unit.id)) ? null : await makeSeal(tctx, { unitId: unit.id, unitName: unit.name });
    if (!made) throw conflict('seal_exists', `「${unit.name}」已有有效的电子印章; 如需更换, 请先注销原印章。`);
    return sealView(made);
  });
}

export async function revokeSeal(ctx: Ctx, input: { sealId: string; reason: string }): Promise<SealView> {
  const reason = (input.reason ?? '').trim();
  if (!reason || reason.length > 500) throw new AppError({ code: 'validation_failed', status: 400, message: '请填写注销原因 (500 字以内)', fields: [{ field: 'reason', message: '请填写注销原因 (500 字以内)' }] });
  return inTransaction(ctx, async (tctx) => {
    const rows = UUID_RE.test(input.sealId ?? '') ? await queryRows<SealRow>(tctx.db, sql`SELECT * FROM documents.seals WHERE id = ${input.sealId} FOR UPDATE`) : [];
    const seal = rows[0];
    const unit = seal ? await getUnitSummary(tctx, seal.unit_id) : null;
    if (!seal || !unit || (!isSystem(tctx.actor) && !grantAt(tctx.actor, seal.unit_id, SCOPES.sealManage, unit.regionCode))) throw notFound('seal_not_found', '印章不存在或您无权管理。');
    if (seal.revoked_at) throw conflict('seal_revoked', '该印章已注销。');
    const now = tctx.clock.now().toISOString();
    await tctx.db.execute(sql`UPDATE documents.seals SET revoked_at = ${now}, revoked_by_name = ${tctx.actor.name}, revoke_reason = ${reason} WHERE id = ${seal.id}`);
    audit(tctx, { action: 'documents.seal.revoke', targetType: 'documents.seal', targetId: seal.id, targetLabel: seal.unit_name, details: { reason } });
    await publish(tctx, { type: EVENTS.sealRevoked, orderingKey: seal.unit_id, payload: { sealId: seal.id, unitId: seal.unit_id } });
    return sealView({ ...seal, revoked_at: now, revoked_by_name: tctx.actor.name, revoke_reason: reason });
  });
}

/** Seals (current and revoked) of the units where the actor manages seals, and those units. */
export async function listSeals(ctx: Ctx): Promise<{ seals: SealView[]; units: { unitId: string; unitName: string; hasActiveSeal: boolean }[] }> {
  const units = unitsWith(ctx.actor, SCOPES.sealManage).filter((u) => u.regionCode.startsWith(u.regionPrefix));
  if (units.length === 0) return { seals: [], units: [] };
  const ids = units.map((u) => u.unitId).filter((id) => UUID_RE.test(id));
  const rows = ids.length
    ? await queryRows<SealRow>(ctx.db, sql`SELECT * FROM documents.seals WHERE unit_id = ANY(${`{${ids.join(',')}}`}::uuid[]) ORDER BY unit_name, created_at DESC`)
    : [];
  return {
    seals: rows.map(sealView),
    units: units.map((u) => ({ unitId: u.unitId, unitName: u.unitName, hasActiveSeal: rows.some((r) => r.unit_id === u.unitId && !r.revoked_at) })),
  };
}
