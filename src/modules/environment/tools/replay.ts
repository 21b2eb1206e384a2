/**
 * Replays a capture (one packet per line, CR LF, as stored by receivers and in
 * ../shared/data/hj212/*.h212) over TCP, byte for byte — damaged lines included — one connection per MN
 * as the original loggers had, paced at a total rate, and counts the platform's answers.
 */
import fs from 'node:fs';
import net from 'node:net';

export interface ReplayOptions {
  file: string;
  host: string;
  port: number;
  /** Packets per second over all connections (0: as fast as the sockets take them). Default 0. */
  rate?: number;
  /** Wait this long after the last packet for answers (ms). Default 2000. */
  settleMs?: number;
  /** Cap on simultaneous connections; MNs beyond share connections round-robin. Default 1000. */
  maxConnections?: number;
  onProgress?: (sent: number, total: number) => void;
}

export interface ReplayResult {
  lines: number;
  sent: number;
  connections: number;
  /** Answers by kind: `9014`, `9011 QnRtn=4`, `1012` … */
  answers: Record<string, number>;
  durationMs: number;
}

/** The lines of a capture as raw bytes (split on CR LF; a final line without CR LF counts too). */
export function captureLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let p = 0;
  while (p < bytes.length) {
    const e = bytes.indexOf('\r\n', p);
    const end = e < 0 ? bytes.length : e;
    if (end > p) lines.push(bytes.subarray(p, end));
    p = end + 2;
  }
  return lines;
}

function answerKind(line: string): string {
  const cn = /CN=(\d{4})/.exec(line)?.[1] ?? '?';
  const rtn = /(QnRtn|ExeRtn)=(\d+)/.exec(line);
  return rtn ? `${cn} ${rtn[1]}=${rtn[2]}` : cn;
}

export async function replayCapture(opts: ReplayOptions): Promise<ReplayResult> {
  const started = performance.now();
  const lines = captureLines(fs.readFileSync(opts.file));
  const maxConnections = opts.maxConnections ?? 1000;
  const slotOf = new Map<string, number>();
  const slots: { socket: net.Socket; buffer: string; ready: Promise<void> }[] = [];
  const answers: Record<string, number> = {};
  const connect = (): (typeof slots)[number] => {
    const socket = net.connect({ host: opts.host, port: opts.port });
    socket.setNoDelay(true);
    const slot = { socket, buffer: '', ready: new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    }) };
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      slot.buffer += d.toString('latin1');
      let i: number;
      while ((i = slot.buffer.indexOf('\r\n')) >= 0) {
        const k = answerKind(slot.buffer.slice(0, i));
        answers[k] = (answers[k] ?? 0) + 1;
        slot.buffer = slot.buffer.slice(i + 2);
      }
    });
    return slot;
  };
  const rate = opts.rate ?? 0;
  let sent = 0;
  for (const line of lines) {
    const mn = /MN=([0-9A-Za-z]{1,24})/.exec(line.toString('latin1'))?.[1] ?? '';
    let idx = slotOf.get(mn);
    if (idx === undefined) {
      idx = slots.length < maxConnections ? slots.push(connect()) - 1 : slotOf.size % maxConnections;
      slotOf.set(mn, idx);
    }
    const slot = slots[idx];
    await slot.ready;
    const ok = slot.socket.write(Buffer.concat([line, Buffer.from('\r\n')]));
    sent += 1;
    if (!ok) await new Promise<void>((r) => slot.socket.once('drain', () => r()));
    if (rate > 0) {
      const due = started + (sent / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    }
    if (sent % 1000 === 0) opts.onProgress?.(sent, lines.length);
  }
  await new Promise((r) => setTimeout(r, opts.settleMs ?? 2000));
  for (const s of slots) s.socket.end();
  return { lines: lines.length, sent, connections: slots.length, answers, durationMs: performance.now() - started };
}
