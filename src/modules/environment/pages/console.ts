/**
 * The monitoring console: every point with its live status by city on a schematic map, and the page
 * of one point with its real-time and hourly charts against the limit lines.
 */
import type { FastifyInstance } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { badge, table } from '../../../platform/ui/components.ts';
import { chart } from '../../../platform/ui/chart.ts';
import { hasScope } from '../../../platform/context.ts';
import { ALARM_KIND_LABELS, ALARM_STATUS_LABELS, FLAG_LABELS, MEDIUM_LABELS, SCOPES, pollutantName, pollutantUnit, POLLUTANTS } from '../model.ts';
import { LIVE_STATUS_LABELS, pointSeries, pointStatuses, transmissionRates, type LiveStatus, type PointStatus } from '../services/console.ts';
import { listAlarms } from '../services/alarms.ts';
import { CITY_SEATS, HENAN_SCHEMATIC_GEOJSON, SCHEMATIC_NOTE } from '../services/geo.ts';
import { BASE, cityName, crumbs, demoBadge, monthOf, num, pct, time } from './common.ts';

const STATUS_BADGE: Record<LiveStatus, 'ok' | 'warn' | 'muted'> = { online: 'ok', alarm: 'warn', offline: 'muted' };
const STATUS_COLOR: Record<LiveStatus, string> = { online: '#2e7d32', alarm: '#c62828', offline: '#757575' };

export const statusBadge = (s: LiveStatus) => badge(LIVE_STATUS_LABELS[s], STATUS_BADGE[s]);

function mapOption(points: PointStatus[]) {
  const located = points.filter((p) => p.longitude !== null && p.latitude !== null);
  const series = (['online', 'alarm', 'offline'] as LiveStatus[]).map((s) => ({
    name: LIVE_STATUS_LABELS[s],
    type: 'scatter',
    coordinateSystem: 'geo',
    symbolSize: 10,
    itemStyle: { color: STATUS_COLOR[s] },
    data: located.filter((p) => p.status === s).map((p) => ({ name: `${p.enterpriseName} ${p.outletCode}`, value: [p.longitude, p.latitude] })),
  }));
  return {
    tooltip: { trigger: 'item' },
    legend: { bottom: 0 },
    geo: { map: 'henan-schematic', roam: true, itemStyle: { areaColor: '#eef3f7', borderColor: '#7a8a99' }, label: { show: false } },
    series: [
      ...series,
      {
        name: '城市',
        type: 'scatter',
        coordinateSystem: 'geo',
        symbol: 'diamond',
        symbolSize: 5,
        itemStyle: { color: '#1f4e79' },
        label: { show: true, formatter: '{b}', position: 'right', fontSize: 10 },
        data: Object.values(CITY_SEATS).map((c) => ({ name: c.name, value: [c.lon, c.lat] })),
      },
    ],
  };
}

export function registerConsolePages(app: FastifyInstance): void {
  app.get(BASE, { config: { scope: SCOPES.read } }, async (req, reply) => {
    const points = await pointStatuses(req.ctx);
    const counts = { online: 0, alarm: 0, offline: 0 } as Record<LiveStatus, number>;
    for (const p of points) counts[p.status] += 1;
    const byCity = new Map<string, PointStatus[]>();
    for (const p of points) byCity.set(p.cityCode, [...(byCity.get(p.cityCode) ?? []), p]);
    const cityRows = [...byCity.entries()].map(([code, ps]) => ({ code, total: ps.length, online: ps.filter((p) => p.status === 'online').length, alarm: ps.filter((p) => p.status === 'alarm').length, offline: ps.filter((p) => p.status === 'offline').length }));
    const anyDemo = points.some((p) => p.isDemo);
    return reply.page({
      title: '污染源在线监控',
      breadcrumbs: crumbs(),
      body: html`${anyDemo ? html`<p>${badge('演示数据', 'demo')} 本页含演示企业与监控点, 数据由模拟数采仪产生。</p>` : ''}
        <p class="actions"><a class="btn btn-secondary" href="${BASE}/alarms?status=active">报警</a> <a class="btn btn-secondary" href="${BASE}/reports">月报与环保税</a>
          <a class="btn btn-secondary" href="${BASE}/enterprises">污染源档案</a> <a class="btn btn-secondary" href="${BASE}/standards">排放标准</a></p>
        <p>监控点 ${points.length} 个: 在线 ${counts.online}, 报警 ${counts.alarm}, 离线 ${counts.offline}。</p>
        ${chart({
          id: 'env-status-map',
          title: '监控点实时状态分布 (示意图)',
          option: mapOption(points),
          maps: { 'henan-schematic': HENAN_SCHEMATIC_GEOJSON },
          height: 'large',
          note: SCHEMATIC_NOTE,
          table: table({
            caption: '各市监控点状态',
            rows: cityRows,
            empty: '辖区内没有监控点。',
            columns: [
              { header: '城市', cell: (r) => cityName(r.code) },
              { header: '监控点', cell: (r) => String(r.total) },
              { header: '在线', cell: (r) => String(r.online) },
              { header: '报警', cell: (r) => String(r.alarm) },
              { header: '离线', cell: (r) => String(r.offline) },
            ],
          }),
        })}
        ${table<PointStatus>({
          caption: '监控点列表',
          rows: points,
          empty: '辖区内没有监控点。',
          columns: [
            { header: '城市', cell: (p) => cityName(p.cityCode) },
            { header: '企业', cell: (p) => html`<a href="${BASE}/enterprises/${p.enterpriseId}">${p.enterpriseName}</a>${demoBadge(p.isDemo)}` },
            { header: '排放口', cell: (p) => html`<a href="${BASE}/points/${p.pointId}">${p.outletCode} (${MEDIUM_LABELS[p.medium]})</a>` },
            { header: 'MN', cell: (p) => html`<code>${p.mn}</code>` },
            { header: '状态', cell: (p) => statusBadge(p.status) },
            { header: '未解除报警', cell: (p) => (p.activeAlarms ? html`<a href="${BASE}/alarms?pointId=${p.pointId}&amp;status=active">${p.activeAlarms}</a>` : '0') },
            { header: '最近数据', cell: (p) => time(p.lastDataAt) },
          ],
        })}`,
    });
  });

  app.get(`${BASE}/points/:id`, { config: { scope: SCOPES.read } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const s = await pointSeries(req.ctx, { pointId: id, hours: 6, days: 2 });
    const p = s.point;
    const month = monthOf(req);
    const [rates] = await transmissionRates(req.ctx, { month, enterpriseId: p.enterpriseId }).then((rs) => rs.filter((r) => r.pointId === p.id));
    const alarms = await listAlarms(req.ctx, { pointId: p.id, limit: 20 });
    const charts = p.pollutants
      .filter((c) => !(POLLUTANTS[c]?.parameter ?? false))
      .map((code, i) => {
        const rt = s.realtime.find((x) => x.pollutant === code)!;
        const hr = s.hourly.find((x) => x.pollutant === code)!;
        const lim = s.limits[code];
        const markLines = [(lim?.max ?? null) !== null ? { yAxis: lim.max, name: '限值' } : null, (lim?.min ?? null) !== null ? { yAxis: lim.min, name: '下限' } : null].filter(Boolean);
        const unit = pollutantUnit(code);
        const line = (name: string, data: [string, number | null][]) => ({
          name,
          type: 'line',
          showSymbol: false,
          data,
          markLine: markLines.length ? { symbol: 'none', lineStyle: { color: '#c62828', type: 'dashed' }, label: { formatter: '{b} {c}' }, data: markLines } : undefined,
        });
        const option = (data: [string, number | null][], name: string) => ({
          tooltip: { trigger: 'axis' },
          xAxis: { type: 'time' },
          yAxis: { type: 'value', name: unit },
          series: [line(name, data)],
        });
        const hourlyName = hr.converted ? `${pollutantName(code)} 折算浓度小时均值` : `${pollutantName(code)} 小时均值`;
        return html`<section aria-labelledby="h-${code}"><h2 id="h-${code}">${pollutantName(code)} (${code})${(lim?.max ?? null) !== null ? html` <span class="muted">限值 ${lim.max} ${unit}</span>` : ''}</h2>
          ${chart({
            id: `rt-${i}`,
            title: `${pollutantName(code)} 实时数据 (近 6 小时)`,
            option: option(rt.points, `${pollutantName(code)} 实时值`),
            height: 'small',
            table: table({ caption: `${pollutantName(code)} 实时数据`, rows: rt.points.slice(-60), empty: '近 6 小时没有实时数据。', columns: [{ header: '时间', cell: (r) => time(r[0]) }, { header: `值 (${unit})`, cell: (r) => num(r[1], 3) }] }),
          })}
          ${chart({
            id: `hr-${i}`,
            title: `${hourlyName} (近 2 天)`,
            option: option(hr.points, hourlyName),
            height: 'small',
            table: table({
              caption: hourlyName,
              rows: hr.points.map((pt, k) => ({ pt, flag: hr.flags[k] })),
              empty: '近 2 天没有小时数据。',
              columns: [{ header: '小时', cell: (r) => time(r.pt[0]) }, { header: `值 (${unit})`, cell: (r) => num(r.pt[1], 3) }, { header: '标记', cell: (r) => `${r.flag} ${FLAG_LABELS[r.flag] ?? ''}` }],
            }),
          })}</section>`;
      });
    return reply.page({
      title: `监控点 ${p.enterpriseName} ${p.outletCode}`,
      breadcrumbs: crumbs({ label: p.enterpriseName, href: `${BASE}/enterprises/${p.enterpriseId}` }, { label: `${p.outletCode} ${p.mn}` }),
      body: html`${demoBadge(p.isDemo)}
        <dl class="facts">
          <dt>MN</dt><dd><code>${p.mn}</code> (HJ 212-${p.protocol})</dd>
          <dt>介质</dt><dd>${MEDIUM_LABELS[p.medium]}${p.o2Reference !== null ? ` · 基准氧含量 ${p.o2Reference}%` : ''}</dd>
          <dt>监测项目</dt><dd>${p.pollutants.map((c) => pollutantName(c)).join('、')}</dd>
          <dt>上传间隔</dt><dd>实时 ${p.rtdIntervalS} 秒, 分钟数据 ${p.minIntervalMin} 分钟</dd>
          <dt>${month} 传输率 / 有效率 / 传输有效率</dt><dd>${rates ? `${pct(rates.transmission)} / ${pct(rates.validity)} / ${pct(rates.effectiveness)}` : '—'}</dd>
        </dl>
        ${p.medium === 'air' ? html`<p class="muted">废气小时值为按基准氧含量折算后的浓度 (C × (21 − O₂基准) / (21 − O₂实测)), 与限值比较。</p>` : html`<p class="muted">废水小时值为流量加权均值。</p>`}
        ${charts}
        ${table({
          caption: '最近报警',
          rows: alarms.items,
          empty: '没有报警。',
          columns: [
            { header: '时间', cell: (a) => time(a.createdAt) },
            { header: '类型', cell: (a) => html`<a href="${BASE}/alarms/${a.id}">${ALARM_KIND_LABELS[a.kind]}</a>` },
            { header: '说明', cell: (a) => a.message },
            { header: '状态', cell: (a) => ALARM_STATUS_LABELS[a.status] },
          ],
        })}
        ${hasScope(req.ctx.actor, SCOPES.registryWrite) ? html`<p><a href="${BASE}/enterprises/${p.enterpriseId}">在企业档案中修改监控点</a></p>` : ''}`,
    });
  });
}
