/**
 * The platform's exchange signing key (交换签名密钥): an SM2 key pair generated once per deployment
 * and kept in exchange.signing_keys (private key sealed with SM4), so every process signs webhook
 * bodies with the same key. Subscribers verify `X-Egov-Signature: sm2 <base64>` over the raw body
 * with the public key served at GET /exchange/keys.
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, sql, type Db } from '../../../platform/db/index.ts';
import { generateSm2KeyPair, sm2Sign, sm2Verify, sm4Decrypt, sm4Encrypt } from '../../../platform/crypto/index.ts';
import { ensureSecret } from '../../../platform/secrets.ts';

/** The one key id in use (a rotation would add a new id and publish both). */
export const SIGNING_KEY_ID = 'exchange-webhook-1';
export const SIGNATURE_HEADER = 'x-egov-signature';
export const EVENT_ID_HEADER = 'x-egov-event-id';
export const TOPIC_HEADER = 'x-egov-topic';

interface KeyRow {
  id: string;
  public_key_pem: string;
  private_key_sealed: string;
}

const sealKey = (db: Db): Promise<Buffer> => ensureSecret(db, 'exchange_signing_sm4', 16);

async function keyRow(db: Db): Promise<KeyRow> {
  const existing = await queryOne<KeyRow>(db, sql`SELECT id, public_key_pem, private_key_sealed FROM exchange.signing_keys WHERE id = ${SIGNING_KEY_ID}`);
  if (existing) return existing;
  // Several processes may start at once: the first insert wins, the others read it back.
  const pair = generateSm2KeyPair();
  await db.execute(sql`INSERT INTO exchange.signing_keys (id, algorithm, public_key_pem, private_key_sealed, created_at)
    VALUES (${SIGNING_KEY_ID}, 'SM2-SM3', ${pair.publicKeyPem}, ${sm4Encrypt(await sealKey(db), pair.privateKeyPem)}, ${new Date().toISOString()}) ON CONFLICT (id) DO NOTHING`);
  const row = await queryOne<KeyRow>(db, sql`SELECT id, public_key_pem, private_key_sealed FROM exchange.signing_keys WHERE id = ${SIGNING_KEY_ID}`);
  if (!row) throw new Error('exchange signing key missing after insert');
  return row;
}

/** The public key (PEM) subscribers verify webhook signatures with. */
export async function exchangeSigningPublicKey(ctx: Ctx): Promise<string> {
  return (await keyRow(ctx.db)).public_key_pem;
}

/** Signs webhook bodies; built once per deliverer (the private key stays in that process's memory). */
export interface WebhookSigner {
  keyId: string;
  sign(body: string): string;
}

export async function loadWebhookSigner(db: Db): Promise<WebhookSigner> {
  const row = await keyRow(db);
  const privateKeyPem = sm4Decrypt(await sealKey(db), row.private_key_sealed);
  return { keyId: row.id, sign: (body) => `sm2 ${sm2Sign(privateKeyPem, body)}` };
}

/** Does `signature` (the X-Egov-Signature header, `sm2 <base64>`) sign exactly `body` under the key? */
export function verifyWebhook(input: { body: string | Buffer; signature: string | undefined | null; publicKeyPem: string }): boolean {
  const m = /^sm2\s+([A-Za-z0-9+/=]+)$/.exec((input.signature ?? '').trim());
  if (!m) return false;
  return sm2Verify(input.publicKeyPem, input.body, m[1]);
}
