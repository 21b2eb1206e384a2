/**
 * Demo data (first start only): a handful of indicators with PLAUSIBLE values for Henan and its 18
 * prefecture-level units, 2019–2024, and a monthly CPI series. 演示数据, not official statistics:
 * the 2023 levels are rounded figures of the published order of magnitude, the other years are
 * derived with a fixed growth pattern. One revision is included to show the history.
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryOne, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { findUnit } from '../../directory/index.ts';
import { EVENTS, type Frequency } from '../model.ts';
import { recordValue } from './values.ts';

const INDICATORS: { code: string; name: string; unit: string; frequency: Frequency; decimals: number; definition: string }[] = [
  { code: 'GDP', name: '地区生产总值', unit: '亿元', frequency: 'year', decimals: 1, definition: '按市场价格计算的一个地区所有常住单位在一定时期内生产活动的最终成果 (演示指标)。' },
  { code: 'POP_RESIDENT', name: '常住人口', unit: '万人', frequency: 'year', decimals: 1, definition: '年末在本地区居住半年以上的人口 (演示指标)。' },
  { code: 'GPB_REVENUE', name: '一般公共预算收入', unit: '亿元', frequency: 'year', decimals: 1, definition: '地方一般公共预算收入, 含税收收入和非税收入 (演示指标)。' },
  { code: 'CPI', name: '居民消费价格指数 (上年同月=100)', unit: '上年同月=100', frequency: 'month', decimals: 1, definition: '反映居民购买的消费品和服务项目价格水平变动的相对数 (演示指标)。' },
];

/** 2023 levels (rounded, illustrative): GDP 亿元, resident population 万人. */
const CITIES: [string, string, number, number][] = [
  ['410100', '郑州市', 13600, 1300],
  ['410200', '开封市', 2530, 470],
  ['410300', '洛阳市', 5480, 710],
  ['410400', '平顶山市', 2840, 490],
  ['410500', '安阳市', 2510, 540],
  ['410600', '鹤壁市', 1070, 160],
  ['410700', '新乡市', 3350, 610],
  ['410800', '焦作市', 2200, 350],
  ['410900', '濮阳市', 1860, 370],
  ['411000', '许昌市', 3610, 440],
  ['411100', '漯河市', 1800, 235],
  ['411200', '三门峡市', 1670, 200],
  ['411300', '南阳市', 4630, 950],
  ['411400', '商丘市', 3300, 770],
  ['411500', '信阳市', 3060, 610],
  ['411600', '周口市', 3570, 880],
  ['411700', '驻马店市', 3290, 690],
  ['419001', '济源市', 780, 73],
];
const YEARS = [2019, 2020, 2021, 2022, 2023, 2024];
/** GDP of each year relative to 2023 (a fixed, plausible pattern, not data). */
const GDP_FACTOR: Record<number, number> = { 2019: 0.9, 2020: 0.91, 2021: 0.96, 2022: 0.99, 2023: 1, 2024: 1.05 };
const POP_FACTOR: Record<number, number> = { 2019: 1.006, 2020: 1.004, 2021: 1.002, 2022: 1.001, 2023: 1, 2024: 0.998 };

export async function seedMacroDemo(ctx: Ctx): Promise<void> {
  if (await queryOne(ctx.db, sql`SELECT 1 FROM macro_economy.indicators LIMIT 1`)) return;
  const unit = await findUnit(ctx, { regionCode: '410000', unitType: 'department', name: '河南省统计局' });
  const rows: [string, string, string, string, string][] = [];
  const round1 = (n: number) => (Math.round(n * 10) / 10).toFixed(1);
  let provinceGdp: Record<number, number> = {};
  let provincePop: Record<number, number> = {};
  CITIES.forEach(([code, , gdp, pop], i) => {
    for (const y of YEARS) {
      const wobble = 1 + (((i * 7 + y) % 5) - 2) / 200;
      const g = gdp * GDP_FACTOR[y] * wobble;
      const p = pop * POP_FACTOR[y];
      provinceGdp = { ...provinceGdp, [y]: (provinceGdp[y] ?? 0) + g };
      provincePop = { ...provincePop, [y]: (provincePop[y] ?? 0) + p };
      rows.push(['GDP', code, String(y), round1(g), y === 2024 ? '初步核算数' : '']);
      rows.push(['POP_RESIDENT', code, String(y), round1(p), '']);
      rows.push(['GPB_REVENUE', code, String(y), round1(g * (code === '410100' ? 0.083 : 0.062)), '']);
    }
  });
  for (const y of YEARS) {
    rows.push(['GDP', '410000', String(y), round1(provinceGdp[y]), y === 2024 ? '初步核算数' : '']);
    rows.push(['POP_RESIDENT', '410000', String(y), round1(provincePop[y]), '']);
    rows.push(['GPB_REVENUE', '410000', String(y), round1(provinceGdp[y] * 0.075), '']);
  }
  for (let m = 0; m < 24; m++) {
    const y = 2024 + Math.floor(m / 12);
    const cpi = 100 + Math.sin(m / 3) * 0.6 + (m % 5) / 10 - 0.1;
    rows.push(['CPI', '410000', `${y}-${String((m % 12) + 1).padStart(2, '0')}`, round1(cpi), '']);
  }
  await inTransaction(ctx, async (tctx) => {
    const now = tctx.clock.now().toISOString();
    for (const i of INDICATORS) {
      await tctx.db.execute(sql`INSERT INTO macro_economy.indicators (code, name, unit, frequency, source_unit_id, source_unit_name, definition, decimals, is_demo, created_at, updated_at)
        VALUES (${i.code}, ${i.name}, ${i.unit}, ${i.frequency}, ${unit?.id ?? null}, ${unit?.name ?? '河南省统计局'}, ${i.definition}, ${i.decimals}, true, ${now}, ${now})`);
    }
    for (let k = 0; k < rows.length; k += 500) {
      const chunk = rows.slice(k, k + 500);
      await tctx.db.execute(sql`INSERT INTO macro_economy.observations (indicator_code, region_code, period, value, note, revision, reason, recorded_by_name, recorded_at, is_demo)
        VALUES ${sql.join(chunk.map((r) => sql`(${r[0]}, ${r[1]}, ${r[2]}, ${r[3]}::numeric, ${r[4]}, 1, '演示数据', '系统 (演示数据)', ${now}::timestamptz, true)`), sql`, `)}`);
    }
    audit(tctx, { action: 'macro.demo.seed', targetType: 'macro.indicator', targetId: 'demo', targetLabel: '宏观经济演示数据', details: { indicators: INDICATORS.map((i) => i.code), values: rows.length } });
    await publish(tctx, { type: EVENTS.valuesImported, orderingKey: 'demo', payload: { jobId: null, indicators: INDICATORS.map((i) => i.code), values: rows.length, reason: '演示数据' } });
  });
  // A revision, to show the history: the 2024 figure of Zhengzhou after the annual verification.
  const zz2024 = rows.find((r) => r[0] === 'GDP' && r[1] === '410100' && r[2] === '2024')!;
  await recordValue(ctx, { indicatorCode: 'GDP', regionCode: '410100', period: '2024', value: (Number(zz2024[3]) + 112.4).toFixed(1), note: '年报核实数', reason: '年报核实后修订 (演示)', isDemo: true });
}
