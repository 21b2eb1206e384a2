/**
 * The registries on a real platform: check characters and code lists enforced, registration events
 * with history and outbox events, masking with scope + purpose, the access log ("who used my data"),
 * legacy credit codes flagged, quality reports assigned to the source department, and the demo seed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { callApi, createStaff, loginAs, type Session } from '../../../test/support/identity.ts';
import type { Actor } from '../../platform/context.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { residentIdCheckChar, usccCheckChar } from '../../platform/identifiers/index.ts';
import {
  REGISTRY_SCOPES as S,
  accessLogFor,
  batchPersons,
  changeEntity,
  deregisterEntity,
  getEntity,
  getPerson,
  listQualityIssues,
  personHistory,
  recordPersonEvent,
  registerEntity,
  runQualityChecks,
  searchPersons,
  correctPerson,
  registriesModule,
} from './index.ts';

let tp: TestPlatform;
let units: TestUnits;
const idOf = (first17: string) => first17 + residentIdCheckChar(first17);
const usccOf = (first17: string) => first17 + usccCheckChar(first17);

function actor(unitId: string, unitName: string, regionCode: string, prefix: string, scopes: string[], name = '测试'): Actor {
  return { kind: 'staff', userId: null, name, grants: [{ roleCode: 't', roleName: 't', unitId, unitName, regionCode, regionPrefix: prefix, scopes: new Set(scopes) }] };
}

let clerk: Actor;
let reader: Actor;
let zzReader: Actor;
let registrar: Actor;

const A = idOf('41010219900307123'); // male (3 odd), Zhongyuan
const B = idOf('41010219850612002'); // female
const C = idOf('41030219700101005'); // Luoyang Laocheng, male

before(async () => {
  tp = await startTestPlatform();
  await registriesModule.seedDemo!(tp.ctx(), tp.platform.services);
  units = await ensureTestUnits(tp);
  clerk = actor(units.province, '河南省人民政府 (测试)', '410000', '41', [S.personRead, S.personReadFull, S.personWrite, S.qualityManage, S.accessLogRead], '户籍员');
  reader = actor(units.province, '河南省人民政府 (测试)', '410000', '41', [S.personRead, S.entityRead], '查询员');
  zzReader = actor(units.zhengzhou, '郑州市人民政府 (测试)', '410100', '4101', [S.personRead, S.personReadFull], '郑州查询员');
  registrar = actor(units.province, '河南省人民政府 (测试)', '410000', '41', [S.entityRead, S.entityReadFull, S.entityWrite, S.qualityManage], '登记员');
  const c = tp.ctx(clerk);
  await recordPersonEvent(c, { type: 'birth', idNumber: A, name: '王小明', ethnicity: '01', regionCode: '410102', address: '郑州市中原区建设路1号', householdId: 'HH-A', relationToHead: '02' });
  await recordPersonEvent(c, { type: 'move_in', idNumber: B, name: '李芳', ethnicity: '03', regionCode: '410102', address: '郑州市中原区建设路1号', householdId: 'HH-A', relationToHead: '10' });
  await recordPersonEvent(c, { type: 'move_in', idNumber: C, name: '张建国', ethnicity: '01', regionCode: '410302', address: '洛阳市老城区中州路8号', householdId: 'HH-C', relationToHead: '02' });
});
after(async () => {
  await tp?.close();
});

test('the demo seed loaded synthetic persons and entities, labelled as demo, with valid check characters', async () => {
  const p = await queryOne<{ n: string | number; bad: string | number }>(tp.database.db, sql`SELECT count(*) AS n, count(*) FILTER (WHERE NOT is_demo) AS bad FROM registries.persons WHERE source_name <> '河南省人民政府 (测试)'`);
  assert.ok(Number(p!.n) >= 300, `persons ${p!.n}`);
  assert.equal(Number(p!.bad), 0);
  const ids = await queryRows<{ id_number: string }>(tp.database.db, sql`SELECT id_number FROM registries.persons WHERE is_demo LIMIT 300`);
  for (const { id_number } of ids) assert.equal(residentIdCheckChar(id_number.slice(0, 17)), id_number[17], id_number);
  const e = await queryRows<{ uscc: string; uscc_valid: boolean }>(tp.database.db, sql`SELECT uscc, uscc_valid FROM registries.entities WHERE is_demo`);
  assert.ok(e.length >= 100);
  for (const r of e) assert.equal(usccCheckChar(r.uscc.slice(0, 17)) === r.uscc[17], r.uscc_valid, r.uscc);
  assert.ok(e.some((r) => !r.uscc_valid), 'demo shows a flagged legacy code');
  const issues = await queryRows<{ rule: string }>(tp.database.db, sql`SELECT DISTINCT rule FROM registries.quality_issues WHERE status = 'open'`);
  assert.ok(issues.some((i) => i.rule === 'entity_rep_deceased'), JSON.stringify(issues));
  assert.ok(issues.some((i) => i.rule === 'entity_uscc_invalid'));
});

test('check characters, birth date and code lists are enforced on registration', async () => {
  const c = tp.ctx(clerk);
  const wrongCheck = A.slice(0, 17) + (A[17] === '0' ? '1' : '0');
  await assert.rejects(recordPersonEvent(c, { type: 'birth', idNumber: wrongCheck, name: '甲', ethnicity: '01', regionCode: '410102', address: 'x' }), (e: Error & { code?: string }) => e.code === 'validation_failed' && /校验码/.test(e.message));
  await assert.rejects(recordPersonEvent(c, { type: 'birth', idNumber: idOf('41010220000101001'), name: '乙', ethnicity: '99', regionCode: '410102', address: 'x' }), /民族代码「99」不在代码表中/);
  await assert.rejects(recordPersonEvent(c, { type: 'birth', idNumber: idOf('41010220000101001'), name: '丙', ethnicity: '01', regionCode: '419999', address: 'x' }), /不在组织目录/);
  await assert.rejects(recordPersonEvent(c, { type: 'birth', idNumber: idOf('41010220000101001'), name: '丁', ethnicity: '01', regionCode: '410102', address: 'x', occurredOn: '2000-01-02' }), /不一致/);
  await assert.rejects(recordPersonEvent(c, { type: 'birth', idNumber: A, name: '重复', ethnicity: '01', regionCode: '410102', address: 'x' }), (e: Error & { code?: string }) => e.code === 'person_exists');
  const r = tp.ctx(registrar);
  const base = { name: '河南测试科技有限公司', entityType: '1100', legalRepName: '王小明', legalRepIdNumber: A, registeredCapital: 100, establishedOn: '2026-01-05', industryCode: '65', regionCode: '410102', address: '郑州市中原区' };
  await assert.rejects(registerEntity(r, { ...base, uscc: '91440300MA5DA8QK3X' }), /应为 E/);
  await assert.rejects(registerEntity(r, { ...base, uscc: usccOf('91410102MA9XYW12Q'), industryCode: '98' }), /GB\/T 4754/);
  await assert.rejects(registerEntity(r, { ...base, uscc: usccOf('91410102MA9XYW12Q'), entityType: '7777' }), /主体类型代码/);
  const ok = await registerEntity(r, { ...base, uscc: usccOf('91410102MA9XYW12Q') });
  assert.equal(ok.usccValid, true);
  assert.equal(ok.industrySection, 'I 信息传输、软件和信息技术服务业');
});

test('events update the record, keep the history, set field sources and publish outbox events', async () => {
  const c = tp.ctx(clerk);
  await recordPersonEvent(c, { type: 'name_change', idNumber: A, newName: '王晓明', note: '本人申请' });
  await recordPersonEvent(c, { type: 'household_split', idNumbers: [B], newHouseholdId: 'HH-B', headIdNumber: B });
  await recordPersonEvent(c, { type: 'household_merge', fromHouseholdId: 'HH-B', intoHouseholdId: 'HH-A', relationOfFormerHead: '10' });
  await recordPersonEvent(c, { type: 'move_out', idNumber: C, occurredOn: '2026-06-01', movedTo: '北京市海淀区' });
  const a = await getPerson(c, { idNumber: A, purpose: '测试核对姓名变更' });
  assert.equal(a.name, '王晓明');
  assert.deepEqual(a.formerNames, ['王小明']);
  assert.equal(a.fieldSources.name.name, '河南省人民政府 (测试)');
  const b = await getPerson(c, { idNumber: B, purpose: '测试核对合户结果' });
  assert.equal(b.householdId, 'HH-A');
  assert.equal(b.relationToHead, '10');
  const hist = await personHistory(c, { idNumber: B, full: true });
  assert.deepEqual(hist.map((h) => h.type), ['household_merge', 'household_split', 'move_in']);
  assert.deepEqual(hist[1].changes.household_id, { from: 'HH-A', to: 'HH-B' });
  const cc = await getPerson(c, { idNumber: C, purpose: '测试核对迁出' });
  assert.equal(cc.status, 'moved_out');
  assert.equal(cc.movedTo, '北京市海淀区');
  const events = await queryRows<{ type: string; payload: { idNumber: string } }>(tp.database.db, sql`SELECT type, payload FROM platform.outbox_events WHERE ordering_key IN (${A}, ${B}, ${C}) ORDER BY occurred_at, id`);
  const types = events.map((e) => e.type);
  for (const t of ['registries.person.born', 'registries.person.moved_in', 'registries.person.renamed', 'registries.person.household_split', 'registries.person.household_merged', 'registries.person.moved_out']) assert.ok(types.includes(t), `${t} in ${types.join(',')}`);
  const audits = await queryRows<{ action: string }>(tp.database.db, sql`SELECT action FROM platform.audit_log WHERE target_id = ${A} ORDER BY seq`);
  assert.ok(audits.some((x) => x.action === 'registries.person.name_change'));
  // A correction is direct, audited and kept in the history.
  await correctPerson(c, { idNumber: A, field: 'address', value: '郑州市中原区建设路2号', reason: '门牌号登记错误' });
  await assert.rejects(correctPerson(c, { idNumber: A, field: 'ethnicity', value: '77', reason: '依据不足' }), /民族代码/);
  assert.equal((await personHistory(c, { idNumber: A }))[0].type, 'correction');
});

test('masking: full values only with the full-view scope AND a purpose; region visibility', async () => {
  const masked = await getPerson(tp.ctx(reader), { idNumber: A, purpose: '读者没有完整信息权限' });
  assert.equal(masked.masked, true);
  assert.equal(masked.idNumber, `${A.slice(0, 4)}**********${A.slice(-4)}`);
  assert.match(masked.name, /^王\*+$/);
  assert.match(masked.birthDate, /^\d{4}-\*\*-\*\*$/);
  const noPurpose = await getPerson(tp.ctx(clerk), { idNumber: A });
  assert.equal(noPurpose.masked, true);
  await assert.rejects(getPerson(tp.ctx(clerk), { idNumber: A, purpose: '短' }), (e: Error & { code?: string }) => e.code === 'purpose_too_short');
  const full = await getPerson(tp.ctx(clerk), { idNumber: A, purpose: '办理户籍业务核对' });
  assert.equal(full.masked, false);
  assert.equal(full.idNumber, A);
  // Zhengzhou staff do not see a Luoyang person at all.
  await assert.rejects(getPerson(tp.ctx(zzReader), { idNumber: C, purpose: '跨辖区查询测试' }), (e: Error & { code?: string }) => e.code === 'person_not_found');
  const batch = await batchPersons(tp.ctx(zzReader), { idNumbers: [A, C, idOf('41010219000101001')], purpose: '批量核验测试用途' });
  assert.deepEqual(batch.found.map((p) => p.idNumber), [A]);
  assert.equal(batch.notFound.length, 2);
  const found = await searchPersons(tp.ctx(reader), { name: '王晓明', regionCode: '410100' });
  assert.equal(found.items.length, 1);
  assert.equal(found.items[0].masked, true);
  // The entity's legal representative ID is masked unless full view + purpose.
  const ent = (await queryOne<{ uscc: string }>(tp.database.db, sql`SELECT uscc FROM registries.entities WHERE legal_rep_id_number = ${A}`))!.uscc;
  assert.match((await getEntity(tp.ctx(reader), { uscc: ent })).legalRepIdNumber!, /\*{10}/);
  assert.equal((await getEntity(tp.ctx(registrar), { uscc: ent, purpose: '税务登记信息核验' })).legalRepIdNumber, A);
});

test('every read is in the access log with who, unit, channel and purpose; full reads are audited', async () => {
  const log = await accessLogFor(tp.ctx(), { idNumber: A });
  assert.ok(log.length >= 4);
  const withPurpose = log.find((l) => l.purpose === '办理户籍业务核对');
  assert.ok(withPurpose);
  assert.equal(withPurpose.fullView, true);
  assert.equal(withPurpose.actorName, '户籍员');
  assert.equal(withPurpose.unitName, '河南省人民政府 (测试)');
  assert.ok(log.some((l) => l.channel === 'batch' && l.actorName === '郑州查询员'));
  assert.ok(log.some((l) => l.channel === 'search' && l.fullView === false));
  assert.ok(!log.some((l) => l.purpose === '短'), 'a refused read is not logged as a read');
  const audited = await queryRows<{ purpose: string }>(tp.database.db, sql`SELECT purpose FROM platform.audit_log WHERE action = 'registries.person.read_full' AND target_id = ${A}`);
  assert.ok(audited.some((a) => a.purpose === '办理户籍业务核对'));
  await assert.rejects(accessLogFor(tp.ctx(reader), { idNumber: A }), (e: Error & { code?: string }) => e.code === 'forbidden');
});

test('API: masking, purpose and the access log through HTTP with a real login', async () => {
  const user = await createStaff(tp, { roleScopes: [S.personRead, S.personReadFull], unitId: units.zhengzhou });
  const s: Session = await loginAs(tp, user);
  const masked = await callApi(tp, s, 'GET', `/api/registries/persons/${A}`);
  assert.equal(masked.statusCode, 200, masked.body);
  assert.equal(masked.json().masked, true);
  const full = await callApi(tp, s, 'GET', `/api/registries/persons/${A}?purpose=${encodeURIComponent('接口测试核验身份')}`);
  assert.equal(full.json().idNumber, A);
  const other = await callApi(tp, s, 'GET', `/api/registries/persons/${C}?purpose=${encodeURIComponent('接口测试核验身份')}`);
  assert.equal(other.statusCode, 404);
  const rows = await queryRows<{ channel: string; purpose: string | null; full_view: boolean; actor_user_id: string }>(tp.database.db, sql`SELECT channel, purpose, full_view, actor_user_id FROM registries.access_log WHERE record_key = ${A} AND actor_user_id = ${user.id} ORDER BY id`);
  assert.deepEqual(rows.map((r) => [r.channel, r.purpose, r.full_view]), [['api', null, false], ['api', '接口测试核验身份', true]]);
});

test('legal entities: change and deregistration emit events with the data tax needs; deceased representative is reported to the source department', async () => {
  const r = tp.ctx(registrar);
  const uscc = usccOf('91410102MA9ABC45P');
  await registerEntity(r, { uscc, name: '河南事件测试有限公司', entityType: '1100', legalRepName: '李芳', legalRepIdNumber: B, registeredCapital: 50, establishedOn: '2026-02-01', industryCode: '52', regionCode: '410102', address: '郑州市中原区' });
  await changeEntity(r, { uscc, registeredCapital: 80, address: '郑州市中原区新地址', note: '增资' });
  const ev = await queryRows<{ type: string; payload: Record<string, unknown> }>(tp.database.db, sql`SELECT type, payload FROM platform.outbox_events WHERE ordering_key = ${uscc} ORDER BY occurred_at, id`);
  assert.deepEqual(ev.map((e) => e.type), ['registries.entity.registered', 'registries.entity.changed']);
  assert.deepEqual((ev[0].payload.legalRepresentative as { idNumber: string }).idNumber, B);
  assert.deepEqual((ev[1].payload.changes as Record<string, unknown>).registered_capital, { from: 50, to: 80 });
  await recordPersonEvent(tp.ctx(clerk), { type: 'death', idNumber: B, occurredOn: '2026-08-01' });
  await runQualityChecks(tp.ctx());
  const mine = await listQualityIssues(r, { status: 'open' });
  assert.ok(mine.items.some((i) => i.recordKey === uscc && i.rule === 'entity_rep_deceased'), 'assigned to the registering department');
  const otherDept = await listQualityIssues(tp.ctx(actor(units.luoyang, '洛阳', '410300', '4103', [S.qualityManage])), { status: 'open' });
  assert.ok(!otherDept.items.some((i) => i.recordKey === uscc));
  await deregisterEntity(r, { uscc, status: 'cancelled', occurredOn: '2026-09-01', reason: '股东决议解散' });
  const last = await queryOne<{ type: string; payload: { status: string; reason: string } }>(tp.database.db, sql`SELECT type, payload FROM platform.outbox_events WHERE ordering_key = ${uscc} ORDER BY occurred_at DESC, id DESC LIMIT 1`);
  assert.equal(last!.type, 'registries.entity.deregistered');
  assert.equal(last!.payload.status, 'cancelled');
  await assert.rejects(changeEntity(r, { uscc, name: '注销后改名' }), (e: Error & { code?: string }) => e.code === 'entity_not_active');
});
