/**
 * The request context every service function takes: who acts (actor and scopes), on which
 * database handle (possibly a transaction), under which request id, at what time.
 */
import type { Db } from './db/index.ts';
import type { Clock } from './clock.ts';
import type { AuditEntry } from './audit/entry.ts';

export type ActorKind = 'anonymous' | 'staff' | 'citizen' | 'enterprise' | 'service' | 'system';

/** One role assignment resolved: the scopes of the role, valid within the unit's region subtree. */
export interface Grant {
  roleCode: string;
  roleName: string;
  unitId: string;
  unitName: string;
  /** Region code (GB/T 2260) of the unit. */
  regionCode: string;
  /** Prefix of region codes in the unit's subtree: "41" province, "4101" Zhengzhou, "410102" a county. */
  regionPrefix: string;
  scopes: ReadonlySet<string>;
}

export interface Actor {
  kind: ActorKind;
  userId: string | null;
  name: string;
  grants: Grant[];
  /** Set while a staff login awaits its second factor; such an actor holds no scopes. */
  pendingSecondFactor?: boolean;
}

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

export interface Ctx {
  actor: Actor;
  db: Db;
  clock: Clock;
  requestId: string;
  ip?: string;
  log: Logger;
  /** Set inside inTransaction(): audit entries waiting to be chained just before commit. */
  tx?: { auditBuffer: AuditEntry[] };
}

export const anonymousActor: Actor = { kind: 'anonymous', userId: null, name: '匿名访客', grants: [] };
export const systemActor: Actor = {
  kind: 'system',
  userId: null,
  name: '系统',
  grants: [{ roleCode: 'system', roleName: '系统', unitId: '', unitName: '平台', regionCode: '', regionPrefix: '', scopes: new Set(['*']) }],
};

export function hasScope(actor: Actor, scope: string): boolean {
  return actor.grants.some((g) => g.scopes.has(scope) || g.scopes.has('*'));
}

/**
 * Region prefixes within which the actor holds `scope`; a row is visible when its region code
 * starts with one of them. Empty array: no visibility at all. [''] means the whole platform.
 */
export function regionPrefixesFor(actor: Actor, scope: string): string[] {
  const prefixes = actor.grants.filter((g) => g.scopes.has(scope) || g.scopes.has('*')).map((g) => g.regionPrefix);
  // Drop prefixes already covered by a shorter one.
  return [...new Set(prefixes)].filter((p) => !prefixes.some((q) => q !== p && p.startsWith(q)));
}

export function regionVisible(actor: Actor, scope: string, regionCode: string): boolean {
  return regionPrefixesFor(actor, scope).some((p) => regionCode.startsWith(p));
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };
