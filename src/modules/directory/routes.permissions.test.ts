/**
 * Who may and who may not: every route of the directory, called by a user holding its scope and
 * by one who does not (real accounts, real logins). A spy module collects the routes the module
 * registers, so a new route without a line here fails the test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { createStaff, loginAs, type Session } from '../../../test/support/identity.ts';
import { platformModule } from '../../platform/platform-module.ts';
import { identityModule } from '../identity/index.ts';
import { directoryModule } from './index.ts';
import { SCOPES } from './model.ts';
import { connectUnit } from './services/links.ts';
import { makeUnit, multipartBody } from './test-helpers.ts';
import { routeSpy, type Body, json, form } from '../../../test/support/routes.ts';

type UserKey = 'unitReader' | 'unitWriter' | 'netReader' | 'netWriter' | 'anonymous';
const SCOPES_OF: Record<Exclude<UserKey, 'anonymous'>, string[]> = {
  unitReader: [SCOPES.unitRead],
  unitWriter: [SCOPES.unitRead, SCOPES.unitWrite],
  netReader: [SCOPES.networkRead],
  netWriter: [SCOPES.networkRead, SCOPES.networkWrite],
};

let tp: TestPlatform;
const { spy, registered } = routeSpy();
const sessions = {} as Record<UserKey, Session>;
const ids: Record<string, string> = {};
let seq = 0;


interface RouteCase {
  route: string;
  url: () => string;
  allowed: UserKey;
  /** Holds no scope of this route (for public routes: none, the route has no denied user). */
  denied: UserKey | null;
  status: number;
  body?: (s: Session) => Body;
}

const uniqueName = (prefix: string) => `${prefix}${(seq += 1)}`;

const CASES: RouteCase[] = [
  { route: 'GET /api/directory/regions', url: () => '/api/directory/regions?parent=410100', allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /api/directory/regions/:code', url: () => '/api/directory/regions/410100', allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /units', url: () => '/units?region=410100', allowed: 'anonymous', denied: null, status: 200 },
  { route: 'GET /api/directory/units', url: () => '/api/directory/units', allowed: 'unitReader', denied: 'netWriter', status: 200 },
  { route: 'POST /api/directory/units', url: () => '/api/directory/units', allowed: 'unitWriter', denied: 'unitReader', status: 201, body: () => json({ name: uniqueName('接口新建局'), unitType: 'department', regionCode: '410100' }) },
  { route: 'GET /api/directory/units/export', url: () => '/api/directory/units/export', allowed: 'unitReader', denied: 'netWriter', status: 200 },
  {
    route: 'POST /api/directory/units/import',
    url: () => '/api/directory/units/import',
    allowed: 'unitWriter',
    denied: 'unitReader',
    status: 200,
    body: () => ({ payload: `单位名称,单位类型,行政区划代码\n${uniqueName('导入局')},政府部门,410100\n`, contentType: 'text/csv' }),
  },
  { route: 'GET /api/directory/units/:id', url: () => `/api/directory/units/${ids.target}`, allowed: 'unitReader', denied: 'netWriter', status: 200 },
  { route: 'PATCH /api/directory/units/:id', url: () => `/api/directory/units/${ids.target}`, allowed: 'unitWriter', denied: 'unitReader', status: 200, body: () => json({ shortName: uniqueName('简称') }) },
  { route: 'POST /api/directory/units/:id/deactivate', url: () => `/api/directory/units/${ids.target}/deactivate`, allowed: 'unitWriter', denied: 'unitReader', status: 200, body: () => json({ reason: '测试' }) },
  { route: 'POST /api/directory/units/:id/reactivate', url: () => `/api/directory/units/${ids.target}/reactivate`, allowed: 'unitWriter', denied: 'unitReader', status: 200, body: () => json({}) },
  { route: 'GET /api/directory/units/:id/history', url: () => `/api/directory/units/${ids.target}/history`, allowed: 'unitReader', denied: 'netWriter', status: 200 },
  { route: 'GET /api/directory/links', url: () => '/api/directory/links', allowed: 'netReader', denied: 'unitWriter', status: 200 },
  {
    route: 'POST /api/directory/links',
    url: () => '/api/directory/links',
    allowed: 'netWriter',
    denied: 'netReader',
    status: 201,
    body: () => json({ unitId: ids.apiLinkUnit, network: 'gov_extranet', direction: 'vertical', connectedSince: '2020-05-01' }),
  },
  { route: 'GET /api/directory/links/:id', url: () => `/api/directory/links/${ids.link}`, allowed: 'netReader', denied: 'unitWriter', status: 200 },
  { route: 'PATCH /api/directory/links/:id', url: () => `/api/directory/links/${ids.link}`, allowed: 'netWriter', denied: 'netReader', status: 200, body: () => json({ bandwidthMbps: 100 + seq++ }) },
  { route: 'GET /api/directory/coverage', url: () => '/api/directory/coverage', allowed: 'netReader', denied: 'unitWriter', status: 200 },

  { route: 'GET /workbench/directory/regions', url: () => '/workbench/directory/regions', allowed: 'unitReader', denied: 'netWriter', status: 200 },
  { route: 'GET /workbench/directory/regions/:code', url: () => '/workbench/directory/regions/410100', allowed: 'unitReader', denied: 'netWriter', status: 200 },
  { route: 'GET /workbench/directory/units', url: () => '/workbench/directory/units', allowed: 'unitReader', denied: 'netWriter', status: 200 },
  { route: 'GET /workbench/directory/units/new', url: () => '/workbench/directory/units/new?regionCode=410100', allowed: 'unitWriter', denied: 'unitReader', status: 200 },
  { route: 'POST /workbench/directory/units', url: () => '/workbench/directory/units', allowed: 'unitWriter', denied: 'unitReader', status: 303, body: (s) => form(s, { name: uniqueName('表单新建局'), unitType: 'department', regionCode: '410100' }) },
  { route: 'GET /workbench/directory/units/:id', url: () => `/workbench/directory/units/${ids.target}`, allowed: 'unitReader', denied: 'netWriter', status: 200 },
  { route: 'GET /workbench/directory/units/:id/edit', url: () => `/workbench/directory/units/${ids.target}/edit`, allowed: 'unitWriter', denied: 'unitReader', status: 200 },
  {
    route: 'POST /workbench/directory/units/:id',
    url: () => `/workbench/directory/units/${ids.target}`,
    allowed: 'unitWriter',
    denied: 'unitReader',
    status: 303,
    body: (s) => form(s, { name: '权限测试局', unitType: 'department', regionCode: '410100', parentId: ids.zzGov, shortName: uniqueName('简') }),
  },
  { route: 'GET /workbench/directory/units/:id/deactivate', url: () => `/workbench/directory/units/${ids.target}/deactivate`, allowed: 'unitWriter', denied: 'unitReader', status: 200 },
  { route: 'POST /workbench/directory/units/:id/deactivate', url: () => `/workbench/directory/units/${ids.target}/deactivate`, allowed: 'unitWriter', denied: 'unitReader', status: 303, body: (s) => form(s, { reason: '测试' }) },
  { route: 'POST /workbench/directory/units/:id/reactivate', url: () => `/workbench/directory/units/${ids.target}/reactivate`, allowed: 'unitWriter', denied: 'unitReader', status: 303, body: (s) => form(s, {}) },
  { route: 'GET /workbench/directory/units/export.csv', url: () => '/workbench/directory/units/export.csv', allowed: 'unitReader', denied: 'netWriter', status: 200 },
  { route: 'GET /workbench/directory/units/template.csv', url: () => '/workbench/directory/units/template.csv', allowed: 'unitWriter', denied: 'unitReader', status: 200 },
  { route: 'GET /workbench/directory/units/import', url: () => '/workbench/directory/units/import', allowed: 'unitWriter', denied: 'unitReader', status: 200 },
  {
    route: 'POST /workbench/directory/units/import',
    url: () => '/workbench/directory/units/import',
    allowed: 'unitWriter',
    denied: 'unitReader',
    status: 303,
    body: (s) => {
      const { payload, contentType } = multipartBody([{ name: '_csrf', value: s.csrf }, { name: 'csv_text', value: `单位名称,单位类型,行政区划代码\n${uniqueName('上传局')},政府部门,410100\n` }]);
      return { payload, contentType };
    },
  },
  {
    route: 'POST /workbench/directory/units/import/errors.csv',
    url: () => '/workbench/directory/units/import/errors.csv',
    allowed: 'unitWriter',
    denied: 'unitReader',
    status: 200,
    body: (s) => form(s, { errors: JSON.stringify([{ row: 2, column: '单位名称', message: '测试' }]) }),
  },
  { route: 'GET /workbench/directory/links', url: () => '/workbench/directory/links', allowed: 'netReader', denied: 'unitWriter', status: 200 },
  { route: 'GET /workbench/directory/links/new', url: () => `/workbench/directory/links/new`, allowed: 'netWriter', denied: 'netReader', status: 200 },
  { route: 'GET /workbench/directory/units/:id/links/new', url: () => `/workbench/directory/units/${ids.pageLinkUnit}/links/new`, allowed: 'netWriter', denied: 'netReader', status: 200 },
  {
    route: 'POST /workbench/directory/units/:id/links',
    url: () => `/workbench/directory/units/${ids.pageLinkUnit}/links`,
    allowed: 'netWriter',
    denied: 'netReader',
    status: 303,
    body: (s) => form(s, { network: 'gov_intranet', direction: 'horizontal', connectedSince: '2021-01-01', status: 'active' }),
  },
  { route: 'GET /workbench/directory/links/:id/edit', url: () => `/workbench/directory/links/${ids.link}/edit`, allowed: 'netWriter', denied: 'netReader', status: 200 },
  {
    route: 'POST /workbench/directory/links/:id',
    url: () => `/workbench/directory/links/${ids.link}`,
    allowed: 'netWriter',
    denied: 'netReader',
    status: 303,
    body: (s) => form(s, { direction: 'vertical', connectedSince: '2019-01-01', status: 'active', bandwidthMbps: String(1000 + seq++) }),
  },
  { route: 'GET /workbench/directory/coverage', url: () => '/workbench/directory/coverage', allowed: 'netReader', denied: 'unitWriter', status: 200 },
];

before(async () => {
  // The modules a login needs, with the spy first so that it sees every route registered after it.
  tp = await startTestPlatform({ modules: [spy, platformModule, directoryModule, identityModule] });
  const sys = tp.ctx();
  ids.provGov = await makeUnit(sys, { name: '河南省人民政府', unitType: 'government', regionCode: '410000' });
  ids.zzGov = await makeUnit(sys, { name: '郑州市人民政府', unitType: 'government', regionCode: '410100', parentId: ids.provGov });
  ids.target = await makeUnit(sys, { name: '权限测试局', unitType: 'department', regionCode: '410100', parentId: ids.zzGov });
  ids.apiLinkUnit = await makeUnit(sys, { name: '接口接入单位', unitType: 'department', regionCode: '410100' });
  ids.pageLinkUnit = await makeUnit(sys, { name: '页面接入单位', unitType: 'department', regionCode: '410100' });
  ids.link = (await connectUnit(sys, { unitId: ids.target, network: 'gov_extranet', direction: 'vertical', connectedSince: '2018-01-01' })).id;
  for (const key of Object.keys(SCOPES_OF) as (keyof typeof SCOPES_OF)[]) {
    const user = await createStaff(tp, { roleScopes: SCOPES_OF[key], unitId: ids.provGov });
    sessions[key] = await loginAs(tp, user);
  }
  sessions.anonymous = { cookie: '', csrf: '', headers: {} };
});
after(async () => {
  await tp?.close();
});

function call(c: RouteCase, who: UserKey) {
  const s = sessions[who];
  const [method] = c.route.split(' ');
  const body = c.body?.(s);
  const headers: Record<string, string> = { ...(s.cookie ? { cookie: s.cookie } : {}), ...(s.csrf ? { 'x-csrf-token': s.csrf } : {}) };
  if (body) headers['content-type'] = body.contentType;
  return tp.platform.app.inject({ method: method as 'GET' | 'POST' | 'PATCH', url: c.url(), headers, payload: body?.payload });
}

test('every directory route has a case here', () => {
  const ours = registered.filter((r) => /^\w+ (\/api\/directory|\/workbench\/directory|\/units)/.test(r));
  assert.deepEqual([...new Set(ours)].sort(), CASES.map((c) => c.route).sort());
});

for (const c of CASES) {
  test(`${c.route}: ${c.allowed} may${c.denied ? `, ${c.denied} may not` : ''}`, async () => {
    const ok = await call(c, c.allowed);
    assert.equal(ok.statusCode, c.status, `${c.allowed}: ${ok.body.slice(0, 300)}`);
    if (c.denied) {
      const no = await call(c, c.denied);
      assert.equal(no.statusCode, 403, `${c.denied}: ${no.body.slice(0, 300)}`);
      if (c.route.includes(' /api/')) assert.equal(no.json().code, 'forbidden');
      else assert.ok(no.body.includes('您没有执行此操作的权限'));
      const anon = await call(c, 'anonymous');
      const [method] = c.route.split(' ');
      if (method === 'GET' && !c.route.includes(' /api/')) assert.deepEqual([anon.statusCode, String(anon.headers.location).startsWith('/login')], [303, true]);
      else assert.equal(anon.statusCode, 401);
    }
  });
}
