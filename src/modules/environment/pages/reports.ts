/**
 * Monthly reports: per city (emissions, reduction against the same month last year, transmission
 * rates, tax per enterprise) and per enterprise (the tax base, printable as HTML), each downloadable
 * as XLSX. PDF is not produced: the browser's print of the HTML view serves instead.
 */
import type { FastifyInstance } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { button, field, form, table } from '../../../platform/ui/components.ts';
import { chart } from '../../../platform/ui/chart.ts';
import { SCOPES, pollutantName } from '../model.ts';
import { cityOf, emissionTotals, reductionByCity, taxBase, transmissionRates } from '../services/console.ts';
import { cityMonthXlsx, enterpriseMonthXlsx } from '../services/export.ts';
import { getEnterprise } from '../services/registry.ts';
import { TAX_REASON_LABELS } from '../services/tax.ts';
import { XLSX_TYPE } from '../routes.ts';
import { BASE, cityName, crumbs, demoBadge, monthOf, num, pct } from './common.ts';

export function registerReportPages(app: FastifyInstance): void {
  app.get(`${BASE}/reports`, { config: { scope: SCOPES.read } }, async (req, reply) => {
    const month = monthOf(req);
    const emissions = await emissionTotals(req.ctx, { month, groupBy: 'city' });
    const reduction = await reductionByCity(req.ctx, { month });
    const rates = await transmissionRates(req.ctx, { month });
    const taxes = await taxBase(req.ctx, { month });
    const cities = [...new Set([...emissions.map((e) => e.key), ...rates.map((r) => cityOf(r.regionCode))])].sort();
    const pollutants = [...new Set(emissions.map((e) => e.pollutant))].sort();
    const kg = (city: string, p: string) => emissions.find((e) => e.key === city && e.pollutant === p)?.kg ?? 0;
    const cityRates = cities.map((c) => {
      const rs = rates.filter((r) => cityOf(r.regionCode) === c);
      const exp = rs.reduce((a, r) => a + r.expected, 0);
      const rec = rs.reduce((a, r) => a + r.received, 0);
      const val = rs.reduce((a, r) => a + r.valid, 0);
      return { c, points: rs.length, t: exp ? rec / exp : null, v: rec ? val / rec : null, e: exp ? val / exp : null };
    });
    return reply.page({
      title: `${month} 月报`,
      breadcrumbs: crumbs({ label: '月报与环保税' }),
      body: html`${form({ action: `${BASE}/reports`, method: 'get', csrf: req.csrfToken, className: 'filters', label: '选择月份',
        body: html`${field({ name: 'month', label: '月份 (YYYY-MM)', value: month, pattern: '[0-9]{4}-[0-9]{2}' })}<div class="actions">${button('查看')}</div>` })}
        <p class="muted">排放量为有效日排放量之和 (kg); 废气由折算前浓度 × 烟气流量计算, 废水为流量加权。PDF 未提供, 请使用浏览器打印本页或下载 XLSX。</p>
        ${chart({
          id: 'env-city-emissions',
          title: `${month} 各市主要污染物排放量 (kg)`,
          option: {
            tooltip: { trigger: 'axis' },
            legend: { bottom: 0 },
            xAxis: { type: 'category', data: cities.map(cityName) },
            yAxis: { type: 'value', name: 'kg' },
            series: pollutants.map((p) => ({ name: pollutantName(p), type: 'bar', data: cities.map((c) => Math.round(kg(c, p) * 100) / 100) })),
          },
          table: table({
            caption: `${month} 各市排放量 (kg)`,
            rows: cities,
            empty: '本月没有排放数据。',
            columns: [{ header: '城市', cell: (c) => cityName(c) }, ...pollutants.map((p) => ({ header: pollutantName(p), cell: (c: string) => num(kg(c, p), 2) }))],
          }),
        })}
        ${table({
          caption: '各市减排统计 (与上年同月比)',
          rows: reduction,
          empty: '没有可比数据。',
          columns: [
            { header: '城市', cell: (r) => cityName(r.cityCode) },
            { header: '污染物', cell: (r) => pollutantName(r.pollutant) },
            { header: '本月 (kg)', cell: (r) => num(r.kg) },
            { header: '上年同月 (kg)', cell: (r) => num(r.previousKg) },
            { header: '削减率', cell: (r) => pct(r.reduction) },
          ],
        })}
        ${table({
          caption: '各市传输有效率',
          rows: cityRates,
          empty: '没有监控点。',
          columns: [
            { header: '城市', cell: (r) => cityName(r.c) },
            { header: '监控点', cell: (r) => String(r.points) },
            { header: '传输率', cell: (r) => pct(r.t) },
            { header: '有效率', cell: (r) => pct(r.v) },
            { header: '传输有效率', cell: (r) => pct(r.e) },
            { header: '月报', cell: (r) => html`<a href="${BASE}/reports/cities/${r.c}/xlsx?month=${month}">下载 XLSX</a>` },
          ],
        })}
        ${table({
          caption: `${month} 环境保护税计税依据 (按企业)`,
          rows: taxes,
          empty: '本月没有应税排放数据。',
          columns: [
            { header: '企业', cell: (t) => html`<a href="${BASE}/reports/enterprises/${t.enterpriseId}?month=${month}">${t.enterpriseName}</a>${demoBadge(t.isDemo)}` },
            { header: '统一社会信用代码', cell: (t) => t.uscc },
            { header: '应纳税额 (元)', cell: (t) => num(t.tax) },
            { header: '下载', cell: (t) => html`<a href="${BASE}/reports/enterprises/${t.enterpriseId}/xlsx?month=${month}">XLSX</a>` },
          ],
        })}`,
    });
  });

  app.get(`${BASE}/reports/enterprises/:id`, { config: { scope: SCOPES.read } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const month = monthOf(req);
    const ent = await getEnterprise(req.ctx, id);
    const [base] = await taxBase(req.ctx, { month, enterpriseId: id });
    const rates = await transmissionRates(req.ctx, { month, enterpriseId: id });
    return reply.page({
      title: `${ent.name} ${month} 环保税计税依据`,
      breadcrumbs: crumbs({ label: '月报与环保税', href: `${BASE}/reports?month=${month}` }, { label: ent.name }),
      body: html`${demoBadge(ent.isDemo)}
        <p>统一社会信用代码 <code>${ent.uscc}</code> · 税额标准 (河南省): 大气污染物 4.8 元、水污染物 5.6 元 / 污染当量 ·
          <a href="${BASE}/reports/enterprises/${ent.id}/xlsx?month=${month}">下载 XLSX</a></p>
        <p class="muted">计税依据取自动监测数据 (环境保护税法第十条)。大气每排放口取污染当量数前 3 项; 水取第一类前 5 项与其他前 3 项, 化学需氧量、生化需氧量、总有机碳只征一项。
          月均浓度低于限值 30% 减按 75%、低于 50% 减按 50% 征收 (月内任一小时/日均值超标则不减征)。城乡集中式污水处理场所不超标排放免征。</p>
        ${(base?.outlets ?? []).map((o) => table({
          caption: `排放口 ${o.outletCode} ${o.outletName}: 污染当量 ${num(o.equivalents, 3)}, 应纳税额 ${num(o.tax)} 元`,
          rows: o.items,
          columns: [
            { header: '污染物', cell: (i) => i.name },
            { header: '排放量 (kg)', cell: (i) => num(i.kg, 3) },
            { header: '污染当量值 (kg)', cell: (i) => (i.kgPerEquivalent === null ? '—' : String(i.kgPerEquivalent)) },
            { header: '污染当量数', cell: (i) => num(i.equivalents, 3) },
            { header: '月均浓度 / 限值', cell: (i) => `${num(i.meanConcentration, 3)} / ${i.limit ?? '—'}` },
            { header: '减征系数', cell: (i) => (i.taxed ? String(i.factor) : '—') },
            { header: '应纳税额 (元)', cell: (i) => num(i.tax) },
            { header: '说明', cell: (i) => TAX_REASON_LABELS[i.reason] },
          ],
        }))}
        <p><strong>合计应纳税额: ${num(base?.tax ?? 0)} 元</strong></p>
        ${table({
          caption: '传输有效率',
          rows: rates,
          columns: [
            { header: 'MN', cell: (r) => r.mn },
            { header: '排放口', cell: (r) => r.outletCode },
            { header: '应收 / 收到 / 有效 (小时)', cell: (r) => `${r.expected} / ${r.received} / ${r.valid}` },
            { header: '传输率', cell: (r) => pct(r.transmission) },
            { header: '有效率', cell: (r) => pct(r.validity) },
            { header: '传输有效率', cell: (r) => pct(r.effectiveness) },
          ],
        })}`,
    });
  });

  app.get(`${BASE}/reports/enterprises/:id/xlsx`, { config: { scope: SCOPES.read } }, async (req, reply) => {
    const x = await enterpriseMonthXlsx(req.ctx, { enterpriseId: (req.params as { id: string }).id, month: monthOf(req) });
    return reply.type(XLSX_TYPE).header('content-disposition', `attachment; filename="${x.filename}"`).send(x.body);
  });

  app.get(`${BASE}/reports/cities/:code/xlsx`, { config: { scope: SCOPES.read } }, async (req, reply) => {
    const x = await cityMonthXlsx(req.ctx, { cityCode: (req.params as { code: string }).code, month: monthOf(req) });
    return reply.type(XLSX_TYPE).header('content-disposition', `attachment; filename="${x.filename}"`).send(x.body);
  });
}
