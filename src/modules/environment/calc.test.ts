/**
 * Pure calculations against hand-computed examples: O₂ conversion, flag propagation, hour and day
 * validity, flow-weighted means, emissions, rates, alarm checks, and the environmental protection tax
 * (equivalents, top items, COD/BOD₅/TOC, reductions, sewage-plant exemption). No database.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateFlag, convertToReferenceO2, deriveDay, deriveHour, exceedance, longestConstantRun, loggerHour, outOfRange, rates, type HourValue, type Slice } from './services/calc.ts';
import { outletTax, reductionFactor } from './services/tax.ts';
import { parseDataTime } from './model.ts';
import { readingRows } from './services/uploads.ts';
import { packet } from './test-helpers.ts';

const close = (a: number | null, b: number, eps = 1e-9) => assert.ok(a !== null && Math.abs(a - b) < eps, `${a} ≈ ${b}`);

test('conversion to reference O₂: C × (21 − O₂ref) / (21 − O₂meas)', () => {
  close(convertToReferenceO2(40, 9, 6), 50); // 40 × 15 / 12
  close(convertToReferenceO2(30, 6, 6), 30);
  close(convertToReferenceO2(10, 18, 15), 20); // gas turbine: 10 × 6 / 3
  assert.equal(convertToReferenceO2(10, 21, 6), null);
  assert.equal(convertToReferenceO2(10, null, 6), null);
});

test('flags: water — one abnormal value makes the aggregate abnormal; flue gas — normal at ≥ 75 % normal, else D', () => {
  assert.equal(aggregateFlag(['N', 'N', 'N', 'N'], 'water'), 'N');
  assert.equal(aggregateFlag(['N', 'N', 'N', 'M'], 'water'), 'M');
  assert.equal(aggregateFlag(['N', 'C', 'C', 'D'], 'water'), 'C');
  assert.equal(aggregateFlag(['N', 'N', 'N', 'D'], 'air'), 'N'); // 75 %
  assert.equal(aggregateFlag(['N', 'N', 'D', 'D'], 'air'), 'D'); // 50 %
  assert.equal(aggregateFlag([undefined, 'N', 'S', 'N'], 'air'), 'N');
});

const minute = (i: number, v: Record<string, { value?: number; flag?: string; cou?: number; zs?: number }>): Slice => ({ t: i * 600_000, seconds: 600, values: v });

test('flue-gas hour: valid with ≥ 45 valid minutes, converted mean, emission Σ C·V', () => {
  // 5 valid 10-minute records (50 min) and one in maintenance: valid hour.
  const slices = [0, 1, 2, 3, 4, 5].map((i) => minute(i, { a21026: { value: 30 + i, flag: i === 5 ? 'M' : 'N' }, a19001: { value: 11 }, a00000: { value: 200 } }));
  const h = deriveHour(slices, { medium: 'air', o2Reference: 6 })['a21026'];
  assert.equal(h.n, 50);
  assert.equal(h.valid, true);
  close(h.avg, 32); // (30+31+32+33+34)/5
  close(h.zsAvg, 32 * 1.5); // × 15/10
  assert.equal(h.flag, 'N'); // 5 of 6 normal ≥ 75 %
  close(h.cou, (30 + 31 + 32 + 33 + 34) * 200 * 600 * 1e-6); // 19.2 kg
  // 4 valid records (40 min): not a valid hour; 3 of 6 normal → D.
  const bad = [0, 1, 2, 3, 4, 5].map((i) => minute(i, { a21026: { value: 30, flag: i >= 4 ? 'D' : i === 3 ? 'C' : 'N' } }));
  const hb = deriveHour(bad, { medium: 'air', o2Reference: 6 })['a21026'];
  assert.equal(hb.n, 30);
  assert.equal(hb.valid, false);
  assert.equal(hb.flag, 'D');
  // Real-time samples every 30 s: 90 valid samples = 45 minutes → valid.
  const rtd: Slice[] = Array.from({ length: 90 }, (_, i) => ({ t: i * 30_000, seconds: 30, values: { a21002: { value: 40, zs: 44 } } }));
  const hr = deriveHour(rtd, { medium: 'air', o2Reference: 6 })['a21002'];
  assert.equal(hr.n, 45);
  assert.equal(hr.valid, true);
  close(hr.zsAvg, 44); // the logger's converted values are used when sent
});

test('wastewater hour: flow-weighted mean, load and volume; a day flow-weighted over its hours', () => {
  const slices = [minute(0, { w01018: { value: 20 }, w00000: { value: 100 } }), minute(1, { w01018: { value: 50 }, w00000: { value: 300 } })];
  const h = deriveHour(slices, { medium: 'water', o2Reference: null });
  // D = 100 L/s × 600 s × 10⁻³ = 60 m³ and 180 m³; G = 60 × 20 × 10⁻³ = 1.2 kg and 180 × 50 × 10⁻³ = 9 kg.
  close(h.w01018.avg, (10.2 / 240) * 1e3); // 42.5 mg/L (arithmetic mean would be 35)
  close(h.w01018.cou, 10.2);
  close(h.w00000.cou, 240);
  assert.equal(h.w01018.valid, true); // 20 minutes ≥ one 10-minute window
  const hours: HourValue[] = [
    { avg: 42.5, min: 20, max: 50, cou: 10.2, zsAvg: null, flag: 'N', valid: true, n: 20 },
    { avg: 10, min: 10, max: 10, cou: 1, zsAvg: null, flag: 'N', valid: true, n: 60 },
  ];
  const d = deriveDay(hours, { medium: 'water', isFlowOrParameter: false, flowVolumes: [240, 100] });
  close(d.avg, (11.2 / 340) * 1e3); // Σ G / Σ D
  close(d.cou, 11.2);
  assert.equal(d.valid, true);
});

test('flue-gas day: valid with ≥ 20 valid hours; emission is the sum over valid hours only', () => {
  const h = (valid: boolean, avg: number): HourValue => ({ avg, min: avg, max: avg, cou: avg / 10, zsAvg: avg * 1.1, flag: valid ? 'N' : 'D', valid, n: valid ? 60 : 10 });
  const day = deriveDay([...Array.from({ length: 20 }, () => h(true, 20)), ...Array.from({ length: 4 }, () => h(false, 90))], { medium: 'air', isFlowOrParameter: false });
  assert.equal(day.valid, true);
  assert.equal(day.nValidHours, 20);
  close(day.avg, 20);
  close(day.zsAvg, 22);
  close(day.cou, 40);
  assert.equal(day.flag, 'N'); // 20/24 ≥ 75 %
  const short = deriveDay(Array.from({ length: 19 }, () => h(true, 20)), { medium: 'air', isFlowOrParameter: false });
  assert.equal(short.valid, false);
});

test('a logger hour (2061) is completed: emission from the flow, conversion from the hour O₂', () => {
  const h = loggerHour({ a21026: { avg: 20, flag: 'N' }, a19001: { avg: 9 }, a00000: { avg: 100 } }, { medium: 'air', o2Reference: 6 });
  close(h.a21026.zsAvg, 25);
  close(h.a21026.cou, 20 * 360000 * 1e-6); // 7.2 kg
  assert.equal(h.a21026.valid, true);
  assert.equal(loggerHour({ a21026: { avg: 20, flag: 'D' } }, { medium: 'air', o2Reference: 6 }).a21026.valid, false);
});

test('rates: transmission × validity = transmission-effectiveness', () => {
  const r = rates(24, 18, 9);
  close(r.transmission, 0.75);
  close(r.validity, 0.5);
  close(r.effectiveness, 0.375);
  assert.equal(rates(24, 0, 0).validity, null);
});

test('alarm checks: exceedance on the converted value, pH range, constant run, instrument range and T flag', () => {
  const hv = (avg: number, zs: number | null): HourValue => ({ avg, min: avg, max: avg, cou: null, zsAvg: zs, flag: 'N', valid: true, n: 60 });
  assert.deepEqual(exceedance(hv(90, 110), { max: 100, min: null }, 'air'), { value: 110, limit: 100 });
  assert.equal(exceedance(hv(110, 90), { max: 100, min: null }, 'air'), null);
  assert.deepEqual(exceedance(hv(5.5, null), { max: 9, min: 6 }, 'water'), { value: 5.5, limit: 6 });
  assert.equal(exceedance({ ...hv(200, 200), valid: false }, { max: 100, min: null }, 'air'), null);
  assert.deepEqual(longestConstantRun([1, 2, 2, 2, 3, 3]), { run: 3, value: 2 });
  assert.equal(outOfRange([{ value: 10 }, { value: 600 }], [0, 500])?.value, 600);
  assert.equal(outOfRange([{ value: 10, flag: 'T' }], undefined)?.flag, 'T');
  assert.equal(outOfRange([{ value: 10 }], [0, 500]), null);
});

test('data times are Beijing time; readingRows merges one batch and skips non-data commands', () => {
  assert.equal(parseDataTime('20260310080000')?.toISOString(), '2026-03-10T00:00:00.000Z');
  assert.equal(parseDataTime('20260310080000123')?.toISOString(), '2026-03-10T00:00:00.123Z');
  assert.equal(parseDataTime('20260231080000'), null);
  const t = Date.parse('2026-03-10T00:00:00Z');
  const rows = readingRows([
    { packetId: 'a', pointId: 'p', receivedAt: new Date(t), packet: packet({ mn: 'M', cn: '2011', time: t, values: { a21026: { rtd: 1 } } }) },
    { packetId: 'b', pointId: 'p', receivedAt: new Date(t), packet: packet({ mn: 'M', cn: '2011', time: t, values: { a21002: { rtd: 2 } } }) },
    { packetId: 'c', pointId: 'p', receivedAt: new Date(t), packet: packet({ mn: 'M', cn: '2021', time: t, values: { a21002: { rtd: 2 } } }) },
  ]);
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].vals, { a21026: { rtd: 1 }, a21002: { rtd: 2 } });
});

// --- tax ---------------------------------------------------------------------------------------

test('tax reductions: < 70 % of the limit → 75 %, < 50 % → 50 %, none after any exceedance', () => {
  assert.equal(reductionFactor(34, 40, 50), 0.75);
  assert.equal(reductionFactor(24, 40, 50), 0.5);
  assert.equal(reductionFactor(35, 40, 50), 1); // exactly 70 %: not "below"
  assert.equal(reductionFactor(20, 51, 50), 1); // one hourly mean above the limit
  assert.equal(reductionFactor(20, 30, null), 1);
});

test('air tax: the top 3 pollutants by equivalents at Henan’s 4.8 yuan, with reductions', () => {
  // SO₂ 950 kg → 1000 eq; NOx 1900 kg → 2000 eq; smoke 218 kg → 100 eq; CO 167 kg → 10 eq (4th: not taxed).
  const t = outletTax({
    medium: 'air',
    centralizedSewage: false,
    pollutants: [
      { pollutant: 'a21026', kg: 950, meanConcentration: 20, maxConcentration: 30, limit: 35 }, // 57 % → 75 %
      { pollutant: 'a21002', kg: 1900, meanConcentration: 40, maxConcentration: 49, limit: 50 }, // 80 % → full
      { pollutant: 'a34013', kg: 218, meanConcentration: 4, maxConcentration: 6, limit: 10 }, // 40 % → 50 %
      { pollutant: 'a21005', kg: 167, meanConcentration: null, maxConcentration: null, limit: null },
    ],
  });
  const by = Object.fromEntries(t.items.map((i) => [i.pollutant, i]));
  close(by.a21026.equivalents, 1000);
  close(by.a21002.equivalents, 2000);
  close(by.a34013.equivalents, 100);
  assert.equal(by.a21005.taxed, false);
  assert.equal(by.a21005.reason, 'not_top');
  assert.equal(by.a21026.tax, 3600); // 1000 × 4.8 × 0.75
  assert.equal(by.a21002.tax, 9600); // 2000 × 4.8
  assert.equal(by.a34013.tax, 240); // 100 × 4.8 × 0.5
  assert.equal(t.tax, 13440);
});

test('water tax: only one of COD/BOD₅/TOC, top 3 others, TN untaxed, 5.6 yuan; sewage plants exempt within standard', () => {
  const pollutants = [
    { pollutant: 'w01018', kg: 1000, meanConcentration: 45, maxConcentration: 48, limit: 50 }, // COD 1000 eq
    { pollutant: 'w01017', kg: 600, meanConcentration: 8, maxConcentration: 9, limit: 10 }, // BOD₅ 1200 eq: the larger of the two
    { pollutant: 'w21003', kg: 400, meanConcentration: 2, maxConcentration: 6, limit: 5 }, // NH₃-N 500 eq, one day above the limit
    { pollutant: 'w21011', kg: 50, meanConcentration: 0.3, maxConcentration: 0.4, limit: 0.5 }, // TP 200 eq, 60 % → 75 %
    { pollutant: 'w01012', kg: 400, meanConcentration: 4, maxConcentration: 6, limit: 10 }, // SS 100 eq (4th other: not taxed)
    { pollutant: 'w21001', kg: 3000, meanConcentration: 10, maxConcentration: 12, limit: 15 }, // TN: no equivalent value
  ];
  const t = outletTax({ medium: 'water', centralizedSewage: false, pollutants });
  const by = Object.fromEntries(t.items.map((i) => [i.pollutant, i]));
  assert.equal(by.w01017.taxed, true);
  assert.equal(by.w01018.reason, 'oxygen_demand_other');
  assert.equal(by.w21001.reason, 'not_taxable');
  assert.equal(by.w01012.reason, 'not_top');
  assert.equal(by.w01017.tax, 6720); // 1200 × 5.6, 80 % of the limit → full
  assert.equal(by.w21003.tax, 2800); // 500 × 5.6, mean 40 % but a day exceeded → full
  assert.equal(by.w21011.tax, 840); // 200 × 5.6 × 0.75
  assert.equal(t.tax, 10360);
  // A centralised sewage plant pays only for what exceeded its standard (NH₃-N here).
  const s = outletTax({ medium: 'water', centralizedSewage: true, pollutants });
  const sb = Object.fromEntries(s.items.map((i) => [i.pollutant, i]));
  assert.equal(sb.w01017.reason, 'exempt_sewage_within_standard');
  assert.equal(sb.w21011.tax, 0);
  assert.equal(sb.w21003.tax, 2800);
  assert.equal(s.tax, 2800);
});
