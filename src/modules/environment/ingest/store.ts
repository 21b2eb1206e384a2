/**
 * The durable write of one micro-batch of received packets, in ONE transaction: the raw packet log
 * (every packet, accepted or refused), the reassembly of split uploads (PNUM/PNO) from the log, the
 * readings (the registry side's `storeUploads`, in this transaction) and the session counters.
 * Replies are written to the sockets by the caller only after this commits.
 */
import type { Ctx } from '../../../platform/context.ts';
import { copyFrom, queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { storeUploads, type Upload } from '../services/uploads.ts';
import { parseFrame } from '../hj212/parse.ts';
import type { Hj212Packet, PollutantValues } from '../hj212/types.ts';

export type PacketStatus = 'accepted' | 'rejected' | 'partial';

/** One received packet (or damaged fragment) as it goes to the log. */
export interface PacketRecord {
  id: string;
  receivedAt: Date;
  sessionId: string;
  peer: string;
  /** Bytes from `##` to the CRC (or the damaged fragment), without CR LF. */
  raw: Buffer;
  status: PacketStatus;
  reasonCode: string | null;
  reason: string | null;
  /** Short description of the reply sent after commit (`9014`, `9011 QnRtn=4`), or null. */
  reply: string | null;
  mn: string | null;
  st: string | null;
  cn: string | null;
  qn: string | null;
  flag: number | null;
  pnum: number | null;
  pno: number | null;
  dataTime: string | null;
  pointId: string | null;
  /** Set for accepted data uploads that go to the readings (not split, or split: see reassembly). */
  packet: Hj212Packet | null;
  /** Hand to storeUploads (an accepted, unsplit data upload). */
  store: boolean;
}

/** Counters of one session accumulated over a batch, and its close when it ended. */
export interface SessionDelta {
  id: string;
  peer: string;
  listener: string;
  openedAt: Date;
  lastPacketAt: Date | null;
  mn: string | null;
  pointId: string | null;
  packets: number;
  rejected: number;
  bytes: number;
  closedAt: Date | null;
  closeReason: string | null;
}

/** Text columns never carry NUL or control bytes (PostgreSQL text refuses NUL) and stay short. */
export function cleanText(s: string | null, max = 64): string | null {
  if (s === null) return null;
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return t.length > max ? t.slice(0, max) : t;
}

const param = sql.param;

/** A value in COPY text format: NULL as \\N; backslash, tab, CR and LF escaped. */
function copyField(v: string | number | null): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return String(v);
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : v;
}

/** The COPY text of the packet rows (raw as bytea hex input, whose leading backslash COPY wants doubled). */
export function packetsCopyText(rs: PacketRecord[]): string {
  const lines: string[] = new Array<string>(rs.length);
  for (let i = 0; i < rs.length; i += 1) {
    const r = rs[i];
    lines[i] = [
      r.id, r.receivedAt.toISOString(), r.sessionId, copyField(cleanText(r.peer, 64)), copyField(cleanText(r.mn, 40)), copyField(cleanText(r.st, 8)),
      copyField(cleanText(r.cn, 8)), copyField(cleanText(r.qn, 40)), copyField(r.flag), copyField(r.pnum), copyField(r.pno), copyField(cleanText(r.dataTime, 20)),
      copyField(r.pointId), r.status, copyField(r.reasonCode), copyField(cleanText(r.reason, 300)), copyField(r.reply), `\\\\x${r.raw.toString('hex')}`,
    ].join('\t');
  }
  return lines.join('\n') + '\n';
}

/** The raw log rows by COPY: one round trip, no parameter arrays to parse. */
async function insertPackets(ctx: Ctx, rs: PacketRecord[]): Promise<void> {
  if (rs.length === 0) return;
  await copyFrom(ctx.db, 'COPY environment.packets (id, received_at, session_id, peer, mn, st, cn, qn, flag, pnum, pno, data_time, point_id, status, reason_code, reason, reply, raw) FROM STDIN', packetsCopyText(rs));
}

async function upsertSessions(ctx: Ctx, input: SessionDelta[]): Promise<void> {
  if (input.length === 0) return;
  // Rows in id order: concurrent batches then lock shared session rows in the same order (no deadlock).
  const ss = [...input].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  await ctx.db.execute(sql`INSERT INTO environment.logger_sessions AS s
      (id, peer, listener, opened_at, last_packet_at, closed_at, close_reason, mn, point_id, packets, rejected, bytes_in)
    SELECT * FROM unnest(
      ${param(ss.map((s) => s.id))}::uuid[], ${param(ss.map((s) => cleanText(s.peer)))}::text[], ${param(ss.map((s) => cleanText(s.listener, 120)))}::text[],
      ${param(ss.map((s) => iso(s.openedAt)))}::timestamptz[], ${param(ss.map((s) => iso(s.lastPacketAt)))}::timestamptz[], ${param(ss.map((s) => iso(s.closedAt)))}::timestamptz[],
      ${param(ss.map((s) => s.closeReason))}::text[], ${param(ss.map((s) => cleanText(s.mn, 40)))}::text[], ${param(ss.map((s) => s.pointId))}::uuid[],
      ${param(ss.map((s) => s.packets))}::bigint[], ${param(ss.map((s) => s.rejected))}::bigint[], ${param(ss.map((s) => s.bytes))}::bigint[]
    )
    ON CONFLICT (id) DO UPDATE SET
      last_packet_at = greatest(s.last_packet_at, excluded.last_packet_at),
      closed_at = coalesce(excluded.closed_at, s.closed_at),
      close_reason = coalesce(excluded.close_reason, s.close_reason),
      mn = coalesce(excluded.mn, s.mn),
      point_id = coalesce(excluded.point_id, s.point_id),
      packets = s.packets + excluded.packets,
      rejected = s.rejected + excluded.rejected,
      bytes_in = s.bytes_in + excluded.bytes_in`);
}

/** One upload from the parts of a split upload, in PNO order: CP items and pollutant values merged. */
export function mergeParts(parts: Hj212Packet[]): Hj212Packet {
  const sorted = [...parts].sort((a, b) => (a.pno ?? 0) - (b.pno ?? 0));
  const fields: Record<string, string> = {};
  const byCode = new Map<string, PollutantValues>();
  for (const p of sorted) {
    Object.assign(fields, p.cp.fields);
    for (const v of p.cp.pollutants) byCode.set(v.code, { ...byCode.get(v.code), ...v });
  }
  const first = sorted[0];
  return { ...first, pnum: null, pno: null, cp: { dataTime: first.cp.dataTime, fields, pollutants: [...byCode.values()] } };
}

/**
 * Completes split uploads touched by this batch from the packet log (the database is the truth, so
 * parts received before a restart or on another connection count): when every PNO of a group is there,
 * the merged upload goes to the readings and the parts become `accepted`.
 */
async function reassemble(ctx: Ctx, rs: PacketRecord[]): Promise<{ uploads: Upload[]; completed: Set<string> }> {
  const groups = new Map<string, PacketRecord>();
  for (const r of rs) if (r.status === 'partial') groups.set(`${r.mn}|${r.cn}|${r.pnum}|${r.dataTime}`, r);
  const uploads: Upload[] = [];
  const completed = new Set<string>();
  // Groups in key order: concurrent batches lock the parts of shared groups in the same order (no deadlock).
  for (const [, r] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const rows = await queryRows<{ id: string; pno: number; raw: string; point_id: string | null; received_at: string | Date }>(ctx.db, sql`SELECT id, pno, encode(raw, 'base64') AS raw, point_id, received_at
      FROM environment.packets
      WHERE status = 'partial' AND mn = ${r.mn} AND cn = ${r.cn} AND pnum = ${r.pnum} AND data_time = ${r.dataTime}
      ORDER BY id FOR UPDATE`);
    const latest = new Map<number, (typeof rows)[number]>();
    for (const row of rows) latest.set(row.pno, row); // a re-sent part replaces the earlier copy
    if (latest.size < (r.pnum ?? 0)) continue;
    const parts: Hj212Packet[] = [];
    for (const row of [...latest.values()].sort((a, b) => a.pno - b.pno)) {
      const parsed = parseFrame(Buffer.from(row.raw, 'base64'));
      if (parsed.ok) parts.push(parsed.packet);
    }
    if (parts.length !== r.pnum) continue;
    const firstRow = [...latest.values()].sort((a, b) => a.pno - b.pno)[0];
    uploads.push({ packetId: firstRow.id, pointId: r.pointId ?? firstRow.point_id!, packet: mergeParts(parts), receivedAt: r.receivedAt });
    const ids = rows.map((x) => x.id);
    await ctx.db.execute(sql`UPDATE environment.packets SET status = 'accepted' WHERE id = ANY(${param(ids)}::uuid[])`);
    for (const id of ids) completed.add(id);
  }
  return { uploads, completed };
}

/** Writes a batch in one transaction; resolves after COMMIT. */
export async function writeBatch(ctx: Ctx, records: PacketRecord[], sessions: SessionDelta[]): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    await insertPackets(tctx, records);
    const uploads: Upload[] = [];
    for (const r of records) {
      if (r.store && r.packet && r.pointId) uploads.push({ packetId: r.id, pointId: r.pointId, packet: r.packet, receivedAt: r.receivedAt });
    }
    if (records.some((r) => r.status === 'partial')) uploads.push(...(await reassemble(tctx, records)).uploads);
    if (uploads.length > 0) await storeUploads(tctx, uploads);
    await upsertSessions(tctx, sessions);
  });
}
