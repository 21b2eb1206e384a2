/**
 * A real platform for tests: PGlite in memory by default, or a fresh database on the PostgreSQL
 * server named by EGOV_TEST_DATABASE_URL (dropped afterwards). HTTP goes through the real app.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/platform/config/index.ts';
import { openDatabase, type Database } from '../../src/platform/db/index.ts';
import { bootPlatform, type Platform } from '../../src/platform/boot.ts';
import { manualClock, systemClock, type Clock } from '../../src/platform/clock.ts';
import { silentLogger, systemActor, type Actor, type Ctx } from '../../src/platform/context.ts';
import { modules as allModules } from '../../src/modules/index.ts';
import { createAuthenticator } from '../../src/modules/identity/index.ts';
import type { ModuleDefinition } from '../../src/platform/module.ts';

export interface TestPlatform {
  platform: Platform;
  database: Database;
  clock: Clock;
  /** A context for service calls as the given actor (system by default). */
  ctx(actor?: Actor): Ctx;
  close(): Promise<void>;
}

async function openTestDatabase(): Promise<{ database: Database; drop: () => Promise<void> }> {
  const serverUrl = process.env.EGOV_TEST_DATABASE_URL;
  if (!serverUrl) {
    const database = await openDatabase({});
    return { database, drop: async () => undefined };
  }
  const name = `egov_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolSize: 5 });
  return {
    database,
    drop: async () => {
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export async function startTestPlatform(opts: { clock?: Clock; seedDemo?: boolean; modules?: ModuleDefinition[]; worker?: boolean } = {}): Promise<TestPlatform> {
  const { database, drop } = await openTestDatabase();
  const clock = opts.clock ?? systemClock;
  const config = loadConfig({ LOG_LEVEL: 'silent', EGOV_SEED_DEMO: opts.seedDemo ? 'true' : 'false', PORT: '0', DATA_DIR: '/nonexistent-test-dir' });
  let platform: Platform;
  try {
    platform = await bootPlatform({
      config,
      modules: opts.modules ?? allModules,
      authenticator: createAuthenticator,
      clock,
      log: silentLogger,
      database,
      worker: opts.worker ?? false,
    });
  } catch (err) {
    await database.close();
    await drop();
    throw err;
  }
  return {
    platform,
    database,
    clock,
    ctx: (actor: Actor = systemActor): Ctx => ({ actor, db: database.db, clock, requestId: `test-${randomBytes(4).toString('hex')}`, log: silentLogger }),
    async close() {
      await platform.close();
      await database.close();
      await drop();
    },
  };
}

export { manualClock };
