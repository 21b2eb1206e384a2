/**
 * Platform secrets (HMAC keys, the SM4 key for secrets at rest) are generated once and kept in
 * the database, so every process of a deployment shares them and restarts keep sessions valid.
 */
import { randomBytes } from 'node:crypto';
import { queryOne, sql, type Db } from './db/index.ts';

export async function ensureSecret(db: Db, name: string, bytes = 32): Promise<Buffer> {
  const candidate = randomBytes(bytes).toString('base64url');
  await db.execute(sql`INSERT INTO platform.secrets (name, value) VALUES (${name}, ${candidate}) ON CONFLICT (name) DO NOTHING`);
  const row = await queryOne<{ value: string }>(db, sql`SELECT value FROM platform.secrets WHERE name = ${name}`);
  if (!row) throw new Error(`secret ${name} missing after insert`);
  return Buffer.from(row.value, 'base64url');
}
