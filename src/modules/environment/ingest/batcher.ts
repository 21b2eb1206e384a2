/**
 * Micro-batching across connections (group commit): packets from every connection queue here and are
 * written together — after `lingerMs`, or at once when `maxBatch` are waiting — in one transaction each,
 * with up to `maxConcurrent` transactions in flight. Each packet's promise settles after its batch
 * committed; only then does its connection write the reply. While a batch is being written the next
 * one fills, so batches grow with load and the per-packet cost falls.
 *
 * A batch that fails on its data (an SQL data or integrity error) is retried packet by packet, so one
 * bad packet cannot block everyone's: the culprit is logged as refused (`store_failed`, raw kept) and
 * not acknowledged. A batch that fails otherwise (database unreachable) fails all its packets: no reply,
 * the loggers re-send.
 */
import type { Logger } from '../../../platform/context.ts';
import type { PacketRecord, SessionDelta } from './store.ts';

export interface BatcherOptions {
  /** Flush after this many ms when the batch is not full (default 2). */
  lingerMs?: number;
  /** Flush at once at this many packets (default 2000). */
  maxBatch?: number;
  /** Transactions in flight (default 4; PGlite serialises them anyway). */
  maxConcurrent?: number;
  /** Called after each batch settled (the server resumes connections paused on the global queue limit). */
  onSettled?: () => void;
}

/** How a packet ended up: stored as received, or quarantined after its batch failed on it. */
export type Outcome = 'stored' | 'quarantined';

interface Pending {
  record: PacketRecord;
  resolve(o: Outcome): void;
  reject(err: unknown): void;
}

export type BatchWriter = (records: PacketRecord[], sessions: SessionDelta[]) => Promise<void>;

/** SQLSTATE class 40: deadlock or serialization failure — the same batch may simply be tried again. */
function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('40');
}

/** SQLSTATE classes caused by the data of a row rather than by the database (22 data exception, 23 integrity). */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

export class Batcher {
  private queue: Pending[] = [];
  private sessions = new Map<string, SessionDelta>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private readonly idle: (() => void)[] = [];
  private readonly lingerMs: number;
  private readonly maxBatch: number;
  private readonly maxConcurrent: number;
  private readonly onSettled: (() => void) | undefined;
  /** Totals since start (for stats and benchmarks). */
  readonly totals = { batches: 0, packets: 0, failedBatches: 0, quarantined: 0, retries: 0 };

  constructor(private readonly write: BatchWriter, private readonly log: Logger, opts: BatcherOptions = {}) {
    this.lingerMs = opts.lingerMs ?? 2;
    this.maxBatch = opts.maxBatch ?? 2000;
    this.maxConcurrent = opts.maxConcurrent ?? 4;
    this.onSettled = opts.onSettled;
  }

  /** Queues a packet; resolves once it is committed. */
  add(record: PacketRecord): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.schedule();
    });
  }

  /** Adds to a session's counters in the next batch (and its close, when given). */
  touchSession(delta: SessionDelta): void {
    const prev = this.sessions.get(delta.id);
    if (!prev) {
      this.sessions.set(delta.id, { ...delta });
    } else {
      prev.packets += delta.packets;
      prev.rejected += delta.rejected;
      prev.bytes += delta.bytes;
      if (delta.lastPacketAt && (!prev.lastPacketAt || delta.lastPacketAt > prev.lastPacketAt)) prev.lastPacketAt = delta.lastPacketAt;
      prev.mn = delta.mn ?? prev.mn;
      prev.pointId = delta.pointId ?? prev.pointId;
      prev.closedAt = delta.closedAt ?? prev.closedAt;
      prev.closeReason = delta.closeReason ?? prev.closeReason;
    }
    this.schedule();
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves when everything queued so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.sessions.size > 0 || this.inFlight > 0) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.kick();
      if (this.inFlight > 0) await new Promise<void>((r) => this.idle.push(r));
    }
  }

  private schedule(): void {
    if (this.queue.length >= this.maxBatch) {
      this.kick();
      return;
    }
    if (!this.timer && this.inFlight < this.maxConcurrent) this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, this.lingerMs);
  }

  private kick(): void {
    while (this.inFlight < this.maxConcurrent && (this.queue.length > 0 || this.sessions.size > 0)) {
      const batch = this.queue.splice(0, this.maxBatch);
      const sessions = [...this.sessions.values()];
      this.sessions.clear();
      this.inFlight += 1;
      void this.flush(batch, sessions).finally(() => {
        this.inFlight -= 1;
        // What queued while this batch was written has waited long enough: write it now (group commit).
        if (this.queue.length > 0 || this.sessions.size > 0) this.kick();
        if (this.inFlight === 0) for (const r of this.idle.splice(0)) r();
        this.onSettled?.();
      });
    }
  }

  private async flush(batch: Pending[], sessions: SessionDelta[]): Promise<void> {
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await this.write(batch.map((p) => p.record), sessions);
          break;
        } catch (err) {
          if (!isTransient(err) || attempt >= 3) throw err;
          this.totals.retries += 1;
        }
      }
      this.totals.batches += 1;
      this.totals.packets += batch.length;
      for (const p of batch) p.resolve('stored');
      return;
    } catch (err) {
      this.totals.failedBatches += 1;
      if (!isDataError(err)) {
        this.log.error({ err, packets: batch.length }, 'hj212 batch not stored; loggers will re-send');
        for (const p of batch) p.reject(err);
        return;
      }
      this.log.warn({ err, packets: batch.length }, 'hj212 batch failed on its data; storing packet by packet');
    }
    for (const p of batch) {
      try {
        await this.write([p.record], []);
        this.totals.packets += 1;
        p.resolve('stored');
      } catch (err) {
        if (!isDataError(err)) {
          p.reject(err);
          continue;
        }
        const quarantined: PacketRecord = { ...p.record, status: 'rejected', reasonCode: 'store_failed', reason: `入库失败: ${String((err as Error).message ?? err).slice(0, 200)}`, reply: null, packet: null, store: false };
        try {
          await this.write([quarantined], []);
          this.totals.quarantined += 1;
          p.resolve('quarantined');
        } catch (err2) {
          p.reject(err2);
        }
      }
    }
  }
}
