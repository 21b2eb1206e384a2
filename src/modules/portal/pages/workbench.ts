/**
 * Staff pages of the site group (/workbench/portal/…): sites and their articles (draft, submit,
 * review and publish, withdraw, mark validity, revise, syndicate, attachments), the shared
 * content library, disclosure requests (correction, consultation, extension, reply), messages,
 * the annual report (HTML, XLSX), moderation and site health. Thin: services decide.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { html, type HtmlValue } from '../../../platform/ui/html.ts';
import { badge, button, field, form, select, table, textarea } from '../../../platform/ui/components.ts';
import { hasScope } from '../../../platform/context.ts';
import { isAppError, notFound } from '../../../platform/errors.ts';
import { listAttachments, attachmentList, uploadForm } from '../../../platform/files/index.ts';
import {
  ARTICLE_ATTACHMENT_OWNER,
  ARTICLE_KINDS,
  ARTICLE_KIND_LABELS,
  ARTICLE_STATUSES,
  ARTICLE_STATUS_LABELS,
  COLUMN_TYPES,
  COLUMN_TYPE_LABELS,
  OUTCOMES,
  OUTCOME_LABELS,
  OUTCOME_REASONS,
  SCOPES,
  VALIDITIES,
  VALIDITY_LABELS,
  chinaDateTime,
  chinaDay,
  type ArticleKind,
  type ArticleStatus,
  type ColumnType,
  type Outcome,
  type Validity,
} from '../model.ts';
import { canOnSite, createColumn, listColumns, listSites, requireSite, sitesForActor } from '../services/sites.ts';
import {
  approveArticle,
  createArticle,
  getArticleForStaff,
  importFromLibrary,
  listArticlesForStaff,
  listLibrary,
  returnArticle,
  reviseArticle,
  setValidity,
  submitArticle,
  syndicateArticle,
  updateArticle,
  withdrawArticle,
} from '../services/articles.ts';
import { endConsultation, extendRequest, getRequest, listRequestsForStaff, replyToRequest, requestCorrection, startConsultation } from '../services/requests.ts';
import { getMessage, getSolicitation, listMessagesForStaff, messageStats, moderateComment, publishFeedback, replyToMessage } from '../services/interaction.ts';
import { REPORT_INPUT_KEYS, annualReport, annualReportXlsx, setReportInputs, setReportTexts } from '../services/report.ts';
import { HEALTH_KEYS, HEALTH_RECHECK_MINUTES, listHealthChanges, recheckSite, storedGroupHealth, storedSiteHealth, type HealthChange, type HealthKey, type StoredSiteHealth } from '../services/health.ts';
import { annualReportPdf } from '../services/report-pdf.ts';
import { reportTables } from './report-view.ts';
import { renderBody } from './shell.ts';
import { registerWorkbenchAdminPages } from './workbench-admin.ts';

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const body = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;
const WB = '/workbench/portal';

const HEALTH_LABELS: Record<HealthKey, string> = { homepage: '首页更新', stale_columns: '栏目不更新', empty_columns: '空白栏目', unanswered: '超 3 个月未答复留言', broken_links: '错误链接' };
const CHANGE_LABELS: Record<HealthChange['change'], string> = { veto_raised: '出现单项否决', veto_cleared: '单项否决消除', issue_raised: '出现扣分问题', issue_cleared: '扣分问题消除' };
const changeTable = (changes: HealthChange[], names: Map<string, string>) => table({
  caption: '健康状况变化 (供安全监管使用)',
  rows: changes,
  empty: '暂无变化记录。',
  columns: [
    { header: '时间', cell: (c) => chinaDateTime(c.changedAt) },
    { header: '网站', cell: (c) => html`<a href="${WB}/health/${c.siteCode}">${names.get(c.siteCode) ?? c.siteCode}</a>` },
    { header: '指标', cell: (c) => HEALTH_LABELS[c.checkKey] },
    { header: '变化', cell: (c) => CHANGE_LABELS[c.change] },
    { header: '数值', cell: (c) => `${c.valueBefore ?? '—'} → ${c.valueAfter}` },
  ],
});

function articleForm(o: { action: string; csrf: string; columns: { id: string; name: string }[]; values: Record<string, string>; errors: { field: string; message: string }[] }): HtmlValue {
  const v = o.values;
  const err = (n: string) => o.errors.find((e) => e.field === n)?.message;
  return form({
    action: o.action,
    csrf: o.csrf,
    body: html`${o.errors.length ? html`<div class="error-summary" role="alert"><h2>请更正以下问题</h2><ul>${o.errors.map((e) => html`<li><a href="#f-${e.field}">${e.message}</a></li>`)}</ul></div>` : ''}
      ${select({ name: 'columnId', label: '栏目', options: o.columns.map((c) => ({ value: c.id, label: c.name })), value: v.columnId, required: true, error: err('columnId') })}
      ${field({ name: 'title', label: '标题', value: v.title, required: true, maxLength: 200, error: err('title') })}
      ${textarea({ name: 'summary', label: '摘要 (内容概述)', value: v.summary, rows: 2, error: err('summary') })}
      ${textarea({ name: 'body', label: '正文 (每行一段; ## 开头为小标题; [文字](/地址) 为链接)', value: v.body, rows: 12, required: true, error: err('body') })}
      ${field({ name: 'author', label: '作者', value: v.author })}
      ${field({ name: 'source', label: '来源', value: v.source })}
      ${select({ name: 'kind', label: '信息种类 (进入公开目录并计入年报)', options: ARTICLE_KINDS.map((k) => ({ value: k, label: ARTICLE_KIND_LABELS[k] })), value: v.kind ?? 'article' })}
      ${field({ name: 'docNumber', label: '文号', value: v.docNumber })}
      ${field({ name: 'category', label: '主题分类', value: v.category })}
      ${field({ name: 'createdDate', label: '生成日期', type: 'date', value: v.createdDate, error: err('createdDate'), hint: '信息形成或变更的日期; 超过 20 个工作日发布将被标记' })}
      ${field({ name: 'publishAt', label: '定时发布 (留空为审核通过即发布)', value: v.publishAt, hint: '格式 2026-05-01T09:00+08:00', error: err('publishAt') })}
      <div class="check"><input type="checkbox" id="f-shared" name="shared" value="1"${v.shared ? html` checked` : ''}><label for="f-shared">共享到统一信息资源库</label></div>
      ${button('保存')}`,
  });
}

const articleInput = (b: Record<string, unknown>) => ({
  columnId: str(b.columnId),
  title: str(b.title),
  summary: str(b.summary),
  body: str(b.body),
  author: str(b.author),
  source: str(b.source),
  kind: (ARTICLE_KINDS as readonly string[]).includes(str(b.kind)) ? (str(b.kind) as ArticleKind) : 'article',
  docNumber: str(b.docNumber) || null,
  category: str(b.category) || null,
  createdDate: str(b.createdDate) || null,
  publishAt: str(b.publishAt) || null,
  shared: str(b.shared) === '1',
});

async function siteColumns(req: FastifyRequest, code: string) {
  return (await listColumns(req.ctx, code)).map((c) => ({ id: c.id, name: `${c.name} (${c.typeLabel})` }));
}

export function registerWorkbenchPages(app: FastifyInstance): void {
  const anyPortal = 'staff';
  registerWorkbenchAdminPages(app);

  app.get(WB, { config: { scope: anyPortal } }, async (req, reply) => {
    const a = req.ctx.actor;
    const seen = new Map<string, Awaited<ReturnType<typeof sitesForActor>>[number]>();
    for (const sc of [SCOPES.articleEdit, SCOPES.articleReview, SCOPES.siteManage]) for (const s of await sitesForActor(req.ctx, sc)) seen.set(s.code, s);
    const sites = [...seen.values()];
    return reply.page({
      title: '政府网站群',
      body: html`<h2>我管理的网站</h2>${sites.length ? html`<ul>${sites.map((s) => html`<li><a href="${WB}/sites/${s.code}">${s.name}</a> (${s.code})${s.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}</li>`)}</ul>` : html`<p class="empty">您不是任何网站主办单位的编辑或审核员。</p>`}
        <ul>
          ${hasScope(a, SCOPES.siteManage) ? html`<li><a href="${WB}/sites/new">开办网站</a></li>` : ''}
          ${hasScope(a, SCOPES.articleEdit) ? html`<li><a href="${WB}/library">统一信息资源库</a></li>` : ''}
          ${hasScope(a, SCOPES.disclosureHandle) ? html`<li><a href="${WB}/requests">依申请公开办理</a></li>` : ''}
          ${hasScope(a, SCOPES.messageReply) ? html`<li><a href="${WB}/messages">网站留言答复</a></li>` : ''}
          ${hasScope(a, SCOPES.reportManage) ? html`<li><a href="${WB}/report">政府信息公开工作年度报告</a></li>` : ''}
          ${hasScope(a, SCOPES.healthRead) ? html`<li><a href="${WB}/health">网站健康检查</a></li>` : ''}
        </ul>`,
    });
  });

  app.get(`${WB}/sites/:code`, { config: { scope: 'staff' } }, async (req, reply) => {
    const site = await requireSite(req.ctx, (req.params as { code: string }).code);
    if (!canOnSite(req.ctx, site, SCOPES.articleEdit) && !canOnSite(req.ctx, site, SCOPES.articleReview) && !canOnSite(req.ctx, site, SCOPES.siteManage)) throw notFound('site_not_found', '网站不存在或您无权管理。');
    const q = req.query as { status?: string; page?: string };
    const status = (ARTICLE_STATUSES as readonly string[]).includes(q.status ?? '') ? (q.status as ArticleStatus) : undefined;
    const list = await listArticlesForStaff(req.ctx, { siteCode: site.code, status, page: Number(q.page) || 1 });
    const columns = await listColumns(req.ctx, site.code);
    return reply.page({
      title: site.name,
      breadcrumbs: [{ label: '政府网站群', href: WB }, { label: site.name }],
      body: html`<p><a href="/sites/${site.code}">查看网站</a> · ${canOnSite(req.ctx, site, SCOPES.articleEdit) ? html`<a href="${WB}/sites/${site.code}/articles/new">写新信息</a> · ` : ''}<a href="${WB}/health/${site.code}">健康检查</a>${canOnSite(req.ctx, site, SCOPES.interactionManage) ? html` · <a href="${WB}/interaction?site=${site.code}">意见征集和网上调查</a>` : ''}${canOnSite(req.ctx, site, SCOPES.siteManage) ? html` · <a href="${WB}/sites/${site.code}/settings">网站设置和页脚要素</a>` : ''}</p>
        <nav aria-label="按状态筛选"><ul class="inline-list"><li><a href="?">全部</a></li>${ARTICLE_STATUSES.map((s) => html`<li><a href="?status=${s}"${s === status ? html` aria-current="page"` : ''}>${ARTICLE_STATUS_LABELS[s]}</a></li>`)}</ul></nav>
        ${table({
          caption: `信息 (共 ${list.total} 条)`,
          rows: list.items,
          columns: [
            { header: '标题', cell: (a) => html`<a href="${WB}/articles/${a.id}">${a.title}</a>${a.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}` },
            { header: '栏目', cell: (a) => columns.find((c) => c.id === a.columnId)?.name ?? '' },
            { header: '状态', cell: (a) => html`${a.statusLabel}${a.liveVersion ? ' (线上)' : ''}` },
            { header: '修改时间', cell: (a) => chinaDateTime(a.updatedAt) },
          ],
        })}
        <h2>栏目</h2>${table({ caption: '栏目', rows: columns, columns: [{ header: '名称', cell: (c) => (c.parentId ? `${columns.find((p) => p.id === c.parentId)?.name ?? ''} / ${c.name}` : c.name) }, { header: '路径名', cell: (c) => c.slug }, { header: '类型', cell: (c) => c.typeLabel }, { header: '应更新周期 (天)', cell: (c) => c.updateDays ?? '—' }] })}
        ${canOnSite(req.ctx, site, SCOPES.siteManage) ? form({
          action: `${WB}/sites/${site.code}/columns`,
          csrf: req.csrfToken,
          label: '新增栏目',
          body: html`<h3>新增栏目</h3>${field({ name: 'name', label: '栏目名称', required: true })}${field({ name: 'slug', label: '路径名 (小写字母、数字、连字符)', required: true })}
            ${select({ name: 'type', label: '栏目类型', options: COLUMN_TYPES.map((t) => ({ value: t, label: COLUMN_TYPE_LABELS[t] })) })}
            ${select({ name: 'parentId', label: '上级栏目', options: columns.map((c) => ({ value: c.id, label: c.name })), placeholder: '无 (一级栏目)' })}
            ${field({ name: 'updateDays', label: '应更新周期 (天)', type: 'number', hint: '留空按栏目类型: 动态要闻 14 天, 通知公告、政策文件 180 天; 其他类型不检查' })}
            ${button('新增栏目', { kind: 'secondary' })}`,
        }) : ''}`,
    });
  });

  app.post(`${WB}/sites/:code/columns`, { config: { scope: SCOPES.siteManage } }, async (req, reply) => {
    const code = (req.params as { code: string }).code;
    const b = body(req);
    const updateDays = str(b.updateDays).trim();
    await createColumn(req.ctx, {
      siteCode: code,
      name: str(b.name),
      slug: str(b.slug),
      type: ((COLUMN_TYPES as readonly string[]).includes(str(b.type)) ? str(b.type) : 'other') as ColumnType,
      parentId: str(b.parentId) || null,
      updateDays: updateDays === '' ? undefined : Number(updateDays),
    });
    return reply.flashRedirect(`${WB}/sites/${code}`, { kind: 'success', text: '栏目已新增。' });
  });

  app.get(`${WB}/sites/:code/articles/new`, { config: { scope: SCOPES.articleEdit } }, async (req, reply) => {
    const site = await requireSite(req.ctx, (req.params as { code: string }).code);
    const columns = await siteColumns(req, site.code);
    return reply.page({
      title: '写新信息',
      breadcrumbs: [{ label: '政府网站群', href: WB }, { label: site.name, href: `${WB}/sites/${site.code}` }, { label: '写新信息' }],
      body: articleForm({ action: `${WB}/sites/${site.code}/articles`, csrf: req.csrfToken, columns, values: { createdDate: chinaDay(req.ctx.clock.now()) }, errors: [] }),
    });
  });

  app.post(`${WB}/sites/:code/articles`, { config: { scope: SCOPES.articleEdit } }, async (req, reply) => {
    const site = await requireSite(req.ctx, (req.params as { code: string }).code);
    const input = articleInput(body(req));
    try {
      const a = await createArticle(req.ctx, { siteCode: site.code, ...input });
      return reply.flashRedirect(`${WB}/articles/${a.id}`, { kind: 'success', text: '草稿已保存。' });
    } catch (err) {
      if (!isAppError(err) || err.status !== 400) throw err;
      const values = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, v === null ? '' : String(v === true ? '1' : v === false ? '' : v)]));
      return reply.page({ title: '写新信息', status: 400, body: articleForm({ action: `${WB}/sites/${site.code}/articles`, csrf: req.csrfToken, columns: await siteColumns(req, site.code), values, errors: err.fields }) });
    }
  });

  app.get(`${WB}/articles/:id`, { config: { scope: 'staff' } }, async (req, reply) => {
    const { article: a, site, column, versions } = await getArticleForStaff(req.ctx, { id: (req.params as { id: string }).id });
    const cur = versions[0];
    const canEdit = canOnSite(req.ctx, site, SCOPES.articleEdit);
    const canReview = canOnSite(req.ctx, site, SCOPES.articleReview);
    const files = await listAttachments(req.ctx, { ownerType: ARTICLE_ATTACHMENT_OWNER, ownerId: a.id });
    const children = canReview && a.liveVersion ? (await listSites(req.ctx)).filter((s) => s.parentCode === site.code) : [];
    const childCols = [];
    for (const c of children) for (const col of await listColumns(req.ctx, c.code)) if (col.type === column.type) childCols.push({ value: col.id, label: `${c.name} / ${col.name}` });
    const act = (path: string, label: string, extra: HtmlValue = '', kind: 'primary' | 'secondary' | 'danger' = 'primary') =>
      form({ action: `${WB}/articles/${a.id}/${path}`, csrf: req.csrfToken, label, body: html`${extra}${button(label, { kind })}` });
    return reply.page({
      title: a.title,
      breadcrumbs: [{ label: '政府网站群', href: WB }, { label: site.name, href: `${WB}/sites/${site.code}` }, { label: a.title }],
      body: html`<dl class="facts"><dt>状态</dt><dd>${a.statusLabel}${a.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}</dd><dt>栏目</dt><dd>${column.name}</dd>
          <dt>线上版本</dt><dd>${a.liveVersion ? html`第 ${a.liveVersion} 版, ${a.publishedAt ? chinaDateTime(a.publishedAt) : ''} 发布 · <a href="/sites/${site.code}/articles/${a.id}">在网站上查看</a>` : '未发布'}</dd>
          ${a.publishAt ? html`<dt>定时发布</dt><dd>${chinaDateTime(a.publishAt)}</dd>` : ''}
          ${a.indexNo ? html`<dt>索引号</dt><dd>${a.indexNo}</dd>` : ''}<dt>信息种类</dt><dd>${a.kindLabel}</dd>${a.docNumber ? html`<dt>文号</dt><dd>${a.docNumber}</dd>` : ''}
          <dt>生成日期</dt><dd>${a.createdDate ?? '—'}${a.lateDisclosure ? html` ${badge(`发布超过 20 个工作日 (${a.disclosureWorkingDays} 个)`, 'warn')}` : ''}</dd>
          <dt>效力</dt><dd>${a.validityLabel}${a.validityNote ? ` (${a.validityNote})` : ''}</dd>
          ${a.caseId ? html`<dt>流程</dt><dd><a href="/workbench/cases/${a.caseId}">办理记录</a></dd>` : ''}</dl>
        <h2>当前版本 (第 ${cur.version} 版)</h2><h3>${cur.title}</h3>${cur.summary ? html`<p><strong>摘要:</strong> ${cur.summary}</p>` : ''}<div class="doc-body">${renderBody(cur.body)}</div>
        <h2>办理</h2>
        <div class="actions">
        ${a.status === 'draft' && canEdit ? html`<p><a href="${WB}/articles/${a.id}/edit">修改草稿</a></p>${act('submit', '送审')}` : ''}
        ${a.status === 'reviewing' && canReview ? html`${act('approve', a.publishAt && new Date(a.publishAt) > req.ctx.clock.now() ? '审核通过 (定时发布)' : '审核通过并发布')}
          ${act('return', '退回修改', textarea({ name: 'comment', label: '退回意见', required: true, rows: 2 }), 'secondary')}` : ''}
        ${(a.status === 'published' || a.status === 'withdrawn') && canEdit ? act('revise', '修改已发布信息 (新一轮编辑)', '', 'secondary') : ''}
        ${(a.liveVersion || a.status === 'scheduled') && canReview ? act('withdraw', '撤稿', field({ name: 'reason', label: '撤稿原因', required: true }), 'danger') : ''}
        ${a.liveVersion && canReview ? act('validity', '标注效力', html`${select({ name: 'validity', label: '效力状态', options: VALIDITIES.map((v) => ({ value: v, label: VALIDITY_LABELS[v] })), value: a.validity })}${field({ name: 'note', label: '说明 (如 被某文件修改或废止)', value: a.validityNote ?? '' })}`, 'secondary') : ''}
        ${childCols.length ? act('syndicate', '转载到下级网站', html`<fieldset><legend>转载到的栏目</legend>${childCols.map((c) => html`<div class="check"><input type="checkbox" id="syn-${c.value}" name="columnIds" value="${c.value}"><label for="syn-${c.value}">${c.label}</label></div>`)}</fieldset>`, 'secondary') : ''}
        </div>
        <h2>附件</h2>${attachmentList(files, { caption: '附件' })}
        ${canEdit && a.status === 'draft' ? uploadForm({ csrf: req.csrfToken, ownerType: ARTICLE_ATTACHMENT_OWNER, ownerId: a.id, back: `${WB}/articles/${a.id}`, label: '上传附件' }) : ''}
        <h2>版本</h2>${table({ caption: '版本记录', rows: versions, columns: [{ header: '版本', cell: (v) => v.version }, { header: '标题', cell: (v) => v.title }, { header: '保存人', cell: (v) => v.savedByName }, { header: '时间', cell: (v) => chinaDateTime(v.savedAt) }] })}`,
    });
  });

  app.get(`${WB}/articles/:id/edit`, { config: { scope: SCOPES.articleEdit } }, async (req, reply) => {
    const { article: a, site, versions } = await getArticleForStaff(req.ctx, { id: (req.params as { id: string }).id });
    const v = versions[0];
    return reply.page({
      title: `修改: ${a.title}`,
      breadcrumbs: [{ label: site.name, href: `${WB}/sites/${site.code}` }, { label: a.title, href: `${WB}/articles/${a.id}` }, { label: '修改' }],
      body: articleForm({
        action: `${WB}/articles/${a.id}`,
        csrf: req.csrfToken,
        columns: await siteColumns(req, site.code),
        values: { columnId: a.columnId, title: v.title, summary: v.summary, body: v.body, author: v.author, source: v.source, kind: a.kind, docNumber: a.docNumber ?? '', category: a.category ?? '', createdDate: a.createdDate ?? '', publishAt: a.publishAt ?? '', shared: a.shared ? '1' : '' },
        errors: [],
      }),
    });
  });

  app.post(`${WB}/articles/:id`, { config: { scope: SCOPES.articleEdit } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    await updateArticle(req.ctx, { id, ...articleInput(body(req)) });
    return reply.flashRedirect(`${WB}/articles/${id}`, { kind: 'success', text: '已保存为新版本。' });
  });

  const step = (path: string, scope: string, fn: (req: FastifyRequest, id: string) => Promise<unknown>, text: string) => {
    app.post(`${WB}/articles/:id/${path}`, { config: { scope } }, async (req, reply) => {
      const id = (req.params as { id: string }).id;
      await fn(req, id);
      return reply.flashRedirect(`${WB}/articles/${id}`, { kind: 'success', text });
    });
  };
  step('submit', SCOPES.articleEdit, (req, id) => submitArticle(req.ctx, { id }), '已送审。');
  step('approve', SCOPES.articleReview, (req, id) => approveArticle(req.ctx, { id }), '审核通过。');
  step('return', SCOPES.articleReview, (req, id) => returnArticle(req.ctx, { id, comment: str(body(req).comment) }), '已退回修改。');
  step('revise', SCOPES.articleEdit, (req, id) => reviseArticle(req.ctx, { id }), '已开始新一轮编辑, 线上版本照常显示。');
  step('withdraw', SCOPES.articleReview, (req, id) => withdrawArticle(req.ctx, { id, reason: str(body(req).reason) }), '已撤稿。');
  step('validity', SCOPES.articleReview, (req, id) => setValidity(req.ctx, { id, validity: str(body(req).validity) as Validity, note: str(body(req).note) }), '效力状态已标注。');
  step('syndicate', SCOPES.articleReview, (req, id) => {
    const c = body(req).columnIds;
    return syndicateArticle(req.ctx, { id, columnIds: Array.isArray(c) ? c.map(String) : c ? [String(c)] : [] });
  }, '已转载。');

  app.get(`${WB}/library`, { config: { scope: SCOPES.articleEdit } }, async (req, reply) => {
    const q = req.query as { q?: string };
    const lib = await listLibrary(req.ctx, { q: q.q });
    const mySites = await sitesForActor(req.ctx, SCOPES.articleEdit);
    const targets: { value: string; label: string }[] = [];
    for (const s of mySites) for (const c of await listColumns(req.ctx, s.code)) targets.push({ value: c.id, label: `${s.name} / ${c.name}` });
    return reply.page({
      title: '统一信息资源库',
      body: html`<form method="get" action="${WB}/library" role="search" aria-label="资源库搜索">${field({ name: 'q', label: '标题包含', value: q.q ?? '' })}${button('查找', { kind: 'secondary' })}</form>
        ${table({
          caption: `资源库 (共 ${lib.total} 条)`,
          rows: lib.items,
          columns: [
            { header: '标题', cell: (a) => html`<a href="/sites/${a.siteCode}/articles/${a.id}">${a.live?.title}</a>` },
            { header: '来源网站', cell: (a) => a.siteName },
            { header: '引用到本站', cell: (a) => (targets.length ? form({ action: `${WB}/library/import`, csrf: req.csrfToken, label: `引用 ${a.live?.title}`, body: html`<input type="hidden" name="sourceId" value="${a.id}">${select({ name: 'columnId', label: '栏目', options: targets })}${button('引用为草稿', { kind: 'secondary' })}` }) : '') },
          ],
        })}`,
    });
  });

  app.post(`${WB}/library/import`, { config: { scope: SCOPES.articleEdit } }, async (req, reply) => {
    const a = await importFromLibrary(req.ctx, { sourceId: str(body(req).sourceId), columnId: str(body(req).columnId) });
    return reply.flashRedirect(`${WB}/articles/${a.id}`, { kind: 'success', text: '已引用为草稿。' });
  });

  // ---- disclosure requests ----
  app.get(`${WB}/requests`, { config: { scope: SCOPES.disclosureHandle } }, async (req, reply) => {
    const list = await listRequestsForStaff(req.ctx);
    return reply.page({
      title: '依申请公开办理',
      body: table({
        caption: '政府信息公开申请',
        rows: list,
        empty: '暂无申请。',
        columns: [
          { header: '回执编号', cell: (r) => html`<a href="${WB}/requests/${r.id}">${r.receiptNo}</a>${r.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}` },
          { header: '申请人', cell: (r) => `${r.applicantName} (${r.applicantTypeLabel})` },
          { header: '收到', cell: (r) => chinaDateTime(r.receivedAt) },
          { header: '状态', cell: (r) => r.statusLabel },
          { header: '答复期限', cell: (r) => (r.replyDueAt ? html`${chinaDay(r.replyDueAt)}${new Date(r.replyDueAt) < req.ctx.clock.now() && r.status !== 'replied' ? html` ${badge('已超期', 'warn')}` : ''}` : '—') },
        ],
      }),
    });
  });

  app.get(`${WB}/requests/:id`, { config: { scope: SCOPES.disclosureHandle } }, async (req, reply) => {
    const r = await getRequest(req.ctx, { id: (req.params as { id: string }).id });
    const open = r.status === 'handling' || r.status === 'consulting' || r.status === 'correction';
    const act = (path: string, label: string, extra: HtmlValue = '', kind: 'primary' | 'secondary' = 'secondary') => form({ action: `${WB}/requests/${r.id}/${path}`, csrf: req.csrfToken, label, body: html`${extra}${button(label, { kind })}` });
    const reasonOptions = OUTCOMES.flatMap((o) => OUTCOME_REASONS[o].map((x) => ({ value: x.code, label: `${OUTCOME_LABELS[o]} — ${x.label}` })));
    return reply.page({
      title: `申请 ${r.receiptNo}`,
      breadcrumbs: [{ label: '依申请公开办理', href: `${WB}/requests` }, { label: r.receiptNo }],
      body: html`<dl class="facts"><dt>申请人</dt><dd>${r.applicantName} (${r.applicantTypeLabel}) · ${r.contactPhone}</dd><dt>受理机关</dt><dd>${r.unitName}</dd>
        <dt>收到申请</dt><dd>${chinaDateTime(r.receivedAt)}</dd><dt>补正告知期限</dt><dd>${chinaDateTime(r.correctionDueAt)}${r.correctionRequestedAt ? html` (已于 ${chinaDateTime(r.correctionRequestedAt)} 告知${r.correctionLate ? ', 超期' : ''})` : ''}</dd>
        <dt>答复期限起算</dt><dd>${chinaDateTime(r.clockStartAt)}${r.correctedAt ? ' (补正后重新起算)' : ''}</dd>
        <dt>答复期限</dt><dd>${r.replyDueAt ? chinaDateTime(r.replyDueAt) : '暂停计时'}${r.extended ? ` (已延期, ${r.extensionApprovedBy} 批准)` : ''}</dd>
        <dt>状态</dt><dd>${r.statusLabel}</dd><dt>申请内容</dt><dd>${r.description}</dd><dt>获取方式</dt><dd>${r.deliveryLabel}</dd>
        ${r.pauses.length ? html`<dt>征求意见</dt><dd><ul>${r.pauses.map((p) => html`<li>${p.party}: ${chinaDateTime(p.from)} 至 ${p.to ? chinaDateTime(p.to) : '进行中'} (第三方期限 ${chinaDay(p.dueAt)})</li>`)}</ul></dd>` : ''}
        ${r.outcome ? html`<dt>答复</dt><dd>${r.outcomeLabel} ${r.outcomeReasonLabel ?? ''}<br>${r.replyText}<br>${r.repliedOnTime ? '按期答复' : '超期答复'} · 信息处理费 ${r.feeAmount} 元</dd>` : ''}
        ${r.caseId ? html`<dt>流程</dt><dd><a href="/workbench/cases/${r.caseId}">办理记录</a></dd>` : ''}</dl>
        ${open ? html`<h2>办理</h2>
          ${r.status === 'handling' && !r.correctionRequestedAt ? act('correction', '一次性告知补正', textarea({ name: 'what', label: '需要补正的内容', required: true, rows: 2 })) : ''}
          ${r.status === 'handling' ? act('consult', '征求第三方意见 (暂停计时)', field({ name: 'party', label: '第三方或机关', required: true })) : ''}
          ${r.status === 'consulting' ? act('consult-end', '结束征求意见 (恢复计时)', field({ name: 'result', label: '征求意见结果' })) : ''}
          ${!r.extended && r.status !== 'correction' && hasScope(req.ctx.actor, SCOPES.disclosureApprove) ? act('extend', '批准延期 20 个工作日', field({ name: 'reason', label: '延期理由 (告知申请人)', required: true })) : ''}
          ${r.status !== 'consulting' ? form({
            action: `${WB}/requests/${r.id}/reply`,
            csrf: req.csrfToken,
            label: '答复',
            body: html`<h3>答复</h3>${select({ name: 'outcome', label: '答复类型', options: OUTCOMES.map((o) => ({ value: o, label: OUTCOME_LABELS[o] })), required: true })}
              ${select({ name: 'reason', label: '具体理由 (不予公开、无法提供、不予处理、其他处理须选择)', options: reasonOptions, placeholder: '无' })}
              ${textarea({ name: 'text', label: '答复内容', required: true, rows: 4 })}
              ${select({ name: 'feeMethod', label: '信息处理费', options: [{ value: 'per_application', label: '按件计收' }, { value: 'per_page', label: '按量计收' }], placeholder: '不收费' })}
              ${field({ name: 'pages', label: '页数 (按量计收时)', type: 'number' })}${button('答复')}`,
          }) : ''}` : ''}`,
    });
  });

  const reqStep = (path: string, scope: string, fn: (req: FastifyRequest, id: string) => Promise<unknown>, text: string) => {
    app.post(`${WB}/requests/:id/${path}`, { config: { scope } }, async (req, reply) => {
      const id = (req.params as { id: string }).id;
      await fn(req, id);
      return reply.flashRedirect(`${WB}/requests/${id}`, { kind: 'success', text });
    });
  };
  reqStep('correction', SCOPES.disclosureHandle, (req, id) => requestCorrection(req.ctx, { id, what: str(body(req).what) }), '已告知申请人补正。');
  reqStep('consult', SCOPES.disclosureHandle, (req, id) => startConsultation(req.ctx, { id, party: str(body(req).party) }), '已开始征求意见, 答复期限暂停计算。');
  reqStep('consult-end', SCOPES.disclosureHandle, (req, id) => endConsultation(req.ctx, { id, result: str(body(req).result) }), '征求意见结束, 恢复计时。');
  reqStep('extend', SCOPES.disclosureApprove, (req, id) => extendRequest(req.ctx, { id, reason: str(body(req).reason) }), '已批准延期。');
  reqStep('reply', SCOPES.disclosureHandle, (req, id) => {
    const b = body(req);
    const feeMethod = str(b.feeMethod);
    return replyToRequest(req.ctx, { id, outcome: str(b.outcome) as Outcome, reason: str(b.reason) || undefined, text: str(b.text), feeMethod: feeMethod === 'per_application' || feeMethod === 'per_page' ? feeMethod : null, pages: str(b.pages) ? Number(b.pages) : undefined });
  }, '已答复。');

  // ---- messages ----
  app.get(`${WB}/messages`, { config: { scope: SCOPES.messageReply } }, async (req, reply) => {
    const list = await listMessagesForStaff(req.ctx);
    const stats = await messageStats(req.ctx, {});
    return reply.page({
      title: '网站留言答复',
      body: html`${table({
        caption: '留言',
        rows: list,
        empty: '暂无留言。',
        columns: [
          { header: '标题', cell: (m) => html`<a href="${WB}/messages/${m.id}">${m.title}</a>${m.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}` },
          { header: '渠道', cell: (m) => m.channelLabel },
          { header: '受理日期', cell: (m) => chinaDay(m.receivedAt) },
          { header: '答复期限', cell: (m) => html`${chinaDay(m.replyDueAt)}${!m.repliedAt && new Date(m.replyDueAt) < req.ctx.clock.now() ? html` ${badge('已超期', 'warn')}` : ''}` },
          { header: '状态', cell: (m) => (m.repliedAt ? '已答复' : '待答复') },
        ],
      })}
      ${table({ caption: '各部门办理统计', rows: stats, columns: [{ header: '部门', cell: (d) => d.unitName }, { header: '收到', cell: (d) => d.received }, { header: '已答复', cell: (d) => d.replied }, { header: '按期', cell: (d) => d.onTime }, { header: '超期未答复', cell: (d) => d.overdue }] })}`,
    });
  });

  app.get(`${WB}/messages/:id`, { config: { scope: SCOPES.messageReply } }, async (req, reply) => {
    const m = await getMessage(req.ctx, { id: (req.params as { id: string }).id });
    return reply.page({
      title: m.title,
      breadcrumbs: [{ label: '网站留言答复', href: `${WB}/messages` }, { label: m.title }],
      body: html`<dl class="facts"><dt>渠道</dt><dd>${m.channelLabel}</dd><dt>留言人</dt><dd>${m.authorName} · ${m.contact}</dd><dt>受理日期</dt><dd>${chinaDateTime(m.receivedAt)}</dd>
        <dt>答复期限</dt><dd>${chinaDateTime(m.replyDueAt)}</dd>${m.pageUrl ? html`<dt>出错页面</dt><dd>${m.pageUrl}</dd>` : ''}<dt>内容</dt><dd>${m.body}</dd>
        <dt>同意公开</dt><dd>${m.publishConsent ? '是' : '否'}</dd>${m.replyText ? html`<dt>答复</dt><dd>${m.replyText}</dd>` : ''}</dl>
        ${m.repliedAt ? '' : form({ action: `${WB}/messages/${m.id}/reply`, csrf: req.csrfToken, label: '答复', body: html`${textarea({ name: 'text', label: '答复内容', required: true })}${m.publishConsent ? html`<div class="check"><input type="checkbox" id="f-publish" name="publish" value="1" checked><label for="f-publish">在网站公开 (留言选登)</label></div>` : ''}${button('答复')}` })}`,
    });
  });

  app.post(`${WB}/messages/:id/reply`, { config: { scope: SCOPES.messageReply } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    await replyToMessage(req.ctx, { id, text: str(body(req).text), publish: str(body(req).publish) === '1' });
    return reply.flashRedirect(`${WB}/messages/${id}`, { kind: 'success', text: '已答复。' });
  });

  // ---- annual report ----
  const reportUnit = (req: FastifyRequest) => {
    const q = req.query as { unitId?: string; year?: string };
    const grant = req.ctx.actor.grants.find((g) => g.unitId === q.unitId && g.scopes.has(SCOPES.reportManage)) ?? req.ctx.actor.grants.find((g) => g.scopes.has(SCOPES.reportManage) || g.scopes.has('*'));
    return { unitId: q.unitId || grant?.unitId || '', year: Number(q.year) || Number(chinaDay(req.ctx.clock.now()).slice(0, 4)) };
  };
  app.get(`${WB}/report`, { config: { scope: SCOPES.reportManage } }, async (req, reply) => {
    const { unitId, year } = reportUnit(req);
    const r = await annualReport(req.ctx, { unitId, year });
    return reply.page({
      title: `${r.unitName}${year}年政府信息公开工作年度报告`,
      body: html`<p><a href="${WB}/report/xlsx?unitId=${unitId}&amp;year=${year}">下载 XLSX</a> · <a href="${WB}/report/pdf?unitId=${unitId}&amp;year=${year}">下载 PDF</a> · <a href="?unitId=${unitId}&amp;year=${year - 1}">上一年度</a></p>
        ${reportTables(r)}
        <h2>填报本平台没有数据来源的数字</h2>
        ${form({ action: `${WB}/report/inputs?unitId=${unitId}&year=${year}`, csrf: req.csrfToken, label: '填报', body: html`${REPORT_INPUT_KEYS.map((k) => field({ name: k.key.replace('.', '__'), label: k.label, type: 'number', value: String(r.inputs[k.key] ?? 0) }))}${button('保存')}` })}
        <h2>撰写文字部分</h2>
        ${form({ action: `${WB}/report/texts?unitId=${unitId}&year=${year}`, csrf: req.csrfToken, label: '撰写文字部分', body: html`${textarea({ name: 'problems', label: '五、存在的主要问题及改进情况 (段落之间空一行)', value: r.texts.problems })}${textarea({ name: 'other', label: '六、其他需要报告的事项 (信息处理费由平台统计, 此处写其他事项)', value: r.texts.other })}${button('保存')}` })}`,
    });
  });
  app.get(`${WB}/report/xlsx`, { config: { scope: SCOPES.reportManage } }, async (req, reply) => {
    const { unitId, year } = reportUnit(req);
    const r = await annualReport(req.ctx, { unitId, year });
    const buf = await annualReportXlsx(r);
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="disclosure-report-${year}.xlsx"; filename*=UTF-8''${encodeURIComponent(`${r.unitName}${year}年政府信息公开工作年度报告.xlsx`)}`)
      .send(buf);
  });
  app.get(`${WB}/report/pdf`, { config: { scope: SCOPES.reportManage } }, async (req, reply) => {
    const { unitId, year } = reportUnit(req);
    const r = await annualReport(req.ctx, { unitId, year });
    const buf = await annualReportPdf(r, { generatedAt: req.ctx.clock.now() });
    return reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="disclosure-report-${year}.pdf"; filename*=UTF-8''${encodeURIComponent(`${r.unitName}${year}年政府信息公开工作年度报告.pdf`)}`)
      .send(buf);
  });
  app.post(`${WB}/report/inputs`, { config: { scope: SCOPES.reportManage } }, async (req, reply) => {
    const { unitId, year } = reportUnit(req);
    const b = body(req);
    const values = Object.fromEntries(REPORT_INPUT_KEYS.map((k) => [k.key, Number(str(b[k.key.replace('.', '__')]) || 0)]));
    await setReportInputs(req.ctx, { unitId, year, values });
    return reply.flashRedirect(`${WB}/report?unitId=${unitId}&year=${year}`, { kind: 'success', text: '已保存。' });
  });
  app.post(`${WB}/report/texts`, { config: { scope: SCOPES.reportManage } }, async (req, reply) => {
    const { unitId, year } = reportUnit(req);
    const b = body(req);
    await setReportTexts(req.ctx, { unitId, year, problems: str(b.problems), other: str(b.other) });
    return reply.flashRedirect(`${WB}/report?unitId=${unitId}&year=${year}`, { kind: 'success', text: '文字部分已保存。' });
  });

  // ---- health (stored results of the worker's checks) ----
  const checkedNote = (h: StoredSiteHealth) => (h.checkedAt ? `检查于 ${chinaDateTime(h.checkedAt)}` : '尚未检查 (后台任务将在几秒内完成首次检查)');
  const healthTable = (list: StoredSiteHealth[]) => table({
    caption: '单项否决指标 (后台定期检查, 发布后立即重查)',
    rows: list,
    columns: [
      { header: '网站', cell: (h) => html`<a href="${WB}/health/${h.code}">${h.name}</a>` },
      ...HEALTH_KEYS.map((k) => ({
        header: HEALTH_LABELS[k],
        cell: (h: StoredSiteHealth) => {
          const c = h.checks.find((x) => x.key === k);
          if (!c) return '—';
          return html`${c.veto ? badge('否决', 'warn') : k === 'broken_links' && c.value > 0 ? badge('扣分', 'warn') : badge('通过', 'ok')} ${c.value < 0 ? '—' : c.value}`;
        },
      })),
      { header: '检查时间', cell: (h) => (h.checkedAt ? chinaDateTime(h.checkedAt) : '尚未检查') },
    ],
  });
  app.get(`${WB}/health`, { config: { scope: SCOPES.healthRead } }, async (req, reply) => {
    const list = await storedGroupHealth(req.ctx);
    const changes = await listHealthChanges(req.ctx, { limit: 30 });
    const names = new Map(list.map((h) => [h.code, h.name]));
    return reply.page({
      title: '网站群健康检查',
      body: html`<p>共 ${list.length} 个网站, ${list.filter((h) => h.vetoed).length} 个触发单项否决, ${list.filter((h) => !h.checkedAt).length} 个尚未检查。每 ${HEALTH_RECHECK_MINUTES} 分钟全部重查一次, 发布、撤稿、答复留言后立即重查。</p>${healthTable(list)}
        <h2>最近的健康状况变化</h2>${changeTable(changes, names)}`,
    });
  });
  app.get(`${WB}/health/:code`, { config: { scope: SCOPES.healthRead } }, async (req, reply) => {
    const site = await requireSite(req.ctx, (req.params as { code: string }).code);
    const h = await storedSiteHealth(req.ctx, site);
    const changes = await listHealthChanges(req.ctx, { siteCode: site.code, limit: 30 });
    return reply.page({
      title: `健康检查: ${site.name}`,
      breadcrumbs: [{ label: '网站群健康检查', href: `${WB}/health` }, { label: site.name }],
      body: html`<p>${checkedNote(h)}${h.vetoed ? html` ${badge('触发单项否决', 'warn')}` : h.checkedAt ? html` ${badge('未触发单项否决', 'ok')}` : ''}</p>
        ${form({ action: `${WB}/health/${site.code}/recheck`, csrf: req.csrfToken, label: '立即检查', body: button('立即重新检查', { kind: 'secondary' }) })}
        ${h.checks.map((c) => html`<section><h2>${c.label} ${c.veto ? badge('单项否决', 'warn') : c.key === 'broken_links' && c.value > 0 ? badge('扣分', 'warn') : badge('通过', 'ok')}</h2>${c.details.length ? html`<ul>${c.details.map((d) => html`<li>${d}</li>`)}</ul>` : html`<p class="empty">无问题。</p>`}</section>`)}
        <h2>健康状况变化记录</h2>${changeTable(changes, new Map([[site.code, site.name]]))}`,
    });
  });
  app.post(`${WB}/health/:code/recheck`, { config: { scope: SCOPES.healthRead } }, async (req, reply) => {
    const code = (req.params as { code: string }).code;
    const h = await recheckSite(req.ctx, { code });
    return reply.flashRedirect(`${WB}/health/${h.code}`, { kind: 'success', text: `已重新检查: ${h.vetoed ? '触发单项否决' : '未触发单项否决'}。` });
  });

  // ---- moderation ----
  app.post(`${WB}/comments/:id/moderate`, { config: { scope: SCOPES.interactionManage } }, async (req, reply) => {
    await moderateComment(req.ctx, { commentId: (req.params as { id: string }).id, decision: str(body(req).decision) as 'approved' | 'rejected' });
    return reply.flashRedirect(req.headers.referer?.startsWith('/') ? req.headers.referer : WB, { kind: 'success', text: '已审核。' });
  });
  app.post(`${WB}/solicitations/:id/feedback`, { config: { scope: SCOPES.interactionManage } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    await publishFeedback(req.ctx, { id, summary: str(body(req).summary) });
    const s = await getSolicitation(req.ctx, { id });
    return reply.flashRedirect(`${WB}/interaction?site=${s.siteCode}`, { kind: 'success', text: '反馈已发布。' });
  });
}

