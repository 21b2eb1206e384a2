/**
 * Public pages with forms and the applicant's own pages: the disclosure catalogue, guide and
 * annual report; applying for information (依申请公开, signed in); writing to the leader mailbox,
 * consulting, complaining and reporting errors (找错 also anonymously); Q&A and statistics;
 * opinion solicitations and surveys; "我的办件" (/my/portal) to follow one's cases.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type HtmlValue } from '../../../platform/ui/html.ts';
import { pagination } from '../../../platform/ui/components.ts';
import { isAppError, type FieldProblem } from '../../../platform/errors.ts';
import { enforceRateLimit } from '../../../platform/http/rate-limit.ts';
import {
  APPLICANT_TYPES,
  APPLICANT_TYPE_LABELS,
  ARTICLE_KIND_LABELS,
  CHANNELS,
  CHANNEL_LABELS,
  DELIVERIES,
  DELIVERY_LABELS,
  REQUEST_DAYS,
  chinaDateTime,
  chinaDay,
  type ApplicantType,
  type Channel,
  type Delivery,
} from '../model.ts';
import { getSite, listColumns, type SiteView } from '../services/sites.ts';
import { catalog } from '../services/public.ts';
import { applyForInformation, getRequest, listMyRequests, submitRequestCorrection, withdrawRequest } from '../services/requests.ts';
import { answerSurvey, commentOnSolicitation, getMessage, getSolicitation, getSurvey, listMyMessages, listPublishedQa, listSolicitations, listSurveys, messageStats, writeMessage } from '../services/interaction.ts';
import { annualReport } from '../services/report.ts';
import { notFound } from '../../../platform/errors.ts';
import { annualReportPdf } from '../services/report-pdf.ts';
import { reportTables } from './report-view.ts';
import { shellFor, type SiteReq } from './public.ts';
import { renderBody } from './shell.ts';
import { systemActor } from '../../../platform/context.ts';

export const PUBLIC_FORM_LIMIT = { limit: 20, windowSeconds: 600 };

/** Whether a solicitation or survey takes comments/answers today (China date), and why not. */
function openState(req: FastifyRequest, item: { opensOn: string; closesOn: string; closedAt: string | null }): { open: boolean; note: string } {
  const today = chinaDay(req.ctx.clock.now());
  if (item.closedAt) return { open: false, note: `已于 ${chinaDay(item.closedAt)} 提前结束` };
  if (today < item.opensOn) return { open: false, note: '尚未开始' };
  if (today > item.closesOn) return { open: false, note: '已结束' };
  return { open: true, note: '' };
}

async function siteReq(req: FastifyRequest): Promise<SiteReq> {
  const code = (req.params as { code: string }).code;
  const site = await getSite(req.ctx, code);
  if (!site || site.status !== 'active') throw notFound('site_not_found', '网站不存在或已关停。');
  return { site, base: `/sites/${site.code}` };
}

async function page(req: FastifyRequest, reply: FastifyReply, s: SiteReq, o: { title: string; body: HtmlValue; crumbs?: { label: string; href?: string }[]; slug?: string; status?: number }): Promise<FastifyReply> {
  const columns = await listColumns(req.ctx, s.site.code);
  return reply
    .status(o.status ?? 200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(shellFor(req, s, columns, { title: o.title, body: o.body, crumbs: o.crumbs ?? [{ label: o.title }], slug: o.slug, csrf: req.csrfToken }));
}

// ---- small form helpers (portal shell styles) --------------------------------------------------

const errOf = (errors: FieldProblem[], name: string) => errors.find((e) => e.field === name)?.message;

function input(o: { name: string; label: string; value?: string; errors: FieldProblem[]; type?: string; required?: boolean; hint?: string; autocomplete?: string }): HtmlValue {
  const id = `f-${o.name}`;
  const err = errOf(o.errors, o.name);
  const desc = [o.hint ? `${id}-hint` : '', err ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="p-field"><label for="${id}">${o.label}${o.required ? ' (必填)' : ''}</label>
    ${o.hint ? html`<p class="p-hint" id="${id}-hint">${o.hint}</p>` : ''}${err ? html`<p class="p-error" id="${id}-error">${err}</p>` : ''}
    <input id="${id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.required ? html` required` : ''}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${desc ? html` aria-describedby="${desc}"` : ''}${err ? html` aria-invalid="true"` : ''}></div>`;
}

function textarea(o: { name: string; label: string; value?: string; errors: FieldProblem[]; required?: boolean; hint?: string; rows?: number }): HtmlValue {
  const id = `f-${o.name}`;
  const err = errOf(o.errors, o.name);
  const desc = [o.hint ? `${id}-hint` : '', err ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="p-field"><label for="${id}">${o.label}${o.required ? ' (必填)' : ''}</label>
    ${o.hint ? html`<p class="p-hint" id="${id}-hint">${o.hint}</p>` : ''}${err ? html`<p class="p-error" id="${id}-error">${err}</p>` : ''}
    <textarea id="${id}" name="${o.name}" rows="${o.rows ?? 6}"${o.required ? html` required` : ''}${desc ? html` aria-describedby="${desc}"` : ''}${err ? html` aria-invalid="true"` : ''}>${o.value ?? ''}</textarea></div>`;
}

function select(o: { name: string; label: string; value?: string; options: { value: string; label: string }[]; errors: FieldProblem[]; required?: boolean }): HtmlValue {
  const id = `f-${o.name}`;
  const err = errOf(o.errors, o.name);
  return html`<div class="p-field"><label for="${id}">${o.label}${o.required ? ' (必填)' : ''}</label>${err ? html`<p class="p-error" id="${id}-error">${err}</p>` : ''}
    <select id="${id}" name="${o.name}"${err ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>${o.options.map((x) => html`<option value="${x.value}"${x.value === o.value ? html` selected` : ''}>${x.label}</option>`)}</select></div>`;
}

const errorBox = (errors: FieldProblem[], message?: string) =>
  errors.length || message
    ? html`<div class="p-errors" role="alert"><h2>请更正以下问题</h2>${message && !errors.length ? html`<p>${message}</p>` : ''}<ul>${errors.map((e) => html`<li><a href="#f-${e.field}">${e.message}</a></li>`)}</ul></div>`
    : '';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

// ---- disclosure --------------------------------------------------------------------------------

function catalogBody(s: SiteView, items: Awaited<ReturnType<typeof catalog>>, kind: string, pageNo: number): HtmlValue {
  return html`<h1>政府信息公开</h1>
    <ul class="p-subnav-list"><li><a href="/sites/${s.code}/disclosure/guide">政府信息公开指南</a></li>
      <li><a href="/sites/${s.code}/apply">依申请公开 (网上申请)</a></li>
      <li><a href="/sites/${s.code}/disclosure/reports/${Number(chinaDay(new Date()).slice(0, 4)) - 1}">政府信息公开工作年度报告</a></li></ul>
    <h2>政府信息公开目录</h2>
    <form class="p-search-form" method="get" action="/sites/${s.code}/disclosure" aria-label="筛选目录">
      <div class="p-field"><label for="k">信息种类</label><select id="k" name="kind"><option value="">全部</option>${Object.entries(ARTICLE_KIND_LABELS).map(([k, l]) => html`<option value="${k}"${k === kind ? html` selected` : ''}>${l}</option>`)}</select></div>
      <button type="submit">筛选</button></form>
    ${items.items.length === 0
      ? html`<p class="p-empty">目录暂无信息。</p>`
      : html`<div class="p-table"><table><caption>政府信息公开目录 (共 ${items.total} 条)</caption>
        <thead><tr><th scope="col">索引号</th><th scope="col">名称</th><th scope="col">内容概述</th><th scope="col">生成日期</th><th scope="col">发布日期</th><th scope="col">种类</th><th scope="col">文号</th><th scope="col">效力</th></tr></thead>
        <tbody>${items.items.map((i) => html`<tr><td>${i.indexNo}</td><td><a href="/sites/${s.code}/articles/${i.id}">${i.title}</a>${i.isDemo ? html` <span class="p-demo">演示内容</span>` : ''}</td>
          <td>${i.summary.slice(0, 60)}</td><td>${i.createdDate ?? ''}</td><td>${chinaDay(i.publishedAt)}${i.lateDisclosure ? html` <span class="p-validity">(超过 20 个工作日)</span>` : ''}</td>
          <td>${i.kindLabel}</td><td>${i.docNumber ?? ''}</td><td>${i.validityLabel}</td></tr>`)}</tbody></table></div>`}
    ${pagination({ page: pageNo, pageSize: 30, total: items.total, hrefFor: (p) => `/sites/${s.code}/disclosure?kind=${kind}&page=${p}` })}`;
}

const DEFAULT_GUIDE = [
  '## 一、主动公开',
  '本机关主动公开的政府信息, 自信息形成或者变更之日起 20 个工作日内在本网站「政府信息公开目录」公开, 可按索引号、名称、文号检索、查阅和下载。',
  '## 二、依申请公开',
  '公民、法人或者其他组织可登录后通过本网站「依申请公开」在线提交申请。网上申请以提交并生成申请回执之时为收到申请的时间。',
  `申请内容不明确的, 本机关自收到申请之日起 ${REQUEST_DAYS.correctionNotice} 个工作日内一次性告知补正, 答复期限自收到补正的申请之日起计算。`,
  `本机关自收到申请之日起 ${REQUEST_DAYS.reply} 个工作日内答复; 需要延长的, 经负责人同意并告知申请人, 延长不超过 ${REQUEST_DAYS.extension} 个工作日。征求第三方或其他机关意见所需时间不计算在期限内。`,
  '## 三、收费',
  '依申请提供政府信息不收取费用; 申请数量、频次明显超过合理范围的, 按《政府信息公开信息处理费管理办法》(国办函〔2020〕109号) 收取信息处理费: 按件计收时, 同一申请人一个自然月内累计申请 10 件以下 (含) 不收费, 11—30 件 每件 100 元, 30 件以上每增加 10 件加收 100 元; 按量计收时, 30 页以下 (含) 不收费, 31—100 页每页 10 元, 101—200 页每页 20 元, 200 页以上每页 40 元。',
  '## 四、监督和救济',
  '申请人认为本机关在政府信息公开工作中侵犯其合法权益的, 可以依法申请行政复议或者提起行政诉讼。',
].join('\n');

export function registerCitizenPages(app: FastifyInstance): void {
  app.get('/sites/:code/disclosure', { config: { scope: 'public' } }, async (req, reply) => {
    const s = await siteReq(req);
    const q = req.query as { kind?: string; page?: string };
    const pageNo = Math.max(1, Number(q.page) || 1);
    const items = await catalog(req.ctx, { siteCode: s.site.code, kind: q.kind, page: pageNo });
    return page(req, reply, s, { title: '政府信息公开', body: catalogBody(s.site, items, q.kind ?? '', pageNo), slug: 'disclosure' });
  });

  app.get('/sites/:code/disclosure/guide', { config: { scope: 'public' } }, async (req, reply) => {
    const s = await siteReq(req);
    return page(req, reply, s, {
      title: '政府信息公开指南',
      slug: 'disclosure',
      crumbs: [{ label: '政府信息公开', href: `/sites/${s.site.code}/disclosure` }, { label: '公开指南' }],
      body: html`<h1>${s.site.sponsorName}政府信息公开指南</h1>${renderBody(s.site.disclosureGuide || DEFAULT_GUIDE)}
        <p>受理机关: ${s.site.sponsorName}${s.site.address ? html` · 地址: ${s.site.address}` : ''}${s.site.contactPhone ? html` · 电话: ${s.site.contactPhone}` : ''}</p>`,
    });
  });

  app.get('/sites/:code/disclosure/reports/:year', { config: { scope: 'public' } }, async (req, reply) => {
    const s = await siteReq(req);
    const year = Number((req.params as { year: string }).year);
    if (!s.site.sponsorUnitId || !Number.isInteger(year)) throw notFound('report_not_found', '年度报告不存在。');
    // The published report is computed from the data; read as the system (the report holds no personal data).
    const report = await annualReport({ ...req.ctx, actor: systemActor }, { unitId: s.site.sponsorUnitId, year });
    return page(req, reply, s, {
      title: `${year}年政府信息公开工作年度报告`,
      slug: 'disclosure',
      crumbs: [{ label: '政府信息公开', href: `/sites/${s.site.code}/disclosure` }, { label: `${year}年年度报告` }],
      body: html`<h1>${report.unitName}${year}年政府信息公开工作年度报告</h1>
        <p>本报告由平台根据${year}年度的政务公开目录和依申请公开办件数据生成。${s.site.isDemo ? '含演示内容。' : ''} <a href="/sites/${s.site.code}/disclosure/reports/${year}/pdf">下载 PDF 版</a></p>
        ${reportTables(report)}`,
    });
  });

  app.get('/sites/:code/disclosure/reports/:year/pdf', { config: { scope: 'public' } }, async (req, reply) => {
    const s = await siteReq(req);
    const year = Number((req.params as { year: string }).year);
    if (!s.site.sponsorUnitId || !Number.isInteger(year)) throw notFound('report_not_found', '年度报告不存在。');
    // Rendering a PDF costs tens of milliseconds of CPU: limited per address like the public forms.
    await enforceRateLimit(req.ctx, { key: `portal.report_pdf:${req.ip}`, ...PUBLIC_FORM_LIMIT });
    const report = await annualReport({ ...req.ctx, actor: systemActor }, { unitId: s.site.sponsorUnitId, year });
    const buf = await annualReportPdf(report, { generatedAt: req.ctx.clock.now(), demo: s.site.isDemo });
    return reply
      .type('application/pdf')
      .header('content-disposition', `inline; filename="disclosure-report-${year}.pdf"; filename*=UTF-8''${encodeURIComponent(`${report.unitName}${year}年政府信息公开工作年度报告.pdf`)}`)
      .send(buf);
  });

  // ---- disclosure on request ----
  const applyForm = (s: SiteView, values: Record<string, string>, errors: FieldProblem[], message?: string) => html`<h1>政府信息公开申请</h1>
    <p>请如实填写。网上申请以提交并生成申请回执之时为收到申请的时间; 本机关在 ${REQUEST_DAYS.reply} 个工作日内答复 (征求第三方意见的时间不计入)。您可以在「<a href="/my/portal">我的办件</a>」查看办理进度。</p>
    ${errorBox(errors, message)}
    <form class="p-form" method="post" action="/sites/${s.code}/apply">
      <input type="hidden" name="_csrf" value="${values._csrf}">
      ${select({ name: 'applicantType', label: '申请人类型', value: values.applicantType, options: APPLICANT_TYPES.map((t) => ({ value: t, label: APPLICANT_TYPE_LABELS[t] })), errors, required: true })}
      ${input({ name: 'applicantName', label: '申请人姓名或名称', value: values.applicantName, errors, required: true, autocomplete: 'name' })}
      ${input({ name: 'contactPhone', label: '联系电话', value: values.contactPhone, errors, required: true, type: 'tel', autocomplete: 'tel' })}
      ${input({ name: 'contactAddress', label: '通信地址', value: values.contactAddress, errors, autocomplete: 'street-address' })}
      ${textarea({ name: 'description', label: '所需政府信息的名称、文号或便于查询的其他特征性描述', value: values.description, errors, required: true })}
      ${input({ name: 'purpose', label: '用途 (选填)', value: values.purpose, errors })}
      ${select({ name: 'delivery', label: '获取信息的方式', value: values.delivery ?? 'online', options: DELIVERIES.map((d) => ({ value: d, label: DELIVERY_LABELS[d] })), errors, required: true })}
      <button type="submit">提交申请</button>
    </form>`;

  app.get('/sites/:code/apply', { config: { scope: 'authenticated' } }, async (req, reply) => {
    const s = await siteReq(req);
    return page(req, reply, s, { title: '依申请公开', slug: 'disclosure', body: applyForm(s.site, { _csrf: req.csrfToken, applicantName: req.ctx.actor.name }, []) });
  });

  app.post('/sites/:code/apply', { config: { scope: 'authenticated' } }, async (req, reply) => {
    const s = await siteReq(req);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(['applicantType', 'applicantName', 'contactPhone', 'contactAddress', 'description', 'purpose', 'delivery'].map((k) => [k, str(b[k])]));
    try {
      await enforceRateLimit(req.ctx, { key: `portal.apply:${req.ctx.actor.userId}`, ...PUBLIC_FORM_LIMIT });
      const r = await applyForInformation(req.ctx, {
        siteCode: s.site.code,
        applicantType: values.applicantType as ApplicantType,
        applicantName: values.applicantName,
        contactPhone: values.contactPhone,
        contactAddress: values.contactAddress,
        description: values.description,
        purpose: values.purpose,
        delivery: values.delivery as Delivery,
      });
      return reply.flashRedirect(`/my/portal/requests/${r.id}`, { kind: 'success', text: `申请已提交, 回执编号 ${r.receiptNo}。` });
    } catch (err) {
      if (!isAppError(err) || err.status >= 500 || err.status === 403) throw err;
      return page(req, reply, s, { title: '依申请公开', slug: 'disclosure', status: err.status, body: applyForm(s.site, { ...values, _csrf: req.csrfToken }, err.fields, err.message) });
    }
  });

  // ---- interaction ----
  app.get('/sites/:code/interaction', { config: { scope: 'public' } }, async (req, reply) => {
    const s = await siteReq(req);
    const qa = await listPublishedQa(req.ctx, { siteCode: s.site.code, limit: 30 });
    const stats = await messageStats(req.ctx, { siteCode: s.site.code });
    const sols = await listSolicitations(req.ctx, { siteCode: s.site.code });
    const surveys = await listSurveys(req.ctx, { siteCode: s.site.code });
    return page(req, reply, s, {
      title: '互动交流',
      slug: 'interaction',
      body: html`<h1>互动交流</h1>
        <ul class="p-list">${CHANNELS.map((c) => html`<li><a href="/sites/${s.site.code}/interaction/write?channel=${c}">${CHANNEL_LABELS[c]}</a> <span class="p-date">${s.site.replyDays[c]} 个工作日内答复</span></li>`)}</ul>
        <h2>意见征集</h2>${sols.length ? html`<ul class="p-list">${sols.map((x) => html`<li><a href="/sites/${s.site.code}/interaction/solicitations/${x.id}">${x.title}</a>${x.isDemo ? html` <span class="p-demo">演示内容</span>` : ''} <span class="p-date">${x.opensOn} 至 ${x.closesOn}${openState(req, x).note ? ` (${openState(req, x).note})` : ''}</span></li>`)}</ul>` : html`<p class="p-empty">暂无意见征集。</p>`}
        <h2>网上调查</h2>${surveys.length ? html`<ul class="p-list">${surveys.map((x) => html`<li><a href="/sites/${s.site.code}/interaction/surveys/${x.id}">${x.title}</a>${x.isDemo ? html` <span class="p-demo">演示内容</span>` : ''} <span class="p-date">截止 ${x.closesOn}${openState(req, x).note ? ` (${openState(req, x).note})` : ''}</span></li>`)}</ul>` : html`<p class="p-empty">暂无网上调查。</p>`}
        <h2>留言选登</h2>
        ${qa.length === 0 ? html`<p class="p-empty">暂无公开的留言答复。</p>` : html`<div class="p-table"><table><caption>留言答复</caption><thead><tr><th scope="col">标题</th><th scope="col">渠道</th><th scope="col">受理日期</th><th scope="col">答复日期</th><th scope="col">答复部门</th><th scope="col">答复内容</th></tr></thead>
          <tbody>${qa.map((m) => html`<tr><td>${m.title}${m.isDemo ? html` <span class="p-demo">演示内容</span>` : ''}</td><td>${m.channelLabel}</td><td>${chinaDay(m.receivedAt)}</td><td>${m.repliedAt ? chinaDay(m.repliedAt) : ''}</td><td>${m.repliedUnitName ?? ''}</td><td>${m.replyText}</td></tr>`)}</tbody></table></div>`}
        <h2>办理情况统计</h2>
        ${stats.length === 0 ? html`<p class="p-empty">暂无统计。</p>` : html`<div class="p-table"><table><caption>各部门留言办理情况</caption><thead><tr><th scope="col">部门</th><th scope="col">收到</th><th scope="col">已答复</th><th scope="col">按期答复</th><th scope="col">办理中</th><th scope="col">超期未答复</th><th scope="col">平均答复天数</th></tr></thead>
          <tbody>${stats.map((d) => html`<tr><td>${d.unitName}</td><td>${d.received}</td><td>${d.replied}</td><td>${d.onTime}</td><td>${d.open}</td><td>${d.overdue}</td><td>${d.avgReplyDays ?? '—'}</td></tr>`)}</tbody></table></div>`}`,
    });
  });

  const writeForm = (s: SiteView, channel: Channel, values: Record<string, string>, errors: FieldProblem[], anonymous: boolean, message?: string) => html`<h1>${CHANNEL_LABELS[channel]}</h1>
    <p>本渠道 ${s.replyDays[channel]} 个工作日内答复, 答复部门为所选部门。联系方式不公开。${anonymous ? '找错报告可以不登录提交。' : ''}</p>
    ${errorBox(errors, message)}
    <form class="p-form" method="post" action="/sites/${s.code}/interaction/write">
      <input type="hidden" name="_csrf" value="${values._csrf}"><input type="hidden" name="channel" value="${channel}">
      ${input({ name: 'authorName', label: '姓名或称呼', value: values.authorName, errors, required: true, autocomplete: 'name' })}
      ${input({ name: 'contact', label: '联系方式 (电话或邮箱, 不公开)', value: values.contact, errors, required: true })}
      ${channel === 'error_report' ? input({ name: 'pageUrl', label: '出错页面地址', value: values.pageUrl, errors, hint: '例如 /sites/4100000001/articles/…' }) : ''}
      ${input({ name: 'title', label: '标题', value: values.title, errors, required: true })}
      ${textarea({ name: 'body', label: '内容', value: values.body, errors, required: true })}
      <div class="p-field"><span><input type="checkbox" id="f-publishConsent" name="publishConsent" value="1"${values.publishConsent ? html` checked` : ''}> <label for="f-publishConsent">同意在网站公开我的留言和答复 (不公开联系方式, 姓名只显示姓氏)</label></span></div>
      <button type="submit">提交</button>
    </form>`;

  app.get('/sites/:code/interaction/write', { config: { scope: 'public' } }, async (req, reply) => {
    const s = await siteReq(req);
    const channel = (CHANNELS as readonly string[]).includes(str((req.query as Record<string, unknown>).channel)) ? (str((req.query as Record<string, unknown>).channel) as Channel) : 'mailbox';
    if (channel !== 'error_report' && req.ctx.actor.kind === 'anonymous') return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    return page(req, reply, s, { title: CHANNEL_LABELS[channel], slug: 'interaction', body: writeForm(s.site, channel, { _csrf: req.csrfToken, authorName: req.ctx.actor.kind === 'anonymous' ? '' : req.ctx.actor.name }, [], channel === 'error_report') });
  });

  app.post('/sites/:code/interaction/write', { config: { scope: 'public' } }, async (req, reply) => {
    const s = await siteReq(req);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const channel = ((CHANNELS as readonly string[]).includes(str(b.channel)) ? str(b.channel) : 'mailbox') as Channel;
    const values = Object.fromEntries(['authorName', 'contact', 'title', 'body', 'pageUrl', 'publishConsent'].map((k) => [k, str(b[k])]));
    try {
      await enforceRateLimit(req.ctx, { key: `portal.write:${req.ctx.actor.userId ?? req.ip}`, ...PUBLIC_FORM_LIMIT });
      const m = await writeMessage(req.ctx, { siteCode: s.site.code, channel, authorName: values.authorName, contact: values.contact, title: values.title, body: values.body, pageUrl: values.pageUrl || undefined, publishConsent: values.publishConsent === '1' });
      const dest = req.ctx.actor.userId ? `/my/portal/messages/${m.id}` : `/sites/${s.site.code}/interaction`;
      return reply.flashRedirect(dest, { kind: 'success', text: `已收到您的${CHANNEL_LABELS[channel]}留言, ${chinaDay(m.replyDueAt)} 前答复。` });
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      if (err.code === 'login_required') return reply.redirect(`/login?next=${encodeURIComponent(`/sites/${s.site.code}/interaction/write?channel=${channel}`)}`, 303);
      return page(req, reply, s, { title: CHANNEL_LABELS[channel], slug: 'interaction', status: err.status, body: writeForm(s.site, channel, { ...values, _csrf: req.csrfToken }, err.fields, channel === 'error_report', err.message) });
    }
  });

  app.get('/sites/:code/interaction/solicitations/:id', { config: { scope: 'public' } }, async (req, reply) => {
    const s = await siteReq(req);
    const sol = await getSolicitation(req.ctx, { id: (req.params as { id: string }).id });
    if (sol.siteCode !== s.site.code) throw notFound('solicitation_not_found', '意见征集不存在。');
    const solState = openState(req, sol);
    return page(req, reply, s, {
      title: sol.title,
      slug: 'interaction',
      crumbs: [{ label: '互动交流', href: `/sites/${s.site.code}/interaction` }, { label: '意见征集' }],
      body: html`<h1>${sol.title}${sol.isDemo ? html` <span class="p-demo">演示内容</span>` : ''}</h1><p class="p-date">征集时间: ${sol.opensOn} 至 ${sol.closesOn}${solState.note ? ` · ${solState.note}` : ''}</p>
        <div class="p-content">${renderBody(sol.draftText)}</div>
        ${sol.feedbackSummary ? html`<h2>意见采纳情况</h2><div class="p-content">${renderBody(sol.feedbackSummary)}</div>` : ''}
        <h2>公众意见 (${sol.comments.length})</h2>${sol.comments.length ? html`<ul class="p-list">${sol.comments.map((c) => html`<li>${c.authorName}: ${c.body}</li>`)}</ul>` : html`<p class="p-empty">暂无公开的意见。</p>`}
        ${!solState.open ? '' : req.ctx.actor.kind === 'anonymous' ? html`<p><a href="/login?next=${encodeURIComponent(req.url)}">登录后提出意见</a></p>` : html`<form class="p-form" method="post" action="/sites/${s.site.code}/interaction/solicitations/${sol.id}">
          <input type="hidden" name="_csrf" value="${req.csrfToken}">${textarea({ name: 'body', label: '我的意见', errors: [], required: true, hint: '意见经审核后公开' })}<button type="submit">提交意见</button></form>`}`,
    });
  });

  app.post('/sites/:code/interaction/solicitations/:id', { config: { scope: 'authenticated' } }, async (req, reply) => {
    const s = await siteReq(req);
    const id = (req.params as { id: string }).id;
    await enforceRateLimit(req.ctx, { key: `portal.comment:${req.ctx.actor.userId}`, ...PUBLIC_FORM_LIMIT });
    await commentOnSolicitation(req.ctx, { id, body: str((req.body as Record<string, unknown>)?.body) });
    return reply.flashRedirect(`/sites/${s.site.code}/interaction/solicitations/${id}`, { kind: 'success', text: '意见已提交, 审核后公开。' });
  });

  app.get('/sites/:code/interaction/surveys/:id', { config: { scope: 'public' } }, async (req, reply) => {
    const s = await siteReq(req);
    const sv = await getSurvey(req.ctx, { id: (req.params as { id: string }).id });
    if (sv.siteCode !== s.site.code) throw notFound('survey_not_found', '调查不存在。');
    const svState = openState(req, sv);
    return page(req, reply, s, {
      title: sv.title,
      slug: 'interaction',
      crumbs: [{ label: '互动交流', href: `/sites/${s.site.code}/interaction` }, { label: '网上调查' }],
      body: html`<h1>${sv.title}${sv.isDemo ? html` <span class="p-demo">演示内容</span>` : ''}</h1><p class="p-date">${sv.opensOn} 至 ${sv.closesOn} · 已有 ${sv.responses} 人参加${svState.note ? ` · ${svState.note}` : ''}</p>
        ${svState.open ? html`<form class="p-form" method="post" action="/sites/${s.site.code}/interaction/surveys/${sv.id}"><input type="hidden" name="_csrf" value="${req.csrfToken}">
        ${sv.questions.map((q, qi) => html`<fieldset class="p-field" id="f-q${qi}"><legend>${qi + 1}. ${q.text}</legend>${q.options.map((o, oi) => html`<span><input type="radio" id="q${qi}-${oi}" name="q${qi}" value="${oi}"> <label for="q${qi}-${oi}">${o}</label></span>`)}</fieldset>`)}
        <button type="submit">提交</button></form>` : ''}
        <h2>调查结果</h2>${sv.questions.map((q, qi) => html`<div class="p-table"><table><caption>${qi + 1}. ${q.text}</caption><thead><tr><th scope="col">选项</th><th scope="col">人数</th></tr></thead><tbody>${q.options.map((o, oi) => html`<tr><td>${o}</td><td>${sv.counts[qi][oi]}</td></tr>`)}</tbody></table></div>`)}`,
    });
  });

  app.post('/sites/:code/interaction/surveys/:id', { config: { scope: 'public' } }, async (req, reply) => {
    const s = await siteReq(req);
    const id = (req.params as { id: string }).id;
    const sv = await getSurvey(req.ctx, { id });
    const b = (req.body ?? {}) as Record<string, unknown>;
    await enforceRateLimit(req.ctx, { key: `portal.survey:${req.ip}`, ...PUBLIC_FORM_LIMIT });
    await answerSurvey(req.ctx, { id, answers: sv.questions.map((_, i) => (b[`q${i}`] === undefined ? -1 : Number(b[`q${i}`]))), respondentKey: req.cookies.egov_anon ?? req.ip });
    return reply.flashRedirect(`/sites/${s.site.code}/interaction/surveys/${id}`, { kind: 'success', text: '感谢参加调查。' });
  });

  // ---- my cases ----
  app.get('/my/portal', { config: { scope: 'authenticated' } }, async (req, reply) => {
    const reqs = await listMyRequests(req.ctx);
    const msgs = await listMyMessages(req.ctx);
    return reply.page({
      title: '我的办件 (政府网站)',
      shell: 'public',
      breadcrumbs: [{ label: '我的', href: '/my' }, { label: '我的办件' }],
      body: html`<h2>政府信息公开申请</h2>
        ${reqs.length === 0 ? html`<p class="empty">您还没有提交过申请。</p>` : html`<div class="table-wrap"><table><caption>我的政府信息公开申请</caption><thead><tr><th scope="col">回执编号</th><th scope="col">受理机关</th><th scope="col">提交时间</th><th scope="col">状态</th><th scope="col">答复期限</th></tr></thead>
          <tbody>${reqs.map((r) => html`<tr><td><a href="/my/portal/requests/${r.id}">${r.receiptNo}</a></td><td>${r.unitName}</td><td>${chinaDateTime(r.receivedAt)}</td><td>${r.statusLabel}</td><td>${r.replyDueAt ? chinaDay(r.replyDueAt) : '—'}</td></tr>`)}</tbody></table></div>`}
        <h2>我的留言</h2>
        ${msgs.length === 0 ? html`<p class="empty">您还没有写过信。</p>` : html`<div class="table-wrap"><table><caption>我的留言</caption><thead><tr><th scope="col">标题</th><th scope="col">渠道</th><th scope="col">受理日期</th><th scope="col">状态</th></tr></thead>
          <tbody>${msgs.map((m) => html`<tr><td><a href="/my/portal/messages/${m.id}">${m.title}</a></td><td>${m.channelLabel}</td><td>${chinaDay(m.receivedAt)}</td><td>${m.repliedAt ? '已答复' : `办理中 (${chinaDay(m.replyDueAt)} 前答复)`}</td></tr>`)}</tbody></table></div>`}`,
    });
  });

  app.get('/my/portal/requests/:id', { config: { scope: 'authenticated' } }, async (req, reply) => {
    const r = await getRequest(req.ctx, { id: (req.params as { id: string }).id });
    if (r.applicantUserId !== req.ctx.actor.userId) throw notFound('request_not_found', '申请不存在或您无权查看。');
    return reply.page({
      title: `政府信息公开申请 ${r.receiptNo}`,
      shell: 'public',
      breadcrumbs: [{ label: '我的办件', href: '/my/portal' }, { label: r.receiptNo }],
      body: html`<dl class="facts">
          <dt>受理机关</dt><dd>${r.unitName}</dd><dt>收到申请</dt><dd>${chinaDateTime(r.receivedAt)}</dd>
          <dt>状态</dt><dd>${r.statusLabel}</dd>
          <dt>答复期限</dt><dd>${r.replyDueAt ? chinaDateTime(r.replyDueAt) : r.status === 'consulting' ? '征求第三方意见中, 暂停计时' : r.status === 'correction' ? '等待补正, 补正后重新计算' : '—'}${r.extended ? html` (已延期: ${r.extensionReason})` : ''}</dd>
          <dt>申请内容</dt><dd>${r.description}</dd>
          ${r.repliedAt && r.outcome ? html`<dt>答复</dt><dd>${r.outcomeLabel}${r.outcomeReasonLabel ? html` — ${r.outcomeReasonLabel}` : ''}<br>${r.replyText}<br>答复时间: ${chinaDateTime(r.repliedAt)}${r.feeAmount ? html` · 信息处理费 ${r.feeAmount} 元` : ''}</dd>` : ''}
        </dl>
        ${r.status === 'correction' ? html`<h2>补正申请</h2><p>受理机关告知需要补正申请内容 (详见消息)。补正后答复期限重新计算。</p>
          <form method="post" action="/my/portal/requests/${r.id}/correct"><input type="hidden" name="_csrf" value="${req.csrfToken}">
          <div class="field"><label for="f-description">补正后的申请内容</label><textarea id="f-description" name="description" rows="5" required>${r.description}</textarea></div>
          <button type="submit" class="btn btn-primary">提交补正</button></form>` : ''}
        ${['handling', 'correction', 'consulting'].includes(r.status) ? html`<form method="post" action="/my/portal/requests/${r.id}/withdraw"><input type="hidden" name="_csrf" value="${req.csrfToken}"><button type="submit" class="btn btn-secondary">撤回申请</button></form>` : ''}`,
    });
  });

  app.post('/my/portal/requests/:id/correct', { config: { scope: 'authenticated' } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    await submitRequestCorrection(req.ctx, { id, description: str((req.body as Record<string, unknown>)?.description) });
    return reply.flashRedirect(`/my/portal/requests/${id}`, { kind: 'success', text: '补正已提交, 答复期限自今日重新计算。' });
  });

  app.post('/my/portal/requests/:id/withdraw', { config: { scope: 'authenticated' } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    await withdrawRequest(req.ctx, { id });
    return reply.flashRedirect(`/my/portal/requests/${id}`, { kind: 'info', text: '申请已撤回。' });
  });

  app.get('/my/portal/messages/:id', { config: { scope: 'authenticated' } }, async (req, reply) => {
    const m = await getMessage(req.ctx, { id: (req.params as { id: string }).id });
    if (m.authorUserId !== req.ctx.actor.userId) throw notFound('message_not_found', '留言不存在或您无权查看。');
    return reply.page({
      title: m.title,
      shell: 'public',
      breadcrumbs: [{ label: '我的办件', href: '/my/portal' }, { label: m.title }],
      body: html`<dl class="facts"><dt>渠道</dt><dd>${m.channelLabel}</dd><dt>负责部门</dt><dd>${m.unitName}</dd><dt>受理日期</dt><dd>${chinaDay(m.receivedAt)}</dd>
        <dt>答复期限</dt><dd>${chinaDay(m.replyDueAt)}</dd><dt>内容</dt><dd>${m.body}</dd>
        <dt>答复</dt><dd>${m.replyText ? html`${m.replyText} (${m.repliedUnitName}, ${m.repliedAt ? chinaDay(m.repliedAt) : ''})` : '尚未答复'}</dd></dl>`,
    });
  });
}
