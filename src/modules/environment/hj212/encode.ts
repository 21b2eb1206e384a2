/**
 * Encoding of HJ 212 packets: the platform's replies (9014 data answered, 9011 request answered with QnRtn,
 * 9012 execution result with ExeRtn, 1012 set time) and data uploads (used by the simulator and tests).
 * 2017-style replies echo QN/PW/MN with Flag=4; 2005-style replies carry the request's QN inside CP.
 */
import { crc16, crcHex } from './crc.ts';
import type { Hj212Packet, PollutantValues } from './types.ts';

/** Wraps a data segment: `##` + 4-digit length (UTF-8 bytes) + data + CRC + CR LF. */
export function framePacket(data: string): string {
  const length = Buffer.byteLength(data, 'utf8');
  if (length > 9999) throw new Error(`HJ 212 data segment too long: ${length}`);
  return `##${String(length).padStart(4, '0')}${data}${crcHex(crc16(data))}\r\n`;
}

/** What a reply needs from the packet it answers (a parsed packet, or the loose header of a refused one). */
export interface ReplyTarget {
  qn: string | null;
  pw: string | null;
  mn: string | null;
  /** The request's Flag (null: 2005 style without Flag). Version bits decide the reply's style. */
  flag: number | null;
  /** 2005 style carries the request number in CP (`CP=&&QN=…`). */
  cpQn?: string | null;
}

export function replyTargetOf(p: Hj212Packet): ReplyTarget {
  return { qn: p.qn, pw: p.pw, mn: p.mn, flag: p.flag, cpQn: p.cp.fields.QN ?? null };
}

const is2017 = (t: ReplyTarget): boolean => t.flag !== null && t.flag >> 2 === 1 && t.qn !== null;

function reply(t: ReplyTarget, cn: string, items: string[]): string {
  const pw = t.pw ?? '';
  const mn = t.mn ?? '';
  if (is2017(t)) return framePacket(`QN=${t.qn};ST=91;CN=${cn};PW=${pw};MN=${mn};Flag=4;CP=&&${items.join(';')}&&`);
  const qn = t.qn ?? t.cpQn ?? null;
  const cp = qn !== null ? [`QN=${qn}`, ...items] : items;
  return framePacket(`ST=91;CN=${cn};PW=${pw};MN=${mn};Flag=0;CP=&&${cp.join(';')}&&`);
}

/** 9014 data answered (Annex C: `ST=91;CN=9014;Flag=4;CP=&&&&`, echoing QN, PW and MN). */
export function encodeDataReply(t: ReplyTarget): string {
  return reply(t, '9014', []);
}

/** 9011 request answered with a QnRtn (1 ready, 3 PW error, 4 MN error, 9 CRC error …). */
export function encodeRequestReply(t: ReplyTarget, qnRtn: number): string {
  return reply(t, '9011', [`QnRtn=${qnRtn}`]);
}

/** 9013 notification answered (a logger's notice that asked for an answer, e.g. a heartbeat with Flag A set). */
export function encodeNoticeReply(t: ReplyTarget): string {
  return reply(t, '9013', []);
}

/** 9012 execution result with an ExeRtn (1 ok, 2 failed, 100 no data …). */
export function encodeExecutionReply(t: ReplyTarget, exeRtn: number): string {
  return reply(t, '9012', [`ExeRtn=${exeRtn}`]);
}

/** yyyyMMddHHmmss (or …SSS with `millis`) of an instant in Beijing time (UTC+8), as HJ 212 writes times. */
export function hj212Time(at: Date, millis = false): string {
  const d = new Date(at.getTime() + 8 * 3600_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const s = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return millis ? `${s}${p(d.getUTCMilliseconds(), 3)}` : s;
}

/** The instant of an HJ 212 time (14 or 17 digits, Beijing time). */
export function parseHj212Time(s: string): Date {
  const n = (i: number, w: number) => Number(s.slice(i, i + w));
  return new Date(Date.UTC(n(0, 4), n(4, 2) - 1, n(6, 2), n(8, 2) - 8, n(10, 2), n(12, 2), s.length === 17 ? n(14, 3) : 0));
}

/** 1012 set the logger's clock (the answer to a 1013 time-calibration request). */
export function encodeSetTime(t: ReplyTarget & { st: string }, now: Date): string {
  const qn = hj212Time(now, true);
  if (is2017(t)) return framePacket(`QN=${qn};ST=${t.st};CN=1012;PW=${t.pw ?? ''};MN=${t.mn ?? ''};Flag=5;CP=&&SystemTime=${hj212Time(now)}&&`);
  return framePacket(`QN=${qn};ST=${t.st};CN=1012;PW=${t.pw ?? ''};MN=${t.mn ?? ''};Flag=1;CP=&&SystemTime=${hj212Time(now)}&&`);
}

/** A data upload to encode (simulator, tests): values as numbers or already formatted strings. */
export interface UploadInput {
  /** 2017 style: QN and Flag written (Flag = 4 | A | D); 2005 style: neither (unless `flag` given). */
  style: '2017' | '2005';
  qn?: string;
  st: string;
  cn: string;
  pw: string;
  mn: string;
  /** Ask for a 9014 (A bit). Default true for 2017, false for 2005. */
  needsAck?: boolean;
  pnum?: number;
  pno?: number;
  dataTime?: string;
  pollutants?: (Partial<Omit<PollutantValues, 'code2017'>> & { code: string })[];
  /** Other CP items written before the pollutants (`RtdInterval=30`, `SB1-RS=1`). */
  fields?: Record<string, string | number>;
  /** Decimals for numbers (default 3, trailing zeros kept). */
  decimals?: number;
}

const VALUE_ORDER: [Exclude<keyof PollutantValues, 'code' | 'code2017'>, string][] = [
  ['sampleTime', 'SampleTime'],
  ['rtd', 'Rtd'],
  ['min', 'Min'],
  ['avg', 'Avg'],
  ['max', 'Max'],
  ['cou', 'Cou'],
  ['zsRtd', 'ZsRtd'],
  ['zsMin', 'ZsMin'],
  ['zsAvg', 'ZsAvg'],
  ['zsMax', 'ZsMax'],
  ['flag', 'Flag'],
  ['eflag', 'EFlag'],
];

/** The data segment of an upload (without framing). */
export function uploadDataSegment(u: UploadInput): string {
  const decimals = u.decimals ?? 3;
  const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(decimals) : String(v));
  const head: string[] = [];
  const needsAck = u.needsAck ?? u.style === '2017';
  const split = u.pnum !== undefined;
  if (u.style === '2017') {
    head.push(`QN=${u.qn ?? hj212Time(new Date(), true)}`);
  } else if (u.qn) {
    head.push(`QN=${u.qn}`);
  }
  head.push(`ST=${u.st}`, `CN=${u.cn}`, `PW=${u.pw}`, `MN=${u.mn}`);
  if (u.style === '2017') head.push(`Flag=${4 | (needsAck ? 1 : 0) | (split ? 2 : 0)}`);
  else if (needsAck || split) head.push(`Flag=${(needsAck ? 1 : 0) | (split ? 2 : 0)}`);
  if (split) head.push(`PNUM=${u.pnum}`, `PNO=${u.pno}`);
  const groups: string[] = [];
  if (u.dataTime) groups.push(`DataTime=${u.dataTime}`);
  for (const [k, v] of Object.entries(u.fields ?? {})) groups.push(`${k}=${v}`);
  for (const p of u.pollutants ?? []) {
    const items: string[] = [];
    for (const [key, suffix] of VALUE_ORDER) {
      const v = p[key];
      if (v !== undefined && v !== null) items.push(`${p.code}-${suffix}=${key === 'flag' || key === 'eflag' || key === 'sampleTime' ? String(v) : fmt(v)}`);
    }
    if (items.length > 0) groups.push(items.join(','));
  }
  return `${head.join(';')};CP=&&${groups.join(';')}&&`;
}

/** A whole upload packet, framed, with CR LF. */
export function encodeUpload(u: UploadInput): string {
  return framePacket(uploadDataSegment(u));
}
