/**
 * The boundary with the ingest side (hj212/, ingest/): authenticating a data logger by MN and PW,
 * and storing parsed uploads inside the ingest transaction. Monitoring data is not a staff change:
 * no audit record and no outbox event per packet (the raw packet log is the evidence); the derived
 * work (hours, days, alarms) is queued in `environment.aggregation_queue` for the worker.
 */
import type { Ctx } from '../../../platform/context.ts';
import { copyFrom, queryOne, queryRows, sql } from '../../../platform/db/index.ts';
import { ensureSecret } from '../../../platform/secrets.ts';
import { safeEqual, sm3Hmac } from '../../../platform/crypto/index.ts';
import type { Hj212Packet, PollutantValues } from '../hj212/types.ts';
import { KIND_BY_CN, PW_SECRET, parseDataTime, type ReadingKind } from '../model.ts';

// --- logger passwords ---------------------------------------------------------------------------
// PW is a short shared secret (6 characters in the standard) that the logger sends in clear in every
// packet. We keep HMAC-SM3(platform secret, PW): comparing needs no reversible copy, a leaked table
// alone reveals nothing (a 6-character PW would fall to brute force against a plain or salted
// hash), and the check costs microseconds, unlike argon2 which would make 10,000 reconnecting
// loggers a CPU problem. The platform never needs the PW back: replies echo the packet's own PW.

let cachedKey: Buffer | null = null;

async function pwKey(ctx: Ctx, refresh = false): Promise<Buffer> {
  if (!cachedKey || refresh) cachedKey = await ensureSecret(ctx.db, PW_SECRET, 32);
  return cachedKey;
}

export async function hashLoggerPassword(ctx: Ctx, pw: string): Promise<string> {
  return sm3Hmac(await pwKey(ctx, true), pw).toString('hex');
}

export type LoggerAuthResult = { ok: true; pointId: string; intervalSeconds?: number } | { ok: false; reason: 'unknown_mn' | 'wrong_pw' | 'disabled' };

/** Checks a logger's MN and PW against the registered points. No scope check: the caller is the ingest listener. */
export async function authenticateLogger(ctx: Ctx, input: { mn: string; pw: string }): Promise<LoggerAuthResult> {
  if (typeof input.mn !== 'string' || input.mn.length === 0 || input.mn.length > 32) return { ok: false, reason: 'unknown_mn' };
  const row = await queryOne<{ id: string; pw_hmac: string; status: string; rtd_interval_s: number }>(
    ctx.db,
    sql`SELECT id, pw_hmac, status, rtd_interval_s FROM environment.points WHERE mn = ${input.mn}`,
  );
  if (!row) return { ok: false, reason: 'unknown_mn' };
  const pw = typeof input.pw === 'string' ? input.pw : '';
  // The key is cached per process; a mismatch re-reads it once (another deployment's key in the same process, a restore).
  let match = safeEqual(sm3Hmac(await pwKey(ctx), pw).toString('hex'), row.pw_hmac);
  if (!match) match = safeEqual(sm3Hmac(await pwKey(ctx, true), pw).toString('hex'), row.pw_hmac);
  if (!match) return { ok: false, reason: 'wrong_pw' };
  if (row.status !== 'active') return { ok: false, reason: 'disabled' };
  return { ok: true, pointId: row.id, intervalSeconds: row.rtd_interval_s };
}

// --- storing uploads ----------------------------------------------------------------------------

export interface Upload {
  packetId: string;
  pointId: string;
  packet: Hj212Packet;
  receivedAt: Date;
}

/** The stored values of one pollutant (the keys of `vals` in environment.readings). */
export interface StoredValues {
  rtd?: number;
  avg?: number;
  min?: number;
  max?: number;
  cou?: number;
  zsRtd?: number;
  zsAvg?: number;
  zsMin?: number;
  zsMax?: number;
  flag?: string;
  eflag?: string;
}

const VALUE_KEYS = ['rtd', 'avg', 'min', 'max', 'cou', 'zsRtd', 'zsAvg', 'zsMin', 'zsMax'] as const;

function storedValues(p: PollutantValues): StoredValues {
  const v: StoredValues = {};
  for (const k of VALUE_KEYS) {
    const x = p[k];
    if (typeof x === 'number' && Number.isFinite(x)) v[k] = x;
  }
  if (p.flag) v.flag = p.flag;
  if (p.eflag) v.eflag = p.eflag;
  return v;
}

interface Row {
  point_id: string;
  kind: ReadingKind;
  data_time: string;
  received_at: string;
  packet_id: string;
  vals: Record<string, StoredValues>;
}

/** Data older than a year or more than a day ahead of the reception is not stored as readings. */
const PLAUSIBLE_PAST_MS = 366 * 86400_000;
const PLAUSIBLE_FUTURE_MS = 86400_000;

/** Pure: the reading rows of a batch, merged by (point, kind, data time) so one statement never touches a row twice. */
export function readingRows(uploads: Upload[]): Row[] {
  const byKey = new Map<string, Row>();
  for (const u of uploads) {
    const kind = KIND_BY_CN[u.packet.cn];
    if (!kind) continue; // status, run time, heartbeats, replies: kept in the packet log only
    const t = parseDataTime(u.packet.cp.dataTime) ?? u.receivedAt;
    // A logger whose clock was never set (DataTime=2000…) or runs far ahead: keep the packet in the log only.
    if (t.getTime() < u.receivedAt.getTime() - PLAUSIBLE_PAST_MS || t.getTime() > u.receivedAt.getTime() + PLAUSIBLE_FUTURE_MS) continue;
    const vals: Record<string, StoredValues> = {};
    for (const p of u.packet.cp.pollutants) {
      const code = p.code2017 ?? p.code;
      if (!/^[A-Za-z0-9_-]{1,24}$/.test(code)) continue;
      vals[code] = { ...vals[code], ...storedValues(p) };
    }
    if (Object.keys(vals).length === 0) continue;
    const dataTime = t.toISOString();
    const key = `${u.pointId}|${kind}|${dataTime}`;
    const prev = byKey.get(key);
    if (prev) {
      for (const [code, v] of Object.entries(vals)) prev.vals[code] = { ...prev.vals[code], ...v };
    } else {
      byKey.set(key, { point_id: u.pointId, kind, data_time: dataTime, received_at: u.receivedAt.toISOString(), packet_id: u.packetId, vals });
    }
  }
  return [...byKey.values()];
}

/** Deterministic order of reading rows: concurrent batches lock shared rows in the same order (no deadlock). */
function compareRows(a: Row, b: Row): number {
  if (a.point_id !== b.point_id) return a.point_id < b.point_id ? -1 : 1;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  return a.data_time < b.data_time ? -1 : a.data_time > b.data_time ? 1 : 0;
}

/** A text value in COPY text format (JSON text has no raw tab/CR/LF; only backslash needs doubling). */
const copyEscape = (v: string): string => (v.includes('\\') ? v.replaceAll('\\', '\\\\') : v);

/**
 * Stores the readings of a batch of uploads in the caller's (ingest) transaction. Idempotent on (point, kind, data time): a re-sent
 * upload changes nothing; the parts of a split upload (PNUM/PNO) merge into one row; a later upload
 * that corrects a pollutant's values replaces that pollutant's values.
 *
 * The rows go by COPY into a session-local staging table (emptied at commit), then one INSERT … SELECT
 * … ON CONFLICT in (point, kind, data time) order moves them into the readings and queues the changed
 * (point, hour)s: cheaper for the server than parsing one large JSON parameter (bench/environment-store.ts).
 */
export async function storeUploads(ctx: Ctx, uploads: Upload[]): Promise<void> {
  const rows = readingRows(uploads).sort(compareRows);
  if (rows.length === 0) return;
  await ctx.db.execute(sql`CREATE TEMP TABLE IF NOT EXISTS readings_stage
    (point_id uuid, kind text, data_time timestamptz, received_at timestamptz, packet_id uuid, vals jsonb) ON COMMIT DELETE ROWS`);
  let text = '';
  for (const r of rows) text += `${r.point_id}\t${r.kind}\t${r.data_time}\t${r.received_at}\t${r.packet_id}\t${copyEscape(JSON.stringify(r.vals))}\n`;
  await copyFrom(ctx.db, 'COPY pg_temp.readings_stage (point_id, kind, data_time, received_at, packet_id, vals) FROM STDIN', text);
  // One statement: the readings, and a queue row per (point, hour) that actually changed (a re-sent
  // upload changes nothing and queues nothing). The rows leave the staging table in the same statement
  // (a second call in the same transaction starts empty); the commit truncates its dead tuples.
  await ctx.db.execute(sql`WITH staged AS (DELETE FROM pg_temp.readings_stage RETURNING *), changed AS (
      INSERT INTO environment.readings AS r (point_id, kind, data_time, received_at, packet_id, vals)
      SELECT point_id, kind, data_time, received_at, packet_id, vals FROM staged
      ORDER BY point_id, kind, data_time
      ON CONFLICT (point_id, kind, data_time) DO UPDATE SET vals = r.vals || excluded.vals
      WHERE NOT (r.vals @> excluded.vals)
      RETURNING r.point_id, r.data_time)
    INSERT INTO environment.aggregation_queue (point_id, hour_start, enqueued_at)
    SELECT DISTINCT point_id, date_trunc('hour', data_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', ${ctx.clock.now().toISOString()}::timestamptz FROM changed`);
}

// --- credentials of the demo loggers (for the simulator) ----------------------------------------

/** The published password of every demo logger (the HJ 212 standard's own example PW). Demo points only. */
export const DEMO_LOGGER_PW = '123456';

export interface LoggerCredential {
  pointId: string;
  mn: string;
  pw: string;
  /** HJ 212 system type: 31 air pollution source, 32 surface-water pollution source. */
  st: '31' | '32';
  protocol: '2005' | '2017';
  intervalSeconds: number;
  minIntervalMinutes: number;
  /** Reference O₂ (%) of a flue-gas outlet. */
  o2Reference: number | null;
  pollutants: { code: string; limit?: number; limitMin?: number; range?: [number, number] }[];
}

/**
 * Active demo points with their (published demo) password, for the demo simulator. Real points'
 * passwords are stored only as an HMAC and cannot be listed; `demoOnly` must therefore be true.
 */
export async function listLoggerCredentials(ctx: Ctx, input: { demoOnly: true }): Promise<LoggerCredential[]> {
  if (input.demoOnly !== true) return [];
  const rows = await queryRows<{ id: string; mn: string; medium: 'air' | 'water'; protocol: '2005' | '2017'; rtd_interval_s: number; min_interval_min: number; o2_reference: number | null; pollutants: string[]; instrument_ranges: Record<string, [number, number]>; limits: { p: string; max: number | null; min: number | null }[] }>(
    ctx.db,
    sql`SELECT p.id, p.mn, p.medium, p.protocol, p.rtd_interval_s, p.min_interval_min, o.o2_reference, p.pollutants, p.instrument_ranges,
      coalesce((SELECT jsonb_agg(jsonb_build_object('p', l.pollutant, 'max', l.limit_max, 'min', l.limit_min)) FROM environment.outlet_limits l WHERE l.outlet_id = o.id), '[]'::jsonb) AS limits
      FROM environment.points p JOIN environment.outlets o ON o.id = p.outlet_id
      WHERE p.is_demo AND p.status = 'active' ORDER BY p.mn`,
  );
  return rows.map((r) => {
    const limits = new Map(r.limits.map((l) => [l.p, l]));
    return {
      pointId: r.id,
      mn: r.mn,
      pw: DEMO_LOGGER_PW,
      st: r.medium === 'air' ? '31' : '32',
      protocol: r.protocol,
      intervalSeconds: r.rtd_interval_s,
      minIntervalMinutes: r.min_interval_min,
      o2Reference: r.o2_reference,
      pollutants: r.pollutants.map((code) => {
        const l = limits.get(code);
        const out: LoggerCredential['pollutants'][number] = { code };
        if (l && l.max !== null) out.limit = l.max;
        if (l && l.min !== null) out.limitMin = l.min;
        if (r.instrument_ranges[code]) out.range = r.instrument_ranges[code];
        return out;
      }),
    };
  });
}
