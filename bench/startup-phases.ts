/**
 * Where start-up time goes, phase by phase, in one process on DATA_DIR (run it twice on the same
 * directory: the first run includes migrations and demo data). Used by bench/startup.ts.
 *   DATA_DIR=/tmp/x node --import tsx bench/startup-phases.ts
 */
const t0 = performance.now();
const { loadConfig } = await import('../src/platform/config/index.ts');
const { bootPlatform, openConfiguredDatabase, platformServices, seedModules } = await import('../src/platform/boot.ts');
const { migrate } = await import('../src/platform/db/migrate.ts');
const { modules } = await import('../src/modules/index.ts');
const { createAuthenticator } = await import('../src/modules/identity/index.ts');
const { systemActor, silentLogger } = await import('../src/platform/context.ts');
const { systemClock } = await import('../src/platform/clock.ts');

const phases: [string, number][] = [['load code (tsx transpile + imports)', performance.now() - t0]];
let t = performance.now();
const lap = (name: string) => {
  phases.push([name, performance.now() - t]);
  t = performance.now();
};
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const database = await openConfiguredDatabase(config);
lap('open database');
await migrate(database);
lap('migrations');
const systemCtx = () => ({ actor: systemActor, db: database.db, clock: systemClock, requestId: 'bench', log: silentLogger });
const services = platformServices({ config, database, clock: systemClock, log: silentLogger, modules });
for (const m of modules) {
  await seedModules({ modules: [m], services, systemCtx, demo: false });
  lap(`reference data: ${m.name}`);
}
// bootPlatform repeats the (idempotent) migrations and reference data, loads demo data on the first
// start and builds the HTTP app.
const platform = await bootPlatform({ config, modules, authenticator: createAuthenticator, database, worker: false });
lap(`bootPlatform: ${platform.seededDemo ? 'demo data + ' : ''}HTTP app (reference data again)`);
const home = await platform.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
lap(`first GET / (${home.statusCode})`);
await platform.close();
await database.close();
for (const [name, ms] of phases) console.log(`  ${name.padEnd(72)} ${Math.round(ms).toString().padStart(6)} ms`);
