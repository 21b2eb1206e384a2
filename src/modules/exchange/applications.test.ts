/**
 * Sharing applications on a real database with a manual clock: 无条件共享 granted in the
 * application's transaction, 不予共享 refused with its legal basis, 有条件共享 as a workflow case at
 * the provider's unit whose answer deadline is 10 working days by the calendar (Spring Festival
 * 2026 included), the provider's approval (expiry, endpoint subset, limits) and refusal (reason
 * required), the escalation timer firing at the deadline and the data authority answering in the
 * provider's place, withdrawal by the applicant, lists and pending items by side.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestPlatform } from '../../../test/support/platform.ts';
import { manualClock, startTestPlatform } from '../../../test/support/platform.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import type { Actor } from '../../platform/context.ts';
import { newId } from '../../platform/ids.ts';
import { queryRows, sql } from '../../platform/db/index.ts';
import { isAppError } from '../../platform/errors.ts';
import { loadCalendar } from '../../platform/calendar/index.ts';
import { getCase, runDueTimers } from '../../platform/workflow/index.ts';
import {
  createMember, createSubsystem, decideApplication, findActiveGrant, getApplication, listApplications, listGrants, publishResource, submitApplication, withdrawApplication,
  type ResourceInput, type ResourceView, type SubsystemView,
} from './index.ts';
import { exchangeModule } from './index.ts';
import { SCOPES } from './model.ts';

// Thursday 2026-0212 10:00 CST: the Spring Festival holidays fall inside the answer period.
const START = new Date('2026-02-12T02:00:00Z');
const clock = manualClock(START);
let tp: TestPlatform;
let units: TestUnits;
let authorityUnit: string;
let providerSys: SubsystemView;
let clientSys: SubsystemView;
let conditional: ResourceView;

const staff = (name: string, unitId: string, regionCode: string, regionPrefix: string, scopes: string[]): Actor => ({
  kind: 'staff',
  userId: newId(),
  name,
  grants: [{ roleCode: 't', roleName: 't', unitId, unitName: name, regionCode, regionPrefix, scopes: new Set(scopes) }],
});
let provider: Actor;
let applicant: Actor;
let colleague: Actor;
let authority: Actor;

const refusal = async (p: Promise<unknown>, code: string, message?: RegExp) => {
  await assert.rejects(p, (e: unknown) => isAppError(e) && e.code === code && (!message || message.test(e.message)));
};

let seq = 0;
const resource = (over: Partial<ResourceInput> = {}): ResourceInput => {
  seq += 1;
  return {
    code: `801/001/${String(seq).padStart(4, '0')}`,
    catalogType: 'department',
    classification: '部门信息资源/测试',
    name: `测试资源 ${seq}`,
    providerSubsystemId: providerSys.id,
    format: 'JSON 接口',
    items: [{ name: '公民身份号码', type: '字符型 C' }],
    kind: 'api',
    serviceCode: `svc-${seq}`,
    shareType: 'conditional',
    shareCondition: '限于社会保障业务',
    legalBasis: '《测试依据》',
    baseUrl: 'http://127.0.0.1:9/provider',
    endpoints: [
      { method: 'GET', pathTemplate: '/persons/{idNumber}', operationId: 'getPerson', subjectParam: 'idNumber' },
      { method: 'GET', pathTemplate: '/persons/{idNumber}/history', operationId: 'personHistory', subjectParam: 'idNumber' },
      { method: 'POST', pathTemplate: '/persons/batch', operationId: 'batch' },
    ],
    ...over,
  };
};

before(async () => {
  tp = await startTestPlatform({ clock });
  units = await ensureTestUnits(tp);
  const now = new Date().toISOString();
  authorityUnit = newId();
  await tp.database.db.execute(sql`INSERT INTO directory.units (id, name, unit_type, region_code, status, is_demo, created_at, updated_at, search_text)
    VALUES (${authorityUnit}, '河南省大数据管理局', 'department', '410000', 'active', false, ${now}, ${now}, '河南省大数据管理局')`);
  const ctx = tp.ctx();
  const pMember = await createMember(ctx, { memberClass: 'GOV', memberCode: 'ZZGAJ001', name: '郑州市公安局 (测试)', unitId: units.zhengzhou });
  const cMember = await createMember(ctx, { memberClass: 'GOV', memberCode: 'LYRSJ001', name: '洛阳市人社局 (测试)', unitId: units.luoyang });
  providerSys = await createSubsystem(ctx, { memberId: pMember.id, code: 'population', name: '人口库' });
  clientSys = await createSubsystem(ctx, { memberId: cMember.id, code: 'shebao', name: '社保系统' });
  provider = staff('郑州资源管理员', units.zhengzhou, '410100', '4101', [SCOPES.catalogRead, SCOPES.resourcePublish, SCOPES.applicationDecide]);
  applicant = staff('洛阳使用员', units.luoyang, '410300', '4103', [SCOPES.catalogRead, SCOPES.applicationSubmit]);
  colleague = staff('洛阳另一使用员', units.luoyang, '410300', '4103', [SCOPES.catalogRead, SCOPES.applicationSubmit]);
  authority = staff('省大数据局管理员', authorityUnit, '410000', '41', [SCOPES.catalogRead, SCOPES.grantManage, SCOPES.memberManage, SCOPES.monitorRead]);
  conditional = await publishResource(tp.ctx(provider), resource());
});
after(async () => tp?.close());

test('无条件共享: granted in the application transaction; a second application finds the grant', async () => {
  const open = await publishResource(tp.ctx(provider), resource({ shareType: 'unconditional', legalBasis: '', shareCondition: '' }));
  const a = await submitApplication(tp.ctx(applicant), { resourceId: open.id, clientSubsystemId: clientSys.id, purpose: '核验参保人员身份' });
  assert.equal(a.status, 'approved');
  assert.equal(a.caseId, null);
  assert.ok(a.grantId);
  const g = await findActiveGrant(tp.ctx(), { clientSubsystemId: clientSys.id, resourceId: open.id, endpointId: open.endpoints[0].id });
  assert.equal(g?.id, a.grantId);
  assert.equal(g?.applicationId, a.id);
  await refusal(submitApplication(tp.ctx(applicant), { resourceId: open.id, clientSubsystemId: clientSys.id, purpose: '再申请一次' }), 'already_granted');
  // Only for one's own unit's subsystems.
  await refusal(submitApplication(tp.ctx(provider), { resourceId: open.id, clientSubsystemId: clientSys.id, purpose: '代别人申请' }), 'forbidden');
});

test('不予共享: the application is refused with the legal basis, and no grant can be written', async () => {
  const closed = await publishResource(tp.ctx(provider), resource({ shareType: 'none', shareCondition: '', legalBasis: '《中华人民共和国人民警察法》: 侦查工作秘密' }));
  await refusal(submitApplication(tp.ctx(applicant), { resourceId: closed.id, clientSubsystemId: clientSys.id, purpose: '想用一下' }), 'resource_not_shared', /不予共享.*人民警察法/);
  assert.deepEqual(await queryRows(tp.database.db, sql`SELECT id FROM exchange.applications WHERE resource_id = ${closed.id}`), []);
});

test('有条件共享: a case at the provider unit with a 10 working-day answer deadline; approve writes the grant (subset, expiry, limits)', async () => {
  clock.set(START);
  await assert.rejects(submitApplication(tp.ctx(applicant), { resourceId: conditional.id, clientSubsystemId: clientSys.id, purpose: '社保待遇资格认证' }),
    (e: unknown) => isAppError(e) && e.code === 'validation_failed' && e.fields.some((f) => f.field === 'legalBasis'));
  const getPerson = conditional.endpoints.find((e) => e.operationId === 'getPerson')!;
  const history = conditional.endpoints.find((e) => e.operationId === 'personHistory')!;
  const batch = conditional.endpoints.find((e) => e.operationId === 'batch')!;
  const a = await submitApplication(tp.ctx(applicant), {
    resourceId: conditional.id, clientSubsystemId: clientSys.id, endpointIds: [getPerson.id, history.id], purpose: '社保待遇资格认证', legalBasis: '《中华人民共和国社会保险法》',
  });
  assert.equal(a.status, 'pending');
  assert.ok(a.caseId);
  await refusal(submitApplication(tp.ctx(applicant), { resourceId: conditional.id, clientSubsystemId: clientSys.id, purpose: '重复申请', legalBasis: '同上' }), 'application_pending');

  // The deadline: 10 working days by the province's calendar (end of the working day), past the Spring Festival.
  const cal = await loadCalendar(tp.ctx(), { regionCode: '410100' });
  const expected = cal.addWorkingDays(START, 10);
  assert.equal(a.answerDueAt, expected.toISOString());
  assert.ok(new Date(a.answerDueAt!).getTime() - START.getTime() > 18 * 86_400_000, 'the holidays do not count');
  const c = await getCase(tp.ctx(provider), { id: a.caseId! });
  assert.equal(c.case.state, 'answering');
  assert.equal(c.case.deadline?.at, a.answerDueAt);

  // Who may answer: not the applicant, not the data authority before the deadline.
  await refusal(decideApplication(tp.ctx(applicant), { id: a.id, decision: 'approve' }), 'forbidden');
  await refusal(decideApplication(tp.ctx(authority), { id: a.id, decision: 'approve' }), 'not_overdue');
  await refusal(decideApplication(tp.ctx(provider), { id: a.id, decision: 'approve', endpointIds: [batch.id] }), 'validation_failed');

  clock.advance(3 * 86_400_000);
  const decided = await decideApplication(tp.ctx(provider), { id: a.id, decision: 'approve', endpointIds: [getPerson.id], expiresOn: '2026-12-31', ratePerMinute: 30, dailyQuota: 1000 });
  assert.equal(decided.status, 'approved');
  assert.equal(decided.decidedByAuthority, false);
  const grants = (await listGrants(tp.ctx(), { resourceId: conditional.id })).filter((g) => g.applicationId === a.id);
  assert.deepEqual(grants.map((g) => [g.endpointId, g.ratePerMinute, g.dailyQuota, g.expiresAt]), [[getPerson.id, 30, 1000, '2026-12-31T15:59:59.999Z']]);
  assert.ok(await findActiveGrant(tp.ctx(), { clientSubsystemId: clientSys.id, resourceId: conditional.id, endpointId: getPerson.id }));
  assert.equal(await findActiveGrant(tp.ctx(), { clientSubsystemId: clientSys.id, resourceId: conditional.id, endpointId: history.id }), null, 'only the approved subset');
  const closed = await getCase(tp.ctx(provider), { id: a.caseId! });
  assert.deepEqual([closed.case.state, closed.case.status], ['approved', 'closed']);
  await refusal(decideApplication(tp.ctx(provider), { id: a.id, decision: 'refuse', reason: '改主意' }), 'application_closed');
});

test('refusal needs a reason; the case closes as 不同意', async () => {
  const r = await publishResource(tp.ctx(provider), resource());
  const a = await submitApplication(tp.ctx(applicant), { resourceId: r.id, clientSubsystemId: clientSys.id, purpose: '全量汇聚人口数据', legalBasis: '平台建设方案' });
  await assert.rejects(decideApplication(tp.ctx(provider), { id: a.id, decision: 'refuse' }), (e: unknown) => isAppError(e) && e.code === 'validation_failed' && e.fields[0].field === 'reason');
  const refused = await decideApplication(tp.ctx(provider), { id: a.id, decision: 'refuse', reason: '超出履行职责所必需的范围' });
  assert.deepEqual([refused.status, refused.decisionReason, refused.grantId], ['refused', '超出履行职责所必需的范围', null]);
  const c = await getCase(tp.ctx(provider), { id: a.caseId! });
  assert.equal(c.case.state, 'refused');
  assert.equal(c.history.at(-1)?.comment, '超出履行职责所必需的范围');
});

test('overdue: the escalation timer fires at the deadline, the data authority sees it and answers in the provider’s place', async () => {
  clock.set(START);
  const r = await publishResource(tp.ctx(provider), resource());
  const a = await submitApplication(tp.ctx(applicant), { resourceId: r.id, clientSubsystemId: clientSys.id, purpose: '就业补贴审核', legalBasis: '《就业促进法》' });
  const timers = await queryRows<{ kind: string; due_at: Date | string }>(tp.database.db, sql`SELECT kind, due_at FROM workflow.timers WHERE case_id = ${a.caseId} AND status = 'pending' ORDER BY due_at`);
  assert.deepEqual(timers.map((t) => t.kind), ['reminder', 'escalation']);
  assert.equal(new Date(timers[1].due_at).toISOString(), a.answerDueAt);

  // One minute before the deadline nothing escalates; the authority may not answer yet.
  clock.set(new Date(new Date(a.answerDueAt!).getTime() - 60_000));
  await runDueTimers(tp.ctx());
  assert.equal((await getCase(tp.ctx(provider), { id: a.caseId! })).case.escalation, null);
  await refusal(decideApplication(tp.ctx(authority), { id: a.id, decision: 'approve' }), 'not_overdue');

  clock.set(new Date(new Date(a.answerDueAt!).getTime() + 60_000));
  const run = await runDueTimers(tp.ctx());
  assert.ok(run.fired >= 1);
  const escalated = await getCase(tp.ctx(authority), { id: a.caseId! });
  assert.deepEqual([escalated.case.escalation?.unitId, escalated.case.late], [authorityUnit, true]);
  assert.equal((await getApplication(tp.ctx(authority), { id: a.id })).overdue, true);
  assert.ok((await listApplications(tp.ctx(authority), { side: 'all', overdueOnly: true })).some((x) => x.id === a.id));
  const items = await exchangeModule.pendingItems!(tp.ctx(authority));
  assert.ok(items.some((i) => i.title.includes('超期') && i.count >= 1), JSON.stringify(items));

  const decided = await decideApplication(tp.ctx(authority), { id: a.id, decision: 'approve', reason: '属于法定职责, 同意共享' });
  assert.deepEqual([decided.status, decided.decidedByAuthority, decided.decidedByName], ['approved', true, '省大数据局管理员']);
  assert.ok(await findActiveGrant(tp.ctx(), { clientSubsystemId: clientSys.id, resourceId: r.id }));
  const closed = await getCase(tp.ctx(authority), { id: a.caseId! });
  assert.deepEqual([closed.case.state, closed.case.late], ['approved', true]);
  assert.match(closed.history.at(-1)?.comment ?? '', /数据主管部门代为答复.*省大数据局管理员/);
});

test('withdrawal by the applicant; lists and pending items by side', async () => {
  const r = await publishResource(tp.ctx(provider), resource());
  const a = await submitApplication(tp.ctx(applicant), { resourceId: r.id, clientSubsystemId: clientSys.id, purpose: '失业保险审核', legalBasis: '《失业保险条例》' });
  assert.ok((await listApplications(tp.ctx(provider), { side: 'provider', status: 'pending' })).some((x) => x.id === a.id));
  assert.ok((await listApplications(tp.ctx(applicant), { side: 'client' })).some((x) => x.id === a.id));
  assert.equal((await listApplications(tp.ctx(applicant), { side: 'provider' })).length, 0);
  await refusal(listApplications(tp.ctx(applicant), { side: 'all' }), 'forbidden');
  const items = await exchangeModule.pendingItems!(tp.ctx(provider));
  assert.ok(items.some((i) => i.title === '待答复的共享申请' && i.count >= 1));
  await refusal(getApplication(tp.ctx(staff('外单位', units.laocheng, '410302', '410302', [SCOPES.catalogRead])), { id: a.id }), 'application_not_found');

  await refusal(withdrawApplication(tp.ctx(colleague), { id: a.id }), 'not_applicant');
  const w = await withdrawApplication(tp.ctx(applicant), { id: a.id });
  assert.equal(w.status, 'withdrawn');
  assert.equal((await getCase(tp.ctx(applicant), { id: a.caseId! })).case.status, 'withdrawn');
  await refusal(decideApplication(tp.ctx(provider), { id: a.id, decision: 'approve' }), 'application_closed');
});
