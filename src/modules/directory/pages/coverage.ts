/**
 * The coverage view (覆盖情况): computed from the links, bounded by the viewer's regions.
 */
import type { FastifyInstance } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { table } from '../../../platform/ui/components.ts';
import { SCOPES } from '../model.ts';
import { computeCoverage, formatPercent, type CoverageCell, type NetworkCoverage } from '../services/coverage.ts';
import { BASE, crumbs } from './common.ts';

function cellView(c: CoverageCell, label: string) {
  if (c.total === 0) return html`<span class="empty">不适用</span>`;
  return html`${c.connected}/${c.total} (${formatPercent(c)})<br><meter min="0" max="100" value="${c.percent ?? 0}" aria-label="${label}">${formatPercent(c)}</meter>`;
}

export function registerCoveragePages(app: FastifyInstance): void {
  app.get(`${BASE}/coverage`, { config: { scope: SCOPES.networkRead } }, async (req, reply) => {
    const coverage = await computeCoverage(req.ctx);
    return reply.page({
      title: '电子政务网络覆盖情况',
      breadcrumbs: crumbs({ label: '覆盖情况' }),
      body: html`
        <p>统计范围: <strong>${coverage.scopeLabel}</strong>。由网络接入记录实时计算, 只计正常状态单位的在用接入。</p>
        ${table({
          caption: '各网络覆盖情况',
          rows: coverage.networks,
          columns: [
            { header: '网络', cell: (n: NetworkCoverage) => n.label },
            { header: '地级行政区', cell: (n: NetworkCoverage) => cellView(n.prefecture, `${n.label}地级覆盖率`) },
            { header: '县级行政区', cell: (n: NetworkCoverage) => cellView(n.county, `${n.label}县级覆盖率`) },
            { header: `${coverage.departmentsLabel} (已接入)`, cell: (n: NetworkCoverage) => cellView(n.departments, `${n.label}${coverage.departmentsLabel}接入率`) },
          ],
        })}
        <section aria-labelledby="summary-h"><h2 id="summary-h">摘要</h2>
          <ul>${coverage.networks.map((n) => html`<li>${n.summary}</li>`)}</ul>
        </section>
        <section aria-labelledby="def-h"><h2 id="def-h">口径说明</h2>
          <ul>
            <li>地级: 17 个省辖市和济源; 政务内网、政务外网以本级人民政府有在用接入为准, 党委内网以本级党委有在用接入为准。</li>
            <li>县级: 市辖区、县、县级市和济源 (省直辖县级市), 不含开发区、示范区等功能区; 接入口径同上。</li>
            <li>${coverage.departmentsLabel}: 本人管辖区划本级的政府部门 (单位类型为“政府部门”且状态正常)。</li>
          </ul>
          <p>数据接口: <a href="/api/directory/coverage">/api/directory/coverage</a> (JSON)。明细见<a href="${BASE}/links">网络接入</a>。</p>
        </section>`,
    });
  });
}
