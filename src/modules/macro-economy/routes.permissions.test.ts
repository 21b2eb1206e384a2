/**
 * Who may and who may not: every route of the macro-economy module, called through the real app by a
 * user holding its scope and by one who does not, and anonymously; a member system reads through
 * an API key. A spy module collects the routes the module registers, so a new route without a
 * line here fails the test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestPlatform } from '../../../test/support/platform.ts';
import { deploymentModules, startTestPlatform } from '../../../test/support/platform.ts';
import { anonymousSession, createStaff, loginAs, type Session } from '../../../test/support/identity.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { assignRole, createRole, createServiceAccount, issueApiKey } from '../identity/index.ts';
import { createIndicator, recordValue } from './index.ts';
import { queryRows, sql } from '../../platform/db/index.ts';
import { SCOPES } from './model.ts';
import { routeSpy, type Body, json, form, multipart } from '../../../test/support/routes.ts';

type UserKey = 'reader' | 'admin' | 'writer' | 'other' | 'anonymous';

let tp: TestPlatform;
let units: TestUnits;
const { spy, registered } = routeSpy();
const sessions = {} as Record<UserKey, Session>;

interface RouteCase {
  route: string;
  url: () => Promise<string>;
  allowed: UserKey;
  denied: UserKey;
  status: number;
  body?: (s: Session) => Body | Promise<Body>;
}


let seq = 0;
const value = (o: Record<string, unknown> = {}) => ({ indicatorCode: 'GDP', regionCode: '410100', period: String(1990 + ++seq), value: '123.4', ...o });

const CASES: RouteCase[] = [
  { route: 'GET /api/macro/indicators', url: async () => '/api/macro/indicators?q=生产', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /api/macro/indicators', url: async () => '/api/macro/indicators', allowed: 'admin', denied: 'writer', status: 201, body: () => json({ code: `API_${++seq}`, name: '接口指标', unit: '亿元', frequency: 'quarter', sourceUnitId: units.province }) },
  { route: 'GET /api/macro/indicators/:code', url: async () => '/api/macro/indicators/GDP', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'PATCH /api/macro/indicators/:code', url: async () => '/api/macro/indicators/GDP', allowed: 'admin', denied: 'writer', status: 200, body: () => json({ definition: `改 ${++seq}` }) },
  { route: 'GET /api/macro/values', url: async () => '/api/macro/values?indicator=GDP&regions=410100&from=2000', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /api/macro/values', url: async () => '/api/macro/values', allowed: 'writer', denied: 'reader', status: 200, body: () => json(value()) },
  { route: 'GET /api/macro/values/history', url: async () => '/api/macro/values/history?indicator=GDP&region=410100&period=2024', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/macro/compare', url: async () => '/api/macro/compare?indicator=GDP&period=2024', allowed: 'reader', denied: 'other', status: 200 },
  // Pages
  { route: 'GET /workbench/macro', url: async () => '/workbench/macro', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/macro/indicators/new', url: async () => '/workbench/macro/indicators/new', allowed: 'admin', denied: 'writer', status: 200 },
  { route: 'POST /workbench/macro/indicators', url: async () => '/workbench/macro/indicators', allowed: 'admin', denied: 'writer', status: 303, body: (s) => form(s, { code: `FORM_${++seq}`, name: '表单指标', unit: '%', frequency: 'month', sourceUnitId: units.province }) },
  { route: 'GET /workbench/macro/indicators/:code', url: async () => '/workbench/macro/indicators/GDP?region=410100&period=2024', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /workbench/macro/values', url: async () => '/workbench/macro/values', allowed: 'writer', denied: 'reader', status: 303, body: (s) => form(s, value() as Record<string, string>) },
  { route: 'GET /workbench/macro/import', url: async () => '/workbench/macro/import', allowed: 'writer', denied: 'reader', status: 200 },
  { route: 'GET /workbench/macro/import/template.csv', url: async () => '/workbench/macro/import/template.csv', allowed: 'writer', denied: 'reader', status: 200 },
  {
    route: 'POST /workbench/macro/import',
    url: async () => '/workbench/macro/import',
    allowed: 'writer',
    denied: 'reader',
    status: 303,
    body: (s) => multipart([{ name: '_csrf', value: s.csrf }, { name: 'reason', value: '测试导入' }, { name: 'file', filename: 'v.csv', content: '指标代码,地区代码,时期,数值\nGDP,410100,1980,1.5\n' }]),
  },
];

before(async () => {
  tp = await startTestPlatform({ modules: [spy, ...deploymentModules] });
  units = await ensureTestUnits(tp);
  await createIndicator(tp.ctx(), { code: 'GDP', name: '地区生产总值', unit: '亿元', frequency: 'year', sourceUnitId: units.province });
  await recordValue(tp.ctx(), { indicatorCode: 'GDP', regionCode: '410100', period: '2024', value: 14000 });
  await recordValue(tp.ctx(), { indicatorCode: 'GDP', regionCode: '410100', period: '2024', value: 14100, reason: '修订' });
  const spec: Record<Exclude<UserKey, 'anonymous'>, string[]> = {
    reader: [SCOPES.read],
    admin: [SCOPES.read, SCOPES.indicatorManage, SCOPES.valueWrite],
    writer: [SCOPES.read, SCOPES.valueWrite],
    other: ['directory.unit.read'],
  };
  for (const [key, scopes] of Object.entries(spec)) sessions[key as UserKey] = await loginAs(tp, await createStaff(tp, { roleScopes: scopes, unitId: units.province }));
  sessions.anonymous = await anonymousSession(tp);
});
after(async () => {
  // Let the background import started by the upload finish before the data directory goes away.
  for (let i = 0; i < 100; i++) {
    const busy = await queryRows(tp.database.db, sql`SELECT 1 FROM imports.jobs WHERE status IN ('pending', 'running')`);
    if (busy.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await tp?.close();
});

async function call(c: RouteCase, who: UserKey, url: string) {
  const s = sessions[who];
  const [method] = c.route.split(' ');
  const body = c.body ? await c.body(s) : undefined;
  const headers: Record<string, string> = { accept: c.route.includes(' /api/') ? 'application/json' : 'text/html', ...(s.cookie ? { cookie: s.cookie } : {}), ...(s.csrf ? { 'x-csrf-token': s.csrf } : {}) };
  if (body) headers['content-type'] = body.contentType;
  return tp.platform.app.inject({ method: method as 'GET', url, headers, payload: body?.payload });
}

test('every macro-economy route has a case here', () => {
  const ours = registered.filter((r) => /^\w+ (\/api\/macro|\/workbench\/macro)/.test(r));
  assert.deepEqual([...new Set(ours)].sort(), CASES.map((c) => c.route).sort());
});

for (const c of CASES) {
  test(`${c.route}: ${c.allowed} may, ${c.denied} may not`, async () => {
    const url = await c.url();
    const ok = await call(c, c.allowed, url);
    assert.equal(ok.statusCode, c.status, `${c.allowed}: ${ok.body.slice(0, 400)}`);
    if (c.status === 303) assert.doesNotMatch(String(ok.headers.location), /login/);
    const no = await call(c, c.denied, url);
    assert.equal(no.statusCode, 403, `${c.denied}: ${no.body.slice(0, 300)}`);
    const anon = await call(c, 'anonymous', url);
    const [method] = c.route.split(' ');
    if (method === 'GET' && !c.route.includes(' /api/')) assert.deepEqual([anon.statusCode, String(anon.headers.location).startsWith('/login')], [303, true]);
    else assert.ok([401, 403].includes(anon.statusCode), `anonymous: ${anon.statusCode}`);
  });
}

test('a member system reads values with an API key, bounded by its unit; pages carry the charts', async () => {
  const ctx = tp.ctx();
  const account = await createServiceAccount(ctx, { loginName: 'zz-stat-system', displayName: '郑州统计系统', homeUnitId: units.luoyang });
  const role = await createRole(ctx, { code: 'macro_api', name: '宏观数据接口', scopes: [SCOPES.read], knownScopes: tp.platform.services.scopes.map((s) => s.name) });
  await assignRole(ctx, { userId: account.id, roleId: role.id, unitId: units.luoyang });
  const { key } = await issueApiKey(ctx, { serviceUserId: account.id, name: '测试' });
  const get = (url: string) => tp.platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}`, accept: 'application/json' } });
  const res = await get('/api/macro/values?indicator=GDP');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), [], 'a Luoyang grant sees no Zhengzhou values');
  assert.ok((await get('/api/macro/indicators')).json().some((i: { code: string }) => i.code === 'GDP'), 'the catalog is visible');
  const history = await call(CASES.find((c) => c.route === 'GET /api/macro/values/history')!, 'reader', '/api/macro/values/history?indicator=GDP&region=410100&period=2024');
  assert.deepEqual(history.json().map((h: { value: string }) => h.value), ['14100', '14000']);
  const page = await call(CASES.find((c) => c.route === 'GET /workbench/macro/indicators/:code')!, 'reader', '/workbench/macro/indicators/GDP?region=410100&period=2024');
  assert.match(page.body, /data-chart="chart-data-series"/);
  assert.match(page.body, /data-chart="chart-data-compare"/);
  assert.match(page.body, /14100/);
  // The upload became a job of the kernel's pipeline, with its progress page.
  const job = (await queryRows<{ id: string }>(tp.database.db, sql`SELECT id FROM imports.jobs WHERE kind = 'macro.values' ORDER BY created_at DESC LIMIT 1`))[0];
  const progress = await tp.platform.app.inject({ method: 'GET', url: `/workbench/imports/${job.id}`, headers: { cookie: sessions.writer.cookie, accept: 'text/html' } });
  assert.equal(progress.statusCode, 200);
  assert.match(progress.body, /宏观经济指标数据导入/);
});
