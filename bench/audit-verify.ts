/**
 * How fast `egov audit verify` walks the SM3 hash chain: fills platform.audit_log with N chained
 * records (default 1,000,000), computing the chain in JS with the exported hashAuditRow and
 * inserting batches through unnest(), then times verifyAuditChain.
 *
 *   node --import tsx bench/audit-verify.ts [--records N] [--batch N]
 *
 * PGlite in a temporary directory by default; with DATABASE_URL=postgres://… a scratch database
 * is created on that server and dropped afterwards (the named database itself is not touched).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, queryOne, sql, type Database } from '../src/platform/db/index.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { canonicalJson, GENESIS_HASH, hashAuditRow, verifyAuditChain, type AuditRow } from '../src/platform/audit/chain.ts';
import { newId } from '../src/platform/ids.ts';
import { fmtMs } from './support.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const records = arg('records', 1_000_000);
const batch = arg('batch', 5000);

async function open(): Promise<{ database: Database; where: string; cleanup: () => Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (server) {
    const name = `egov_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(server);
    url.pathname = `/${name}`;
    const database = await openDatabase({ url: url.toString(), poolSize: 2 });
    return {
      database,
      where: `PostgreSQL, scratch database ${name}`,
      cleanup: async () => {
        await database.close();
        const a = new pg.Client({ connectionString: server });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await a.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-bench-audit-'));
  const database = await openDatabase({ pgliteDir: dir });
  return {
    database,
    where: `PGlite in ${dir}`,
    cleanup: async () => {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ACTIONS = ['directory.unit.update', 'identity.user.create', 'identity.person.read_full', 'portal.article.publish', 'services.case.accept', 'access.denied'];
const REGIONS = ['410000', '410100', '410102', '410300', '410302', '411700', ''];
const COLUMNS = ['seq', 'id', 'occurred_at', 'actor_kind', 'actor_user_id', 'actor_name', 'actor_unit_id', 'actor_region_code', 'action', 'target_type', 'target_id', 'target_label', 'purpose', 'result', 'details', 'request_id', 'ip', 'prev_hash', 'hash'] as const;

/** Realistic-looking records: a dozen actors, several actions, some personal-data reads. */
function makeRow(seq: number, prevHash: string, t0: number, actors: { id: string; unit: string; name: string; region: string }[]): AuditRow {
  const a = actors[seq % actors.length];
  const action = ACTIONS[seq % ACTIONS.length];
  const read = action === 'identity.person.read_full';
  return {
    seq,
    id: newId(),
    occurredAt: new Date(t0 + seq * 30).toISOString(),
    actorKind: a.region ? 'staff' : 'system',
    actorUserId: a.region ? a.id : null,
    actorName: a.name,
    actorUnitId: a.region ? a.unit : null,
    actorRegionCode: a.region,
    action,
    targetType: action.split('.').slice(0, 2).join('.'),
    targetId: newId(),
    targetLabel: read ? '4101**********1234' : `对象 ${seq}`,
    purpose: read ? '核实社会救助申请' : null,
    result: action === 'access.denied' ? 'denied' : 'success',
    details: canonicalJson(read ? {} : { changed: ['name', 'status'], name: `名称 ${seq}`, status: 'active' }),
    requestId: `req-${seq}`,
    ip: '10.12.0.7',
    prevHash,
  };
}

async function fill(database: Database, onProgress: (n: number) => void): Promise<void> {
  const actors = Array.from({ length: 12 }, (_, i) => ({ id: newId(), unit: newId(), name: `工作人员${i + 1}`, region: REGIONS[i % REGIONS.length] }));
  const t0 = Date.UTC(2025, 0, 1);
  let prevHash = GENESIS_HASH;
  for (let start = 1; start <= records; start += batch) {
    const cols: (string | number | null)[][] = COLUMNS.map(() => []);
    for (let seq = start; seq < Math.min(start + batch, records + 1); seq += 1) {
      const r = makeRow(seq, prevHash, t0, actors);
      const hash = hashAuditRow(r);
      const values = [r.seq, r.id, r.occurredAt, r.actorKind, r.actorUserId, r.actorName, r.actorUnitId, r.actorRegionCode, r.action, r.targetType, r.targetId, r.targetLabel, r.purpose, r.result, r.details, r.requestId, r.ip, r.prevHash, hash];
      values.forEach((v, i) => cols[i].push(v));
      prevHash = hash;
    }
    const p = (i: number) => sql.param(cols[i]);
    await database.db.execute(sql`
      INSERT INTO platform.audit_log (seq, id, occurred_at, actor_kind, actor_user_id, actor_name, actor_unit_id, actor_region_code,
        action, target_type, target_id, target_label, purpose, result, details, request_id, ip, prev_hash, hash)
      SELECT * FROM unnest(${p(0)}::bigint[], ${p(1)}::uuid[], ${p(2)}::timestamptz[], ${p(3)}::text[], ${p(4)}::uuid[], ${p(5)}::text[],
        ${p(6)}::uuid[], ${p(7)}::text[], ${p(8)}::text[], ${p(9)}::text[], ${p(10)}::text[], ${p(11)}::text[], ${p(12)}::text[],
        ${p(13)}::text[], ${p(14)}::text[], ${p(15)}::text[], ${p(16)}::text[], ${p(17)}::text[], ${p(18)}::text[])`);
    onProgress(Math.min(start + batch - 1, records));
  }
}

const progress = (label: string) => {
  let last = 0;
  return (n: number) => {
    if (Date.now() - last < 10_000 && n < records) return;
    last = Date.now();
    process.stderr.write(`${label}: ${n.toLocaleString('en')} / ${records.toLocaleString('en')}\n`);
  };
};

const { database, where, cleanup } = await open();
try {
  console.log(`# audit-verify — ${records.toLocaleString('en')} records, ${where}`);
  await migrate(database);
  const existing = await queryOne<{ n: string | number }>(database.db, sql`SELECT count(*) AS n FROM platform.audit_log`);
  if (Number(existing?.n) > 0) throw new Error('platform.audit_log is not empty');
  let t = performance.now();
  await fill(database, progress('filling'));
  const fillMs = performance.now() - t;
  const size = await queryOne<{ size: string }>(database.db, sql`SELECT pg_size_pretty(pg_total_relation_size('platform.audit_log')) AS size`);
  console.log(`fill (hash chain in JS + batched INSERT … unnest, ${batch} per batch): ${fmtMs(fillMs)} (${Math.round(records / (fillMs / 1000)).toLocaleString('en')} records/s); table with indexes ${size?.size}`);
  t = performance.now();
  const result = await verifyAuditChain(database.db, { onProgress: progress('verifying') });
  const verifyMs = performance.now() - t;
  if (!result.ok || result.checked !== records) throw new Error(`verification failed: ${JSON.stringify(result)}`);
  const rate = Math.round(records / (verifyMs / 1000));
  console.log(`verifyAuditChain: ${result.checked.toLocaleString('en')} records in ${fmtMs(verifyMs)} = ${rate.toLocaleString('en')} records/s`);
  console.log(`RESULT audit-verify records=${records} fill_ms=${Math.round(fillMs)} verify_ms=${Math.round(verifyMs)} records_per_s=${rate}`);
} finally {
  await cleanup();
}
