/**
 * Configuration is read from the environment and validated once at boot; nothing else
 * in the code reads process.env.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import path from 'node:path';

const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  host: Type.String({ minLength: 1 }),
  dataDir: Type.String({ minLength: 1 }),
  databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  natsUrl: Type.Optional(Type.String({ pattern: '^nats://' })),
  logLevel: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('silent')]),
  /** Load demo data on the first start (empty database). */
  seedDemo: Type.Boolean(),
  /** Serve cookies with the Secure flag (behind TLS). */
  secureCookies: Type.Boolean(),
  /** Roles this process plays: web (HTTP), worker (outbox dispatcher, timers). */
  roles: Type.Array(Type.Union([Type.Literal('web'), Type.Literal('worker'), Type.Literal('ingest')]), { minItems: 1 }),
  sessionIdleMinutes: Type.Integer({ minimum: 1 }),
  smtpUrl: Type.Optional(Type.String()),
  /** Trust X-Forwarded-For from this many proxy hops (0: use the socket address). */
  trustProxyHops: Type.Integer({ minimum: 0, maximum: 10 }),
  /** TCP port of the HJ 212 listener (processes with the ingest role). */
  hj212Port: Type.Integer({ minimum: 0, maximum: 65535 }),
  /** Run simulated HJ 212 loggers for the demo points (processes with the worker role, when demo data exists). */
  hj212DemoSimulator: Type.Boolean(),
  /** Where the platform reaches itself over HTTP (webhooks of in-platform exchange subscribers). */
  internalBaseUrl: Type.String({ pattern: '^https?://' }),
});

export type Config = Static<typeof ConfigSchema>;

function bool(v: string | undefined, fallback: boolean): boolean {
  if (v === undefined || v === '') return fallback;
  return ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = {
    port: env.PORT === undefined ? 3000 : Number(env.PORT),
    host: env.HOST ?? '0.0.0.0',
    dataDir: path.resolve(env.DATA_DIR ?? './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    natsUrl: env.NATS_URL || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    seedDemo: bool(env.EGOV_SEED_DEMO, true),
    secureCookies: bool(env.EGOV_SECURE_COOKIES, false),
    roles: (env.EGOV_ROLES ?? 'web,worker,ingest').split(',').map((s) => s.trim()).filter(Boolean),
    sessionIdleMinutes: env.EGOV_SESSION_IDLE_MINUTES ? Number(env.EGOV_SESSION_IDLE_MINUTES) : 30,
    smtpUrl: env.SMTP_URL || undefined,
    trustProxyHops: env.EGOV_TRUST_PROXY_HOPS ? Number(env.EGOV_TRUST_PROXY_HOPS) : 0,
    hj212Port: env.HJ212_PORT === undefined || env.HJ212_PORT === '' ? 9212 : Number(env.HJ212_PORT),
    hj212DemoSimulator: bool(env.HJ212_DEMO_SIMULATOR, true),
    internalBaseUrl: (env.EGOV_INTERNAL_BASE_URL || `http://127.0.0.1:${env.PORT === undefined ? 3000 : Number(env.PORT)}`).replace(/\/+$/, ''),
  };
  const errors = [...Value.Errors(ConfigSchema, raw)];
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.path}: ${e.message} (got ${JSON.stringify(e.value)})`);
    throw new ConfigError(`配置无效 (invalid configuration):\n${lines.join('\n')}`);
  }
  return raw as Config;
}
