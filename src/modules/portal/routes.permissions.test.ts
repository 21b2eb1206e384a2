/**
 * Who may and who may not: every route of the portal module, called through the real app by a
 * user holding its scope (real accounts, real logins; fixtures put in the right state first), by
 * one who does not, and anonymously. A spy module collects the routes the module registers, so a
 * new route without a line here fails the test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { anonymousSession, createStaff, loginAs, type Session } from '../../../test/support/identity.ts';
import type { Actor } from '../../platform/context.ts';
import { residentIdCheckChar } from '../../platform/identifiers/index.ts';
import { registerCitizen } from '../identity/index.ts';
import {
  applyForInformation,
  approveArticle,
  commentOnSolicitation,
  createArticle,
  createColumn,
  createSite,
  createSolicitation,
  createSurvey,
  getSolicitation,
  startConsultation,
  submitArticle,
  writeMessage,
} from './index.ts';
import { routeSpy, type Body, json, form } from '../../../test/support/routes.ts';

type UserKey = 'editor' | 'reviewer' | 'officer' | 'leader' | 'admin' | 'other' | 'citizen' | 'anonymous';

let tp: TestPlatform;
let u: TestUnits;
const { spy, registered } = routeSpy();
const sessions = {} as Record<UserKey, Session>;
let citizenActor: Actor;
let officerActor: Actor;
const cols: Record<string, string> = {};
let shared: { article: string; solicitation: string; survey: string } = { article: '', solicitation: '', survey: '' };

interface RouteCase {
  route: string;
  url: () => Promise<string>;
  allowed: UserKey;
  denied: UserKey | null;
  status: number;
  body?: (s: Session) => Body | Promise<Body>;
  host?: string;
}

const sys = () => tp.ctx();

async function draft(): Promise<string> {
  return (await createArticle(sys(), { siteCode: '4100000001', columnId: cols.news, title: '权限测试信息', body: '权限测试正文。' })).id;
}
async function reviewing(): Promise<string> {
  const id = await draft();
  await submitArticle(sys(), { id });
  return id;
}
async function published(): Promise<string> {
  const id = await reviewing();
  await approveArticle(sys(), { id });
  return id;
}
async function request(): Promise<string> {
  return (await applyForInformation(tp.ctx(citizenActor), { siteCode: '4100000001', applicantType: 'person', applicantName: '李申请', contactPhone: '13900000000', description: '权限测试申请', delivery: 'online' })).id;
}
async function consulting(): Promise<string> {
  const id = await request();
  await startConsultation(tp.ctx(officerActor), { id, party: '某企业' });
  return id;
}
async function message(): Promise<string> {
  return (await writeMessage(tp.ctx(citizenActor), { siteCode: '4100000001', channel: 'consultation', authorName: '李申请', contact: '13900000000', title: '权限测试留言', body: '内容', publishConsent: true })).id;
}
async function pendingComment(): Promise<string> {
  await commentOnSolicitation(tp.ctx(citizenActor), { id: shared.solicitation, body: `意见 ${Math.random()}` });
  const s = await getSolicitation(sys(), { id: shared.solicitation, staff: true });
  return s.comments.filter((c) => c.status === 'pending').at(-1)!.id;
}

const S = '/sites/4100000001';
const W = '/workbench/portal';
const articleForm = (s: Session) => form(s, { columnId: cols.news, title: '表单信息', body: '表单正文' });

const CASES: RouteCase[] = [
  // API
  { route: 'GET /api/portal/sites', url: async () => '/api/portal/sites', allowed: 'anonymous', denied: null, status: 200 },
  { route: 'POST /api/portal/sites', url: async () => '/api/portal/sites', allowed: 'admin', denied: 'other', status: 201, body: () => json({ code: '4103000001', name: '洛阳测试门户', level: 'city', sponsorUnitId: u.luoyang, parentCode: '4100000001' }) },
  { route: 'GET /api/portal/search', url: async () => `/api/portal/search?q=${encodeURIComponent('权限测试')}`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'POST /api/portal/articles', url: async () => '/api/portal/articles', allowed: 'editor', denied: 'other', status: 201, body: () => json({ siteCode: '4100000001', columnId: cols.news, title: '接口信息', body: '接口正文' }) },
  { route: 'GET /api/portal/articles/:id', url: async () => `/api/portal/articles/${shared.article}`, allowed: 'editor', denied: 'citizen', status: 200 },
  { route: 'POST /api/portal/articles/:id/submit', url: async () => `/api/portal/articles/${await draft()}/submit`, allowed: 'editor', denied: 'other', status: 200 },
  { route: 'POST /api/portal/articles/:id/approve', url: async () => `/api/portal/articles/${await reviewing()}/approve`, allowed: 'reviewer', denied: 'editor', status: 200 },
  { route: 'POST /api/portal/articles/:id/withdraw', url: async () => `/api/portal/articles/${await published()}/withdraw`, allowed: 'reviewer', denied: 'editor', status: 200, body: () => json({ reason: '测试' }) },
  { route: 'POST /api/portal/requests', url: async () => '/api/portal/requests', allowed: 'citizen', denied: null, status: 201, body: () => json({ siteCode: '4100000001', applicantType: 'person', applicantName: '李申请', contactPhone: '13900000000', description: '接口申请', delivery: 'online' }) },
  { route: 'GET /api/portal/requests/:id', url: async () => `/api/portal/requests/${await request()}`, allowed: 'citizen', denied: null, status: 200 },
  { route: 'GET /api/portal/reports/:unitId/:year', url: async () => `/api/portal/reports/${u.province}/2026`, allowed: 'officer', denied: 'other', status: 200 },

  // Public pages by path
  { route: 'GET /portal/assets/portal.css', url: async () => '/portal/assets/portal.css', allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /sites', url: async () => '/sites', allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /portal/a11y', url: async () => '/portal/a11y?back=/sites/4100000001', allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /sites/search', url: async () => `/sites/search?q=${encodeURIComponent('权限')}`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /sites/:code', url: async () => S, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /sites/:code/c/:slug', url: async () => `${S}/c/yaowen`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /sites/:code/articles/:id', url: async () => `${S}/articles/${shared.article}`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /sites/:code/search', url: async () => `${S}/search?q=${encodeURIComponent('权限')}`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /sites/:code/c/:slug/rss.xml', url: async () => `${S}/c/yaowen/rss.xml`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /sites/:code/sitemap.xml', url: async () => `${S}/sitemap.xml`, allowed: 'anonymous', denied: null, status: 200 },
  // … and by host name
  { route: 'GET /', url: async () => '/', allowed: 'anonymous', denied: null, status: 200, host: 'www.henan.gov.cn' },
  { route: 'GET /c/:slug', url: async () => '/c/yaowen', allowed: 'anonymous', denied: null, status: 200, host: 'www.henan.gov.cn' },
  { route: 'GET /articles/:id', url: async () => `/articles/${shared.article}`, allowed: 'anonymous', denied: null, status: 200, host: 'www.henan.gov.cn' },
  { route: 'GET /search', url: async () => '/search?q=x', allowed: 'anonymous', denied: null, status: 200, host: 'www.henan.gov.cn' },
  { route: 'GET /c/:slug/rss.xml', url: async () => '/c/yaowen/rss.xml', allowed: 'anonymous', denied: null, status: 200, host: 'www.henan.gov.cn' },
  { route: 'GET /sitemap.xml', url: async () => '/sitemap.xml', allowed: 'anonymous', denied: null, status: 200, host: 'www.henan.gov.cn' },

  // Disclosure and interaction (public / signed in)
  { route: 'GET /sites/:code/disclosure', url: async () => `${S}/disclosure`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /sites/:code/disclosure/guide', url: async () => `${S}/disclosure/guide`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /sites/:code/disclosure/reports/:year', url: async () => `${S}/disclosure/reports/2026`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /sites/:code/disclosure/reports/:year/pdf', url: async () => `${S}/disclosure/reports/2026/pdf`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /sites/:code/apply', url: async () => `${S}/apply`, allowed: 'citizen', denied: null, status: 200 },
  { route: 'POST /sites/:code/apply', url: async () => `${S}/apply`, allowed: 'citizen', denied: null, status: 303, body: (s) => form(s, { applicantType: 'person', applicantName: '李申请', contactPhone: '13900000000', description: '表单申请', delivery: 'online' }) },
  { route: 'GET /sites/:code/interaction', url: async () => `${S}/interaction`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /sites/:code/interaction/write', url: async () => `${S}/interaction/write?channel=error_report`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'POST /sites/:code/interaction/write', url: async () => `${S}/interaction/write`, allowed: 'anonymous', denied: null, status: 303, body: (s) => form(s, { channel: 'error_report', authorName: '访客', contact: '13900000000', title: '链接错误', body: '某页面链接错误' }) },
  { route: 'GET /sites/:code/interaction/solicitations/:id', url: async () => `${S}/interaction/solicitations/${shared.solicitation}`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'POST /sites/:code/interaction/solicitations/:id', url: async () => `${S}/interaction/solicitations/${shared.solicitation}`, allowed: 'citizen', denied: null, status: 303, body: (s) => form(s, { body: '我的意见' }) },
  { route: 'GET /sites/:code/interaction/surveys/:id', url: async () => `${S}/interaction/surveys/${shared.survey}`, allowed: 'anonymous', denied: null, status: 200 },
  { route: 'POST /sites/:code/interaction/surveys/:id', url: async () => `${S}/interaction/surveys/${shared.survey}`, allowed: 'anonymous', denied: null, status: 303, body: (s) => form(s, { q0: '0' }) },
  { route: 'GET /my/portal', url: async () => '/my/portal', allowed: 'citizen', denied: null, status: 200 },
  { route: 'GET /my/portal/requests/:id', url: async () => `/my/portal/requests/${await request()}`, allowed: 'citizen', denied: null, status: 200 },
  { route: 'POST /my/portal/requests/:id/correct', url: async () => {
    const id = await request();
    const { requestCorrection } = await import('./index.ts');
    await requestCorrection(tp.ctx(officerActor), { id, what: '请补正' });
    return `/my/portal/requests/${id}/correct`;
  }, allowed: 'citizen', denied: null, status: 303, body: (s) => form(s, { description: '补正后的内容' }) },
  { route: 'POST /my/portal/requests/:id/withdraw', url: async () => `/my/portal/requests/${await request()}/withdraw`, allowed: 'citizen', denied: null, status: 303, body: (s) => form(s, {}) },
  { route: 'GET /my/portal/messages/:id', url: async () => `/my/portal/messages/${await message()}`, allowed: 'citizen', denied: null, status: 200 },

  // Workbench
  { route: 'GET /workbench/portal', url: async () => W, allowed: 'editor', denied: 'citizen', status: 200 },
  { route: 'GET /workbench/portal/sites/:code', url: async () => `${W}/sites/4100000001`, allowed: 'editor', denied: 'citizen', status: 200 },
  { route: 'GET /workbench/portal/sites/new', url: async () => `${W}/sites/new`, allowed: 'admin', denied: 'editor', status: 200 },
  { route: 'POST /workbench/portal/sites', url: async () => `${W}/sites`, allowed: 'admin', denied: 'editor', status: 303, body: (s) => form(s, { code: 'bm41000009', name: '权限测试部门网站', level: 'department', sponsorUnitId: u.province }) },
  { route: 'GET /workbench/portal/sites/:code/settings', url: async () => `${W}/sites/4100000001/settings`, allowed: 'admin', denied: 'editor', status: 200 },
  { route: 'POST /workbench/portal/sites/:code/settings', url: async () => `${W}/sites/4100000001/settings`, allowed: 'admin', denied: 'editor', status: 303, body: (s) => form(s, { name: '河南省测试门户', host: 'www.henan.gov.cn', icpNumber: '豫ICP备00000001号', theme: 'red' }) },
  { route: 'GET /workbench/portal/sites/:code/solicitations/new', url: async () => `${W}/sites/4100000001/solicitations/new`, allowed: 'admin', denied: 'editor', status: 200 },
  { route: 'POST /workbench/portal/sites/:code/solicitations', url: async () => `${W}/sites/4100000001/solicitations`, allowed: 'admin', denied: 'editor', status: 303, body: (s) => form(s, { title: '表单征集', draftText: '草案', opensOn: '2026-03-02', closesOn: '2026-04-01' }) },
  { route: 'GET /workbench/portal/sites/:code/surveys/new', url: async () => `${W}/sites/4100000001/surveys/new`, allowed: 'admin', denied: 'editor', status: 200 },
  { route: 'POST /workbench/portal/sites/:code/surveys', url: async () => `${W}/sites/4100000001/surveys`, allowed: 'admin', denied: 'editor', status: 303, body: (s) => form(s, { title: '表单调查', q0: '满意吗', o0: '是\n否', opensOn: '2026-03-02', closesOn: '2026-04-01' }) },
  { route: 'POST /workbench/portal/solicitations/:id/close', url: async () => `${W}/solicitations/${await createSolicitation(sys(), { siteCode: '4100000001', title: '待结束的征集', draftText: '草案', opensOn: '2026-03-02', closesOn: '2026-04-01' })}/close`, allowed: 'admin', denied: 'editor', status: 303, body: (s) => form(s, {}) },
  { route: 'POST /workbench/portal/surveys/:id/close', url: async () => `${W}/surveys/${await createSurvey(sys(), { siteCode: '4100000001', title: '待结束的调查', questions: [{ text: '满意吗', options: ['是', '否'] }], opensOn: '2026-03-02', closesOn: '2026-04-01' })}/close`, allowed: 'admin', denied: 'editor', status: 303, body: (s) => form(s, {}) },
  { route: 'POST /workbench/portal/sites/:code/columns', url: async () => `${W}/sites/4100000001/columns`, allowed: 'admin', denied: 'editor', status: 303, body: (s) => form(s, { name: '新栏目', slug: `c${Date.now()}`, type: 'news' }) },
  { route: 'GET /workbench/portal/sites/:code/articles/new', url: async () => `${W}/sites/4100000001/articles/new`, allowed: 'editor', denied: 'other', status: 200 },
  { route: 'POST /workbench/portal/sites/:code/articles', url: async () => `${W}/sites/4100000001/articles`, allowed: 'editor', denied: 'other', status: 303, body: articleForm },
  { route: 'GET /workbench/portal/articles/:id', url: async () => `${W}/articles/${shared.article}`, allowed: 'editor', denied: 'citizen', status: 200 },
  { route: 'GET /workbench/portal/articles/:id/edit', url: async () => `${W}/articles/${await draft()}/edit`, allowed: 'editor', denied: 'other', status: 200 },
  { route: 'POST /workbench/portal/articles/:id', url: async () => `${W}/articles/${await draft()}`, allowed: 'editor', denied: 'other', status: 303, body: articleForm },
  { route: 'POST /workbench/portal/articles/:id/submit', url: async () => `${W}/articles/${await draft()}/submit`, allowed: 'editor', denied: 'other', status: 303, body: (s) => form(s, {}) },
  { route: 'POST /workbench/portal/articles/:id/approve', url: async () => `${W}/articles/${await reviewing()}/approve`, allowed: 'reviewer', denied: 'editor', status: 303, body: (s) => form(s, {}) },
  { route: 'POST /workbench/portal/articles/:id/return', url: async () => `${W}/articles/${await reviewing()}/return`, allowed: 'reviewer', denied: 'editor', status: 303, body: (s) => form(s, { comment: '请修改' }) },
  { route: 'POST /workbench/portal/articles/:id/revise', url: async () => `${W}/articles/${await published()}/revise`, allowed: 'editor', denied: 'other', status: 303, body: (s) => form(s, {}) },
  { route: 'POST /workbench/portal/articles/:id/withdraw', url: async () => `${W}/articles/${await published()}/withdraw`, allowed: 'reviewer', denied: 'editor', status: 303, body: (s) => form(s, { reason: '测试' }) },
  { route: 'POST /workbench/portal/articles/:id/validity', url: async () => `${W}/articles/${await published()}/validity`, allowed: 'reviewer', denied: 'editor', status: 303, body: (s) => form(s, { validity: 'lapsed', note: '到期' }) },
  { route: 'POST /workbench/portal/articles/:id/syndicate', url: async () => `${W}/articles/${await published()}/syndicate`, allowed: 'reviewer', denied: 'editor', status: 303, body: (s) => form(s, { columnIds: cols.zz }) },
  { route: 'GET /workbench/portal/library', url: async () => `${W}/library`, allowed: 'editor', denied: 'other', status: 200 },
  { route: 'POST /workbench/portal/library/import', url: async () => `${W}/library/import`, allowed: 'editor', denied: 'other', status: 303, body: (s) => form(s, { sourceId: shared.article, columnId: cols.news }) },
  { route: 'GET /workbench/portal/requests', url: async () => `${W}/requests`, allowed: 'officer', denied: 'other', status: 200 },
  { route: 'GET /workbench/portal/requests/:id', url: async () => `${W}/requests/${await request()}`, allowed: 'officer', denied: 'other', status: 200 },
  { route: 'POST /workbench/portal/requests/:id/correction', url: async () => `${W}/requests/${await request()}/correction`, allowed: 'officer', denied: 'other', status: 303, body: (s) => form(s, { what: '请写明文号' }) },
  { route: 'POST /workbench/portal/requests/:id/consult', url: async () => `${W}/requests/${await request()}/consult`, allowed: 'officer', denied: 'other', status: 303, body: (s) => form(s, { party: '某企业' }) },
  { route: 'POST /workbench/portal/requests/:id/consult-end', url: async () => `${W}/requests/${await consulting()}/consult-end`, allowed: 'officer', denied: 'other', status: 303, body: (s) => form(s, { result: '同意' }) },
  { route: 'POST /workbench/portal/requests/:id/extend', url: async () => `${W}/requests/${await request()}/extend`, allowed: 'leader', denied: 'officer', status: 303, body: (s) => form(s, { reason: '材料多' }) },
  { route: 'POST /workbench/portal/requests/:id/reply', url: async () => `${W}/requests/${await request()}/reply`, allowed: 'officer', denied: 'other', status: 303, body: (s) => form(s, { outcome: 'disclosed', text: '予以公开' }) },
  { route: 'GET /workbench/portal/messages', url: async () => `${W}/messages`, allowed: 'officer', denied: 'other', status: 200 },
  { route: 'GET /workbench/portal/messages/:id', url: async () => `${W}/messages/${await message()}`, allowed: 'officer', denied: 'other', status: 200 },
  { route: 'POST /workbench/portal/messages/:id/reply', url: async () => `${W}/messages/${await message()}/reply`, allowed: 'officer', denied: 'other', status: 303, body: (s) => form(s, { text: '答复', publish: '1' }) },
  { route: 'GET /workbench/portal/report', url: async () => `${W}/report?unitId=${u.province}&year=2026`, allowed: 'officer', denied: 'other', status: 200 },
  { route: 'GET /workbench/portal/report/pdf', url: async () => `${W}/report/pdf?unitId=${u.province}&year=2026`, allowed: 'officer', denied: 'other', status: 200 },
  { route: 'GET /workbench/portal/report/xlsx', url: async () => `${W}/report/xlsx?unitId=${u.province}&year=2026`, allowed: 'officer', denied: 'other', status: 200 },
  { route: 'POST /workbench/portal/report/inputs', url: async () => `${W}/report/inputs?unitId=${u.province}&year=2026`, allowed: 'officer', denied: 'other', status: 303, body: (s) => form(s, { licensing: '12', reconsideration__upheld: '1' }) },
  { route: 'POST /workbench/portal/report/texts', url: async () => `${W}/report/texts?unitId=${u.province}&year=2026`, allowed: 'officer', denied: 'other', status: 303, body: (s) => form(s, { problems: '公开栏目更新不够及时。\n\n下一年度将按月检查。', other: '' }) },
  { route: 'GET /workbench/portal/health', url: async () => `${W}/health`, allowed: 'officer', denied: 'other', status: 200 },
  { route: 'GET /workbench/portal/health/:code', url: async () => `${W}/health/4100000001`, allowed: 'officer', denied: 'other', status: 200 },
  { route: 'POST /workbench/portal/health/:code/recheck', url: async () => `${W}/health/4100000001/recheck`, allowed: 'officer', denied: 'other', status: 303, body: (s) => form(s, {}) },
  { route: 'GET /workbench/portal/interaction', url: async () => `${W}/interaction?site=4100000001`, allowed: 'admin', denied: 'other', status: 200 },
  { route: 'POST /workbench/portal/comments/:id/moderate', url: async () => `${W}/comments/${await pendingComment()}/moderate`, allowed: 'admin', denied: 'other', status: 303, body: (s) => form(s, { decision: 'approved' }) },
  { route: 'POST /workbench/portal/solicitations/:id/feedback', url: async () => `${W}/solicitations/${shared.solicitation}/feedback`, allowed: 'admin', denied: 'other', status: 303, body: (s) => form(s, { summary: '采纳情况' }) },
];

const SCOPES_OF: Record<Exclude<UserKey, 'anonymous' | 'citizen'>, string[]> = {
  editor: ['portal.article.edit'],
  reviewer: ['portal.article.edit', 'portal.article.review'],
  officer: ['portal.disclosure.handle', 'portal.report.manage', 'portal.message.reply', 'portal.health.read'],
  leader: ['portal.disclosure.approve', 'portal.disclosure.handle'],
  admin: ['portal.site.manage', 'portal.interaction.manage', 'portal.health.read', 'portal.article.edit', 'portal.article.review'],
  other: ['directory.unit.read'],
};

before(async () => {
  const { deploymentModules, manualClock } = await import('../../../test/support/platform.ts');
  // A fixed day in a year whose holidays are known (extensions reach 40 working days ahead).
  tp = await startTestPlatform({ modules: [spy, ...deploymentModules], clock: manualClock(new Date('2026-03-02T02:00:00Z')) });
  u = await ensureTestUnits(tp);
  await createSite(sys(), { code: '4100000001', name: '河南省测试门户', host: 'www.henan.gov.cn', level: 'province', sponsorUnitId: u.province });
  await createSite(sys(), { code: '4101000001', name: '郑州市测试门户', level: 'city', parentCode: '4100000001', sponsorUnitId: u.zhengzhou });
  cols.news = (await createColumn(sys(), { siteCode: '4100000001', slug: 'yaowen', name: '要闻动态', type: 'news' })).id;
  cols.zz = (await createColumn(sys(), { siteCode: '4101000001', slug: 'yaowen', name: '要闻动态', type: 'news' })).id;
  for (const key of Object.keys(SCOPES_OF) as (keyof typeof SCOPES_OF)[]) {
    const user = await createStaff(tp, { roleScopes: SCOPES_OF[key], unitId: u.province });
    sessions[key] = await loginAs(tp, user);
    if (key === 'officer') {
      officerActor = { kind: 'staff', userId: user.id, name: '政务公开专员', grants: [{ roleCode: 't', roleName: 't', unitId: u.province, unitName: '省政府', regionCode: '410000', regionPrefix: '41', scopes: new Set(SCOPES_OF.officer) }] };
    }
  }
  const id17 = '41010219850101123';
  const idNumber = `${id17}${residentIdCheckChar(id17)}`;
  const userId = await registerCitizen(sys(), { name: '李申请', idNumber, phone: '13900000000', password: 'Apply@2026pass' });
  citizenActor = { kind: 'citizen', userId, name: '李申请', grants: [] };
  sessions.citizen = await loginAs(tp, { loginName: idNumber, password: 'Apply@2026pass' });
  sessions.anonymous = await anonymousSession(tp);
  const today = '2026-03-02';
  const later = '2026-04-01';
  const art = await createArticle(sys(), { siteCode: '4100000001', columnId: cols.news, title: '权限测试共享信息', body: '权限测试正文。', shared: true });
  await submitArticle(sys(), { id: art.id });
  await approveArticle(sys(), { id: art.id });
  shared = {
    article: art.id,
    solicitation: await createSolicitation(sys(), { siteCode: '4100000001', title: '征求意见', draftText: '草案', opensOn: today, closesOn: later }),
    survey: await createSurvey(sys(), { siteCode: '4100000001', title: '调查', questions: [{ text: '满意吗', options: ['是', '否'] }], opensOn: today, closesOn: later }),
  };
});
after(async () => {
  await tp?.close();
});

async function call(c: RouteCase, who: UserKey, url: string) {
  const s = sessions[who];
  const [method] = c.route.split(' ');
  const body = c.body ? await c.body(s) : undefined;
  const headers: Record<string, string> = { accept: c.route.includes(' /api/') ? 'application/json' : 'text/html', ...(s.cookie ? { cookie: s.cookie } : {}), ...(s.csrf ? { 'x-csrf-token': s.csrf } : {}), ...(c.host ? { host: c.host } : {}) };
  if (body) headers['content-type'] = body.contentType;
  return tp.platform.app.inject({ method: method as 'GET' | 'POST', url, headers, payload: body?.payload });
}

const HOST_ROUTES = ['GET /', 'GET /c/:slug', 'GET /articles/:id', 'GET /search', 'GET /c/:slug/rss.xml', 'GET /sitemap.xml'];

test('every portal route has a case here', () => {
  const ours = registered.filter((r) => /^\w+ (\/api\/portal|\/workbench\/portal|\/sites|\/portal\/|\/my\/portal)/.test(r) || HOST_ROUTES.includes(r));
  assert.deepEqual([...new Set(ours)].sort(), CASES.map((c) => c.route).sort());
});

for (const c of CASES) {
  test(`${c.route}: ${c.allowed} may${c.denied ? `, ${c.denied} may not` : ''}`, async () => {
    const url = await c.url();
    const ok = await call(c, c.allowed, url);
    assert.equal(ok.statusCode, c.status, `${c.allowed}: ${ok.body.slice(0, 400)}`);
    if (c.status === 303 && c.route.startsWith('POST')) assert.doesNotMatch(String(ok.headers.location), /login/);
    const [method] = c.route.split(' ');
    if (c.denied) {
      const no = await call(c, c.denied, url);
      assert.equal(no.statusCode, 403, `${c.denied}: ${no.body.slice(0, 300)}`);
      if (c.route.includes(' /api/')) assert.equal(no.json().code, 'forbidden');
    }
    if (c.allowed !== 'anonymous') {
      const anon = await call(c, 'anonymous', url);
      if (method === 'GET' && !c.route.includes(' /api/')) assert.deepEqual([anon.statusCode, String(anon.headers.location).startsWith('/login')], [303, true]);
      else assert.ok([401, 403].includes(anon.statusCode), `anonymous: ${anon.statusCode}`);
    }
  });
}
