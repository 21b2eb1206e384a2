/**
 * The gateway's message log (消息日志): one row of metadata per message, SM3 hash-chained in commit
 * order and SM2-signed in batches with the platform's exchange key.
 *
 * Writing: concurrent requests hand their records to a per-database group writer; one flush writes
 * all queued records in one statement that moves the chain head row (exchange.message_log_head)
 * from the head it read to the new last row, so seq is gapless in commit order across processes
 * (see appendAfter). A request answers only after its record is committed (synchronous commit):
 * an acknowledged call is logged.
 * Sealing: a worker task signs "seq\nhash" of the newest row every SEAL_EVERY_SECONDS or
 * SEAL_EVERY_MESSAGES; since each hash covers all earlier rows, one signature covers the batch.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope } from '../../../platform/context.ts';
import { forbidden } from '../../../platform/errors.ts';
import { sm2Verify, sm3Hex, sm3Hmac } from '../../../platform/crypto/index.ts';
import { ensureSecret } from '../../../platform/secrets.ts';
import { queryOne, queryRows, sql, type Db } from '../../../platform/db/index.ts';
import { SCOPES } from '../model.ts';
import { exchangeSigningPublicKey, loadWebhookSigner } from '../events/signing.ts';

export const GENESIS = '0'.repeat(64);
export const SEAL_EVERY_SECONDS = 10;
export const SEAL_EVERY_MESSAGES = 1000;

export type Outcome = 'success' | 'client_error' | 'gateway_error' | 'provider_error';

/** What the gateway records about one message (the hashed content, without seq and links). */
export interface MessageRecord {
  id: string;
  receivedAt: string;
  clientXroadId: string;
  clientSubsystemId: string | null;
  serviceXroadId: string;
  resourceId: string | null;
  endpointId: string | null;
  method: string;
  restPath: string;
  messageId: string;
  userId: string;
  purpose: string;
  issue: string;
  subjectHash: string | null;
  status: number;
  outcome: Outcome;
  errorCode: string | null;
  forwarded: boolean;
  requestBytes: number;
  responseBytes: number;
  durationUs: number;
  providerUs: number;
  requestHash: string;
  responseHash: string;
  requestBody: string | null;
  responseBody: string | null;
}

export function hashMessage(seq: number, prevHash: string, r: MessageRecord): string {
  const content = [
    seq, r.id, r.receivedAt, r.clientXroadId, r.clientSubsystemId ?? '', r.serviceXroadId, r.resourceId ?? '', r.endpointId ?? '', r.method, r.restPath,
    r.messageId, r.userId, r.purpose, r.issue, r.subjectHash ?? '', r.status, r.outcome, r.errorCode ?? '', r.forwarded ? 1 : 0, r.requestBytes, r.responseBytes,
    r.durationUs, r.providerUs, r.requestHash, r.responseHash, r.requestBody === null ? '' : sm3Hex(r.requestBody), r.responseBody === null ? '' : sm3Hex(r.responseBody),
  ].join('\u001f');
  return sm3Hex(`${prevHash}\u001e${content}`);
}

/**
 * Keyed SM3 (HMAC-SM3 under a platform secret) of a data subject's identifier. Plain SM3 of an ID
 * number could be reversed by hashing every plausible number (region × birth date × sequence), so
 * the log keeps only this keyed digest; usageFor computes the same digest to find a person's rows.
 */
export async function subjectDigest(db: Db, value: string): Promise<string> {
  const key = await subjectKey(db);
  return sm3Hmac(key, value.trim().toUpperCase()).toString('hex');
}
const subjectKeys = new WeakMap<object, Promise<Buffer>>();
function subjectKey(db: Db): Promise<Buffer> {
  let k = subjectKeys.get(db);
  if (!k) {
    k = ensureSecret(db, 'exchange_subject_hmac', 32);
    k.catch(() => subjectKeys.delete(db));
    subjectKeys.set(db, k);
  }
  return k;
}

// --- the platform's exchange signing key ------------------------------------------------------------

/**
 * Batches are signed with the platform's exchange key, the same SM2 key that signs webhook bodies
 * (events/signing.ts keeps it in exchange.signing_keys, sealed; its public key is at /exchange/keys).
 */
function exchangeKey(ctx: Ctx): Promise<{ sign: (text: string) => string; publicKeyPem: string }> {
  const db = ctx.db;
  let k = exchangeKeys.get(db);
  if (!k) {
    k = (async () => {
      const signer = await loadWebhookSigner(db);
      const publicKeyPem = await exchangeSigningPublicKey(ctx);
      return { sign: (text: string) => signer.sign(text).replace(/^sm2\s+/, ''), publicKeyPem };
    })();
    k.catch(() => exchangeKeys.delete(db));
    exchangeKeys.set(db, k);
  }
  return k;
}
const exchangeKeys = new WeakMap<object, Promise<{ sign: (text: string) => string; publicKeyPem: string }>>();

// --- writing ---------------------------------------------------------------------------------------

/** At most this many records per flush (29 parameters each, under the protocol's 65,535). */
const MAX_BATCH = 1000;

interface Head {
  seq: number;
  hash: string;
}

async function loadHead(db: Db): Promise<Head> {
  const head = await queryOne<{ seq: string | number; hash: string }>(db, sql`SELECT seq, hash FROM exchange.message_log_head`);
  return { seq: Number(head?.seq ?? 0), hash: head?.hash ?? GENESIS };
}

/**
 * Appends records after `head` in ONE statement: the head row is moved from `head` to the new
 * last row only if it is still `head` (the UPDATE waits for a concurrent writer's lock and then
 * re-checks), the rows are inserted, and the statement divides by the number of head rows moved,
 * so if another process appended first the whole statement fails (division by zero, or the seq
 * primary key) and nothing is written; the caller reloads the head and tries again. One round trip
 * and one commit per batch, instead of BEGIN / lock / read head / insert / COMMIT.
 */
async function appendAfter(db: Db, head: Head, records: MessageRecord[], touchKeys: { keyIds: string[]; at: string } | null): Promise<Head> {
  let seq = head.seq;
  let prev = head.hash;
  const rows = records.map((r) => {
    seq += 1;
    const hash = hashMessage(seq, prev, r);
    const row = { seq, prev, hash, r };
    prev = hash;
    return row;
  });
  const touch = touchKeys && touchKeys.keyIds.length > 0
    ? sql`, t AS (UPDATE exchange.credentials SET last_used_at = ${touchKeys.at} WHERE key_id IN (${sql.join(touchKeys.keyIds.map((k) => sql`${k}`), sql`, `)}))`
    : sql``;
  await db.execute(sql`WITH h AS (UPDATE exchange.message_log_head SET seq = ${seq}, hash = ${prev} WHERE seq = ${head.seq} AND hash = ${head.hash} RETURNING seq),
    ins AS (INSERT INTO exchange.messages (seq, id, received_at, client_xroad_id, client_subsystem_id, service_xroad_id, resource_id, endpoint_id, method, rest_path,
    message_id, user_id, purpose, issue, subject_hash, status, outcome, error_code, forwarded, request_bytes, response_bytes, duration_us, provider_us,
    request_hash, response_hash, request_body, response_body, prev_hash, hash) VALUES ${sql.join(rows.map(({ seq: n, prev: p, hash, r }) => sql`(${n}, ${r.id}, ${r.receivedAt}, ${r.clientXroadId},
    ${r.clientSubsystemId}, ${r.serviceXroadId}, ${r.resourceId}, ${r.endpointId}, ${r.method}, ${r.restPath}, ${r.messageId}, ${r.userId}, ${r.purpose}, ${r.issue},
    ${r.subjectHash}, ${r.status}, ${r.outcome}, ${r.errorCode}, ${r.forwarded}, ${r.requestBytes}, ${r.responseBytes}, ${r.durationUs}, ${r.providerUs},
    ${r.requestHash}, ${r.responseHash}, ${r.requestBody}, ${r.responseBody}, ${p}, ${hash})`), sql`, `)})${touch}
    SELECT 1 / (SELECT count(*)::int FROM h) AS appended`);
  return { seq, hash: prev };
}

/** Appends records to the chain (in their order), retrying when another process appended first. */
export async function appendMessages(db: Db, records: MessageRecord[], touchKeys: { keyIds: string[]; at: string } | null = null, knownHead?: Head): Promise<Head> {
  let head = knownHead ?? (await loadHead(db));
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await appendAfter(db, head, records, touchKeys);
    } catch (err) {
      if (attempt >= 5) throw err;
      head = await loadHead(db);
    }
  }
}

interface Pending {
  record: MessageRecord;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for the log: records of concurrent requests queue up while a flush runs and go
 * together in the next one. Each caller's promise resolves when its record is committed.
 */
export class MessageLogWriter {
  private queue: Pending[] = [];
  private busy = false;
  private readonly keyTouchedAt = new Map<string, number>();
  private touch = new Set<string>();
  /** The chain head after this writer's last flush (a guess: appendMessages re-reads it when another process wrote). */
  private head: Head | undefined;
  constructor(private readonly db: Db) {}

  write(record: MessageRecord, keyId?: string): Promise<void> {
    if (keyId) {
      // credentials.last_used_at is kept to the minute: touch a key at most once a minute.
      const now = Date.now();
      const last = this.keyTouchedAt.get(keyId) ?? 0;
      if (now - last >= 60_000) {
        this.keyTouchedAt.set(keyId, now);
        this.touch.add(keyId);
      }
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const keyIds = [...this.touch];
      this.touch = new Set();
      try {
        this.head = await appendMessages(this.db, batch.map((b) => b.record), keyIds.length ? { keyIds, at: new Date().toISOString() } : null, this.head);
        for (const b of batch) b.resolve();
      } catch (err) {
        this.head = undefined;
        for (const k of keyIds) this.keyTouchedAt.delete(k);
        for (const b of batch) b.reject(err);
      }
    }
    this.busy = false;
  }
}

const writers = new WeakMap<object, MessageLogWriter>();
export function logWriterFor(db: Db): MessageLogWriter {
  let w = writers.get(db);
  if (!w) {
    w = new MessageLogWriter(db);
    writers.set(db, w);
  }
  return w;
}

// --- sealing ---------------------------------------------------------------------------------------

export interface Seal {
  seqFrom: number;
  seqTo: number;
  lastHash: string;
  signedAt: string;
}

/**
 * Signs the unsigned tail of the log when it is due (SEAL_EVERY_MESSAGES rows, or
 * SEAL_EVERY_SECONDS since the last seal), or always with `force`. Two workers racing insert the
 * same seq_from: the second insert does nothing.
 */
export async function sealMessageLog(ctx: Ctx, opts: { force?: boolean } = {}): Promise<Seal | null> {
  const head = await queryOne<{ seq: string | number; hash: string }>(ctx.db, sql`SELECT seq, hash FROM exchange.message_log_head`);
  const last = await queryOne<{ seq_to: string | number; signed_at: Date | string }>(ctx.db, sql`SELECT seq_to, signed_at FROM exchange.message_log_seals ORDER BY seq_to DESC LIMIT 1`);
  const headSeq = Number(head?.seq ?? 0);
  const sealedTo = Number(last?.seq_to ?? 0);
  if (!head || headSeq <= sealedTo) return null;
  const now = ctx.clock.now();
  const due = opts.force || headSeq - sealedTo >= SEAL_EVERY_MESSAGES || !last || now.getTime() - new Date(last.signed_at).getTime() >= SEAL_EVERY_SECONDS * 1000;
  if (!due) return null;
  const key = await exchangeKey(ctx);
  const signature = key.sign(`${headSeq}\n${head.hash}`);
  const inserted = await queryOne<{ seq_from: string | number }>(ctx.db, sql`INSERT INTO exchange.message_log_seals (seq_from, seq_to, last_hash, signature, public_key_pem, signed_at)
    VALUES (${sealedTo + 1}, ${headSeq}, ${head.hash}, ${signature}, ${key.publicKeyPem}, ${now.toISOString()}) ON CONFLICT DO NOTHING RETURNING seq_from`);
  return inserted ? { seqFrom: sealedTo + 1, seqTo: headSeq, lastHash: head.hash, signedAt: now.toISOString() } : null;
}

// --- verification ----------------------------------------------------------------------------------

export interface MessageLogVerification {
  ok: boolean;
  checked: number;
  /** Rows covered by a valid batch signature. */
  sealedThrough: number;
  seals: number;
  brokenAt?: { seq: number; reason: string };
}

interface StoredRow {
  seq: string | number;
  id: string;
  received_at: Date | string;
  client_xroad_id: string;
  client_subsystem_id: string | null;
  service_xroad_id: string;
  resource_id: string | null;
  endpoint_id: string | null;
  method: string;
  rest_path: string;
  message_id: string;
  user_id: string;
  purpose: string;
  issue: string;
  subject_hash: string | null;
  status: number;
  outcome: Outcome;
  error_code: string | null;
  forwarded: boolean;
  request_bytes: number;
  response_bytes: number;
  duration_us: number;
  provider_us: number;
  request_hash: string;
  response_hash: string;
  request_body: string | null;
  response_body: string | null;
  prev_hash: string;
  hash: string;
}

export const recordOf = (r: StoredRow): MessageRecord => ({
  id: r.id,
  receivedAt: new Date(r.received_at).toISOString(),
  clientXroadId: r.client_xroad_id,
  clientSubsystemId: r.client_subsystem_id,
  serviceXroadId: r.service_xroad_id,
  resourceId: r.resource_id,
  endpointId: r.endpoint_id,
  method: r.method,
  restPath: r.rest_path,
  messageId: r.message_id,
  userId: r.user_id,
  purpose: r.purpose,
  issue: r.issue,
  subjectHash: r.subject_hash,
  status: Number(r.status),
  outcome: r.outcome,
  errorCode: r.error_code,
  forwarded: r.forwarded,
  requestBytes: Number(r.request_bytes),
  responseBytes: Number(r.response_bytes),
  durationUs: Number(r.duration_us),
  providerUs: Number(r.provider_us),
  requestHash: r.request_hash,
  responseHash: r.response_hash,
  requestBody: r.request_body,
  responseBody: r.response_body,
});

export function requireMonitor(ctx: Ctx): void {
  if (!hasScope(ctx.actor, SCOPES.monitorRead)) throw forbidden('您没有查看交换监控的权限。');
}

/**
 * Walks the whole log in seq order and checks every link and every batch signature; reports the
 * first missing row, altered row, re-linked row, bad signature, or a head that does not match the
 * newest row (rows removed from the end).
 */
export async function verifyMessageLog(ctx: Ctx, opts: { batchSize?: number } = {}): Promise<MessageLogVerification> {
  requireMonitor(ctx);
  const batchSize = opts.batchSize ?? 5000;
  const seals = await queryRows<{ seq_from: string | number; seq_to: string | number; last_hash: string; signature: string; public_key_pem: string }>(
    ctx.db, sql`SELECT seq_from, seq_to, last_hash, signature, public_key_pem FROM exchange.message_log_seals ORDER BY seq_from`);
  const key = seals.length ? await exchangeKey(ctx) : null;
  const sealAt = new Map(seals.map((s) => [Number(s.seq_to), s]));
  let expected = 1;
  let prev = GENESIS;
  let checked = 0;
  let sealedThrough = 0;
  const broken = (seq: number, reason: string): MessageLogVerification => ({ ok: false, checked, sealedThrough, seals: seals.length, brokenAt: { seq, reason } });
  for (;;) {
    const rows = await queryRows<StoredRow>(ctx.db, sql`SELECT * FROM exchange.messages WHERE seq >= ${expected} ORDER BY seq LIMIT ${batchSize}`);
    if (rows.length === 0) break;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expected) return broken(expected, `第 ${expected} 条消息日志缺失 (下一条为第 ${seq} 条): 记录被删除`);
      if (r.prev_hash !== prev) return broken(seq, `第 ${seq} 条消息日志的前序哈希与第 ${seq - 1} 条不符: 链被改动`);
      if (hashMessage(seq, r.prev_hash, recordOf(r)) !== r.hash) return broken(seq, `第 ${seq} 条消息日志的内容与其哈希不符: 记录被篡改`);
      const seal = sealAt.get(seq);
      if (seal) {
        if (seal.last_hash !== r.hash) return broken(seq, `第 ${Number(seal.seq_from)}–${seq} 条的批次签名所签哈希与日志不符`);
        if (seal.public_key_pem !== key!.publicKeyPem || !sm2Verify(key!.publicKeyPem, `${seq}\n${r.hash}`, seal.signature)) {
          return broken(seq, `第 ${Number(seal.seq_from)}–${seq} 条的批次签名无效 (不是平台交换密钥的签名)`);
        }
        sealedThrough = seq;
      }
      prev = r.hash;
      expected = seq + 1;
      checked += 1;
    }
  }
  const head = await queryOne<{ seq: string | number; hash: string }>(ctx.db, sql`SELECT seq, hash FROM exchange.message_log_head`);
  if (head && (Number(head.seq) !== checked || head.hash !== prev)) {
    return broken(checked + 1, `链头记录为第 ${Number(head.seq)} 条, 日志只到第 ${checked} 条: 最新的记录被删除或改动`);
  }
  const orphan = seals.find((s) => Number(s.seq_to) > checked);
  if (orphan) return broken(Number(orphan.seq_to), `批次签名覆盖到第 ${Number(orphan.seq_to)} 条, 日志只到第 ${checked} 条: 已签名的记录被删除`);
  return { ok: true, checked, sealedThrough, seals: seals.length };
}
