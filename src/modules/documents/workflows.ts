/**
 * The two flows of official documents on the workflow engine.
 *
 * 发文 (documents.outgoing): 拟稿 → 核稿 → 签发 → 用印 → 分发 → 已分发, with 退回修改 back to the
 * drafter from 核稿 and 签发. 签发, 用印 and 分发 change the document itself (number, seal,
 * incoming records), so the module's services do that work and take the transition in the same
 * transaction; their guards refuse the transition when the work is not done, so the engine's
 * generic case page cannot skip it (it tells the user where to go instead).
 *
 * 收文 (documents.incoming), one case per recipient unit: 签收登记 → 拟办 → 批示 → 承办 → 归档.
 * The engine's deadlines are per state, so 承办 has one state per 紧急程度 (特急 1, 加急 3, 平件 10
 * working days) and 批示 one transition per state; a guard admits only the one matching the
 * document. When 承办 passes its deadline the case is escalated to the leaders (批示) of the
 * receiving unit.
 */
import { Type } from '@sinclair/typebox';
import type { Ctx } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import { defineWorkflow, type CaseSnapshot, type RouteTarget, type TransitionDef, type WorkflowDefinition } from '../../platform/workflow/index.ts';
import { getUnitSummary } from '../directory/index.ts';
import {
  HANDLING_STATE,
  HANDLING_WORKING_DAYS,
  INCOMING_FLOW,
  INCOMING_STATES,
  INSTRUCT_TRANSITION,
  OUTGOING_FLOW,
  OUTGOING_STATES,
  SCOPES,
  URGENCIES,
  URGENCY_LABELS,
  type Urgency,
} from './model.ts';

export interface OutgoingData extends Record<string, unknown> {
  documentId: string;
}

export interface IncomingData extends Record<string, unknown> {
  documentId: string;
  incomingId: string;
  recipientUnitId: string;
  recipientUnitName: string;
  urgency: Urgency;
  proposal?: string;
  instruction?: string;
  handlingUnitId?: string;
  result?: string;
}

const pagePath = (documentId: string) => `/workbench/documents/${documentId}`;

async function docFlag(ctx: Ctx, documentId: string, column: 'doc_number' | 'verification_code' | 'distributed_at'): Promise<boolean> {
  const col = sql.raw(column);
  const row = await queryOne<{ done: boolean }>(ctx.db, sql`SELECT (${col} IS NOT NULL) AS done FROM documents.documents WHERE id = ${documentId}`);
  return Boolean(row?.done);
}

const outgoingData = Type.Object(
  { documentId: Type.String({ title: '公文标识', minLength: 36, maxLength: 36 }) },
  { additionalProperties: false },
);

/** Back to the drafter (the case's starter), in the drafting unit. */
function toDrafter({ case: c }: { case: CaseSnapshot<OutgoingData> }): RouteTarget {
  return {
    unitId: c.unit?.id ?? '',
    unitName: c.unit?.name ?? '',
    scope: SCOPES.outgoingDraft,
    ...(c.startedBy.userId ? { userId: c.startedBy.userId, userName: c.startedBy.name } : {}),
  };
}

export const outgoingFlowV1: WorkflowDefinition = defineWorkflow<OutgoingData>({
  key: OUTGOING_FLOW,
  version: 1,
  title: '发文办理',
  initial: 'drafting',
  dataSchema: outgoingData,
  startScope: SCOPES.outgoingDraft,
  states: {
    drafting: { label: OUTGOING_STATES.drafting, scope: SCOPES.outgoingDraft },
    reviewing: { label: OUTGOING_STATES.reviewing, scope: SCOPES.outgoingReview },
    signing: { label: OUTGOING_STATES.signing, scope: SCOPES.outgoingSign },
    sealing: { label: OUTGOING_STATES.sealing, scope: SCOPES.sealManage },
    distributing: { label: OUTGOING_STATES.distributing, scope: SCOPES.sealManage },
    distributed: { label: OUTGOING_STATES.distributed, terminal: true },
  },
  transitions: [
    { name: 'submit', label: '送核稿', from: ['drafting'], to: 'reviewing' },
    { name: 'approve', label: '核稿通过', from: ['reviewing'], to: 'signing' },
    { name: 'return_to_drafter', label: '退回修改', from: ['reviewing', 'signing'], to: 'drafting', commentRequired: true, route: toDrafter },
    {
      name: 'sign',
      label: '签发',
      from: ['signing'],
      to: 'sealing',
      guards: [async ({ ctx, data }) => ((await docFlag(ctx, data.documentId, 'doc_number')) ? null : `签发须在公文页面办理 (签发时编发文字号): ${pagePath(data.documentId)}`)],
    },
    {
      name: 'seal',
      label: '用印',
      from: ['sealing'],
      to: 'distributing',
      guards: [async ({ ctx, data }) => ((await docFlag(ctx, data.documentId, 'verification_code')) ? null : `用印须在公文页面办理 (加盖电子印章): ${pagePath(data.documentId)}`)],
    },
    {
      name: 'distribute',
      label: '分发',
      from: ['distributing'],
      to: 'distributed',
      guards: [async ({ ctx, data }) => ((await docFlag(ctx, data.documentId, 'distributed_at')) ? null : `分发须在公文页面办理 (向主送、抄送机关送达): ${pagePath(data.documentId)}`)],
    },
  ],
});

const incomingData = Type.Object(
  {
    documentId: Type.String({ title: '公文标识', minLength: 36, maxLength: 36 }),
    incomingId: Type.String({ title: '收文记录标识', minLength: 36, maxLength: 36 }),
    recipientUnitId: Type.String({ title: '收文单位标识', minLength: 36, maxLength: 36 }),
    recipientUnitName: Type.String({ title: '收文单位', minLength: 1, maxLength: 200 }),
    urgency: Type.Union(URGENCIES.map((u) => Type.Literal(u)), { title: '紧急程度' }),
    proposal: Type.Optional(Type.String({ title: '拟办意见', maxLength: 2000 })),
    instruction: Type.Optional(Type.String({ title: '批示意见', maxLength: 2000 })),
    handlingUnitId: Type.Optional(Type.String({ title: '承办单位标识', minLength: 36, maxLength: 36 })),
    result: Type.Optional(Type.String({ title: '办理结果', maxLength: 5000 })),
  },
  { additionalProperties: false },
);

/** Back to the receiving unit (its registry clerks, unless the state says otherwise). */
const toRecipient = ({ data }: { data: IncomingData }): RouteTarget => ({ unitId: data.recipientUnitId, unitName: data.recipientUnitName });

/** The department the leader named (a unit of the same government level), or the receiving unit itself. */
async function toHandlingUnit({ ctx, data, case: c }: { ctx: Ctx; data: IncomingData; case: CaseSnapshot<IncomingData> }): Promise<RouteTarget> {
  if (!data.handlingUnitId || data.handlingUnitId === data.recipientUnitId) return toRecipient({ data });
  const unit = await getUnitSummary(ctx, data.handlingUnitId);
  const problem = !unit || unit.status !== 'active'
    ? '承办单位不存在或已停用'
    : unit.regionCode !== c.regionCode
      ? `承办单位须为收文单位同级的单位 (行政区划 ${c.regionCode})`
      : null;
  if (problem || !unit) throw new AppError({ code: 'validation_failed', status: 400, message: problem ?? '承办单位不存在', fields: [{ field: 'fields.handlingUnitId', message: problem ?? '承办单位不存在' }] });
  return { unitId: unit.id, unitName: unit.name };
}

const instructFields = [
  { name: 'instruction', label: '批示意见', type: 'textarea' as const, required: true, maxLength: 2000 },
  {
    name: 'handlingUnitId',
    label: '承办单位标识',
    hint: '留空由本单位承办; 在公文页面可按名称选择本级部门',
    pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
    maxLength: 36,
  },
];

function instructTransition(u: Urgency): TransitionDef<IncomingData> {
  return {
    name: INSTRUCT_TRANSITION[u],
    label: u === 'normal' ? '批示' : `批示 (${URGENCY_LABELS[u]}件)`,
    from: ['instructing'],
    to: HANDLING_STATE[u],
    fields: instructFields,
    guards: [({ data }) => (data.urgency === u ? null : `本件紧急程度为「${URGENCY_LABELS[data.urgency]}」, 请按${URGENCY_LABELS[data.urgency]}批示`)],
    route: toHandlingUnit,
  };
}

const escalation = { scope: SCOPES.incomingInstruct, route: toRecipient };

export const incomingFlowV1: WorkflowDefinition = defineWorkflow<IncomingData>({
  key: INCOMING_FLOW,
  version: 1,
  title: '收文办理',
  initial: 'registering',
  dataSchema: incomingData,
  states: {
    registering: { label: INCOMING_STATES.registering, scope: SCOPES.incomingRegister },
    proposing: { label: INCOMING_STATES.proposing, scope: SCOPES.incomingHandle },
    instructing: { label: INCOMING_STATES.instructing, scope: SCOPES.incomingInstruct },
    handling_very_urgent: { label: INCOMING_STATES.handling_very_urgent, scope: SCOPES.incomingHandle, deadline: { workingDays: HANDLING_WORKING_DAYS.very_urgent }, escalation },
    handling_urgent: { label: INCOMING_STATES.handling_urgent, scope: SCOPES.incomingHandle, deadline: { workingDays: HANDLING_WORKING_DAYS.urgent }, reminderBefore: 1, escalation },
    handling_normal: { label: INCOMING_STATES.handling_normal, scope: SCOPES.incomingHandle, deadline: { workingDays: HANDLING_WORKING_DAYS.normal }, reminderBefore: 2, escalation },
    filing: { label: INCOMING_STATES.filing, scope: SCOPES.incomingRegister },
    filed: { label: INCOMING_STATES.filed, terminal: true },
  },
  transitions: [
    {
      name: 'register',
      label: '签收登记',
      from: ['registering'],
      to: 'proposing',
      guards: [async ({ ctx, data }) => {
        const row = await queryOne<{ received: boolean }>(ctx.db, sql`SELECT (received_at IS NOT NULL) AS received FROM documents.incoming WHERE id = ${data.incomingId}`);
        return row?.received ? null : `签收登记须在公文页面办理 (生成收文编号和签收回执): ${pagePath(data.documentId)}`;
      }],
    },
    { name: 'propose', label: '拟办', from: ['proposing'], to: 'instructing', fields: [{ name: 'proposal', label: '拟办意见', type: 'textarea', required: true, maxLength: 2000 }] },
    ...URGENCIES.map(instructTransition),
    {
      name: 'complete',
      label: '办结',
      from: ['handling_very_urgent', 'handling_urgent', 'handling_normal'],
      to: 'filing',
      fields: [{ name: 'result', label: '办理结果', type: 'textarea', required: true, maxLength: 5000 }],
      route: toRecipient,
    },
    { name: 'file', label: '归档', from: ['filing'], to: 'filed' },
  ],
});

export const DOCUMENT_WORKFLOWS: WorkflowDefinition[] = [outgoingFlowV1, incomingFlowV1];
