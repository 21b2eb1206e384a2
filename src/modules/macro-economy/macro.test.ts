/**
 * Macro-economy on a real database: the catalog, values with revisions kept (who/when/why of both
 * the old and the new value), region bounds, series and comparison, and the CSV import through the
 * kernel pipeline (bad rows reported, a failing batch stores nothing, re-import idempotent,
 * imported revisions kept), with audit and events.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { TestPlatform } from '../../../test/support/platform.ts';
import { manualClock, startTestPlatform } from '../../../test/support/platform.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import type { Actor } from '../../platform/context.ts';
import { newId } from '../../platform/ids.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { isAppError } from '../../platform/errors.ts';
import { createImportJob, listRowErrors, runImportJob } from '../../platform/imports/index.ts';
import { compareRegions, createIndicator, listValues, macroValuesImport, recordValue, updateIndicator, valueHistory } from './index.ts';
import { SCOPES } from './model.ts';

const clock = manualClock(new Date('2026-03-02T02:00:00Z'));
let tp: TestPlatform;
let units: TestUnits;
let admin: Actor;
let zzStat: Actor;
let zzReader: Actor;

const staff = (name: string, unitId: string, regionCode: string, regionPrefix: string, scopes: string[]): Actor => ({
  kind: 'staff',
  userId: newId(),
  name,
  grants: [{ roleCode: 't', roleName: 't', unitId, unitName: name, regionCode, regionPrefix, scopes: new Set(scopes) }],
});

before(async () => {
  tp = await startTestPlatform({ clock });
  units = await ensureTestUnits(tp);
  admin = staff('省统计局管理员', units.province, '410000', '41', [SCOPES.read, SCOPES.indicatorManage, SCOPES.valueWrite]);
  zzStat = staff('郑州统计员', units.zhengzhou, '410100', '4101', [SCOPES.read, SCOPES.valueWrite]);
  zzReader = staff('郑州查询员', units.zhengzhou, '410100', '4101', [SCOPES.read]);
  await createIndicator(tp.ctx(admin), { code: 'gdp', name: '地区生产总值', unit: '亿元', frequency: 'year', sourceUnitId: units.province, definition: '测试' });
  await createIndicator(tp.ctx(admin), { code: 'CPI_M', name: '居民消费价格指数', unit: '上年同月=100', frequency: 'month', sourceUnitId: units.province });
});
after(async () => tp?.close());

test('the catalog refuses bad codes, unknown source units and duplicate codes', async () => {
  const ctx = tp.ctx(admin);
  await assert.rejects(createIndicator(ctx, { code: '1X', name: 'x', unit: 'x', frequency: 'year', sourceUnitId: units.province }), /指标代码/);
  await assert.rejects(createIndicator(ctx, { code: 'X1', name: 'x', unit: 'x', frequency: 'year', sourceUnitId: newId() }), /来源部门不存在/);
  await assert.rejects(createIndicator(ctx, { code: 'GDP', name: 'x', unit: 'x', frequency: 'year', sourceUnitId: units.province }), (e) => isAppError(e) && e.code === 'indicator_exists');
  await assert.rejects(createIndicator(tp.ctx(zzStat), { code: 'X2', name: 'x', unit: 'x', frequency: 'year', sourceUnitId: units.province }), (e) => isAppError(e) && e.status === 403);
});

test('a new value supersedes the old one, which is kept with who, when and why', async () => {
  const first = await recordValue(tp.ctx(zzStat), { indicatorCode: 'GDP', regionCode: '410100', period: '2024', value: '14,210.5', note: '初步核算数' });
  assert.equal(first.outcome, 'inserted');
  assert.equal(first.observation.value, '14210.5');
  assert.equal((await recordValue(tp.ctx(zzStat), { indicatorCode: 'GDP', regionCode: '410100', period: '2024', value: 14210.50, note: '初步核算数' })).outcome, 'unchanged');
  await assert.rejects(recordValue(tp.ctx(zzStat), { indicatorCode: 'GDP', regionCode: '410100', period: '2024', value: '14300' }), (e) => isAppError(e) && e.fields[0].field === 'reason');
  clock.advance(3600_000);
  const revised = await recordValue(tp.ctx(admin), { indicatorCode: 'GDP', regionCode: '410100', period: '2024', value: '14322.9', note: '年报核实数', reason: '年报核实' });
  assert.equal(revised.outcome, 'revised');
  assert.equal(revised.observation.revision, 2);
  const history = await valueHistory(tp.ctx(zzReader), { indicatorCode: 'GDP', regionCode: '410100', period: '2024' });
  assert.deepEqual(history.map((h) => [h.revision, h.value, h.recordedByName, h.reason, h.supersededByName, h.supersededReason]), [
    [2, '14322.9', '省统计局管理员', '年报核实', null, null],
    [1, '14210.5', '郑州统计员', '首次录入', '省统计局管理员', '年报核实'],
  ]);
  assert.equal(history[1].recordedAt, '2026-03-02T02:00:00.000Z');
  assert.equal(history[1].supersededAt, '2026-03-02T03:00:00.000Z');
  const audits = await queryRows<{ action: string }>(tp.database.db, sql`SELECT action FROM platform.audit_log WHERE target_id = 'GDP/410100/2024' ORDER BY seq`);
  assert.deepEqual(audits.map((a) => a.action), ['macro.value.record', 'macro.value.revise']);
  const events = await queryRows<{ payload: { revision: number; previous: string | null } }>(tp.database.db, sql`SELECT payload FROM platform.outbox_events WHERE type = 'macro.value.recorded' AND ordering_key = 'GDP/410100/2024' ORDER BY occurred_at`);
  assert.deepEqual(events.map((e) => [e.payload.revision, e.payload.previous]), [[1, null], [2, '14210.5']]);
});

test('periods follow the frequency; regions are bounded by the actor\u2019s unit', async () => {
  await assert.rejects(recordValue(tp.ctx(admin), { indicatorCode: 'GDP', regionCode: '410000', period: '2024Q1', value: 1 }), /年度指标的格式/);
  await assert.rejects(recordValue(tp.ctx(admin), { indicatorCode: 'CPI_M', regionCode: '410000', period: '2024', value: 1 }), /月度指标的格式/);
  await assert.rejects(recordValue(tp.ctx(admin), { indicatorCode: 'GDP', regionCode: '419999', period: '2024', value: 1 }), /不存在/);
  await assert.rejects(recordValue(tp.ctx(admin), { indicatorCode: 'GDP', regionCode: '410000', period: '2024', value: 'abc' }), /数值/);
  await assert.rejects(recordValue(tp.ctx(zzStat), { indicatorCode: 'GDP', regionCode: '410300', period: '2024', value: 5400 }), (e) => isAppError(e) && e.status === 403);
  await recordValue(tp.ctx(admin), { indicatorCode: 'GDP', regionCode: '410300', period: '2024', value: 5600 });
  await recordValue(tp.ctx(admin), { indicatorCode: 'GDP', regionCode: '410000', period: '2024', value: 63590 });
  // Zhengzhou staff see Zhengzhou only; the province sees every region.
  assert.deepEqual((await listValues(tp.ctx(zzReader), { indicatorCode: 'GDP' })).map((v) => v.regionCode), ['410100']);
  assert.deepEqual((await listValues(tp.ctx(admin), { indicatorCode: 'GDP' })).map((v) => v.regionCode), ['410000', '410100', '410300']);
  assert.deepEqual((await compareRegions(tp.ctx(admin), { indicatorCode: 'GDP', period: '2024' })).map((v) => [v.regionName, v.value]), [['郑州市', '14322.9'], ['洛阳市', '5600']]);
  assert.deepEqual(await valueHistory(tp.ctx(zzReader), { indicatorCode: 'GDP', regionCode: '410300', period: '2024' }), []);
  // The frequency of an indicator with data cannot change.
  await assert.rejects(updateIndicator(tp.ctx(admin), { code: 'GDP', frequency: 'quarter' }), (e) => isAppError(e) && e.code === 'frequency_locked');
});

async function importCsv(actor: Actor, name: string, text: string, reason: string, batchSize?: number) {
  const file = path.join(tp.dataDir, `${newId()}-${name}`);
  fs.writeFileSync(file, text);
  const job = await createImportJob(tp.ctx(actor), macroValuesImport as never, { filePath: file, fileName: name, options: { reason }, batchSize });
  return runImportJob(tp.ctx(actor), macroValuesImport as never, { id: job.id });
}

test('CSV import: bad rows reported, a failing batch stores nothing, re-import idempotent, revisions kept', async () => {
  const header = '指标代码,地区代码,时期,数值,附注\n';
  // Batch 1 (rows 2-3) is clean; batch 2 (rows 4-5) has a bad row: none of it is stored.
  const bad = `${header}GDP,410100,2023,13600,\nCPI_M,410100,2025-01,100.4,\nGDP,410100,2022,13100,\nGDP,410100,2021Q3,12,\nXX,410100,2022,1,\n`;
  const job = await importCsv(zzStat, 'bad.csv', bad, '2023 年报', 2);
  assert.equal(job.status, 'completed_with_errors');
  const errors = await listRowErrors(tp.ctx(zzStat), { id: job.id });
  const byRow = errors.map((e) => `${e.row}:${e.column}:${e.message}`);
  assert.ok(byRow.some((e) => /^5:时期:.*年度指标的格式/.test(e)), byRow.join('\n'));
  assert.ok(byRow.some((e) => /^6:指标代码:.*XX 不在指标目录中/.test(e)), byRow.join('\n'));
  const stored = (await listValues(tp.ctx(admin), { indicatorCode: 'GDP', regionCodes: ['410100'] })).map((v) => v.period);
  assert.deepEqual(stored, ['2023', '2024'], 'row 4 (2022) was in the failing batch and is not stored');

  // Another region than the importer's: refused row by row.
  const outside = await importCsv(zzStat, 'outside.csv', `${header}GDP,410300,2023,5480,\n`, '测试');
  assert.equal(outside.status, 'completed_with_errors');
  assert.match((await listRowErrors(tp.ctx(zzStat), { id: outside.id }))[0].message, /不在导入人所在单位的辖区内/);

  const good = `${header}GDP,410100,2023,13650,修订\nGDP,410100,2022,13100,\nCPI_M,410100,2025-01,100.4,\n`;
  clock.advance(60_000);
  const j2 = await importCsv(zzStat, 'good.csv', good, '2023 年报修订');
  assert.deepEqual([j2.status, j2.rowsInserted, j2.rowsUpdated, j2.rowsUnchanged], ['completed', 1, 1, 1]);
  const j3 = await importCsv(zzStat, 'good-again.csv', good, '重复导入');
  assert.deepEqual([j3.status, j3.rowsInserted, j3.rowsUpdated, j3.rowsUnchanged], ['completed', 0, 0, 3], 'idempotent');
  const history = await valueHistory(tp.ctx(admin), { indicatorCode: 'GDP', regionCode: '410100', period: '2023' });
  assert.deepEqual(history.map((h) => [h.revision, h.value, h.reason, h.supersededReason]), [
    [2, '13650', '2023 年报修订', null],
    [1, '13600', '2023 年报', '2023 年报修订'],
  ]);
  assert.equal(history[0].recordedByName, '郑州统计员');
  const cur = await queryOne<{ import_job_id: string }>(tp.database.db, sql`SELECT import_job_id FROM macro_economy.observations WHERE indicator_code = 'GDP' AND region_code = '410100' AND period = '2023'`);
  assert.equal(cur?.import_job_id, j2.id);
  const ev = await queryRows<{ payload: { inserted: number; updated: number } }>(tp.database.db, sql`SELECT payload FROM platform.outbox_events WHERE type = 'macro.values.imported' AND ordering_key = ${j2.id}`);
  assert.deepEqual(ev.map((e) => [e.payload.inserted, e.payload.updated]), [[1, 1]]);
  assert.equal((await queryRows(tp.database.db, sql`SELECT 1 FROM platform.outbox_events WHERE type = 'macro.values.imported' AND ordering_key = ${j3.id}`)).length, 0, 'nothing changed, nothing published');
});
