/**
 * Units: create/change/deactivate with validation, region visibility, and the rule that the
 * change, its audit record and its event commit together or not at all.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { createStaff, loginAs } from '../../../test/support/identity.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { inTransaction } from '../../platform/transaction.ts';
import { isAppError, type AppError } from '../../platform/errors.ts';
import { SCOPES } from './model.ts';
import { createUnit, deactivateUnit, getUnit, listUnits, reactivateUnit, updateUnit } from './services/units.ts';
import { findUnit, getUnitSummary } from './index.ts';
import { actorIn, auditCount, badUscc, eventCount, footprint, makeUnit, unitCount, validUscc } from './test-helpers.ts';

let tp: TestPlatform;

/** The session cookies plus the flash cookie a redirect just set. */
function withFlash(cookie: string, setCookie: string | string[] | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const flash = list.map((c) => c.split(';')[0]).filter((c) => c.startsWith('egov_flash='));
  return [cookie, ...flash].join('; ');
}
const ids: Record<string, string> = {};

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  assert.fail('expected a refusal');
}

before(async () => {
  tp = await startTestPlatform();
  const sys = tp.ctx();
  ids.provGov = await makeUnit(sys, { name: '河南省人民政府', unitType: 'government', regionCode: '410000' });
  ids.zzGov = await makeUnit(sys, { name: '郑州市人民政府', unitType: 'government', regionCode: '410100', parentId: ids.provGov });
  ids.zyGov = await makeUnit(sys, { name: '郑州市中原区人民政府', unitType: 'government', regionCode: '410102', parentId: ids.zzGov });
  ids.eqGov = await makeUnit(sys, { name: '郑州市二七区人民政府', unitType: 'government', regionCode: '410103', parentId: ids.zzGov });
  ids.lyGov = await makeUnit(sys, { name: '洛阳市人民政府', unitType: 'government', regionCode: '410300', parentId: ids.provGov });
});
after(async () => {
  await tp?.close();
});

describe('create', () => {
  test('a valid unit is stored, audited and published in one go', async () => {
    const unit = await createUnit(tp.ctx(actorIn('410100')), {
      name: '郑州市大数据管理局',
      shortName: '市大数据局',
      unitType: 'department',
      regionCode: '410100',
      parentId: ids.zzGov,
      uscc: validUscc('410100', '00000001X').toLowerCase(),
    });
    assert.equal(unit.parentName, '郑州市人民政府');
    assert.equal(unit.regionLabel, '郑州市');
    assert.equal(unit.uscc, validUscc('410100', '00000001X'), 'stored upper-case');
    assert.equal(await auditCount(tp, 'directory.unit.create', unit.id), 1);
    assert.equal(await eventCount(tp, 'directory.unit.created', unit.id), 1);
    const event = await queryOne<{ payload: { name: string; regionCode: string } }>(tp.database.db, sql`SELECT payload FROM platform.outbox_events WHERE ordering_key = ${unit.id}`);
    assert.deepEqual([event?.payload.name, event?.payload.regionCode], ['郑州市大数据管理局', '410100']);
  });

  test('an invalid credit code is refused with the Chinese reason and nothing is stored', async () => {
    const before = await footprint(tp);
    const err = await refusal(createUnit(tp.ctx(), { name: '某某局', unitType: 'department', regionCode: '410100', uscc: badUscc('410100', '00000002X') }));
    assert.equal(err.code, 'uscc_invalid');
    assert.equal(err.status, 400);
    assert.match(err.message, /统一社会信用代码有误: 校验码错误: 按 GB 32100 计算应为 ., 实际为 ./);
    assert.deepEqual(err.fields.map((f) => f.field), ['uscc']);
    assert.equal(await footprint(tp), before);
  });

  test('several problems are reported together, each on its field', async () => {
    const err = await refusal(createUnit(tp.ctx(), { name: '局', unitType: 'ministry', regionCode: '999999', uscc: 'ABC' }));
    assert.equal(err.code, 'validation_failed');
    assert.deepEqual(err.fields.map((f) => f.field).sort(), ['name', 'regionCode', 'unitType', 'uscc']);
    assert.ok(err.fields.find((f) => f.field === 'uscc')!.message.includes('应为 18 位'));
    assert.ok(err.fields.find((f) => f.field === 'name')!.message.includes('至少 2 个字符'));
  });

  test('the parent must be in the same region or one above it', async () => {
    const err = await refusal(createUnit(tp.ctx(), { name: '中原区某局', unitType: 'department', regionCode: '410102', parentId: ids.eqGov }));
    assert.equal(err.code, 'parent_region');
    assert.match(err.message, /不是本单位所在区划或其上级区划/);
    const ok = await createUnit(tp.ctx(), { name: '中原区发展和改革委员会', unitType: 'department', regionCode: '410102', parentId: ids.provGov });
    assert.equal(ok.parentId, ids.provGov, 'a parent two levels up is fine');
  });

  test('credit codes and names are unique (names within a region)', async () => {
    const uscc = validUscc('410300', '00000003X');
    await createUnit(tp.ctx(), { name: '洛阳市公安局', unitType: 'department', regionCode: '410300', uscc });
    assert.equal((await refusal(createUnit(tp.ctx(), { name: '洛阳市另一局', unitType: 'department', regionCode: '410300', uscc }))).code, 'uscc_taken');
    const dup = await refusal(createUnit(tp.ctx(), { name: '洛阳市公安局', unitType: 'department', regionCode: '410300' }));
    assert.equal(dup.code, 'unit_name_taken');
    assert.equal(dup.status, 409);
    await createUnit(tp.ctx(), { name: '洛阳市公安局', unitType: 'department', regionCode: '410100' });
  });

  test('SQL and HTML in names are stored literally', async () => {
    const names = [`'; DROP TABLE directory.units; --`, '<script>alert(1)</script>', 'Robert"); DELETE FROM platform.audit_log;--'];
    for (const name of names) {
      const unit = await createUnit(tp.ctx(), { name, shortName: '<b>x</b>', unitType: 'other', regionCode: '410100' });
      assert.equal((await getUnit(tp.ctx(), unit.id)).name, name);
    }
    const found = await listUnits(tp.ctx(), { q: "'; drop" });
    assert.equal(found.items.length, 1);
    assert.equal(found.items[0].name, names[0]);
    assert.equal((await listUnits(tp.ctx(), { q: '%' })).total, 0, 'LIKE wildcards match literally');
  });
});

describe('change', () => {
  test('an update records the changed fields; an update that changes nothing writes nothing', async () => {
    const id = await makeUnit(tp.ctx(), { name: '郑州市生态环境局', unitType: 'department', regionCode: '410100', parentId: ids.zzGov });
    const before = await footprint(tp);
    const same = await updateUnit(tp.ctx(), { id, name: '郑州市生态环境局 ' });
    assert.equal(same.name, '郑州市生态环境局');
    assert.equal(await footprint(tp), before);
    const changed = await updateUnit(tp.ctx(), { id, shortName: '市生态环境局', parentId: null });
    assert.equal(changed.parentId, null);
    const row = await queryOne<{ details: string }>(tp.database.db, sql`SELECT details FROM platform.audit_log WHERE action = 'directory.unit.update' AND target_id = ${id}`);
    assert.deepEqual(JSON.parse(row!.details), { changes: { parentId: { from: ids.zzGov, to: null }, shortName: { from: null, to: '市生态环境局' } } });
    const ev = await queryOne<{ payload: { changed: string[] } }>(tp.database.db, sql`SELECT payload FROM platform.outbox_events WHERE type = 'directory.unit.updated' AND ordering_key = ${id}`);
    assert.deepEqual(ev?.payload.changed.sort(), ['parentId', 'shortName']);
  });

  test('a unit cannot become its own ancestor', async () => {
    const err = await refusal(updateUnit(tp.ctx(), { id: ids.provGov, parentId: ids.zyGov }));
    assert.equal(err.code, 'validation_failed');
    assert.ok(err.fields.some((f) => f.message.includes('下级单位')));
    assert.equal((await refusal(updateUnit(tp.ctx(), { id: ids.zzGov, parentId: ids.zzGov }))).code, 'parent_cycle');
  });

  test('moving a unit out of the region of its children is refused', async () => {
    const err = await refusal(updateUnit(tp.ctx(), { id: ids.zzGov, regionCode: '410300', parentId: ids.provGov }));
    assert.equal(err.code, 'children_outside_region');
  });

  test('deactivate: refused while active children exist; then deactivated, published, reactivated', async () => {
    assert.equal((await refusal(deactivateUnit(tp.ctx(), { id: ids.zzGov }))).code, 'has_active_children');
    const leaf = await makeUnit(tp.ctx(), { name: '郑州市待撤销办公室', unitType: 'other', regionCode: '410100', parentId: ids.zzGov });
    const off = await deactivateUnit(tp.ctx(), { id: leaf, reason: '机构改革' });
    assert.equal(off.status, 'inactive');
    assert.equal(await eventCount(tp, 'directory.unit.deactivated', leaf), 1);
    assert.equal((await refusal(deactivateUnit(tp.ctx(), { id: leaf }))).code, 'already_inactive');
    const child = await refusal(createUnit(tp.ctx(), { name: '挂在停用单位下', unitType: 'other', regionCode: '410100', parentId: leaf }));
    assert.equal(child.code, 'parent_inactive');
    assert.equal((await reactivateUnit(tp.ctx(), { id: leaf })).status, 'active');
    assert.equal(await eventCount(tp, 'directory.unit.reactivated', leaf), 1);
    assert.equal((await getUnitSummary(tp.ctx(), leaf))?.status, 'active');
  });
});

describe('region visibility', () => {
  const countyClerk = () => tp.ctx(actorIn('410102', [SCOPES.unitRead, SCOPES.unitWrite]));
  const cityAdmin = () => tp.ctx(actorIn('410100', [SCOPES.unitRead, SCOPES.unitWrite]));

  test('a county clerk sees only their county and cannot read or change another county\'s unit', async () => {
    const list = await listUnits(countyClerk(), { pageSize: 500 });
    assert.ok(list.items.length > 0);
    assert.ok(list.items.every((u) => u.regionCode === '410102'));
    assert.equal((await refusal(getUnit(countyClerk(), ids.eqGov))).status, 404);
    const before = await footprint(tp);
    assert.equal((await refusal(updateUnit(countyClerk(), { id: ids.eqGov, name: '改名' }))).status, 404);
    assert.equal((await refusal(deactivateUnit(countyClerk(), { id: ids.eqGov }))).status, 404);
    const create = await refusal(createUnit(countyClerk(), { name: '二七区某局', unitType: 'department', regionCode: '410103' }));
    assert.deepEqual([create.status, create.code], [403, 'region_forbidden']);
    assert.equal(await footprint(tp), before);
    assert.equal((await getUnit(countyClerk(), ids.zyGov)).name, '郑州市中原区人民政府');
  });

  test('a city admin sees the city and all its counties, but not the province or another city', async () => {
    const list = await listUnits(cityAdmin(), { pageSize: 500 });
    const regions = new Set(list.items.map((u) => u.regionCode));
    assert.ok(regions.has('410100') && regions.has('410102') && regions.has('410103'));
    assert.ok([...regions].every((r) => r.startsWith('4101')));
    assert.equal((await refusal(getUnit(cityAdmin(), ids.provGov))).status, 404);
    assert.equal((await refusal(getUnit(cityAdmin(), ids.lyGov))).status, 404);
    const renamed = await updateUnit(cityAdmin(), { id: ids.eqGov, shortName: '二七区政府' });
    assert.equal(renamed.shortName, '二七区政府');
    const filtered = await listUnits(cityAdmin(), { region: '410103' });
    assert.deepEqual(filtered.items.map((u) => u.id), [ids.eqGov]);
  });

  test('read across the city but write only in the county: writing elsewhere is 403, not 404', async () => {
    const actor = actorIn('410100', [SCOPES.unitRead]);
    actor.grants.push({ ...actorIn('410102', [SCOPES.unitWrite]).grants[0] });
    const ctx = tp.ctx(actor);
    assert.equal((await getUnit(ctx, ids.eqGov)).id, ids.eqGov);
    const err = await refusal(updateUnit(ctx, { id: ids.eqGov, shortName: 'x' }));
    assert.deepEqual([err.status, err.code], [403, 'region_forbidden']);
    const moved = await refusal(updateUnit(ctx, { id: ids.zyGov, regionCode: '410103' }));
    assert.deepEqual([moved.status, moved.code], [403, 'region_forbidden']);
  });

  test('without the write scope nothing can be changed', async () => {
    const reader = tp.ctx(actorIn('410000', [SCOPES.unitRead]));
    assert.equal((await refusal(createUnit(reader, { name: '不能建', unitType: 'other', regionCode: '410000' }))).status, 403);
    assert.equal((await refusal(updateUnit(reader, { id: ids.zyGov, shortName: 'x' }))).status, 403);
  });

  test('lookups for other modules need no scope', async () => {
    const anon = tp.ctx({ kind: 'anonymous', userId: null, name: '匿名', grants: [] });
    const s = await getUnitSummary(anon, ids.zyGov);
    assert.deepEqual(s && [s.regionCode, s.regionPrefix, s.status], ['410102', '410102', 'active']);
    assert.equal((await getUnitSummary(anon, ids.zzGov))?.regionPrefix, '4101');
    assert.equal((await findUnit(anon, { regionCode: '410100', unitType: 'government' }))?.id, ids.zzGov);
    assert.equal(await getUnitSummary(anon, 'not-a-uuid'), null);
  });
});

describe('one transaction', () => {
  test('a change that fails after its audit record and event were queued leaves none of the three', async () => {
    const before = await footprint(tp);
    await assert.rejects(
      inTransaction(tp.ctx(), async (tctx) => {
        await createUnit(tctx, { name: '回滚测试局', unitType: 'department', regionCode: '410100' });
        throw new Error('boom after the change');
      }),
      /boom/,
    );
    assert.equal(await footprint(tp), before);
  });

  test('when writing the event fails in the database, the unit row is rolled back too', async () => {
    await tp.database.execScript(`
      CREATE FUNCTION platform.test_refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.payload->>'name' = '事件写入失败局' THEN RAISE EXCEPTION 'outbox refused'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_refuse_event BEFORE INSERT ON platform.outbox_events FOR EACH ROW EXECUTE FUNCTION platform.test_refuse_event();`);
    try {
      const before = await footprint(tp);
      const units = await unitCount(tp);
      await assert.rejects(createUnit(tp.ctx(), { name: '事件写入失败局', unitType: 'department', regionCode: '410100' }));
      assert.equal(await unitCount(tp), units);
      assert.equal(await footprint(tp), before);
      const rows = await queryRows(tp.database.db, sql`SELECT 1 FROM directory.units WHERE name = '事件写入失败局'`);
      assert.equal(rows.length, 0);
    } finally {
      await tp.database.execScript('DROP TRIGGER test_refuse_event ON platform.outbox_events; DROP FUNCTION platform.test_refuse_event();');
    }
  });
});

describe('pages', () => {
  test('injection strings are shown escaped; a bad form is re-rendered with the field errors', async () => {
    const user = await createStaff(tp, { roleScopes: [SCOPES.unitRead, SCOPES.unitWrite], unitId: ids.provGov });
    const s = await loginAs(tp, user);
    const list = await tp.platform.app.inject({ method: 'GET', url: '/workbench/directory/units?q=script', headers: { cookie: s.cookie } });
    assert.equal(list.statusCode, 200);
    assert.ok(list.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!list.body.includes('<script>alert(1)</script>'));

    const before = await footprint(tp);
    const form = new URLSearchParams({ _csrf: s.csrf, name: '<i>新</i>局', unitType: 'department', regionCode: '410100', uscc: badUscc('410100', '00000009X') });
    const res = await tp.platform.app.inject({
      method: 'POST',
      url: '/workbench/directory/units',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form.toString(),
    });
    assert.equal(res.statusCode, 400);
    assert.ok(res.body.includes('class="error-summary"'));
    assert.ok(res.body.includes('href="#f-uscc"'));
    assert.ok(res.body.includes('校验码错误'));
    assert.ok(res.body.includes('value="&lt;i&gt;新&lt;/i&gt;局"'), 'the typed value comes back, escaped');
    assert.equal(await footprint(tp), before);

    form.set('uscc', validUscc('410100', '00000009X'));
    const ok = await tp.platform.app.inject({
      method: 'POST',
      url: '/workbench/directory/units',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form.toString(),
    });
    assert.equal(ok.statusCode, 303);
    const detail = await tp.platform.app.inject({ method: 'GET', url: String(ok.headers.location), headers: { cookie: withFlash(s.cookie, ok.headers['set-cookie']) } });
    assert.equal(detail.statusCode, 200);
    assert.ok(detail.body.includes('已新增单位'));
    assert.ok(detail.body.includes('新建单位'), 'the history shows the creation');
  });
});
