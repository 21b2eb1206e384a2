/**
 * Disclosure on request against the statutory clock, with a manual clock across the 2026 Spring
 * Festival and Qingming holidays: correction notice within 7 working days, the reply clock
 * restarting on correction, third-party consultation pausing it, the extension by 20 working
 * days; outcome codes; processing fees; the annual report's Table 3 and its balance check
 * computed from the cases.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform, manualClock, type TestPlatform } from '../../../test/support/platform.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { createStaff } from '../../../test/support/identity.ts';
import type { Actor, Grant } from '../../platform/context.ts';
import { residentIdCheckChar } from '../../platform/identifiers/index.ts';
import { buildCalendar } from '../../platform/calendar/index.ts';
import { registerCitizen } from '../identity/index.ts';
import {
  annualReport,
  annualReportXlsx,
  setReportTexts,
  applyForInformation,
  createSite,
  endConsultation,
  extendRequest,
  getRequest,
  processingFee,
  replyToRequest,
  requestCorrection,
  startConsultation,
  submitRequestCorrection,
  withdrawRequest,
} from './index.ts';

let tp: TestPlatform;
let u: TestUnits;
const clock = manualClock(new Date('2026-02-09T02:00:00Z')); // Monday 10:00 China time
let citizen: Actor;
let officer: Actor;
let leader: Actor;
const at = (iso: string) => clock.set(new Date(iso));

async function staffActor(roleCode: string, scopes: string[]): Promise<Actor> {
  const user = await createStaff(tp, { roleCode, unitId: u.province });
  const grant: Grant = { roleCode, roleName: roleCode, unitId: u.province, unitName: '河南省人民政府 (测试)', regionCode: '410000', regionPrefix: '41', scopes: new Set(scopes) };
  return { kind: 'staff', userId: user.id, name: `${roleCode} 测试`, grants: [grant] };
}

before(async () => {
  tp = await startTestPlatform({ clock });
  u = await ensureTestUnits(tp);
  await createSite(tp.ctx(), { code: '4100000001', name: '河南省测试门户', level: 'province', sponsorUnitId: u.province });
  const id17 = '41010219850101123';
  const userId = await registerCitizen(tp.ctx(), { name: '李申请', idNumber: `${id17}${residentIdCheckChar(id17)}`, phone: '13900000000', password: 'Apply@2026pass' });
  citizen = { kind: 'citizen', userId, name: '李申请', grants: [] };
  officer = await staffActor('disclosure_officer', ['portal.disclosure.handle', 'portal.report.manage', 'portal.message.reply', 'portal.health.read']);
  leader = await staffActor('disclosure_leader', ['portal.disclosure.approve', 'portal.disclosure.handle']);
});
after(async () => tp?.close());

const apply = (description = '请公开2025年本机关财政预算执行情况') =>
  applyForInformation(tp.ctx(citizen), { siteCode: '4100000001', applicantType: 'person', applicantName: '李申请', contactPhone: '13900000000', description, delivery: 'online' });

test('anonymous applications are refused; the deadline crosses the Spring Festival', async () => {
  await assert.rejects(applyForInformation(tp.ctx({ kind: 'anonymous', userId: null, name: '匿名', grants: [] }), { siteCode: '4100000001', applicantType: 'person', applicantName: '某', contactPhone: '13900000000', description: 'x', delivery: 'online' }), /登录/);
  at('2026-02-09T02:00:00Z');
  const r = await apply();
  // 7 working days: Feb 10–14 (14th is an adjusted working Saturday), holiday Feb 15–23, Feb 24, 25.
  assert.equal(r.correctionDueAt, '2026-02-25T09:00:00.000Z');
  // 20 working days: … Feb 28 (adjusted working Saturday) … Mar 13, 17:00 China time.
  assert.equal(r.replyDueAt, '2026-03-13T09:00:00.000Z');
  assert.equal(r.status, 'handling');
  // The applicant sees their case; another citizen does not.
  assert.equal((await getRequest(tp.ctx(citizen), { id: r.id })).receiptNo, r.receiptNo);
  await assert.rejects(getRequest(tp.ctx({ kind: 'citizen', userId: leader.userId, name: 'x', grants: [] }), { id: r.id }), /不存在/);
});

test('correction restarts the reply clock from the day the correction arrives', async () => {
  at('2026-02-09T02:00:00Z');
  const r = await apply('要那个文件');
  at('2026-02-10T02:00:00Z');
  const c = await requestCorrection(tp.ctx(officer), { id: r.id, what: '请写明文件名称或文号' });
  assert.equal(c.status, 'correction');
  assert.equal(c.replyDueAt, null);
  assert.equal(c.correctionLate, false);
  await assert.rejects(requestCorrection(tp.ctx(officer), { id: r.id, what: '再补' }), /不能告知补正|一次性/);
  at('2026-03-02T02:00:00Z'); // Monday; the applicant corrects
  const fixed = await submitRequestCorrection(tp.ctx(citizen), { id: r.id, description: '请公开豫政〔2025〕3号文件' });
  assert.equal(fixed.status, 'handling');
  assert.equal(fixed.clockStartAt, '2026-03-02T02:00:00.000Z');
  // 20 working days from Mar 2: Mar 30.
  assert.equal(fixed.replyDueAt, '2026-03-30T09:00:00.000Z');
  // A correction notice after the 7 working days is flagged.
  at('2026-02-09T02:00:00Z');
  const late = await apply('另一件');
  at('2026-02-26T02:00:00Z');
  assert.equal((await requestCorrection(tp.ctx(officer), { id: late.id, what: '请补充' })).correctionLate, true);
});

test('third-party consultation pauses the clock; the head extends it by 20 working days', async () => {
  at('2026-03-02T02:00:00Z');
  const r = await apply('涉及某企业的行政许可材料');
  assert.equal(r.replyDueAt, '2026-03-30T09:00:00.000Z');
  at('2026-03-04T02:00:00Z'); // Wed
  const paused = await startConsultation(tp.ctx(officer), { id: r.id, party: '某企业' });
  assert.equal(paused.status, 'consulting');
  assert.equal(paused.replyDueAt, null);
  // The third party has 15 working days: Mar 5 … Mar 25.
  assert.equal(paused.pauses[0].dueAt, '2026-03-25T09:00:00.000Z');
  await assert.rejects(replyToRequest(tp.ctx(officer), { id: r.id, outcome: 'disclosed', text: '公开' }), /征求意见/);
  at('2026-03-11T02:00:00Z'); // Wed: Mar 5, 6, 9, 10, 11 do not count
  const resumed = await endConsultation(tp.ctx(officer), { id: r.id, result: '第三方同意公开' });
  // Mar 30 + 5 working days, Qingming (Apr 4–6) excluded: Mar 31, Apr 1, 2, 3, 7.
  assert.equal(resumed.replyDueAt, '2026-04-07T09:00:00.000Z');
  // Only the head may extend; once; with a reason.
  await assert.rejects(extendRequest(tp.ctx(officer), { id: r.id, reason: '材料较多' }), /权限/);
  const ext = await extendRequest(tp.ctx(leader), { id: r.id, reason: '材料较多, 需要检索档案' });
  assert.equal(ext.extended, true);
  const cal = buildCalendar({ regionCode: '410000' });
  assert.equal(ext.replyDueAt, cal.addWorkingDays(new Date('2026-04-07T02:00:00Z'), 20).toISOString());
  await assert.rejects(extendRequest(tp.ctx(leader), { id: r.id, reason: '再延' }), /已延期/);
  // Reply with a statutory outcome: a category with sub-reasons needs one.
  at('2026-04-20T02:00:00Z');
  await assert.rejects(replyToRequest(tp.ctx(officer), { id: r.id, outcome: 'not_disclosed', text: '不予公开' }), /具体理由/);
  const done = await replyToRequest(tp.ctx(officer), { id: r.id, outcome: 'not_disclosed', reason: 'third_party', text: '涉及商业秘密, 第三方不同意公开。' });
  assert.equal(done.status, 'replied');
  assert.equal(done.repliedOnTime, true);
  assert.equal(done.outcomeReasonLabel, '4. 保护第三方合法权益');
});

test('information-processing fees (国办函〔2020〕109号)', () => {
  assert.equal(processingFee({ method: 'per_application', nthThisMonth: 10 }), 0);
  assert.equal(processingFee({ method: 'per_application', nthThisMonth: 11 }), 100);
  assert.equal(processingFee({ method: 'per_application', nthThisMonth: 30 }), 100);
  assert.equal(processingFee({ method: 'per_application', nthThisMonth: 31 }), 200);
  assert.equal(processingFee({ method: 'per_application', nthThisMonth: 41 }), 300);
  assert.equal(processingFee({ method: 'per_page', pages: 30 }), 0);
  assert.equal(processingFee({ method: 'per_page', pages: 100 }), 700);
  assert.equal(processingFee({ method: 'per_page', pages: 150 }), 700 + 50 * 20);
  assert.equal(processingFee({ method: 'per_page', pages: 210 }), 700 + 2000 + 400);
});

test('annual report Table 3 comes out of the cases and balances', async () => {
  const before2027 = await annualReport(tp.ctx(officer), { unitId: u.province, year: 2026 });
  // Everything so far: received in 2026.
  assert.equal(before2027.balance.carriedIn, 0);
  const base = before2027.balance;
  // A case received in 2025 and still open in 2026 is carried in; one replied in 2025 is not counted.
  at('2025-12-22T02:00:00Z');
  const old = await apply('2025 年底的申请');
  const oldDone = await apply('2025 年已答复的申请');
  at('2025-12-23T02:00:00Z');
  await replyToRequest(tp.ctx(officer), { id: oldDone.id, outcome: 'disclosed', text: '已公开' });
  at('2026-01-05T02:00:00Z');
  await replyToRequest(tp.ctx(officer), { id: old.id, outcome: 'cannot_provide', reason: 'not_held', text: '本机关不掌握' });
  // An organisation's application, withdrawn by the applicant (counted as 其他处理 — 其他).
  const org = await applyForInformation(tp.ctx(citizen), { siteCode: '4100000001', applicantType: 'commercial', applicantName: '某商贸公司', contactPhone: '13900000000', description: '企业申请', delivery: 'email' });
  await withdrawRequest(tp.ctx(citizen), { id: org.id });

  const r = await annualReport(tp.ctx(officer), { unitId: u.province, year: 2026 });
  const row = (k: string) => r.table3.find((x) => x.key === k)!.cols;
  assert.equal(r.balance.carriedIn, 1);
  assert.equal(r.balance.newThisYear, base.newThisYear + 1);
  assert.equal(row('cannot_provide.not_held').person, 1);
  assert.equal(row('other.other').commercial, 1);
  assert.equal(row('new').commercial, 1);
  assert.equal(row('not_disclosed.third_party').person, 1);
  assert.ok(r.balance.ok, JSON.stringify(r.balance));
  assert.equal(r.balance.newThisYear + r.balance.carriedIn, r.balance.handled + r.balance.carriedOut);
  // Open cases at year end are carried to the next year, and the 2025 report counts the 2025 ones.
  assert.ok(r.balance.carriedOut >= 1);
  const r2025 = await annualReport(tp.ctx(officer), { unitId: u.province, year: 2025 });
  assert.equal(r2025.balance.newThisYear, 2);
  assert.equal(r2025.balance.handled, 1);
  assert.equal(r2025.balance.carriedOut, 1);
  assert.ok(r2025.balance.ok);
  // Only the unit's disclosure officers see it.
  await assert.rejects(annualReport(tp.ctx(citizen), { unitId: u.province, year: 2026 }), /政务公开专员/);
});

test('sections 五 and 六 are written by the agency: unwritten ones say so, written ones appear in HTML data and XLSX', async () => {
  const unwritten = await annualReport(tp.ctx(officer), { unitId: u.province, year: 2026 });
  assert.deepEqual(unwritten.texts, { problems: '', other: '' });
  await setReportTexts(tp.ctx(officer), { unitId: u.province, year: 2026, problems: '政策解读形式较单一。\r\n\r\n下一年度增加图解和视频解读。', other: '' });
  const r = await annualReport(tp.ctx(officer), { unitId: u.province, year: 2026 });
  assert.equal(r.texts.problems, '政策解读形式较单一。\n\n下一年度增加图解和视频解读。');
  const xlsx = await annualReportXlsx(r);
  const ExcelJS = (await import('exceljs')).default;
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  const texts = wb.getWorksheet('五 六 文字部分')!.getColumn(1).values.map(String);
  assert.ok(texts.includes('下一年度增加图解和视频解读。'));
  assert.ok(texts.some((t) => t.startsWith('本年度收取信息处理费')));
  await assert.rejects(setReportTexts(tp.ctx(officer), { unitId: u.province, year: 2026, problems: '长'.repeat(20_001), other: '' }), /不能超过/);
  await assert.rejects(setReportTexts(tp.ctx(citizen), { unitId: u.province, year: 2026, problems: '', other: '' }), /政务公开专员/);
});
