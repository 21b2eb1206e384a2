/**
 * Composition root: config -> database -> modules -> roles (HTTP, worker).
 */
import { loadConfig, ConfigError } from './platform/config/index.ts';
import { bootPlatform } from './platform/boot.ts';
import { modules } from './modules/index.ts';
import { createAuthenticator } from './modules/identity/index.ts';

export async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const started = Date.now();
  const platform = await bootPlatform({ config, modules, authenticator: createAuthenticator, log: consoleLog(config.logLevel) });
  if (config.roles.includes('web')) {
    await platform.app.listen({ port: config.port, host: config.host });
  }
  const where = config.databaseUrl ? 'PostgreSQL' : `PGlite (${config.dataDir})`;
  console.log(`egov ready in ${Date.now() - started} ms on ${where}${platform.seededDemo ? ', demo data loaded' : ''}: http://localhost:${config.port}/`);
  const shutdown = async (signal: string) => {
    console.log(`egov stopping (${signal})`);
    await platform.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

function consoleLog(level: string) {
  const quiet = level === 'silent' || level === 'fatal' || level === 'error';
  const debug = level === 'debug';
  const write = (lvl: string) => (obj: object | string, msg?: string) => {
    if (quiet && lvl !== 'error') return;
    if (lvl === 'debug' && !debug) return;
    console.error(JSON.stringify({ level: lvl, time: new Date().toISOString(), msg: msg ?? (typeof obj === 'string' ? obj : undefined), ...(typeof obj === 'object' ? serialise(obj) : {}) }));
  };
  return { info: write('info'), warn: write('warn'), error: write('error'), debug: write('debug') };
}

function serialise(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = v instanceof Error ? { message: v.message, stack: v.stack } : v;
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
