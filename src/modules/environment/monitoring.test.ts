/**
 * Storage and the worker on a real database: logger authentication, storeUploads idempotency and
 * split-upload merging, partitions, the aggregation queue (hours derived from minutes, logger hours,
 * days, transmission statistics), alarms (exceedance on the converted concentration, fault flags,
 * missing data) with their lifecycle, audit, notification and follow-up case.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform, manualClock, type TestPlatform } from '../../../test/support/platform.ts';
import { ensureTestUnits, type TestUnits } from '../../../test/support/units.ts';
import { createStaff } from '../../../test/support/identity.ts';
import { regionPrefixOf } from '../../../test/support/actors.ts';
import { queryOne, queryRows, sql } from '../../platform/db/index.ts';
import { inTransaction } from '../../platform/transaction.ts';
import type { Actor } from '../../platform/context.ts';
import { createUnit } from '../directory/index.ts';
import { authenticateLogger, createEnterprise, createOutlet, createPoint, makeUscc, registerPoint, storeUploads, updatePoint, type Point } from './index.ts';
import { drainAggregationQueue, scanMissingData } from './services/aggregation.ts';
import { acknowledgeAlarm, listAlarms, openFollowupCase, resolveAlarm } from './services/alarms.ts';
import { packet } from './test-helpers.ts';
import type { Hj212Packet } from './hj212/types.ts';
import { dayStart } from './model.ts';

// 2026-03-10 (a Tuesday), 08:00 Beijing.
const DAY = '2026-03-10';
const T0 = dayStart(DAY).getTime() + 8 * 3600_000;
const clock = manualClock(new Date(T0));
let tp: TestPlatform;
let air: Point;
let water: Point;
let units: TestUnits;
const AIR_MN = '010000A8900016F000169DC0';
const WATER_MN = 'LD130133000015';

before(async () => {
  tp = await startTestPlatform({ clock });
  units = await ensureTestUnits(tp);
  air = await registerPoint(tp.ctx(), { mn: AIR_MN, pw: '123456', medium: 'air', regionCode: '410102' });
  water = await registerPoint(tp.ctx(), { mn: WATER_MN, pw: 'abc123', medium: 'water', regionCode: '410302' });
});
after(async () => tp?.close());

let packetSeq = 0;
const pid = () => `00000000-0000-7000-8000-${String(++packetSeq).padStart(12, '0')}`;

test('loggers authenticate by MN and PW; unknown, wrong and disabled are told apart', async () => {
  const ctx = tp.ctx();
  assert.deepEqual(await authenticateLogger(ctx, { mn: AIR_MN, pw: '123456' }), { ok: true, pointId: air.id, intervalSeconds: 30 });
  assert.deepEqual(await authenticateLogger(ctx, { mn: AIR_MN, pw: '654321' }), { ok: false, reason: 'wrong_pw' });
  assert.deepEqual(await authenticateLogger(ctx, { mn: 'FFFF00000000000000000000', pw: '123456' }), { ok: false, reason: 'unknown_mn' });
  const stored = await queryOne<{ pw_hmac: string }>(ctx.db, sql`SELECT pw_hmac FROM environment.points WHERE id = ${water.id}`);
  assert.ok(stored && !stored.pw_hmac.includes('abc123') && /^[0-9a-f]{64}$/.test(stored.pw_hmac), 'only the HMAC is stored');
  const p = await updatePoint(ctx, { id: water.id, version: water.version, status: 'disabled' });
  assert.deepEqual(await authenticateLogger(ctx, { mn: WATER_MN, pw: 'abc123' }), { ok: false, reason: 'disabled' });
  water = await updatePoint(ctx, { id: water.id, version: p.version, status: 'active' });
});

test('registry refuses a bad credit code, a bad MN and a duplicate MN', async () => {
  const ctx = tp.ctx();
  await assert.rejects(createEnterprise(ctx, { uscc: '91410100MA44XXXX1X', name: 'x', regionCode: '410100', industry: 'other' }), /校验码/);
  const ent = await createEnterprise(ctx, { uscc: makeUscc('410100', 'registry-test'), name: '测试企业', regionCode: '410100', industry: 'other' });
  const outlet = await createOutlet(ctx, { enterpriseId: ent.id, code: 'DA009', name: '烟囱', medium: 'air', standardCode: 'ULE-2015-coal' });
  assert.equal(outlet.o2Reference, 6);
  assert.deepEqual(outlet.limits.map((l) => [l.pollutant, l.max]), [['a21002', 50], ['a21026', 35], ['a34013', 10]]);
  await assert.rejects(createPoint(ctx, { outletId: outlet.id, mn: '01000G', pw: '123456', pollutants: ['a21026'] }), /MN/);
  await assert.rejects(createPoint(ctx, { outletId: outlet.id, mn: AIR_MN, pw: '123456', pollutants: ['a21026'] }), /已登记/);
  await assert.rejects(createPoint(ctx, { outletId: outlet.id, mn: '010000A8900016F000169DC1', pw: '123456', pollutants: ['w01018'] }), /不属于废气/);
});

test('storeUploads is idempotent, merges split uploads and skips implausible data times', async () => {
  const t = T0 - 3600_000; // 07:00
  const p1 = packet({ mn: AIR_MN, cn: '2011', time: t, values: { a21026: { rtd: 20, flag: 'N' }, a21002: { rtd: 40, flag: 'N' } } });
  const p2 = packet({ mn: AIR_MN, cn: '2011', time: t, values: { a34013: { rtd: 5, flag: 'N' } } });
  const junk = packet({ mn: AIR_MN, cn: '2011', time: Date.UTC(2000, 1, 1), values: { a21026: { rtd: 1 } } });
  const heartbeat = packet({ mn: AIR_MN, cn: '2021', time: t, values: { a21026: { rtd: 1 } } });
  const store = (uploads: { packet: ReturnType<typeof packet> }[]) =>
    inTransaction(tp.ctx(), (tx) => storeUploads(tx, uploads.map((u) => ({ packetId: pid(), pointId: air.id, packet: u.packet, receivedAt: new Date(T0) }))));
  await store([{ packet: p1 }, { packet: p2 }, { packet: junk }, { packet: heartbeat }]);
  await store([{ packet: p1 }]); // re-sent after a lost acknowledgement
  await store([{ packet: p1 }, { packet: p2 }]);
  const rows = await queryRows<{ kind: string; vals: Record<string, { rtd: number }> }>(tp.database.db, sql`SELECT kind, vals FROM environment.readings WHERE point_id = ${air.id}`);
  assert.equal(rows.length, 1);
  assert.deepEqual(Object.keys(rows[0].vals).sort(), ['a21002', 'a21026', 'a34013']);
  assert.equal(rows[0].vals.a21026.rtd, 20);
  // A correction of one pollutant replaces that pollutant's values only.
  await store([{ packet: packet({ mn: AIR_MN, cn: '2011', time: t, values: { a21026: { rtd: 21, flag: 'N' } } }) }]);
  const after2 = await queryOne<{ vals: Record<string, { rtd: number }> }>(tp.database.db, sql`SELECT vals FROM environment.readings WHERE point_id = ${air.id}`);
  assert.equal(after2!.vals.a21026.rtd, 21);
  assert.equal(after2!.vals.a34013.rtd, 5);
  // The row lives in its month's partition, not in the default one.
  const part = await queryOne<{ n: number }>(tp.database.db, sql`SELECT count(*)::int AS n FROM environment.readings_202603`);
  assert.equal(Number(part?.n), 1);
  await tp.database.db.execute(sql`DELETE FROM environment.readings WHERE point_id = ${air.id}`);
  await tp.database.db.execute(sql`DELETE FROM environment.aggregation_queue`);
});

test('a month without a partition lands in the default partition and moves when its partition is created', async () => {
  const db = tp.database.db;
  await db.execute(sql`INSERT INTO environment.readings (point_id, kind, data_time, received_at, packet_id, vals)
    VALUES (${air.id}, 'rtd', '2027-01-15T00:00:00Z', now(), ${pid()}, '{"a21026":{"rtd":1}}'::jsonb)`);
  assert.equal(Number((await queryOne<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM environment.readings_default`))?.n), 1);
  const created = await queryOne<{ n: number }>(db, sql`SELECT environment.ensure_reading_partitions('2027-01-01'::date, 1) AS n`);
  assert.equal(Number(created?.n), 1);
  assert.equal(Number((await queryOne<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM environment.readings_default`))?.n), 0);
  assert.equal(Number((await queryOne<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM environment.readings_202701`))?.n), 1);
  assert.equal(Number((await queryOne<{ n: number }>(db, sql`SELECT environment.ensure_reading_partitions('2027-01-01'::date, 1) AS n`))?.n), 0);
  await db.execute(sql`DELETE FROM environment.readings WHERE point_id = ${air.id}`);
});

test('the worker derives hours from minutes, converts to reference O₂, raises and handles an exceedance alarm', async () => {
  const h = T0 - 2 * 3600_000; // 06:00–07:00
  const uploads: Hj212Packet[] = [];
  // Six 10-minute records: SO₂ 40 mg/m³ measured at O₂ 9 % → 40 × 15/12 = 50 at 6 % (limit 100);
  // NOx 100 measured at O₂ 9 % → 125 converted: above the GB 13223 limit of 100, although the measured value is not.
  for (let i = 0; i < 6; i += 1) {
    uploads.push(packet({
      mn: AIR_MN, cn: '2051', time: h + i * 600_000,
      values: { a21026: { avg: 40 + (i % 2 ? 1 : -1), min: 38, max: 42, flag: 'N' }, a21002: { avg: 100 + (i % 2 ? 2 : -2), flag: 'N' }, a19001: { avg: 9, flag: 'N' }, a00000: { avg: 100, flag: 'N' } },
    }));
  }
  await inTransaction(tp.ctx(), (tx) => storeUploads(tx, uploads.map((p) => ({ packetId: pid(), pointId: air.id, packet: p, receivedAt: new Date(T0) }))));
  const r = await drainAggregationQueue(tp.ctx());
  assert.equal(r.hours, 1);
  const hour = await queryRows<{ pollutant: string; avg: number; zs_avg: number | null; cou: number | null; valid: boolean; flag: string; source: string; n_values: number }>(
    tp.database.db,
    sql`SELECT pollutant, avg, zs_avg, cou, valid, flag, source, n_values FROM environment.hourly WHERE point_id = ${air.id} ORDER BY pollutant`,
  );
  const so2 = hour.find((x) => x.pollutant === 'a21026')!;
  assert.equal(so2.avg, 40);
  assert.ok(Math.abs(so2.zs_avg! - 50) < 1e-9);
  assert.equal(so2.valid, true);
  assert.equal(so2.n_values, 60);
  assert.equal(so2.source, 'derived');
  // Emission: Σ C·V = 40 mg/m³ × (100 m³/s × 3600 s) × 10⁻⁶ = 14.4 kg.
  assert.ok(Math.abs(so2.cou! - 14.4) < 1e-9);
  const flow = hour.find((x) => x.pollutant === 'a00000')!;
  assert.ok(Math.abs(flow.cou! - 360000) < 1e-6);

  const day = await queryOne<{ expected_hours: number; received_hours: number; valid_hours: number }>(tp.database.db, sql`SELECT * FROM environment.point_days WHERE point_id = ${air.id} AND day = ${DAY}`);
  assert.deepEqual([day!.expected_hours, day!.received_hours, day!.valid_hours], [8, 1, 1]);

  const alarms = await listAlarms(tp.ctx(), { pointId: air.id });
  assert.equal(alarms.items.length, 1);
  const alarm = alarms.items[0];
  assert.equal(alarm.kind, 'exceedance');
  assert.equal(alarm.pollutant, 'a21002');
  assert.equal(alarm.value, 125);
  assert.equal(alarm.limitValue, 100);
  // Recomputing the same hour does not count again.
  await inTransaction(tp.ctx(), (tx) => storeUploads(tx, [{ packetId: pid(), pointId: air.id, packet: uploads[0], receivedAt: new Date(T0) }]));
  await drainAggregationQueue(tp.ctx());
  assert.equal((await listAlarms(tp.ctx(), { pointId: air.id })).items[0].occurrences, 1);

  // Lifecycle by staff of the Zhengzhou environment bureau; Luoyang's staff cannot see it.
  const bureau = await createUnit(tp.ctx(), { name: '郑州市生态环境局', unitType: 'department', regionCode: '410100', parentId: units.zhengzhou });
  const monitor = await createStaff(tp, { roleCode: 'env_monitor', unitId: bureau.id });
  const luoyang = await createStaff(tp, { roleCode: 'env_monitor', unitId: units.luoyang });
  const monitorCtx = staffCtx(monitor.id, bureau.id, '410100');
  const luoyangCtx = staffCtx(luoyang.id, units.luoyang, '410300');
  assert.equal((await listAlarms(luoyangCtx, {})).items.length, 0);
  await assert.rejects(acknowledgeAlarm(luoyangCtx, { id: alarm.id, version: alarm.version }), /不存在/);
  const acked = await acknowledgeAlarm(monitorCtx, { id: alarm.id, version: alarm.version, note: '已电话联系企业' });
  assert.equal(acked.status, 'acknowledged');
  await assert.rejects(acknowledgeAlarm(monitorCtx, { id: alarm.id, version: acked.version }), /待处理/);
  const withCase = await openFollowupCase(monitorCtx, { id: alarm.id, version: acked.version });
  assert.ok(withCase.caseId);
  const kase = await queryOne<{ state: string; candidate_unit_id: string }>(tp.database.db, sql`SELECT state, candidate_unit_id FROM workflow.cases WHERE id = ${withCase.caseId}`);
  assert.deepEqual([kase!.state, kase!.candidate_unit_id], ['verifying', bureau.id]);
  await assert.rejects(resolveAlarm(monitorCtx, { id: alarm.id, version: withCase.version, resolution: ' ' }), /处理情况/);
  const resolved = await resolveAlarm(monitorCtx, { id: alarm.id, version: withCase.version, resolution: '企业调整脱硝系统, 已恢复达标' });
  assert.equal(resolved.status, 'resolved');
  const audits = await queryRows<{ action: string }>(tp.database.db, sql`SELECT action FROM platform.audit_log WHERE target_id = ${alarm.id} ORDER BY seq`);
  assert.deepEqual(audits.map((a) => a.action), ['environment.alarm.acknowledge', 'environment.alarm.case', 'environment.alarm.resolve']);
  // The opening was published for the notifier; the notifier tells the bureau's staff.
  const ev = await queryOne<{ n: number }>(tp.database.db, sql`SELECT count(*)::int AS n FROM platform.outbox_events WHERE type = 'environment.alarm.opened' AND payload->>'alarmId' = ${alarm.id}`);
  assert.equal(Number(ev?.n), 1);
  const { alarmNotifier } = await import('./services/alarms.ts');
  await inTransaction(tp.ctx(), (tx) => alarmNotifier.handle(tx, { id: 'x', type: 'environment.alarm.opened', orderingKey: air.id, payload: { alarmId: alarm.id }, occurredAt: '', requestId: '' }));
  const msgs = await queryRows<{ recipient_id: string; title: string }>(tp.database.db, sql`SELECT recipient_id, title FROM notify.messages WHERE template = 'environment.alarm'`);
  assert.deepEqual(msgs.map((m) => m.recipient_id), [monitor.id]);
  assert.match(msgs[0].title, /超标/);
});

test('water: flow-weighted hour, one abnormal flag makes it abnormal, fault alarm; missing data opens and resolves itself', async () => {
  const h = T0 - 3600_000; // 07:00
  const uploads: Hj212Packet[] = [];
  // COD 30 at 10 L/s for 30 min, 45 at 30 L/s for 30 min → (30×10 + 45×30)/(10+30) = 41.25 mg/L.
  for (let i = 0; i < 6; i += 1) {
    uploads.push(packet({ mn: WATER_MN, cn: '2051', st: '32', time: h + i * 600_000, values: { w01018: { avg: i < 3 ? 30 : 45, flag: 'N' }, w00000: { avg: i < 3 ? 10 : 30, flag: 'N' }, w21003: { avg: 2 + i / 10, flag: i === 5 ? 'D' : 'N' } } }));
  }
  await inTransaction(tp.ctx(), (tx) => storeUploads(tx, uploads.map((p) => ({ packetId: pid(), pointId: water.id, packet: p, receivedAt: new Date(T0) }))));
  await drainAggregationQueue(tp.ctx());
  const rows = await queryRows<{ pollutant: string; avg: number; cou: number; flag: string }>(tp.database.db, sql`SELECT pollutant, avg, cou, flag FROM environment.hourly WHERE point_id = ${water.id}`);
  const cod = rows.find((r) => r.pollutant === 'w01018')!;
  assert.ok(Math.abs(cod.avg - 41.25) < 1e-9);
  // Load: (30 × 10 + 45 × 30) mg/L·L/s × 600 s × 3 × 10⁻⁶ = 2.97 kg.
  assert.ok(Math.abs(cod.cou - 2.97) < 1e-9);
  assert.equal(rows.find((r) => r.pollutant === 'w21003')!.flag, 'D');
  const alarms = await listAlarms(tp.ctx(), { pointId: water.id });
  assert.deepEqual(alarms.items.map((a) => [a.kind, a.pollutant]), [['fault', 'w21003']]);

  // Last upload received at T0; 10 × 30 s later nothing has come → missing; data again → resolved by the system.
  clock.set(new Date(T0 + 11 * 30_000));
  const scan = await scanMissingData(tp.ctx());
  assert.ok(scan.opened >= 1);
  const missing = (await listAlarms(tp.ctx(), { pointId: water.id, kind: 'missing' })).items;
  assert.equal(missing.length, 1);
  assert.equal(missing[0].status, 'open');
  const now = clock.now();
  await inTransaction(tp.ctx(), (tx) => storeUploads(tx, [{ packetId: pid(), pointId: water.id, packet: packet({ mn: WATER_MN, cn: '2011', st: '32', time: now, values: { w01018: { rtd: 30, flag: 'N' } } }), receivedAt: now }]));
  const scan2 = await scanMissingData(tp.ctx());
  assert.ok(scan2.resolved >= 1);
  assert.equal((await listAlarms(tp.ctx(), { pointId: water.id, kind: 'missing' })).items[0].status, 'resolved');
  clock.set(new Date(T0));
});

/** The actor of an env_monitor account at a unit (as the authenticator would resolve it). */
function staffCtx(userId: string, unitId: string, regionCode: string) {
  const actor: Actor = {
    kind: 'staff',
    userId,
    name: '测试监控人员',
    grants: [{ roleCode: 'env_monitor', roleName: '环境监控人员', unitId, unitName: '单位', regionCode, regionPrefix: regionPrefixOf(regionCode), scopes: new Set(['environment.read', 'environment.alarm.handle']) }],
  };
  return tp.ctx(actor);
}
