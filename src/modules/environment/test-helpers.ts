/**
 * Test helpers of the environment module: parsed HJ 212 packets built directly (the parser is
 * tested in hj212/), in Beijing data times.
 */
import type { Hj212Packet, PollutantValues } from './hj212/types.ts';

/** `yyyyMMddHHmmss` of an instant, in Beijing time. */
export function dataTimeOf(t: Date | number): string {
  const d = new Date((typeof t === 'number' ? t : t.getTime()) + 8 * 3600_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export function packet(input: { mn: string; cn: string; st?: string; time: Date | number; values: Record<string, Omit<PollutantValues, 'code' | 'code2017'>> }): Hj212Packet {
  const dataTime = dataTimeOf(input.time);
  return {
    version: '2017',
    qn: `${dataTime}000`,
    st: input.st ?? '31',
    cn: input.cn,
    pw: '123456',
    mn: input.mn,
    flag: 5,
    needsAck: true,
    pnum: null,
    pno: null,
    cp: { dataTime, fields: {}, pollutants: Object.entries(input.values).map(([code, v]) => ({ code, code2017: code, ...v })) },
    raw: '',
  };
}
