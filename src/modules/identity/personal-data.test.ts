/**
 * Personal data is masked by default (4101**********1234) in lists, detail pages and the API, and
 * shown whole only to holders of identity.person.read_full who state a purpose, which is audited.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { callApi, createStaff, getPage, loginAs, postForm, type Session, type TestUser } from '../../../test/support/identity.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { queryRows, sql } from '../../platform/db/index.ts';
import { isAppError } from '../../platform/errors.ts';
import { residentIdCheckChar } from '../../platform/identifiers/index.ts';
import { grantsOf } from './assignments.ts';
import { registerCitizen } from './registration.ts';
import { readPersonalData } from './users.ts';

const clock = manualClock(new Date('2026-03-02T01:00:00Z'));
let tp: TestPlatform;
let units: TestUnits;
const ID = `41010219900307123${residentIdCheckChar('41010219900307123')}`;
const MASKED = `4101**********${ID.slice(-4)}`;
const PHONE = '13812345678';
let citizenId: string;
let readerUser: TestUser;
let serviceUser: TestUser;
let reader: Session;
let service: Session;

const actorOf = async (u: TestUser) => ({ kind: 'staff' as const, userId: u.id, name: u.loginName, grants: (await grantsOf(tp.ctx(), u.id)).grants });
const code = (c: string, status: number) => (e: unknown) => isAppError(e) && e.code === c && e.status === status;

before(async () => {
  tp = await startTestPlatform({ clock });
  units = await ensureTestUnits(tp);
  citizenId = await registerCitizen(tp.ctx(), { name: '张三', idNumber: ID, phone: PHONE, password: 'Citizen@2026' });
  readerUser = await createStaff(tp, { roleScopes: ['identity.user.read'], unitId: units.province });
  serviceUser = await createStaff(tp, { roleScopes: ['identity.user.read', 'identity.person.read_full'], unitId: units.province });
  reader = await loginAs(tp, readerUser);
  service = await loginAs(tp, serviceUser);
});
after(async () => tp?.close());

test('the resident ID number and phone are masked in lists, detail pages and the API', async () => {
  const list = await getPage(tp, reader, '/workbench/users?kind=citizen');
  assert.equal(list.statusCode, 200);
  assert.ok(list.body.includes(MASKED), 'masked login name in the list');
  const detail = await getPage(tp, reader, `/workbench/users/${citizenId}`);
  assert.equal(detail.statusCode, 200);
  assert.ok(detail.body.includes(MASKED));
  assert.ok(detail.body.includes('138****5678'));
  assert.doesNotMatch(detail.body, /查看完整信息/, 'no full-data form without the scope');
  for (const body of [list.body, detail.body]) {
    assert.ok(!body.includes(ID), 'never the whole number');
    assert.ok(!body.includes(PHONE));
  }
  const one = await callApi(tp, reader, 'GET', `/api/identity/users/${citizenId}`);
  assert.equal(one.json().idNumber, MASKED);
  assert.equal(one.json().loginName, MASKED);
  assert.equal(one.json().phone, '138****5678');
  const page = await callApi(tp, reader, 'GET', `/api/identity/users?kind=citizen&search=${ID}`);
  assert.equal(page.json().total, 1, 'found by the whole number');
  assert.ok(!page.body.includes(ID), 'but never shown whole');
});

test('reading full personal data without the scope is refused with 403', async () => {
  await assert.rejects(readPersonalData({ ...tp.ctx(), actor: await actorOf(readerUser) }, { id: citizenId, purpose: '核实身份办理业务' }), code('forbidden', 403));
  const api = await callApi(tp, reader, 'POST', `/api/identity/users/${citizenId}/personal-data`, { purpose: '核实身份办理业务' });
  assert.equal(api.statusCode, 403);
  assert.equal((await postForm(tp, reader, `/workbench/users/${citizenId}/personal-data`, { purpose: '核实身份办理业务' })).statusCode, 403);
});

test('reading full personal data without a purpose is refused with 400', async () => {
  await assert.rejects(readPersonalData({ ...tp.ctx(), actor: await actorOf(serviceUser) }, { id: citizenId, purpose: '  ' }), code('purpose_required', 400));
  assert.equal((await callApi(tp, service, 'POST', `/api/identity/users/${citizenId}/personal-data`, {})).statusCode, 400);
  const short = await callApi(tp, service, 'POST', `/api/identity/users/${citizenId}/personal-data`, { purpose: '看' });
  assert.equal(short.statusCode, 400);
  assert.equal(short.json().code, 'purpose_required');
  const form = await postForm(tp, service, `/workbench/users/${citizenId}/personal-data`, { purpose: '' });
  assert.equal(form.statusCode, 400);
  assert.match(form.body, /用途/);
  assert.ok(!form.body.includes(ID));
  const audited = await queryRows(tp.database.db, sql`SELECT 1 FROM platform.audit_log WHERE action = 'identity.person.read_full'`);
  assert.equal(audited.length, 0, 'nothing read, nothing logged');
});

test('with the scope and a purpose: the full value once, and an audit row with the purpose', async () => {
  const detail = await getPage(tp, service, `/workbench/users/${citizenId}`);
  assert.match(detail.body, /查看完整信息/);
  const purpose = '为张三办理社保转移, 核对身份号码';
  const api = await callApi(tp, service, 'POST', `/api/identity/users/${citizenId}/personal-data`, { purpose });
  assert.equal(api.statusCode, 200);
  assert.equal(api.headers['cache-control'], 'no-store');
  assert.deepEqual(api.json(), { displayName: '张三', idNumber: ID, uscc: null, phone: PHONE });

  const page = await postForm(tp, service, `/workbench/users/${citizenId}/personal-data`, { purpose: '窗口核验身份 (第二次)' });
  assert.equal(page.statusCode, 200);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.ok(page.body.includes(ID));
  assert.ok(page.body.includes(PHONE));
  assert.match(page.body, /已连同用途记入审计日志/);
  const again = await getPage(tp, service, `/workbench/users/${citizenId}`);
  assert.ok(!again.body.includes(ID), 'the detail page is masked again');

  const rows = await queryRows<{ actor_user_id: string; target_id: string; target_label: string; purpose: string; result: string }>(
    tp.database.db,
    sql`SELECT actor_user_id, target_id, target_label, purpose, result FROM platform.audit_log WHERE action = 'identity.person.read_full' ORDER BY seq`,
  );
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], { actor_user_id: serviceUser.id, target_id: citizenId, target_label: `张三 ${MASKED}`, purpose, result: 'success' });
  assert.equal(rows[1].purpose, '窗口核验身份 (第二次)');
  assert.ok(!rows.some((r) => r.target_label.includes(ID)), 'the log itself holds only the masked number');
});

test('citizens are visible only to holders of the scope province-wide', async () => {
  const cityUser = await createStaff(tp, { roleScopes: ['identity.user.read', 'identity.person.read_full'], unitId: units.zhengzhou });
  const city = await loginAs(tp, cityUser);
  assert.equal((await getPage(tp, city, `/workbench/users/${citizenId}`)).statusCode, 404);
  assert.equal((await callApi(tp, city, 'POST', `/api/identity/users/${citizenId}/personal-data`, { purpose: '核实身份办理业务' })).statusCode, 404);
  const list = await callApi(tp, city, 'GET', '/api/identity/users?kind=citizen');
  assert.equal(list.json().total, 0);
});
