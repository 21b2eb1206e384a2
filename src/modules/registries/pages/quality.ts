/** Data quality page: the open issues of the viewer's departments (or of the whole region), resolve or dismiss, run the checks. */
import type { FastifyInstance } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { button, form, pagination, table } from '../../../platform/ui/components.ts';
import { SCOPES } from '../model.ts';
import { listQualityIssues, resolveQualityIssue, runQualityChecks, type QualityIssue } from '../services/quality.ts';
import { BASE, crumbs, formAction, qs, time, values } from './common.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import { ResolveBody } from '../schemas.ts';

const Q = `${BASE}/quality`;

export function registerQualityPages(app: FastifyInstance): void {
  app.get(Q, { config: { scope: SCOPES.qualityManage } }, async (req, reply) => {
    const q = values(req.query);
    const status = (['open', 'resolved', 'dismissed'].includes(q.status ?? '') ? q.status : 'open') as 'open';
    const all = q.all === 'true';
    const list = await listQualityIssues(req.ctx, { status, all, page: Number(q.page) || 1 });
    const link = (i: QualityIssue) => (i.recordType === 'person' ? `${BASE}/persons/${i.recordKey}` : `${BASE}/entities/${i.recordKey}`);
    return reply.page({
      title: '数据质量问题',
      breadcrumbs: crumbs({ label: '数据质量' }),
      body: html`<p class="muted">检查规则: 身份号码与出生日期、性别不一致; 代码不在代码表中; 区划不在组织目录中; 疑似重复登记; 存量统一社会信用代码未通过校验; 存续主体的法定代表人已死亡。问题分派给记录的来源部门处理。</p>
        <nav class="actions" aria-label="筛选">
          <a class="btn ${!all ? 'btn-primary' : 'btn-secondary'}" href="${Q}${qs({ status })}">本部门</a>
          <a class="btn ${all ? 'btn-primary' : 'btn-secondary'}" href="${Q}${qs({ status, all: 'true' })}">辖区全部</a>
          <a href="${Q}${qs({ status: 'open', all: all ? 'true' : undefined })}">待处理</a> · <a href="${Q}${qs({ status: 'resolved', all: all ? 'true' : undefined })}">已更正</a> · <a href="${Q}${qs({ status: 'dismissed', all: all ? 'true' : undefined })}">经核实无误</a>
        </nav>
        ${form({ action: `${Q}/run`, csrf: req.csrfToken, label: '运行检查', body: button('立即运行质量检查', { kind: 'secondary' }) })}
        ${table<QualityIssue>({
          caption: `共 ${list.total} 个问题`,
          rows: list.items,
          empty: '没有问题。',
          columns: [
            { header: '记录', cell: (i) => html`<a href="${link(i)}">${i.recordType === 'person' ? '人口' : '法人'} ${i.recordType === 'person' ? `${i.recordKey.slice(0, 4)}**********${i.recordKey.slice(-4)}` : i.recordKey}</a>` },
            { header: '问题', cell: (i) => i.message },
            { header: '来源部门', cell: (i) => i.sourceName },
            { header: '发现时间', cell: (i) => time(i.detectedAt) },
            {
              header: '处理',
              cell: (i) => i.status === 'open'
                ? form({ action: `${Q}/${i.id}/resolve`, csrf: req.csrfToken, label: '处理问题', body: html`<label for="n-${i.id}">处理说明</label> <input id="n-${i.id}" name="note" required maxlength="500">
                    <button class="btn btn-secondary" name="status" value="resolved">已更正</button> <button class="btn btn-secondary" name="status" value="dismissed">核实无误</button>` })
                : `${i.resolvedByName ?? ''} ${i.resolutionNote ?? ''}`,
            },
          ],
        })}
        ${pagination({ page: list.page, pageSize: list.pageSize, total: list.total, hrefFor: (page) => `${Q}${qs({ status, all: all ? 'true' : undefined, page })}` })}`,
    });
  });
  app.post(`${Q}/run`, { config: { scope: SCOPES.qualityManage } }, async (req, reply) =>
    formAction(reply, Q, async () => {
      const found = await runQualityChecks(req.ctx);
      return `检查完成, 新发现 ${Object.values(found).reduce((a, b) => a + b, 0)} 个问题。`;
    }),
  );
  app.post<{ Params: { id: string } }>(`${Q}/:id/resolve`, { config: { scope: SCOPES.qualityManage } }, async (req, reply) =>
    formAction(reply, Q, async () => {
      const v = values(req.body);
      const body = parseInput(ResolveBody, { status: v.status, note: v.note });
      await resolveQualityIssue(req.ctx, { id: req.params.id, ...body });
      return '已处理。';
    }),
  );
}
