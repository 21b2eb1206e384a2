/**
 * The portal's flows on the workflow engine.
 *
 * 信息发布 (portal.article), one case per editing round of an article: 编辑 → 审核 → 已发布,
 * 退回修改 back to the editor. 审核通过 changes the article itself (the version goes live, or is
 * scheduled), so the module's service does that and takes the transition in the same
 * transaction; a guard refuses the transition elsewhere.
 *
 * 依申请公开 (portal.info_request): 办理 → 已答复. Correction (补正) and third-party consultation
 * (征求意见) use the engine's returnForCorrection / submitCorrection and suspendCase /
 * resumeCase, so the case history shows them. The statutory reply clock is a case-level budget
 * (20 working days from receipt or correction, + 20 on approval, consultation excluded) that the
 * engine's per-state deadlines cannot express; the module computes it with the calendar
 * (services/requests.ts) and stores it on the request.
 */
import { Type } from '@sinclair/typebox';
import { queryOne, sql } from '../../platform/db/index.ts';
import { defineWorkflow, type CaseSnapshot, type RouteTarget, type WorkflowDefinition } from '../../platform/workflow/index.ts';
import { ARTICLE_FLOW, REQUEST_FLOW, SCOPES } from './model.ts';

export interface ArticleCaseData extends Record<string, unknown> {
  articleId: string;
  siteCode: string;
}

const articleData = Type.Object(
  { articleId: Type.String({ title: '文章标识', minLength: 36, maxLength: 36 }), siteCode: Type.String({ title: '网站标识码', minLength: 10, maxLength: 10 }) },
  { additionalProperties: false },
);

function toEditor({ case: c }: { case: CaseSnapshot<ArticleCaseData> }): RouteTarget {
  return {
    unitId: c.unit?.id ?? '',
    unitName: c.unit?.name ?? '',
    scope: SCOPES.articleEdit,
    ...(c.startedBy.userId ? { userId: c.startedBy.userId, userName: c.startedBy.name } : {}),
  };
}

export const articleFlowV1: WorkflowDefinition = defineWorkflow<ArticleCaseData>({
  key: ARTICLE_FLOW,
  version: 1,
  title: '网站信息发布',
  initial: 'editing',
  dataSchema: articleData,
  startScope: SCOPES.articleEdit,
  states: {
    editing: { label: '编辑', scope: SCOPES.articleEdit },
    reviewing: { label: '审核', scope: SCOPES.articleReview, deadline: { workingDays: 2 } },
    published: { label: '已发布', terminal: true },
    discarded: { label: '已放弃', terminal: true },
  },
  transitions: [
    { name: 'submit', label: '送审', from: ['editing'], to: 'reviewing' },
    { name: 'return_to_editor', label: '退回修改', from: ['reviewing'], to: 'editing', commentRequired: true, route: toEditor },
    {
      name: 'approve',
      label: '审核通过并发布',
      from: ['reviewing'],
      to: 'published',
      guards: [async ({ ctx, data }) => {
        const r = await queryOne<{ status: string }>(ctx.db, sql`SELECT status FROM portal.articles WHERE id = ${data.articleId}`);
        return r && (r.status === 'published' || r.status === 'scheduled') ? null : `审核发布须在文章页面办理: /workbench/portal/articles/${data.articleId}`;
      }],
    },
    { name: 'discard', label: '放弃本次修改', from: ['editing'], to: 'discarded' },
  ],
});

export interface RequestCaseData extends Record<string, unknown> {
  requestId: string;
  receiptNo: string;
}

const requestData = Type.Object(
  { requestId: Type.String({ title: '申请标识', minLength: 36, maxLength: 36 }), receiptNo: Type.String({ title: '回执编号', minLength: 1, maxLength: 40 }) },
  { additionalProperties: false },
);

export const requestFlowV1: WorkflowDefinition = defineWorkflow<RequestCaseData>({
  key: REQUEST_FLOW,
  version: 1,
  title: '依申请公开办理',
  initial: 'handling',
  dataSchema: requestData,
  states: {
    handling: { label: '办理', scope: SCOPES.disclosureHandle },
    replied: { label: '已答复', terminal: true },
  },
  transitions: [
    {
      name: 'reply',
      label: '答复',
      from: ['handling'],
      to: 'replied',
      guards: [async ({ ctx, data }) => {
        const r = await queryOne<{ status: string }>(ctx.db, sql`SELECT status FROM portal.info_requests WHERE id = ${data.requestId}`);
        return r?.status === 'replied' ? null : `答复须在申请办理页面填写答复类型和内容: /workbench/portal/requests/${data.requestId}`;
      }],
    },
  ],
});

export const PORTAL_WORKFLOWS: WorkflowDefinition[] = [articleFlowV1, requestFlowV1];
