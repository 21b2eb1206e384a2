/**
 * Admission of a gateway call: per-grant rate limit (per minute) and daily quota, kept in
 * platform.rate_limits (the kernel's fixed-window table, shared by every process), and the
 * client's message id recorded in exchange.message_ids so a repeated X-Road-Id is refused.
 *
 * The kernel's hitRateLimit costs one round trip per rule; a gateway call needs two counters and
 * the message id, so the calls of concurrent requests are gathered and written in ONE statement
 * (counters added up per window, ids inserted with ON CONFLICT DO NOTHING); each request then knows
 * its position in its windows. Refused calls are given back, so only admitted calls count.
 */
import { queryRows, sql, type Db } from '../../../platform/db/index.ts';

export interface LimitRule {
  key: string;
  windowStart: string;
  limit: number;
  kind: 'minute' | 'day';
}

export interface AdmissionInput {
  clientSubsystemId: string;
  messageId: string;
  receivedAt: string;
  limits: LimitRule[];
}

export type AdmissionResult = { ok: true } | { ok: false; reason: 'duplicate_message_id' | 'rate_limited' | 'quota_exceeded'; limit?: number };

const CHINA_OFFSET_MS = 8 * 3600_000;
export const minuteWindow = (now: Date): string => new Date(now.getTime() - (now.getTime() % 60_000)).toISOString();
/** Quotas are per calendar day in China (UTC+8). */
export const chinaDayWindow = (now: Date): string => {
  const local = now.getTime() + CHINA_OFFSET_MS;
  return new Date(local - (local % 86_400_000) - CHINA_OFFSET_MS).toISOString();
};

interface Pending {
  input: AdmissionInput;
  resolve: (r: AdmissionResult) => void;
  reject: (e: unknown) => void;
}

const windowKey = (key: string, windowStartMs: number) => `${key}|${windowStartMs}`;

export async function admitBatch(db: Db, inputs: AdmissionInput[]): Promise<AdmissionResult[]> {
  const counts = new Map<string, { key: string; windowStart: string; n: number }>();
  const positions: Map<LimitRule, number>[] = inputs.map(() => new Map());
  inputs.forEach((inp, i) => {
    for (const rule of inp.limits) {
      const k = windowKey(rule.key, new Date(rule.windowStart).getTime());
      const c = counts.get(k) ?? { key: rule.key, windowStart: rule.windowStart, n: 0 };
      c.n += 1;
      positions[i].set(rule, c.n);
      counts.set(k, c);
    }
  });
  const seenIds = new Set<string>();
  const firstOfId = inputs.map((inp) => {
    const k = `${inp.clientSubsystemId} ${inp.messageId}`;
    if (seenIds.has(k)) return false;
    seenIds.add(k);
    return true;
  });
  const ids = inputs.filter((_, i) => firstOfId[i]);
  const parts = [];
  if (counts.size > 0) {
    parts.push(sql`rl AS (INSERT INTO platform.rate_limits (key, window_start, hits) VALUES ${sql.join([...counts.values()].map((c) => sql`(${c.key}, ${c.windowStart}, ${c.n})`), sql`, `)}
      ON CONFLICT (key, window_start) DO UPDATE SET hits = platform.rate_limits.hits + EXCLUDED.hits RETURNING key, (extract(epoch FROM window_start) * 1000)::float8 AS w, hits)`);
  }
  parts.push(sql`ids AS (INSERT INTO exchange.message_ids (client_subsystem_id, message_id, received_at) VALUES
    ${sql.join(ids.map((inp) => sql`(${inp.clientSubsystemId}, ${inp.messageId}, ${inp.receivedAt})`), sql`, `)} ON CONFLICT DO NOTHING RETURNING client_subsystem_id, message_id)`);
  // Counters and used ids need not reach the disk before the call is forwarded: the call's log
  // record is committed synchronously before the answer, and that flush carries this earlier WAL too.
  parts.push(sql`cfg AS (SELECT set_config('synchronous_commit', 'off', true) AS v)`);
  const select = counts.size > 0
    ? sql`SELECT 'r' AS k, key AS a, w, hits AS n FROM rl UNION ALL SELECT 'i', client_subsystem_id::text || ' ' || message_id, NULL::float8, 0 FROM ids UNION ALL SELECT 'c', v, NULL::float8, 0 FROM cfg`
    : sql`SELECT 'i' AS k, client_subsystem_id::text || ' ' || message_id AS a, NULL::float8 AS w, 0 AS n FROM ids UNION ALL SELECT 'c', v, NULL::float8, 0 FROM cfg`;
  const rows = await queryRows<{ k: 'r' | 'i' | 'c'; a: string; w: number | string | null; n: number }>(db, sql`WITH ${sql.join(parts, sql`, `)} ${select}`);
  const finalHits = new Map<string, number>();
  const newIds = new Set<string>();
  for (const r of rows) {
    if (r.k === 'r') finalHits.set(windowKey(r.a, Math.round(Number(r.w))), Number(r.n));
    else if (r.k === 'i') newIds.add(r.a);
  }
  const results = inputs.map((inp, i): AdmissionResult => {
    if (!firstOfId[i] || !newIds.has(`${inp.clientSubsystemId} ${inp.messageId}`)) return { ok: false, reason: 'duplicate_message_id' };
    let minuteOver: number | undefined;
    for (const rule of inp.limits) {
      const k = windowKey(rule.key, new Date(rule.windowStart).getTime());
      const total = finalHits.get(k) ?? 0;
      const mine = total - counts.get(k)!.n + positions[i].get(rule)!;
      if (mine > rule.limit) {
        if (rule.kind === 'day') return { ok: false, reason: 'quota_exceeded', limit: rule.limit };
        minuteOver = rule.limit;
      }
    }
    return minuteOver !== undefined ? { ok: false, reason: 'rate_limited', limit: minuteOver } : { ok: true };
  });
  // Refused calls give their counts back, so a client hammering a full window does not use up its day.
  const back = new Map<string, { key: string; windowStart: string; n: number }>();
  results.forEach((r, i) => {
    if (r.ok) return;
    for (const rule of inputs[i].limits) {
      const k = windowKey(rule.key, new Date(rule.windowStart).getTime());
      const b = back.get(k) ?? { key: rule.key, windowStart: rule.windowStart, n: 0 };
      b.n -= 1;
      back.set(k, b);
    }
  });
  if (back.size > 0) {
    await db.execute(sql`INSERT INTO platform.rate_limits (key, window_start, hits) VALUES ${sql.join([...back.values()].map((c) => sql`(${c.key}, ${c.windowStart}, ${c.n})`), sql`, `)}
      ON CONFLICT (key, window_start) DO UPDATE SET hits = platform.rate_limits.hits + EXCLUDED.hits`);
  }
  return results;
}

/** Gathers the admissions of concurrent requests into one statement (see the file comment). */
export class Admission {
  private queue: Pending[] = [];
  private busy = false;
  constructor(private readonly db: Db) {}

  admit(input: AdmissionInput): Promise<AdmissionResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, 500);
      try {
        const results = await admitBatch(this.db, batch.map((b) => b.input));
        batch.forEach((b, i) => b.resolve(results[i]));
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.busy = false;
  }
}

const admissions = new WeakMap<object, Admission>();
export function admissionFor(db: Db): Admission {
  let a = admissions.get(db);
  if (!a) {
    a = new Admission(db);
    admissions.set(db, a);
  }
  return a;
}
