/**
 * The annual report as PDF (parses as PDF, embeds the CJK font subset with the Chinese text),
 * the workbench pages for opening a site and editing its settings and footer elements, creating
 * and closing solicitations and surveys, and site health computed by the worker: stored with the
 * time of the check, broken internal links, messages unanswered for more than 3 months, health
 * changes recorded with an event, rechecks after a publish through the event handler.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { startTestPlatform, manualClock, type TestPlatform } from '../../../test/support/platform.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { createStaff, getPage, loginAs, postForm, type Session } from '../../../test/support/identity.ts';
import type { Actor } from '../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { residentIdCheckChar } from '../../platform/identifiers/index.ts';
import { registerCitizen } from '../identity/index.ts';
import {
  answerSurvey,
  approveArticle,
  commentOnSolicitation,
  createArticle,
  createColumn,
  createSite,
  getSite,
  getSurvey,
  listHealthChanges,
  recheckDueSites,
  replyToMessage,
  storedSiteHealth,
  submitArticle,
  withdrawArticle,
  writeMessage,
} from './index.ts';
import { siteHealthTask } from './services/health-task.ts';

let tp: TestPlatform;
let u: TestUnits;
let admin: Session;
let officer: Session;
let officerUser: Awaited<ReturnType<typeof createStaff>>;
let citizen: Actor;
const clock = manualClock(new Date('2026-03-02T02:00:00Z')); // Monday 10:00 in China
const cols: Record<string, string> = {};
const P = '4100000001';

before(async () => {
  tp = await startTestPlatform({ clock });
  u = await ensureTestUnits(tp);
  const ctx = tp.ctx();
  await createSite(ctx, { code: P, name: '河南省测试门户', host: 'www.henan.gov.cn', level: 'province', sponsorUnitId: u.province });
  cols.news = (await createColumn(ctx, { siteCode: P, slug: 'yaowen', name: '要闻动态', type: 'news' })).id;
  cols.notices = (await createColumn(ctx, { siteCode: P, slug: 'tzgg', name: '通知公告', type: 'notices' })).id;
  admin = await loginAs(tp, await createStaff(tp, { roleScopes: ['portal.site.manage', 'portal.interaction.manage', 'portal.health.read', 'portal.article.edit', 'portal.article.review'], unitId: u.province }));
  officerUser = await createStaff(tp, { roleScopes: ['portal.report.manage', 'portal.health.read'], unitId: u.province });
  officer = await loginAs(tp, officerUser);
  const id17 = '41010219850101123';
  const userId = await registerCitizen(ctx, { name: '李群众', idNumber: `${id17}${residentIdCheckChar(id17)}`, phone: '13900000000', password: 'Apply@2026pass' });
  citizen = { kind: 'citizen', userId, name: '李群众', grants: [] };
});
after(async () => tp?.close());

/** The decoded content of every Flate stream of a PDF (pdfkit compresses pages, fonts and CMaps). */
function inflatedStreams(pdf: Buffer): string[] {
  const out: string[] = [];
  const text = pdf.toString('latin1');
  let at = 0;
  for (;;) {
    const s = text.indexOf('stream\n', at);
    if (s < 0) break;
    const e = text.indexOf('\nendstream', s);
    try {
      out.push(inflateSync(pdf.subarray(s + 7, e)).toString('latin1'));
    } catch {
      // not a Flate stream (or a binary font program): skip
    }
    at = e + 10;
  }
  return out;
}

test('annual report as PDF: a real PDF with the template tables, embedding the Noto Sans SC subset', async () => {
  const page = await getPage(tp, officer, `/workbench/portal/report?unitId=${u.province}&year=2026`);
  assert.equal(page.statusCode, 200);
  assert.ok(page.body.includes(`/workbench/portal/report/pdf?unitId=${u.province}&amp;year=2026`), 'PDF link beside the XLSX one');

  const res = await getPage(tp, officer, `/workbench/portal/report/pdf?unitId=${u.province}&year=2026`);
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  assert.match(String(res.headers['content-type']), /^application\/pdf/);
  assert.match(String(res.headers['content-disposition']), /attachment; filename="disclosure-report-2026\.pdf"/);
  const pdf = res.rawPayload;
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.match(pdf.subarray(-6).toString('latin1'), /%%EOF/);
  const raw = pdf.toString('latin1');
  // Two A4 pages: sections 一–四 with Tables 2 and 3 on the first, Table 4 and 五, 六 after.
  assert.match(raw, /\/Type \/Pages\s*\/Count 2\b/);
  assert.equal((raw.match(/\/Type \/Page\b/g) ?? []).length, 2);
  // The CJK font is embedded (TrueType program, subset tag) — not a reference to a system font.
  assert.match(raw, /\/BaseFont \/[A-Z]{6}\+NotoSansSC/);
  assert.match(raw, /\/FontFile2 \d+ 0 R/);
  assert.match(raw, /\/Subtype \/CIDFontType2/);
  // Text objects on the pages, and the ToUnicode maps carry the Chinese characters used.
  const streams = inflatedStreams(pdf);
  assert.ok(streams.filter((s) => s.includes('BT\n') && s.includes('] TJ') && s.includes('ET\n')).length >= 2, 'text objects on both pages');
  const cmaps = streams.filter((s) => s.includes('begincmap')).join('\n').toLowerCase();
  for (const ch of '政府信息公开工作年度报告行政复议') assert.ok(cmaps.includes(`<${ch.codePointAt(0)!.toString(16).padStart(4, '0')}>`), `${ch} in the ToUnicode map`);

  // The published report has a PDF too (public, rate limited per address).
  const pub = await getPage(tp, null, `/sites/${P}/disclosure/reports/2026/pdf`);
  assert.equal(pub.statusCode, 200);
  assert.equal(pub.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok((await getPage(tp, null, `/sites/${P}/disclosure/reports/2026`)).body.includes(`/sites/${P}/disclosure/reports/2026/pdf`));
});

test('opening a site from the workbench: identifier code rules, sponsor region, errors beside the fields', async () => {
  const form = await getPage(tp, admin, '/workbench/portal/sites/new');
  assert.equal(form.statusCode, 200);
  assert.ok(form.body.includes('6 位行政区划代码 + 4 位顺序号'));
  const base = { name: '洛阳市测试门户', level: 'city', sponsorUnitId: u.luoyang, parentCode: P, host: 'www.luoyang.gov.cn', theme: 'blue' };
  for (const [code, message] of [['41030000', '应为 10 位'], ['4103000000', '不能为 0000'], ['4101000001', '不符'], ['bm00000000', '不能全为 0']] as const) {
    const bad = await postForm(tp, admin, '/workbench/portal/sites', { ...base, code });
    assert.equal(bad.statusCode, 400, code);
    assert.ok(bad.body.includes(message), `${code}: ${message}`);
    assert.ok(bad.body.includes('value="洛阳市测试门户"'), 'the form keeps what was typed');
  }
  const badEmail = await postForm(tp, admin, '/workbench/portal/sites', { ...base, code: '4103000001', contactEmail: 'not-an-email' });
  assert.equal(badEmail.statusCode, 400);
  assert.ok(badEmail.body.includes('电子邮箱格式不正确'));
  const ok = await postForm(tp, admin, '/workbench/portal/sites', { ...base, code: '4103000001', icpNumber: '豫ICP备00000003号' });
  assert.equal(ok.statusCode, 303, ok.body.slice(0, 300));
  assert.equal(ok.headers.location, '/workbench/portal/sites/4103000001');
  const site = await getSite(tp.ctx(), '4103000001');
  assert.equal(site?.sponsorUnitId, u.luoyang);
  assert.equal(site?.parentCode, P);
  assert.equal(site?.theme, 'blue');
  const again = await postForm(tp, admin, '/workbench/portal/sites', { ...base, code: '4103000001', host: '' });
  assert.equal(again.statusCode, 409);
  assert.ok(again.body.includes('已被使用'));
  // A department site: bm + 8 digits.
  assert.equal((await postForm(tp, admin, '/workbench/portal/sites', { code: 'bm41000001', name: '某厅测试网站', level: 'department', sponsorUnitId: u.province })).statusCode, 303);
  // An officer without portal.site.manage may not.
  assert.equal((await getPage(tp, officer, '/workbench/portal/sites/new')).statusCode, 403);
});

test('site settings and footer elements change the public pages', async () => {
  const form = await getPage(tp, admin, `/workbench/portal/sites/${P}/settings`);
  assert.equal(form.statusCode, 200);
  const bad = await postForm(tp, admin, `/workbench/portal/sites/${P}/settings`, { name: '河南省测试门户', errorReportUrl: 'javascript:alert(1)' });
  assert.equal(bad.statusCode, 400);
  assert.ok(bad.body.includes('http(s)://'));
  const zhaocuo = `https://zfwzzc.www.gov.cn/check_web/errorInfo/jcInfoNew?sitecode=${P}`;
  const saved = await postForm(tp, admin, `/workbench/portal/sites/${P}/settings`, {
    name: '河南省测试门户', host: 'www.henan.gov.cn', organizerName: '河南省人民政府办公厅 (测试)', partyLabel: '豫0000001', icpNumber: '豫ICP备05000001号',
    policeNumber: '豫公网安备 41010502000001号', errorReportUrl: zhaocuo, contactPhone: '0371-00000000', contactEmail: 'web@henan.gov.cn', address: '郑州市金水路', theme: 'green',
  });
  assert.equal(saved.statusCode, 303, saved.body.slice(0, 300));
  const home = await getPage(tp, null, `/sites/${P}`);
  for (const s of ['豫ICP备05000001号', '豫公网安备 41010502000001号', '网站标识码: 4100000001', '承办: 河南省人民政府办公厅 (测试)', '0371-00000000', 'web@henan.gov.cn', '党政机关网站标识 豫0000001', 'theme-green']) {
    assert.ok(home.body.includes(s), s);
  }
  assert.ok(home.body.includes(`href="${zhaocuo.replace(/&/g, '&amp;')}"`), 'the 找错 entry points to the configured address');
  // Clearing the entry falls back to the site's own 找错 form.
  await postForm(tp, admin, `/workbench/portal/sites/${P}/settings`, { name: '河南省测试门户', host: 'www.henan.gov.cn', errorReportUrl: '', theme: 'green' });
  assert.ok((await getPage(tp, null, `/sites/${P}`)).body.includes(`/sites/${P}/interaction/write?channel=error_report`));
  // Reply deadlines per channel are a site setting; a new message takes the site's deadline.
  const days = await postForm(tp, admin, `/workbench/portal/sites/${P}/settings`, { name: '河南省测试门户', host: 'www.henan.gov.cn', theme: 'green', reply_consultation: '2', reply_error_report: '0' });
  assert.equal(days.statusCode, 400);
  assert.ok(days.body.includes('我为政府网站找错的答复期限应为 1 至 60 个工作日'));
  assert.equal((await postForm(tp, admin, `/workbench/portal/sites/${P}/settings`, { name: '河南省测试门户', host: 'www.henan.gov.cn', theme: 'green', reply_consultation: '2' })).statusCode, 303);
  assert.equal((await getSite(tp.ctx(), P))?.replyDays.consultation, 2);
  assert.equal((await getSite(tp.ctx(), P))?.replyDays.mailbox, 10, 'unchanged channels keep the default');
  const m = await writeMessage(tp.ctx(citizen), { siteCode: P, channel: 'consultation', authorName: '李群众', contact: '13900000000', title: '期限测试', body: '内容' });
  assert.equal(m.replyDueAt, '2026-03-04T09:00:00.000Z', 'Monday 10:00 + 2 working days = Wednesday 17:00 China time');
  await replyToMessage(tp.ctx(), { id: m.id, text: '已答复。' });
  assert.ok((await getPage(tp, null, `/sites/${P}/interaction`)).body.includes('2 个工作日内答复'));

  // A column tree: a child column with its own update interval, from the site page.
  assert.equal((await postForm(tp, admin, `/workbench/portal/sites/${P}/columns`, { name: '部门动态', slug: 'bmdt', type: 'news', parentId: cols.news, updateDays: '7' })).statusCode, 303);
  const child = await queryOne<{ parent_id: string; update_days: number }>(tp.database.db, sql`SELECT parent_id, update_days FROM portal.columns WHERE site_code = ${P} AND slug = 'bmdt'`);
  assert.deepEqual({ parent: child?.parent_id, days: Number(child?.update_days) }, { parent: cols.news, days: 7 });

  const audit = await queryOne<{ n: string }>(tp.database.db, sql`SELECT count(*) AS n FROM platform.audit_log WHERE action = 'portal.site.update' AND target_id = ${P}`);
  assert.ok(Number(audit?.n) >= 2);
});

test('solicitations and surveys created from the workbench, then closed early', async () => {
  const s = await postForm(tp, admin, `/workbench/portal/sites/${P}/solicitations`, { title: '关于《河南省测试条例 (草案)》公开征求意见', draftText: '第一条 为了测试, 制定本条例。', opensOn: '2026-03-02', closesOn: '2026-04-01' });
  assert.equal(s.statusCode, 303, s.body.slice(0, 300));
  const sol = await queryOne<{ id: string }>(tp.database.db, sql`SELECT id FROM portal.solicitations WHERE site_code = ${P} ORDER BY created_at DESC LIMIT 1`);
  await commentOnSolicitation(tp.ctx(citizen), { id: sol!.id, body: '建议增加一条。' });

  const badSurvey = await postForm(tp, admin, `/workbench/portal/sites/${P}/surveys`, { title: '满意度调查', q0: '您对本站满意吗', o0: '满意', opensOn: '2026-03-02', closesOn: '2026-03-31' });
  assert.equal(badSurvey.statusCode, 400);
  assert.ok(badSurvey.body.includes('至少需要两个选项'));
  const sv = await postForm(tp, admin, `/workbench/portal/sites/${P}/surveys`, {
    title: '网站满意度调查', q0: '您对本站满意吗', o0: '满意\n基本满意\n不满意', q1: '您最常用的栏目', o1: '要闻动态\n通知公告', opensOn: '2026-03-02', closesOn: '2026-03-31',
  });
  assert.equal(sv.statusCode, 303, sv.body.slice(0, 300));
  const survey = await queryOne<{ id: string }>(tp.database.db, sql`SELECT id FROM portal.surveys WHERE site_code = ${P} ORDER BY created_at DESC LIMIT 1`);
  assert.deepEqual((await getSurvey(tp.ctx(), { id: survey!.id })).questions, [{ text: '您对本站满意吗', options: ['满意', '基本满意', '不满意'] }, { text: '您最常用的栏目', options: ['要闻动态', '通知公告'] }]);
  await answerSurvey(tp.ctx(), { id: survey!.id, answers: [0, 1], respondentKey: 'visitor-1' });

  const manage = await getPage(tp, admin, `/workbench/portal/interaction?site=${P}`);
  assert.equal(manage.statusCode, 200);
  for (const x of ['关于《河南省测试条例 (草案)》公开征求意见', '建议增加一条。', '网站满意度调查', '已有 1 人参加', '立即结束']) assert.ok(manage.body.includes(x), x);

  assert.equal((await postForm(tp, admin, `/workbench/portal/solicitations/${sol!.id}/close`)).statusCode, 303);
  assert.equal((await postForm(tp, admin, `/workbench/portal/surveys/${survey!.id}/close`)).statusCode, 303);
  await assert.rejects(commentOnSolicitation(tp.ctx(citizen), { id: sol!.id, body: '晚到的意见' }), /不在意见征集期内/);
  await assert.rejects(answerSurvey(tp.ctx(), { id: survey!.id, answers: [1, 0], respondentKey: 'visitor-2' }), /不在调查期内/);
  assert.equal((await postForm(tp, admin, `/workbench/portal/surveys/${survey!.id}/close`)).statusCode, 409);
  const pub = await getPage(tp, null, `/sites/${P}/interaction/surveys/${survey!.id}`);
  assert.ok(pub.body.includes('提前结束'));
  assert.ok(!pub.body.includes('name="q0"'), 'no answer form once closed');
  const events = await queryRows<{ type: string }>(tp.database.db, sql`SELECT type FROM platform.outbox_events WHERE type IN ('portal.solicitation.created', 'portal.solicitation.closed', 'portal.survey.created', 'portal.survey.closed')`);
  assert.deepEqual([...new Set(events.map((e) => e.type))].sort(), ['portal.solicitation.closed', 'portal.solicitation.created', 'portal.survey.closed', 'portal.survey.created']);
});

test('site health: computed by the worker, stored with the time, changes recorded; rechecked after publishing', async () => {
  const ctx = tp.ctx();
  const publishNow = async (columnId: string, title: string, body: string) => {
    const a = await createArticle(ctx, { siteCode: P, columnId, title, body });
    await submitArticle(ctx, { id: a.id });
    await approveArticle(ctx, { id: a.id });
    return a.id;
  };
  const target = await publishNow(cols.notices, '被链接的通知', '正文。');
  const gone = await publishNow(cols.notices, '将被撤稿的通知', '正文。');
  await withdrawArticle(ctx, { id: gone, reason: '测试' });
  await publishNow(cols.news, '带链接的要闻', [
    `见[通知](/sites/${P}/articles/${target})和[旧通知](/sites/${P}/articles/${gone})。`,
    `栏目[不存在](/sites/${P}/c/meiyou), [本站栏目](/c/yaowen), [按域名](https://www.henan.gov.cn/articles/${target}), [外站](https://www.gov.cn/zhengce/), [附件](/files/01890000-0000-7000-8000-000000000000)。`,
  ].join('\n'));

  // The worker task: its first tick checks every active site (due on first sight).
  const task = await siteHealthTask.start({ systemCtx: () => tp.platform.systemCtx(), services: tp.platform.services });
  await task.stop();
  const first = await storedSiteHealth(ctx, (await getSite(ctx, P))!);
  assert.equal(first.checkedAt, clock.now().toISOString());
  const links = first.checks.find((c) => c.key === 'broken_links')!;
  assert.equal(links.value, 3, links.details.join('\n'));
  assert.ok(links.details.some((d) => d.includes(`/articles/${gone}`) && d.includes('已撤稿')));
  assert.ok(links.details.some((d) => d.includes('/c/meiyou') && d.includes('栏目「meiyou」不存在')));
  assert.ok(links.details.some((d) => d.includes('/files/') && d.includes('附件不存在')));
  assert.equal(first.vetoed, false);
  const page = await getPage(tp, officer, `/workbench/portal/health/${P}`);
  assert.ok(page.body.includes(`检查于 ${new Date(clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')}`));
  assert.ok(page.body.includes('出现扣分问题'));

  // Nothing due: nothing checked.
  assert.equal(await recheckDueSites(ctx), 0);

  // A consultation left unanswered for more than 3 months vetoes at the next periodic check.
  const msg = await writeMessage(tp.ctx(citizen), { siteCode: P, channel: 'consultation', authorName: '李群众', contact: '13900000000', title: '咨询办事时间', body: '请问周末是否办公?' });
  clock.advance(91 * 86_400_000);
  assert.ok((await recheckDueSites(ctx)) >= 1);
  const stale = await storedSiteHealth(ctx, (await getSite(ctx, P))!);
  assert.equal(stale.vetoed, true);
  assert.equal(stale.checks.find((c) => c.key === 'unanswered')?.value, 1);
  assert.equal(stale.checks.find((c) => c.key === 'homepage')?.veto, true);
  const raised = await listHealthChanges(ctx, { siteCode: P });
  assert.deepEqual(raised.filter((c) => c.change === 'veto_raised').map((c) => c.checkKey).sort(), ['homepage', 'unanswered']);
  const event = await queryOne<{ payload: { vetoed: boolean; vetoKeys: string[] } }>(tp.database.db, sql`SELECT payload FROM platform.outbox_events WHERE type = 'portal.site.health_changed' ORDER BY occurred_at DESC LIMIT 1`);
  assert.equal(event?.payload.vetoed, true);
  assert.deepEqual([...event!.payload.vetoKeys].sort(), ['homepage', 'unanswered']);

  // Reply and publish: the events make the site due at once (handler), and the vetoes clear.
  clock.advance(60_000);
  await replyToMessage(tp.ctx(), { id: msg.id, text: '周六上午办公。' });
  await publishNow(cols.news, '新的要闻', '正文。');
  assert.equal(await recheckDueSites(ctx), 0, 'not due before the events are handled');
  await tp.platform.dispatcher.drain();
  assert.ok((await recheckDueSites(ctx)) >= 1);
  const fresh = await storedSiteHealth(ctx, (await getSite(ctx, P))!);
  assert.equal(fresh.checkedAt, clock.now().toISOString());
  assert.equal(fresh.vetoed, false);
  const cleared = (await listHealthChanges(ctx, { siteCode: P })).filter((c) => c.change === 'veto_cleared').map((c) => c.checkKey).sort();
  assert.deepEqual(cleared, ['homepage', 'unanswered']);
  officer = await loginAs(tp, officerUser); // 91 days later: a new session
  const group = await getPage(tp, officer, '/workbench/portal/health');
  assert.equal(group.statusCode, 200);
  assert.ok(group.body.includes('单项否决消除'));
  // 立即重新检查 from the page.
  assert.equal((await postForm(tp, officer, `/workbench/portal/health/${P}/recheck`)).statusCode, 303);
});
