/**
 * Environmental protection tax (环境保护税) on air and water pollutants from automatic monitoring
 * data: pure functions. Environmental Protection Tax Law arts. 8–13 and Annex 2; Henan's rates
 * (decision of the provincial People's Congress Standing Committee, in force 2018-01-01):
 * air 4.8 yuan, water 5.6 yuan per pollution equivalent; the statutory 3 / 5 + 3 items.
 */
import type { Medium } from '../model.ts';

export const HENAN_RATES: Record<Medium, number> = { air: 4.8, water: 5.6 };

export interface EquivalentDef {
  /** kg per pollution equivalent (Annex 2). */
  kg: number;
  name: string;
  /** Water: first-class pollutant (第一类水污染物). */
  firstClass?: boolean;
  /** Water: one of COD, BOD₅, TOC (only one of them is taxed per outlet). */
  oxygenDemand?: boolean;
}

/**
 * Pollution-equivalent values by HJ 212-2017 code. Air and the ordinary water items are verified
 * against the law's Annex 2 (smoke 2.18 is marked unverified in the reference); the codes of the
 * first-class heavy metals (w20111/w20115/w20116) follow HJ 212-2017 Annex B (unverified — confirm).
 */
export const EQUIVALENTS: Record<string, EquivalentDef> = {
  a21026: { kg: 0.95, name: '二氧化硫' },
  a21002: { kg: 0.95, name: '氮氧化物' },
  a21005: { kg: 16.7, name: '一氧化碳' },
  a34013: { kg: 2.18, name: '烟尘' },
  a20057: { kg: 0.0001, name: '汞及其化合物' },
  w01018: { kg: 1, name: '化学需氧量', oxygenDemand: true },
  w01017: { kg: 0.5, name: '五日生化需氧量', oxygenDemand: true },
  w01020: { kg: 0.49, name: '总有机碳', oxygenDemand: true },
  w01012: { kg: 4, name: '悬浮物' },
  w21003: { kg: 0.8, name: '氨氮' },
  w21011: { kg: 0.25, name: '总磷' },
  w22001: { kg: 0.1, name: '石油类' },
  w20111: { kg: 0.0005, name: '总汞', firstClass: true },
  w20115: { kg: 0.005, name: '总镉', firstClass: true },
  w20116: { kg: 0.04, name: '总铬', firstClass: true },
};

export interface PollutantMonth {
  pollutant: string;
  /** Emission in the month (kg). */
  kg: number;
  /** Concentration for the reduction test: monthly mean of hourly means (air, converted) or of daily means (water). */
  meanConcentration: number | null;
  /** Highest hourly mean (air) or daily mean (water) in the month. */
  maxConcentration: number | null;
  /** The outlet's limit for the pollutant; null: none. */
  limit: number | null;
}

export interface OutletTaxInput {
  medium: Medium;
  pollutants: PollutantMonth[];
  /** A centralised urban/rural sewage treatment plant (Art. 12 exemption within standard). */
  centralizedSewage: boolean;
  /** Rate per equivalent; default Henan's. */
  rate?: number;
}

export type TaxReason =
  | 'taxed'
  | 'not_taxable'
  | 'not_top'
  | 'oxygen_demand_other'
  | 'exempt_sewage_within_standard';

export interface TaxItem {
  pollutant: string;
  name: string;
  kg: number;
  /** kg per equivalent; null when the pollutant has no equivalent value (not taxable, e.g. TN). */
  kgPerEquivalent: number | null;
  equivalents: number;
  taxed: boolean;
  reason: TaxReason;
  /** 1, 0.75 or 0.5 (Art. 13). */
  factor: number;
  /** Yuan, rounded to the fen. */
  tax: number;
  meanConcentration: number | null;
  limit: number | null;
  withinStandard: boolean | null;
}

export const TAX_REASON_LABELS: Record<TaxReason, string> = {
  taxed: '计税',
  not_taxable: '无污染当量值, 不计税',
  not_top: '不在前 3 项 (水: 第一类前 5 项、其他前 3 项) 之列',
  oxygen_demand_other: '化学需氧量、生化需氧量、总有机碳只征一项',
  exempt_sewage_within_standard: '集中式污水处理场所, 不超标排放免征',
};

/**
 * Reduction factor (Art. 13): concentration below the limit by 30 % (C < 0.7 × limit) → 75 %;
 * by 50 % (C < 0.5 × limit) → 50 %. Only when no single hourly (air) / daily (water) mean exceeded the limit.
 */
export function reductionFactor(mean: number | null, max: number | null, limit: number | null): number {
  if (limit === null || mean === null || max === null) return 1;
  if (max > limit) return 1;
  if (mean < 0.5 * limit) return 0.5;
  if (mean < 0.7 * limit) return 0.75;
  return 1;
}

const round2 = (x: number): number => Math.round((x + Number.EPSILON) * 100) / 100;

/** The tax of one outlet for one month: equivalents, the taxed items, reductions and exemption. */
export function outletTax(input: OutletTaxInput): { items: TaxItem[]; equivalents: number; tax: number } {
  const rate = input.rate ?? HENAN_RATES[input.medium];
  const items: TaxItem[] = input.pollutants.map((p) => {
    const def = EQUIVALENTS[p.pollutant];
    const withinStandard = p.limit === null || p.maxConcentration === null ? null : p.maxConcentration <= p.limit;
    return {
      pollutant: p.pollutant,
      name: def?.name ?? p.pollutant,
      kg: p.kg,
      kgPerEquivalent: def?.kg ?? null,
      equivalents: def ? p.kg / def.kg : 0,
      taxed: false,
      reason: def ? 'not_top' : 'not_taxable',
      factor: 1,
      tax: 0,
      meanConcentration: p.meanConcentration,
      limit: p.limit,
      withinStandard,
    };
  });
  const taxable = items.filter((i) => i.kgPerEquivalent !== null && i.equivalents > 0).sort((a, b) => b.equivalents - a.equivalents);
  let chosen: TaxItem[];
  if (input.medium === 'air') {
    chosen = taxable.slice(0, 3);
  } else {
    const first = taxable.filter((i) => EQUIVALENTS[i.pollutant].firstClass).slice(0, 5);
    const others = taxable.filter((i) => !EQUIVALENTS[i.pollutant].firstClass);
    const od = others.filter((i) => EQUIVALENTS[i.pollutant].oxygenDemand);
    for (const i of od.slice(1)) i.reason = 'oxygen_demand_other'; // the largest of COD/BOD₅/TOC stays
    const rest = others.filter((i) => !EQUIVALENTS[i.pollutant].oxygenDemand || i === od[0]).slice(0, 3);
    chosen = [...first, ...rest];
  }
  for (const i of chosen) {
    i.taxed = true;
    i.reason = 'taxed';
    const p = input.pollutants.find((x) => x.pollutant === i.pollutant)!;
    if (input.medium === 'water' && input.centralizedSewage && i.withinStandard !== false) {
      i.taxed = false;
      i.reason = 'exempt_sewage_within_standard';
      continue;
    }
    i.factor = reductionFactor(p.meanConcentration, p.maxConcentration, p.limit);
    i.tax = round2(i.equivalents * rate * i.factor);
  }
  const taxed = items.filter((i) => i.taxed);
  return { items, equivalents: taxed.reduce((a, i) => a + i.equivalents, 0), tax: round2(taxed.reduce((a, i) => a + i.tax, 0)) };
}
