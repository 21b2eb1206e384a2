/**
 * Who may work on a case and who may see it. Working on a case needs a grant at the case's unit
 * holding the step's scope, valid for the case's region; an assigned case belongs to its assignee.
 */
import type { Actor, Ctx, Grant } from '../context.ts';
import { regionVisible } from '../context.ts';
import { queryOne, sql } from '../db/index.ts';
import { WORKFLOW_SCOPES, type CaseRow } from './model.ts';

const holds = (g: Grant, scope: string) => g.scopes.has(scope) || g.scopes.has('*');

/** The actor's grant for working at `unitId` with `scope` on a case of `regionCode`, or null. */
export function grantAt(actor: Actor, unitId: string | null, scope: string | null, regionCode: string): Grant | null {
  if (!actor.userId || !unitId || !scope || actor.pendingSecondFactor) return null;
  return actor.grants.find((g) => g.unitId === unitId && holds(g, scope) && regionCode.startsWith(g.regionPrefix)) ?? null;
}

export function workingGrant(actor: Actor, row: Pick<CaseRow, 'candidate_unit_id' | 'region_code'>, scope: string | null): Grant | null {
  return grantAt(actor, row.candidate_unit_id, scope, row.region_code);
}

export type WorkPosition = { grant: Grant; assignedToMe: boolean } | { refusal: 'no_grant' } | { refusal: 'taken'; by: string };

/** Whether the actor may handle the case now with `scope`: in the unit's pool or as its assignee. */
export function positionOf(actor: Actor, row: CaseRow, scope: string | null): WorkPosition {
  const grant = workingGrant(actor, row, scope);
  if (!grant) return { refusal: 'no_grant' };
  if (row.assignee_user_id && row.assignee_user_id !== actor.userId) return { refusal: 'taken', by: row.assignee_name ?? '' };
  return { grant, assignedToMe: row.assignee_user_id === actor.userId };
}

export const isSystem = (actor: Actor): boolean => actor.kind === 'system';

/**
 * Who sees a case: the system; its starter; its assignee; who may work on it in its unit; the
 * escalation unit once overdue; whoever acted on it; holders of workflow.case.read for its region.
 */
export async function canSee(ctx: Ctx, row: CaseRow): Promise<boolean> {
  const a = ctx.actor;
  if (isSystem(a)) return true;
  if (a.userId && (row.started_by_user_id === a.userId || row.assignee_user_id === a.userId)) return true;
  if (workingGrant(a, row, row.required_scope)) return true;
  if (row.escalation_unit_id && grantAt(a, row.escalation_unit_id, row.escalation_scope, row.region_code)) return true;
  if (regionVisible(a, WORKFLOW_SCOPES.caseRead, row.region_code)) return true;
  if (!a.userId) return false;
  const acted = await queryOne<{ one: number }>(ctx.db, sql`SELECT 1 AS one FROM workflow.history WHERE case_id = ${row.id} AND actor_user_id = ${a.userId} LIMIT 1`);
  return Boolean(acted);
}
