/**
 * Child process of crash.test.ts: the real platform on a PGlite directory (CRASH_PGLITE_DIR) or a
 * PostgreSQL database (CRASH_DATABASE_URL) delivering topic events to the webhook receivers named in
 * CRASH_RECEIVERS. With CRASH_SETUP it first creates the provider, the topic, grants and one
 * subscription per receiver, and keeps publishing CRASH_EVENTS events while delivering. Prints
 * `READY` when delivering and `IDLE` whenever nothing is pending; the test SIGKILLs it mid-stream.
 */
import { openDatabase, queryOne, sql } from '../../../platform/db/index.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { ensureTestUnits } from '../../../../test/support/units.ts';
import { createMember, createSubsystem, grantAccess, publishResource } from '../index.ts';
import { publishToTopic, subscribe } from './topics.ts';
import { startEventDelivery } from './worker.ts';

const url = process.env.CRASH_DATABASE_URL;
const database = await openDatabase(url ? { url, poolSize: 8 } : { pgliteDir: process.env.CRASH_PGLITE_DIR! });
const tp = await startTestPlatform({ database });
const TOPIC = '102/002/0777';
let toPublish = 0;
if (process.env.CRASH_SETUP) {
  const ctx = tp.ctx();
  const units = await ensureTestUnits(tp);
  const m = await createMember(ctx, { memberClass: 'GOV', memberCode: 'CRASH001', name: '河南省市场监督管理局', unitId: units.province });
  const provider = await createSubsystem(ctx, { memberId: m.id, code: 'qydj', name: '企业登记系统' });
  const topic = await publishResource(ctx, {
    code: TOPIC, catalogType: 'base', classification: '基础信息资源/法人', name: '企业登记事件 (崩溃测试)', providerSubsystemId: provider.id,
    format: 'JSON 事件', items: [{ name: '统一社会信用代码', type: 'C' }], kind: 'topic', serviceCode: 'crash-events', shareType: 'unconditional',
  });
  const receivers = process.env.CRASH_RECEIVERS!.split(',');
  for (const [i, webhookUrl] of receivers.entries()) {
    const s = await createSubsystem(ctx, { memberId: m.id, code: `rx${i}`, name: `接收系统 ${i}` });
    await grantAccess(ctx, { resourceId: topic.id, subsystemId: s.id, purpose: '崩溃测试' });
    await subscribe(ctx, { resourceId: topic.id, subscriberSubsystemId: s.id, webhookUrl });
  }
  toPublish = Number(process.env.CRASH_EVENTS ?? 0);
}
const delivery = await startEventDelivery({ services: tp.platform.services, systemCtx: tp.platform.systemCtx, options: { backoffBaseMs: 50, maxAttempts: 50, pollIntervalMs: 50, timeoutMs: 2000, natsUrl: null } });
process.stdout.write('READY\n');

// Publishing continues while deliveries run (small transactions, 8 keys).
for (let i = 0; i < toPublish; i++) {
  await publishToTopic(tp.ctx(), { resourceCode: TOPIC, type: 'changed', key: `K${i % 8}`, payload: { i } });
}
const timer = setInterval(() => {
  void queryOne<{ n: number }>(database.db, sql`SELECT count(*) AS n FROM exchange.deliveries WHERE status = 'pending'`).then((r) => {
    process.stdout.write(Number(r?.n) === 0 ? 'IDLE\n' : `PENDING ${r?.n}\n`);
  }, () => undefined);
}, 200);
process.once('SIGTERM', () => {
  void (async () => {
    clearInterval(timer);
    await delivery.stop();
    await tp.close();
    await database.close();
    process.exit(0);
  })();
});
