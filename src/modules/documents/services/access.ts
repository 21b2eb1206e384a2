/**
 * Who may see and do what with a document. A grant counts at its own unit, for rows whose region
 * lies in the grant's region subtree. A document is visible to the documents staff (holders of
 * documents.read) of its sending unit, of each recipient unit once it is distributed, and of the
 * departments a recipient assigned it to (承办单位); and to anyone who may see one of its workflow
 * cases (participants, escalation units, holders of workflow.case.read).
 */
import type { Actor, Ctx, Grant } from '../../../platform/context.ts';
import { casesForSubject, getCase } from '../../../platform/workflow/index.ts';
import { isAppError } from '../../../platform/errors.ts';
import { SCOPES, SUBJECT_MODULE, type DocumentRow, type IncomingRow } from '../model.ts';
import { loadIncomingOf } from './store.ts';

const holds = (g: Grant, scope: string) => g.scopes.has(scope) || g.scopes.has('*');

export const isSystem = (a: Actor): boolean => a.kind === 'system';

/** The actor's grant at `unitId` holding `scope`, valid for a row of `regionCode`. */
export function grantAt(actor: Actor, unitId: string, scope: string, regionCode: string): Grant | null {
  if (!actor.userId || actor.pendingSecondFactor || actor.kind !== 'staff') return null;
  return actor.grants.find((g) => g.unitId === unitId && holds(g, scope) && regionCode.startsWith(g.regionPrefix)) ?? null;
}

/** Units where the actor holds `scope` (one entry per unit), with the grant's region prefix. */
export function unitsWith(actor: Actor, scope: string): { unitId: string; unitName: string; regionCode: string; regionPrefix: string }[] {
  if (!actor.userId || actor.pendingSecondFactor || actor.kind !== 'staff') return [];
  const seen = new Map<string, { unitId: string; unitName: string; regionCode: string; regionPrefix: string }>();
  for (const g of actor.grants) {
    if (!holds(g, scope) || !g.unitId || seen.has(g.unitId)) continue;
    seen.set(g.unitId, { unitId: g.unitId, unitName: g.unitName, regionCode: g.regionCode, regionPrefix: g.regionPrefix });
  }
  return [...seen.values()];
}

/** Can the actor see one of these workflow cases (as a participant, escalation unit, region reader…)? */
async function seesAnyCase(ctx: Ctx, caseIds: (string | null)[]): Promise<boolean> {
  for (const id of caseIds) {
    if (!id) continue;
    try {
      await getCase(ctx, { id });
      return true;
    } catch (err) {
      if (!isAppError(err) || err.status !== 404) throw err;
    }
  }
  return false;
}

/** The handling department (承办单位) a leader assigned an incoming document to, from its case. */
export async function handlingUnitOf(ctx: Ctx, incoming: IncomingRow): Promise<string | null> {
  const cases = await casesForSubject(ctx, { module: SUBJECT_MODULE, id: incoming.id });
  const unit = cases[0]?.data.handlingUnitId;
  return typeof unit === 'string' ? unit : null;
}

/** Is the actor one of the sending unit's documents staff? */
export const atSendingUnit = (actor: Actor, doc: DocumentRow, scope: string = SCOPES.read): Grant | null => grantAt(actor, doc.sending_unit_id, scope, doc.region_code);

export async function canSeeIncoming(ctx: Ctx, incoming: IncomingRow): Promise<boolean> {
  const a = ctx.actor;
  if (isSystem(a)) return true;
  if (grantAt(a, incoming.recipient_unit_id, SCOPES.read, incoming.region_code)) return true;
  const handling = await handlingUnitOf(ctx, incoming);
  if (handling && grantAt(a, handling, SCOPES.read, incoming.region_code)) return true;
  return seesAnyCase(ctx, [incoming.case_id]);
}

export async function canSeeDocument(ctx: Ctx, doc: DocumentRow): Promise<boolean> {
  const a = ctx.actor;
  if (isSystem(a)) return true;
  if (atSendingUnit(a, doc)) return true;
  const incoming = await loadIncomingOf(ctx, doc.id);
  for (const i of incoming) if (grantAt(a, i.recipient_unit_id, SCOPES.read, i.region_code)) return true;
  for (const i of incoming) {
    const handling = await handlingUnitOf(ctx, i);
    if (handling && grantAt(a, handling, SCOPES.read, i.region_code)) return true;
  }
  return seesAnyCase(ctx, [doc.case_id, ...incoming.map((i) => i.case_id)]);
}
