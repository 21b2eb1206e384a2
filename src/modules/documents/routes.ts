/**
 * The documents JSON API under /api/documents. Thin: the schemas validate and document, the
 * services decide (who may see a document and who may take a step is checked per document).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PlatformServices } from '../../platform/module.ts';
import type { Ctx } from '../../platform/context.ts';
import { enforceRateLimit } from '../../platform/http/rate-limit.ts';
import { SCOPES } from './model.ts';
import {
  CompleteBody,
  DocumentSchema,
  DraftBody,
  DraftPatchBody,
  ExportedSchema,
  IdParams,
  IncomingIdParams,
  IncomingPage,
  IncomingSchema,
  InstructBody,
  ListQuery,
  OutgoingPage,
  ProposeBody,
  ReviewBody,
  SealCreateBody,
  SealIdParams,
  SealListSchema,
  SealRevokeBody,
  SealSchema,
  SignBody,
  StepBody,
  VerificationSchema,
  VerifyCodeBody,
} from './schemas.ts';
import { approveReview, createDraft, distributeDocument, returnDocument, sealDocument, signDocument, submitDocument, updateDraft } from './services/outgoing.ts';
import { completeIncoming, fileIncoming, instructIncoming, proposeIncoming, registerIncoming } from './services/incoming.ts';
import { getDocument, getIncoming, listIncoming, listOutgoing } from './services/queries.ts';
import { createSeal, listSeals, revokeSeal } from './services/seals.ts';
import { exportDocument, verifyByCode, verifyDocument, verifyExported } from './services/verify.ts';

const tags = ['documents'];

/** Public verification: 30 checks per address per 10 minutes (number + code guessing is pointless, but cheap to stop). */
export const VERIFY_RATE_LIMIT = { limit: 30, windowSeconds: 600 };

export async function registerDocumentsApi(app: FastifyInstance, services: PlatformServices): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const done = async <T>(value: T): Promise<T> => {
    services.nudgeDispatcher();
    return value;
  };

  r.get('/api/documents/outgoing', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '发文列表 (本单位)', querystring: ListQuery, response: { 200: OutgoingPage } },
  }, async (req) => listOutgoing(req.ctx, req.query));

  r.get('/api/documents/incoming', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '收文列表 (本单位收到的公文)', querystring: ListQuery, response: { 200: IncomingPage } },
  }, async (req) => listIncoming(req.ctx, req.query));

  r.post('/api/documents', {
    config: { scope: SCOPES.outgoingDraft },
    schema: {
      tags,
      summary: '起草发文',
      description: '创建草稿并发起发文流程 (拟稿环节, 由起草人办理)。密级只能为 none (非密): 本平台不是涉密信息系统, 秘密、机密、绝密公文返回 422 classified_not_allowed。',
      body: DraftBody,
      response: { 201: DocumentSchema },
    },
  }, async (req, reply) => {
    const { id } = await createDraft(req.ctx, req.body);
    services.nudgeDispatcher();
    return reply.status(201).send(await getDocument(req.ctx, { id }));
  });

  r.get('/api/documents/:id', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '公文详情 (要素、当前环节、印章、签收回执、本单位收文记录)', params: IdParams, response: { 200: DocumentSchema } },
  }, async (req) => getDocument(req.ctx, { id: req.params.id }));

  r.patch('/api/documents/:id', {
    config: { scope: SCOPES.outgoingDraft },
    schema: { tags, summary: '修改草稿 (拟稿环节, 起草人)', params: IdParams, body: DraftPatchBody, response: { 200: DocumentSchema } },
  }, async (req) => {
    await updateDraft(req.ctx, { ...req.body, id: req.params.id });
    return getDocument(req.ctx, { id: req.params.id });
  });

  r.post('/api/documents/:id/submit', {
    config: { scope: SCOPES.outgoingDraft },
    schema: { tags, summary: '送核稿', params: IdParams, body: StepBody, response: { 200: DocumentSchema } },
  }, async (req) => done(await getDocument(req.ctx, await submitDocument(req.ctx, { documentId: req.params.id, ...req.body }))));

  r.post('/api/documents/:id/review', {
    config: { scope: SCOPES.outgoingReview },
    schema: { tags, summary: '核稿: 通过或退回修改', params: IdParams, body: ReviewBody, response: { 200: DocumentSchema } },
  }, async (req) => {
    const { decision, ...step } = req.body;
    const res = decision === 'approve' ? await approveReview(req.ctx, { documentId: req.params.id, ...step }) : await returnDocument(req.ctx, { documentId: req.params.id, ...step });
    return done(await getDocument(req.ctx, res));
  });

  r.post('/api/documents/:id/sign', {
    config: { scope: SCOPES.outgoingSign },
    schema: { tags, summary: '签发 (编发文字号, 按单位、代字、年度连续编号) 或退回修改', params: IdParams, body: SignBody, response: { 200: DocumentSchema } },
  }, async (req) => {
    const { decision, ...step } = req.body;
    const res = decision === 'sign' ? await signDocument(req.ctx, { documentId: req.params.id, ...step }) : await returnDocument(req.ctx, { documentId: req.params.id, ...step });
    return done(await getDocument(req.ctx, res));
  });

  r.post('/api/documents/:id/seal', {
    config: { scope: SCOPES.sealManage },
    schema: { tags, summary: '用印 (以本单位 SM2 电子印章签署公文内容的 SM3 摘要; 无印章时自动制章)', params: IdParams, body: StepBody, response: { 200: DocumentSchema } },
  }, async (req) => done(await getDocument(req.ctx, await sealDocument(req.ctx, { documentId: req.params.id, ...req.body }))));

  r.post('/api/documents/:id/distribute', {
    config: { scope: SCOPES.sealManage },
    schema: { tags, summary: '分发: 为每个主送、抄送机关生成收文记录和收文流程', params: IdParams, body: StepBody, response: { 200: DocumentSchema } },
  }, async (req) => done(await getDocument(req.ctx, await distributeDocument(req.ctx, { documentId: req.params.id, ...req.body }))));

  r.get('/api/documents/:id/verify', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '验证公文的电子印章 (按数据库中现在的内容)', params: IdParams, response: { 200: VerificationSchema } },
  }, async (req) => verifyDocument(req.ctx, { id: req.params.id }));

  r.get('/api/documents/:id/export', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '导出已用印的公文 (内容 + 印章, JSON), 可在验证页核验', params: IdParams, response: { 200: ExportedSchema } },
  }, async (req, reply) => {
    const exported = await exportDocument(req.ctx, { id: req.params.id });
    const name = `${exported.content.docNumber ?? 'document'}.json`;
    return reply.header('content-disposition', `attachment; filename="document-${req.params.id}.json"; filename*=UTF-8''${encodeURIComponent(name)}`).send(exported);
  });

  r.post('/api/documents/verify/code', {
    config: { scope: 'public' },
    schema: { tags, summary: '按发文字号和验证码验证印章 (公开)', body: VerifyCodeBody, response: { 200: VerificationSchema } },
  }, async (req) => {
    await enforceRateLimit(req.ctx, { key: `documents.verify:${req.ip}`, ...VERIFY_RATE_LIMIT });
    return verifyByCode(req.ctx, req.body);
  });

  r.post('/api/documents/verify/export', {
    config: { scope: 'public' },
    schema: { tags, summary: '验证导出的公文文件 (公开; 内容任何改动都会使验证失败)', body: ExportedSchema, response: { 200: VerificationSchema } },
  }, async (req) => {
    await enforceRateLimit(req.ctx, { key: `documents.verify:${req.ip}`, ...VERIFY_RATE_LIMIT });
    return verifyExported(req.ctx, req.body);
  });

  // ---- incoming ---------------------------------------------------------------------------------

  r.get('/api/documents/incoming/:id', {
    config: { scope: SCOPES.read },
    schema: { tags, summary: '收文记录 (本单位)', params: IncomingIdParams, response: { 200: IncomingSchema } },
  }, async (req) => getIncoming(req.ctx, { id: req.params.id }));

  const incomingRoute = <B extends typeof StepBody | typeof ProposeBody | typeof InstructBody | typeof CompleteBody>(
    path: string,
    scope: string,
    summary: string,
    body: B,
    run: (ctx: Ctx, id: string, b: Record<string, unknown>) => Promise<{ id: string }>,
  ) => {
    r.post(`/api/documents/incoming/:id/${path}`, {
      config: { scope },
      schema: { tags, summary, params: IncomingIdParams, body, response: { 200: IncomingSchema } },
    }, async (req) => done(await getIncoming(req.ctx, await run(req.ctx, req.params.id, req.body as Record<string, unknown>))));
  };
  const step = (b: Record<string, unknown>) => ({ comment: b.comment as string | undefined, expectedVersion: b.expectedVersion as number | undefined });
  incomingRoute('register', SCOPES.incomingRegister, '签收登记 (生成收文编号, 发文单位可见签收回执)', StepBody, (ctx, id, b) => registerIncoming(ctx, { incomingId: id, ...step(b) }));
  incomingRoute('propose', SCOPES.incomingHandle, '拟办', ProposeBody, (ctx, id, b) => proposeIncoming(ctx, { incomingId: id, ...step(b), proposal: String(b.proposal) }));
  incomingRoute('instruct', SCOPES.incomingInstruct, '批示 (可指定本级承办单位; 承办期限按紧急程度: 特急 1、加急 3、平件 10 个工作日)', InstructBody, (ctx, id, b) =>
    instructIncoming(ctx, { incomingId: id, ...step(b), instruction: String(b.instruction), handlingUnitId: b.handlingUnitId as string | undefined }));
  incomingRoute('complete', SCOPES.incomingHandle, '办结 (承办单位报告办理结果)', CompleteBody, (ctx, id, b) => completeIncoming(ctx, { incomingId: id, ...step(b), result: String(b.result) }));
  incomingRoute('file', SCOPES.incomingRegister, '归档', StepBody, (ctx, id, b) => fileIncoming(ctx, { incomingId: id, ...step(b) }));

  // ---- seals ------------------------------------------------------------------------------------

  r.get('/api/documents/seals', {
    config: { scope: SCOPES.sealManage },
    schema: { tags, summary: '本单位的电子印章', response: { 200: SealListSchema } },
  }, async (req) => listSeals(req.ctx));

  r.post('/api/documents/seals', {
    config: { scope: SCOPES.sealManage },
    schema: { tags, summary: '制作电子印章 (SM2 密钥对, 私钥 SM4 加密保存)', body: SealCreateBody, response: { 201: SealSchema } },
  }, async (req, reply) => reply.status(201).send(await createSeal(req.ctx, req.body)));

  r.post('/api/documents/seals/:id/revoke', {
    config: { scope: SCOPES.sealManage },
    schema: { tags, summary: '注销电子印章 (注销前加盖的印章仍可验证)', params: SealIdParams, body: SealRevokeBody, response: { 200: SealSchema } },
  }, async (req) => revokeSeal(req.ctx, { sealId: req.params.id, reason: req.body.reason }));
}
