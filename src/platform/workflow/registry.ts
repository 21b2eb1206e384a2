/**
 * Definitions known to this process (code, looked up by key + version) and the platform services
 * the engine's service functions need but `ctx` does not carry (the event handler registry, the
 * recipient resolver). Bound once per boot by `registerWorkflows` (wiring, not state).
 */
import type { Ctx } from '../context.ts';
import type { PlatformServices } from '../module.ts';
import type { RecipientResolver } from '../notify/recipients.ts';
import { HandlerRegistry } from '../events/outbox.ts';
import { AppError } from '../errors.ts';
import { queryOne, queryRows, sql } from '../db/index.ts';
import type { WorkflowDefinition } from './definition.ts';

const definitions = new Map<string, WorkflowDefinition>();
let events: HandlerRegistry = new HandlerRegistry();
let recipients: RecipientResolver | undefined;

const keyOf = (key: string, version: number) => `${key}@${version}`;

/** Adds definitions to this process's registry; the same key + version with another shape is a programming error. */
export function addDefinitions(defs: WorkflowDefinition[]): void {
  for (const def of defs) {
    const existing = definitions.get(keyOf(def.key, def.version));
    if (existing && existing.hash !== def.hash) {
      throw new Error(`workflow ${def.key} v${def.version} is registered twice with different shapes; give the new one a new version`);
    }
    definitions.set(keyOf(def.key, def.version), def);
  }
}

export function findDefinition(key: string, version: number): WorkflowDefinition | undefined {
  return definitions.get(keyOf(key, version));
}

/** The definition a case runs on; a missing version is an operations problem, said plainly. */
export function definitionFor(key: string, version: number): WorkflowDefinition {
  const def = findDefinition(key, version);
  if (!def) {
    throw new AppError({
      code: 'workflow_version_missing',
      status: 500,
      message: `流程「${key}」第 ${version} 版未在本系统中注册, 无法办理按该版本启动的案件; 请联系系统管理员保留旧版本定义。`,
    });
  }
  return def;
}

/** The newest registered version of a key. */
export function latestDefinition(key: string): WorkflowDefinition | undefined {
  let best: WorkflowDefinition | undefined;
  for (const d of definitions.values()) if (d.key === key && (!best || d.version > best.version)) best = d;
  return best;
}

export function allDefinitions(): WorkflowDefinition[] {
  return [...definitions.values()].sort((a, b) => a.key.localeCompare(b.key) || a.version - b.version);
}

/** Every scope a registered definition uses for working on cases (pool membership). */
export function workflowScopes(): Set<string> {
  const out = new Set<string>();
  for (const d of definitions.values()) {
    for (const s of Object.values(d.states)) {
      if (s.scope) out.add(s.scope);
      if (s.escalation) out.add(s.escalation.scope);
    }
    for (const t of d.transitions) if (t.scope) out.add(t.scope);
  }
  return out;
}

export function eventRegistry(): HandlerRegistry {
  return events;
}

/**
 * Who works where (the identity module implements it; the kernel knows no module): checks the
 * receiver of a hand-over and offers colleagues in the hand-over form. Absent, a hand-over is
 * checked when the receiver acts (every action needs a grant at the case's unit anyway).
 */
export function recipientResolver(): RecipientResolver | undefined {
  return recipients;
}

/**
 * At boot: binds the event registry, adds the definitions, and records each key + version + hash
 * in workflow.definitions. A recorded version whose shape changed stops the start: cases running
 * on it would otherwise move by rules they did not start with.
 */
export async function registerWorkflows(ctx: Ctx, input: { definitions: WorkflowDefinition[]; services?: Pick<PlatformServices, 'events' | 'recipients'> }): Promise<void> {
  if (input.services) {
    events = input.services.events;
    recipients = input.services.recipients;
  }
  addDefinitions(input.definitions);
  for (const def of input.definitions) {
    await ctx.db.execute(sql`INSERT INTO workflow.definitions (key, version, hash, title, shape, registered_at)
      VALUES (${def.key}, ${def.version}, ${def.hash}, ${def.title}, ${JSON.stringify(def.shape)}::jsonb, ${ctx.clock.now().toISOString()})
      ON CONFLICT (key, version) DO NOTHING`);
    const row = await queryOne<{ hash: string }>(ctx.db, sql`SELECT hash FROM workflow.definitions WHERE key = ${def.key} AND version = ${def.version}`);
    if (row && row.hash !== def.hash) {
      throw new Error(`流程 ${def.key} 第 ${def.version} 版已登记, 但代码中的结构已改变 (hash ${row.hash.slice(0, 12)}… ≠ ${def.hash.slice(0, 12)}…); 已有案件按旧结构运行, 请保留旧版本并以新版本号登记修改后的流程`);
    }
  }
  const running = await queryRows<{ definition_key: string; definition_version: number }>(
    ctx.db,
    sql`SELECT DISTINCT definition_key, definition_version FROM workflow.cases WHERE status IN ('open', 'correction', 'suspended')`,
  );
  for (const r of running) {
    if (!findDefinition(r.definition_key, Number(r.definition_version))) {
      ctx.log.error({ key: r.definition_key, version: r.definition_version }, 'open workflow cases run on a definition version this process does not register');
    }
  }
}
