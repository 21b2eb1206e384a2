/**
 * Network links and the coverage computed from them, on a small fixture whose figures can be
 * counted by hand.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock } from '../../platform/clock.ts';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { createStaff, loginAs } from '../../../test/support/identity.ts';
import { isAppError, type AppError } from '../../platform/errors.ts';
import { sql } from '../../platform/db/index.ts';
import { SCOPES } from './model.ts';
import { deactivateUnit } from './services/units.ts';
import { connectUnit, listLinks, updateLink } from './services/links.ts';
import { computeCoverage, type NetworkCoverage } from './services/coverage.ts';
import { actorIn, auditCount, count, eventCount, footprint, makeUnit } from './test-helpers.ts';

let tp: TestPlatform;
const ids: Record<string, string> = {};
const clock = manualClock(new Date('2025-06-30T20:00:00Z')); // 2025-07-01 04:00 in Beijing

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  assert.fail('expected a refusal');
}

const link = (unitId: string, network: 'gov_extranet' | 'party_intranet' | 'gov_intranet', status: 'active' | 'suspended' = 'active') =>
  connectUnit(tp.ctx(), { unitId, network, direction: 'vertical', connectedSince: '2020-01-01', status });

before(async () => {
  tp = await startTestPlatform({ clock });
  const sys = tp.ctx();
  const unit = (name: string, unitType: 'government' | 'party_committee' | 'department' | 'other', regionCode: string) => makeUnit(sys, { name, unitType, regionCode });
  ids.provGov = await unit('河南省人民政府', 'government', '410000');
  ids.zzGov = await unit('郑州市人民政府', 'government', '410100');
  ids.zzParty = await unit('中共郑州市委员会', 'party_committee', '410100');
  ids.lyGov = await unit('洛阳市人民政府', 'government', '410300');
  ids.jyGov = await unit('济源市人民政府', 'government', '419001');
  ids.zyGov = await unit('郑州市中原区人民政府', 'government', '410102');
  ids.eqGov = await unit('郑州市二七区人民政府', 'government', '410103');
  ids.zoneGov = await unit('郑州经济技术开发区管理委员会', 'government', '410171');
  ids.dept1 = await unit('河南省教育厅', 'department', '410000');
  ids.dept2 = await unit('河南省公安厅', 'department', '410000');
  ids.dept3 = await unit('河南省民政厅', 'department', '410000');
  ids.deptOff = await unit('河南省已撤销局', 'department', '410000');
  ids.zzDept = await unit('郑州市大数据管理局', 'department', '410100');

  await link(ids.provGov, 'gov_extranet');
  await link(ids.zzGov, 'gov_extranet');
  await link(ids.jyGov, 'gov_extranet');
  await link(ids.lyGov, 'gov_extranet', 'suspended'); // does not count
  await link(ids.zyGov, 'gov_extranet');
  await link(ids.zoneGov, 'gov_extranet'); // functional zone: not a county-level unit
  await link(ids.dept1, 'gov_extranet');
  await link(ids.dept2, 'gov_extranet');
  await link(ids.deptOff, 'gov_extranet');
  await deactivateUnit(tp.ctx(), { id: ids.deptOff }); // inactive units do not count
  await link(ids.zzDept, 'gov_extranet');
  await link(ids.zzParty, 'party_intranet');
  await link(ids.lyGov, 'party_intranet'); // a government on the party intranet: not the party committee
});
after(async () => {
  await tp?.close();
});

const byNetwork = (list: NetworkCoverage[], n: string) => list.find((x) => x.network === n)!;

describe('coverage', () => {
  test('province-wide: prefecture 2/18, county 2/157 (Jiyuan counts, zones do not), departments 2/3', async () => {
    const c = await computeCoverage(tp.ctx(actorIn('410000', [SCOPES.networkRead])));
    assert.equal(c.scopeLabel, '河南省');
    assert.equal(c.departmentsLabel, '省直部门');
    const ext = byNetwork(c.networks, 'gov_extranet');
    assert.deepEqual(ext.prefecture, { connected: 2, total: 18, percent: 11.1 });
    assert.deepEqual(ext.county, { connected: 2, total: 157, percent: 1.3 });
    assert.deepEqual(ext.departments, { connected: 2, total: 3, percent: 66.7 });
    assert.equal(ext.summary, '政务外网: 地级 2/18 (11.1%), 县级 2/157 (1.3%), 省直部门 2/3');
    const party = byNetwork(c.networks, 'party_intranet');
    assert.deepEqual([party.prefecture.connected, party.county.connected], [1, 0], 'the party committee stands for its region on the party intranet');
    const intra = byNetwork(c.networks, 'gov_intranet');
    assert.deepEqual([intra.prefecture.connected, intra.county.connected, intra.departments.connected], [0, 0, 0]);
    const sys = await computeCoverage(tp.ctx());
    assert.equal(sys.scopeLabel, '全省');
    assert.deepEqual(byNetwork(sys.networks, 'gov_extranet').prefecture, ext.prefecture);
  });

  test('a city admin sees the city, its counties without zones, and the city departments', async () => {
    const zzCounties = await count(tp, sql`SELECT count(*) AS n FROM directory.regions WHERE parent_code = '410100' AND kind <> '功能区' AND active`);
    const c = await computeCoverage(tp.ctx(actorIn('410100', [SCOPES.networkRead])));
    assert.equal(c.scopeLabel, '郑州市');
    assert.equal(c.departmentsLabel, '市直部门');
    const ext = byNetwork(c.networks, 'gov_extranet');
    assert.deepEqual(ext.prefecture, { connected: 1, total: 1, percent: 100 });
    assert.deepEqual([ext.county.connected, ext.county.total], [1, zzCounties]);
    assert.deepEqual(ext.departments, { connected: 1, total: 1, percent: 100 });
  });

  test('a county clerk sees only the county; Jiyuan counts as prefecture and county level', async () => {
    const county = byNetwork((await computeCoverage(tp.ctx(actorIn('410103', [SCOPES.networkRead])))).networks, 'gov_extranet');
    assert.deepEqual(county.prefecture, { connected: 0, total: 0, percent: null });
    assert.deepEqual(county.county, { connected: 0, total: 1, percent: 0 });
    const jy = byNetwork((await computeCoverage(tp.ctx(actorIn('419001', [SCOPES.networkRead])))).networks, 'gov_extranet');
    assert.deepEqual([jy.prefecture, jy.county], [{ connected: 1, total: 1, percent: 100 }, { connected: 1, total: 1, percent: 100 }]);
    const nobody = await computeCoverage(tp.ctx(actorIn('410000', [SCOPES.unitRead])));
    assert.equal(byNetwork(nobody.networks, 'gov_extranet').prefecture.total, 0);
  });

  test('GET /api/directory/coverage and the page show the same figures, bounded by the viewer', async () => {
    const anon = await tp.platform.app.inject({ method: 'GET', url: '/api/directory/coverage' });
    assert.equal(anon.statusCode, 401, 'not for anonymous callers');
    const user = await createStaff(tp, { roleScopes: [SCOPES.networkRead], unitId: ids.zzGov });
    const s = await loginAs(tp, user);
    const res = await tp.platform.app.inject({ method: 'GET', url: '/api/directory/coverage', headers: { cookie: s.cookie } });
    assert.equal(res.statusCode, 200);
    const expected = await computeCoverage(tp.ctx(actorIn('410100', [SCOPES.networkRead])));
    assert.deepEqual(res.json(), expected);
    const page = await tp.platform.app.inject({ method: 'GET', url: '/workbench/directory/coverage', headers: { cookie: s.cookie } });
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes(byNetwork(expected.networks, 'gov_extranet').summary));
    assert.ok(page.body.includes('<meter min="0" max="100" value="100"'));
  });
});

describe('links', () => {
  test('connecting is audited on the unit and published; a second link to the same network is refused', async () => {
    const l = await connectUnit(tp.ctx(actorIn('410100')), { unitId: ids.eqGov, network: 'gov_intranet', direction: 'horizontal', connectedSince: '2025-07-01', bandwidthMbps: 100, note: '  ' });
    assert.deepEqual([l.status, l.note, l.connectedSince, l.regionLabel], ['active', null, '2025-07-01', '郑州市 二七区']);
    assert.equal(await auditCount(tp, 'directory.network_link.create', ids.eqGov), 1);
    assert.equal(await eventCount(tp, 'directory.network_link.created', ids.eqGov), 1);
    const dup = await refusal(connectUnit(tp.ctx(), { unitId: ids.eqGov, network: 'gov_intranet', direction: 'vertical', connectedSince: '2024-01-01' }));
    assert.deepEqual([dup.status, dup.code], [409, 'link_exists']);
  });

  test('bad input is refused field by field and nothing is written', async () => {
    const before = await footprint(tp);
    const err = await refusal(connectUnit(tp.ctx(), { unitId: ids.eqGov, network: 'internet', direction: 'up', connectedSince: '2025-07-02', bandwidthMbps: 0, note: 'x'.repeat(501) }));
    assert.deepEqual(err.fields.map((f) => f.field).sort(), ['bandwidthMbps', 'connectedSince', 'direction', 'network', 'note']);
    assert.ok(err.fields.find((f) => f.field === 'connectedSince')!.message.includes('不能晚于今天'), 'today is 2025-07-01 in Beijing');
    assert.equal((await refusal(connectUnit(tp.ctx(), { unitId: ids.eqGov, network: 'party_intranet', direction: 'vertical', connectedSince: '2025-02-30' }))).code, 'date_invalid');
    assert.equal((await refusal(connectUnit(tp.ctx(), { unitId: ids.deptOff, network: 'gov_intranet', direction: 'vertical', connectedSince: '2025-01-01' }))).code, 'unit_inactive');
    assert.equal(await footprint(tp), before);
  });

  test('region bounds: another county is invisible (404); read-only is 403', async () => {
    const clerk = tp.ctx(actorIn('410102', [SCOPES.networkRead, SCOPES.networkWrite]));
    assert.equal((await refusal(connectUnit(clerk, { unitId: ids.eqGov, network: 'party_intranet', direction: 'vertical', connectedSince: '2024-01-01' }))).status, 404);
    const links = await listLinks(clerk, {});
    assert.ok(links.items.length > 0 && links.items.every((l) => l.regionCode === '410102'));
    const reader = tp.ctx(actorIn('410000', [SCOPES.networkRead]));
    const any = (await listLinks(reader, { unitId: ids.zyGov })).items[0];
    assert.equal((await refusal(updateLink(reader, { id: any.id, status: 'suspended' }))).status, 403);
    assert.equal((await refusal(updateLink(clerk, { id: (await listLinks(reader, { unitId: ids.zzGov })).items[0].id, status: 'suspended' }))).status, 404);
  });

  test('updating a link records the changes and moves the coverage', async () => {
    const c0 = byNetwork((await computeCoverage(tp.ctx())).networks, 'gov_extranet');
    const zy = (await listLinks(tp.ctx(), { unitId: ids.zyGov, network: 'gov_extranet' })).items[0];
    const updated = await updateLink(tp.ctx(), { id: zy.id, status: 'disconnected', note: '线路改造' });
    assert.equal(updated.status, 'disconnected');
    assert.equal(await auditCount(tp, 'directory.network_link.update', ids.zyGov), 1);
    assert.equal(await eventCount(tp, 'directory.network_link.updated', ids.zyGov), 1);
    const c1 = byNetwork((await computeCoverage(tp.ctx())).networks, 'gov_extranet');
    assert.equal(c1.county.connected, c0.county.connected - 1);
    const before = await footprint(tp);
    await updateLink(tp.ctx(), { id: zy.id, status: 'disconnected' });
    assert.equal(await footprint(tp), before, 'no change, no record');
  });
});

describe('pages', () => {
  test('a network administrator without unit access picks a unit, gets field errors, then saves', async () => {
    const user = await createStaff(tp, { roleScopes: [SCOPES.networkRead, SCOPES.networkWrite], unitId: ids.zzGov });
    const s = await loginAs(tp, user);
    const pick = await tp.platform.app.inject({ method: 'GET', url: '/workbench/directory/links/new', headers: { cookie: s.cookie } });
    assert.equal(pick.statusCode, 200);
    assert.ok(pick.body.includes(`value="${ids.zyGov}"`));
    assert.ok(!pick.body.includes(`value="${ids.lyGov}"`), 'only units in the administrator\'s regions');
    const formPage = await tp.platform.app.inject({ method: 'GET', url: `/workbench/directory/links/new?unitId=${ids.zyGov}`, headers: { cookie: s.cookie } });
    assert.ok(formPage.body.includes(`action="/workbench/directory/units/${ids.zyGov}/links"`));
    const post = (fields: Record<string, string>) =>
      tp.platform.app.inject({
        method: 'POST',
        url: `/workbench/directory/units/${ids.zyGov}/links`,
        headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: s.csrf, ...fields }).toString(),
      });
    const bad = await post({ network: 'party_intranet', direction: 'vertical', connectedSince: '2030-01-01', bandwidthMbps: 'abc', status: 'active' });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.body.includes('href="#f-bandwidthMbps"'));
    const ok = await post({ network: 'party_intranet', direction: 'vertical', connectedSince: '2024-03-01', bandwidthMbps: '100', status: 'active' });
    assert.equal(ok.statusCode, 303);
    assert.match(String(ok.headers.location), /^\/workbench\/directory\/links\?q=/);
    const other = await tp.platform.app.inject({ method: 'GET', url: `/workbench/directory/links/new?unitId=${ids.lyGov}`, headers: { cookie: s.cookie } });
    assert.equal(other.statusCode, 404);
  });
});
