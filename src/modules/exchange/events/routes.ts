/**
 * HTTP of the events part: the platform's public signing key (GET /exchange/keys), publishing into
 * one's own topic by a member system (signed like gateway calls), the subscriptions API, delivery
 * statistics and dead letters (inspect, replay) under /api/exchange/….
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Ctx } from '../../../platform/context.ts';
import { AppError, badRequest } from '../../../platform/errors.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { audit } from '../../../platform/audit/chain.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { SCOPES } from '../model.ts';
import { findSubsystem, verificationKey } from '../services/members.ts';
import { resourceByService } from '../services/catalog.ts';
import { authenticateSignedRequest } from '../gateway/signing.ts';
import { exchangeSigningPublicKey, SIGNING_KEY_ID } from './signing.ts';
import { viewSubscription, listSubscriptions, pauseSubscription, publishToTopic, resumeSubscription, subscribe, unsubscribe } from './topics.ts';
import { deliveryStats, getDeadLetter, listDeadLetters, replayDeadLetter } from './deliveries.ts';
import { registerEventPages } from './pages.ts';

const tags = ['exchange-events'];
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const IdParams = Type.Object({ id: Type.String({ title: '标识', pattern: UUID }) });

export const SubscriptionSchema = Type.Object({
  id: Type.String({ title: '订阅标识' }),
  resourceId: Type.String({ title: '事件主题 (资源标识)' }),
  resourceCode: Type.String({ title: '信息资源代码' }),
  resourceName: Type.String({ title: '主题名称' }),
  subscriberSubsystemId: Type.String({ title: '订阅方子系统标识' }),
  subscriberXroadId: Type.String({ title: '订阅方子系统 (CN-HA/类别/成员/子系统)' }),
  subscriberName: Type.String({ title: '订阅方系统名称' }),
  webhookUrl: Type.String({ title: '回调地址' }),
  status: Type.String({ title: '状态: active 推送中 / paused 已暂停 / cancelled 已退订' }),
  statusLabel: Type.String({ title: '状态 (中文)' }),
  createdByName: Type.String({ title: '办理人' }),
  createdAt: Type.String({ title: '订阅时间 (ISO 8601)' }),
  pausedAt: nullable(Type.String({ title: '暂停时间' })),
  cancelledAt: nullable(Type.String({ title: '退订时间' })),
  pending: Type.Integer({ title: '待投递事件数' }),
  dead: Type.Integer({ title: '死信数' }),
}, { title: '事件订阅' });

export const SubscribeBody = Type.Object({
  resourceId: Type.String({ title: '事件主题', pattern: UUID }),
  subscriberSubsystemId: Type.String({ title: '订阅方子系统', pattern: UUID }),
  webhookUrl: Type.String({ title: '回调地址', minLength: 8, maxLength: 2000 }),
});

const DeadLetterSchema = Type.Object({
  id: Type.String({ title: '投递标识' }),
  eventId: Type.String({ title: '事件标识 (幂等键)' }),
  subscriptionId: Type.String({ title: '订阅标识' }),
  topicCode: Type.String({ title: '主题代码' }),
  topicName: Type.String({ title: '主题名称' }),
  subscriberXroadId: Type.String({ title: '订阅方子系统' }),
  webhookUrl: Type.String({ title: '回调地址' }),
  type: Type.String({ title: '事件类型' }),
  key: Type.String({ title: '排序键' }),
  payload: Type.Unknown({ title: '事件内容' }),
  publishedAt: Type.String({ title: '发布时间' }),
  attempts: Type.Integer({ title: '已尝试次数' }),
  lastError: nullable(Type.String({ title: '最近一次失败原因' })),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()], { title: '最近一次应答状态码' }),
  firstAttemptedAt: nullable(Type.String({ title: '第一次尝试时间' })),
  lastAttemptAt: nullable(Type.String({ title: '最近一次尝试时间' })),
  replayedCount: Type.Integer({ title: '重新投递次数' }),
}, { title: '事件死信' });

export const StatsSchema = Type.Object({
  pending: Type.Integer({ title: '待投递' }),
  delivered: Type.Integer({ title: '已确认' }),
  dead: Type.Integer({ title: '死信' }),
  p50LatencyMs: Type.Union([Type.Number(), Type.Null()], { title: '发布到确认时延中位数 (毫秒, 近 24 小时)' }),
  p95LatencyMs: Type.Union([Type.Number(), Type.Null()], { title: '发布到确认时延 95 分位 (毫秒, 近 24 小时)' }),
}, { title: '事件投递统计' });

const PublishBody = Type.Object({
  type: Type.String({ title: '事件类型代码', pattern: '^[a-z][a-z0-9_.-]{0,63}$' }),
  key: Type.String({ title: '排序键', minLength: 1, maxLength: 200 }),
  payload: Type.Record(Type.String(), Type.Unknown(), { title: '事件内容' }),
});

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * A member system publishes into its own topic: `POST /exchange/events/{provider X-Road id}/{serviceCode}`
 * with the gateway's signature headers (X-Road-Client = the topic's provider, X-Road-Id, Date,
 * Authorization) and body {type, key, payload}. A retry with the same X-Road-Id returns the first event.
 */
async function handleSignedPublish(req: FastifyRequest, reply: FastifyReply, services: PlatformServices): Promise<FastifyReply> {
  const ctx = req.ctx;
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const params = req.params as { '*': string };
  const clientId = header(req, 'x-road-client');
  const messageId = header(req, 'x-road-id');
  const date = header(req, 'date');
  for (const [name, v] of [['X-Road-Client', clientId], ['X-Road-Id', messageId], ['Date', date], ['Authorization', header(req, 'authorization')]] as const) {
    if (!v) throw badRequest('missing_header', `缺少请求头 ${name}`);
  }
  if (messageId!.length > 128) throw badRequest('header_invalid', 'X-Road-Id 不超过 128 个字符');
  const { client } = await authenticateSignedRequest(
    { method: req.method, url: req.url, header: (name) => header(req, name), body: raw, now: ctx.clock.now() },
    {
      findClient: (xroadId) => findSubsystem(ctx, { xroadId }),
      findKey: (keyId) => verificationKey(ctx, { keyId }),
      fail: (code, status, message) => new AppError({ code, status, message }),
    },
  );
  if (client.status !== 'active') throw new AppError({ code: 'client_disabled', status: 403, message: `客户端子系统 ${clientId} 已停用` });

  const parts = params['*'].split('/');
  const serviceCode = parts.pop() ?? '';
  const resource = await resourceByService(ctx, { providerXroadId: parts.join('/'), serviceCode });
  if (!resource || resource.kind !== 'topic') throw new AppError({ code: 'topic_not_found', status: 404, message: `事件主题 ${params['*']} 不存在或已撤销` });
  if (resource.provider.id !== client.id) throw new AppError({ code: 'forbidden', status: 403, message: '只能向本系统提供的事件主题发布事件' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('malformed_body', '请求内容应为 JSON: {type, key, payload}');
  }
  const body = parsed as { type?: unknown; key?: unknown; payload?: unknown };
  if (typeof body.type !== 'string' || typeof body.key !== 'string' || !body.payload || typeof body.payload !== 'object' || Array.isArray(body.payload)) {
    throw badRequest('validation_failed', '请求内容应为 {type: 事件类型代码, key: 排序键, payload: 对象}');
  }
  const actorCtx: Ctx = { ...ctx, actor: { kind: 'service', userId: null, name: client.xroadId, grants: [] } };
  const result = await inTransaction(actorCtx, async (tx) => {
    const r = await publishToTopic(tx, { resourceCode: resource.code, type: body.type as string, key: body.key as string, payload: body.payload as Record<string, unknown>, publisherSubsystemId: client.id, clientMessageId: messageId! });
    if (!r.duplicate) audit(tx, { action: 'exchange.topic.publish', targetType: 'exchange.resource', targetId: resource.id, targetLabel: `${resource.code} ${resource.name}`, details: { eventId: r.eventId, type: body.type, key: body.key, client: client.xroadId, messageId } });
    return r;
  });
  services.nudgeDispatcher();
  return reply.status(result.duplicate ? 200 : 201).send({ eventId: result.eventId, deliveries: result.deliveries, duplicate: result.duplicate });
}

export async function registerEventRoutes(app: FastifyInstance, services: PlatformServices): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/exchange/keys', {
    config: { scope: 'public' },
    schema: {
      tags, summary: '平台交换签名公钥',
      description: '推送给订阅方的事件内容以此 SM2 公钥验证: 请求头 X-Egov-Signature 为 "sm2 <base64>", 签名对象为原始请求体 (SM3 摘要)。',
      response: { 200: Type.Object({ keys: Type.Array(Type.Object({ keyId: Type.String({ title: '密钥编号' }), algorithm: Type.String({ title: '算法' }), publicKeyPem: Type.String({ title: 'SM2 公钥 (PEM)' }) })) }) },
    },
  }, async (req) => ({ keys: [{ keyId: SIGNING_KEY_ID, algorithm: 'SM2-SM3', publicKeyPem: await exchangeSigningPublicKey(req.ctx) }] }));

  await app.register(async (scoped) => {
    // The signature covers the exact body bytes, so they are taken raw.
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
    scoped.post('/exchange/events/*', {
      // 'public' at the HTTP layer on purpose: member systems carry no session; the request signature
      // (EGOV-HMAC-SM3 / EGOV-SM2, as at the gateway) authenticates the publishing subsystem.
      config: { scope: 'public', csrfExempt: true },
      schema: { tags, summary: '成员系统向本系统的事件主题发布事件 (请求签名同网关)', body: PublishBody },
      // Validation of the raw body happens in the handler (after the signature check).
      validatorCompiler: () => () => true,
    }, (req, reply) => handleSignedPublish(req, reply, services));
  });

  r.get('/api/exchange/subscriptions', {
    config: { scope: 'staff' },
    schema: {
      tags, summary: '事件订阅列表 (本单位子系统的订阅; 监控和授权管理人员可见全部)',
      querystring: Type.Object({ resourceId: Type.Optional(Type.String({ title: '事件主题', pattern: UUID })), subscriberSubsystemId: Type.Optional(Type.String({ title: '订阅方子系统', pattern: UUID })) }),
      response: { 200: Type.Array(SubscriptionSchema) },
    },
  }, async (req) => listSubscriptions(req.ctx, req.query));

  r.post('/api/exchange/subscriptions', {
    config: { scope: 'staff' },
    schema: { tags, summary: '订阅事件主题 (子系统须持有该主题的有效授权)', body: SubscribeBody, response: { 201: SubscriptionSchema } },
  }, async (req, reply) => {
    const sub = await subscribe(req.ctx, req.body);
    services.nudgeDispatcher();
    return reply.status(201).send(sub);
  });

  r.get('/api/exchange/subscriptions/:id', {
    config: { scope: 'staff' },
    schema: { tags, summary: '一个事件订阅', params: IdParams, response: { 200: SubscriptionSchema } },
  }, async (req) => viewSubscription(req.ctx, { id: req.params.id }));

  for (const [action, fn, summary] of [['pause', pauseSubscription, '暂停推送 (事件积存, 恢复后按序推送)'], ['resume', resumeSubscription, '恢复推送'], ['cancel', unsubscribe, '退订 (未投递的事件不再推送)']] as const) {
    r.post(`/api/exchange/subscriptions/:id/${action}`, {
      config: { scope: 'staff' },
      schema: { tags, summary, params: IdParams, response: { 200: SubscriptionSchema } },
    }, async (req) => {
      const sub = await fn(req.ctx, { id: req.params.id });
      services.nudgeDispatcher();
      return sub;
    });
  }

  r.get('/api/exchange/deliveries/stats', {
    config: { scope: SCOPES.monitorRead },
    schema: { tags, summary: '事件投递统计: 待投递、已确认、死信数, 发布到确认的时延', response: { 200: StatsSchema } },
  }, async (req) => deliveryStats(req.ctx));

  r.get('/api/exchange/dead-letters', {
    config: { scope: SCOPES.deadLetterManage },
    schema: {
      tags, summary: '事件死信 (多次投递失败的事件, 新的在前)',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ title: '最多返回条数', minimum: 1, maximum: 500 })), subscriptionId: Type.Optional(Type.String({ title: '订阅', pattern: UUID })) }),
      response: { 200: Type.Array(DeadLetterSchema) },
    },
  }, async (req) => listDeadLetters(req.ctx, req.query));

  r.get('/api/exchange/dead-letters/:id', {
    config: { scope: SCOPES.deadLetterManage },
    schema: { tags, summary: '一条事件死信 (含事件内容和最近一次失败原因)', params: IdParams, response: { 200: DeadLetterSchema } },
  }, async (req) => getDeadLetter(req.ctx, { id: req.params.id }));

  r.post('/api/exchange/dead-letters/:id/replay', {
    config: { scope: SCOPES.deadLetterManage },
    schema: { tags, summary: '重新投递死信 (尝试次数清零, 记入审计日志)', params: IdParams, response: { 200: DeadLetterSchema } },
  }, async (req) => replayDeadLetter(req.ctx, { id: req.params.id }));

  registerEventPages(app, services);
}
