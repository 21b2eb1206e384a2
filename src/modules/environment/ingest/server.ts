/**
 * The HJ 212 TCP server: one LoggerConnection per data logger. Per connection: framing (FrameDecoder),
 * parsing, authentication by MN and PW (cached per connection after the first success; the database is
 * the truth), limits (packet size, idle timeout, packets per second with a burst, unacknowledged
 * packets in flight — exceeding a rate pauses reading rather than dropping data), and replies written
 * strictly after the packet's batch committed, in the order the packets arrived.
 */
import net from 'node:net';
import os from 'node:os';
import type { Ctx, Logger } from '../../../platform/context.ts';
import { newId } from '../../../platform/ids.ts';
import { authenticateLogger, type LoggerAuthResult } from '../services/uploads.ts';
import { FrameDecoder, type FrameEvent } from '../hj212/frame.ts';
import { looseHeader, parseFrame, type LooseHeader } from '../hj212/parse.ts';
import { DATA_COMMANDS, QN_RTN, isLoggerCommand } from '../hj212/codes.ts';
import { encodeDataReply, encodeNoticeReply, encodeRequestReply, encodeSetTime, replyTargetOf, type ReplyTarget } from '../hj212/encode.ts';
import type { Hj212Packet, Hj212Rejection } from '../hj212/types.ts';
import { Batcher, type BatchWriter, type BatcherOptions } from './batcher.ts';
import { writeBatch, type PacketRecord } from './store.ts';

export interface IngestLimits {
  /** Largest data segment in bytes (standard: 1024). */
  maxDataLength: number;
  /** Close a connection silent for this long. */
  idleTimeoutMs: number;
  /** Sustained packets per second per connection, and the burst allowed above it; beyond, reading pauses. */
  packetsPerSecond: number;
  burst: number;
  /** Packets received but not yet acknowledged (awaiting commit) per connection; beyond, reading pauses. */
  maxUnacked: number;
  maxConnections: number;
  /** Packets queued for storage over all connections; beyond, every connection pauses reading (database slower than the loggers). */
  maxQueued: number;
  /** How long a successful MN/PW check is trusted on a connection. */
  authCacheMs: number;
}

export const DEFAULT_LIMITS: IngestLimits = {
  maxDataLength: 4096,
  idleTimeoutMs: 10 * 60_000,
  packetsPerSecond: 100,
  burst: 2000,
  maxUnacked: 2000,
  maxConnections: 20_000,
  maxQueued: 50_000,
  authCacheMs: 5 * 60_000,
};

export interface Hj212ServerOptions {
  port: number;
  host?: string;
  systemCtx: () => Ctx;
  log: Logger;
  limits?: Partial<IngestLimits>;
  batch?: BatcherOptions;
  /** Defaults to the registry's authenticateLogger. */
  authenticate?: (ctx: Ctx, input: { mn: string; pw: string }) => Promise<LoggerAuthResult>;
  /** Defaults to writeBatch on the system context's database. */
  write?: BatchWriter;
}

export interface IngestStats {
  connections: number;
  connectionsTotal: number;
  frames: number;
  accepted: number;
  rejected: number;
  unacked: number;
  queued: number;
  batches: number;
  quarantined: number;
  /** Times a connection's reading was paused (rate or unacknowledged limit). */
  pauses: number;
}

export interface Hj212Server {
  port: number;
  stats(): IngestStats;
  stop(): Promise<void>;
}

/** QnRtn answering a refused packet, by reason; frame-level damage gets no answer. */
const QN_RTN_BY_REASON: Partial<Record<string, number>> = {
  crc_mismatch: QN_RTN.crcError,
  crc_syntax: QN_RTN.crcError,
  st_invalid: QN_RTN.stError,
  flag_invalid: QN_RTN.flagError,
  qn_invalid: QN_RTN.qnError,
  cn_invalid: QN_RTN.cnError,
  mn_invalid: QN_RTN.mnError,
  pw_invalid: QN_RTN.pwError,
  field_syntax: QN_RTN.rejected,
  field_missing: QN_RTN.rejected,
  datatime_invalid: QN_RTN.rejected,
  value_invalid: QN_RTN.rejected,
  pnum_invalid: QN_RTN.rejected,
  mn_unknown: QN_RTN.mnError,
  pw_wrong: QN_RTN.pwError,
  point_disabled: QN_RTN.rejected,
};

const ANSWERS = new Set(['9011', '9012', '9013', '9014', '9015']);

/** A session's row is refreshed at most this often while packets flow (plus at its first packet and at close). */
const SESSION_WRITE_MS = 60_000;

/** A reply can only be addressed to a sane MN (and PW): never echo bytes that would break the reply's own syntax. */
function addressable(h: { mn: string | null; pw: string | null }): boolean {
  return h.mn !== null && /^[0-9A-Za-z]{1,24}$/.test(h.mn) && (h.pw === null || /^[\x21-\x7e]{0,32}$/.test(h.pw) && !/[;,&=]/.test(h.pw));
}

class LoggerConnection {
  readonly id = newId();
  readonly peer: string;
  readonly openedAt: Date;
  private readonly decoder: FrameDecoder;
  /** Frames are processed one after the other (authentication may wait on the database). */
  chain: Promise<void> = Promise.resolve();
  /** Replies are written in arrival order, each after its packet's commit. */
  replies: Promise<void> = Promise.resolve();
  private unacked = 0;
  private tokens: number;
  private lastRefill = Date.now();
  private paused = false;
  private resumeTimer: NodeJS.Timeout | null = null;
  private readonly auth = new Map<string, { pw: string; pointId: string; until: number }>();
  private recorded = false;
  private closed = false;
  private unwritten: { packets: number; rejected: number; bytes: number; lastPacketAt: Date | null; mn: string | null } = { packets: 0, rejected: 0, bytes: 0, lastPacketAt: null, mn: null };
  private sessionWrittenAt = 0;
  private corked = false;
  private mn: string | null = null;
  private pointId: string | null = null;

  constructor(readonly socket: net.Socket, private readonly server: Hj212TcpServer) {
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.openedAt = server.now();
    this.decoder = new FrameDecoder({ maxDataLength: server.limits.maxDataLength });
    this.tokens = server.limits.burst;
    socket.setNoDelay(true);
    socket.setTimeout(server.limits.idleTimeoutMs, () => this.close('idle'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => {
      this.decoder.end(this.onEvent);
      // Answer what was received, then close our side.
      void this.chain.then(() => this.replies).then(() => socket.end());
    });
    socket.on('error', () => this.close('error'));
    socket.on('close', () => this.close('peer'));
  }

  get pending(): number {
    return this.unacked;
  }

  private onData(chunk: Buffer): void {
    this.decoder.push(chunk, this.onEvent);
    this.throttle();
  }

  private readonly onEvent = (ev: FrameEvent): void => {
    this.server.counters.frames += 1;
    this.tokens -= 1;
    this.unacked += 1;
    const receivedAt = this.server.now();
    this.chain = this.chain.then(() => this.process(ev, receivedAt)).catch((err: unknown) => {
      this.unacked -= 1;
      this.server.log.error({ err, peer: this.peer }, 'hj212 packet handling failed');
    });
  };

  private refill(): void {
    const now = Date.now();
    const { packetsPerSecond, burst } = this.server.limits;
    this.tokens = Math.min(burst, this.tokens + ((now - this.lastRefill) / 1000) * packetsPerSecond);
    this.lastRefill = now;
  }

  /** Pauses reading while over the rate or with too many packets awaiting their commit. */
  throttle(): void {
    if (this.closed) return;
    this.refill();
    const { maxUnacked, packetsPerSecond } = this.server.limits;
    const over = this.tokens < 0 || this.unacked > maxUnacked || this.server.batcher.queued > this.server.limits.maxQueued || this.server.stopping;
    if (over && !this.paused) {
      this.paused = true;
      this.server.counters.pauses += 1;
      this.server.paused.add(this);
      this.socket.pause();
    }
    if (this.paused && !over) {
      this.paused = false;
      this.server.paused.delete(this);
      this.socket.resume();
      return;
    }
    if (this.paused && this.tokens < 0 && !this.resumeTimer) {
      const waitMs = Math.ceil((-this.tokens / packetsPerSecond) * 1000) + 1;
      this.resumeTimer = setTimeout(() => {
        this.resumeTimer = null;
        this.throttle();
      }, waitMs);
    }
  }

  private async authenticate(mn: string, pw: string): Promise<LoggerAuthResult> {
    const cached = this.auth.get(mn);
    const now = Date.now();
    if (cached && cached.pw === pw && cached.until > now) return { ok: true, pointId: cached.pointId };
    const result = await this.server.authenticate(this.server.systemCtx(), { mn, pw });
    if (result.ok) this.auth.set(mn, { pw, pointId: result.pointId, until: now + this.server.limits.authCacheMs });
    else this.auth.delete(mn);
    return result;
  }

  private record(raw: Buffer, receivedAt: Date, h: Partial<LooseHeader> & { pnum?: number | null; pno?: number | null; dataTime?: string | null }): PacketRecord {
    return {
      id: newId(),
      receivedAt,
      sessionId: this.id,
      peer: this.peer,
      raw: Buffer.from(raw),
      status: 'accepted',
      reasonCode: null,
      reason: null,
      reply: null,
      mn: h.mn ?? null,
      st: h.st ?? null,
      cn: h.cn ?? null,
      qn: h.qn ?? null,
      flag: h.flag ?? null,
      pnum: h.pnum ?? null,
      pno: h.pno ?? null,
      dataTime: h.dataTime ?? null,
      pointId: null,
      packet: null,
      store: false,
    };
  }

  private refuse(rec: PacketRecord, rejection: { code: string; reason: string }, target: ReplyTarget | null): string[] {
    rec.status = 'rejected';
    rec.reasonCode = rejection.code;
    rec.reason = rejection.reason;
    const qnRtn = QN_RTN_BY_REASON[rejection.code];
    if (qnRtn === undefined || target === null || !addressable(target)) return [];
    // Never answer an answer (a logger's 9011–9015) with a refusal: that could ping-pong.
    if (rec.cn !== null && ANSWERS.has(rec.cn)) return [];
    rec.reply = `9011 QnRtn=${qnRtn}`;
    return [encodeRequestReply(target, qnRtn)];
  }

  private async process(ev: FrameEvent, receivedAt: Date): Promise<void> {
    if (ev.kind === 'damaged') {
      const rec = this.record(ev.bytes, receivedAt, looseHeader(ev.bytes.toString('latin1')));
      this.submit(rec, this.refuse(rec, ev.rejection, null));
      return;
    }
    const parsed = parseFrame(ev.bytes);
    if (!parsed.ok) {
      const rec = this.record(ev.bytes, receivedAt, parsed.header);
      this.submit(rec, this.refuse(rec, parsed.rejection, { ...parsed.header }));
      return;
    }
    const p = parsed.packet;
    const rec = this.record(ev.bytes, receivedAt, { ...p, dataTime: p.cp.dataTime });
    const target = replyTargetOf(p);
    const isData = DATA_COMMANDS.has(p.cn);
    if (!isLoggerCommand(p.cn)) {
      this.submit(rec, this.refuse(rec, { code: 'cn_invalid', reason: `平台不接收数采仪发来的命令 CN=${p.cn}` }, target));
      return;
    }
    if (p.pnum !== null && isData && p.cp.dataTime === null) {
      this.submit(rec, this.refuse(rec, { code: 'field_missing', reason: '拆分包缺少数据时间 DataTime, 无法合并' } satisfies Hj212Rejection, target));
      return;
    }
    const auth = await this.authenticate(p.mn, p.pw);
    if (!auth.ok) {
      const refusal =
        auth.reason === 'unknown_mn' ? { code: 'mn_unknown', reason: `设备唯一标识 MN=${p.mn} 未登记` }
        : auth.reason === 'wrong_pw' ? { code: 'pw_wrong', reason: '访问密码 PW 错误' }
        : { code: 'point_disabled', reason: '监测点已停用' };
      this.submit(rec, this.refuse(rec, refusal, target));
      return;
    }
    this.mn = p.mn;
    this.pointId = auth.pointId;
    rec.pointId = auth.pointId;
    if (p.pnum !== null && p.pnum > 1) {
      rec.status = 'partial';
    } else if (isData) {
      rec.packet = p;
      rec.store = true;
    }
    this.submit(rec, this.acceptReplies(rec, p, target, receivedAt));
  }

  private acceptReplies(rec: PacketRecord, p: Hj212Packet, target: ReplyTarget, now: Date): string[] {
    if (p.cn === '1013') {
      rec.reply = '1012';
      return [encodeSetTime({ ...target, st: p.st }, now)];
    }
    if (!p.needsAck || ANSWERS.has(p.cn)) return [];
    if (DATA_COMMANDS.has(p.cn)) {
      rec.reply = '9014';
      return [encodeDataReply(target)];
    }
    rec.reply = '9013';
    return [encodeNoticeReply(target)];
  }

  private submit(rec: PacketRecord, replies: string[]): void {
    const rejected = rec.status === 'rejected';
    if (rejected) this.server.counters.rejected += 1;
    else this.server.counters.accepted += 1;
    const batcher = this.server.batcher;
    // Session counters are written with the first packet, then at most once a minute, and at close.
    this.unwritten.packets += 1;
    this.unwritten.rejected += rejected ? 1 : 0;
    this.unwritten.bytes += rec.raw.length;
    this.unwritten.lastPacketAt = rec.receivedAt;
    if (this.unwritten.mn === null) this.unwritten.mn = this.mn ?? rec.mn;
    if (!this.recorded || rec.receivedAt.getTime() - this.sessionWrittenAt >= SESSION_WRITE_MS) this.writeSession(null, null);
    this.recorded = true;
    const committed = batcher.add(rec);
    this.replies = this.replies
      .then(() => committed)
      .then((outcome) => {
        if (outcome === 'stored' && replies.length > 0 && !this.socket.destroyed) this.write(replies.length === 1 ? replies[0] : replies.join(''));
      }, () => undefined)
      .finally(() => {
        this.unacked -= 1;
        if (this.paused) this.throttle();
      });
  }

  /** Replies of one committed batch go out in one segment: cork until the microtasks of this tick ran. */
  private write(data: string): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(data);
  }

  close(reason: 'peer' | 'idle' | 'limit' | 'error' | 'shutdown'): void {
    if (this.closed) return;
    this.closed = true;
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.socket.destroy();
    this.server.connections.delete(this);
    this.server.paused.delete(this);
    if (this.recorded) this.writeSession(this.server.now(), reason);
  }

  /** Hands the session's counters since the last write (and its close) to the next batch. */
  private writeSession(closedAt: Date | null, closeReason: string | null): void {
    const u = this.unwritten;
    this.server.batcher.touchSession({
      id: this.id, peer: this.peer, listener: this.server.listenerName, openedAt: this.openedAt, lastPacketAt: u.lastPacketAt,
      mn: this.mn ?? u.mn, pointId: this.pointId, packets: u.packets, rejected: u.rejected, bytes: u.bytes, closedAt, closeReason,
    });
    this.unwritten = { packets: 0, rejected: 0, bytes: 0, lastPacketAt: null, mn: null };
    this.sessionWrittenAt = (u.lastPacketAt ?? this.server.now()).getTime();
  }
}

class Hj212TcpServer {
  readonly limits: IngestLimits;
  readonly connections = new Set<LoggerConnection>();
  /** Connections whose reading is paused (rate, unacknowledged or global queue limit). */
  readonly paused = new Set<LoggerConnection>();
  readonly counters = { frames: 0, accepted: 0, rejected: 0, connectionsTotal: 0, pauses: 0 };
  readonly batcher: Batcher;
  readonly authenticate: NonNullable<Hj212ServerOptions['authenticate']>;
  readonly systemCtx: () => Ctx;
  readonly log: Logger;
  listenerName = '';
  stopping = false;
  readonly tcp: net.Server;

  constructor(opts: Hj212ServerOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.systemCtx = opts.systemCtx;
    this.log = opts.log;
    this.authenticate = opts.authenticate ?? authenticateLogger;
    const write = opts.write ?? ((records, sessions) => writeBatch(this.systemCtx(), records, sessions));
    this.batcher = new Batcher(write, opts.log, {
      ...opts.batch,
      onSettled: () => {
        if (this.stopping || this.batcher.queued > this.limits.maxQueued) return;
        for (const c of [...this.paused]) c.throttle();
      },
    });
    this.tcp = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      if (this.stopping) {
        socket.destroy();
        return;
      }
      this.counters.connectionsTotal += 1;
      this.connections.add(new LoggerConnection(socket, this));
    });
    this.tcp.maxConnections = this.limits.maxConnections;
  }

  now(): Date {
    return this.systemCtx().clock.now();
  }

  stats(): IngestStats {
    let unacked = 0;
    for (const c of this.connections) unacked += c.pending;
    return {
      connections: this.connections.size,
      connectionsTotal: this.counters.connectionsTotal,
      frames: this.counters.frames,
      accepted: this.counters.accepted,
      rejected: this.counters.rejected,
      unacked,
      queued: this.batcher.queued,
      batches: this.batcher.totals.batches,
      quarantined: this.batcher.totals.quarantined,
      pauses: this.counters.pauses,
    };
  }

  /** Stops accepting, stops reading, stores and answers what was received, then closes every connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    const conns = [...this.connections];
    for (const c of conns) c.socket.pause();
    await Promise.all(conns.map((c) => c.chain));
    await this.batcher.drain();
    await Promise.all(conns.map((c) => c.replies));
    for (const c of conns) c.close('shutdown');
    await this.batcher.drain();
    await closed;
  }
}

/** Starts the HJ 212 server; resolves once it listens (port 0: an ephemeral port, see `.port`). */
export async function startHj212Server(opts: Hj212ServerOptions): Promise<Hj212Server> {
  const server = new Hj212TcpServer(opts);
  await new Promise<void>((resolve, reject) => {
    server.tcp.once('error', reject);
    server.tcp.listen({ port: opts.port, host: opts.host, backlog: 4096 }, () => {
      server.tcp.off('error', reject);
      resolve();
    });
  });
  server.tcp.on('error', (err) => opts.log.error({ err }, 'hj212 listener error'));
  const port = (server.tcp.address() as net.AddressInfo).port;
  server.listenerName = `${os.hostname()}:${process.pid}:${port}`;
  return { port, stats: () => server.stats(), stop: () => server.stop() };
}
