/**
 * The SM3 hash chain of the audit log. Entries buffered during a transaction are appended just
 * before commit under an advisory lock, so the chain order is the commit order and seq has no gaps.
 */
import { newId } from '../ids.ts';
import { sm3Hex } from '../crypto/index.ts';
import { queryOne, queryRows, sql, type Db } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import type { AuditEntry } from './entry.ts';

export const GENESIS_HASH = '0'.repeat(64);
const AUDIT_CHAIN_LOCK = 724201;

/** The fields that are hashed, in a fixed order. */
export interface AuditRow {
  seq: number;
  id: string;
  occurredAt: string;
  actorKind: string;
  actorUserId: string | null;
  actorName: string;
  actorUnitId: string | null;
  actorRegionCode: string;
  action: string;
  targetType: string;
  targetId: string;
  targetLabel: string | null;
  purpose: string | null;
  result: string;
  details: string;
  requestId: string;
  ip: string | null;
  prevHash: string;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function hashAuditRow(row: AuditRow): string {
  const content = [
    row.seq,
    row.id,
    row.occurredAt,
    row.actorKind,
    row.actorUserId ?? '',
    row.actorName,
    row.actorUnitId ?? '',
    row.actorRegionCode,
    row.action,
    row.targetType,
    row.targetId,
    row.targetLabel ?? '',
    row.purpose ?? '',
    row.result,
    row.details,
    row.requestId,
    row.ip ?? '',
  ].join('\u001f');
  return sm3Hex(`${row.prevHash}\u001e${content}`);
}

/** Queue an audit record in the current transaction (see inTransaction). */
export function audit(ctx: Ctx, entry: AuditEntry): void {
  if (!ctx.tx) throw new Error(`audit(${entry.action}) called outside inTransaction(): the record would not share the change's transaction`);
  ctx.tx.auditBuffer.push(entry);
}

export async function appendAuditEntries(ctx: Ctx, db: Db, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.execute(sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  const last = await queryOne<{ seq: string | number; hash: string }>(
    db,
    sql`SELECT seq, hash FROM platform.audit_log ORDER BY seq DESC LIMIT 1`,
  );
  let seq = last ? Number(last.seq) : 0;
  let prevHash = last ? last.hash : GENESIS_HASH;
  const primary = ctx.actor.grants[0];
  const occurredAt = ctx.clock.now().toISOString();
  for (const entry of entries) {
    seq += 1;
    const row: AuditRow = {
      seq,
      id: newId(),
      occurredAt,
      actorKind: ctx.actor.kind,
      actorUserId: ctx.actor.userId,
      actorName: ctx.actor.name,
      actorUnitId: primary?.unitId || null,
      actorRegionCode: primary?.regionCode ?? '',
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      targetLabel: entry.targetLabel ?? null,
      purpose: entry.purpose ?? null,
      result: entry.result ?? 'success',
      details: canonicalJson(entry.details ?? {}),
      requestId: ctx.requestId,
      ip: ctx.ip ?? null,
      prevHash,
    };
    const hash = hashAuditRow(row);
    await db.execute(sql`
      INSERT INTO platform.audit_log (seq, id, occurred_at, actor_kind, actor_user_id, actor_name, actor_unit_id,
        actor_region_code, action, target_type, target_id, target_label, purpose, result, details, request_id, ip, prev_hash, hash)
      VALUES (${row.seq}, ${row.id}, ${row.occurredAt}, ${row.actorKind}, ${row.actorUserId}, ${row.actorName}, ${row.actorUnitId},
        ${row.actorRegionCode}, ${row.action}, ${row.targetType}, ${row.targetId}, ${row.targetLabel}, ${row.purpose}, ${row.result},
        ${row.details}, ${row.requestId}, ${row.ip}, ${row.prevHash}, ${hash})`);
    prevHash = hash;
  }
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** The first broken link, when not ok. */
  brokenAt?: { seq: number; reason: string };
}

interface StoredAuditRow {
  seq: string | number;
  id: string;
  occurred_at: Date | string;
  actor_kind: string;
  actor_user_id: string | null;
  actor_name: string;
  actor_unit_id: string | null;
  actor_region_code: string;
  action: string;
  target_type: string;
  target_id: string;
  target_label: string | null;
  purpose: string | null;
  result: string;
  details: string;
  request_id: string;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

/** Walks the whole chain in seq order, batch by batch; reports the first broken link. */
export async function verifyAuditChain(db: Db, opts: { batchSize?: number; onProgress?: (checked: number) => void } = {}): Promise<VerifyResult> {
  const batchSize = opts.batchSize ?? 5000;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const rows = await queryRows<StoredAuditRow>(
      db,
      sql`SELECT * FROM platform.audit_log WHERE seq >= ${expectedSeq} ORDER BY seq LIMIT ${batchSize}`,
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expectedSeq) {
        return { ok: false, checked, brokenAt: { seq: expectedSeq, reason: `第 ${expectedSeq} 条记录缺失 (下一条为第 ${seq} 条): 记录被删除` } };
      }
      if (r.prev_hash !== prevHash) {
        return { ok: false, checked, brokenAt: { seq, reason: `第 ${seq} 条记录的前序哈希与第 ${seq - 1} 条不符: 链被改动` } };
      }
      const occurredAt = r.occurred_at instanceof Date ? r.occurred_at.toISOString() : new Date(r.occurred_at).toISOString();
      const recomputed = hashAuditRow({
        seq,
        id: r.id,
        occurredAt,
        actorKind: r.actor_kind,
        actorUserId: r.actor_user_id,
        actorName: r.actor_name,
        actorUnitId: r.actor_unit_id,
        actorRegionCode: r.actor_region_code,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        targetLabel: r.target_label,
        purpose: r.purpose,
        result: r.result,
        details: r.details,
        requestId: r.request_id,
        ip: r.ip,
        prevHash: r.prev_hash,
      });
      if (recomputed !== r.hash) {
        return { ok: false, checked, brokenAt: { seq, reason: `第 ${seq} 条记录内容与其哈希不符: 记录被篡改` } };
      }
      prevHash = r.hash;
      expectedSeq = seq + 1;
      checked += 1;
    }
    opts.onProgress?.(checked);
  }
  return { ok: true, checked };
}
