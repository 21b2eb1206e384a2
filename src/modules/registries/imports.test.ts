/**
 * Bulk imports through the kernel service with the registries' definitions: broken files report
 * every bad row and store none of a failed batch; re-importing is idempotent; an interrupted import
 * resumes after the last committed batch; GB18030 CSV and XLSX; legacy credit codes flagged.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { residentIdCheckChar, usccCheckChar } from '../../platform/identifiers/index.ts';
import { createImportJob, listRowErrors, rowErrorsCsv, runImportJob, type ImportDefinition, type ImportJob } from '../../platform/imports/index.ts';
import { ENTITY_IMPORT, PERSON_IMPORT } from './index.ts';

let tp: TestPlatform;
let dir: string;
const idOf = (first17: string) => first17 + residentIdCheckChar(first17);
const HEADER = '公民身份号码,姓名,性别,民族,出生日期,户籍地区划代码,户籍地址,户号,与户主关系';
const person = (seq: number, extra: Partial<Record<'name' | 'sex' | 'eth' | 'region' | 'id', string>> = {}) => {
  const id = extra.id ?? idOf(`41010219900101${String(seq * 2 + 1).padStart(3, '0')}`);
  return `${id},${extra.name ?? `测试${seq}`},${extra.sex ?? '男'},${extra.eth ?? '汉族'},,${extra.region ?? '410102'},中原区测试路${seq}号,HH${seq},02`;
};
const write = (name: string, lines: string[], encoding: 'utf8' | 'gb18030' = 'utf8'): string => {
  const file = path.join(dir, name);
  const text = `${lines.join('\n')}\n`;
  fs.writeFileSync(file, encoding === 'utf8' ? `\ufeff${text}` : Buffer.from(new Uint8Array(encodeGb18030(text))));
  return file;
};
/** Minimal GB18030 encoder for the characters used here (via TextDecoder round trip over the 2-byte GBK range). */
let gbk: Map<string, number[]> | null = null;
function encodeGb18030(text: string): number[] {
  if (!gbk) {
    gbk = new Map();
    const dec = new TextDecoder('gb18030');
    for (let a = 0x81; a <= 0xfe; a += 1) for (let b = 0x40; b <= 0xfe; b += 1) {
      if (b === 0x7f) continue;
      const ch = dec.decode(new Uint8Array([a, b]));
      if (ch.length === 1 && !gbk.has(ch)) gbk.set(ch, [a, b]);
    }
  }
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else out.push(...(gbk.get(ch) ?? [0x3f]));
  }
  return out;
}

async function importFile(def: ImportDefinition<unknown>, file: string, batchSize: number, opts: Parameters<typeof runImportJob>[3] = {}): Promise<ImportJob> {
  const job = await createImportJob(tp.ctx(), def, { filePath: file, fileName: path.basename(file), batchSize, options: { sourceName: '测试公安局' } });
  return runImportJob(tp.ctx(), def, { id: job.id }, opts);
}
const P = PERSON_IMPORT as unknown as ImportDefinition<unknown>;
const E = ENTITY_IMPORT as unknown as ImportDefinition<unknown>;
const countPersons = async (like: string) => Number((await queryOne<{ n: string | number }>(tp.database.db, sql`SELECT count(*) AS n FROM registries.persons WHERE address LIKE ${like}`))!.n);

before(async () => {
  tp = await startTestPlatform();
  dir = fs.mkdtempSync(path.join(tp.dataDir, 'imp-'));
});
after(async () => {
  await tp?.close();
});

test('a broken file: every bad row is reported, a batch with a bad row stores none of its rows, good batches are stored', async () => {
  const lines = [
    HEADER.replace(',户号', ',户号').replace('中原区', ''),
    person(1), person(2), person(3), // batch 1 (rows 2-4): good
    person(4), `${idOf('41010219900101009').slice(0, 17)}Y,坏号码,男,汉族,,410102,中原区测试路x号,HHx,02`, person(6, { eth: '火星族' }), // batch 2 (rows 5-7): two bad rows
    person(7, { sex: '女' }), person(8, { region: '419999' }), person(9), // batch 3 (rows 8-10): sex mismatch, unknown region
    person(10), person(11), person(10).replace('测试10', '测试10重复'), // batch 4 (rows 11-13): duplicate key
    person(12), // batch 5 (row 14): good
  ];
  const job = await importFile(P, write('broken.csv', lines), 3);
  assert.equal(job.status, 'completed_with_errors');
  assert.equal(job.batchesCommitted, 2);
  assert.equal(job.batchesFailed, 3);
  assert.equal(job.rowsInserted, 4);
  assert.equal(job.rowsFailed, 9);
  const errors = await listRowErrors(tp.ctx(), { id: job.id });
  assert.deepEqual(errors.map((e) => [e.row, e.column]), [[6, '公民身份号码'], [7, '民族'], [8, '性别'], [9, '户籍地区划代码'], [13, '']]);
  assert.match(errors[0].message, /公民身份号码应为 18 位|校验码/);
  assert.match(errors[1].message, /民族代码「火星族」不在代码表中/);
  assert.match(errors[4].message, /与第 11 行重复/);
  // None of the failed batches' rows, including their good rows (4, 7, 9, 10, 11), were stored.
  for (const seq of [4, 7, 9, 10, 11]) assert.equal(await countPersons(`中原区测试路${seq}号`), 0, `row of person ${seq}`);
  for (const seq of [1, 2, 3, 12]) assert.equal(await countPersons(`中原区测试路${seq}号`), 1, `row of person ${seq}`);
  let csv = '';
  for await (const chunk of rowErrorsCsv(tp.ctx(), { id: job.id })) csv += chunk;
  assert.ok(csv.startsWith('\ufeff行号,列,问题,原值'));
  assert.equal(csv.trim().split('\r\n').length, 6);
});

test('re-importing the same file changes nothing; a changed row is updated and its history kept', async () => {
  const lines = [HEADER, person(20), person(21)];
  const first = await importFile(P, write('same.csv', lines), 10);
  assert.deepEqual([first.rowsInserted, first.rowsUpdated, first.rowsUnchanged], [2, 0, 0]);
  const again = await importFile(P, write('same2.csv', lines), 10);
  assert.deepEqual([again.status, again.rowsInserted, again.rowsUpdated, again.rowsUnchanged], ['completed', 0, 0, 2]);
  const changed = await importFile(P, write('changed.csv', [HEADER, person(20).replace('测试20', '测试二十'), person(21)]), 10);
  assert.deepEqual([changed.rowsInserted, changed.rowsUpdated, changed.rowsUnchanged], [0, 1, 1]);
  const id = person(20).split(',')[0];
  const hist = await queryRows<{ type: string; changes: Record<string, { from: unknown; to: unknown }> }>(tp.database.db, sql`SELECT type, changes FROM registries.person_events WHERE id_number = ${id}`);
  assert.deepEqual(hist.map((h) => [h.type, h.changes.name]), [['import', { from: '测试20', to: '测试二十' }]]);
  const v = await queryOne<{ version: number; name: string }>(tp.database.db, sql`SELECT version, name FROM registries.persons WHERE id_number = ${id}`);
  assert.deepEqual(v, { version: 2, name: '测试二十' });
});

test('an interrupted import resumes after the last committed batch (byte offset), without duplicates or gaps', async () => {
  const lines = [HEADER, ...Array.from({ length: 11 }, (_, i) => person(100 + i))];
  const file = write('resume.csv', lines);
  const job = await createImportJob(tp.ctx(), P, { filePath: file, fileName: 'resume.csv', batchSize: 2, options: {} });
  let batches = 0;
  await assert.rejects(
    runImportJob(tp.ctx(), P, { id: job.id }, {
      onProgress: () => {
        batches += 1;
        if (batches === 3) throw new Error('simulated crash');
      },
    }),
    /simulated crash/,
  );
  const mid = await queryOne<{ status: string; next_row: string | number; next_byte: string | number | null; batches_committed: number }>(tp.database.db, sql`SELECT status, next_row, next_byte, batches_committed FROM imports.jobs WHERE id = ${job.id}`);
  assert.equal(mid!.status, 'running');
  assert.equal(Number(mid!.next_row), 8);
  assert.equal(mid!.batches_committed, 3);
  assert.ok(Number(mid!.next_byte) > 0);
  assert.equal(await countPersons('中原区测试路1__号'), 6);
  // A second run while the first still "holds" the job (fresh heartbeat) does nothing without takeOver.
  const refused = await runImportJob(tp.ctx(), P, { id: job.id });
  assert.equal(refused.status, 'running');
  const done = await runImportJob(tp.ctx(), P, { id: job.id }, { takeOver: true });
  assert.equal(done.status, 'completed');
  assert.equal(done.resumedCount, 1);
  assert.equal(done.rowsRead, 11);
  assert.equal(done.rowsInserted, 11);
  assert.equal(done.batchesCommitted, 6);
  assert.equal(await countPersons('中原区测试路1__号'), 11);
  const batchRows = await queryRows<{ batch_no: number; first_row: string | number }>(tp.database.db, sql`SELECT batch_no, first_row FROM imports.batches WHERE job_id = ${job.id} ORDER BY batch_no`);
  assert.deepEqual(batchRows.map((b) => [b.batch_no, Number(b.first_row)]), [[1, 2], [2, 4], [3, 6], [4, 8], [5, 10], [6, 12]]);
});

test('GB18030 CSV (as Excel on Chinese Windows saves it) and XLSX are read', async () => {
  const gb = await importFile(P, write('gb.csv', [HEADER, person(200), person(201)], 'gb18030'), 10);
  assert.equal(gb.fileEncoding, 'gb18030');
  assert.equal(gb.rowsInserted, 2, gb.lastError ?? '');
  assert.equal((await queryOne<{ name: string }>(tp.database.db, sql`SELECT name FROM registries.persons WHERE address = '中原区测试路200号'`))!.name, '测试200');
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('人口');
  ws.addRow(HEADER.split(','));
  for (const seq of [300, 301, 302]) ws.addRow(person(seq).split(','));
  ws.addRow(person(303, { eth: '99' }).split(','));
  const file = path.join(dir, 'persons.xlsx');
  await wb.xlsx.writeFile(file);
  const x = await importFile(P, file, 2);
  assert.equal(x.fileFormat, 'xlsx');
  assert.deepEqual([x.rowsInserted, x.rowsFailed, x.errorCount], [2, 2, 1]);
  assert.equal((await listRowErrors(tp.ctx(), { id: x.id }))[0].row, 5);
});

test('entity import: legacy credit codes failing GB 32100 are stored and flagged, malformed ones refused; a missing column fails the job', async () => {
  const good = '91410102MA9TEWT10';
  const valid = good.slice(0, 17) + usccCheckChar(good.slice(0, 17));
  const legacy = valid.slice(0, 17) + (valid[17] === 'A' ? 'B' : 'A');
  const header = '统一社会信用代码,名称,主体类型,法定代表人,法定代表人身份号码,注册资本(万元),成立日期,行业代码,住所所在区划代码,住所';
  const rows = [header, `${valid},河南甲公司,有限责任公司,王一,,100,2020-01-02,65,410102,郑州`, `${legacy},河南乙公司,1100,王二,,50,2019/3/4,C13,410102,郑州`, `9141010,河南丙公司,1100,王三,,10,2018-01-01,52,410102,郑州`];
  const job = await importFile(E, write('entities.csv', rows), 10);
  assert.equal(job.rowsFailed, 3, 'the malformed code fails its batch');
  const errs = await listRowErrors(tp.ctx(), { id: job.id });
  assert.deepEqual(errs.map((e) => [e.row, e.column]), [[4, '统一社会信用代码']]);
  const ok = await importFile(E, write('entities2.csv', rows.slice(0, 3)), 10);
  assert.equal(ok.rowsInserted, 2);
  const stored = await queryRows<{ uscc: string; uscc_valid: boolean; industry_code: string; established_on: string | Date }>(tp.database.db, sql`SELECT uscc, uscc_valid, industry_code, established_on FROM registries.entities WHERE uscc IN (${valid}, ${legacy})`);
  assert.deepEqual(stored.map((s) => [s.uscc, s.uscc_valid, s.industry_code]).sort((a, b) => String(a[2]).localeCompare(String(b[2]))), [[legacy, false, '13'], [valid, true, '65']]);
  const broken = await importFile(E, write('nocol.csv', ['统一社会信用代码,名称', `${valid},河南甲公司`]), 10);
  assert.equal(broken.status, 'failed');
  assert.match(broken.lastError ?? '', /缺少必需的列「主体类型」/);
});
