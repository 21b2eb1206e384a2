/**
 * Workbench pages of the macro-economy module: the indicator catalog, one indicator (time series
 * and region comparison charts drawn by ECharts from the stored values, each with its data table;
 * record/revise form; recent revisions), a new indicator, and the CSV/XLSX import (the kernel's
 * pipeline: the upload becomes a job with its own progress page and error report).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge, button, errorSummary, field, form, select, table, textarea } from '../../../platform/ui/components.ts';
import { chart } from '../../../platform/ui/chart.ts';
import { formatChinaTime } from '../../../platform/ui/time.ts';
import { hasScope, regionPrefixesFor } from '../../../platform/context.ts';
import { isAppError, type FieldProblem } from '../../../platform/errors.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { IMPORTS_BASE, importJobsTable, listImportJobs, receiveImportUpload, startImportInBackground } from '../../../platform/imports/index.ts';
import { listRegions, listUnitsForPicker } from '../../directory/index.ts';
import { FREQUENCIES, FREQUENCY_LABELS, IMPORT_KIND, PERIOD_EXAMPLES, SCOPES, type Frequency } from '../model.ts';
import { IndicatorBody, IndicatorParams } from '../schemas.ts';
import { createIndicator, getIndicator, listIndicators, type Indicator } from '../services/indicators.ts';
import { compareRegions, listValues, periodsOf, recentRevisions, recordValue, type Observation, type RevisionItem } from '../services/values.ts';
import { VALUE_COLUMNS, macroValuesImport } from '../services/import.ts';

const BASE = '/workbench/macro';
const crumbs = (...rest: { label: string; href?: string }[]) => [{ label: '工作台', href: '/workbench' }, { label: '宏观经济', href: BASE }, ...rest];
const DEMO_NOTE = '演示数据, 非官方统计数据';
const time = (s: string) => formatChinaTime(s).slice(0, 16);

function errorMap(fields: FieldProblem[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const f of fields) m[f.field] = m[f.field] ? `${m[f.field]}; ${f.message}` : f.message;
  return m;
}

async function renderCatalog(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const list = await listIndicators(req.ctx);
  return reply.page({
    title: '宏观经济指标',
    breadcrumbs: crumbs(),
    body: html`<p class="actions">${hasScope(req.ctx.actor, SCOPES.indicatorManage) ? html`<a class="btn btn-primary" href="${BASE}/indicators/new">登记指标</a> ` : ''}${hasScope(req.ctx.actor, SCOPES.valueWrite) ? html`<a class="btn btn-secondary" href="${BASE}/import">导入数据</a>` : ''}</p>
      ${list.some((i) => i.isDemo) ? html`<p>${badge('演示数据', 'demo')} 标为演示的指标和数据是${DEMO_NOTE}。</p>` : ''}
      ${table<Indicator>({
        caption: `指标目录 (共 ${list.length} 个)`,
        rows: list,
        empty: '尚未登记指标。',
        columns: [
          { header: '代码', cell: (i) => html`<code>${i.code}</code>` },
          { header: '名称', cell: (i) => html`<a href="${BASE}/indicators/${i.code}">${i.name}</a>${i.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}` },
          { header: '单位', cell: (i) => i.unit },
          { header: '频度', cell: (i) => i.frequencyLabel },
          { header: '来源部门', cell: (i) => i.sourceUnitName },
        ],
      })}`,
  });
}

function seriesChart(ind: Indicator, regionName: string, values: Observation[]): SafeHtml {
  return chart({
    id: 'series',
    title: `${ind.name} (${ind.unit}) — ${regionName}`,
    option: {
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: values.map((v) => v.period) },
      yAxis: { type: 'value', name: ind.unit, scale: ind.frequency === 'month' },
      series: [{ type: 'line', name: ind.name, data: values.map((v) => Number(v.value)), smooth: false }],
    },
    table: table<Observation>({
      caption: `${regionName} ${ind.name}`,
      rows: values,
      columns: [
        { header: '时期', cell: (v) => v.period },
        { header: `数值 (${ind.unit})`, cell: (v) => v.value, className: 'num' },
        { header: '附注', cell: (v) => v.note || '—' },
        { header: '修订次数', cell: (v) => v.revision, className: 'num' },
      ],
    }),
    note: values.some((v) => v.isDemo) ? html`${badge('演示数据', 'demo')} ${DEMO_NOTE}。` : undefined,
  });
}

function compareChart(ind: Indicator, period: string, values: Observation[]): SafeHtml {
  const sorted = [...values].sort((a, b) => Number(b.value) - Number(a.value));
  return chart({
    id: 'compare',
    title: `${period} 各地区${ind.name} (${ind.unit})`,
    height: 'large',
    option: {
      tooltip: { trigger: 'axis' },
      grid: { left: 90 },
      xAxis: { type: 'value', name: ind.unit },
      yAxis: { type: 'category', data: sorted.map((v) => v.regionName).reverse() },
      series: [{ type: 'bar', name: ind.name, data: sorted.map((v) => Number(v.value)).reverse() }],
    },
    table: table<Observation>({
      caption: `${period} 各地区${ind.name}`,
      rows: sorted,
      columns: [
        { header: '地区', cell: (v) => `${v.regionName} (${v.regionCode})` },
        { header: `数值 (${ind.unit})`, cell: (v) => v.value, className: 'num' },
        { header: '附注', cell: (v) => v.note || '—' },
      ],
    }),
    note: values.some((v) => v.isDemo) ? html`${badge('演示数据', 'demo')} ${DEMO_NOTE}。` : undefined,
  });
}

async function regionOptions(req: FastifyRequest, scope: string): Promise<{ value: string; label: string }[]> {
  const prefixes = regionPrefixesFor(req.ctx.actor, scope);
  const all = await listRegions(req.ctx, {});
  return all.filter((r) => r.level !== 'county' && prefixes.some((p) => r.code.startsWith(p))).map((r) => ({ value: r.code, label: `${r.name} (${r.code})` }));
}

async function renderIndicator(req: FastifyRequest, reply: FastifyReply, state: { errors?: FieldProblem[]; values?: Record<string, string>; status?: number } = {}): Promise<FastifyReply> {
  const { code } = parseInput(IndicatorParams, req.params);
  const ind = await getIndicator(req.ctx, { code: code.toUpperCase() });
  const q = req.query as Record<string, string | undefined>;
  const regions = await regionOptions(req, SCOPES.read);
  const region = regions.find((r) => r.value === q.region)?.value ?? regions[0]?.value;
  const periods = await periodsOf(req.ctx, { indicatorCode: ind.code });
  const period = periods.includes(q.period ?? '') ? q.period! : periods[0];
  const series = region ? await listValues(req.ctx, { indicatorCode: ind.code, regionCodes: [region] }) : [];
  const compared = period ? await compareRegions(req.ctx, { indicatorCode: ind.code, period }) : [];
  const revisions = await recentRevisions(req.ctx, { indicatorCode: ind.code, limit: 20 });
  const canWrite = hasScope(req.ctx.actor, SCOPES.valueWrite);
  const v = state.values ?? {};
  const errs = errorMap(state.errors ?? []);
  const regionName = regions.find((r) => r.value === region)?.label ?? '';
  return reply.page({
    title: ind.name,
    breadcrumbs: crumbs({ label: ind.name }),
    status: state.status,
    body: html`<dl class="meta">
        <dt>代码</dt><dd><code>${ind.code}</code>${ind.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}</dd>
        <dt>单位</dt><dd>${ind.unit}</dd>
        <dt>频度</dt><dd>${ind.frequencyLabel}</dd>
        <dt>来源部门</dt><dd>${ind.sourceUnitName}</dd>
        <dt>指标解释</dt><dd>${ind.definition || '—'}</dd>
      </dl>
      ${form({
        action: `${BASE}/indicators/${ind.code}`,
        method: 'get',
        csrf: req.csrfToken,
        className: 'filters',
        label: '选择地区和时期',
        body: html`${select({ name: 'region', label: '时间序列的地区', options: regions, value: region })}
          ${select({ name: 'period', label: '地区对比的时期', options: periods.map((p) => ({ value: p, label: p })), value: period })}
          <div class="actions">${button('查看')}</div>`,
      })}
      ${series.length ? seriesChart(ind, regionName, series) : html`<p class="empty">该地区暂无数据。</p>`}
      ${compared.length ? compareChart(ind, period!, compared) : ''}
      ${canWrite
        ? html`<section aria-labelledby="record-h"><h2 id="record-h">录入或修订数据</h2>
          <p class="hint">同一地区、时期已有不同的值时为修订, 须说明原因; 原值连同录入人、时间、原因保留在修订记录中。</p>
          ${errorSummary(state.errors ?? [])}
          ${form({
            action: `${BASE}/values`,
            csrf: req.csrfToken,
            label: '录入或修订数据',
            body: html`<input type="hidden" name="indicatorCode" value="${ind.code}">
              ${select({ name: 'regionCode', label: '地区', options: await regionOptions(req, SCOPES.valueWrite), value: v.regionCode ?? region, error: errs.regionCode, required: true })}
              ${field({ name: 'period', label: `时期 (如 ${PERIOD_EXAMPLES[ind.frequency]})`, value: v.period, error: errs.period, required: true })}
              ${field({ name: 'value', label: `数值 (${ind.unit})`, value: v.value, error: errs.value, required: true, inputmode: 'text' })}
              ${field({ name: 'note', label: '附注', value: v.note, error: errs.note })}
              ${field({ name: 'reason', label: '原因 (修订时必填)', value: v.reason, error: errs.reason })}
              <div class="actions">${button('保存')}</div>`,
          })}</section>`
        : ''}
      <section aria-labelledby="rev-h"><h2 id="rev-h">最近的修订</h2>
      ${table<RevisionItem>({
        caption: '被替代的值',
        rows: revisions,
        empty: '没有修订记录。',
        columns: [
          { header: '地区', cell: (r) => r.regionName },
          { header: '时期', cell: (r) => r.period },
          { header: '原值', cell: (r) => r.value, className: 'num' },
          { header: '原值录入', cell: (r) => `${r.recordedByName} ${time(r.recordedAt)}` },
          { header: '修订人和时间', cell: (r) => `${r.supersededByName} ${time(r.supersededAt)}` },
          { header: '修订原因', cell: (r) => r.supersededReason },
        ],
      })}</section>`,
  });
}

async function indicatorForm(req: FastifyRequest, values: Record<string, string>, errors: FieldProblem[]): Promise<SafeHtml> {
  const errs = errorMap(errors);
  const units = await listUnitsForPicker(req.ctx, { regionPrefixes: [''], limit: 2000 });
  return form({
    action: `${BASE}/indicators`,
    csrf: req.csrfToken,
    label: '登记指标',
    body: html`${errorSummary(errors)}
      ${field({ name: 'code', label: '指标代码', value: values.code, required: true, error: errs.code, hint: '字母开头, 字母数字下划线, 如 GDP、RETAIL_SALES' })}
      ${field({ name: 'name', label: '指标名称', value: values.name, required: true, error: errs.name })}
      ${field({ name: 'unit', label: '计量单位', value: values.unit, required: true, error: errs.unit })}
      ${select({ name: 'frequency', label: '频度', options: FREQUENCIES.map((f) => ({ value: f, label: FREQUENCY_LABELS[f] })), value: values.frequency, required: true, error: errs.frequency })}
      ${select({ name: 'sourceUnitId', label: '来源部门', options: units.map((u) => ({ value: u.id, label: u.name })), value: values.sourceUnitId, required: true, error: errs.sourceUnitId, placeholder: '请选择' })}
      ${textarea({ name: 'definition', label: '指标解释', value: values.definition, error: errs.definition })}
      <div class="actions">${button('登记')} <a href="${BASE}">取消</a></div>`,
  });
}

function templateCsv(): string {
  return `\uFEFF${VALUE_COLUMNS.map((c) => c.header).join(',')}\r\nGDP,410100,2024,14210.5,初步核算数\r\n`;
}

async function renderImport(req: FastifyRequest, reply: FastifyReply, message?: string): Promise<FastifyReply> {
  const jobs = await listImportJobs(req.ctx, { kinds: [IMPORT_KIND] });
  return reply.page({
    title: '导入宏观经济数据',
    breadcrumbs: crumbs({ label: '导入数据' }),
    status: message ? 400 : 200,
    body: html`${message ? html`<div class="error-summary" role="alert" tabindex="-1"><h2>未开始导入</h2><p>${message}</p></div>` : ''}
      <section aria-labelledby="fmt-h"><h2 id="fmt-h">文件格式</h2>
        <p>CSV (UTF-8 或 GBK) 或 Excel (.xlsx, 第一个工作表), 第 1 行为表头: ${VALUE_COLUMNS.map((c) => c.header).join('、')}。时期按指标频度填写: 年 2024、季 2024Q1、月 2024-03; 地区为 6 位行政区划代码, 且须在您的辖区内。</p>
        <p>逐行检查; 每批 (5000 行) 中有任何一行有误时该批不导入, 问题清单可下载。同一指标、地区、时期已有不同的值时视为修订, 原值保留在修订记录中, 修订原因取下面填写的原因。重复导入同一文件不产生变化。</p>
        <p><a href="${BASE}/import/template.csv">下载模板</a></p>
      </section>
      ${form({
        action: `${BASE}/import`,
        csrf: req.csrfToken,
        multipart: true,
        label: '上传数据文件',
        body: html`${field({ name: 'reason', label: '录入或修订原因', hint: '如 2024 年统计年报、季度快报修订; 不填时记为「批量导入」' })}
          ${field({ name: 'file', label: '数据文件 (CSV 或 XLSX)', type: 'file', accept: '.csv,.xlsx,text/csv', required: true })}
          <div class="actions">${button('开始导入')} <a href="${BASE}">取消</a></div>`,
      })}
      <section aria-labelledby="jobs-h"><h2 id="jobs-h">最近的导入</h2>${importJobsTable(jobs)}</section>`,
  });
}

export async function registerMacroPages(app: FastifyInstance, services: PlatformServices): Promise<void> {
  app.get(BASE, { config: { scope: SCOPES.read } }, renderCatalog);
  app.get(`${BASE}/indicators/new`, { config: { scope: SCOPES.indicatorManage } }, async (req, reply) =>
    reply.page({ title: '登记指标', breadcrumbs: crumbs({ label: '登记指标' }), body: await indicatorForm(req, { frequency: 'year' }, []) }),
  );
  app.post(`${BASE}/indicators`, { config: { scope: SCOPES.indicatorManage } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const values = Object.fromEntries(Object.entries(body).filter(([k, v]) => k !== '_csrf' && typeof v === 'string')) as Record<string, string>;
    try {
      const input = parseInput(IndicatorBody, {
        code: values.code ?? '',
        name: values.name ?? '',
        unit: values.unit ?? '',
        frequency: values.frequency ?? '',
        sourceUnitId: values.sourceUnitId ?? '',
        definition: values.definition || undefined,
      });
      const ind = await createIndicator(req.ctx, { ...input, frequency: input.frequency as Frequency });
      services.nudgeDispatcher();
      return reply.flashRedirect(`${BASE}/indicators/${ind.code}`, { kind: 'success', text: `指标「${ind.name}」已登记。` });
    } catch (err) {
      if (!isAppError(err) || err.status >= 500 || err.status === 403) throw err;
      const fields = err.fields.length ? err.fields : [{ field: 'code', message: err.message }];
      return reply.page({ title: '登记指标', breadcrumbs: crumbs({ label: '登记指标' }), status: 400, body: await indicatorForm(req, values, fields) });
    }
  });
  app.get(`${BASE}/indicators/:code`, { config: { scope: SCOPES.read } }, (req, reply) => renderIndicator(req, reply));
  app.post(`${BASE}/values`, { config: { scope: SCOPES.valueWrite } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const values = Object.fromEntries(Object.entries(body).filter(([k, v]) => k !== '_csrf' && typeof v === 'string')) as Record<string, string>;
    const code = (values.indicatorCode ?? '').toUpperCase();
    try {
      const res = await recordValue(req.ctx, { indicatorCode: code, regionCode: values.regionCode ?? '', period: values.period ?? '', value: values.value ?? '', note: values.note, reason: values.reason });
      services.nudgeDispatcher();
      const text = res.outcome === 'inserted' ? '数据已录入。' : res.outcome === 'revised' ? `数据已修订 (第 ${res.observation.revision} 版), 原值已保留在修订记录中。` : '数值与现行值相同, 未作修改。';
      return reply.flashRedirect(`${BASE}/indicators/${code}?region=${res.observation.regionCode}`, { kind: 'success', text });
    } catch (err) {
      if (!isAppError(err) || err.status >= 500 || err.status === 403 || err.status === 404) throw err;
      (req.params as Record<string, string>).code = code;
      return renderIndicator(req, reply, { errors: err.fields.length ? err.fields : [{ field: 'value', message: err.message }], values, status: 400 });
    }
  });
  app.get(`${BASE}/import`, { config: { scope: SCOPES.valueWrite } }, (req, reply) => renderImport(req, reply));
  app.get(`${BASE}/import/template.csv`, { config: { scope: SCOPES.valueWrite } }, async (_req, reply) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="macro-template.csv"; filename*=UTF-8''${encodeURIComponent('宏观经济数据导入模板.csv')}`).send(templateCsv()),
  );
  await app.register(async (plugin) => {
    await plugin.register(multipart, { limits: { fileSize: 200 * 1024 * 1024, files: 1, fields: 5, parts: 6, fieldSize: 2000 } });
    plugin.post(`${BASE}/import`, { config: { scope: SCOPES.valueWrite, csrfExempt: true } }, async (req, reply) => {
      const { job } = await receiveImportUpload(req, services, macroValuesImport as never, { options: (f) => ({ reason: (f.reason ?? '').trim().slice(0, 500) }) });
      if (!job) return renderImport(req, reply, '请选择要上传的 CSV 或 XLSX 文件。');
      void startImportInBackground(services, macroValuesImport as never, job);
      return reply.redirect(`${IMPORTS_BASE}/${job.id}`, 303);
    });
  });
}
