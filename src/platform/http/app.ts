/**
 * The HTTP application: one Fastify instance serving the JSON API (/api/…, OpenAPI at /api/docs)
 * and the server-rendered pages. It resolves the actor, enforces each route's declared scope,
 * checks CSRF tokens, sets security headers and turns every error into problem+json or a page.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { anonymousActor, type Actor, type Ctx } from '../context.ts';
import { AppError, isAppError } from '../errors.ts';
import { decideAccess, type Authenticator, type RouteScope } from '../auth/index.ts';
import { sm3Hmac, randomToken, safeEqual } from '../crypto/index.ts';
import { inTransaction } from '../transaction.ts';
import { audit } from '../audit/chain.ts';
import { renderPage, type NavEntry } from '../ui/layout.ts';
import { html, type HtmlValue } from '../ui/html.ts';
import { fromAjvErrors } from './validation.ts';
import type { ModuleDefinition, PlatformServices } from '../module.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every route declares what it requires (see RouteScope). */
    scope?: RouteScope;
    /** Skip the CSRF check (API-key routes, machine callbacks). */
    csrfExempt?: boolean;
    /**
     * Public GET routes only: tried before any session or actor work for requests that carry no
     * session cookie and no Authorization header (anonymous visitors). It may answer from a cache
     * (send the reply and return true) or return false to fall through to the normal path. It gets
     * an anonymous ctx and req.a11y; req.ctx, req.csrfToken and the visitor cookie are not set.
     */
    anonymousFastPath?: (req: FastifyRequest, reply: FastifyReply, ctx: Ctx) => Promise<boolean>;
  }
  interface FastifyRequest {
    ctx: Ctx;
    sessionId: string | null;
    csrfToken: string;
    a11y: boolean;
    /** Unread messages for the header badge; null when not computed (API calls, anonymous). */
    unreadCount: number | null;
  }
  interface FastifyReply {
    page(input: PageOptions): FastifyReply;
    flashRedirect(url: string, flash: Flash): FastifyReply;
  }
}

export interface Flash {
  kind: 'success' | 'error' | 'info';
  text: string;
}

export interface PageOptions {
  title: string;
  body: HtmlValue;
  shell?: 'workbench' | 'public';
  breadcrumbs?: { label: string; href?: string }[];
  status?: number;
  flash?: Flash | null;
}

export type App = FastifyInstance;

export interface HttpDeps {
  services: PlatformServices;
  modules: ModuleDefinition[];
  authenticator: Authenticator;
  /** HMAC key for CSRF tokens and flash cookies. */
  secret: Buffer;
}

export const SESSION_COOKIE = 'egov_session';
const ANON_COOKIE = 'egov_anon';
const A11Y_COOKIE = 'egov_a11y';
const FLASH_COOKIE = 'egov_flash';
const requireFromHere = createRequire(import.meta.url);
const ASSETS_DIR = path.resolve(import.meta.dirname, '../ui/assets');

function wantsHtml(req: FastifyRequest): boolean {
  if (req.url.startsWith('/api/') || req.url.startsWith('/exchange/')) return false;
  const accept = req.headers.accept ?? '';
  return accept.includes('text/html') || !accept.includes('application/json');
}

function problem(reply: FastifyReply, req: FastifyRequest, err: AppError): FastifyReply {
  return reply
    .status(err.status)
    .type('application/problem+json; charset=utf-8')
    .send({
      type: `urn:egov:problem:${err.code}`,
      title: err.message,
      status: err.status,
      code: err.code,
      detail: err.message,
      instance: req.url.split('?')[0],
      requestId: req.id,
      ...(err.fields.length ? { fields: err.fields } : {}),
    });
}

export async function buildHttpApp(deps: HttpDeps): Promise<App> {
  const { services } = deps;
  const app = Fastify({
    logger: services.config.logLevel === 'silent' ? false : { level: services.config.logLevel },
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    // Only trust X-Forwarded-For from configured proxy hops, or clients could dodge per-address limits.
    trustProxy: (_address: string, hop: number) => hop < services.config.trustProxyHops,
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true, verbose: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const navItems = deps.modules.flatMap((m) => m.navigation ?? []);
  const countUnread = deps.modules.find((m) => m.unreadCount)?.unreadCount;
  const csrfFor = (id: string) => sm3Hmac(deps.secret, `csrf:${id}`).toString('base64url');
  const sign = (v: string) => `${v}.${sm3Hmac(deps.secret, `flash:${v}`).toString('base64url')}`;
  const unsign = (s: string): string | null => {
    const i = s.lastIndexOf('.');
    if (i < 0) return null;
    const v = s.slice(0, i);
    return safeEqual(sign(v), s) ? v : null;
  };
  const cookieOpts = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: services.config.secureCookies };

  // Every route must say what it needs; plugin routes (docs, assets) are public.
  app.addHook('onRoute', (route) => {
    const url = route.url;
    if (url.startsWith('/api/docs')) {
      route.config = { ...(route.config ?? {}), scope: 'public' };
      return;
    }
    const scope = (route.config as { scope?: string } | undefined)?.scope;
    if (!scope) throw new Error(`route ${route.method} ${url} declares no permission scope (config.scope)`);
    if (!url.startsWith('/api/')) route.schema = { ...(route.schema ?? {}), hide: true } as typeof route.schema;
  });

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    hsts: services.config.secureCookies ? { maxAge: 63072000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'egov 政务平台 API', version: '0.1.0', description: '所有接口以 RFC 9457 problem+json 报错; 会话接口需 x-csrf-token, 业务系统使用 API 密钥 (Authorization: Bearer).' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } } },
      security: [{ apiKey: [] }, { session: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  app.decorateRequest('ctx', null as unknown as Ctx);
  app.decorateRequest('sessionId', null);
  app.decorateRequest('csrfToken', '');
  app.decorateRequest('a11y', false);
  app.decorateRequest('unreadCount', null);

  // 1. Who is calling, and may they call this route at all (before the body is read).
  app.addHook('onRequest', async (req, reply) => {
    const baseCtx: Ctx = { actor: anonymousActor, db: services.database.db, clock: services.clock, requestId: req.id, ip: req.ip, log: req.log };
    const fast = req.routeOptions.config?.anonymousFastPath;
    if (fast && req.routeOptions.config?.scope === 'public' && (req.method === 'GET' || req.method === 'HEAD') && !req.cookies[SESSION_COOKIE] && !req.headers.authorization) {
      req.a11y = req.cookies[A11Y_COOKIE] === '1';
      if (await fast(req, reply, baseCtx)) return reply;
    }
    let actor: Actor = anonymousActor;
    const authz = req.headers.authorization;
    const bearer = authz?.startsWith('Bearer ') ? authz.slice(7).trim() : undefined;
    const sessionToken = req.cookies[SESSION_COOKIE];
    if (bearer || sessionToken) {
      const result = await deps.authenticator.authenticate({ sessionToken: bearer ? undefined : sessionToken, bearerToken: bearer }, baseCtx);
      if (result) {
        actor = result.actor;
        req.sessionId = result.sessionId ?? null;
      } else if (bearer) {
        throw new AppError({ code: 'invalid_api_key', status: 401, message: 'API 密钥无效、已过期或已吊销。' });
      } else {
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
      }
    }
    req.ctx = { ...baseCtx, actor };
    let anon = req.cookies[ANON_COOKIE];
    if (!req.sessionId && !bearer) {
      if (!anon || !/^[A-Za-z0-9_-]{20,64}$/.test(anon)) {
        anon = randomToken(24);
        reply.setCookie(ANON_COOKIE, anon, cookieOpts);
      }
    }
    req.csrfToken = csrfFor(req.sessionId ?? anon ?? '');
    req.a11y = req.cookies[A11Y_COOKIE] === '1';

    const scope = req.routeOptions.config?.scope;
    if (!scope) return; // 404s and plugin internals
    const decision = decideAccess(actor, scope);
    if (decision === 'allow') return;
    if (decision === 'login') {
      if (wantsHtml(req) && req.method === 'GET') {
        const target = actor.pendingSecondFactor ? '/login/totp' : `/login?next=${encodeURIComponent(req.url)}`;
        return reply.redirect(target, 303);
      }
      throw new AppError({ code: 'unauthenticated', status: 401, message: '请先登录。' });
    }
    await inTransaction(req.ctx, async (tctx) => {
      audit(tctx, { action: 'access.denied', targetType: 'route', targetId: `${req.method} ${req.routeOptions.url}`, result: 'denied', details: { scope } });
    });
    throw new AppError({ code: 'forbidden', status: 403, message: actor.kind === 'staff' ? '您没有执行此操作的权限。' : '此页面仅供政府工作人员使用。' });
  });

  // 2. Forms and cookie-authenticated API calls must carry the CSRF token.
  app.addHook('preValidation', async (req) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return;
    if (req.routeOptions.config?.csrfExempt) return;
    if (req.headers.authorization?.startsWith('Bearer ')) return; // API keys are not ambient credentials
    const body = req.body as Record<string, unknown> | undefined;
    const sent = (req.headers['x-csrf-token'] as string | undefined) ?? (typeof body?._csrf === 'string' ? body._csrf : undefined);
    if (!sent || !safeEqual(sent, req.csrfToken)) {
      throw new AppError({ code: 'csrf_invalid', status: 403, message: '表单已过期或来源无法验证, 请刷新页面后重试。' });
    }
  });

  // 3. The unread-message badge in the page header: one count query for page requests of signed-in users.
  if (countUnread) {
    app.addHook('preHandler', async (req) => {
      const actor = req.ctx.actor;
      if (req.method !== 'GET' || !actor.userId || actor.pendingSecondFactor || !wantsHtml(req) || req.url.startsWith('/assets/')) return;
      try {
        req.unreadCount = await countUnread(req.ctx);
      } catch (err) {
        req.log.warn({ err }, 'unread message count failed');
      }
    });
  }

  app.decorateReply('page', function page(this: FastifyReply, input: PageOptions) {
    const req = this.request;
    let flash = input.flash ?? null;
    const rawFlash = req.cookies[FLASH_COOKIE];
    if (rawFlash) {
      const v = unsign(rawFlash);
      if (v) {
        try {
          flash = flash ?? (JSON.parse(Buffer.from(v, 'base64url').toString('utf8')) as Flash);
        } catch {
          /* ignore a damaged cookie */
        }
      }
      this.clearCookie(FLASH_COOKIE, { path: '/' });
    }
    const shell = input.shell ?? (req.url.startsWith('/workbench') ? 'workbench' : 'public');
    const nav: NavEntry[] = shell === 'workbench'
      ? [{ label: '首页', href: '/workbench', group: '工作台' }, ...navItems.filter((n) => decideAccess(req.ctx.actor, n.scope) === 'allow')]
      : [];
    const body = renderPage({
      title: input.title,
      body: input.body,
      shell,
      actor: req.ctx.actor,
      csrf: req.csrfToken,
      nav,
      currentPath: req.url.split('?')[0],
      a11y: req.a11y,
      flash,
      breadcrumbs: input.breadcrumbs,
      unreadCount: req.unreadCount ?? undefined,
    });
    return this.status(input.status ?? 200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  });

  app.decorateReply('flashRedirect', function flashRedirect(this: FastifyReply, url: string, flash: Flash) {
    this.setCookie(FLASH_COOKIE, sign(Buffer.from(JSON.stringify(flash)).toString('base64url')), cookieOpts);
    return this.redirect(url, 303);
  });

  app.setErrorHandler(async (err, req, reply) => {
    let appErr: AppError;
    const e = err as { validation?: unknown[]; validationContext?: string; code?: string; statusCode?: number };
    if (isAppError(err)) appErr = err;
    else if (e.validation) appErr = fromAjvErrors(e.validation as Parameters<typeof fromAjvErrors>[0], e.validationContext ?? 'body');
    else if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') appErr = new AppError({ code: 'payload_too_large', status: 413, message: '请求内容过大。' });
    else if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') appErr = new AppError({ code: 'unsupported_media_type', status: 415, message: '不支持的请求内容类型。' });
    else if (e.code?.startsWith('FST_ERR_CTP') || (err instanceof SyntaxError)) appErr = new AppError({ code: 'malformed_body', status: 400, message: '请求内容格式错误, 无法解析。' });
    else if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) appErr = new AppError({ code: 'bad_request', status: e.statusCode, message: '请求无效。' });
    else {
      req.log.error({ err }, 'unhandled error');
      appErr = new AppError({ code: 'internal_error', status: 500, message: `服务器内部错误, 请稍后重试 (请求编号 ${req.id})。` });
    }
    if (wantsHtml(req) && req.ctx) {
      return reply.page({
        title: appErr.status === 403 ? '无权访问' : appErr.status === 404 ? '页面不存在' : '操作未能完成',
        status: appErr.status,
        body: html`<p class="flash flash-error" role="alert">${appErr.message}</p>
          ${appErr.fields.length ? html`<ul>${appErr.fields.map((f) => html`<li>${f.message}</li>`)}</ul>` : ''}
          <p><a href="${req.ctx.actor.kind === 'staff' ? '/workbench' : '/'}">返回首页</a></p>`,
        shell: req.url.startsWith('/workbench') && req.ctx.actor.kind === 'staff' ? 'workbench' : 'public',
      });
    }
    return problem(reply, req, appErr);
  });

  app.setNotFoundHandler(async (req, reply) => {
    const err = new AppError({ code: 'not_found', status: 404, message: '您访问的地址不存在。' });
    if (wantsHtml(req) && req.ctx) return reply.page({ title: '页面不存在', status: 404, body: html`<p>${err.message}</p><p><a href="/">回到首页</a></p>` });
    return problem(reply, req, err);
  });

  // Static assets, read once at boot (they are code, not state).
  const assets = new Map<string, { body: Buffer; type: string }>();
  for (const f of fs.readdirSync(ASSETS_DIR)) {
    const type = f.endsWith('.css') ? 'text/css; charset=utf-8' : f.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'application/octet-stream';
    assets.set(f, { body: fs.readFileSync(path.join(ASSETS_DIR, f)), type });
  }
  // ECharts from its package (platform/ui/chart.ts draws with it; nothing is fetched from elsewhere).
  assets.set('echarts.min.js', { body: fs.readFileSync(requireFromHere.resolve('echarts/dist/echarts.min.js')), type: 'text/javascript; charset=utf-8' });
  app.get('/assets/:file', { config: { scope: 'public' } }, async (req, reply) => {
    const asset = assets.get((req.params as { file: string }).file);
    if (!asset) throw new AppError({ code: 'not_found', status: 404, message: '文件不存在。' });
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
  });

  app.post('/preferences/a11y', { config: { scope: 'public' } }, async (req, reply) => {
    const back = String((req.body as Record<string, unknown> | undefined)?.back ?? '/');
    reply.setCookie(A11Y_COOKIE, req.a11y ? '0' : '1', { ...cookieOpts, maxAge: 365 * 86400 });
    return reply.redirect(back.startsWith('/') && !back.startsWith('//') ? back : '/', 303);
  });

  return app;
}
