/**
 * The sharing application flow on the workflow engine (exchange.application): an application for a
 * 有条件共享 resource goes to the provider unit's holders of exchange.application.decide, who answer
 * within 10 working days (reminded 2 working days before). When the deadline passes the engine marks
 * the case late and escalates it to the data authority (河南省大数据管理局, holders of
 * exchange.grant.manage), who may then answer in the provider's place.
 *
 * 同意 and 不同意 change the application itself (the grant is written in the same transaction), so
 * services/applications.ts does that work and takes the transition; the guards refuse the transition
 * anywhere else (the generic case page points to the application page instead).
 */
import { Type } from '@sinclair/typebox';
import type { Ctx } from '../../platform/context.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import { defineWorkflow, type RouteTarget, type WorkflowDefinition } from '../../platform/workflow/index.ts';
import { findUnit } from '../directory/index.ts';
import { SCOPES } from './model.ts';

export const APPLICATION_FLOW = 'exchange.application';
export const APPLICATION_SUBJECT = 'exchange.application';
/** Working days the provider has to answer (《政务信息资源共享管理暂行办法》, 国发〔2016〕51号: 10 个工作日内予以答复). */
export const ANSWER_WORKING_DAYS = 10;
/** The data authority of the instance (数据主管部门): overdue applications escalate to it. */
export const DATA_AUTHORITY = { regionCode: '410000', unitType: 'department', name: '河南省大数据管理局' } as const;

export const applicationPage = (id: string): string => `/workbench/exchange/applications/${id}`;

export interface ApplicationCaseData extends Record<string, unknown> {
  applicationId: string;
  resourceCode: string;
  clientXroadId: string;
}

const applicationData = Type.Object(
  {
    applicationId: Type.String({ title: '申请标识', minLength: 36, maxLength: 36 }),
    resourceCode: Type.String({ title: '信息资源代码', minLength: 3, maxLength: 64 }),
    clientXroadId: Type.String({ title: '申请子系统', minLength: 3, maxLength: 200 }),
  },
  { additionalProperties: false },
);

/** The data authority's unit; the escalation fails (and the engine retries) when the directory lacks it. */
export async function dataAuthorityUnit(ctx: Ctx): Promise<RouteTarget> {
  const unit = await findUnit(ctx, DATA_AUTHORITY);
  if (!unit) throw new Error(`组织目录中没有数据主管部门「${DATA_AUTHORITY.name}」(${DATA_AUTHORITY.regionCode}), 无法督办超期的共享申请`);
  return { unitId: unit.id, unitName: unit.name, scope: SCOPES.grantManage };
}

const decidedAs = (status: 'approved' | 'refused', label: string) => async ({ ctx, data }: { ctx: Ctx; data: ApplicationCaseData }): Promise<string | null> => {
  const row = await queryOne<{ status: string }>(ctx.db, sql`SELECT status FROM exchange.applications WHERE id = ${data.applicationId}`);
  return row?.status === status ? null : `${label}须在共享申请页面办理 (同意时同时生成授权): ${applicationPage(data.applicationId)}`;
};

export const applicationFlowV1: WorkflowDefinition = defineWorkflow<ApplicationCaseData>({
  key: APPLICATION_FLOW,
  version: 1,
  title: '共享申请答复',
  initial: 'answering',
  dataSchema: applicationData,
  states: {
    answering: {
      label: '提供方答复',
      scope: SCOPES.applicationDecide,
      deadline: { workingDays: ANSWER_WORKING_DAYS },
      reminderBefore: 2,
      escalation: { scope: SCOPES.grantManage, route: ({ ctx }) => dataAuthorityUnit(ctx) },
    },
    approved: { label: '已同意', terminal: true },
    refused: { label: '不同意', terminal: true },
  },
  transitions: [
    { name: 'approve', label: '同意', from: ['answering'], to: 'approved', guards: [decidedAs('approved', '同意')] },
    { name: 'refuse', label: '不同意', from: ['answering'], to: 'refused', commentRequired: true, guards: [decidedAs('refused', '不同意')] },
  ],
});

export const EXCHANGE_WORKFLOWS: WorkflowDefinition[] = [applicationFlowV1];
