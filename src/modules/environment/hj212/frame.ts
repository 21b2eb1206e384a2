/**
 * Streaming framing of HJ 212 packets (`##` + 4-digit length + data segment + 4 hex CRC + CR LF) over a
 * TCP byte stream: packets split across reads, several packets in one read, garbage between them.
 *
 * A frame runs from `##` to the first CR LF after it; the length field is then checked against it (UTF-8
 * bytes, or characters, as loggers in the field count either way). A new `##` before any CR LF cuts a
 * truncated frame short. Consequences: a valid frame is delivered as soon as its CR LF has arrived, never held
 * back by damaged bytes before it (no stall); garbage and damaged frames are reported, not thrown; the
 * decoder holds at most one frame's worth of bytes (`maxDataLength` + 12), past which it discards until the
 * next CR LF or `##`.
 */
import type { Hj212Rejection } from './types.ts';

export type FrameEvent =
  /** A well-framed packet: `##` … CRC, without CR LF (length field checked, CRC not yet). */
  | { kind: 'frame'; bytes: Buffer }
  /** Bytes that are not a well-framed packet, with the reason (without a trailing CR LF). */
  | { kind: 'damaged'; bytes: Buffer; rejection: Hj212Rejection };

export interface FrameDecoderOptions {
  /** Largest data segment accepted, in bytes (the standard's is 1024; the field can say up to 9999). Default 4096. */
  maxDataLength?: number;
}

const HASH = 0x23;
const CR = 0x0d;
const LF = 0x0a;
const HEADER = Buffer.from('##');
const CRLF = Buffer.from('\r\n');

/** Largest damaged/garbage fragment kept for the record (bytes). */
const MAX_RECORDED = 2048;

function rejection(code: Hj212Rejection['code'], reason: string): Hj212Rejection {
  return { code, reason };
}

/** Characters of a UTF-8 byte range (bytes that do not start a continuation). */
function utf8Chars(b: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i += 1) if ((b[i] & 0xc0) !== 0x80) n += 1;
  return n;
}

function isBlank(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) {
    const c = b[i];
    if (c !== CR && c !== LF && c !== 0x20 && c !== 0x09 && c !== 0) return false;
  }
  return true;
}

export class FrameDecoder {
  readonly maxDataLength: number;
  private readonly maxFrame: number;
  private pending: Buffer | null = null;
  /** Discarding the rest of an oversized frame until CR LF or `##`. */
  private skipping = false;

  constructor(opts: FrameDecoderOptions = {}) {
    this.maxDataLength = opts.maxDataLength ?? 4096;
    this.maxFrame = this.maxDataLength + 12;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  /** Feeds one chunk of the stream; calls `emit` for each frame or damaged fragment completed by it, in order. */
  push(chunk: Buffer, emit: (e: FrameEvent) => void): void {
    let b: Buffer;
    if (this.pending) {
      b = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    } else {
      b = chunk;
    }
    const len = b.length;
    let p = 0;
    while (p < len) {
      if (this.skipping) {
        const e = b.indexOf(CRLF, p);
        const h = b.indexOf(HEADER, p);
        if (h >= 0 && (e < 0 || h < e)) {
          p = h;
          this.skipping = false;
        } else if (e >= 0) {
          p = e + 2;
          this.skipping = false;
        } else {
          // Keep a trailing '#' or CR: it may start `##` or CR LF.
          const last = b[len - 1];
          if (last === HASH || last === CR) this.pending = b.subarray(len - 1);
          return;
        }
        continue;
      }
      const h = b.indexOf(HEADER, p);
      if (h < 0) {
        // No header: garbage up to the last CR LF is reported, the rest waits (it may be the start of `##`).
        const e = b.lastIndexOf(CRLF);
        if (e >= p) {
          this.garbage(b, p, e, emit);
          p = e + 2;
        }
        if (p < len) {
          if (len - p > this.maxFrame) {
            // Garbage with no end in sight: report it and drop it, keeping a last byte that may start `##` or CR LF.
            const last = b[len - 1];
            const keep = last === HASH || last === CR ? 1 : 0;
            this.garbage(b, p, len - keep, emit);
            if (keep) this.pending = Buffer.from(b.subarray(len - 1));
          } else {
            this.pending = Buffer.from(b.subarray(p));
          }
        }
        return;
      }
      if (h > p) {
        this.garbage(b, p, h, emit);
        p = h;
      }
      // A header at p: the frame ends at the first CR LF, unless another `##` comes first.
      const e = b.indexOf(CRLF, p + 2);
      const n = b.indexOf(HEADER, p + 2);
      if (e >= 0 && (n < 0 || e < n)) {
        this.frame(b, p, e, emit);
        p = e + 2;
        continue;
      }
      if (n >= 0) {
        emit({ kind: 'damaged', bytes: this.record(b, p, n), rejection: rejection('frame_tail', '数据包缺少包尾 (回车换行), 后面紧跟下一个包头') });
        p = n;
        continue;
      }
      // Incomplete: wait for more, within the size limit.
      if (len - p > this.maxFrame) {
        emit({ kind: 'damaged', bytes: this.record(b, p, len), rejection: rejection('frame_too_long', `数据包超过长度上限 (${this.maxDataLength} 字节数据段)`) });
        this.skipping = true;
        const last = b[len - 1];
        if (last === HASH || last === CR) this.pending = Buffer.from(b.subarray(len - 1));
        return;
      }
      this.pending = p === 0 && b !== chunk ? b : Buffer.from(b.subarray(p));
      return;
    }
  }

  /** End of stream: whatever is left is reported as damaged (a truncated frame or garbage). */
  end(emit: (e: FrameEvent) => void): void {
    const b = this.pending;
    this.pending = null;
    this.skipping = false;
    if (!b || isBlank(b, 0, b.length)) return;
    if (b[0] === HASH && b[1] === HASH) emit({ kind: 'damaged', bytes: this.record(b, 0, b.length), rejection: rejection('frame_tail', '连接结束时数据包不完整') });
    else this.garbage(b, 0, b.length, emit);
  }

  private record(b: Buffer, start: number, end: number): Buffer {
    return Buffer.from(b.subarray(start, Math.min(end, start + MAX_RECORDED)));
  }

  private garbage(b: Buffer, start: number, end: number, emit: (e: FrameEvent) => void): void {
    if (isBlank(b, start, end)) return;
    // Trim a trailing CR LF / whitespace for the record.
    let stop = end;
    while (stop > start && (b[stop - 1] === CR || b[stop - 1] === LF)) stop -= 1;
    emit({ kind: 'damaged', bytes: this.record(b, start, stop), rejection: rejection('not_a_packet', '不是 HJ 212 数据包 (缺少包头 ##)') });
  }

  /** `b[p, e)` is `##` … up to (not including) CR LF. */
  private frame(b: Buffer, p: number, e: number, emit: (ev: FrameEvent) => void): void {
    const size = e - p;
    if (size - 10 > this.maxDataLength) {
      emit({ kind: 'damaged', bytes: this.record(b, p, e), rejection: rejection('frame_too_long', `数据包超过长度上限 (${this.maxDataLength} 字节数据段)`) });
      return;
    }
    if (size < 10) {
      emit({ kind: 'damaged', bytes: this.record(b, p, e), rejection: rejection('frame_length', '数据包过短') });
      return;
    }
    let declared = 0;
    for (let i = p + 2; i < p + 6; i += 1) {
      const d = b[i] - 48;
      if (d < 0 || d > 9) {
        emit({ kind: 'damaged', bytes: this.record(b, p, e), rejection: rejection('frame_length', '数据段长度不是 4 位十进制数字') });
        return;
      }
      declared = declared * 10 + d;
    }
    const dataBytes = size - 10;
    if (declared !== dataBytes && declared !== utf8Chars(b, p + 6, e - 4)) {
      emit({ kind: 'damaged', bytes: this.record(b, p, e), rejection: rejection('frame_length', `数据段长度 ${declared} 与实际长度 ${dataBytes} 不符`) });
      return;
    }
    if (declared > this.maxDataLength) {
      emit({ kind: 'damaged', bytes: this.record(b, p, e), rejection: rejection('frame_too_long', `数据段长度 ${declared} 超过上限 ${this.maxDataLength}`) });
      return;
    }
    emit({ kind: 'frame', bytes: b.subarray(p, e) });
  }
}
