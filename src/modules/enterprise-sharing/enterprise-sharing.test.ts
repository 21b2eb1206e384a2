/**
 * Enterprise information sharing end to end, over real HTTP: the platform listens on a port, the
 * exchange's deliverer (worker) posts signed webhooks to the tax bureaus' receivers and back to
 * market regulation's. Registration and change reach both bureaus; a deregistration request waits
 * until both bureaus have cleared; re-delivered events are stored once; unsigned pushes are refused;
 * the bureaus required follow the enterprise's region.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { randomInt } from 'node:crypto';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { ensureTestUnits } from '../../../test/support/units.ts';
import { queryRows, sql } from '../../platform/db/index.ts';
import { createStaff, getPage, loginAs, type Session } from '../../../test/support/identity.ts';
import { REGISTRY_SCOPES, changeEntity, deregisterEntity, deregistrationStatus, getEntity, listClearanceAuthorities, makeUscc, registerEntity, requestDeregistration, setClearanceAuthority } from '../registries/index.ts';
import { TOPIC_CODES, WEBHOOK_PATHS } from './model.ts';
import { acceptEnterprise, answerClearance, listClearances, listIntake, receiveEnterpriseEvent, taxLatencyStats, type ClearanceItem } from './services/intake.ts';
import { connectForTest, eventually, zhengzhouUscc } from './test-helpers.ts';

let tp: TestPlatform;
const sys = () => tp.ctx();
let registryReader: Session;
let zzClerk: Session;

before(async () => {
  tp = await startTestPlatform({ worker: true });
  const units = await ensureTestUnits(tp);
  await tp.platform.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = tp.platform.app.server.address() as AddressInfo;
  const { bureaus } = await connectForTest(tp, { baseUrl: `http://127.0.0.1:${port}` });
  registryReader = await loginAs(tp, await createStaff(tp, { roleScopes: [REGISTRY_SCOPES.entityRead], unitId: units.province }));
  zzClerk = await loginAs(tp, await createStaff(tp, { roleCode: 'tax_registration_clerk', unitId: bureaus.find((b) => b.code === 'ZZTAX')!.unitId }));
});
after(async () => {
  await tp?.close();
});

const intakeOf = async (bureauCode: string, uscc: string) => (await listIntake(sys(), { bureauCode, view: 'all' })).find((e) => e.uscc === uscc);
const clearanceOf = async (bureauCode: string, uscc: string) => (await listClearances(sys(), { bureauCode, view: 'all' })).find((c) => c.uscc === uscc);

async function register(name: string): Promise<string> {
  const uscc = zhengzhouUscc();
  await registerEntity(sys(), { uscc, name, entityType: '1100', legalRepName: '王税', registeredCapital: 100, establishedOn: '2026-03-01', industryCode: '65', regionCode: '410102', address: '郑州市中原区建设路 1 号' });
  tp.platform.services.nudgeDispatcher();
  return uscc;
}

test('a registration and a change reach both tax bureaus; taking over sends the tax registration items back', async () => {
  const uscc = await register('河南共享测试科技有限公司');
  for (const bureau of ['HNTAX', 'ZZTAX']) {
    const e = await eventually(() => intakeOf(bureau, uscc), `${bureau} intake of ${uscc}`);
    assert.deepEqual([e.intakeStatus, e.lastType, e.name, e.registryStatus], ['new', 'registered', '河南共享测试科技有限公司', 'active']);
  }
  await changeEntity(sys(), { uscc, name: '河南共享测试数据科技有限公司', note: '更名' });
  tp.platform.services.nudgeDispatcher();
  for (const bureau of ['HNTAX', 'ZZTAX']) {
    const e = await eventually(async () => ((await intakeOf(bureau, uscc))?.lastType === 'changed' ? intakeOf(bureau, uscc) : null), `${bureau} change of ${uscc}`);
    assert.equal(e.name, '河南共享测试数据科技有限公司');
    assert.deepEqual(e.lastChanges?.name, { from: '河南共享测试科技有限公司', to: '河南共享测试数据科技有限公司' });
  }
  const zz = (await intakeOf('ZZTAX', uscc))!;
  const accepted = await acceptEnterprise(sys(), { id: zz.id, competentAuthority: '国家税务总局郑州市中原区税务局', financeOfficer: '赵会计', accountingMethod: '独立核算' });
  assert.equal(accepted.intakeStatus, 'accepted');
  assert.equal(accepted.businessAddress, '郑州市中原区建设路 1 号', 'the place of business defaults to the registered address');
  const back = await eventually(async () => (await deregistrationStatus(sys(), { uscc })).taxRegistrations[0], 'tax registration items at market regulation');
  assert.deepEqual([back.authorityCode, back.competentAuthority, back.financeOfficer, back.accountingMethod], ['ZZTAX', '国家税务总局郑州市中原区税务局', '赵会计', '独立核算']);
  // A later change of an enterprise already taken over waits for confirmation.
  await changeEntity(sys(), { uscc, registeredCapital: 300, note: '增资' });
  tp.platform.services.nudgeDispatcher();
  await eventually(async () => (await intakeOf('ZZTAX', uscc))?.intakeStatus === 'changed', 'ZZTAX change to confirm');
  const stats = await taxLatencyStats(sys());
  assert.ok(stats.count >= 6 && stats.p50Ms !== null && stats.p95Ms !== null && stats.p95Ms >= stats.p50Ms);
});

test('注销 waits until every bureau has cleared: not cleared keeps it pending, both cleared completes it', async () => {
  const uscc = await register('河南注销测试商贸有限公司');
  await eventually(() => intakeOf('ZZTAX', uscc), 'registration at ZZTAX');
  const request = await requestDeregistration(sys(), { uscc, reason: '股东会决议解散', occurredOn: '2026-06-01' });
  assert.equal(request.status, 'pending');
  assert.deepEqual(request.requiredAuthorities.map((a) => a.code).sort(), ['HNTAX', 'ZZTAX']);
  tp.platform.services.nudgeDispatcher();
  const items: Record<string, ClearanceItem> = {};
  for (const bureau of ['HNTAX', 'ZZTAX']) {
    items[bureau] = await eventually(() => clearanceOf(bureau, uscc), `${bureau} clearance request`);
    assert.deepEqual([items[bureau].status, items[bureau].requestId, items[bureau].reason], ['pending', request.id, '股东会决议解散']);
  }
  await answerClearance(sys(), { id: items.ZZTAX.id, cleared: false, outstanding: ['欠缴 2026 年 5 月增值税', '未缴销发票 3 份'] });
  tp.platform.services.nudgeDispatcher();
  const notCleared = await eventually(async () => (await deregistrationStatus(sys(), { uscc })).request?.latest.find((a) => a.code === 'ZZTAX')?.answer, 'ZZTAX answer at market regulation');
  assert.deepEqual([notCleared.cleared, notCleared.outstanding], [false, ['欠缴 2026 年 5 月增值税', '未缴销发票 3 份']]);
  // The registry's entity page shows the pending request and the answers; the clerk's inbox still lists the item.
  const entityPage = await getPage(tp, registryReader, `/workbench/registries/entities/${uscc}`);
  assert.equal(entityPage.statusCode, 200);
  assert.match(entityPage.body, /注销申请与清税信息[\s\S]*等待清税[\s\S]*国家税务总局郑州市税务局[\s\S]*未清税[\s\S]*未缴销发票 3 份/);
  const inbox = await getPage(tp, zzClerk, '/workbench/tax');
  assert.match(inbox.body, /河南注销测试商贸有限公司[\s\S]*未清税, 待再次答复/);
  assert.match(inbox.body, /第 95 百分位/);
  await answerClearance(sys(), { id: items.HNTAX.id, cleared: true });
  tp.platform.services.nudgeDispatcher();
  await eventually(async () => (await deregistrationStatus(sys(), { uscc })).request?.latest.find((a) => a.code === 'HNTAX')?.answer, 'HNTAX answer at market regulation');
  let status = await deregistrationStatus(sys(), { uscc });
  assert.equal(status.request?.status, 'pending', 'one bureau has not cleared yet');
  assert.equal((await getEntity(sys(), { uscc })).status, 'active');
  // The bureau answers again once the enterprise has paid.
  await answerClearance(sys(), { id: items.ZZTAX.id, cleared: true });
  tp.platform.services.nudgeDispatcher();
  await eventually(async () => (await getEntity(sys(), { uscc })).status === 'cancelled', 'the entity to be 注销');
  status = await deregistrationStatus(sys(), { uscc });
  assert.equal(status.request?.status, 'completed');
  assert.equal(status.request?.answers.length, 3);
  // The 注销 itself reaches the bureaus and closes their clearance items.
  for (const bureau of ['HNTAX', 'ZZTAX']) {
    await eventually(async () => (await intakeOf(bureau, uscc))?.registryStatus === 'cancelled', `${bureau} sees the 注销`);
    assert.equal((await clearanceOf(bureau, uscc))?.status, 'closed');
  }
});

test('a re-delivered event is stored once; a push without the exchange signature is refused', async () => {
  const uscc = await register('河南幂等测试有限公司');
  await eventually(async () => (await intakeOf('HNTAX', uscc)) && intakeOf('ZZTAX', uscc), 'registration at both bureaus');
  const [first] = await queryRows<{ event_id: string; topic: string; committed_at: Date | string }>(tp.database.db, sql`SELECT event_id, topic, committed_at FROM tax.received_events WHERE bureau_code = 'HNTAX' AND uscc = ${uscc}`);
  const event = { id: first.event_id, topic: first.topic, type: 'registered', key: uscc, publishedAt: new Date().toISOString(), payload: { type: 'registered', uscc, name: '河南幂等测试有限公司', regionCode: '410102', status: 'active' } };
  assert.deepEqual(await receiveEnterpriseEvent(sys(), { bureauCode: 'HNTAX', event }), { stored: false });
  const rows = await queryRows(tp.database.db, sql`SELECT 1 FROM tax.received_events WHERE uscc = ${uscc}`);
  assert.equal(rows.length, 2, 'one row per bureau');
  const refused = await tp.platform.app.inject({
    method: 'POST',
    url: WEBHOOK_PATHS.taxRegistrations('HNTAX'),
    headers: { 'content-type': 'application/json', 'x-egov-event-id': 'forged-1', 'x-egov-signature': 'sm2 AAAA' },
    payload: JSON.stringify({ ...event, id: 'forged-1', topic: TOPIC_CODES.enterpriseRegistration }),
  });
  assert.equal(refused.statusCode, 401);
  assert.equal((await queryRows(tp.database.db, sql`SELECT 1 FROM tax.received_events WHERE event_id = 'forged-1'`)).length, 0);
});

test('the required bureaus follow the region; a second request is refused; 吊销 supersedes; without authorities 注销 completes at once', async () => {
  const uscc = makeUscc('91', '410302', () => randomInt(1_000_000) / 1_000_000);
  await registerEntity(sys(), { uscc, name: '洛阳清税测试有限公司', entityType: '1100', legalRepName: '洛税', establishedOn: '2026-03-01', industryCode: '65', regionCode: '410302', address: '洛阳市老城区' });
  const request = await requestDeregistration(sys(), { uscc, reason: '决议解散', occurredOn: '2026-06-01' });
  assert.deepEqual(request.requiredAuthorities.map((a) => a.code), ['HNTAX'], 'a Luoyang enterprise needs only the provincial bureau');
  await assert.rejects(requestDeregistration(sys(), { uscc, reason: '再次申请', occurredOn: '2026-06-02' }), /已有等待清税的注销申请/);
  tp.platform.services.nudgeDispatcher();
  await eventually(() => clearanceOf('HNTAX', uscc), 'HNTAX clearance request');
  assert.equal(await clearanceOf('ZZTAX', uscc), undefined, 'outside the Zhengzhou bureau\'s region');
  await deregisterEntity(sys(), { uscc, status: 'revoked', occurredOn: '2026-06-10', reason: '依法吊销' });
  tp.platform.services.nudgeDispatcher();
  assert.equal((await deregistrationStatus(sys(), { uscc })).request?.status, 'superseded');
  await eventually(async () => (await clearanceOf('HNTAX', uscc))?.status === 'closed', 'the clearance item closed by the 吊销');

  for (const a of await listClearanceAuthorities(sys())) await setClearanceAuthority(sys(), { ...a, active: false });
  const alone = await register('河南无需清税测试有限公司');
  const done = await requestDeregistration(sys(), { uscc: alone, reason: '决议解散', occurredOn: '2026-06-01' });
  assert.deepEqual([done.status, done.requiredAuthorities], ['completed', []]);
  assert.equal((await getEntity(sys(), { uscc: alone })).status, 'cancelled');
});
