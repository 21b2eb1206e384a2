/**
 * Simulated HJ 212 data loggers (the demo, `egov hj212 simulate`): one TCP connection per logger,
 * real-time values (2011) every interval, minute values (2051) every MinInterval and hourly values
 * (2061) at each full hour, in 2017 style (QN, Flag=5, 9014 expected, re-sent after 10 s, up to 3 times)
 * or 2005 style (no QN/Flag, short codes). Values wander around a plausible level below the limit;
 * occasionally a pollutant exceeds its limit for a few minutes, a logger goes offline for a while, or a
 * packet is damaged on the line (CRC error or cut short).
 */
import net from 'node:net';
import { encodeUpload, hj212Time, type UploadInput } from '../hj212/encode.ts';
import { CODE_2005_TO_2017 } from '../hj212/codes.ts';

export interface SimLogger {
  mn: string;
  pw: string;
  st: '31' | '32';
  protocol: '2005' | '2017';
  intervalSeconds: number;
  minIntervalMinutes?: number;
  o2Reference?: number | null;
  pollutants: { code: string; limit?: number; limitMin?: number; range?: [number, number] }[];
}

export interface SimulationOptions {
  host: string;
  port: number;
  loggers: SimLogger[];
  /** Overrides every logger's real-time interval (seconds). */
  intervalSeconds?: number;
  /** Probability per real-time upload that an exceedance episode starts (default 0.002). */
  exceedanceRate?: number;
  /** Probability per real-time upload that the logger goes offline for 2–10 intervals (default 0.001). */
  outageRate?: number;
  /** Probability that a packet is damaged on the line (default 0.002). */
  damageRate?: number;
  /** Random source (tests pass a seeded one). */
  random?: () => number;
  now?: () => Date;
  onEvent?: (e: { kind: 'connected' | 'disconnected' | 'sent' | 'ack' | 'refused' | 'damaged' | 'exceedance' | 'outage'; mn: string; detail?: string }) => void;
}

export interface SimulationStats {
  loggers: number;
  connected: number;
  sent: number;
  acked: number;
  refused: number;
  resent: number;
  damaged: number;
  exceedances: number;
  outages: number;
}

export interface Simulation {
  stats(): SimulationStats;
  stop(): Promise<void>;
}

/** Typical level of a pollutant as a share of its limit, or an absolute level for parameters without one. */
const LEVELS: Record<string, { level: number; spread: number; decimals?: number }> = {
  a00000: { level: 180, spread: 0.08 }, // flue-gas flow m³/s
  a19001: { level: 7.5, spread: 0.08 }, // O₂ %
  a01011: { level: 12, spread: 0.1 }, // velocity m/s
  a01012: { level: 52, spread: 0.03 }, // temperature °C
  a01013: { level: 101.2, spread: 0.005 }, // pressure kPa
  a01014: { level: 9, spread: 0.1 }, // humidity %
  w00000: { level: 320, spread: 0.15 }, // wastewater flow L/s
  w01001: { level: 7.2, spread: 0.02 }, // pH
};

/** 2005 short code of a 2017 code, for 2005-style loggers. */
const CODE_2017_TO_2005: Record<string, string> = Object.fromEntries(Object.entries(CODE_2005_TO_2017).map(([k, v]) => [v, k]));
const FLUE_CONCENTRATIONS = new Set(['a21026', 'a21002', 'a34013']);
const FLOW = new Set(['a00000', 'w00000']);

interface Series {
  code: string;
  limit?: number;
  base: number;
  value: number;
  /** Minute and hour accumulators. */
  minute: number[];
  hour: number[];
}

class SimulatedLogger {
  socket: net.Socket | null = null;
  connected = false;
  private buffer = '';
  readonly series: Series[];
  nextRtd = 0;
  private nextMinute = 0;
  private nextHour = 0;
  offlineUntil = 0;
  exceedUntil = 0;
  private exceedCode: string | null = null;
  private reconnectAt = 0;
  /** QN → packet awaiting its 9014. */
  private readonly pending = new Map<string, { packet: string; sentAt: number; tries: number }>();
  private qnSeq = 0;
  private stopped = false;

  constructor(readonly def: SimLogger, private readonly sim: SimulationRunner) {
    const r = sim.random;
    this.series = def.pollutants.map((p) => {
      const known = LEVELS[p.code];
      const base = known ? known.level * (0.85 + 0.3 * r()) : p.limit ? p.limit * (0.25 + 0.35 * r()) : 10 * (0.5 + r());
      return { code: p.code, limit: p.limit, base, value: base, minute: [], hour: [] };
    });
    const now = sim.now().getTime();
    const interval = this.interval * 1000;
    this.nextRtd = now + r() * interval; // spread the loggers over the interval
    const minMs = (def.minIntervalMinutes ?? 10) * 60_000;
    this.nextMinute = Math.ceil(now / minMs) * minMs;
    this.nextHour = Math.ceil(now / 3600_000) * 3600_000;
  }

  get interval(): number {
    return this.sim.opts.intervalSeconds ?? this.def.intervalSeconds;
  }

  connect(): void {
    if (this.stopped || this.socket) return;
    const socket = net.connect({ host: this.sim.opts.host, port: this.sim.opts.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.connected = true;
      this.sim.emit('connected', this.def.mn);
    });
    socket.on('data', (d: Buffer) => this.onData(d.toString('latin1')));
    const gone = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.connected) this.sim.emit('disconnected', this.def.mn);
      this.connected = false;
      this.reconnectAt = this.sim.now().getTime() + 3000 + this.sim.random() * 2000;
    };
    socket.on('error', gone);
    socket.on('close', gone);
  }

  disconnect(): void {
    const s = this.socket;
    this.socket = null;
    this.connected = false;
    s?.destroy();
  }

  stop(): void {
    this.stopped = true;
    this.disconnect();
  }

  private onData(text: string): void {
    this.buffer += text;
    let i: number;
    while ((i = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      const qn = /QN=(\d{17})/.exec(line)?.[1];
      if (line.includes('CN=9014') && qn && this.pending.delete(qn)) {
        this.sim.counters.acked += 1;
        this.sim.emit('ack', this.def.mn);
      } else if (line.includes('CN=9011') && /QnRtn=(?!1\b)\d+/.test(line)) {
        this.sim.counters.refused += 1;
        if (qn) this.pending.delete(qn);
        this.sim.emit('refused', this.def.mn, line.slice(0, 120));
      }
    }
    if (this.buffer.length > 8192) this.buffer = '';
  }

  private newQn(now: number): string {
    this.qnSeq = (this.qnSeq + 1) % 1000;
    // Millisecond digits from a per-logger sequence keep QNs unique within one second.
    return `${hj212Time(new Date(now))}${String(this.qnSeq).padStart(3, '0')}`;
  }

  private send(u: Omit<UploadInput, 'style' | 'pw' | 'mn' | 'st'>, now: number): void {
    const is2017 = this.def.protocol === '2017';
    const qn = is2017 ? this.newQn(now) : undefined;
    const pollutants = is2017 ? u.pollutants : u.pollutants?.map((p) => ({ ...p, code: CODE_2017_TO_2005[p.code] ?? p.code }));
    const packet = encodeUpload({ ...u, pollutants, style: this.def.protocol, qn, st: this.def.st, pw: this.def.pw, mn: this.def.mn, decimals: 2 });
    this.write(packet, now);
    if (qn) this.pending.set(qn, { packet, sentAt: now, tries: 1 });
  }

  private write(packet: string, now: number): void {
    const s = this.socket;
    if (!s || !this.connected) return;
    let out = packet;
    if (this.sim.random() < (this.sim.opts.damageRate ?? 0.002)) {
      this.sim.counters.damaged += 1;
      // A flipped character (CRC error) or a packet cut short on the line.
      if (this.sim.random() < 0.5) {
        const at = 10 + Math.floor(this.sim.random() * (out.length - 20));
        out = `${out.slice(0, at)}${out[at] === '0' ? '1' : '0'}${out.slice(at + 1)}`;
      } else {
        out = `${out.slice(0, Math.floor(out.length / 2))}\r\n`;
      }
      this.sim.emit('damaged', this.def.mn);
    }
    this.sim.counters.sent += 1;
    s.write(out);
    void now;
  }

  private sample(now: number): { code: string; value: number; flag: string }[] {
    const r = this.sim.random;
    const exceeding = now < this.exceedUntil;
    return this.series.map((s) => {
      // Mean-reverting wander around the base level.
      const spread = LEVELS[s.code]?.spread ?? 0.12;
      s.value = Math.max(0, s.value + (s.base - s.value) * 0.2 + s.base * spread * (r() - 0.5));
      let v = s.value;
      if (exceeding && s.code === this.exceedCode && s.limit) v = s.limit * (1.2 + 0.8 * r());
      s.minute.push(v);
      s.hour.push(v);
      return { code: s.code, value: v, flag: 'N' };
    });
  }

  tick(now: number): void {
    if (this.stopped) return;
    if (now < this.offlineUntil) return;
    if (!this.socket) {
      if (now >= this.reconnectAt) this.connect();
      return;
    }
    if (!this.connected) return;
    const r = this.sim.random;
    // Re-send what was not acknowledged within 10 s, up to 3 tries (Table 1: 10 s × 3 for mobile links).
    for (const [qn, p] of this.pending) {
      if (now - p.sentAt < 10_000) continue;
      if (p.tries >= 3) {
        this.pending.delete(qn);
        continue;
      }
      p.tries += 1;
      p.sentAt = now;
      this.sim.counters.resent += 1;
      this.write(p.packet, now);
    }
    if (now >= this.nextRtd) {
      this.nextRtd = now + this.interval * 1000;
      if (r() < (this.sim.opts.outageRate ?? 0.001)) {
        this.offlineUntil = now + this.interval * 1000 * (2 + Math.floor(r() * 8));
        this.sim.counters.outages += 1;
        this.sim.emit('outage', this.def.mn);
        this.disconnect();
        this.reconnectAt = this.offlineUntil;
        return;
      }
      if (now >= this.exceedUntil && r() < (this.sim.opts.exceedanceRate ?? 0.002)) {
        const candidates = this.series.filter((s) => s.limit && !FLOW.has(s.code));
        if (candidates.length > 0) {
          this.exceedCode = candidates[Math.floor(r() * candidates.length)].code;
          this.exceedUntil = now + (3 + Math.floor(r() * 10)) * 60_000;
          this.sim.counters.exceedances += 1;
          this.sim.emit('exceedance', this.def.mn, this.exceedCode);
        }
      }
      const values = this.sample(now);
      const o2 = values.find((v) => v.code === 'a19001')?.value;
      const ref = this.def.o2Reference;
      this.send({
        cn: '2011',
        dataTime: hj212Time(new Date(now)),
        pollutants: values.map((v) => ({
          code: v.code,
          rtd: v.value,
          ...(ref !== null && ref !== undefined && o2 !== undefined && o2 < 20 && FLUE_CONCENTRATIONS.has(v.code) ? { zsRtd: (v.value * (21 - ref)) / (21 - o2) } : {}),
          flag: v.flag,
        })),
      }, now);
    }
    if (now >= this.nextMinute) {
      const minMs = (this.def.minIntervalMinutes ?? 10) * 60_000;
      const start = this.nextMinute - minMs;
      this.nextMinute += minMs;
      this.sendAggregate('2051', start, 'minute', (this.def.minIntervalMinutes ?? 10) * 60, now);
    }
    if (now >= this.nextHour) {
      const start = this.nextHour - 3600_000;
      this.nextHour += 3600_000;
      this.sendAggregate('2061', start, 'hour', 3600, now);
    }
  }

  private sendAggregate(cn: '2051' | '2061', start: number, which: 'minute' | 'hour', seconds: number, now: number): void {
    const pollutants = [];
    for (const s of this.series) {
      const xs = s[which];
      s[which] = [];
      if (xs.length === 0) continue;
      const avg = xs.reduce((a, b) => a + b, 0) / xs.length;
      const min = Math.min(...xs);
      const max = Math.max(...xs);
      // Period totals: m³ of flow (L/s × s / 1000 for water, m³/s × s for flue gas).
      const cou = s.code === 'w00000' ? (avg * seconds) / 1000 : s.code === 'a00000' ? avg * seconds : undefined;
      pollutants.push({ code: s.code, avg, min, max, ...(cou !== undefined ? { cou } : {}), flag: 'N' });
    }
    if (pollutants.length > 0) this.send({ cn, dataTime: hj212Time(new Date(start)), pollutants }, now);
  }
}

class SimulationRunner {
  readonly counters = { sent: 0, acked: 0, refused: 0, resent: 0, damaged: 0, exceedances: 0, outages: 0 };
  readonly loggers: SimulatedLogger[];
  readonly random: () => number;
  readonly now: () => Date;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly opts: SimulationOptions) {
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? (() => new Date());
    this.loggers = opts.loggers.map((l) => new SimulatedLogger(l, this));
  }

  emit(kind: Parameters<NonNullable<SimulationOptions['onEvent']>>[0]['kind'], mn: string, detail?: string): void {
    this.opts.onEvent?.({ kind, mn, detail });
  }

  start(): void {
    for (const l of this.loggers) l.connect();
    this.timer = setInterval(() => {
      const now = this.now().getTime();
      for (const l of this.loggers) l.tick(now);
    }, 200);
  }

  stats(): SimulationStats {
    return { loggers: this.loggers.length, connected: this.loggers.filter((l) => l.connected).length, ...this.counters };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const l of this.loggers) l.stop();
  }
}

/** Starts the simulated loggers; they connect at once and upload until stop(). */
export function startSimulation(opts: SimulationOptions): Simulation {
  const runner = new SimulationRunner(opts);
  runner.start();
  return { stats: () => runner.stats(), stop: () => runner.stop() };
}
