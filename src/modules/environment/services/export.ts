/**
 * Monthly reports as XLSX (exceljs): per enterprise (tax base, emissions, transmission rates) and
 * per city (emissions per enterprise, reduction against the same month last year, rates).
 */
import ExcelJS from 'exceljs';
import type { Ctx } from '../../../platform/context.ts';
import { notFound } from '../../../platform/errors.ts';
import { pollutantName } from '../model.ts';
import { emissionTotals, reductionByCity, taxBase, transmissionRates } from './console.ts';
import { getEnterprise } from './registry.ts';
import { TAX_REASON_LABELS } from './tax.ts';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);
const r3 = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

function sheet(wb: ExcelJS.Workbook, name: string, header: string[], rows: (string | number | null)[][], note?: string): void {
  const ws = wb.addWorksheet(name);
  if (note) ws.addRow([note]);
  const h = ws.addRow(header);
  h.font = { bold: true };
  for (const r of rows) ws.addRow(r);
  ws.columns.forEach((c) => {
    c.width = 16;
  });
}

export async function enterpriseMonthXlsx(ctx: Ctx, input: { enterpriseId: string; month: string }): Promise<{ filename: string; body: Buffer }> {
  const ent = await getEnterprise(ctx, input.enterpriseId);
  const [base] = await taxBase(ctx, { month: input.month, enterpriseId: ent.id });
  const emissions = await emissionTotals(ctx, { month: input.month, groupBy: 'outlet', enterpriseId: ent.id });
  const rates = await transmissionRates(ctx, { month: input.month, enterpriseId: ent.id });
  const wb = new ExcelJS.Workbook();
  wb.creator = 'egov 污染源在线监控';
  const demo = ent.isDemo ? ' (演示数据)' : '';
  const taxRows: (string | number | null)[][] = [];
  for (const o of base?.outlets ?? []) {
    for (const i of o.items) {
      taxRows.push([`${o.outletCode} ${o.outletName}`, o.medium === 'air' ? '大气' : '水', i.name, r3(i.kg), i.kgPerEquivalent, r3(i.equivalents), r3(i.meanConcentration), i.limit, i.factor, i.tax, TAX_REASON_LABELS[i.reason]]);
    }
  }
  taxRows.push(['合计', '', '', null, null, null, null, null, null, base?.tax ?? 0, '']);
  sheet(wb, '环保税计税依据', ['排放口', '类别', '污染物', '排放量 (kg)', '污染当量值 (kg)', '污染当量数', '月均浓度', '限值', '减征系数', '应纳税额 (元)', '说明'], taxRows,
    `${ent.name}${demo} 统一社会信用代码 ${ent.uscc} ${input.month} 环境保护税计税依据 (自动监测数据; 河南省税额: 大气 4.8 元、水 5.6 元/污染当量)`);
  sheet(wb, '排放量', ['排放口', '污染物', '排放量 (kg)'], emissions.map((e) => [e.label, pollutantName(e.pollutant), r3(e.kg)]));
  sheet(wb, '传输有效率', ['MN', '排放口', '应收小时', '收到小时', '有效小时', '传输率', '有效率', '传输有效率'],
    rates.map((r) => [r.mn, r.outletCode, r.expected, r.received, r.valid, pct(r.transmission), pct(r.validity), pct(r.effectiveness)]));
  const body = Buffer.from(await wb.xlsx.writeBuffer());
  return { filename: `enterprise-${ent.uscc}-${input.month}.xlsx`, body };
}

export async function cityMonthXlsx(ctx: Ctx, input: { cityCode: string; month: string }): Promise<{ filename: string; body: Buffer }> {
  if (!/^\d{6}$/.test(input.cityCode)) throw notFound('city_not_found', '城市不存在');
  const prefix = input.cityCode.startsWith('4190') ? input.cityCode : input.cityCode.slice(0, 4);
  const emissions = await emissionTotals(ctx, { month: input.month, groupBy: 'enterprise', regionPrefix: prefix });
  const reduction = await reductionByCity(ctx, { month: input.month, regionPrefix: prefix });
  const rates = await transmissionRates(ctx, { month: input.month, regionPrefix: prefix });
  const taxes = await taxBase(ctx, { month: input.month, regionPrefix: prefix });
  const wb = new ExcelJS.Workbook();
  wb.creator = 'egov 污染源在线监控';
  sheet(wb, '排放量', ['企业', '污染物', '排放量 (kg)'], emissions.map((e) => [e.label, `${pollutantName(e.pollutant)}`, r3(e.kg)]), `${input.cityCode} ${input.month} 重点污染源排放量 (有效日排放量之和)`);
  sheet(wb, '减排', ['污染物', '本月 (kg)', '上年同月 (kg)', '削减率'], reduction.map((r) => [pollutantName(r.pollutant), r3(r.kg), r3(r.previousKg), pct(r.reduction)]));
  sheet(wb, '传输有效率', ['企业', 'MN', '排放口', '传输率', '有效率', '传输有效率'], rates.map((r) => [r.enterpriseName, r.mn, r.outletCode, pct(r.transmission), pct(r.validity), pct(r.effectiveness)]));
  sheet(wb, '环保税', ['企业', '统一社会信用代码', '应纳税额 (元)'], taxes.map((t) => [t.enterpriseName + (t.isDemo ? ' (演示)' : ''), t.uscc, t.tax]));
  const body = Buffer.from(await wb.xlsx.writeBuffer());
  return { filename: `city-${input.cityCode}-${input.month}.xlsx`, body };
}
