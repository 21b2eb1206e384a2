/**
 * Parsing of one framed HJ 212 packet (from FrameDecoder): CRC (Annex A), the data-segment fields and the CP
 * section, 2017 and tolerant 2005 style. Pure; never throws on bad input — it returns a rejection.
 *
 * Tolerant of what real loggers send: no QN or Flag (2005), lower-case CRC, 14- or 17-digit DataTime,
 * 2005 short pollutant codes (mapped to 2017 codes), vendor suffixes and items (kept in `fields`), empty
 * CP items, repeated identical items. Strict about what would corrupt data: CRC, header field syntax,
 * numbers that are not numbers, impossible dates, conflicting repeated values, inconsistent PNUM/PNO.
 */
import { TABLE } from './crc.ts';
import { code2017Of, isKnownSt } from './codes.ts';
import type { CpSection, Hj212Packet, Hj212Rejection, PollutantValues } from './types.ts';

export type ParseResult =
  | { ok: true; packet: Hj212Packet }
  | { ok: false; rejection: Hj212Rejection; header: LooseHeader };

/** Header fields read without validation from a refused packet, to address a reply and to index the log. */
export interface LooseHeader {
  qn: string | null;
  st: string | null;
  cn: string | null;
  pw: string | null;
  mn: string | null;
  flag: number | null;
}

const HEX = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1);

function fail(code: Hj212Rejection['code'], reason: string, text: string): ParseResult {
  return { ok: false, rejection: { code, reason }, header: looseHeader(text) };
}

/** Reads QN/ST/CN/PW/MN/Flag from a packet's text without trusting it (QN may sit in CP in 2005 style). */
export function looseHeader(text: string): LooseHeader {
  const get = (name: string): string | null => {
    const m = new RegExp(`(?:^|[;&#0-9])${name}=([^;&,\\r\\n]{1,40})`).exec(text);
    return m ? m[1] : null;
  };
  const flag = get('Flag');
  const flagNum = flag !== null && /^\d{1,3}$/.test(flag) ? Number(flag) : null;
  return { qn: get('QN'), st: get('ST'), cn: get('CN'), pw: get('PW'), mn: get('MN'), flag: flagNum };
}

/** Whether `s` is digits forming a valid date-time yyyyMMddHHmmss (14) or yyyyMMddHHmmssSSS (17). */
export function isHj212DateTime(s: string): boolean {
  if (s.length !== 14 && s.length !== 17) return false;
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  const year = digits(s, 0, 4);
  const month = digits(s, 4, 2);
  const day = digits(s, 6, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || digits(s, 8, 2) > 23 || digits(s, 10, 2) > 59 || digits(s, 12, 2) > 59) return false;
  const dim = month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= dim;
}

/** The decimal number written by the (already checked) digits s[i, i + w). */
function digits(s: string, i: number, w: number): number {
  let n = 0;
  for (let k = i; k < i + w; k += 1) n = n * 10 + (s.charCodeAt(k) - 48);
  return n;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18];

/**
 * Strict decimal number as HJ 212 writes them (N14.2, and longer decimals seen in the field) in
 * raw[start, end): `-12.5`, `0`, `.5`; NaN otherwise (exponents, hex, spaces, empty). Up to 15 significant
 * digits the value is computed as mantissa / 10^k — both exact, so one correctly rounded division, the
 * same double as Number(text); longer ones go through Number().
 */
function parseNumber(raw: string, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len > 24) return Number.NaN;
  let i = start;
  const c0 = raw.charCodeAt(i);
  let negative = false;
  if (c0 === 45 || c0 === 43) {
    negative = c0 === 45;
    i += 1;
  }
  let mantissa = 0;
  let nDigits = 0;
  let decimals = -1;
  for (; i < end; i += 1) {
    const c = raw.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      nDigits += 1;
      if (decimals >= 0) decimals += 1;
    } else if (c === 46 && decimals < 0) {
      decimals = 0;
    } else {
      return Number.NaN;
    }
  }
  if (nDigits === 0) return Number.NaN;
  if (nDigits > 15) return Number(raw.slice(start, end));
  const v = decimals > 0 ? mantissa / POW10[decimals] : mantissa;
  return negative ? -v : v;
}

function isPrintableToken(v: string, max: number): boolean {
  if (v.length === 0 || v.length > max) return false;
  for (let i = 0; i < v.length; i += 1) {
    const c = v.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 59 /* ; */ || c === 61 /* = */ || c === 38 /* & */ || c === 44 /* , */) return false;
  }
  return true;
}

function isAlnum(v: string, max: number): boolean {
  if (v.length === 0 || v.length > max) return false;
  for (let i = 0; i < v.length; i += 1) {
    const c = v.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

/**
 * Parses one frame (`##LLLL…CCCC`, without CR LF). The length field is assumed checked by the FrameDecoder;
 * the CRC is checked here over the UTF-8 bytes of the data segment.
 */
export function parseFrame(bytes: Buffer): ParseResult {
  const size = bytes.length;
  if (size < 10) return fail('frame_length', '数据包过短', bytes.toString('latin1'));
  // One pass: the CRC of the data segment and whether the packet is pure ASCII.
  let reg = 0xffff;
  let high = 0;
  for (let i = 6; i < size - 4; i += 1) {
    const b = bytes[i];
    high |= b;
    reg = TABLE[(reg >>> 8) ^ b];
  }
  const text = high < 0x80 ? bytes.toString('latin1') : bytes.toString('utf8');
  let sent = 0;
  for (let i = size - 4; i < size; i += 1) {
    const h = HEX(bytes[i]);
    if (h < 0) return fail('crc_syntax', 'CRC 校验码不是 4 位十六进制数', text);
    sent = (sent << 4) | h;
  }
  if (reg !== sent) return fail('crc_mismatch', `CRC 校验失败 (收到 ${text.slice(-4)}, 应为 ${reg.toString(16).toUpperCase().padStart(4, '0')})`, text);
  // Data segment in text coordinates: after `##LLLL`, before the 4 CRC characters.
  return parseDataSegment(text, 6, text.length - 4);
}

/** Parses a whole packet given as text (`##…CCCC`, with or without CR LF) — for tools and tests. */
export function parsePacket(packet: string): ParseResult {
  const t = packet.endsWith('\r\n') ? packet.slice(0, -2) : packet;
  const bytes = Buffer.from(t, 'utf8');
  if (bytes.length < 10 || bytes[0] !== 0x23 || bytes[1] !== 0x23) return fail('frame_header', '缺少包头 ##', t);
  const declared = /^\d{4}$/.test(t.slice(2, 6)) ? Number(t.slice(2, 6)) : -1;
  if (declared < 0) return fail('frame_length', '数据段长度不是 4 位十进制数字', t);
  const dataBytes = bytes.length - 10;
  if (declared !== dataBytes && declared !== [...t.slice(6, -4)].length) return fail('frame_length', `数据段长度 ${declared} 与实际长度 ${dataBytes} 不符`, t);
  return parseFrame(bytes);
}

function parseDataSegment(raw: string, start: number, end: number): ParseResult {
  const cpAt = raw.indexOf('CP=&&', start);
  if (cpAt < 0 || cpAt >= end) return fail('field_missing', '缺少 CP=&&…&& 指令参数区', raw);
  if (end - cpAt < 7 || raw.charCodeAt(end - 1) !== 38 || raw.charCodeAt(end - 2) !== 38) return fail('field_syntax', 'CP 指令参数区未以 && 结束', raw);
  if (cpAt > start && raw.charCodeAt(cpAt - 1) !== 59) return fail('field_syntax', 'CP 前缺少分隔符 ;', raw);

  let qn: string | null = null;
  let st: string | null = null;
  let cn: string | null = null;
  let pw: string | null = null;
  let mn: string | null = null;
  let flagText: string | null = null;
  let pnumText: string | null = null;
  let pnoText: string | null = null;
  let p = start;
  const headerEnd = cpAt;
  while (p < headerEnd) {
    let semi = raw.indexOf(';', p);
    if (semi < 0 || semi > headerEnd) semi = headerEnd;
    const eq = raw.indexOf('=', p);
    if (eq < 0 || eq >= semi) return fail('field_syntax', `字段 "${raw.slice(p, semi)}" 缺少 =`, raw);
    const key = raw.slice(p, eq);
    const value = raw.slice(eq + 1, semi);
    let dup: boolean;
    switch (key) {
      case 'QN': dup = qn !== null; qn = value; break;
      case 'ST': dup = st !== null; st = value; break;
      case 'CN': dup = cn !== null; cn = value; break;
      case 'PW': dup = pw !== null; pw = value; break;
      case 'MN': dup = mn !== null; mn = value; break;
      case 'Flag': dup = flagText !== null; flagText = value; break;
      case 'PNUM': dup = pnumText !== null; pnumText = value; break;
      case 'PNO': dup = pnoText !== null; pnoText = value; break;
      default:
        return fail('field_syntax', `未知的数据段字段 ${key}`, raw);
    }
    if (dup) return fail('field_syntax', `数据段字段 ${key} 重复`, raw);
    p = semi + 1;
  }
  if (st === null) return fail('field_missing', '缺少系统编码 ST', raw);
  if (cn === null) return fail('field_missing', '缺少命令编码 CN', raw);
  if (pw === null) return fail('field_missing', '缺少访问密码 PW', raw);
  if (mn === null) return fail('field_missing', '缺少设备唯一标识 MN', raw);
  if (!isKnownSt(st)) return fail('st_invalid', `系统编码 ST 无效`, raw);
  if (!/^\d{4}$/.test(cn)) return fail('cn_invalid', '命令编码 CN 应为 4 位数字', raw);
  if (!isPrintableToken(pw, 32)) return fail('pw_invalid', '访问密码 PW 格式无效', raw);
  if (!isAlnum(mn, 24)) return fail('mn_invalid', '设备唯一标识 MN 应为 1–24 位字母或数字', raw);

  let flag: number | null = null;
  if (flagText !== null) {
    if (!/^\d{1,3}$/.test(flagText) || Number(flagText) > 255 || Number(flagText) >> 2 > 1) return fail('flag_invalid', `拆分包及应答标志 Flag=${flagText} 无效`, raw);
    flag = Number(flagText);
  }
  const version = flag !== null && flag >> 2 === 1 ? '2017' : '2005';
  if (qn !== null && (qn.length !== 17 || !isHj212DateTime(qn))) return fail('qn_invalid', '请求编码 QN 应为 17 位时间戳 (yyyyMMddHHmmssSSS)', raw);
  if (qn === null && version === '2017') return fail('qn_invalid', 'HJ 212-2017 数据包缺少请求编码 QN', raw);

  let pnum: number | null = null;
  let pno: number | null = null;
  if (pnumText !== null || pnoText !== null) {
    if (pnumText === null || pnoText === null || !/^\d{1,4}$/.test(pnumText) || !/^\d{1,4}$/.test(pnoText)) return fail('pnum_invalid', '总包数 PNUM 与包号 PNO 须同时出现且为正整数', raw);
    pnum = Number(pnumText);
    pno = Number(pnoText);
    if (pnum < 1 || pno < 1 || pno > pnum) return fail('pnum_invalid', `包号 PNO=${pno} 超出总包数 PNUM=${pnum}`, raw);
  } else if (flag !== null && (flag & 2) !== 0) {
    return fail('pnum_invalid', 'Flag 标明拆分包, 但缺少 PNUM/PNO', raw);
  }

  const cp = parseCp(raw, cpAt + 5, end - 2);
  if ('code' in cp) return { ok: false, rejection: cp, header: { qn, st, cn, pw, mn, flag } };
  return {
    ok: true,
    packet: { version, qn, st, cn, pw, mn, flag, needsAck: flag !== null && (flag & 1) === 1, pnum, pno, cp, raw },
  };
}

/** Which value a field suffix (`raw[from, to)`, after the `-`) names; null when it is not a pollutant value. */
type Suffix = keyof PollutantValues | null;
function suffixOf(raw: string, from: number, to: number): Suffix {
  switch (to - from) {
    case 3:
      switch (raw.charCodeAt(from)) {
        case 82: return raw.startsWith('Rtd', from) ? 'rtd' : null;
        case 65: return raw.startsWith('Avg', from) ? 'avg' : null;
        case 77: return raw.startsWith('Min', from) ? 'min' : raw.startsWith('Max', from) ? 'max' : null;
        case 67: return raw.startsWith('Cou', from) ? 'cou' : null;
        default: return null;
      }
    case 4:
      return raw.startsWith('Flag', from) ? 'flag' : null;
    case 5:
      if (raw.charCodeAt(from) === 69) return raw.startsWith('EFlag', from) ? 'eflag' : null;
      if (!raw.startsWith('Zs', from)) return null;
      switch (raw.charCodeAt(from + 2)) {
        case 82: return raw.startsWith('Rtd', from + 2) ? 'zsRtd' : null;
        case 65: return raw.startsWith('Avg', from + 2) ? 'zsAvg' : null;
        case 77: return raw.startsWith('Min', from + 2) ? 'zsMin' : raw.startsWith('Max', from + 2) ? 'zsMax' : null;
        default: return null;
      }
    case 10:
      return raw.startsWith('SampleTime', from) ? 'sampleTime' : null;
    default:
      return null;
  }
}

/** Parses `raw[start, end)`: items `key=value` separated by `;` (groups) and `,` (sub-items). */
function parseCp(raw: string, start: number, end: number): CpSection | Hj212Rejection {
  let dataTime: string | null = null;
  const fields: Record<string, string> = {};
  const pollutants: PollutantValues[] = [];
  let last: PollutantValues | null = null;
  let p = start;
  while (p < end) {
    // One item ends at ';' or ','; note '=' and the first '-' on the way.
    let q = p;
    let eq = -1;
    let dash = -1;
    for (; q < end; q += 1) {
      const c = raw.charCodeAt(q);
      if (c === 59 || c === 44) break;
      if (c === 61) {
        if (eq < 0) eq = q;
      } else if (c === 45 && eq < 0 && dash < 0) dash = q;
    }
    if (q > p) {
      if (eq < 0) return { code: 'field_syntax', reason: `CP 项 "${raw.slice(p, q)}" 缺少 =` };
      if (eq === p) return { code: 'field_syntax', reason: 'CP 项缺少名称' };
      const suffix = dash > p ? suffixOf(raw, dash + 1, eq) : null;
      if (suffix === null) {
        const key = raw.slice(p, eq);
        const value = raw.slice(eq + 1, q);
        if (key === 'DataTime') {
          if (!isHj212DateTime(value)) return { code: 'datatime_invalid', reason: `数据时间 DataTime=${value.slice(0, 20)} 无效` };
          if (dataTime !== null && dataTime !== value) return { code: 'datatime_invalid', reason: 'DataTime 重复且不一致' };
          dataTime = value;
        } else {
          const prev = fields[key];
          if (prev !== undefined && prev !== value) return { code: 'field_syntax', reason: `CP 项 ${key} 重复且取值不一致` };
          fields[key] = value;
        }
      } else {
        // Items of one pollutant are usually adjacent: check the last one before searching.
        let pv: PollutantValues | null = null;
        const codeLen = dash - p;
        if (last !== null && last.code.length === codeLen && raw.startsWith(last.code, p)) pv = last;
        else {
          for (const x of pollutants) {
            if (x.code.length === codeLen && raw.startsWith(x.code, p)) {
              pv = x;
              break;
            }
          }
        }
        if (pv === null) {
          const code = raw.slice(p, dash);
          pv = { code, code2017: code2017Of(code) };
          pollutants.push(pv);
        }
        last = pv;
        if (suffix === 'flag') {
          if (q - eq !== 2 || !isAlnum(raw.slice(eq + 1, q), 1)) return { code: 'value_invalid', reason: `数据标记 ${raw.slice(p, Math.min(q, p + 40))} 无效` };
          // Vendors repeat -Flag after -ZsRtd; the first one stands.
          if (pv.flag === undefined) pv.flag = raw[eq + 1];
        } else if (suffix === 'eflag') {
          const value = raw.slice(eq + 1, q);
          if (!isPrintableToken(value, 4)) return { code: 'value_invalid', reason: `设备标记 ${raw.slice(p, eq)} 无效` };
          pv.eflag = value;
        } else if (suffix === 'sampleTime') {
          const value = raw.slice(eq + 1, q);
          if (!isHj212DateTime(value)) return { code: 'datatime_invalid', reason: `${raw.slice(p, eq)}=${value.slice(0, 20)} 无效` };
          pv.sampleTime = value;
        } else {
          const num = parseNumber(raw, eq + 1, q);
          if (Number.isNaN(num)) return { code: 'value_invalid', reason: `${raw.slice(p, eq)}=${raw.slice(eq + 1, Math.min(q, eq + 25))} 不是有效数值` };
          const values = pv as unknown as Record<string, number | undefined>;
          const prev = values[suffix];
          if (prev !== undefined && prev !== num) return { code: 'value_invalid', reason: `${raw.slice(p, eq)} 重复且取值不一致` };
          values[suffix] = num;
        }
      }
    }
    p = q + 1;
  }
  return { dataTime, fields, pollutants };
}
