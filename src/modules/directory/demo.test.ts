/**
 * Demo data: what `npm start` shows on an empty database. Deterministic, marked, idempotent.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { queryRows, sql } from '../../platform/db/index.ts';
import { computeCoverage } from './services/coverage.ts';
import { PROVINCIAL_DEPARTMENTS, seedDirectoryDemo } from './services/demo.ts';
import { normalizeUnitInput, validateUnit } from './services/units.ts';
import { auditCount, count, footprint } from './test-helpers.ts';

let tp: TestPlatform;
before(async () => {
  tp = await startTestPlatform({ seedDemo: true });
});
after(async () => {
  await tp?.close();
});

test('every prefecture and statutory county has its party committee and government; all marked demo, no invented codes', async () => {
  assert.ok(tp.platform.seededDemo);
  const govs = await queryRows<{ level: string; n: string | number }>(
    tp.database.db,
    sql`SELECT r.level, count(*) AS n FROM directory.units u JOIN directory.regions r ON r.code = u.region_code
        WHERE u.unit_type = 'government' GROUP BY r.level ORDER BY r.level`,
  );
  assert.deepEqual(govs.map((g) => [g.level, Number(g.n)]), [['county', 156], ['prefecture', 18], ['province', 1]]);
  assert.equal(await count(tp, sql`SELECT count(*) AS n FROM directory.units WHERE unit_type = 'party_committee'`), 1 + 18 + 156);
  // Other modules' demos add units of their own (e.g. the tax bureaus of enterprise-sharing); the directory's are all there.
  const provincial = await queryRows<{ name: string }>(tp.database.db, sql`SELECT name FROM directory.units WHERE unit_type = 'department' AND region_code = '410000'`);
  assert.deepEqual(PROVINCIAL_DEPARTMENTS.filter((d) => !provincial.some((u) => u.name === d)), []);
  assert.equal(await count(tp, sql`SELECT count(*) AS n FROM directory.units WHERE NOT is_demo OR uscc IS NOT NULL`), 0);
  assert.equal(await count(tp, sql`SELECT count(*) AS n FROM directory.network_links WHERE NOT is_demo`), 0);
  const names = await queryRows<{ name: string }>(tp.database.db, sql`SELECT name FROM directory.units WHERE region_code IN ('410102', '410181', '419001') ORDER BY name`);
  for (const expected of ['中共郑州市中原区委员会', '郑州市中原区人民政府', '巩义市人民政府', '中共巩义市委员会', '济源市人民政府', '济源中级人民法院']) {
    assert.ok(names.some((n) => n.name === expected), expected);
  }
});

test('demo coverage: all 18 prefecture governments on the extranet, most counties and departments', async () => {
  const ext = (await computeCoverage(tp.ctx())).networks.find((n) => n.network === 'gov_extranet')!;
  assert.deepEqual(ext.prefecture, { connected: 18, total: 18, percent: 100 });
  assert.ok(ext.county.connected > 130 && ext.county.connected < 157, ext.summary);
  assert.ok(ext.departments.connected > 30 && ext.departments.connected < ext.departments.total, ext.summary);
});

test('the bulk-loaded rows obey the rules the services enforce', async () => {
  const db = tp.database.db;
  // Parent in the same region or one above; names 2-100 characters; links not in the future.
  assert.equal(await count(tp, sql`SELECT count(*) AS n FROM directory.units u JOIN directory.units p ON p.id = u.parent_id
    JOIN directory.regions pr ON pr.code = p.region_code WHERE u.region_code NOT LIKE pr.subtree_prefix || '%'`), 0);
  assert.equal(await count(tp, sql`SELECT count(*) AS n FROM directory.units WHERE char_length(name) NOT BETWEEN 2 AND 100 OR char_length(coalesce(short_name, '')) > 50`), 0);
  assert.equal(await count(tp, sql`SELECT count(*) AS n FROM directory.network_links WHERE connected_since > current_date`), 0);
  const sample = await queryRows<{ id: string; name: string; short_name: string | null; unit_type: string; region_code: string; parent_id: string | null }>(
    db,
    sql`SELECT id, name, short_name, unit_type, region_code, parent_id FROM directory.units ORDER BY id`,
  );
  for (const u of sample.filter((_, i) => i % 25 === 0)) {
    const problems = await validateUnit(tp.ctx(), normalizeUnitInput({ name: u.name, shortName: u.short_name, unitType: u.unit_type, regionCode: u.region_code, parentId: u.parent_id, uscc: null }), u.id);
    assert.deepEqual(problems, [], u.name);
  }
  // Each new unit and link was published; the load is one audit record.
  assert.equal(await count(tp, sql`SELECT count(*) AS n FROM platform.outbox_events WHERE type = 'directory.unit.created'`), sample.length);
  assert.equal(await auditCount(tp, 'directory.demo.seed'), 1);
});

test('seeding again changes nothing', async () => {
  const before = await footprint(tp);
  const again = await seedDirectoryDemo(tp.ctx());
  assert.deepEqual([again.createdUnits, again.createdLinks], [0, 0]);
  assert.equal(await footprint(tp), before);
});

test('pages mark demo rows', async () => {
  const res = await tp.platform.app.inject({ method: 'GET', url: '/units?region=419001' });
  assert.equal(res.statusCode, 200);
  assert.ok(res.body.includes('badge-demo'));
  assert.ok(res.body.includes('济源市人民政府'));
});
