/**
 * CSV import (all rows or none, problems by row) and export (BOM, round trip), through the
 * services and through HTTP (multipart upload page, text/csv API).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { createStaff, loginAs, type Session } from '../../../test/support/identity.ts';
import { isAppError, type AppError } from '../../platform/errors.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import { SCOPES } from './model.ts';
import { exportUnitsCsv, importUnitsCsv, rowErrorsOf } from './services/csv.ts';
import { listUnits } from './services/units.ts';
import { actorIn, auditCount, badUscc, eventCount, footprint, makeUnit, multipartBody, validUscc } from './test-helpers.ts';

let tp: TestPlatform;
const ids: Record<string, string> = {};
const HEADER = '单位名称,简称,单位类型,行政区划代码,上级单位,统一社会信用代码,状态';
const province = () => tp.ctx(actorIn('410000'));

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
  ids.provGov = await makeUnit(tp.ctx(), { name: '河南省人民政府', unitType: 'government', regionCode: '410000' });
  ids.zzGov = await makeUnit(tp.ctx(), { name: '郑州市人民政府', unitType: 'government', regionCode: '410100', parentId: ids.provGov });
  ids.zyGov = await makeUnit(tp.ctx(), { name: '郑州市中原区人民政府', unitType: 'government', regionCode: '410102', parentId: ids.zzGov });
});
after(async () => {
  await tp?.close();
});

describe('import', () => {
  const good = [
    HEADER,
    `郑州市教育局,市教育局,政府部门,410100,郑州市人民政府,${validUscc('410100', '00000011X')},正常`,
    '郑州市教育局直属学校管理中心,,事业单位,410100,郑州市教育局,,正常',
    '中原区教育局,,department,410102,郑州市中原区人民政府,,已停用',
  ].join('\r\n');

  test('a valid file is stored whole: parents from earlier rows, statuses, one audit record per change', async () => {
    const result = await importUnitsCsv(province(), { text: good, fileName: 'units.csv' });
    assert.deepEqual(result, { rows: 3, created: 3, updated: 0, unchanged: 0 });
    const school = (await listUnits(province(), { q: '直属学校' })).items[0];
    assert.equal(school.parentName, '郑州市教育局');
    assert.equal(school.unitType, 'institution');
    assert.equal((await listUnits(province(), { q: '中原区教育局' })).items[0].status, 'inactive');
    assert.equal(await auditCount(tp, 'directory.unit.import'), 1);
    assert.equal(await auditCount(tp, 'directory.unit.create'), 3 + 3);
    assert.equal(await auditCount(tp, 'directory.unit.deactivate'), 1);
    assert.equal(await eventCount(tp, 'directory.unit.created'), 3 + 3);
  });

  test('importing the same file again changes nothing', async () => {
    const before = await footprint(tp);
    const result = await importUnitsCsv(province(), { text: good });
    assert.deepEqual(result, { rows: 3, created: 0, updated: 0, unchanged: 3 });
    const after = await footprint(tp);
    assert.equal(after.replace(/audit=\d+/, ''), before.replace(/audit=\d+/, ''));
    assert.equal(await auditCount(tp, 'directory.unit.import'), 2, 'only the import itself is recorded');
  });

  test('one bad row: nothing is stored, and every problem is named by its row', async () => {
    const before = await footprint(tp);
    const text = [
      HEADER,
      '郑州市卫生健康委员会,,政府部门,410100,郑州市人民政府,,正常',
      `郑州市民政局,,政府部门,410100,郑州市人民政府,${badUscc('410100', '00000012X')},正常`,
      '郑州市某某处,,处室,410100,,,',
      '郑州市卫生健康委员会,,政府部门,410100,,,正常',
      '郑州市统计局,,政府部门,410100,不存在的单位,,正常',
      `郑州市教育局,市教育局,政府部门,410100,郑州市人民政府,${validUscc('410100', '00000011X')},已停用`,
    ].join('\n');
    const err = await refusal(importUnitsCsv(province(), { text }));
    assert.deepEqual([err.status, err.code], [422, 'import_invalid']);
    assert.match(err.message, /有 5 行存在问题.*未导入任何数据/);
    const messages = err.fields.map((f) => f.message);
    assert.ok(messages.some((m) => m.startsWith('第 3 行: 统一社会信用代码: 统一社会信用代码有误: 校验码错误')), messages.join('\n'));
    assert.ok(messages.some((m) => m.startsWith('第 4 行: 单位类型: 「处室」不是有效的单位类型')));
    assert.ok(messages.some((m) => m.startsWith('第 5 行: 单位名称: 与第 2 行是同一单位')));
    assert.ok(messages.some((m) => m.startsWith('第 6 行: 上级单位: 上级单位「不存在的单位」')));
    assert.ok(messages.some((m) => m.startsWith('第 7 行') && m.includes('下级单位')), 'deactivating a unit with active children');
    assert.deepEqual(rowErrorsOf(err).map((e) => e.row), [3, 4, 5, 6, 7]);
    assert.equal(await footprint(tp), before, 'not even the valid rows were kept');
  });

  test('file-level problems are refused before any row is read', async () => {
    assert.equal((await refusal(importUnitsCsv(province(), { text: '' }))).code, 'csv_empty');
    assert.equal((await refusal(importUnitsCsv(province(), { text: HEADER }))).code, 'csv_empty');
    assert.equal((await refusal(importUnitsCsv(province(), { text: '单位名称,单位类型\n甲,其他' }))).code, 'csv_missing_column');
    const unknown = await refusal(importUnitsCsv(province(), { text: '单位名称,单位类型,行政区划代码,邮编\n甲局,其他,410100,450000' }));
    assert.equal(unknown.code, 'csv_unknown_column');
    assert.match(unknown.message, /邮编/);
    assert.equal((await refusal(importUnitsCsv(province(), { text: '单位名称,单位类型,行政区划代码\n"甲局,其他,410100' }))).code, 'csv_malformed');
  });

  test('rows outside the importer\'s regions are refused', async () => {
    const city = tp.ctx(actorIn('410100'));
    const err = await refusal(importUnitsCsv(city, { text: `${HEADER}\n洛阳市某局,,政府部门,410300,,,正常\n郑州市某局,,政府部门,410100,,,正常` }));
    assert.equal(err.fields.length, 1);
    assert.match(err.fields[0].message, /^第 2 行: .*不在您的管辖范围内/);
    assert.equal((await refusal(importUnitsCsv(tp.ctx(actorIn('410000', [SCOPES.unitRead])), { text: good }))).status, 403);
  });
});

describe('export', () => {
  test('UTF-8 with BOM and CRLF; exporting and importing again changes nothing (formula-like names too)', async () => {
    await makeUnit(tp.ctx(), { name: '=HYPERLINK("http://x")', shortName: '+1', unitType: 'other', regionCode: '410100' });
    const csv = await exportUnitsCsv(province());
    assert.ok(csv.startsWith('\uFEFF单位名称,简称,单位类型,行政区划代码,上级单位,统一社会信用代码,状态\r\n'));
    const records = parse(csv, { bom: true, columns: true }) as Record<string, string>[];
    const total = (await listUnits(province(), { pageSize: 500 })).total;
    assert.equal(records.length, total);
    const formula = records.find((r) => r['单位名称'].includes('HYPERLINK'))!;
    assert.equal(formula['单位名称'], `'=HYPERLINK("http://x")`, 'a spreadsheet shows it as text');
    assert.equal(formula['简称'], `'+1`);
    const before = await footprint(tp);
    const result = await importUnitsCsv(province(), { text: csv });
    assert.deepEqual(result, { rows: total, created: 0, updated: 0, unchanged: total });
    assert.equal((await footprint(tp)).replace(/audit=\d+/, ''), before.replace(/audit=\d+/, ''));
  });

  test('a county clerk exports only the county', async () => {
    const csv = await exportUnitsCsv(tp.ctx(actorIn('410102', [SCOPES.unitRead])));
    const records = parse(csv, { bom: true, columns: true }) as Record<string, string>[];
    assert.ok(records.length >= 2);
    assert.ok(records.every((r) => r['行政区划代码'] === '410102'));
  });
});

describe('over HTTP', () => {
  let s: Session;
  before(async () => {
    const user = await createStaff(tp, { roleScopes: [SCOPES.unitRead, SCOPES.unitWrite], unitId: ids.provGov });
    s = await loginAs(tp, user);
  });

  const upload = (parts: Parameters<typeof multipartBody>[0]) => {
    const { payload, contentType } = multipartBody(parts);
    return tp.platform.app.inject({ method: 'POST', url: '/workbench/directory/units/import', headers: { cookie: s.cookie, 'content-type': contentType }, payload });
  };

  test('upload page: a GB18030 file from Excel is imported', async () => {
    const page = await tp.platform.app.inject({ method: 'GET', url: '/workbench/directory/units/import', headers: { cookie: s.cookie } });
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes('enctype="multipart/form-data"'));
    const gbk = Buffer.from('b5a5cebbc3fbb3c62cb5a5cebbc0e0d0cd2cd0d0d5fec7f8bbaeb4fac2eb2cc9cfbcb6b5a5cebb0d0ad6a3d6ddcad0cec4bbafb9e3b5e7bacdc2c3d3cebed62cd5feb8aeb2bfc3c52c3431303130302cd6a3d6ddcad0c8cbc3f1d5feb8ae0d0a', 'hex');
    const res = await upload([{ name: '_csrf', value: s.csrf }, { name: 'file', filename: '单位.csv', content: gbk }]);
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const unit = await queryOne<{ parent_id: string }>(tp.database.db, sql`SELECT parent_id FROM directory.units WHERE name = '郑州市文化广电和旅游局'`);
    assert.equal(unit?.parent_id, ids.zzGov);
  });

  test('upload page: a bad row shows the problems (422), with the list downloadable as CSV', async () => {
    const before = await footprint(tp);
    const text = `${HEADER}\n郑州市审计局,,政府部门,410100,,${badUscc('410100', '00000013X')},正常\n`;
    const res = await upload([{ name: '_csrf', value: s.csrf }, { name: 'csv_text', value: text }]);
    assert.equal(res.statusCode, 422);
    assert.ok(res.body.includes('第 1 行为表头'));
    assert.ok(res.body.includes('校验码错误'));
    assert.equal(await footprint(tp), before);
    const hidden = /name="errors" value="([^"]+)"/.exec(res.body)![1].replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    const dl = await tp.platform.app.inject({
      method: 'POST',
      url: '/workbench/directory/units/import/errors.csv',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: s.csrf, errors: hidden }).toString(),
    });
    assert.equal(dl.statusCode, 200);
    assert.match(String(dl.headers['content-type']), /^text\/csv/);
    assert.ok(dl.body.startsWith('\uFEFF行号,列,问题\r\n2,统一社会信用代码,'));
  });

  test('upload page: without the CSRF token, or with the file before it, nothing is read', async () => {
    const before = await footprint(tp);
    const text = `${HEADER}\n郑州市审计局,,政府部门,410100,,,正常\n`;
    assert.equal((await upload([{ name: 'csv_text', value: text }])).statusCode, 403);
    assert.equal((await upload([{ name: '_csrf', value: 'forged' }, { name: 'csv_text', value: text }])).statusCode, 403);
    assert.equal((await upload([{ name: 'file', filename: 'a.csv', content: text }, { name: '_csrf', value: s.csrf }])).statusCode, 403);
    assert.equal(await footprint(tp), before);
  });

  test('API: text/csv import answers JSON or a problem with the rows; export is CSV with BOM', async () => {
    const ok = await tp.platform.app.inject({
      method: 'POST',
      url: '/api/directory/units/import',
      headers: { ...s.headers, 'content-type': 'text/csv; charset=utf-8' },
      payload: `${HEADER}\n郑州市审计局,,政府部门,410100,郑州市人民政府,,正常\n`,
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json(), { rows: 1, created: 1, updated: 0, unchanged: 0 });
    const bad = await tp.platform.app.inject({
      method: 'POST',
      url: '/api/directory/units/import',
      headers: { ...s.headers, 'content-type': 'text/csv' },
      payload: `${HEADER}\n郑州市审计局,,部委,410100,,,正常\n`,
    });
    assert.equal(bad.statusCode, 422);
    assert.match(String(bad.headers['content-type']), /application\/problem\+json/);
    assert.deepEqual(bad.json().fields.map((f: { field: string }) => f.field), ['rows[2].单位类型']);
    const noCsrf = await tp.platform.app.inject({ method: 'POST', url: '/api/directory/units/import', headers: { cookie: s.cookie, 'content-type': 'text/csv' }, payload: HEADER });
    assert.equal(noCsrf.statusCode, 403);
    const exp = await tp.platform.app.inject({ method: 'GET', url: '/api/directory/units/export?region=410102', headers: { cookie: s.cookie } });
    assert.equal(exp.statusCode, 200);
    assert.match(String(exp.headers['content-disposition']), /^attachment; filename="units.csv"; filename\*=UTF-8''/);
    assert.ok(exp.body.startsWith('\uFEFF单位名称'));
    const page = await tp.platform.app.inject({ method: 'GET', url: '/workbench/directory/units/export.csv?status=active', headers: { cookie: s.cookie } });
    assert.equal(page.statusCode, 200);
    assert.ok(!page.body.includes('已停用'));
  });
});
