/**
 * A real platform for tests: PGlite in memory by default, or a fresh database on the PostgreSQL
 * server named by EGOV_TEST_DATABASE_URL (dropped afterwards). HTTP goes through the real app.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/platform/config/index.ts';
import { openDatabase, type Database } from '../../src/platform/db/index.ts';
import { bootPlatform, type Platform } from '../../src/platform/boot.ts';
import { manualClock, systemClock, type Clock } from '../../src/platform/clock.ts';
import { silentLogger, systemActor, type Actor, type Ctx } from '../../src/platform/context.ts';
import { modules as allModules } from '../../src/modules/index.ts';
import { createAuthenticator } from '../../src/modules/identity/index.ts';
import type { ModuleDefinition, PlatformServices } from '../../src/platform/module.ts';
import type { Authenticator } from '../../src/platform/auth/index.ts';

export interface TestPlatform {
  platform: Platform;
  database: Database;
  clock: Clock;
  /** DATA_DIR of this platform: a fresh temporary directory, removed by close(). */
  dataDir: string;
  /** A context for service calls as the given actor (system by default). */
  ctx(actor?: Actor): Ctx;
  close(): Promise<void>;
}

/** A new, empty database on the PostgreSQL server at `serverUrl`; `drop` removes it. */
export async function scratchPostgresDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `egov_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/**
 * `npm test` prepares one migrated PGlite cluster per run (scripts/pglite-snapshot.ts) and names it in
 * EGOV_TEST_PGLITE_SNAPSHOT; each test file starts from it instead of running initdb and every
 * migration again. Without it (a file run on its own) the database starts empty and boot migrates.
 */
function migratedSnapshot(): Blob | undefined {
  const file = process.env.EGOV_TEST_PGLITE_SNAPSHOT;
  if (!file || !fs.existsSync(file)) return undefined;
  return new Blob([fs.readFileSync(file)]);
}

async function openTestDatabase(): Promise<{ database: Database; drop: () => Promise<void> }> {
  const serverUrl = process.env.EGOV_TEST_DATABASE_URL;
  if (!serverUrl) {
    const database = await openDatabase({ pgliteSnapshot: migratedSnapshot() });
    return { database, drop: async () => undefined };
  }
  const scratch = await scratchPostgresDatabase(serverUrl);
  const database = await openDatabase({ url: scratch.url, poolSize: 5 });
  return { database, drop: scratch.drop };
}

export interface TestPlatformOptions {
  clock?: Clock;
  seedDemo?: boolean;
  modules?: ModuleDefinition[];
  worker?: boolean;
  /** Start the modules' ingest listeners (HJ 212 …); off by default, tests start what they need. */
  ingest?: boolean;
  /** Replaces the identity module's authenticator (kernel tests that need actors without accounts). */
  authenticator?: (services: PlatformServices) => Authenticator;
  /** Extra environment for loadConfig (e.g. SMTP_URL). */
  env?: Record<string, string>;
  /** An already open database the test owns (restart tests reopen one): close() leaves it open and does not drop it. */
  database?: Database;
}

export async function startTestPlatform(opts: TestPlatformOptions = {}): Promise<TestPlatform> {
  const { database, drop } = opts.database ? { database: opts.database, drop: async () => undefined } : await openTestDatabase();
  const closeDatabase = () => (opts.database ? Promise.resolve() : database.close());
  const clock = opts.clock ?? systemClock;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-test-data-'));
  const removeDataDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  const config = loadConfig({ LOG_LEVEL: 'silent', EGOV_SEED_DEMO: opts.seedDemo ? 'true' : 'false', PORT: '0', DATA_DIR: dataDir, ...opts.env });
  let platform: Platform;
  try {
    platform = await bootPlatform({
      config,
      modules: opts.modules ?? allModules,
      authenticator: opts.authenticator ?? createAuthenticator,
      clock,
      log: silentLogger,
      database,
      worker: opts.worker ?? false,
      ingest: opts.ingest ?? false,
    });
  } catch (err) {
    await closeDatabase();
    await drop();
    removeDataDir();
    throw err;
  }
  return {
    platform,
    database,
    clock,
    dataDir,
    ctx: (actor: Actor = systemActor): Ctx => ({ actor, db: database.db, clock, requestId: `test-${randomBytes(4).toString('hex')}`, log: silentLogger }),
    async close() {
      await platform.close();
      await closeDatabase();
      await drop();
      removeDataDir();
    },
  };
}

export { manualClock };
/** The modules of the deployment (src/modules/index.ts), for tests that add their own; kernel tests under src/platform may not import modules directly. */
export { allModules as deploymentModules };
