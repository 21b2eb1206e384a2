/**
 * The workflow JSON API under /api/workflow: the inbox, a case with its timeline and available
 * actions, and one endpoint per operation. Thin: schemas validate and document, services decide
 * (who may act is checked per case, so the routes only require a logged-in account).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PlatformServices } from '../module.ts';
import { WORKFLOW_SCOPES, type InboxBox } from './model.ts';
import {
  CaseDetailSchema,
  CaseIdParams,
  CaseSchema,
  CorrectionBody,
  HandOverBody,
  InboxPageSchema,
  InboxQuery,
  SimpleOpBody,
  StatsQuery,
  StatsSchema,
  SubmitCorrectionBody,
  SuspendBody,
  TransitionBody,
} from './schemas.ts';
import { claimCase, handOverCase, releaseCase, resumeCase, returnForCorrection, submitCorrection, suspendCase, takeTransition, withdrawCase } from './cases.ts';
import { getCase, inboxCounts, listInbox } from './queries.ts';
import { workflowStats } from './stats.ts';
import type { SuspendReason } from './model.ts';

const tags = ['workflow'];

export async function registerWorkflowApi(app: FastifyInstance, services: PlatformServices): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const done = <T>(value: T): T => {
    services.nudgeDispatcher();
    return value;
  };

  r.get('/api/workflow/inbox', {
    config: { scope: 'staff' },
    schema: { tags, summary: '我的待办 / 已办 / 即将超期 / 已超期', querystring: InboxQuery, response: { 200: InboxPageSchema } },
  }, async (req) => {
    const q = req.query;
    const page = await listInbox(req.ctx, { box: (q.box ?? 'todo') as InboxBox, definitionKey: q.definition, state: q.state, from: q.from, to: q.to, q: q.q, page: q.page, pageSize: q.pageSize });
    return { ...page, counts: await inboxCounts(req.ctx) };
  });

  r.get('/api/workflow/stats', {
    config: { scope: WORKFLOW_SCOPES.statsRead },
    schema: { tags, summary: '办件统计 (按流程和办理单位, 限本辖区)', querystring: StatsQuery, response: { 200: StatsSchema } },
  }, async (req) => workflowStats(req.ctx, { definitionKey: req.query.definition, from: req.query.from, to: req.query.to }));

  r.get('/api/workflow/cases/:id', {
    config: { scope: 'authenticated' },
    schema: { tags, summary: '案件详情: 办理记录、暂停区间、期限、当前可执行的操作', params: CaseIdParams, response: { 200: CaseDetailSchema } },
  }, async (req) => getCase(req.ctx, { id: req.params.id }));

  r.post('/api/workflow/cases/:id/transitions', {
    config: { scope: 'authenticated' },
    schema: {
      tags,
      summary: '办理: 执行一个流转',
      description: '须带 expectedVersion (页面上看到的版本号); 案件已被他人处理时返回 409 case_changed。守卫拒绝时返回 422 transition_refused 及中文原因。',
      params: CaseIdParams,
      body: TransitionBody,
      response: { 200: CaseSchema },
    },
  }, async (req) => done(await takeTransition(req.ctx, { caseId: req.params.id, ...req.body })));

  r.post('/api/workflow/cases/:id/claim', {
    config: { scope: 'authenticated' },
    schema: { tags, summary: '签收 (从单位待认领池领取)', params: CaseIdParams, body: SimpleOpBody, response: { 200: CaseSchema } },
  }, async (req) => done(await claimCase(req.ctx, { caseId: req.params.id, ...req.body })));

  r.post('/api/workflow/cases/:id/release', {
    config: { scope: 'authenticated' },
    schema: { tags, summary: '退回待认领 (放回单位池)', params: CaseIdParams, body: SimpleOpBody, response: { 200: CaseSchema } },
  }, async (req) => done(await releaseCase(req.ctx, { caseId: req.params.id, ...req.body })));

  r.post('/api/workflow/cases/:id/hand-over', {
    config: { scope: 'authenticated' },
    schema: { tags, summary: '转交给本单位具有办理权限的同事', params: CaseIdParams, body: HandOverBody, response: { 200: CaseSchema } },
  }, async (req) => done(await handOverCase(req.ctx, { caseId: req.params.id, ...req.body })));

  r.post('/api/workflow/cases/:id/return-for-correction', {
    config: { scope: 'authenticated' },
    schema: { tags, summary: '退回补正 (计时暂停, 申请人补正后恢复)', params: CaseIdParams, body: CorrectionBody, response: { 200: CaseSchema } },
  }, async (req) => done(await returnForCorrection(req.ctx, { caseId: req.params.id, ...req.body })));

  r.post('/api/workflow/cases/:id/correction', {
    config: { scope: 'authenticated' },
    schema: { tags, summary: '补正完成 (申请人或收到补正材料的承办人; 恢复计时)', params: CaseIdParams, body: SubmitCorrectionBody, response: { 200: CaseSchema } },
  }, async (req) => done(await submitCorrection(req.ctx, { caseId: req.params.id, ...req.body })));

  r.post('/api/workflow/cases/:id/suspend', {
    config: { scope: 'authenticated' },
    schema: { tags, summary: '中止计时 (征求第三方意见、现场核查、专家评审)', params: CaseIdParams, body: SuspendBody, response: { 200: CaseSchema } },
  }, async (req) => done(await suspendCase(req.ctx, { caseId: req.params.id, ...req.body, reason: req.body.reason as SuspendReason })));

  r.post('/api/workflow/cases/:id/resume', {
    config: { scope: 'authenticated' },
    schema: { tags, summary: '恢复计时', params: CaseIdParams, body: SimpleOpBody, response: { 200: CaseSchema } },
  }, async (req) => done(await resumeCase(req.ctx, { caseId: req.params.id, ...req.body })));

  r.post('/api/workflow/cases/:id/withdraw', {
    config: { scope: 'authenticated' },
    schema: { tags, summary: '撤回 (仅发起人, 办结前)', params: CaseIdParams, body: SimpleOpBody, response: { 200: CaseSchema } },
  }, async (req) => done(await withdrawCase(req.ctx, { caseId: req.params.id, ...req.body })));
}
