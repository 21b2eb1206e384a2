/**
 * Sites and publishing on a real platform: the site identifier code, the publishing round with
 * review on the workflow engine (HTTP forms as the editor and the reviewer), the render cache
 * purged on publish (ETag, 304), serving by host name, scheduled publishing, withdrawal, policy
 * validity, syndication to a child site, and Chinese search with filters and highlights.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform, manualClock, type TestPlatform } from '../../../test/support/platform.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { createStaff, getPage, loginAs, postForm, type Session } from '../../../test/support/identity.ts';
import type { Actor } from '../../platform/context.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import {
  approveArticle,
  checkSiteCode,
  createArticle,
  createColumn,
  createSite,
  publishDueArticles,
  renderCache,
  searchArticles,
  setValidity,
  submitArticle,
  syndicateArticle,
  withdrawArticle,
} from './index.ts';
import { VERSION_CHECK_MS } from './pages/cache.ts';

let tp: TestPlatform;
let u: TestUnits;
let editor: Session;
let reviewer: Session;
let otherEditor: Session;
let staffId: string;
const clock = manualClock(new Date('2026-03-02T02:00:00Z')); // Monday 10:00 in China
const cols: Record<string, string> = {};

before(async () => {
  tp = await startTestPlatform({ clock });
  u = await ensureTestUnits(tp);
  const ctx = tp.ctx();
  await createSite(ctx, { code: '4100000001', name: '河南省测试门户', host: 'www.henan.gov.cn', level: 'province', sponsorUnitId: u.province, icpNumber: '豫ICP备00000001号', policeNumber: '豫公网安备 41000000000001号', partyLabel: '4100000001' });
  await createSite(ctx, { code: '4101000001', name: '郑州市测试门户', level: 'city', parentCode: '4100000001', sponsorUnitId: u.zhengzhou });
  cols.news = (await createColumn(ctx, { siteCode: '4100000001', slug: 'yaowen', name: '要闻动态', type: 'news' })).id;
  cols.policies = (await createColumn(ctx, { siteCode: '4100000001', slug: 'zcwj', name: '政策文件', type: 'policies' })).id;
  cols.zzPolicies = (await createColumn(ctx, { siteCode: '4101000001', slug: 'zcwj', name: '政策文件', type: 'policies' })).id;
  editor = await loginAs(tp, await createStaff(tp, { roleCode: 'portal_editor', unitId: u.province }));
  reviewer = await loginAs(tp, await createStaff(tp, { roleCode: 'portal_reviewer', unitId: u.province }));
  otherEditor = await loginAs(tp, await createStaff(tp, { roleCode: 'portal_editor', unitId: u.zhengzhou }));
  staffId = (await createStaff(tp, { roleCode: 'portal_reviewer', unitId: u.province })).id;
});
after(async () => tp?.close());

test('site identifier code: 6-digit region + 4-digit sequence, or bm + 8 digits', async () => {
  assert.deepEqual(checkSiteCode('4100000001'), { ok: true, kind: 'local', regionCode: '410000', sequence: '0001' });
  assert.equal(checkSiteCode('1303000020').ok, true);
  assert.deepEqual(checkSiteCode('bm55000001'), { ok: true, kind: 'department', sequence: '55000001' });
  for (const bad of ['410000001', '41000000012', '4100000000', '9900000001', 'BM55000001', 'bm5500000x', 'bm00000000', '4100120001', '']) {
    assert.equal(checkSiteCode(bad).ok, false, bad);
  }
  // The service also checks the region exists and matches the sponsor unit.
  await assert.rejects(createSite(tp.ctx(), { code: '4103000001', name: '错配', level: 'city', sponsorUnitId: u.zhengzhou }), /不符/);
  await assert.rejects(createSite(tp.ctx(), { code: '4100000001', name: '重复', level: 'province', sponsorUnitId: u.province }), /已被使用/);
});

test('publish with review: editor drafts and submits, reviewer approves; the page and its cache follow', async () => {
  const home1 = await getPage(tp, editor, '/sites/4100000001');
  assert.equal(home1.statusCode, 200);
  const etag1 = String(home1.headers.etag);
  // Footer elements monitors check.
  for (const s of ['网站标识码: 4100000001', '豫ICP备00000001号', '豫公网安备 41000000000001号', '党政机关', '我为政府网站找错', '主办: 河南省人民政府 (测试)']) assert.ok(home1.body.includes(s), s);
  // Same version, same visitor: 304.
  const cached = await tp.platform.app.inject({ method: 'GET', url: '/sites/4100000001', headers: { accept: 'text/html', cookie: editor.cookie, 'if-none-match': etag1 } });
  assert.equal(cached.statusCode, 304);

  const created = await postForm(tp, editor, '/sites/4100000001/articles'.replace('/sites', '/workbench/portal/sites'), {
    columnId: cols.news, title: '全省春季植树造林现场会召开', body: '今年春季全省计划完成造林一百万亩。\n各地要抓住有利时机。', createdDate: '2026-03-02',
  });
  assert.equal(created.statusCode, 303, created.body.slice(0, 300));
  const id = String(created.headers.location).split('/').pop()!;
  // Not on the site yet.
  assert.equal((await getPage(tp, null, `/sites/4100000001/articles/${id}`)).statusCode, 404);
  // The editor cannot approve; another site's editor does not even see it.
  assert.equal((await postForm(tp, otherEditor, `/workbench/portal/articles/${id}/submit`)).statusCode, 404);
  assert.equal((await postForm(tp, editor, `/workbench/portal/articles/${id}/submit`)).statusCode, 303);
  assert.equal((await postForm(tp, editor, `/workbench/portal/articles/${id}/approve`)).statusCode, 403);
  // Reviewer returns it, editor fixes, submits again, reviewer approves.
  assert.equal((await postForm(tp, reviewer, `/workbench/portal/articles/${id}/return`, { comment: '请补充时间' })).statusCode, 303);
  assert.equal((await postForm(tp, editor, `/workbench/portal/articles/${id}`, { columnId: cols.news, title: '全省春季植树造林现场会在郑州召开', body: '3月2日, 全省春季植树造林现场会召开。今年春季全省计划完成造林一百万亩。' })).statusCode, 303);
  assert.equal((await postForm(tp, editor, `/workbench/portal/articles/${id}/submit`)).statusCode, 303);
  assert.equal((await postForm(tp, reviewer, `/workbench/portal/articles/${id}/approve`)).statusCode, 303);

  const row = await queryOne<{ status: string; live_version: number; current_version: number; case_id: string }>(tp.database.db, sql`SELECT status, live_version, current_version, case_id FROM portal.articles WHERE id = ${id}`);
  assert.equal(row?.status, 'published');
  assert.equal(Number(row?.live_version), 2);
  const kase = await queryOne<{ state: string; status: string }>(tp.database.db, sql`SELECT state, status FROM workflow.cases WHERE id = ${row!.case_id}`);
  assert.deepEqual(kase, { state: 'published', status: 'closed' });

  const page = await getPage(tp, null, `/sites/4100000001/articles/${id}`);
  assert.equal(page.statusCode, 200);
  assert.ok(page.body.includes('全省春季植树造林现场会在郑州召开'));
  // The home page is re-rendered: a new version, the new item listed, the old ETag no longer matches.
  const home2 = await tp.platform.app.inject({ method: 'GET', url: '/sites/4100000001', headers: { accept: 'text/html', cookie: editor.cookie, 'if-none-match': etag1 } });
  assert.equal(home2.statusCode, 200);
  assert.notEqual(home2.headers.etag, etag1);
  assert.ok(home2.body.includes('全省春季植树造林现场会在郑州召开'));
  // Served by host name too.
  const byHost = await tp.platform.app.inject({ method: 'GET', url: `/articles/${id}`, headers: { host: 'www.henan.gov.cn', accept: 'text/html' } });
  assert.equal(byHost.statusCode, 200);
  assert.ok(byHost.body.includes('全省春季植树造林现场会在郑州召开'));
  assert.ok((await tp.platform.app.inject({ method: 'GET', url: '/c/yaowen/rss.xml', headers: { host: 'www.henan.gov.cn' } })).body.includes(`/articles/${id}`));
  assert.ok((await getPage(tp, null, '/sites/4100000001/sitemap.xml')).body.includes(`/sites/4100000001/articles/${id}`));

  // Withdrawal purges too.
  await withdrawArticle(tp.ctx(), { id, reason: '测试撤稿' });
  assert.equal((await getPage(tp, null, `/sites/4100000001/articles/${id}`)).statusCode, 404);
  assert.ok(!(await getPage(tp, null, '/sites/4100000001')).body.includes('全省春季植树造林现场会在郑州召开'));
  assert.ok(renderCache.hits > 0);
});

const actorOf = (name: string): Actor => ({ kind: 'staff', userId: staffId, name, grants: [{ roleCode: 't', roleName: 't', unitId: u.province, unitName: '省政府', regionCode: '410000', regionPrefix: '41', scopes: new Set(['portal.article.edit', 'portal.article.review']) }] });

test('catalogue, late publication flag, scheduled publishing, validity and syndication', async () => {
  const ctx = tp.ctx(actorOf('省网站审核员'));
  // Created 2026-01-26, published 2026-03-02: across the Spring Festival holiday, more than 20 working days.
  const a = await createArticle(ctx, { siteCode: '4100000001', columnId: cols.policies, title: '河南省人民政府关于促进民营经济发展的若干意见', body: '为促进民营经济发展壮大, 提出如下意见。', kind: 'normative', docNumber: '豫政〔2026〕5号', createdDate: '2026-01-26' });
  await submitArticle(ctx, { id: a.id });
  const pub = await approveArticle(ctx, { id: a.id });
  assert.match(pub.indexNo ?? '', /^4100000001\/2026-\d{5}$/);
  assert.equal(pub.lateDisclosure, true);
  assert.ok((pub.disclosureWorkingDays ?? 0) > 20);

  // Scheduled: approved now, live only when the worker runs after its time.
  const later = new Date(clock.now().getTime() + 3_600_000).toISOString();
  const s = await createArticle(ctx, { siteCode: '4100000001', columnId: cols.news, title: '定时发布的要闻', body: '定时发布测试正文。', publishAt: later });
  await submitArticle(ctx, { id: s.id });
  assert.equal((await approveArticle(ctx, { id: s.id })).status, 'scheduled');
  assert.equal(await publishDueArticles(tp.ctx()), 0);
  clock.advance(3_600_000 + 1000);
  assert.equal(await publishDueArticles(tp.ctx()), 1);
  assert.equal((await getPage(tp, null, `/sites/4100000001/articles/${s.id}`)).statusCode, 200);

  // Validity marked on the original.
  await setValidity(ctx, { id: a.id, validity: 'repealed', note: '被豫政〔2026〕9号废止' });
  const page = await getPage(tp, null, `/sites/4100000001/articles/${a.id}`);
  assert.ok(page.body.includes('本文件已废止'));
  assert.ok(page.body.includes('被豫政〔2026〕9号废止'));

  // Syndication to the child site; not to unrelated columns.
  const { created } = await syndicateArticle(ctx, { id: a.id, columnIds: [cols.zzPolicies] });
  assert.equal(created.length, 1);
  const copy = await getPage(tp, null, `/sites/4101000001/articles/${created[0].id}`);
  assert.equal(copy.statusCode, 200);
  assert.ok(copy.body.includes('转载自'));
  await assert.rejects(syndicateArticle(ctx, { id: a.id, columnIds: [cols.news] }), /下级网站/);
});

test('search in Chinese: bigram matching, filters, highlights, titles and policies first', async () => {
  const ctx = tp.ctx(actorOf('省网站编辑'));
  const mk = async (title: string, body: string, columnId: string, kind: 'article' | 'normative' = 'article') => {
    const a = await createArticle(ctx, { siteCode: '4100000001', columnId, title, body, kind });
    await submitArticle(ctx, { id: a.id });
    return (await approveArticle(ctx, { id: a.id })).id;
  };
  const inTitle = await mk('优化营商环境十条措施', '提出十条具体措施。', cols.policies, 'normative');
  const inBody = await mk('全省经济运行情况通报', '一季度全省经济平稳, 营商环境持续改善。', cols.news);
  await mk('春耕生产有序推进', '各地抓好春耕备耕。', cols.news);

  const r = await searchArticles(tp.ctx(), { q: '营商环境' });
  const ids = r.hits.map((h) => h.id);
  assert.ok(ids.includes(inTitle) && ids.includes(inBody));
  assert.ok(ids.indexOf(inTitle) < ids.indexOf(inBody), 'a title match ranks first');
  const bodyHit = r.hits.find((h) => h.id === inBody)!;
  assert.equal(bodyHit.snippet.slice(bodyHit.snippetMarks[0][0], bodyHit.snippetMarks[0][1]), '营商环境');
  // A phrase the segmenter may cut differently still matches through its bigrams; an absent one does not.
  assert.ok((await searchArticles(tp.ctx(), { q: '备耕' })).hits.length >= 1);
  assert.equal((await searchArticles(tp.ctx(), { q: '航天发射' })).total, 0);
  // Filters: column type, site, date.
  assert.deepEqual((await searchArticles(tp.ctx(), { q: '营商环境', type: 'news' })).hits.map((h) => h.id), [inBody]);
  assert.equal((await searchArticles(tp.ctx(), { q: '营商环境', siteCode: '4101000001' })).total, 0);
  assert.equal((await searchArticles(tp.ctx(), { q: '营商环境', to: '2026-01-01' })).total, 0);
  // The page shows highlights.
  const page = await getPage(tp, null, `/sites/4100000001/search?q=${encodeURIComponent('营商环境')}`);
  assert.equal(page.statusCode, 200);
  assert.ok(page.body.includes('<mark>营商环境</mark>'));
  const group = await getPage(tp, null, `/sites/search?q=${encodeURIComponent('营商环境')}`);
  assert.ok(group.body.includes('<mark>营商环境</mark>'));
});

test('anonymous fast path: cached page without session work, ETag/Last-Modified 304s, purged on publish; signed-in visitors get their own form', async () => {
  const app = tp.platform.app;
  const url = '/sites/4100000001';
  const anon = (headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...headers } });
  await anon(); // fills the cache if another test left it stale
  const fast0 = renderCache.fastHits;
  const hit = await anon();
  assert.equal(hit.statusCode, 200);
  assert.equal(renderCache.fastHits, fast0 + 1, 'served by the fast path');
  assert.equal(hit.headers['set-cookie'], undefined, 'no visitor cookie: no session work');
  assert.match(String(hit.headers.etag), /^W\/"p\d+-0"$/);
  assert.ok(hit.headers['last-modified'], 'fast path check');
  assert.equal(hit.headers['cache-control'], 'no-cache');
  assert.ok(String(hit.headers['content-security-policy']).includes("script-src 'self'"), 'security headers still set');
  assert.equal(hit.headers['x-content-type-options'], 'nosniff');
  // No per-visitor token in the cached page: the 长者模式 switch is a link to the form page.
  assert.ok(!hit.body.includes('_csrf') && !hit.body.includes('__PORTAL_CSRF__'), 'fast path check');
  assert.ok(hit.body.includes('href="/portal/a11y?back=%2Fsites%2F4100000001"'), 'fast path check');
  assert.ok(hit.body.includes('网站标识码: 4100000001'), 'fast path check');

  // Conditional requests.
  assert.equal((await anon({ 'if-none-match': String(hit.headers.etag) })).statusCode, 304);
  assert.equal((await anon({ 'if-modified-since': String(hit.headers['last-modified']) })).statusCode, 304);
  assert.equal((await anon({ 'if-none-match': 'W/"p0-0"' })).statusCode, 200);
  assert.equal(renderCache.fastHits, fast0 + 4);

  // The a11y cookie selects a variant.
  await anon({ cookie: 'egov_a11y=1' });
  const big = await anon({ cookie: 'egov_a11y=1' });
  assert.match(String(big.headers.etag), /^W\/"p\d+-1"$/);
  assert.ok(big.body.includes('退出长者模式'), 'fast path check');
  assert.match(big.body, /<html lang="zh-CN" class="portal theme-\w+ a11y">/);

  // By host name too.
  await app.inject({ method: 'GET', url: '/', headers: { host: 'www.henan.gov.cn', accept: 'text/html' } });
  const byHost = await app.inject({ method: 'GET', url: '/', headers: { host: 'www.henan.gov.cn', accept: 'text/html' } });
  assert.equal(byHost.statusCode, 200);
  assert.equal(renderCache.fastHits, fast0 + 6);

  // A signed-in visitor takes the normal path and gets the switch form with their own token.
  // (A fresh login: earlier tests moved the clock past the other sessions' idle timeout.)
  const visitor = await loginAs(tp, await createStaff(tp, { roleCode: 'portal_editor', unitId: u.province }));
  const mine = await getPage(tp, visitor, url);
  assert.equal(mine.statusCode, 200);
  assert.equal(renderCache.fastHits, fast0 + 6);
  assert.ok(mine.body.includes(`name="_csrf" value="${visitor.csrf}"`), 'the switch form with the visitor\'s token');
  assert.match(String(mine.headers.etag), /-s/);
  assert.equal(mine.headers['cache-control'], 'private, no-cache');

  // The form page for anonymous visitors carries their token.
  const switchPage = await app.inject({ method: 'GET', url: '/portal/a11y?back=/sites/4100000001', headers: { accept: 'text/html' } });
  assert.equal(switchPage.statusCode, 200);
  assert.match(switchPage.body, /action="\/preferences\/a11y"[\s\S]*name="_csrf" value="[A-Za-z0-9_-]{20,}"[\s\S]*name="back" value="\/sites\/4100000001"/);

  // Publish in this process: visible at once to the next anonymous request.
  const ctx = tp.ctx(actorOf('省网站审核员'));
  const a = await createArticle(ctx, { siteCode: '4100000001', columnId: cols.news, title: '快速通道发布即时可见测试', body: '正文。' });
  await submitArticle(ctx, { id: a.id });
  await approveArticle(ctx, { id: a.id });
  const after1 = await anon({ 'if-none-match': String(hit.headers.etag) });
  assert.equal(after1.statusCode, 200);
  assert.notEqual(after1.headers.etag, hit.headers.etag);
  assert.ok(after1.body.includes('快速通道发布即时可见测试'), 'fast path check');
  const fast1 = renderCache.fastHits;
  assert.ok((await anon()).body.includes('快速通道发布即时可见测试'), 'fast path check');
  assert.equal(renderCache.fastHits, fast1 + 1);

  // A change made by another process (the version bumped in the database only) is seen within VERSION_CHECK_MS.
  await tp.database.db.execute(sql`UPDATE portal.sites SET name = '河南省测试门户(改名)', content_version = content_version + 1 WHERE code = '4100000001'`);
  await new Promise((r) => setTimeout(r, VERSION_CHECK_MS + 50));
  const renamed = await anon();
  assert.ok(renamed.body.includes('河南省测试门户(改名)'), 'fast path check');
  await tp.database.db.execute(sql`UPDATE portal.sites SET name = '河南省测试门户', content_version = content_version + 1 WHERE code = '4100000001'`);
});
