/**
 * Brings the platform up: database, migrations, secrets, reference and demo data, HTTP, worker.
 * Used by `npm start`, the CLI and the tests, so all three run the same code.
 */
import path from 'node:path';
import type { Config } from './config/index.ts';
import { openDatabase, queryOne, sql, type Database } from './db/index.ts';
import { migrate } from './db/migrate.ts';
import { systemClock, type Clock } from './clock.ts';
import { systemActor, silentLogger, type Ctx, type Logger } from './context.ts';
import { HandlerRegistry } from './events/outbox.ts';
import { Dispatcher } from './events/dispatcher.ts';
import { ensureSecret } from './secrets.ts';
import { buildHttpApp, type App } from './http/app.ts';
import { registerPlatformRoutes } from './routes.ts';
import type { Authenticator } from './auth/index.ts';
import type { ModuleDefinition, PlatformServices } from './module.ts';
import { pruneRateLimits } from './http/rate-limit.ts';
import { AttachmentPolicies } from './files/policy.ts';
import { registerWorkflows } from './workflow/registry.ts';
import { startTimerLoop, type TimerLoop } from './workflow/timers.ts';

export interface PlatformOptions {
  config: Config;
  modules: ModuleDefinition[];
  /** Builds the authenticator once services exist (the identity module's). */
  authenticator: (services: PlatformServices) => Authenticator;
  clock?: Clock;
  log?: Logger;
  /** An already open database (tests); otherwise opened from config. */
  database?: Database;
  /** Run the outbox dispatcher, timers and modules' worker tasks in this process (default: when config.roles has 'worker'). */
  worker?: boolean;
  /** Run the modules' ingest listeners (HJ 212 …) in this process (default: when config.roles has 'ingest'). */
  ingest?: boolean;
}

export interface Platform {
  services: PlatformServices;
  app: App;
  dispatcher: Dispatcher;
  /** true when this start found an empty database and loaded demo data. */
  seededDemo: boolean;
  systemCtx(): Ctx;
  close(): Promise<void>;
}

/** The database named by the configuration: DATABASE_URL, or PGlite in DATA_DIR/pgdata. */
export function openConfiguredDatabase(config: Config): Promise<Database> {
  return openDatabase({ url: config.databaseUrl, pgliteDir: config.databaseUrl ? undefined : path.join(config.dataDir, 'pgdata') });
}

/**
 * Reference data of every module (idempotent), then demo data once: on the first call with
 * `demo`, marked afterwards so later starts and `egov seed --demo` skip it. Returns whether demo
 * data was loaded now.
 */
export async function seedModules(opts: { modules: ModuleDefinition[]; services: PlatformServices; systemCtx: () => Ctx; demo: boolean }): Promise<boolean> {
  for (const m of opts.modules) await m.seedReference?.(opts.systemCtx(), opts.services);
  if (!opts.demo) return false;
  const { db, clock } = opts.systemCtx();
  const marker = await queryOne<{ name: string }>(db, sql`SELECT name FROM platform.secrets WHERE name = 'demo_seeded'`);
  if (marker) return false;
  for (const m of opts.modules) await m.seedDemo?.(opts.systemCtx(), opts.services);
  await db.execute(sql`INSERT INTO platform.secrets (name, value) VALUES ('demo_seeded', ${clock.now().toISOString()}) ON CONFLICT DO NOTHING`);
  return true;
}

/**
 * The services a deployment's modules receive: handler registry, attachment policies, declared
 * scopes, roles and demo staff, provided kernel contracts. Pure assembly, no I/O (the CLI's seed
 * command uses it without booting HTTP).
 */
export function platformServices(input: { config: Config; database: Database; clock: Clock; log: Logger; modules: ModuleDefinition[]; nudgeDispatcher?: () => void }): PlatformServices {
  const { modules } = input;
  const events = new HandlerRegistry();
  for (const m of modules) for (const h of m.eventHandlers ?? []) events.register(h);
  const attachmentPolicies = new AttachmentPolicies();
  for (const m of modules) for (const [ownerType, policy] of Object.entries(m.attachmentPolicies ?? {})) attachmentPolicies.register(ownerType, policy);
  const provided = <K extends 'recipientResolver' | 'smsProvider'>(key: K) => {
    const providers = modules.filter((m) => m.provides?.[key]);
    if (providers.length > 1) throw new Error(`${key} provided by several modules: ${providers.map((m) => m.name).join(', ')}`);
    return providers[0]?.provides?.[key];
  };
  return {
    config: input.config,
    database: input.database,
    clock: input.clock,
    log: input.log,
    events,
    scopes: modules.flatMap((m) => m.scopes),
    roles: modules.flatMap((m) => m.roles ?? []),
    demoStaff: modules.flatMap((m) => m.demoStaff ?? []),
    nudgeDispatcher: input.nudgeDispatcher ?? (() => undefined),
    recipients: provided('recipientResolver'),
    smsProvider: provided('smsProvider'),
    attachmentPolicies,
  };
}

export async function bootPlatform(opts: PlatformOptions): Promise<Platform> {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? silentLogger;
  const database = opts.database ?? (await openConfiguredDatabase(config));
  await migrate(database);
  const secret = await ensureSecret(database.db, 'http_hmac');

  let dispatcher: Dispatcher | null = null;
  const services = platformServices({ config, database, clock, log, modules: opts.modules, nudgeDispatcher: () => dispatcher?.nudge() });
  const { events } = services;
  dispatcher = new Dispatcher({ db: database.db, clock, log, registry: events });
  const systemCtx = (): Ctx => ({ actor: systemActor, db: database.db, clock, requestId: `system:${Date.now()}`, log });

  // Workflow definitions first: seeds may start cases.
  await registerWorkflows(systemCtx(), { definitions: opts.modules.flatMap((m) => m.workflows ?? []), services });
  const seededDemo = await seedModules({ modules: opts.modules, services, systemCtx, demo: config.seedDemo });

  const app = await buildHttpApp({ services, modules: opts.modules, authenticator: opts.authenticator(services), secret });
  registerPlatformRoutes(app, { services, modules: opts.modules });
  for (const m of opts.modules) await m.registerRoutes?.(app, services);
  await app.ready();

  const runWorker = opts.worker ?? config.roles.includes('worker');
  let pruneTimer: NodeJS.Timeout | null = null;
  let workflowTimers: TimerLoop | null = null;
  if (runWorker) {
    dispatcher.start();
    // PostgreSQL: several connections fire a burst side by side; PGlite has one connection.
    workflowTimers = startTimerLoop({ ctx: systemCtx, log, intervalMs: 1000, concurrency: database.kind === 'postgres' ? 4 : 1, onPass: (r) => {
      if (r.fired > 0) dispatcher?.nudge();
    } });
    pruneTimer = setInterval(() => void pruneRateLimits(systemCtx()).catch(() => undefined), 3600_000);
    pruneTimer.unref();
  }
  const runIngest = opts.ingest ?? config.roles.includes('ingest');
  const running: { name: string; stop(): Promise<void> }[] = [];
  try {
    for (const m of opts.modules) {
      for (const task of m.background ?? []) {
        if ((task.role === 'worker' && !runWorker) || (task.role === 'ingest' && !runIngest)) continue;
        const handle = await task.start({ services, systemCtx });
        running.push({ name: `${m.name}.${task.name}`, stop: handle.stop });
        log.info({ task: `${m.name}.${task.name}`, role: task.role }, 'background task started');
      }
    }
  } catch (err) {
    for (const r of running.reverse()) await r.stop().catch(() => undefined);
    throw err;
  }

  return {
    services,
    app,
    dispatcher,
    seededDemo,
    systemCtx,
    async close() {
      for (const r of [...running].reverse()) await r.stop().catch((err: unknown) => log.error({ err, task: r.name }, 'background task did not stop cleanly'));
      if (pruneTimer) clearInterval(pruneTimer);
      await workflowTimers?.stop();
      await dispatcher!.stop();
      await app.close();
      if (!opts.database) await database.close();
    },
  };
}
