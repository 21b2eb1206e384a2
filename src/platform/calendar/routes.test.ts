/**
 * The calendar over HTTP: the JSON API and the workbench page, and who may and may not use them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { staffActor, tokenAuthenticator } from '../../../test/support/actors.ts';
import { csrfFrom } from '../../../test/support/identity.ts';
import { platformModule } from '../platform-module.ts';
import { queryRows, sql } from '../db/index.ts';
import type { Actor } from '../context.ts';
import { calendarModule } from './module.ts';

const citizen: Actor = { kind: 'citizen', userId: null, name: '张三', grants: [] };
const actors: Record<string, Actor> = {
  viewer: staffActor('洛阳工作人员', '410300', []),
  zz: staffActor('郑州市日历管理员', '410100', ['calendar.manage']),
  prov: staffActor('省日历管理员', '410000', ['calendar.manage']),
  citizen,
};
const bearer = (who: string) => ({ authorization: `Bearer ${who}`, accept: 'application/json' });
const cookie = (who: string) => ({ cookie: `egov_session=${who}`, accept: 'text/html' });
// 2026-11-02 10:00 +08:00 (a Monday): late in the year, so the missing 2027 is pending work.
const clock = manualClock(new Date('2026-11-02T02:00:00Z'));

let tp: TestPlatform;

before(async () => {
  tp = await startTestPlatform({ clock, authenticator: tokenAuthenticator(actors), modules: [platformModule, calendarModule] });
});
after(() => tp.close());

const inject = (opts: InjectOptions) => tp.platform.app.inject(opts);

test('GET /api/calendar/add: 3 working days after 2026-09-30 is 2026-10-10, deadline 17:00 +08:00', async () => {
  const res = await inject({ method: 'GET', url: '/api/calendar/add?date=2026-09-30&days=3&region=410000', headers: bearer('viewer') });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { regionCode: '410000', date: '2026-09-30', days: 3, result: '2026-10-10', deadline: '2026-10-10T09:00:00.000Z' });
});

test('GET /api/calendar/add into 2027 answers 422 calendar_year_unknown as problem+json', async () => {
  const res = await inject({ method: 'GET', url: '/api/calendar/add?date=2026-12-20&days=20', headers: bearer('viewer') });
  assert.equal(res.statusCode, 422);
  assert.match(String(res.headers['content-type']), /application\/problem\+json/);
  const body = res.json() as { code: string; detail: string };
  assert.equal(body.code, 'calendar_year_unknown');
  assert.match(body.detail, /^2027 年的法定节假日安排尚未收录/);
  const bad = await inject({ method: 'GET', url: '/api/calendar/add?date=2026-02-30&days=3', headers: bearer('viewer') });
  assert.equal(bad.statusCode, 400);
  assert.equal((bad.json() as { code: string }).code, 'calendar_invalid_date');
});

test('GET /api/calendar/days lists Spring Festival: adjusted working Saturdays, holidays, days off in lieu', async () => {
  const res = await inject({ method: 'GET', url: '/api/calendar/days?from=2026-02-13&to=2026-02-28&region=410000', headers: bearer('viewer') });
  assert.equal(res.statusCode, 200, res.body);
  const days = res.json() as { date: string; kind: string; name: string | null; working: boolean; inLieu: boolean }[];
  assert.equal(days.length, 16);
  const by = new Map(days.map((d) => [d.date, d]));
  assert.deepEqual(by.get('2026-02-14'), { ...by.get('2026-02-14'), kind: 'adjusted_workday', working: true, name: '春节调休上班' });
  assert.deepEqual([by.get('2026-02-17')?.kind, by.get('2026-02-17')?.name], ['holiday', '春节']);
  assert.equal(by.get('2026-02-20')?.inLieu, true);
  assert.equal(by.get('2026-02-24')?.kind, 'workday');
  assert.equal(by.get('2026-02-28')?.kind, 'adjusted_workday');
  const unknown = await inject({ method: 'GET', url: '/api/calendar/days?from=2027-01-01&to=2027-01-02', headers: bearer('viewer') });
  assert.deepEqual((unknown.json() as { yearKnown: boolean; working: null }[]).map((d) => [d.yearKnown, d.working]), [[false, null], [false, null]]);
  const tooLong = await inject({ method: 'GET', url: '/api/calendar/days?from=2025-01-01&to=2026-12-31', headers: bearer('viewer') });
  assert.equal(tooLong.statusCode, 400);
});

test('who may: reading needs a staff account; changing needs calendar.manage within the region', async () => {
  assert.equal((await inject({ method: 'GET', url: '/api/calendar/days?from=2026-02-13&to=2026-02-14', headers: { accept: 'application/json' } })).statusCode, 401);
  assert.equal((await inject({ method: 'GET', url: '/api/calendar/days?from=2026-02-13&to=2026-02-14', headers: bearer('citizen') })).statusCode, 403);
  const body = { regionCode: '410100', date: '2026-06-01', kind: 'holiday', name: '郑州市地方假日 (测试)', reason: '测试' };
  const post = (who: string, b: object) => inject({ method: 'POST', url: '/api/calendar/overrides', headers: { ...bearer(who), 'content-type': 'application/json' }, payload: JSON.stringify(b) });
  assert.equal((await post('viewer', body)).statusCode, 403);
  const outside = await post('zz', { ...body, regionCode: '410300' });
  assert.equal(outside.statusCode, 403);
  assert.equal((outside.json() as { code: string }).code, 'region_forbidden');
  const created = await post('zz', body);
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(created.headers.location, '/api/calendar/overrides/410100/2026-06-01');
  const extra = await post('zz', { ...body, extra: 1 });
  assert.equal(extra.statusCode, 400);
  // The local holiday counts in Zhengzhou's counties, not in Luoyang.
  const zy = await inject({ method: 'GET', url: '/api/calendar/add?date=2026-05-29&days=1&region=410102', headers: bearer('viewer') });
  assert.equal((zy.json() as { result: string }).result, '2026-06-02');
  const ly = await inject({ method: 'GET', url: '/api/calendar/add?date=2026-05-29&days=1&region=410302', headers: bearer('viewer') });
  assert.equal((ly.json() as { result: string }).result, '2026-06-01');
  const listed = await inject({ method: 'GET', url: '/api/calendar/overrides?region=410102&year=2026', headers: bearer('viewer') });
  assert.deepEqual((listed.json() as { regionCode: string; date: string; applies: boolean }[]).map((o) => [o.regionCode, o.date, o.applies]), [['410100', '2026-06-01', true]]);
  const removed = await inject({ method: 'DELETE', url: '/api/calendar/overrides/410100/2026-06-01?reason=测试结束', headers: bearer('zz') });
  assert.equal(removed.statusCode, 200, removed.body);
  const denied = await queryRows<{ n: number }>(tp.database.db, sql`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'access.denied'`);
  assert.ok(denied[0].n >= 2);
});

test('declaring 2027 over the API makes it computable; working hours over the API', async () => {
  const declare = (who: string, b: object) => inject({ method: 'POST', url: '/api/calendar/known-years', headers: { ...bearer(who), 'content-type': 'application/json' }, payload: JSON.stringify(b) });
  assert.equal((await declare('zz', { regionCode: '410000', year: 2027, note: '越权' })).statusCode, 403);
  const setNewYear = await inject({
    method: 'POST',
    url: '/api/calendar/overrides',
    headers: { ...bearer('prov'), 'content-type': 'application/json' },
    payload: JSON.stringify({ regionCode: '410000', date: '2027-01-01', kind: 'holiday', name: '元旦', reason: '2027 年节假日安排 (测试)' }),
  });
  assert.equal(setNewYear.statusCode, 201);
  const ok = await declare('prov', { regionCode: '410000', year: 2027, note: '已录入 (测试)' });
  assert.equal(ok.statusCode, 201, ok.body);
  const add = await inject({ method: 'GET', url: '/api/calendar/add?date=2026-12-20&days=20&region=410100', headers: bearer('viewer') });
  assert.equal((add.json() as { result: string }).result, '2027-01-18');
  const years = await inject({ method: 'GET', url: '/api/calendar/known-years?region=410302', headers: bearer('viewer') });
  assert.deepEqual((years.json() as { declarations: { year: number }[] }).declarations.map((d) => d.year), [2027]);

  const put = await inject({ method: 'PUT', url: '/api/calendar/working-hours', headers: { ...bearer('zz'), 'content-type': 'application/json' }, payload: JSON.stringify({ regionCode: '410100', periods: '08:30-12:00,13:30-17:30' }) });
  assert.equal(put.statusCode, 200, put.body);
  const hours = await inject({ method: 'GET', url: '/api/calendar/working-hours?region=410102', headers: bearer('viewer') });
  assert.deepEqual([(hours.json() as { regionCode: string }).regionCode, (hours.json() as { periods: string }).periods], ['410100', '08:30-12:00,13:30-17:30']);
  const bad = await inject({ method: 'PUT', url: '/api/calendar/working-hours', headers: { ...bearer('zz'), 'content-type': 'application/json' }, payload: JSON.stringify({ regionCode: '410100', periods: '17:00-08:00' }) });
  assert.equal(bad.statusCode, 400);
  assert.equal((await inject({ method: 'DELETE', url: '/api/calendar/working-hours/410100', headers: bearer('zz') })).statusCode, 204);
});

test('the workbench page shows the months, badges and status; forms only for calendar administrators', async () => {
  const page = await inject({ method: 'GET', url: '/workbench/calendar?year=2026&region=410000', headers: cookie('viewer') });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<caption>2026 年二月<\/caption>/);
  assert.match(page.body, /春节调休上班/);
  assert.match(page.body, /国庆节/);
  assert.match(page.body, /href="\/workbench\/calendar"[^>]*>工作日历/);
  assert.doesNotMatch(page.body, /action="\/workbench\/calendar\/overrides"/);
  const admin = await inject({ method: 'GET', url: '/workbench/calendar?year=2028&region=410100', headers: cookie('zz') });
  assert.match(admin.body, /action="\/workbench\/calendar\/overrides"/);
  assert.match(admin.body, /2028 年的法定节假日安排尚未收录/);
  const calc = await inject({ method: 'GET', url: '/workbench/calendar?year=2026&region=410000&calcDate=2026-09-30&calcDays=3', headers: cookie('viewer') });
  assert.match(calc.body, /<strong>2026-10-10<\/strong> \(星期六\)/);
  assert.equal((await inject({ method: 'GET', url: '/workbench/calendar', headers: cookie('citizen') })).statusCode, 403);
  assert.equal((await inject({ method: 'GET', url: '/workbench/calendar', headers: { accept: 'text/html' } })).statusCode, 303);
});

test('adding an override through the page form; bad input re-renders the form with the errors', async () => {
  const page = await inject({ method: 'GET', url: '/workbench/calendar?year=2026&region=410100', headers: cookie('zz') });
  const csrf = csrfFrom(page.body);
  const post = (url: string, fields: Record<string, string>, who = 'zz') =>
    inject({ method: 'POST', url, headers: { ...cookie(who), 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString() });
  const done = await post('/workbench/calendar/overrides', { regionCode: '410100', date: '2026-08-03', kind: 'holiday', name: '郑州测试假日', reason: '测试' });
  assert.equal(done.statusCode, 303, done.body);
  assert.match(String(done.headers.location), /^\/workbench\/calendar\?year=2026&region=410100/);
  const after = await inject({ method: 'GET', url: '/workbench/calendar?year=2026&region=410100', headers: cookie('zz') });
  assert.match(after.body, /郑州测试假日/);
  const bad = await post('/workbench/calendar/overrides', { regionCode: '410100', date: '2026-02-30', kind: 'holiday', name: '', reason: '测试' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /请更正以下问题/);
  assert.match(bad.body, /href="#f-name"/);
  const outside = await post('/workbench/calendar/overrides', { regionCode: '410300', date: '2026-08-03', kind: 'holiday', name: '越权', reason: '测试' });
  assert.equal(outside.statusCode, 403);
  const noCsrf = await inject({ method: 'POST', url: '/workbench/calendar/overrides', headers: { ...cookie('zz'), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'regionCode=410100' });
  assert.equal(noCsrf.statusCode, 403);
  const removed = await post('/workbench/calendar/overrides/remove', { regionCode: '410100', date: '2026-08-03' });
  assert.equal(removed.statusCode, 303);
  const declareBad = await post('/workbench/calendar/known-years', { declareRegion: '410100', declareYear: '2026', declareNote: '数据包已有' });
  assert.equal(declareBad.statusCode, 409);
  assert.match(declareBad.body, /已由数据包/);
  const hours = await post('/workbench/calendar/working-hours', { hoursRegion: '410100', periods: '8点到12点' });
  assert.equal(hours.statusCode, 400);
  assert.match(hours.body, /工作时间「8点到12点」无效/);
});

test('calendar administrators see the missing next year as pending work late in the year', async () => {
  const home = await inject({ method: 'GET', url: '/workbench', headers: cookie('prov') });
  // 2027 was declared for 410000 in an earlier test; 2026 is in the package: nothing pending for the province.
  assert.doesNotMatch(home.body, /节假日安排尚未收录/);
  const revoke = await inject({ method: 'DELETE', url: `/api/calendar/known-years/410000/2027?reason=${encodeURIComponent('测试')}`, headers: bearer('prov') });
  assert.equal(revoke.statusCode, 200, revoke.body);
  const again = await inject({ method: 'GET', url: '/workbench', headers: cookie('zz') });
  assert.match(again.body, /2027 年节假日安排尚未收录 \(410100\)/);
});
