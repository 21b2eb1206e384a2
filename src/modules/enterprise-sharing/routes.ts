/**
 * The enterprise-sharing JSON API under /api/enterprise-sharing: the tax clerk's inbox, taking over
 * an enterprise, answering a clearance, the latency figure; and the two webhook receivers the
 * exchange delivers to (public at the HTTP layer: the caller is the exchange, authenticated by the
 * SM2 signature over the raw body, and every event is stored once by its id).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PlatformServices } from '../../platform/module.ts';
import { systemActor, type Ctx } from '../../platform/context.ts';
import { AppError, badRequest } from '../../platform/errors.ts';
import { exchangeSigningPublicKey, verifyWebhook } from '../exchange/index.ts';
import { SCOPES, WEBHOOK_PATHS } from './model.ts';
import { AcceptBody, AnswerBody, BureauParams, ClearanceSchema, IdParams, InboxQuery, InboxSchema, IntakeSchema, LatencySchema, WebhookAck } from './schemas.ts';
import { acceptEnterprise, answerClearance, listClearances, listIntake, receiveEnterpriseEvent, taxLatencyStats, type WebhookEvent } from './services/intake.ts';
import { receiveTaxEvent } from './services/market.ts';

const tags = ['enterprise-sharing'];

/** Verifies the exchange's signature over the raw body and parses the event. */
async function signedEvent(req: FastifyRequest): Promise<WebhookEvent> {
  const raw = typeof req.body === 'string' ? req.body : '';
  const signature = req.headers['x-egov-signature'];
  const publicKeyPem = await exchangeSigningPublicKey(req.ctx);
  if (!verifyWebhook({ body: raw, signature: typeof signature === 'string' ? signature : null, publicKeyPem })) {
    throw new AppError({ code: 'signature_invalid', status: 401, message: '事件签名无效: 只接受共享交换平台签名的推送。' });
  }
  let event: WebhookEvent;
  try {
    event = JSON.parse(raw) as WebhookEvent;
  } catch {
    throw badRequest('body_invalid', '推送内容不是有效的 JSON。');
  }
  if (!event || typeof event.id !== 'string' || typeof event.payload !== 'object' || event.payload === null) throw badRequest('event_invalid', '推送内容缺少事件标识或内容。');
  const headerId = req.headers['x-egov-event-id'];
  if (typeof headerId === 'string' && headerId !== event.id) throw badRequest('event_id_mismatch', 'X-Egov-Event-Id 与推送内容中的事件标识不一致。');
  return event;
}

/** After the signature check the receiving system acts: a system actor named for it. */
const receiverCtx = (req: FastifyRequest, name: string): Ctx => ({ ...req.ctx, actor: { ...systemActor, name } });

export async function registerEnterpriseSharingApi(app: FastifyInstance, services: PlatformServices): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const done = <T>(v: T): T => {
    services.nudgeDispatcher();
    return v;
  };

  r.get('/api/enterprise-sharing/inbox', {
    config: { scope: SCOPES.intakeRead },
    schema: { tags, summary: '税务机关待办: 待接收的新设立和变更企业、待答复的清税, 推送时延', querystring: InboxQuery, response: { 200: InboxSchema } },
  }, async (req) => ({
    enterprises: await listIntake(req.ctx, { bureauCode: req.query.bureau, view: req.query.view }),
    clearances: await listClearances(req.ctx, { bureauCode: req.query.bureau, view: req.query.view }),
    latency: await taxLatencyStats(req.ctx),
  }));

  r.post('/api/enterprise-sharing/enterprises/:id/accept', {
    config: { scope: SCOPES.intakeHandle },
    schema: { tags, summary: '确认接收企业并分配主管税务机关 (税务登记信息反馈市场监管)', params: IdParams, body: AcceptBody, response: { 200: IntakeSchema } },
  }, async (req) => done(await acceptEnterprise(req.ctx, { id: req.params.id, ...req.body })));

  r.post('/api/enterprise-sharing/clearances/:id/answer', {
    config: { scope: SCOPES.clearanceAnswer },
    schema: { tags, summary: '答复清税: 已清税, 或未清税并列出未清事项 (经交换平台反馈市场监管)', params: IdParams, body: AnswerBody, response: { 200: ClearanceSchema } },
  }, async (req) => done(await answerClearance(req.ctx, { id: req.params.id, ...req.body })));

  r.get('/api/enterprise-sharing/latency', {
    config: { scope: SCOPES.intakeRead },
    schema: { tags, summary: '登记提交到税务端保存的时延 (中位数、第 95 百分位)', response: { 200: LatencySchema } },
  }, async (req) => taxLatencyStats(req.ctx));

  // Webhook receivers: the raw body is kept (the signature covers its exact bytes).
  await app.register(async (child) => {
    child.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, next) => next(null, body));
    const c = child.withTypeProvider<TypeBoxTypeProvider>();
    c.post(WEBHOOK_PATHS.taxRegistrations(':bureau'), {
      config: { scope: 'public', csrfExempt: true },
      schema: {
        tags,
        summary: '税务机关接收企业登记事件 (共享交换平台推送, SM2 签名, 按 X-Egov-Event-Id 幂等)',
        params: BureauParams,
        response: { 200: WebhookAck },
      },
    }, async (req) => {
      const event = await signedEvent(req);
      // No nudge: nothing in the platform waits on tax.enterprise.received, and a nudge that lands
      // while the dispatcher is mid-pass delays the registrations queued behind it to the next poll.
      return receiveEnterpriseEvent(receiverCtx(req, `税务登记信息接收系统 (${req.params.bureau})`), { bureauCode: req.params.bureau, event });
    });
    c.post(WEBHOOK_PATHS.marketClearances, {
      config: { scope: 'public', csrfExempt: true },
      schema: { tags, summary: '市场监管接收清税信息和税务登记信息 (共享交换平台推送, SM2 签名, 幂等)', response: { 200: WebhookAck } },
    }, async (req) => {
      const event = await signedEvent(req);
      return done(await receiveTaxEvent(receiverCtx(req, '企业登记注册系统 (清税信息接收)'), event));
    });
  });
}
