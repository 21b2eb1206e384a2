/**
 * Lookups in the registries under concurrent load:
 *  - GET /api/registries/persons/:idNumber through the platform's HTTP API as a member system
 *    (API key of a service account), with masking and the access log (group-committed), masked and
 *    full view (purpose given: also a chained audit record per request);
 *  - the same SELECT run directly against the database with the same concurrency (reference);
 *  - attribute search (name + region) through the API and directly: p95.
 * Closed-loop load (each connection sends its next request when the previous answered), random IDs
 * sampled from the table. The platform runs as its own process (web role only).
 *
 *   BENCH_DB_URL=postgres://…/egov_bench_reg_xxxx node --import tsx bench/registries-lookup.ts   (a database filled by registries-import.ts, BENCH_KEEP_DB=1)
 *   node --import tsx bench/registries-lookup.ts          (makes a scratch database with BENCH_PERSONS=200000 first)
 * BENCH_DURATION (s, default 15), BENCH_CONNECTIONS (default 16), BENCH_DROP_DB=1 drops the database at the end.
 */
import http from 'node:http';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, sql, queryRows, type Database } from '../src/platform/db/index.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { newId } from '../src/platform/ids.ts';
import { systemActor, silentLogger, type Ctx } from '../src/platform/context.ts';
import { systemClock } from '../src/platform/clock.ts';
import { createImportJob, runImportJob, type ImportDefinition } from '../src/platform/imports/index.ts';
import { directoryModule } from '../src/modules/directory/index.ts';
import { assignRole, createServiceAccount, issueApiKey } from '../src/modules/identity/index.ts';
import { PERSON_IMPORT, REGISTRY_SCOPES, generateFiles, generatorRegions } from '../src/modules/registries/index.ts';
import { closedLoop, loadAverage, startPlatform, stopPlatform, type LoadRun } from './support.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 15) * 1000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SERVER = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

type Run = LoadRun;
const load = closedLoop;

const fmt = (r: Run) => `requests=${r.requests} errors=${r.errors} rps=${r.rps} p50_ms=${r.p50.toFixed(2)} p95_ms=${r.p95.toFixed(2)} p99_ms=${r.p99.toFixed(2)}`;

async function scratch(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `egov_bench_look_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = new pg.Client({ connectionString: SERVER });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

async function setup(database: Database, fill: boolean): Promise<{ key: string; ids: string[]; names: { name: string; region: string }[] }> {
  await migrate(database);
  const ctx: Ctx = { actor: systemActor, db: database.db, clock: systemClock, requestId: `bench:${Date.now()}`, log: silentLogger };
  await directoryModule.seedReference!(ctx, undefined as never);
  if (fill) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-look-'));
    const n = Number(process.env.BENCH_PERSONS ?? 200_000);
    await generateFiles({ regions: await generatorRegions(ctx), persons: n, entities: 0, outDir: dir, seed: 9 });
    const job = await createImportJob(ctx, PERSON_IMPORT as unknown as ImportDefinition<unknown>, { filePath: path.join(dir, 'persons.csv'), fileName: 'persons.csv', batchSize: 20_000 });
    await runImportJob(ctx, PERSON_IMPORT as unknown as ImportDefinition<unknown>, { id: job.id });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // A member system: a service account of the provincial government with read and full-read scopes.
  const unitId = newId();
  const now = new Date().toISOString();
  await database.db.execute(sql`INSERT INTO directory.units (id, name, unit_type, region_code, status, is_demo, created_at, updated_at, search_text)
    VALUES (${unitId}, '基准测试业务系统所属单位', 'government', '410000', 'active', false, ${now}, ${now}, 'bench')`);
  const roleId = newId();
  await database.db.execute(sql`INSERT INTO identity.roles (id, code, name, description, requires_mfa, builtin, created_at, updated_at)
    VALUES (${roleId}, ${`bench_${randomBytes(4).toString('hex')}`}, '基准测试业务系统', '', false, false, ${now}, ${now})`);
  for (const s of [REGISTRY_SCOPES.personRead, REGISTRY_SCOPES.personReadFull]) await database.db.execute(sql`INSERT INTO identity.role_scopes (role_id, scope) VALUES (${roleId}, ${s})`);
  const account = await createServiceAccount(ctx, { loginName: `bench${randomBytes(3).toString('hex')}`, displayName: '社保业务系统 (基准测试)', homeUnitId: unitId });
  await assignRole(ctx, { userId: account.id, roleId, unitId });
  const { key } = await issueApiKey(ctx, { serviceUserId: account.id, name: '基准测试' });
  const ids = (await queryRows<{ id_number: string }>(database.db, sql`SELECT id_number FROM registries.persons TABLESAMPLE SYSTEM (1) LIMIT 20000`)).map((r) => r.id_number);
  const names = (await queryRows<{ name: string; region_code: string }>(database.db, sql`SELECT name, region_code FROM registries.persons TABLESAMPLE SYSTEM (1) LIMIT 2000`)).map((r) => ({ name: r.name, region: r.region_code }));
  return { key, ids, names };
}

function getter(base: string, headers: Record<string, string>, connections: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const u = new URL(base);
  return (p: string) =>
    new Promise<boolean>((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path: p, agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('error', reject);
      req.end();
    });
}

const given = process.env.BENCH_DB_URL;
const db = given ? { url: given, drop: async () => undefined } : await scratch();
const database = await openDatabase({ url: db.url, poolSize: 4 });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-look-data-'));
try {
  const { key, ids, names } = await setup(database, !given);
  const count = (await queryRows<{ n: string }>(database.db, sql`SELECT count(*) AS n FROM registries.persons`))[0].n;
  console.log(`# registries lookup: ${count} persons; ${CONNECTIONS} connections, ${DURATION / 1000} s per case; nproc ${os.cpus().length}; load ${loadAverage()}`);
  const server = await startPlatform({ DATABASE_URL: db.url, DATA_DIR: dataDir, EGOV_SEED_DEMO: 'false', EGOV_ROLES: 'web', LOG_LEVEL: 'warn' });
  try {
    const get = getter(server.url, { authorization: `Bearer ${key}`, accept: 'application/json' }, CONNECTIONS);
    const purpose = encodeURIComponent('社保待遇资格认证核验身份');
    await load(CONNECTIONS, 3000, (i) => get(`/api/registries/persons/${ids[i % ids.length]}`)); // warm-up
    const masked = await load(CONNECTIONS, DURATION, (i) => get(`/api/registries/persons/${ids[(i * 7919) % ids.length]}`));
    console.log(`RESULT registries-lookup-api view=masked ${fmt(masked)} load="${loadAverage()}"`);
    const full = await load(CONNECTIONS, DURATION, (i) => get(`/api/registries/persons/${ids[(i * 104729) % ids.length]}?purpose=${purpose}`));
    console.log(`RESULT registries-lookup-api view=full_with_purpose ${fmt(full)} load="${loadAverage()}"`);
    const pool = new pg.Pool({ connectionString: db.url, max: CONNECTIONS });
    const direct = await load(CONNECTIONS, DURATION, async (i) => (await pool.query('SELECT * FROM registries.persons WHERE id_number = $1', [ids[(i * 7919) % ids.length]])).rowCount === 1);
    console.log(`RESULT registries-lookup-direct-select ${fmt(direct)} load="${loadAverage()}"`);
    console.log(`RESULT registries-lookup-ratio api_masked_vs_select_rps=${(direct.rps / masked.rps).toFixed(2)} api_masked_vs_select_p99=${(masked.p99 / direct.p99).toFixed(2)} api_full_vs_select_rps=${(direct.rps / full.rps).toFixed(2)}`);
    const searchApi = await load(4, Math.min(DURATION, 10_000), (i) => {
      const n = names[i % names.length];
      return get(`/api/registries/persons?name=${encodeURIComponent(n.name)}&regionCode=${n.region.slice(0, 4)}00`);
    });
    console.log(`RESULT registries-search-api name_and_region ${fmt(searchApi)}`);
    const searchDirect = await load(4, Math.min(DURATION, 10_000), async (i) => {
      const n = names[i % names.length];
      const p = n.region.slice(0, 4);
      await pool.query(`SELECT * FROM registries.persons WHERE name = $1 AND region_code >= $2 AND region_code < $3 ORDER BY region_code, id_number LIMIT 21`, [n.name, p, String(Number(p) + 1)]);
      return true;
    });
    console.log(`RESULT registries-search-direct name_and_region ${fmt(searchDirect)}`);
    const logged = await queryRows<{ n: string }>(database.db, sql`SELECT count(*) AS n FROM registries.access_log`);
    console.log(`# access log rows written: ${logged[0].n} (API requests that answered 200: ${masked.requests - masked.errors + full.requests - full.errors + searchApi.requests})`);
    await pool.end();
  } finally {
    await stopPlatform(server);
  }
} finally {
  await database.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (!given || process.env.BENCH_DROP_DB === '1') {
    if (given) {
      const name = new URL(given).pathname.slice(1);
      const a = new pg.Client({ connectionString: SERVER });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    } else await db.drop();
  }
  console.log(`# done; load ${loadAverage()}`);
}
