/**
 * The access log: one row per record read (who, which unit/system, when, purpose, which record).
 * Reads outside a transaction go through a group-commit writer: entries of concurrent requests are
 * written together in one INSERT, and each request waits for its entries to be durable before it
 * answers (nothing is lost if the process dies after answering). Inside a transaction the entries
 * are written with it.
 */
import type { Ctx } from '../../../platform/context.ts';
import { hasScope } from '../../../platform/context.ts';
import { queryOne, queryRows, sql, type Db } from '../../../platform/db/index.ts';
import { forbidden, notFound } from '../../../platform/errors.ts';
import { SCOPES, type AccessChannel } from '../model.ts';
import { actorUnit, regionOk, visiblePrefixes } from './access.ts';

export interface AccessEntry {
  recordType: 'person' | 'entity';
  recordKey: string;
  channel: AccessChannel;
  purpose: string | null;
  fullView: boolean;
}

type Row = [string, string, string, string, string | null, string, string | null, string, string, string | null, boolean, string];

const CHUNK = 1000;

async function insertRows(db: Db, rows: Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    await db.execute(sql`INSERT INTO registries.access_log (accessed_at, record_type, record_key, actor_kind, actor_user_id, actor_name, unit_id, unit_name, channel, purpose, full_view, request_id)
      VALUES ${sql.join(part.map((r) => sql`(${r[0]}, ${r[1]}, ${r[2]}, ${r[3]}, ${r[4]}, ${r[5]}, ${r[6]}, ${r[7]}, ${r[8]}, ${r[9]}, ${r[10]}, ${r[11]})`), sql`, `)}`);
  }
}

class GroupWriter {
  private queue: { rows: Row[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private busy = false;
  constructor(private readonly db: Db) {}

  write(rows: Row[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        await insertRows(this.db, batch.flatMap((b) => b.rows));
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.busy = false;
  }
}

const writers = new WeakMap<object, GroupWriter>();

/** Writes the access log entries of one request (durable when the promise resolves). */
export async function logAccess(ctx: Ctx, scope: string, entries: AccessEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const { unitId, unitName } = actorUnit(ctx, scope);
  const now = ctx.clock.now().toISOString();
  const kind = ctx.actor.kind;
  const rows: Row[] = entries.map((e) => [now, e.recordType, e.recordKey, kind, ctx.actor.userId, ctx.actor.name, unitId, unitName, e.channel, e.purpose, e.fullView, ctx.requestId]);
  if (ctx.tx) return insertRows(ctx.db, rows);
  let w = writers.get(ctx.db);
  if (!w) {
    w = new GroupWriter(ctx.db);
    writers.set(ctx.db, w);
  }
  return w.write(rows);
}

export interface AccessLogItem {
  accessedAt: string;
  actorKind: string;
  actorName: string;
  unitName: string;
  channel: AccessChannel;
  purpose: string | null;
  fullView: boolean;
}

/**
 * "Who used my data": the reads of one person or entity, newest first. For the system (the future
 * citizen page calls it after checking the citizen is the person) and for staff holding
 * registries.access_log.read over the record's region.
 */
export async function accessLogFor(ctx: Ctx, input: { idNumber?: string; uscc?: string; limit?: number }): Promise<AccessLogItem[]> {
  const type = input.idNumber ? 'person' : 'entity';
  const key = (input.idNumber ?? input.uscc ?? '').toUpperCase();
  if (!key) throw notFound('record_not_found', '请指定公民身份号码或统一社会信用代码。');
  if (ctx.actor.kind !== 'system') {
    if (!hasScope(ctx.actor, SCOPES.accessLogRead)) throw forbidden();
    const row = type === 'person'
      ? await queryOne<{ region_code: string }>(ctx.db, sql`SELECT region_code FROM registries.persons WHERE id_number = ${key}`)
      : await queryOne<{ region_code: string }>(ctx.db, sql`SELECT region_code FROM registries.entities WHERE uscc = ${key}`);
    if (!row || !regionOk(visiblePrefixes(ctx, SCOPES.accessLogRead), row.region_code)) throw notFound('record_not_found', '记录不存在或不在您的辖区内。');
  }
  const rows = await queryRows<{ accessed_at: Date | string; actor_kind: string; actor_name: string; unit_name: string; channel: AccessChannel; purpose: string | null; full_view: boolean }>(
    ctx.db,
    sql`SELECT accessed_at, actor_kind, actor_name, unit_name, channel, purpose, full_view FROM registries.access_log
        WHERE record_type = ${type} AND record_key = ${key} ORDER BY accessed_at DESC, id DESC LIMIT ${input.limit ?? 100}`,
  );
  return rows.map((r) => ({ accessedAt: new Date(r.accessed_at).toISOString(), actorKind: r.actor_kind, actorName: r.actor_name, unitName: r.unit_name, channel: r.channel, purpose: r.purpose, fullView: r.full_view }));
}
