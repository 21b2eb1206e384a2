/**
 * Who may and who may not: every route of the environment module, called through the real app by a
 * user holding its scope and by one who does not, and anonymously; a spy module collects the routes
 * so a new route without a line here fails. Then the pages render what they should (map with its
 * schematic note, charts with limit lines, reports, XLSX) and region bounds hold.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { startTestPlatform, deploymentModules, manualClock, type TestPlatform } from '../../../test/support/platform.ts';
import { anonymousSession, createStaff, loginAs, type Session } from '../../../test/support/identity.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { inTransaction } from '../../platform/transaction.ts';
import { newId } from '../../platform/ids.ts';
import { drainAggregationQueue, makeUscc, registerPoint, storeUploads, type Point } from './index.ts';
import { raiseAlarm } from './services/alarms.ts';
import { SCOPES, dayStart } from './model.ts';
import { packet } from './test-helpers.ts';
import { routeSpy, type Body, json, form } from '../../../test/support/routes.ts';

type UserKey = 'reader' | 'admin' | 'handler' | 'zzReader' | 'other' | 'anonymous';

const clock = manualClock(new Date(dayStart('2026-03-10').getTime() + 10 * 3600_000));
let tp: TestPlatform;
let units: TestUnits;
let point: Point;
const { spy, registered } = routeSpy();
const sessions = {} as Record<UserKey, Session>;

interface RouteCase {
  route: string;
  url: () => Promise<string>;
  allowed: UserKey;
  denied: UserKey | null;
  status: number;
  body?: (s: Session) => Body | Promise<Body>;
}


let seq = 0;
const nextMn = () => `ABCDEF0000000000${String(++seq).padStart(8, '0')}`;
const newPoint = () => registerPoint(tp.ctx(), { mn: nextMn(), pw: '123456', medium: 'air', regionCode: '410102' });
async function newAlarm(): Promise<{ id: string; version: number }> {
  const p = await newPoint();
  const id = await inTransaction(tp.ctx(), (tx) => raiseAlarm(tx, { pointId: p.id, regionCode: p.regionCode, kind: 'exceedance', pollutant: 'a21002', dataTime: clock.now(), value: 120, limit: 100, message: '氮氧化物折算浓度小时均值 120 超过限值 100' }));
  return { id: id!, version: 1 };
}
const month = '2026-03';

const CASES: RouteCase[] = [
  // API: registry
  { route: 'GET /api/environment/standards', url: async () => '/api/environment/standards', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/environment/enterprises', url: async () => '/api/environment/enterprises?search=测试', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /api/environment/enterprises', url: async () => '/api/environment/enterprises', allowed: 'admin', denied: 'handler', status: 201, body: () => json({ uscc: makeUscc('410100', `api-${++seq}`), name: '接口登记企业', regionCode: '410100', industry: 'other' }) },
  { route: 'GET /api/environment/enterprises/:id', url: async () => `/api/environment/enterprises/${point.enterpriseId}`, allowed: 'reader', denied: 'other', status: 200 },
  {
    route: 'PUT /api/environment/enterprises/:id',
    url: async () => `/api/environment/enterprises/${(await newPoint()).enterpriseId}`,
    allowed: 'admin',
    denied: 'handler',
    status: 200,
    body: () => json({ uscc: makeUscc('410102', `put-${++seq}`), name: '修改后的企业', regionCode: '410102', industry: 'thermal_power', version: 1 }),
  },
  { route: 'POST /api/environment/outlets', url: async () => '/api/environment/outlets', allowed: 'admin', denied: 'handler', status: 201, body: () => json({ enterpriseId: point.enterpriseId, code: `DA${100 + ++seq}`, name: '2 号烟囱', medium: 'air', standardCode: 'ULE-2015-coal' }) },
  { route: 'PUT /api/environment/outlets/:id/limits/:pollutant', url: async () => `/api/environment/outlets/${point.outletId}/limits/a21026`, allowed: 'admin', denied: 'handler', status: 200, body: () => json({ max: 35 }) },
  { route: 'GET /api/environment/points', url: async () => '/api/environment/points', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /api/environment/points', url: async () => '/api/environment/points', allowed: 'admin', denied: 'handler', status: 201, body: () => json({ outletId: point.outletId, mn: nextMn(), pw: '654321', pollutants: ['a21026', 'a21002'] }) },
  { route: 'GET /api/environment/points/:id', url: async () => `/api/environment/points/${point.id}`, allowed: 'reader', denied: 'other', status: 200 },
  {
    route: 'PATCH /api/environment/points/:id',
    url: async () => `/api/environment/points/${(await newPoint()).id}`,
    allowed: 'admin',
    denied: 'handler',
    status: 200,
    body: () => json({ version: 1, pw: 'n3wPass', rtdIntervalS: 60 }),
  },
  { route: 'GET /api/environment/points/:id/series', url: async () => `/api/environment/points/${point.id}/series?hours=6&days=2`, allowed: 'reader', denied: 'other', status: 200 },
  // API: alarms
  { route: 'GET /api/environment/alarms', url: async () => '/api/environment/alarms?status=active', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/environment/alarms/:id', url: async () => `/api/environment/alarms/${(await newAlarm()).id}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /api/environment/alarms/:id/acknowledge', url: async () => `/api/environment/alarms/${(await newAlarm()).id}/acknowledge`, allowed: 'handler', denied: 'reader', status: 200, body: () => json({ version: 1, note: '已核实' }) },
  { route: 'POST /api/environment/alarms/:id/resolve', url: async () => `/api/environment/alarms/${(await newAlarm()).id}/resolve`, allowed: 'handler', denied: 'reader', status: 200, body: () => json({ version: 1, resolution: '已整改' }) },
  { route: 'POST /api/environment/alarms/:id/case', url: async () => `/api/environment/alarms/${(await newAlarm()).id}/case`, allowed: 'handler', denied: 'reader', status: 200, body: () => json({ version: 1 }) },
  // API: statistics
  { route: 'GET /api/environment/emissions', url: async () => `/api/environment/emissions?month=${month}&groupBy=enterprise`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/environment/reductions', url: async () => `/api/environment/reductions?month=${month}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/environment/rates', url: async () => `/api/environment/rates?month=${month}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/environment/tax', url: async () => `/api/environment/tax?month=${month}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/environment/reports/enterprises/:id/xlsx', url: async () => `/api/environment/reports/enterprises/${point.enterpriseId}/xlsx?month=${month}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /api/environment/reports/cities/:code/xlsx', url: async () => `/api/environment/reports/cities/410100/xlsx?month=${month}`, allowed: 'reader', denied: 'other', status: 200 },
  // Pages
  { route: 'GET /workbench/environment', url: async () => '/workbench/environment', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/environment/points/:id', url: async () => `/workbench/environment/points/${point.id}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/environment/alarms', url: async () => '/workbench/environment/alarms?status=active&kind=exceedance', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/environment/alarms/:id', url: async () => `/workbench/environment/alarms/${(await newAlarm()).id}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /workbench/environment/alarms/:id/acknowledge', url: async () => `/workbench/environment/alarms/${(await newAlarm()).id}/acknowledge`, allowed: 'handler', denied: 'reader', status: 303, body: (s) => form(s, { version: '1', note: '' }) },
  { route: 'POST /workbench/environment/alarms/:id/resolve', url: async () => `/workbench/environment/alarms/${(await newAlarm()).id}/resolve`, allowed: 'handler', denied: 'reader', status: 303, body: (s) => form(s, { version: '1', resolution: '企业已整改' }) },
  { route: 'POST /workbench/environment/alarms/:id/case', url: async () => `/workbench/environment/alarms/${(await newAlarm()).id}/case`, allowed: 'handler', denied: 'reader', status: 303, body: (s) => form(s, { version: '1' }) },
  { route: 'GET /workbench/environment/enterprises', url: async () => '/workbench/environment/enterprises?q=测试', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /workbench/environment/enterprises', url: async () => '/workbench/environment/enterprises', allowed: 'admin', denied: 'handler', status: 303, body: (s) => form(s, { uscc: makeUscc('410100', `form-${++seq}`), name: '表单登记企业', regionCode: '410100', industry: 'sewage_plant', centralizedSewage: 'on' }) },
  { route: 'GET /workbench/environment/enterprises/:id', url: async () => `/workbench/environment/enterprises/${point.enterpriseId}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'POST /workbench/environment/enterprises/:id/outlets', url: async () => `/workbench/environment/enterprises/${point.enterpriseId}/outlets`, allowed: 'admin', denied: 'handler', status: 303, body: (s) => form(s, { code: `DW${100 + ++seq}`, name: '废水排口', medium: 'water', standardCode: 'GB18918-2002-1A' }) },
  { route: 'POST /workbench/environment/outlets/:id/points', url: async () => `/workbench/environment/outlets/${point.outletId}/points`, allowed: 'admin', denied: 'handler', status: 303, body: (s) => form(s, { enterpriseId: point.enterpriseId, mn: nextMn(), pw: '123456', pollutants: 'a21026', rtdIntervalS: '30' }) },
  { route: 'POST /workbench/environment/outlets/:id/limits', url: async () => `/workbench/environment/outlets/${point.outletId}/limits`, allowed: 'admin', denied: 'handler', status: 303, body: (s) => form(s, { enterpriseId: point.enterpriseId, pollutant: 'a34013', max: '10', min: '' }) },
  { route: 'POST /workbench/environment/points/:id', url: async () => `/workbench/environment/points/${(await newPoint()).id}`, allowed: 'admin', denied: 'handler', status: 303, body: (s) => form(s, { enterpriseId: point.enterpriseId, version: '1', pw: '', status: 'disabled' }) },
  { route: 'GET /workbench/environment/standards', url: async () => '/workbench/environment/standards', allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/environment/reports', url: async () => `/workbench/environment/reports?month=${month}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/environment/reports/enterprises/:id', url: async () => `/workbench/environment/reports/enterprises/${point.enterpriseId}?month=${month}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/environment/reports/enterprises/:id/xlsx', url: async () => `/workbench/environment/reports/enterprises/${point.enterpriseId}/xlsx?month=${month}`, allowed: 'reader', denied: 'other', status: 200 },
  { route: 'GET /workbench/environment/reports/cities/:code/xlsx', url: async () => `/workbench/environment/reports/cities/410100/xlsx?month=${month}`, allowed: 'reader', denied: 'other', status: 200 },
];

const SCOPES_OF: Record<Exclude<UserKey, 'anonymous'>, { unit: keyof TestUnits; scopes: string[] }> = {
  reader: { unit: 'province', scopes: [SCOPES.read] },
  admin: { unit: 'province', scopes: [SCOPES.read, SCOPES.registryWrite, SCOPES.alarmHandle] },
  handler: { unit: 'province', scopes: [SCOPES.read, SCOPES.alarmHandle] },
  zzReader: { unit: 'luoyang', scopes: [SCOPES.read] },
  other: { unit: 'province', scopes: ['directory.unit.read'] },
};

before(async () => {
  tp = await startTestPlatform({ clock, modules: [spy, ...deploymentModules] });
  units = await ensureTestUnits(tp);
  for (const key of Object.keys(SCOPES_OF) as (keyof typeof SCOPES_OF)[]) {
    const spec = SCOPES_OF[key];
    const user = await createStaff(tp, { roleScopes: spec.scopes, unitId: units[spec.unit] });
    sessions[key] = await loginAs(tp, user);
  }
  sessions.anonymous = await anonymousSession(tp);
  point = await newPoint();
  // Some data: six minute records in the 08:00 hour with an exceedance of NOx after conversion.
  const h = dayStart('2026-03-10').getTime() + 8 * 3600_000;
  const uploads = Array.from({ length: 6 }, (_, i) => ({
    packetId: newId(),
    pointId: point.id,
    receivedAt: clock.now(),
    packet: packet({ mn: point.mn, cn: '2051', time: h + i * 600_000, values: { a21026: { avg: 20 + i }, a21002: { avg: 100 + i }, a34013: { avg: 3 + i / 10 }, a19001: { avg: 9 }, a00000: { avg: 300 } } }),
  }));
  await inTransaction(tp.ctx(), (tx) => storeUploads(tx, uploads));
  await drainAggregationQueue(tp.ctx());
});
after(async () => tp?.close());

async function call(c: RouteCase, who: UserKey, url: string) {
  const s = sessions[who];
  const [method] = c.route.split(' ');
  const body = c.body ? await c.body(s) : undefined;
  const headers: Record<string, string> = { accept: c.route.includes(' /api/') ? 'application/json' : 'text/html', ...(s.cookie ? { cookie: s.cookie } : {}), ...(s.csrf ? { 'x-csrf-token': s.csrf } : {}) };
  if (body) headers['content-type'] = body.contentType;
  return tp.platform.app.inject({ method: method as 'GET' | 'POST' | 'PATCH' | 'PUT', url, headers, payload: body?.payload });
}

test('every environment route has a case here', () => {
  const ours = registered.filter((r) => /^\w+ (\/api\/environment|\/workbench\/environment)/.test(r));
  assert.deepEqual([...new Set(ours)].sort(), CASES.map((c) => c.route).sort());
});

for (const c of CASES) {
  test(`${c.route}: ${c.allowed} may${c.denied ? `, ${c.denied} may not` : ''}`, async () => {
    const url = await c.url();
    const ok = await call(c, c.allowed, url);
    assert.equal(ok.statusCode, c.status, `${c.allowed}: ${ok.body.slice(0, 400)}`);
    if (c.status === 303) assert.doesNotMatch(String(ok.headers.location), /login/);
    if (c.denied) {
      const no = await call(c, c.denied, url);
      assert.equal(no.statusCode, 403, `${c.denied}: ${no.body.slice(0, 300)}`);
      const anon = await call(c, 'anonymous', url);
      const [method] = c.route.split(' ');
      if (method === 'GET' && !c.route.includes(' /api/')) assert.deepEqual([anon.statusCode, String(anon.headers.location).startsWith('/login')], [303, true]);
      else assert.ok([401, 403].includes(anon.statusCode), `anonymous: ${anon.statusCode}`);
    }
  });
}

test('region bounds: a reader in Luoyang sees none of the Zhengzhou points, alarms or enterprise', async () => {
  const list = await call(CASES[0], 'zzReader', '/api/environment/points');
  assert.equal(list.statusCode, 200);
  assert.deepEqual(list.json(), []);
  const ent = await tp.platform.app.inject({ method: 'GET', url: `/api/environment/enterprises/${point.enterpriseId}`, headers: { accept: 'application/json', cookie: sessions.zzReader.cookie } });
  assert.equal(ent.statusCode, 404);
  const alarms = await tp.platform.app.inject({ method: 'GET', url: '/api/environment/alarms', headers: { accept: 'application/json', cookie: sessions.zzReader.cookie } });
  assert.equal(alarms.json().total, 0);
});

test('pages render: the map says it is schematic, the point page charts against the limit, the report computes tax, XLSX opens', async () => {
  const get = (url: string) => tp.platform.app.inject({ method: 'GET', url, headers: { accept: 'text/html', cookie: sessions.reader.cookie } });
  const home = await get('/workbench/environment');
  assert.match(home.body, /示意图: 省界为手绘的近似多边形/);
  assert.match(home.body, /henan-schematic/);
  assert.match(home.body, /监控点实时状态分布/);
  const page = await get(`/workbench/environment/points/${point.id}`);
  assert.match(page.body, /氮氧化物 折算浓度小时均值/);
  assert.match(page.body, /"markLine"/);
  assert.match(page.body, /"yAxis":100/); // the NOx limit line of GB 13223
  assert.match(page.body, /查看数据表/);
  const report = await get(`/workbench/environment/reports/enterprises/${point.enterpriseId}?month=${month}`);
  assert.equal(report.statusCode, 200);
  assert.match(report.body, /氮氧化物/);
  assert.match(report.body, /合计应纳税额/);
  const xlsx = await get(`/workbench/environment/reports/enterprises/${point.enterpriseId}/xlsx?month=${month}`);
  assert.match(String(xlsx.headers['content-type']), /spreadsheetml/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
  assert.deepEqual(wb.worksheets.map((w) => w.name), ['环保税计税依据', '排放量', '传输有效率']);
  const cells = wb.getWorksheet('环保税计税依据')!.getSheetValues().flat().map(String);
  assert.ok(cells.includes('氮氧化物'));
  // NOx emission of the hour: Σ C·V = (100+…+105) mg/m³ × 300 m³/s × 600 s × 10⁻⁶ = 110.7 kg → 116.526… equivalents.
  const api = await tp.platform.app.inject({ method: 'GET', url: `/api/environment/tax?month=${month}&enterpriseId=${point.enterpriseId}`, headers: { accept: 'application/json', cookie: sessions.reader.cookie } });
  const nox = api.json()[0].outlets[0].items.find((i: { pollutant: string }) => i.pollutant === 'a21002');
  assert.ok(Math.abs(nox.kg - 110.7) < 1e-6, String(nox.kg));
  assert.ok(Math.abs(nox.equivalents - 110.7 / 0.95) < 1e-6);
  // Mean converted NOx 128.1 > limit 100 in the month: no reduction.
  assert.equal(nox.factor, 1);
  assert.equal(nox.tax, Math.round((110.7 / 0.95) * 4.8 * 100) / 100);
});
