/**
 * Workbench pages for site administration and interaction management (/workbench/portal/…):
 * opening a site (网站开办, with the 网站标识码 rules), its settings and footer elements
 * (党政机关标识, 标识码, ICP备案号, 公安机关备案号, contact, 我为政府网站找错 entry, theme), and
 * creating, moderating and closing opinion solicitations (意见征集) and online surveys (网上调查).
 * Thin: services decide; a refused form is shown again with the problems beside the fields.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type HtmlValue } from '../../../platform/ui/html.ts';
import { badge, button, errorSummary, field, form, select, table, textarea } from '../../../platform/ui/components.ts';
import { regionPrefixesFor } from '../../../platform/context.ts';
import { isAppError, notFound, type FieldProblem } from '../../../platform/errors.ts';
import { listUnitsForPicker } from '../../directory/index.ts';
import { CHANNELS, CHANNEL_LABELS, CHANNEL_REPLY_DAYS, SCOPES, chinaDateTime, chinaDay, type Channel, type SiteRow } from '../model.ts';
import { SITE_LEVELS, SITE_LEVEL_LABELS, SITE_THEMES, SITE_THEME_LABELS, canOnSite, createSite, listSites, requireSite, updateSite, type SiteView } from '../services/sites.ts';
import { closeInteraction, createSolicitation, createSurvey, getSolicitation, getSurvey, listSolicitations, listSurveys } from '../services/interaction.ts';

const WB = '/workbench/portal';
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const body = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;
const errOf = (errors: FieldProblem[], name: string) => errors.find((e) => e.field === name)?.message;

/** Runs a change; a 400 with field problems renders the form again (status 400) instead of an error page. */
async function orShowAgain(change: () => Promise<FastifyReply>, again: (errors: FieldProblem[], status: number) => Promise<FastifyReply>): Promise<FastifyReply> {
  try {
    return await change();
  } catch (err) {
    if (!isAppError(err) || (err.status !== 400 && err.status !== 409)) throw err;
    return again(err.fields.length ? err.fields : [{ field: 'form', message: err.message }], err.status);
  }
}

const FOOTER_FIELDS: { name: keyof SiteView & string; label: string; hint?: string; max: number }[] = [
  { name: 'organizerName', label: '承办单位', max: 100 },
  { name: 'partyLabel', label: '党政机关网站标识 (编办颁发的标识编号)', max: 50 },
  { name: 'icpNumber', label: 'ICP备案号', hint: '如 豫ICP备05000001号', max: 50 },
  { name: 'policeNumber', label: '公安机关备案号', hint: '如 豫公网安备 41010502000001号', max: 50 },
  { name: 'errorReportUrl', label: '「我为政府网站找错」入口地址', hint: '全国政府网站找错平台中带本站标识码的网址; 留空则使用本站的找错留言表单', max: 500 },
  { name: 'contactPhone', label: '联系电话', max: 30 },
  { name: 'contactEmail', label: '联系邮箱', max: 200 },
  { name: 'address', label: '地址', max: 200 },
];

function siteFields(values: Record<string, string>, errors: FieldProblem[]): HtmlValue {
  return html`${field({ name: 'name', label: '网站名称', value: values.name, required: true, maxLength: 100, error: errOf(errors, 'name') })}
    ${field({ name: 'host', label: '域名', value: values.host, hint: '门户 www.XXX.gov.cn, 部门 AAA.XXX.gov.cn; 留空则只按路径 /sites/{标识码} 访问', maxLength: 253, error: errOf(errors, 'host') })}
    <fieldset><legend>页脚要素</legend>
    ${FOOTER_FIELDS.map((f) => field({ name: f.name, label: f.label, value: values[f.name], hint: f.hint, maxLength: f.max, error: errOf(errors, f.name) }))}
    </fieldset>
    ${select({ name: 'theme', label: '主题', options: SITE_THEMES.map((t) => ({ value: t, label: SITE_THEME_LABELS[t] })), value: values.theme ?? 'red', error: errOf(errors, 'theme') })}`;
}

const siteValues = (b: Record<string, unknown>) => Object.fromEntries(['code', 'name', 'host', 'level', 'parentCode', 'sponsorUnitId', 'theme', 'disclosureGuide', ...FOOTER_FIELDS.map((f) => f.name)].map((k) => [k, str(b[k])]));
const theme = (v: string): SiteRow['theme'] => ((SITE_THEMES as readonly string[]).includes(v) ? v : 'red') as SiteRow['theme'];

export function registerWorkbenchAdminPages(app: FastifyInstance): void {
  // ---- opening a site ----
  const newSitePage = async (req: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldProblem[], status = 200) => {
    const q = str((req.query as Record<string, unknown>).q);
    const units = await listUnitsForPicker(req.ctx, { regionPrefixes: regionPrefixesFor(req.ctx.actor, SCOPES.siteManage), search: q || undefined, limit: 300 });
    const sites = (await listSites(req.ctx)).filter((s) => s.status === 'active');
    return reply.page({
      title: '开办网站',
      status,
      breadcrumbs: [{ label: '政府网站群', href: WB }, { label: '开办网站' }],
      body: html`<p>开办前应完成开办审批、党政机关网站标识、ICP备案、公安机关备案, 并在全国政府网站信息报送系统取得网站标识码。乡镇、街道和县级部门不单独开办网站 (作为县级门户的栏目)。</p>
        <form method="get" action="${WB}/sites/new" role="search" aria-label="查找主办单位">${field({ name: 'q', label: '按名称查找主办单位', value: q })}${button('查找', { kind: 'secondary' })}</form>
        ${errors.length ? errorSummary(errors) : ''}
        ${form({
          action: `${WB}/sites`,
          csrf: req.csrfToken,
          label: '开办网站',
          body: html`${field({ name: 'code', label: '网站标识码', value: values.code, required: true, maxLength: 10, hint: '10 位: 6 位行政区划代码 + 4 位顺序号 (如 4101000001, 顺序号不为 0000); 国务院部门和垂直系统为 bm + 8 位数字 (如 bm55000001)', error: errOf(errors, 'code') })}
            ${select({ name: 'sponsorUnitId', label: '主办单位', required: true, options: units.map((u) => ({ value: u.id, label: `${u.name} (${u.regionCode})` })), value: values.sponsorUnitId, placeholder: units.length ? '请选择' : '您的区划内没有可选的单位', error: errOf(errors, 'sponsorUnitId') })}
            ${select({ name: 'level', label: '网站层级', required: true, options: SITE_LEVELS.map((l) => ({ value: l, label: SITE_LEVEL_LABELS[l] })), value: values.level ?? 'county', error: errOf(errors, 'level') })}
            ${select({ name: 'parentCode', label: '上级网站 (转载信息来源)', options: sites.map((s) => ({ value: s.code, label: `${s.name} (${s.code})` })), value: values.parentCode, placeholder: '无', error: errOf(errors, 'parentCode') })}
            ${siteFields(values, errors)}
            ${button('开办网站')}`,
        })}`,
    });
  };

  app.get(`${WB}/sites/new`, { config: { scope: SCOPES.siteManage } }, async (req, reply) => newSitePage(req, reply, {}, []));

  app.post(`${WB}/sites`, { config: { scope: SCOPES.siteManage } }, async (req, reply) => {
    const v = siteValues(body(req));
    return orShowAgain(async () => {
      const site = await createSite(req.ctx, {
        code: v.code.trim(), name: v.name, host: v.host || null, level: v.level as SiteRow['level'], parentCode: v.parentCode || null, sponsorUnitId: v.sponsorUnitId,
        organizerName: v.organizerName, partyLabel: v.partyLabel, icpNumber: v.icpNumber, policeNumber: v.policeNumber, errorReportUrl: v.errorReportUrl,
        contactPhone: v.contactPhone, contactEmail: v.contactEmail, address: v.address, theme: theme(v.theme),
      });
      return reply.flashRedirect(`${WB}/sites/${site.code}`, { kind: 'success', text: `网站「${site.name}」已开办, 请新增栏目。` });
    }, (errors, status) => newSitePage(req, reply, v, errors, status));
  });

  // ---- settings and footer elements ----
  const settingsPage = async (req: FastifyRequest, reply: FastifyReply, site: SiteView, values: Record<string, string>, errors: FieldProblem[], status = 200) => reply.page({
    title: `网站设置: ${site.name}`,
    status,
    breadcrumbs: [{ label: '政府网站群', href: WB }, { label: site.name, href: `${WB}/sites/${site.code}` }, { label: '网站设置' }],
    body: html`<dl class="facts"><dt>网站标识码</dt><dd>${site.code}</dd><dt>主办单位</dt><dd>${site.sponsorName}</dd><dt>层级</dt><dd>${SITE_LEVEL_LABELS[site.level]}</dd></dl>
      ${errors.length ? errorSummary(errors) : ''}
      ${form({
        action: `${WB}/sites/${site.code}/settings`,
        csrf: req.csrfToken,
        label: '网站设置',
        body: html`${siteFields(values, errors)}
          <fieldset><legend>留言答复期限 (工作日)</legend>
          ${CHANNELS.map((c) => field({ name: `reply_${c}`, label: CHANNEL_LABELS[c], type: 'number', value: values[`reply_${c}`], required: true, hint: `平台默认 ${CHANNEL_REPLY_DAYS[c]} 个工作日${c === 'error_report' ? ' (找错留言应在 3 个工作日内答复)' : ''}`, error: errOf(errors, `replyDays.${c}`) }))}
          </fieldset>
          ${textarea({ name: 'disclosureGuide', label: '政府信息公开指南 (每行一段; ## 开头为小标题; 留空使用平台默认指南)', value: values.disclosureGuide, rows: 8, error: errOf(errors, 'disclosureGuide') })}
          ${button('保存设置')}`,
      })}`,
  });
  const currentValues = (s: SiteView): Record<string, string> => ({
    name: s.name, host: s.host ?? '', theme: s.theme, disclosureGuide: s.disclosureGuide,
    ...Object.fromEntries(CHANNELS.map((c) => [`reply_${c}`, String(s.replyDays[c])])),
    ...Object.fromEntries(FOOTER_FIELDS.map((f) => [f.name, String(s[f.name] ?? '')])),
  });
  const managedSite = async (req: FastifyRequest) => {
    const site = await requireSite(req.ctx, (req.params as { code: string }).code);
    if (!canOnSite(req.ctx, site, SCOPES.siteManage)) throw notFound('site_not_found', '网站不存在或您无权管理。');
    return site;
  };

  app.get(`${WB}/sites/:code/settings`, { config: { scope: SCOPES.siteManage } }, async (req, reply) => {
    const site = await managedSite(req);
    return settingsPage(req, reply, site, currentValues(site), []);
  });

  app.post(`${WB}/sites/:code/settings`, { config: { scope: SCOPES.siteManage } }, async (req, reply) => {
    const site = await managedSite(req);
    const v = { ...siteValues(body(req)), ...Object.fromEntries(CHANNELS.map((c) => [`reply_${c}`, str(body(req)[`reply_${c}`])])) };
    const replyDays: Partial<Record<Channel, number>> = Object.fromEntries(CHANNELS.filter((c) => v[`reply_${c}`] !== '').map((c) => [c, Number(v[`reply_${c}`])]));
    return orShowAgain(async () => {
      await updateSite(req.ctx, {
        replyDays,
        code: site.code, name: v.name, host: v.host, organizerName: v.organizerName, partyLabel: v.partyLabel, icpNumber: v.icpNumber, policeNumber: v.policeNumber,
        errorReportUrl: v.errorReportUrl, contactPhone: v.contactPhone, contactEmail: v.contactEmail, address: v.address, theme: theme(v.theme), disclosureGuide: v.disclosureGuide,
      });
      return reply.flashRedirect(`${WB}/sites/${site.code}/settings`, { kind: 'success', text: '网站设置已保存, 页面已更新。' });
    }, (errors, status) => settingsPage(req, reply, site, v, errors, status));
  });

  // ---- solicitations and surveys ----
  const interactionSite = async (req: FastifyRequest, code: string) => {
    const site = await requireSite(req.ctx, code);
    if (!canOnSite(req.ctx, site, SCOPES.interactionManage)) throw notFound('site_not_found', '网站不存在或您无权管理。');
    return site;
  };
  const state = (req: FastifyRequest, x: { opensOn: string; closesOn: string; closedAt: string | null }) => {
    const today = chinaDay(req.ctx.clock.now());
    if (x.closedAt) return { open: false, label: html`${badge('已提前结束', 'warn')} ${chinaDateTime(x.closedAt)}` };
    if (today < x.opensOn) return { open: true, label: badge('未开始', 'muted') };
    if (today > x.closesOn) return { open: false, label: badge('已结束', 'muted') };
    return { open: true, label: badge('进行中', 'ok') };
  };
  const closeForm = (req: FastifyRequest, kind: 'solicitations' | 'surveys', id: string, title: string) =>
    form({ action: `${WB}/${kind}/${id}/close`, csrf: req.csrfToken, label: `结束 ${title}`, confirm: `确定现在结束「${title}」吗? 结束后不再接受${kind === 'solicitations' ? '意见' : '答卷'}。`, body: button('立即结束', { kind: 'danger' }) });

  app.get(`${WB}/interaction`, { config: { scope: SCOPES.interactionManage } }, async (req, reply) => {
    const site = await interactionSite(req, str((req.query as Record<string, unknown>).site));
    const sols = [];
    for (const s of await listSolicitations(req.ctx, { siteCode: site.code })) sols.push(await getSolicitation(req.ctx, { id: s.id, staff: true }));
    const surveys = [];
    for (const s of await listSurveys(req.ctx, { siteCode: site.code })) surveys.push(await getSurvey(req.ctx, { id: s.id }));
    const moderate = (c: { id: string }, decision: 'approved' | 'rejected', label: string, kind: 'secondary' | 'danger') =>
      form({ action: `${WB}/comments/${c.id}/moderate`, csrf: req.csrfToken, label, body: html`<input type="hidden" name="decision" value="${decision}">${button(label, { kind })}` });
    return reply.page({
      title: `意见征集和网上调查: ${site.name}`,
      breadcrumbs: [{ label: '政府网站群', href: WB }, { label: site.name, href: `${WB}/sites/${site.code}` }, { label: '意见征集和网上调查' }],
      body: html`<p><a href="${WB}/sites/${site.code}/solicitations/new">新建意见征集</a> · <a href="${WB}/sites/${site.code}/surveys/new">新建网上调查</a> · <a href="/sites/${site.code}/interaction">在网站上查看</a></p>
        <h2>意见征集</h2>${sols.length === 0 ? html`<p class="empty">暂无意见征集。</p>` : ''}
        ${sols.map((s) => {
          const st = state(req, s);
          return html`<section><h3>${s.title}${s.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}</h3><p>${s.opensOn} 至 ${s.closesOn} ${st.label} · <a href="/sites/${site.code}/interaction/solicitations/${s.id}">查看</a></p>
          ${st.open ? closeForm(req, 'solicitations', s.id, s.title) : ''}
          ${table({ caption: '公众意见', rows: s.comments, empty: '暂无意见。', columns: [{ header: '提出人', cell: (c) => c.authorName }, { header: '意见', cell: (c) => c.body }, { header: '状态', cell: (c) => ({ pending: '待审核', approved: '已公开', rejected: '不予公开' })[c.status] ?? c.status },
            { header: '审核', cell: (c) => (c.status === 'pending' ? html`${moderate(c, 'approved', '公开', 'secondary')}${moderate(c, 'rejected', '不予公开', 'danger')}` : '') }] })}
          ${form({ action: `${WB}/solicitations/${s.id}/feedback`, csrf: req.csrfToken, label: '发布采纳情况', body: html`${textarea({ name: 'summary', label: '意见采纳情况', value: s.feedbackSummary ?? '' })}${button('发布反馈', { kind: 'secondary' })}` })}</section>`;
        })}
        <h2>网上调查</h2>${surveys.length === 0 ? html`<p class="empty">暂无网上调查。</p>` : ''}
        ${surveys.map((s) => {
          const st = state(req, s);
          return html`<section><h3>${s.title}${s.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}</h3><p>${s.opensOn} 至 ${s.closesOn} ${st.label} · 已有 ${s.responses} 人参加 · <a href="/sites/${site.code}/interaction/surveys/${s.id}">查看</a></p>
          ${st.open ? closeForm(req, 'surveys', s.id, s.title) : ''}
          ${s.questions.map((q, qi) => table({ caption: `${qi + 1}. ${q.text}`, rows: q.options.map((o, oi) => ({ o, n: s.counts[qi][oi] })), columns: [{ header: '选项', cell: (r) => r.o }, { header: '人数', cell: (r) => r.n }] }))}</section>`;
        })}`,
    });
  });

  const today = (req: FastifyRequest) => chinaDay(req.ctx.clock.now());
  const solicitationPage = async (req: FastifyRequest, reply: FastifyReply, site: SiteView, values: Record<string, string>, errors: FieldProblem[], status = 200) => reply.page({
    title: '新建意见征集',
    status,
    breadcrumbs: [{ label: site.name, href: `${WB}/sites/${site.code}` }, { label: '意见征集和网上调查', href: `${WB}/interaction?site=${site.code}` }, { label: '新建意见征集' }],
    body: html`${errors.length ? errorSummary(errors) : ''}${form({
      action: `${WB}/sites/${site.code}/solicitations`,
      csrf: req.csrfToken,
      label: '新建意见征集',
      body: html`${field({ name: 'title', label: '标题', value: values.title, required: true, maxLength: 200, error: errOf(errors, 'title') })}
        ${textarea({ name: 'draftText', label: '征求意见稿 (每行一段; ## 开头为小标题)', value: values.draftText, rows: 12, required: true, error: errOf(errors, 'draftText') })}
        ${field({ name: 'opensOn', label: '开始日期', type: 'date', value: values.opensOn ?? today(req), required: true, error: errOf(errors, 'opensOn') })}
        ${field({ name: 'closesOn', label: '截止日期', type: 'date', value: values.closesOn, required: true, hint: '公开征求意见一般不少于 30 日', error: errOf(errors, 'closesOn') })}
        ${button('发布意见征集')}`,
    })}`,
  });
  app.get(`${WB}/sites/:code/solicitations/new`, { config: { scope: SCOPES.interactionManage } }, async (req, reply) =>
    solicitationPage(req, reply, await interactionSite(req, (req.params as { code: string }).code), {}, []));
  app.post(`${WB}/sites/:code/solicitations`, { config: { scope: SCOPES.interactionManage } }, async (req, reply) => {
    const site = await interactionSite(req, (req.params as { code: string }).code);
    const b = body(req);
    const v = { title: str(b.title), draftText: str(b.draftText), opensOn: str(b.opensOn), closesOn: str(b.closesOn) };
    return orShowAgain(async () => {
      await createSolicitation(req.ctx, { siteCode: site.code, ...v });
      return reply.flashRedirect(`${WB}/interaction?site=${site.code}`, { kind: 'success', text: '意见征集已发布。' });
    }, (errors, status) => solicitationPage(req, reply, site, v, errors, status));
  });

  const SURVEY_SLOTS = 5;
  const surveyPage = async (req: FastifyRequest, reply: FastifyReply, site: SiteView, values: Record<string, string>, errors: FieldProblem[], status = 200) => reply.page({
    title: '新建网上调查',
    status,
    breadcrumbs: [{ label: site.name, href: `${WB}/sites/${site.code}` }, { label: '意见征集和网上调查', href: `${WB}/interaction?site=${site.code}` }, { label: '新建网上调查' }],
    body: html`${errors.length ? errorSummary(errors) : ''}${form({
      action: `${WB}/sites/${site.code}/surveys`,
      csrf: req.csrfToken,
      label: '新建网上调查',
      body: html`${field({ name: 'title', label: '调查标题', value: values.title, required: true, maxLength: 200, error: errOf(errors, 'title') })}
        <p class="hint">单选题, 最多 ${SURVEY_SLOTS} 题; 每题至少两个选项, 每行一个; 不用的题目留空。</p>
        ${Array.from({ length: SURVEY_SLOTS }, (_, i) => html`<fieldset><legend>第 ${i + 1} 题</legend>
          ${field({ name: `q${i}`, label: '题目', value: values[`q${i}`], maxLength: 200, error: errOf(errors, `q${i}`) })}
          ${textarea({ name: `o${i}`, label: '选项 (每行一个)', value: values[`o${i}`], rows: 4, error: errOf(errors, `o${i}`) })}</fieldset>`)}
        ${errOf(errors, 'questions') ? html`<p class="error-text" id="f-questions">${errOf(errors, 'questions')}</p>` : ''}
        ${field({ name: 'opensOn', label: '开始日期', type: 'date', value: values.opensOn ?? today(req), required: true, error: errOf(errors, 'opensOn') })}
        ${field({ name: 'closesOn', label: '截止日期', type: 'date', value: values.closesOn, required: true, error: errOf(errors, 'closesOn') })}
        ${button('发布调查')}`,
    })}`,
  });
  app.get(`${WB}/sites/:code/surveys/new`, { config: { scope: SCOPES.interactionManage } }, async (req, reply) =>
    surveyPage(req, reply, await interactionSite(req, (req.params as { code: string }).code), {}, []));
  app.post(`${WB}/sites/:code/surveys`, { config: { scope: SCOPES.interactionManage } }, async (req, reply) => {
    const site = await interactionSite(req, (req.params as { code: string }).code);
    const b = body(req);
    const v: Record<string, string> = { title: str(b.title), opensOn: str(b.opensOn), closesOn: str(b.closesOn) };
    const problems: FieldProblem[] = [];
    const questions: { text: string; options: string[] }[] = [];
    for (let i = 0; i < SURVEY_SLOTS; i++) {
      v[`q${i}`] = str(b[`q${i}`]);
      v[`o${i}`] = str(b[`o${i}`]);
      const text = v[`q${i}`].trim();
      const options = v[`o${i}`].split(/\r?\n/).map((o) => o.trim()).filter(Boolean);
      if (!text && options.length === 0) continue;
      if (!text) problems.push({ field: `q${i}`, message: `请填写第 ${i + 1} 题的题目` });
      else if (options.length < 2) problems.push({ field: `o${i}`, message: `第 ${i + 1} 题至少需要两个选项` });
      else if (options.length > 20 || options.some((o) => o.length > 100)) problems.push({ field: `o${i}`, message: `第 ${i + 1} 题最多 20 个选项, 每个不超过 100 个字` });
      else questions.push({ text, options });
    }
    if (questions.length === 0 && problems.length === 0) problems.push({ field: 'q0', message: '请至少填写一道题目' });
    if (problems.length) return surveyPage(req, reply, site, v, problems, 400);
    return orShowAgain(async () => {
      await createSurvey(req.ctx, { siteCode: site.code, title: v.title, questions, opensOn: v.opensOn, closesOn: v.closesOn });
      return reply.flashRedirect(`${WB}/interaction?site=${site.code}`, { kind: 'success', text: '网上调查已发布。' });
    }, (errors, status) => surveyPage(req, reply, site, v, errors, status));
  });

  for (const kind of ['solicitations', 'surveys'] as const) {
    app.post(`${WB}/${kind}/:id/close`, { config: { scope: SCOPES.interactionManage } }, async (req, reply) => {
      const r = await closeInteraction(req.ctx, { kind: kind === 'solicitations' ? 'solicitation' : 'survey', id: (req.params as { id: string }).id });
      return reply.flashRedirect(`${WB}/interaction?site=${r.siteCode}`, { kind: 'success', text: kind === 'solicitations' ? '意见征集已结束。' : '调查已结束。' });
    });
  }
}
