/**
 * The exchange gateway (交换网关): /exchange/r1/CN-HA/{CLASS}/{MEMBER}/{SUBSYSTEM}/{serviceCode}/{rest}.
 * It authenticates the client subsystem by its request signature, checks the resource, endpoint,
 * grant, per-grant rate limit and daily quota and the message id, forwards to the provider with a
 * timeout, and answers with the provider's status, headers and body plus the X-Road answer headers.
 * Every message, refused or not, goes into the message log before the answer leaves.
 *
 * Verification keys, resources, grants and provider credentials are cached for CACHE_TTL_MS per
 * process: a revoked key or grant, a withdrawn resource or a disabled subsystem stops working
 * within that bound (see CONTEXT.md).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Ctx } from '../../../platform/context.ts';
import { newId } from '../../../platform/ids.ts';
import { sm3Hex } from '../../../platform/crypto/index.ts';
import type { Db } from '../../../platform/db/index.ts';
import { INSTANCE } from '../model.ts';
import { matchEndpoint, resourceByService, type EndpointView, type ResourceView } from '../services/catalog.ts';
import { findSubsystem, verificationKey, type SubsystemView } from '../services/members.ts';
import { findActiveGrant, type GrantView } from '../services/grants.ts';
import { admissionFor, chinaDayWindow, minuteWindow, type LimitRule } from './admission.ts';
import { logWriterFor, subjectDigest, type MessageRecord, type Outcome } from './message-log.ts';
import { allowedMethods, getOpenApi, listClients, listMethods, METASERVICES, type Metaservice } from './metaservices.ts';
import { providerAuthorization } from './provider-credentials.ts';
import { authenticateSignedRequest, bodyHash } from './signing.ts';

export const GATEWAY_PREFIX = '/exchange/r1/';
export const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 20_000;

type Side = 'client' | 'gateway' | 'provider';

class GatewayFailure extends Error {
  constructor(readonly code: string, readonly status: number, readonly side: Side, message: string) {
    super(message);
  }
}
const clientError = (code: string, status: number, message: string) => new GatewayFailure(code, status, 'client', `客户端错误: ${message}`);

// --- short-lived caches (per database handle, i.e. per deployment in this process) -----------------

class TtlCache {
  private readonly map = new Map<string, { at: number; value: Promise<unknown> }>();
  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = performance.now();
    const hit = this.map.get(key);
    if (hit && now - hit.at < CACHE_TTL_MS) return hit.value as Promise<T>;
    if (this.map.size >= CACHE_MAX) this.map.clear();
    const value = load();
    this.map.set(key, { at: now, value });
    value.catch(() => this.map.delete(key));
    return value;
  }
  clear(): void {
    this.map.clear();
  }
}
const caches = new WeakMap<object, TtlCache>();
const cacheFor = (db: Db): TtlCache => {
  let c = caches.get(db);
  if (!c) {
    c = new TtlCache();
    caches.set(db, c);
  }
  return c;
};

/** Drops the gateway's cached keys, resources and grants (tests; an operator after an urgent revocation). */
export function clearGatewayCaches(ctx: Ctx): void {
  cacheFor(ctx.db).clear();
}

// --- the call --------------------------------------------------------------------------------------

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade', 'content-length', 'content-encoding', 'set-cookie', 'date']);

interface CallState {
  t0: number;
  record: MessageRecord;
  keyId?: string;
  providerStart?: number;
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function decodeHeader(value: string | undefined, name: string): string {
  if (value === undefined) return '';
  try {
    return decodeURIComponent(value);
  } catch {
    throw clientError('header_invalid', 400, `请求头 ${name} 的百分号编码无效`);
  }
}

function requestHashOf(req: FastifyRequest, body: Buffer): string {
  return sm3Hex([req.method, req.url, header(req, 'x-road-client') ?? '', header(req, 'x-road-id') ?? '', header(req, 'date') ?? '', header(req, 'x-road-userid') ?? '',
    header(req, 'x-road-purpose') ?? '', header(req, 'x-road-issue') ?? '', bodyHash(body)].join('\n'));
}

interface ParsedPath {
  meta: Metaservice | null;
  providerXroadId: string;
  serviceCode: string;
  rest: string;
  query: string;
}

function parsePath(url: string): ParsedPath {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q);
  const segs = path.slice(GATEWAY_PREFIX.length).split('/');
  if (segs.length === 1 && segs[0] === 'listClients') return { meta: 'listClients', providerXroadId: '', serviceCode: 'listClients', rest: '', query };
  let parts: string[];
  try {
    parts = segs.slice(0, 5).map((s) => decodeURIComponent(s));
  } catch {
    parts = [];
  }
  if (parts.length < 5 || parts[0] !== INSTANCE || parts.some((p) => p === '')) {
    throw clientError('service_path_invalid', 400, `服务地址应为 ${GATEWAY_PREFIX}${INSTANCE}/类别/成员代码/子系统/服务代码/路径`);
  }
  const providerXroadId = parts.slice(0, 4).join('/');
  const serviceCode = parts[4];
  const rest = `/${segs.slice(5).join('/')}`;
  const meta = (METASERVICES as readonly string[]).includes(serviceCode) && segs.length === 5 ? (serviceCode as Metaservice) : null;
  return { meta, providerXroadId, serviceCode, rest, query };
}

const problemBody = (f: GatewayFailure, requestId: string, instance: string) => JSON.stringify({
  type: `urn:egov:problem:${f.code}`,
  title: f.message,
  status: f.status,
  code: f.code,
  side: f.side,
  detail: f.message,
  instance,
  requestId,
});

/** Handles one gateway request (the route is registered in routes.ts). */
export async function handleGatewayCall(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = req.ctx;
  const t0 = performance.now();
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const state: CallState = {
    t0,
    record: {
      id: newId(),
      receivedAt: ctx.clock.now().toISOString(),
      clientXroadId: (header(req, 'x-road-client') ?? '').slice(0, 300),
      clientSubsystemId: null,
      serviceXroadId: '',
      resourceId: null,
      endpointId: null,
      method: req.method,
      restPath: '',
      messageId: (header(req, 'x-road-id') ?? '').slice(0, 200),
      userId: (header(req, 'x-road-userid') ?? '').slice(0, 200),
      purpose: '',
      issue: (header(req, 'x-road-issue') ?? '').slice(0, 200),
      subjectHash: null,
      status: 0,
      outcome: 'success',
      errorCode: null,
      forwarded: false,
      requestBytes: body.length,
      responseBytes: 0,
      durationUs: 0,
      providerUs: 0,
      requestHash: requestHashOf(req, body),
      responseHash: '',
      requestBody: null,
      responseBody: null,
    },
  };
  let answer: { status: number; headers: Record<string, string>; body: Buffer };
  try {
    answer = await processCall(ctx, req, body, state);
  } catch (err) {
    const f = err instanceof GatewayFailure ? err : new GatewayFailure('gateway_error', 500, 'gateway', `网关错误: 处理请求时出错 (请求编号 ${state.record.id})`);
    if (!(err instanceof GatewayFailure)) ctx.log.error({ err }, 'gateway call failed');
    const outcome: Outcome = f.side === 'client' ? 'client_error' : f.side === 'provider' ? 'provider_error' : 'gateway_error';
    state.record.outcome = outcome;
    state.record.errorCode = f.code;
    answer = { status: f.status, headers: { 'content-type': 'application/problem+json; charset=utf-8', 'x-road-error': `${f.side}.${f.code}` }, body: Buffer.from(problemBody(f, state.record.id, req.url.split('?')[0])) };
  }
  const r = state.record;
  r.status = answer.status;
  r.responseBytes = answer.body.length;
  r.responseHash = sm3Hex(Buffer.concat([Buffer.from(`${answer.status}\n${answer.headers['content-type'] ?? ''}\n`), answer.body]));
  r.durationUs = Math.round((performance.now() - t0) * 1000);
  try {
    await logWriterFor(ctx.db).write(r, state.keyId);
  } catch (err) {
    // An answer that is not in the log is not given: the client sees a gateway failure.
    ctx.log.error({ err }, 'message log write failed');
    const f = new GatewayFailure('message_log_failed', 503, 'gateway', '网关错误: 消息日志写入失败, 本次应答未交付, 请稍后重试');
    return reply.status(503).headers({ 'content-type': 'application/problem+json; charset=utf-8', 'x-road-error': `gateway.${f.code}`, 'x-road-request-id': r.id })
      .send(problemBody(f, r.id, req.url.split('?')[0]));
  }
  return reply.status(answer.status).headers({
    ...answer.headers,
    'x-road-request-id': r.id,
    'x-road-request-hash': r.requestHash,
    'x-road-response-hash': r.responseHash,
    'x-road-service': r.serviceXroadId,
    ...(r.clientXroadId ? { 'x-road-client': r.clientXroadId } : {}),
    ...(r.messageId ? { 'x-road-id': r.messageId } : {}),
  }).send(answer.body);
}

const json = (status: number, value: unknown) => ({ status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from(JSON.stringify(value)) });

async function processCall(ctx: Ctx, req: FastifyRequest, body: Buffer, state: CallState): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const rec = state.record;
  const cache = cacheFor(ctx.db);
  const path = parsePath(req.url);
  rec.serviceXroadId = path.meta === 'listClients' ? 'listClients' : `${path.providerXroadId}/${path.serviceCode}`;

  // 1. Who is calling: required headers, Date, signature by a key of the named client subsystem.
  for (const name of ['X-Road-Client', 'X-Road-Id', 'Date', 'Authorization', ...(path.meta ? [] : ['X-Road-Purpose'])]) {
    if (!header(req, name.toLowerCase())) throw clientError('missing_header', 400, `缺少请求头 ${name}`);
  }
  rec.purpose = decodeHeader(header(req, 'x-road-purpose'), 'X-Road-Purpose').slice(0, 500);
  if (!path.meta && rec.purpose.trim().length < 2) throw clientError('missing_header', 400, '请求头 X-Road-Purpose 应写明使用用途');
  if (rec.messageId.length > 128) throw clientError('header_invalid', 400, 'X-Road-Id 不超过 128 个字符');
  const { client, keyId } = await authenticateSignedRequest<SubsystemView>(
    { method: req.method, url: req.url, header: (name) => header(req, name), body, now: ctx.clock.now() },
    {
      findClient: (xroadId) => cache.get<SubsystemView | null>(`sub:${xroadId}`, () => findSubsystem(ctx, { xroadId })),
      findKey: (id) => cache.get(`key:${id}`, () => verificationKey(ctx, { keyId: id })),
      fail: (code, status, message) => clientError(code, status, message),
    },
  );
  rec.clientSubsystemId = client.id;
  state.keyId = keyId;
  if (client.status !== 'active') throw clientError('client_disabled', 403, `客户端子系统 ${rec.clientXroadId} 已停用`);

  // 2. Metaservices: signed and logged, no grant needed; the message id is still used up.
  if (path.meta) {
    await admit(ctx, rec, []);
    const result = path.meta === 'listClients' ? await listClients(ctx)
      : path.meta === 'listMethods' ? await listMethods(ctx, { providerXroadId: path.providerXroadId })
      : path.meta === 'allowedMethods' ? await allowedMethods(ctx, { providerXroadId: path.providerXroadId, clientSubsystemId: client.id })
      : await getOpenApi(ctx, { providerXroadId: path.providerXroadId, serviceCode: new URLSearchParams(path.query.slice(1)).get('serviceCode') ?? '' });
    if (!result) throw clientError('service_unknown', 404, path.meta === 'getOpenAPI' ? '服务不存在 (请用 ?serviceCode= 指明服务代码)' : `提供方子系统 ${path.providerXroadId} 不存在`);
    return json(200, result);
  }

  // 3. What is called: a published API resource, an endpoint of it, a grant for this client.
  const resource = await cache.get<ResourceView | null>(`res:${path.providerXroadId}/${path.serviceCode}`, () => resourceByService(ctx, { providerXroadId: path.providerXroadId, serviceCode: path.serviceCode }));
  if (!resource || resource.status !== 'published' || resource.kind !== 'api' || !resource.baseUrl) throw clientError('service_unknown', 404, `服务 ${rec.serviceXroadId} 不存在或已撤销`);
  rec.resourceId = resource.id;
  rec.requestBody = resource.logBodies ? body.toString('utf8') : null;
  if (resource.provider.status !== 'active') throw new GatewayFailure('provider_disabled', 503, 'provider', `提供方错误: 提供方子系统 ${path.providerXroadId} 已停用`);
  const match = matchEndpoint(resource, req.method, path.rest);
  if (!match) throw clientError('endpoint_not_found', 404, `服务 ${resource.name} 没有方法 ${req.method} ${path.rest.length > 80 ? `${path.rest.slice(0, 80)}…` : path.rest}`);
  const endpoint: EndpointView = match.endpoint;
  rec.endpointId = endpoint.id;
  rec.restPath = endpoint.pathTemplate;
  if (endpoint.subjectParam && match.params[endpoint.subjectParam]) rec.subjectHash = await subjectDigest(ctx.db, match.params[endpoint.subjectParam]);
  const grant = await cache.get<GrantView | null>(`grant:${client.id}:${resource.id}:${endpoint.id}`, () => findActiveGrant(ctx, { clientSubsystemId: client.id, resourceId: resource.id, endpointId: endpoint.id }));
  if (!grant) throw clientError('access_denied', 403, `${rec.clientXroadId} 未获授权调用 ${resource.name} (${endpoint.method} ${endpoint.pathTemplate}), 请先申请共享`);

  // 4. Limits and the message id, in the database (shared by every gateway process).
  const now = ctx.clock.now();
  const limits: LimitRule[] = [];
  if (grant.ratePerMinute) limits.push({ key: `exchange.grant:${grant.id}:minute`, windowStart: minuteWindow(now), limit: grant.ratePerMinute, kind: 'minute' });
  if (grant.dailyQuota) limits.push({ key: `exchange.grant:${grant.id}:day`, windowStart: chinaDayWindow(now), limit: grant.dailyQuota, kind: 'day' });
  await admit(ctx, rec, limits);

  // 5. Forward.
  const authorization = await cache.get(`pauth:${resource.provider.id}`, () => providerAuthorization(ctx.db, resource.provider.id));
  const target = `${resource.baseUrl.replace(/\/+$/, '')}${path.rest}${path.query}`;
  const fwdHeaders: Record<string, string> = {
    'x-road-client': rec.clientXroadId,
    'x-road-id': rec.messageId,
    'x-road-userid': encodeURIComponent(rec.userId),
    'x-road-purpose': encodeURIComponent(rec.purpose),
    'x-road-issue': encodeURIComponent(rec.issue),
    'x-road-request-id': rec.id,
    'x-road-service': rec.serviceXroadId,
    'accept-encoding': 'identity',
  };
  for (const h of ['content-type', 'accept', 'accept-language']) {
    const v = header(req, h);
    if (v) fwdHeaders[h] = v;
  }
  if (authorization) fwdHeaders.authorization = authorization;
  const start = performance.now();
  let res: Response;
  let resBody: Buffer;
  try {
    rec.forwarded = true;
    res = await fetch(target, {
      method: req.method,
      headers: fwdHeaders,
      body: req.method === 'GET' || req.method === 'HEAD' || body.length === 0 ? undefined : new Uint8Array(body.buffer, body.byteOffset, body.length) as Uint8Array<ArrayBuffer>,
      signal: AbortSignal.timeout(resource.timeoutMs),
      redirect: 'manual',
    });
    resBody = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    rec.providerUs = Math.round((performance.now() - start) * 1000);
    const name = (err as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new GatewayFailure('provider_timeout', 504, 'provider', `提供方错误: 提供方 ${path.providerXroadId} 在 ${resource.timeoutMs} 毫秒内没有应答`);
    throw new GatewayFailure('provider_unreachable', 502, 'provider', `提供方错误: 无法连接提供方 ${path.providerXroadId}`);
  }
  rec.providerUs = Math.round((performance.now() - start) * 1000);
  rec.responseBody = resource.logBodies ? resBody.toString('utf8') : null;
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!HOP_BY_HOP.has(k) && !k.startsWith('x-road-')) headers[k] = v;
  });
  if (res.status >= 500) {
    // Passed through as the provider said it, marked as the provider's failure.
    rec.outcome = 'provider_error';
    rec.errorCode = 'provider_failure';
    headers['x-road-error'] = 'provider.provider_failure';
  }
  return { status: res.status, headers, body: resBody };
}

async function admit(ctx: Ctx, rec: MessageRecord, limits: LimitRule[]): Promise<void> {
  let result;
  try {
    result = await admissionFor(ctx.db).admit({ clientSubsystemId: rec.clientSubsystemId!, messageId: rec.messageId, receivedAt: rec.receivedAt, limits });
  } catch (err) {
    ctx.log.error({ err }, 'gateway admission failed');
    throw new GatewayFailure('gateway_unavailable', 503, 'gateway', '网关错误: 暂时无法检查调用限额, 请稍后重试');
  }
  if (result.ok) return;
  if (result.reason === 'duplicate_message_id') throw clientError('duplicate_message_id', 409, `消息编号 X-Road-Id ${rec.messageId} 已经用过, 每条消息须使用新的编号`);
  if (result.reason === 'quota_exceeded') throw clientError('quota_exceeded', 429, `已用完本授权今日的调用配额 (${result.limit} 次)`);
  throw clientError('rate_limited', 429, `超过本授权每分钟 ${result.limit} 次的调用上限, 请稍后再试`);
}
