/**
 * Credentials the gateway presents to provider systems. A provider system that authenticates its
 * callers (the platform's own registries API wants an API key) gives the gateway a credential;
 * the gateway adds it as the Authorization header of every request it forwards to that provider
 * subsystem. The client's own signature header is never forwarded.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope } from '../../../platform/context.ts';
import { badRequest, forbidden } from '../../../platform/errors.ts';
import { queryOne, sql, type Db } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { ensureSecret } from '../../../platform/secrets.ts';
import { sm4Decrypt, sm4Encrypt } from '../../../platform/crypto/index.ts';
import { SCOPES } from '../model.ts';
import { actsForMember, getSubsystem } from '../services/members.ts';

const sealKey = (db: Db): Promise<Buffer> => ensureSecret(db, 'exchange_provider_sm4', 16);

/** Sets (or replaces) the Authorization value the gateway sends to a provider subsystem. */
export async function setProviderCredential(ctx: Ctx, input: { subsystemId: string; authorization: string }): Promise<void> {
  const s = await getSubsystem(ctx, { id: input.subsystemId });
  if (!actsForMember(ctx, s, SCOPES.resourcePublish) && !hasScope(ctx.actor, SCOPES.memberManage)) throw forbidden('只能为本单位的子系统设置提供方凭证。');
  const value = input.authorization.trim();
  if (value.length < 8 || value.length > 2000 || /[\r\n]/.test(value)) throw badRequest('authorization_invalid', '提供方凭证应为 8 至 2000 个字符的单行 Authorization 请求头值 (如 Bearer …)');
  const sealed = sm4Encrypt(await sealKey(ctx.db), value);
  await inTransaction(ctx, async (tx) => {
    await tx.db.execute(sql`INSERT INTO exchange.provider_credentials (subsystem_id, authorization_sealed, set_at, set_by_name) VALUES (${s.id}, ${sealed}, ${ctx.clock.now()}, ${ctx.actor.name})
      ON CONFLICT (subsystem_id) DO UPDATE SET authorization_sealed = EXCLUDED.authorization_sealed, set_at = EXCLUDED.set_at, set_by_name = EXCLUDED.set_by_name`);
    audit(tx, { action: 'exchange.provider_credential.set', targetType: 'exchange.subsystem', targetId: s.id, targetLabel: s.xroadId });
  });
}

/** For the gateway: the Authorization value for a provider subsystem, or null. */
export async function providerAuthorization(db: Db, subsystemId: string): Promise<string | null> {
  const row = await queryOne<{ authorization_sealed: string }>(db, sql`SELECT authorization_sealed FROM exchange.provider_credentials WHERE subsystem_id = ${subsystemId}`);
  return row ? sm4Decrypt(await sealKey(db), row.authorization_sealed) : null;
}
