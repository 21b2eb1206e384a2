/**
 * Pure calculations of the monitoring data (HJ 212-2017 Annex D, HJ 75/76): validity of hours and
 * days, flag propagation, flow-weighted means for wastewater, conversion to the reference O₂,
 * emissions, transmission and validity rates, and the alarm checks. No database, no clock.
 */
import { AIR_FLOW, O2, POLLUTANTS, WATER_FLOW, type Medium } from '../model.ts';

/** Flags whose values count as valid data: N normal, S manually entered (HJ 212 Table 8). */
export const isValidFlag = (flag: string | undefined | null): boolean => !flag || flag === 'N' || flag === 'S';

/** C × (21 − O₂ref) / (21 − O₂meas) (HJ 212-2017 Annex D eq. 28); null when O₂ is missing or not below 21 %. */
export function convertToReferenceO2(c: number, o2Measured: number | null | undefined, o2Reference: number): number | null {
  if (o2Measured === null || o2Measured === undefined || !Number.isFinite(o2Measured) || o2Measured >= 21 || o2Measured < 0) return null;
  return (c * (21 - o2Reference)) / (21 - o2Measured);
}

const ABNORMAL_ORDER = ['D', 'F', 'M', 'C', 'T', 'B'];

/**
 * Flag of an aggregate (notes to Annex C.16–C.18). Water: any abnormal value makes the aggregate
 * abnormal (the most frequent abnormal flag). Flue gas: normal when ≥ 75 % of the values are normal, else D.
 */
export function aggregateFlag(flags: (string | undefined)[], medium: Medium): string {
  if (flags.length === 0) return 'D';
  const normal = flags.filter((f) => isValidFlag(f)).length;
  if (medium === 'air') return normal / flags.length >= 0.75 ? 'N' : 'D';
  if (normal === flags.length) return 'N';
  const counts = new Map<string, number>();
  for (const f of flags) if (!isValidFlag(f)) counts.set(f!, (counts.get(f!) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || ABNORMAL_ORDER.indexOf(a[0]) - ABNORMAL_ORDER.indexOf(b[0]))[0][0];
}

/** One value of one pollutant in a slice of time (a real-time sample or a minute record). */
export interface SliceValue {
  /** The value (Rtd of a sample, Avg of a minute record). */
  value?: number;
  min?: number;
  max?: number;
  /** Period total sent by the logger (kg, or m³ for flows). */
  cou?: number;
  /** Converted value sent by the logger. */
  zs?: number;
  flag?: string;
}

/** A slice of an hour: its start and length, and the values of every pollutant in it. */
export interface Slice {
  t: number;
  seconds: number;
  values: Record<string, SliceValue>;
}

export interface HourValue {
  avg: number | null;
  min: number | null;
  max: number | null;
  /** Emission in the hour (kg), or volume for the flow (m³). */
  cou: number | null;
  zsAvg: number | null;
  flag: string;
  valid: boolean;
  /** Valid minutes that went into the value. */
  n: number;
}

export interface HourOptions {
  medium: Medium;
  /** Reference O₂ (%) of a flue-gas outlet; null: no conversion. */
  o2Reference: number | null;
}

/** Valid hour of flue gas: ≥ 45 valid minutes (Annex D); of wastewater: at least one valid 10-minute window (our reading). */
export const MIN_VALID_MINUTES: Record<Medium, number> = { air: 45, water: 10 };
/** Valid day of flue gas: ≥ 20 valid hours; wastewater: ≥ 1 valid hour ("a day is 1–24 hours"). */
export const MIN_VALID_HOURS: Record<Medium, number> = { air: 20, water: 1 };

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const finite = (x: number | undefined | null): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * Derives the hour values of every pollutant from its slices (minute records, or real-time samples
 * when the logger sent no minute data). Flue gas: arithmetic means of the valid values, converted to
 * the reference O₂ slice by slice (the logger's Zs values when sent), emission = Σ C·V × 10⁻⁶ over
 * the valid slices (the logger's Cou when sent; no extrapolation for missing slices). Wastewater: flow-weighted means (G = D × C × 10⁻³ kg, D = Q × T × 10⁻³ m³, C = ΣG/ΣD × 10³).
 */
export function deriveHour(slices: Slice[], opts: HourOptions): Record<string, HourValue> {
  const out: Record<string, HourValue> = {};
  const codes = new Set<string>();
  for (const s of slices) for (const c of Object.keys(s.values)) codes.add(c);
  const flowCode = opts.medium === 'air' ? AIR_FLOW : WATER_FLOW;

  // Flow of the hour: the volume (m³) of each slice, from Cou or from the mean flow × duration.
  const sliceVolume = (s: Slice): number | null => {
    const f = s.values[flowCode];
    if (!f || !isValidFlag(f.flag)) return null;
    if (finite(f.cou)) return f.cou;
    if (!finite(f.value)) return null;
    return opts.medium === 'air' ? f.value * s.seconds : f.value * s.seconds * 1e-3; // m³/s × s; L/s × s × 10⁻³
  };

  for (const code of codes) {
    const items = slices.filter((s) => s.values[code]).map((s) => ({ s, v: s.values[code] }));
    const flags = items.map((i) => i.v.flag);
    const valid = items.filter((i) => isValidFlag(i.v.flag) && finite(i.v.value));
    const validSeconds = valid.reduce((a, i) => a + i.s.seconds, 0);
    const n = Math.min(60, Math.floor(validSeconds / 60));
    const values = valid.map((i) => i.v.value!);
    const mins = valid.map((i) => (finite(i.v.min) ? i.v.min : i.v.value!));
    const maxs = valid.map((i) => (finite(i.v.max) ? i.v.max : i.v.value!));
    const hv: HourValue = {
      avg: mean(values),
      min: mins.length ? Math.min(...mins) : null,
      max: maxs.length ? Math.max(...maxs) : null,
      cou: null,
      zsAvg: null,
      flag: aggregateFlag(flags, opts.medium),
      valid: n >= MIN_VALID_MINUTES[opts.medium],
      n,
    };
    const isFlow = code === flowCode;
    const isPollutant = !(POLLUTANTS[code]?.parameter ?? false) && code !== 'w01001';
    if (opts.medium === 'water' && isPollutant && !isFlow) {
      // Flow-weighted mean and load.
      let sumD = 0;
      let sumG = 0;
      let weighted = true;
      for (const i of valid) {
        const d = sliceVolume(i.s);
        if (d === null) {
          weighted = false;
          break;
        }
        sumD += d;
        sumG += finite(i.v.cou) ? i.v.cou : d * i.v.value! * 1e-3;
      }
      if (weighted && sumD > 0) {
        hv.avg = (sumG / sumD) * 1e3;
        hv.cou = sumG;
      }
    } else if (opts.medium === 'air' && isPollutant && !isFlow) {
      if (opts.o2Reference !== null) {
        const zs = valid.map((i) => (finite(i.v.zs) ? i.v.zs : convertToReferenceO2(i.v.value!, i.s.values[O2]?.value, opts.o2Reference!))).filter(finite);
        hv.zsAvg = zs.length === valid.length ? mean(zs) : null;
      }
      const sent = valid.map((i) => i.v.cou);
      if (valid.length > 0 && sent.every(finite)) {
        hv.cou = (sent as number[]).reduce((a, b) => a + b, 0);
      } else {
        const vols = valid.map((i) => sliceVolume(i.s));
        if (valid.length > 0 && vols.every((x) => x !== null)) hv.cou = valid.reduce((a, i, k) => a + i.v.value! * vols[k]! * 1e-6, 0); // Σ C·V, mg/m³ × m³ → kg
      }
    }
    if (isFlow) {
      const vols = valid.map((i) => sliceVolume(i.s)).filter((x): x is number => x !== null);
      hv.cou = vols.length ? vols.reduce((a, b) => a + b, 0) : null;
    }
    out[code] = hv;
  }
  return out;
}

/** An hour value as uploaded by the logger (2061): flag normal means valid. Emission and conversion completed where missing. */
export function loggerHour(
  values: Record<string, { avg?: number; min?: number; max?: number; cou?: number; zsAvg?: number; flag?: string }>,
  opts: HourOptions,
): Record<string, HourValue> {
  const out: Record<string, HourValue> = {};
  const flowCode = opts.medium === 'air' ? AIR_FLOW : WATER_FLOW;
  const flow = values[flowCode];
  const flowVolume = flow && finite(flow.cou) ? flow.cou : flow && finite(flow.avg) ? (opts.medium === 'air' ? flow.avg * 3600 : flow.avg * 3.6) : null;
  for (const [code, v] of Object.entries(values)) {
    const avg = finite(v.avg) ? v.avg : null;
    const isPollutant = !(POLLUTANTS[code]?.parameter ?? false) && code !== 'w01001';
    let cou = finite(v.cou) ? v.cou : null;
    if (cou === null && avg !== null && isPollutant && flowVolume !== null) cou = opts.medium === 'air' ? avg * flowVolume * 1e-6 : avg * flowVolume * 1e-3;
    if (code === flowCode) cou = flowVolume;
    let zsAvg = finite(v.zsAvg) ? v.zsAvg : null;
    if (zsAvg === null && avg !== null && opts.medium === 'air' && isPollutant && opts.o2Reference !== null) {
      zsAvg = convertToReferenceO2(avg, values[O2]?.avg, opts.o2Reference);
    }
    const valid = isValidFlag(v.flag) && avg !== null;
    out[code] = { avg, min: finite(v.min) ? v.min : avg, max: finite(v.max) ? v.max : avg, cou, zsAvg, flag: v.flag ?? 'N', valid, n: valid ? 60 : 0 };
  }
  return out;
}

export interface DayValue {
  avg: number | null;
  min: number | null;
  max: number | null;
  cou: number | null;
  zsAvg: number | null;
  flag: string;
  valid: boolean;
  nValidHours: number;
}

/**
 * A day from its hours: flue gas valid with ≥ 20 valid hours, means of the valid hours, emission the
 * sum over valid hours; wastewater flow-weighted (Σ load / Σ volume) when loads are known.
 * `flowVolumes` is the volume (m³) of each hour for wastewater weighting (index-aligned with `hours`).
 */
export function deriveDay(hours: HourValue[], opts: { medium: Medium; isFlowOrParameter: boolean; flowVolumes?: (number | null)[] }): DayValue {
  const validIdx = hours.map((h, i) => (h.valid && h.avg !== null ? i : -1)).filter((i) => i >= 0);
  const valid = validIdx.map((i) => hours[i]);
  const nValid = valid.length;
  let avg = mean(valid.map((h) => h.avg!));
  if (opts.medium === 'water' && !opts.isFlowOrParameter && opts.flowVolumes) {
    const vols = validIdx.map((i) => opts.flowVolumes![i]);
    if (vols.length && vols.every((v) => v !== null && v > 0)) {
      const sumD = (vols as number[]).reduce((a, b) => a + b, 0);
      const sumG = validIdx.reduce((a, i, k) => a + (hours[i].cou ?? (vols[k] as number) * hours[i].avg! * 1e-3), 0);
      avg = (sumG / sumD) * 1e3;
    }
  }
  const cous = valid.map((h) => h.cou).filter(finite);
  const zs = valid.map((h) => h.zsAvg).filter(finite);
  return {
    avg,
    min: nValid ? Math.min(...valid.map((h) => h.min ?? h.avg!)) : null,
    max: nValid ? Math.max(...valid.map((h) => h.max ?? h.avg!)) : null,
    cou: cous.length ? cous.reduce((a, b) => a + b, 0) : null,
    zsAvg: zs.length === nValid && nValid > 0 ? mean(zs) : null,
    flag: aggregateFlag(hours.map((h) => h.flag), opts.medium),
    valid: nValid >= MIN_VALID_HOURS[opts.medium],
    nValidHours: nValid,
  };
}

export interface Rates {
  expected: number;
  received: number;
  valid: number;
  /** 传输率 = received / expected. */
  transmission: number | null;
  /** 有效率 = valid / received. */
  validity: number | null;
  /** 传输有效率 = transmission × validity. */
  effectiveness: number | null;
}

export function rates(expected: number, received: number, valid: number): Rates {
  const transmission = expected > 0 ? Math.min(1, received / expected) : null;
  const validity = received > 0 ? valid / received : null;
  return { expected, received, valid, transmission, validity, effectiveness: transmission !== null && validity !== null ? transmission * validity : transmission === null ? null : 0 };
}

// --- alarm checks ------------------------------------------------------------------------------

/** Exceedance of an hourly value: the converted concentration for flue gas (the measured one when not convertible), the mean for water. */
export function exceedance(h: HourValue, limit: { max: number | null; min: number | null }, medium: Medium): { value: number; limit: number } | null {
  if (!h.valid) return null;
  const value = medium === 'air' ? (h.zsAvg ?? h.avg) : h.avg;
  if (value === null) return null;
  if (limit.max !== null && value > limit.max) return { value, limit: limit.max };
  if (limit.min !== null && value < limit.min) return { value, limit: limit.min };
  return null;
}

/** Longest run of identical consecutive values. */
export function longestConstantRun(values: number[]): { run: number; value: number | null } {
  let best = 0;
  let bestValue: number | null = null;
  let run = 0;
  for (let i = 0; i < values.length; i += 1) {
    run = i > 0 && values[i] === values[i - 1] ? run + 1 : 1;
    if (run > best) {
      best = run;
      bestValue = values[i];
    }
  }
  return { run: best, value: bestValue };
}

/** Values outside the instrument range [lo, hi], or flagged T (above the upper limit of measurement). */
export function outOfRange(values: SliceValue[], range: [number, number] | undefined): SliceValue | null {
  for (const v of values) {
    if (v.flag === 'T') return v;
    if (range && finite(v.value) && (v.value < range[0] || v.value > range[1])) return v;
  }
  return null;
}

/** Fault flags (D instrument fault, B communication fault) among the values. */
export const faultFlags = (values: SliceValue[]): string[] => [...new Set(values.map((v) => v.flag).filter((f): f is string => f === 'D' || f === 'B'))];
