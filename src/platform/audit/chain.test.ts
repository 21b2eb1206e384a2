import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { staffActor } from '../../../test/support/actors.ts';
import { platformModule } from '../platform-module.ts';
import { inTransaction } from '../transaction.ts';
import { audit, verifyAuditChain } from './chain.ts';
import { historyOf } from './history.ts';
import { exportAuditCsv, searchAudit, AUDIT_CSV_HEADER } from './search.ts';
import { queryOne, queryRows, sql } from '../db/index.ts';
import { isAppError } from '../errors.ts';
import type { Actor, Ctx } from '../context.ts';
import type { AuditEntry } from './entry.ts';

const start = () => startTestPlatform({ modules: [platformModule] });

async function record(ctx: Ctx, entries: AuditEntry[]): Promise<void> {
  await inTransaction(ctx, async (tctx) => {
    for (const e of entries) audit(tctx, e);
  });
}

async function seqs(tp: TestPlatform): Promise<number[]> {
  const rows = await queryRows<{ seq: string | number }>(tp.database.db, sql`SELECT seq FROM platform.audit_log ORDER BY seq`);
  return rows.map((r) => Number(r.seq));
}

async function fill(tp: TestPlatform, n: number): Promise<void> {
  for (let i = 1; i <= n; i += 1) {
    await record(tp.ctx(), [{ action: 'test.thing.update', targetType: 'test.thing', targetId: `t${i}`, details: { i } }]);
  }
}

test('audit records commit with the change and vanish with it on rollback', async () => {
  const tp = await start();
  try {
    await inTransaction(tp.ctx(), async (tctx) => {
      await tctx.db.execute(sql`INSERT INTO platform.secrets (name, value) VALUES ('kept', 'v')`);
      audit(tctx, { action: 'test.secret.create', targetType: 'test.secret', targetId: 'kept', details: { note: '保留' } });
    });
    await assert.rejects(
      inTransaction(tp.ctx(), async (tctx) => {
        await tctx.db.execute(sql`INSERT INTO platform.secrets (name, value) VALUES ('lost', 'v')`);
        audit(tctx, { action: 'test.secret.create', targetType: 'test.secret', targetId: 'lost' });
        throw new Error('boom');
      }),
      /boom/,
    );
    const kept = await queryOne<{ name: string }>(tp.database.db, sql`SELECT name FROM platform.secrets WHERE name = 'kept'`);
    const lost = await queryOne<{ name: string }>(tp.database.db, sql`SELECT name FROM platform.secrets WHERE name = 'lost'`);
    assert.ok(kept);
    assert.equal(lost, undefined);
    const history = await historyOf(tp.ctx(), { targetType: 'test.secret', targetId: 'kept' });
    assert.equal(history.length, 1);
    assert.equal(history[0].action, 'test.secret.create');
    assert.equal(history[0].actorName, '系统');
    assert.equal(history[0].details, '{"note":"保留"}');
    assert.deepEqual(await historyOf(tp.ctx(), { targetType: 'test.secret', targetId: 'lost' }), []);
    assert.throws(() => audit(tp.ctx(), { action: 'x', targetType: 'x', targetId: 'x' }), /outside inTransaction/);
  } finally {
    await tp.close();
  }
});

test('seq stays contiguous under concurrent transactions and the chain verifies', async () => {
  const tp = await start();
  try {
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        record(tp.ctx(), [
          { action: 'test.a', targetType: 'test', targetId: `a${i}` },
          { action: 'test.b', targetType: 'test', targetId: `b${i}` },
        ]),
      ),
    );
    assert.deepEqual(await seqs(tp), Array.from({ length: 24 }, (_, i) => i + 1));
    const result = await verifyAuditChain(tp.database.db, { batchSize: 5 });
    assert.deepEqual(result, { ok: true, checked: 24 });
    const history = await historyOf(tp.ctx(), { targetType: 'test', targetId: 'a3' });
    assert.equal(history.length, 1);
  } finally {
    await tp.close();
  }
});

test('verification finds an altered record, a deleted record and a changed link', async () => {
  const tp = await start();
  const db = () => tp.database.db;
  try {
    await fill(tp, 6);
    assert.equal((await verifyAuditChain(db())).ok, true);

    await db().execute(sql`UPDATE platform.audit_log SET details = '{"i":99}' WHERE seq = 3`);
    let r = await verifyAuditChain(db(), { batchSize: 2 });
    assert.equal(r.ok, false);
    assert.equal(r.brokenAt?.seq, 3);
    assert.match(r.brokenAt?.reason ?? '', /篡改/);
    assert.equal(r.checked, 2);
    await db().execute(sql`UPDATE platform.audit_log SET details = '{"i":3}' WHERE seq = 3`);
    assert.equal((await verifyAuditChain(db())).ok, true);

    const fourth = await queryOne<{ prev_hash: string }>(db(), sql`SELECT prev_hash FROM platform.audit_log WHERE seq = 4`);
    await db().execute(sql`UPDATE platform.audit_log SET prev_hash = ${'f'.repeat(64)} WHERE seq = 4`);
    r = await verifyAuditChain(db());
    assert.equal(r.brokenAt?.seq, 4);
    assert.match(r.brokenAt?.reason ?? '', /前序哈希/);
    await db().execute(sql`UPDATE platform.audit_log SET prev_hash = ${fourth!.prev_hash} WHERE seq = 4`);

    await db().execute(sql`DELETE FROM platform.audit_log WHERE seq = 5`);
    r = await verifyAuditChain(db());
    assert.equal(r.ok, false);
    assert.equal(r.brokenAt?.seq, 5);
    assert.match(r.brokenAt?.reason ?? '', /缺失/);
    assert.equal(r.checked, 4);
  } finally {
    await tp.close();
  }
});

/** Records by staff of Zhengzhou (4101), Luoyang (4103), the system and a citizen. */
async function recordAcrossRegions(tp: TestPlatform): Promise<{ zz: Actor; ly: Actor }> {
  const zz = staffActor('郑州办事员', '410102', []);
  const ly = staffActor('洛阳办事员', '410302', []);
  const citizen: Actor = { kind: 'citizen', userId: null, name: '张三', grants: [] };
  await record(tp.ctx(zz), [
    { action: 'directory.unit.update', targetType: 'directory.unit', targetId: 'u-zz', targetLabel: '郑州市中原区民政局', details: { name: 'x' } },
    { action: 'identity.person.read_full', targetType: 'identity.user', targetId: 'p1', targetLabel: '4101**********1234', purpose: '核实低保申请' },
  ]);
  await record(tp.ctx(ly), [{ action: 'directory.unit.update', targetType: 'directory.unit', targetId: 'u-ly', targetLabel: '洛阳市西工区民政局' }]);
  await record(tp.ctx(), [{ action: 'platform.job.run', targetType: 'platform.job', targetId: 'nightly', targetLabel: '夜间任务' }]);
  await record(tp.ctx(citizen), [{ action: 'services.application.submit', targetType: 'services.application', targetId: 'a1', result: 'failure' }]);
  return { zz, ly };
}

test('searchAudit is bounded by the auditor\'s region; records without region are for province auditors', async () => {
  const tp = await start();
  try {
    await recordAcrossRegions(tp);
    const cityAuditor = staffActor('郑州审计员', '410100', ['platform.audit.read']);
    const city = await searchAudit(tp.ctx(cityAuditor));
    assert.deepEqual(city.items.map((r) => r.targetLabel).sort(), ['4101**********1234', '郑州市中原区民政局']);
    assert.equal(city.total, 2);
    assert.ok(city.items.every((r) => r.actorRegionCode.startsWith('4101')));

    const province = await searchAudit(tp.ctx(staffActor('省审计员', '410000', ['platform.audit.read'])));
    assert.equal(province.total, 5);
    assert.deepEqual(province.items.map((r) => r.seq), [5, 4, 3, 2, 1], 'newest first');

    const twoCities = staffActor('双岗审计员', '410100', ['platform.audit.read']);
    twoCities.grants.push({ ...staffActor('x', '410300', ['platform.audit.read']).grants[0] });
    assert.equal((await searchAudit(tp.ctx(twoCities))).total, 3);

    const countyAuditor = staffActor('县审计员', '410302', ['platform.audit.read']);
    assert.equal((await searchAudit(tp.ctx(countyAuditor))).total, 1);

    const noScope = staffActor('郑州办事员', '410100', ['platform.audit.export']);
    await assert.rejects(searchAudit(tp.ctx(noScope)), (err: unknown) => isAppError(err) && err.status === 403);
  } finally {
    await tp.close();
  }
});

test('searchAudit filters: action prefix, actor, target, result, purpose, dates, paging', async () => {
  const tp = await start();
  try {
    const { zz } = await recordAcrossRegions(tp);
    const ctx = tp.ctx(staffActor('省审计员', '410000', ['platform.audit.read']));
    assert.equal((await searchAudit(ctx, { action: 'directory.' })).total, 2);
    assert.equal((await searchAudit(ctx, { action: 'directory.unit.update' })).total, 2);
    assert.equal((await searchAudit(ctx, { action: 'directory_' })).total, 0, 'LIKE wildcards are literal');
    assert.equal((await searchAudit(ctx, { actor: '郑州' })).total, 2);
    assert.equal((await searchAudit(ctx, { actor: zz.userId! })).total, 2);
    assert.equal((await searchAudit(ctx, { targetType: 'directory.unit', targetId: 'u-ly' })).total, 1);
    assert.equal((await searchAudit(ctx, { result: 'failure' })).items[0].actorName, '张三');
    const withPurpose = await searchAudit(ctx, { hasPurpose: true });
    assert.deepEqual(withPurpose.items.map((r) => r.purpose), ['核实低保申请']);
    assert.equal((await searchAudit(ctx, { hasPurpose: false })).total, 4);
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    assert.equal((await searchAudit(ctx, { from: today, to: today })).total, 5);
    assert.equal((await searchAudit(ctx, { from: '2000-01-01', to: '2000-01-31' })).total, 0);
    await assert.rejects(searchAudit(ctx, { from: '2024-02-30' }), (err: unknown) => isAppError(err) && err.status === 400);
    await assert.rejects(searchAudit(ctx, { from: '2024-03-02', to: '2024-03-01' }), /不能晚于/);
    const page2 = await searchAudit(ctx, { page: 2, pageSize: 2 });
    assert.deepEqual(page2.items.map((r) => r.seq), [3, 2]);
    assert.equal(page2.total, 5);
  } finally {
    await tp.close();
  }
});

async function readAll(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const c of chunks) out += c;
  return out;
}

test('CSV export: BOM, header, region bounded, formula cells defused, and the export itself audited', async () => {
  const tp = await start();
  try {
    await recordAcrossRegions(tp);
    await record(tp.ctx(staffActor('=HYPERLINK("x")', '410105', [])), [{ action: 'test.x', targetType: 'test', targetId: '1' }]);
    const auditor = staffActor('郑州审计员', '410100', ['platform.audit.read', 'platform.audit.export']);
    const exported = await exportAuditCsv(tp.ctx(auditor), { action: '' });
    assert.equal(exported.total, 3);
    assert.match(exported.filename, /^audit-\d{8}-\d{6}\.csv$/);
    const text = await readAll(exported.chunks);
    assert.ok(text.startsWith('\uFEFF'), 'UTF-8 BOM for spreadsheet programs');
    const lines = text.slice(1).split('\r\n').filter(Boolean);
    assert.equal(lines[0], AUDIT_CSV_HEADER.join(','));
    assert.equal(lines.length, 4);
    assert.ok(lines.some((l) => l.includes('郑州市中原区民政局')));
    assert.ok(!text.includes('洛阳'));
    assert.ok(!text.includes('夜间任务'));
    assert.ok(lines.some((l) => l.includes(`"'=HYPERLINK(""x"")"`)), 'a cell starting with = is prefixed with an apostrophe');
    assert.match(lines[1], /^1,\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00,staff,/);

    const log = await searchAudit(tp.ctx(), { action: 'platform.audit.export' });
    assert.equal(log.total, 1);
    assert.equal(log.items[0].actorName, '郑州审计员');
    assert.deepEqual(JSON.parse(log.items[0].details), { filters: {}, rows: 3, upToSeq: 6 });

    await assert.rejects(exportAuditCsv(tp.ctx(staffActor('只读审计员', '410100', ['platform.audit.read']))), (err: unknown) => isAppError(err) && err.status === 403);
    assert.equal((await verifyAuditChain(tp.database.db)).ok, true);
  } finally {
    await tp.close();
  }
});
