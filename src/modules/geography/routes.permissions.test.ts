/**
 * Who may and who may not: every route of the geography module, called through the real app by a
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
import { systemActor } from '../../platform/context.ts';
import { assignRole, createRole, createServiceAccount, issueApiKey } from '../identity/index.ts';
import { createLayer, importFeatures, listFeatures } from './index.ts';
import { SCOPES } from './model.ts';
import { routeSpy, type Body, json, form, multipart } from '../../../test/support/routes.ts';

type UserKey = 'reader' | 'manager' | 'other' | 'anonymous';

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

const point = (id: string, lng = 113.65, lat = 34.75) => ({ type: 'FeatureCollection', features: [{ type: 'Feature', id, geometry: { type: 'Point', coordinates: [lng, lat] }, properties: { name: id } }] });

let seq = 0;
async function freshLayer(): Promise<string> {
  const code = `perm-${++seq}`;
  await createLayer(tp.ctx(systemActor), { code, name: `权限测试图层 ${seq}`, kind: 'poi' });
  return code;
}
async function featureId(): Promise<string> {
  const code = await freshLayer();
  await importFeatures(tp.ctx(systemActor), { layerCode: code, data: point(`F${seq}`) });
  return (await listFeatures(tp.ctx(), { layerCode: code })).items[0].id;
}

const CASES: RouteCase[] = [
  { route: 'GET /api/geography/layers', url: async () => '/api/geography/layers', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /api/geography/layers', url: async () => '/api/geography/layers', allowed: 'manager', denied: 'reader', status: 201, body: () => json({ code: `api-${++seq}`, name: '接口图层', kind: 'other' }) },
  { route: 'GET /api/geography/layers/:code', url: async () => '/api/geography/layers/admin-prefecture', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'PATCH /api/geography/layers/:code', url: async () => `/api/geography/layers/${await freshLayer()}`, allowed: 'manager', denied: 'reader', status: 200, body: () => json({ description: '改说明' }) },
  { route: 'GET /api/geography/layers/:code/features', url: async () => '/api/geography/layers/admin-prefecture/features?q=郑州', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/geography/layers/:code/geojson', url: async () => '/api/geography/layers/admin-prefecture/geojson?crs=gcj02', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /api/geography/layers/:code/import', url: async () => `/api/geography/layers/${await freshLayer()}/import`, allowed: 'manager', denied: 'reader', status: 200, body: () => json({ data: point('P1') }) },
  { route: 'GET /api/geography/features/:id', url: async () => `/api/geography/features/${await featureId()}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'DELETE /api/geography/features/:id', url: async () => `/api/geography/features/${await featureId()}`, allowed: 'manager', denied: 'reader', status: 204 },
  { route: 'GET /api/geography/region-at', url: async () => '/api/geography/region-at?lng=113.625&lat=34.747', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/geography/query/bbox', url: async () => '/api/geography/query/bbox?layers=admin-prefecture&bbox=113,34,114,35', allowed: 'reader', denied: 'other', status: 200 },
  {
    route: 'POST /api/geography/query/polygon',
    url: async () => '/api/geography/query/polygon',
    allowed: 'reader',
    denied: 'other',
    status: 200,
    body: () => json({ layers: ['admin-prefecture'], geometry: { type: 'Polygon', coordinates: [[[113, 34], [114, 34], [114, 35], [113, 34]]] } }),
  },
  { route: 'GET /api/geography/query/nearest', url: async () => '/api/geography/query/nearest?layers=admin-prefecture&lng=113&lat=34&k=2', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/geography/convert', url: async () => '/api/geography/convert?lng=113.625&lat=34.747&from=wgs84&to=gcj02', allowed: 'reader', denied: 'other', status: 200 },
  // Pages
  { route: 'GET /workbench/geography', url: async () => '/workbench/geography', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/geography/query', url: async () => '/workbench/geography/query?lng=113.625&lat=34.747&crs=wgs84', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/geography/layers/new', url: async () => '/workbench/geography/layers/new', allowed: 'manager', denied: 'reader', status: 200 },
  { route: 'POST /workbench/geography/layers', url: async () => '/workbench/geography/layers', allowed: 'manager', denied: 'reader', status: 303, body: (s) => form(s, { code: `form-${++seq}`, name: '表单图层', kind: 'forest' }) },
  { route: 'GET /workbench/geography/layers/:code', url: async () => '/workbench/geography/layers/admin-prefecture', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/geography/layers/:code/import', url: async () => `/workbench/geography/layers/${await freshLayer()}/import`, allowed: 'manager', denied: 'reader', status: 200 },
  {
    route: 'POST /workbench/geography/layers/:code/import',
    url: async () => `/workbench/geography/layers/${await freshLayer()}/import`,
    allowed: 'manager',
    denied: 'reader',
    status: 303,
    body: (s) => multipart([{ name: '_csrf', value: s.csrf }, { name: 'crs', value: 'wgs84' }, { name: 'mode', value: 'upsert' }, { name: 'geojson', filename: 'p.geojson', content: JSON.stringify(point('U1')) }]),
  },
];

before(async () => {
  tp = await startTestPlatform({ modules: [spy, ...deploymentModules] });
  units = await ensureTestUnits(tp);
  const spec: Record<Exclude<UserKey, 'anonymous'>, string[]> = {
    reader: [SCOPES.read],
    manager: [SCOPES.read, SCOPES.layerManage],
    other: ['directory.unit.read'],
  };
  for (const [key, scopes] of Object.entries(spec)) sessions[key as UserKey] = await loginAs(tp, await createStaff(tp, { roleScopes: scopes, unitId: units.province }));
  sessions.anonymous = await anonymousSession(tp);
});
after(async () => tp?.close());

async function call(c: RouteCase, who: UserKey, url: string) {
  const s = sessions[who];
  const [method] = c.route.split(' ');
  const body = c.body ? await c.body(s) : undefined;
  const headers: Record<string, string> = { accept: c.route.includes(' /api/') ? 'application/json' : 'text/html', ...(s.cookie ? { cookie: s.cookie } : {}), ...(s.csrf ? { 'x-csrf-token': s.csrf } : {}) };
  if (body) headers['content-type'] = body.contentType;
  return tp.platform.app.inject({ method: method as 'GET', url, headers, payload: body?.payload });
}

test('every geography route has a case here', () => {
  const ours = registered.filter((r) => /^\w+ (\/api\/geography|\/workbench\/geography)/.test(r));
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

test('a member system reads with an API key; answers carry the schematic flag; bad input is a Chinese 400', async () => {
  const ctx = tp.ctx();
  const account = await createServiceAccount(ctx, { loginName: 'env-system', displayName: '环境监测系统', homeUnitId: units.province });
  const role = await createRole(ctx, { code: 'geo_api', name: '空间查询接口', scopes: [SCOPES.read], knownScopes: tp.platform.services.scopes.map((s) => s.name) });
  await assignRole(ctx, { userId: account.id, roleId: role.id, unitId: units.province });
  const { key } = await issueApiKey(ctx, { serviceUserId: account.id, name: '测试' });
  const get = (url: string) => tp.platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}`, accept: 'application/json' } });
  const hit = await get('/api/geography/region-at?lng=112.454&lat=34.62');
  assert.equal(hit.statusCode, 200);
  assert.deepEqual([hit.json().region.regionCode, hit.json().region.name, hit.json().region.isSchematic], ['410300', '洛阳市', true]);
  const bad = await get('/api/geography/region-at?lng=200&lat=34');
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().detail ?? bad.json().title, /经度/);
  assert.equal((await tp.platform.app.inject({ method: 'POST', url: '/api/geography/layers', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify({ code: 'nope', name: 'x', kind: 'other' }) })).statusCode, 403);
  // The map page carries the GeoJSON map and says the boundaries are schematic.
  const page = await call(CASES.find((c) => c.route === 'GET /workbench/geography')!, 'reader', '/workbench/geography');
  assert.match(page.body, /示意性边界, 非测绘成果/);
  assert.match(page.body, /"egov-admin-prefecture"/);
});
