/**
 * storeUploads throughput (the environment module's write path, without TCP or parsing) and the
 * aggregation worker's drain rate, on PostgreSQL (EGOV_TEST_DATABASE_URL or DATABASE_URL) or PGlite.
 * Reference in the same run: the same rows inserted with a plain INSERT … SELECT into an unlogged
 * unpartitioned table without conflict handling.
 *   node --import tsx bench/environment-store.ts [--packets 20000] [--batch 500] [--points 250]
 */
import os from 'node:os';
import { startTestPlatform } from '../test/support/platform.ts';
import { inTransaction } from '../src/platform/transaction.ts';
import { sql } from '../src/platform/db/index.ts';
import { newId } from '../src/platform/ids.ts';
import { drainAggregationQueue, registerPoint, storeUploads, type Point, type Upload } from '../src/modules/environment/index.ts';
import { packet } from '../src/modules/environment/test-helpers.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const PACKETS = arg('packets', 20000);
const BATCH = arg('batch', 500);
const POINTS = arg('points', 250);

const tp = await startTestPlatform();
try {
  const points: Point[] = [];
  for (let i = 0; i < POINTS; i += 1) points.push(await registerPoint(tp.ctx(), { mn: `BE${String(i).padStart(22, '0')}`, pw: '123456', medium: 'air' }));
  const t0 = Date.now() - 2 * 3600_000;
  const values = { a00000: { rtd: 300, flag: 'N' }, a21026: { rtd: 20.5, flag: 'N' }, a21002: { rtd: 35.2, flag: 'N' }, a34013: { rtd: 4.1, flag: 'N' }, a19001: { rtd: 6.4, flag: 'N' }, a01012: { rtd: 48, flag: 'N' }, a01011: { rtd: 12, flag: 'N' }, a01013: { rtd: -0.2, flag: 'N' } };
  const uploads: Upload[] = Array.from({ length: PACKETS }, (_, i) => {
    const p = points[i % POINTS];
    return { packetId: newId(), pointId: p.id, receivedAt: new Date(), packet: packet({ mn: p.mn, cn: '2011', time: t0 + Math.floor(i / POINTS) * 30_000, values }) };
  });
  const kind = tp.database.kind;
  let start = performance.now();
  for (let i = 0; i < uploads.length; i += BATCH) await inTransaction(tp.ctx(), (tx) => storeUploads(tx, uploads.slice(i, i + BATCH)));
  const storeMs = performance.now() - start;
  start = performance.now();
  for (let i = 0; i < uploads.length; i += BATCH) await inTransaction(tp.ctx(), (tx) => storeUploads(tx, uploads.slice(i, i + BATCH)));
  const resendMs = performance.now() - start;

  await tp.database.db.execute(sql`CREATE UNLOGGED TABLE public.bench_ref (point_id uuid, kind text, data_time timestamptz, received_at timestamptz, packet_id uuid, vals jsonb)`);
  start = performance.now();
  for (let i = 0; i < uploads.length; i += BATCH) {
    const rows = uploads.slice(i, i + BATCH).map((u) => ({ point_id: u.pointId, kind: 'rtd', data_time: new Date(t0).toISOString(), received_at: u.receivedAt.toISOString(), packet_id: u.packetId, vals: values }));
    await tp.database.db.execute(sql`INSERT INTO public.bench_ref SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(point_id uuid, kind text, data_time timestamptz, received_at timestamptz, packet_id uuid, vals jsonb)`);
  }
  const refMs = performance.now() - start;
  await tp.database.db.execute(sql`DROP TABLE public.bench_ref`);

  start = performance.now();
  const drained = await drainAggregationQueue(tp.ctx());
  const drainMs = performance.now() - start;
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`RESULT environment-store db=${kind} packets=${PACKETS} batch=${BATCH} points=${POINTS} store_pps=${Math.round(PACKETS / (storeMs / 1000))} resend_pps=${Math.round(PACKETS / (resendMs / 1000))} plain_insert_rps=${Math.round(PACKETS / (refMs / 1000))} ratio=${(refMs / storeMs).toFixed(2)} nproc=${os.cpus().length} load="${load}"`);
  console.log(`RESULT environment-aggregation db=${kind} point_hours=${drained.hours} point_days=${drained.days} ms=${Math.round(drainMs)} point_hours_per_s=${Math.round(drained.hours / (drainMs / 1000))}`);
} finally {
  await tp.close();
}
