/**
 * Incoming documents (收文): the steps of a recipient unit's documents.incoming case. 签收登记
 * records the read receipt the sender sees (who, when) and gives the next 收文编号 of the unit's
 * yearly sequence, in the transaction that takes the transition; the other steps (拟办, 批示 with
 * the handling department, 办结, 归档) are plain transitions with their opinions as fields.
 */
import type { Ctx } from '../../../platform/context.ts';
import { conflict, forbidden, notFound } from '../../../platform/errors.ts';
import { sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import { publish } from '../../../platform/events/outbox.ts';
import { casesForSubject, takeTransition, type CaseView } from '../../../platform/workflow/index.ts';
import { EVENTS, INCOMING_FLOW, INCOMING_PREFIX, INSTRUCT_TRANSITION, SCOPES, SUBJECT_MODULE, URGENCIES, type IncomingRow, type IncomingState, type Urgency } from '../model.ts';
import { canSeeIncoming, grantAt, isSystem } from './access.ts';
import { loadDocument, loadIncoming } from './store.ts';
import { nextNumber } from './numbering.ts';
import { chinaYear, formatDocNumber } from './format.ts';

export async function incomingCase(ctx: Ctx, incoming: Pick<IncomingRow, 'id'>): Promise<CaseView | null> {
  const cases = await casesForSubject(ctx, { module: SUBJECT_MODULE, id: incoming.id });
  return cases.find((c) => c.definitionKey === INCOMING_FLOW) ?? null;
}

export interface IncomingStepInput {
  incomingId: string;
  comment?: string;
  expectedVersion?: number;
}

interface IncomingStepSpec {
  states: IncomingState[];
  label: string;
  transition: (c: CaseView) => string;
  fields?: Record<string, unknown>;
  /** Scope the actor must hold at the case's unit (the receiving unit, or the handling department while 承办). */
  scope: string;
  work?: (ctx: Ctx, incoming: IncomingRow) => Promise<Record<string, unknown>>;
  event?: string;
}

async function incomingStep(ctx: Ctx, input: IncomingStepInput, spec: IncomingStepSpec): Promise<{ id: string; documentId: string }> {
  return inTransaction(ctx, async (tctx) => {
    const incoming = await loadIncoming(tctx, input.incomingId, { forUpdate: true });
    if (!incoming || !(await canSeeIncoming(tctx, incoming))) throw notFound('incoming_not_found', '收文不存在或您无权查看。');
    const c = await incomingCase(tctx, incoming);
    if (!c) throw conflict('incoming_no_case', '收文没有办理流程。');
    if (c.status !== 'open' || !(spec.states as string[]).includes(c.state)) {
      throw conflict('incoming_state', `收文当前处于「${c.status === 'open' ? c.stateLabel : c.statusLabel}」, 不能${spec.label}。`);
    }
    if (!isSystem(tctx.actor) && !grantAt(tctx.actor, c.unit?.id ?? incoming.recipient_unit_id, spec.scope, incoming.region_code)) throw forbidden(`您没有${spec.label}的权限。`);
    if (input.expectedVersion !== undefined && c.version !== input.expectedVersion) throw conflict('case_changed', '案件已被他人处理, 请刷新');
    const details = spec.work ? await spec.work(tctx, incoming) : {};
    const transition = spec.transition(c);
    const after = await takeTransition(tctx, { caseId: c.id, transition, comment: input.comment, fields: spec.fields, expectedVersion: input.expectedVersion });
    audit(tctx, {
      action: `documents.incoming.${transition.startsWith('instruct') ? 'instruct' : transition}`,
      targetType: 'documents.incoming',
      targetId: incoming.id,
      targetLabel: c.title,
      details: { documentId: incoming.document_id, caseId: c.id, to: after.state, ...details },
    });
    await publish(tctx, {
      type: spec.event ?? EVENTS.incomingStep,
      orderingKey: incoming.document_id,
      payload: { documentId: incoming.document_id, incomingId: incoming.id, unitId: incoming.recipient_unit_id, caseId: c.id, transition, state: after.state, ...details },
    });
    return { id: incoming.id, documentId: incoming.document_id };
  });
}

/** 签收登记: the read receipt (签收人, 签收时间) and the unit's next 收文编号. */
export const registerIncoming = (ctx: Ctx, input: IncomingStepInput) =>
  incomingStep(ctx, input, {
    states: ['registering'],
    label: '签收登记',
    transition: () => 'register',
    scope: SCOPES.incomingRegister,
    event: EVENTS.received,
    async work(tctx, incoming) {
      if (incoming.received_at) throw conflict('incoming_received', `该公文已于 ${new Date(incoming.received_at).toISOString()} 签收。`);
      const now = tctx.clock.now();
      const year = chinaYear(now);
      const seq = await nextNumber(tctx, { unitId: incoming.recipient_unit_id, prefix: INCOMING_PREFIX, year });
      const registrationNumber = formatDocNumber(INCOMING_PREFIX, year, seq);
      await tctx.db.execute(sql`UPDATE documents.incoming SET received_at = ${now.toISOString()}, received_by_user_id = ${tctx.actor.userId},
        received_by_name = ${tctx.actor.name}, registration_number = ${registrationNumber} WHERE id = ${incoming.id}`);
      const doc = await loadDocument(tctx, incoming.document_id);
      return { registrationNumber, receivedAt: now.toISOString(), receivedBy: tctx.actor.name, docNumber: doc?.doc_number ?? null };
    },
  });

/** 拟办: the office's proposal for handling. */
export const proposeIncoming = (ctx: Ctx, input: IncomingStepInput & { proposal: string }) =>
  incomingStep(ctx, input, { states: ['proposing'], label: '拟办', scope: SCOPES.incomingHandle, transition: () => 'propose', fields: { proposal: input.proposal } });

/** 批示: the leader's instruction and the handling department (blank: the receiving unit itself). */
export const instructIncoming = (ctx: Ctx, input: IncomingStepInput & { instruction: string; handlingUnitId?: string }) =>
  incomingStep(ctx, input, {
    states: ['instructing'],
    label: '批示',
    scope: SCOPES.incomingInstruct,
    transition: (c) => {
      const u = c.data.urgency as Urgency;
      return INSTRUCT_TRANSITION[(URGENCIES as readonly string[]).includes(u) ? u : 'normal'];
    },
    fields: { instruction: input.instruction, ...(input.handlingUnitId ? { handlingUnitId: input.handlingUnitId } : {}) },
  });

/** 办结: the handling department reports its result; the case goes back to the receiving unit for filing. */
export const completeIncoming = (ctx: Ctx, input: IncomingStepInput & { result: string }) =>
  incomingStep(ctx, input, {
    states: ['handling_very_urgent', 'handling_urgent', 'handling_normal'],
    label: '办结',
    scope: SCOPES.incomingHandle,
    transition: () => 'complete',
    fields: { result: input.result },
  });

/** 归档. */
export const fileIncoming = (ctx: Ctx, input: IncomingStepInput) =>
  incomingStep(ctx, input, { states: ['filing'], label: '归档', scope: SCOPES.incomingRegister, transition: () => 'file' });
