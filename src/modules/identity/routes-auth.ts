/**
 * Login, second factor, logout, registration and the citizen's own page. Thin: parse, call the
 * service, render or redirect.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../platform/http/app.ts';
import { SESSION_COOKIE } from '../../platform/http/app.ts';
import { html } from '../../platform/ui/html.ts';
import { button, errorSummary, field, form } from '../../platform/ui/components.ts';
import { isAppError, type FieldProblem } from '../../platform/errors.ts';
import { parseInput } from '../../platform/http/validation.ts';
import type { PlatformServices } from '../../platform/module.ts';
import { beginTotpEnrollment, completeSecondFactor, login, logout } from './sessions.ts';
import { registerCitizen, registerEnterprise } from './registration.ts';
import { getUser } from './users.ts';

const LoginForm = Type.Object({
  loginName: Type.String({ title: '登录名', minLength: 1, maxLength: 64 }),
  password: Type.String({ title: '口令', minLength: 1, maxLength: 128 }),
  next: Type.Optional(Type.String({ maxLength: 500 })),
});

const TotpForm = Type.Object({ code: Type.String({ title: '动态口令', minLength: 6, maxLength: 6, pattern: '^[0-9]{6}$' }) });

const CitizenForm = Type.Object({
  name: Type.String({ title: '姓名', minLength: 2, maxLength: 100 }),
  idNumber: Type.String({ title: '公民身份号码', minLength: 18, maxLength: 18 }),
  phone: Type.String({ title: '手机号码', minLength: 11, maxLength: 11 }),
  password: Type.String({ title: '口令', minLength: 1, maxLength: 128 }),
});

const EnterpriseForm = Type.Object({
  name: Type.String({ title: '单位名称', minLength: 2, maxLength: 100 }),
  uscc: Type.String({ title: '统一社会信用代码', minLength: 18, maxLength: 18 }),
  phone: Type.String({ title: '联系电话', minLength: 11, maxLength: 11 }),
  password: Type.String({ title: '口令', minLength: 1, maxLength: 128 }),
});

function safeNext(next: string | undefined, fallback: string): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : fallback;
}

function prefersJson(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

function homeFor(kind: string): string {
  return kind === 'staff' ? '/workbench' : '/my';
}

function errorFor(fields: FieldProblem[], name: string): string | undefined {
  return fields.find((f) => f.field === name)?.message;
}

export function registerAuthRoutes(app: App, services: PlatformServices): void {
  const cookieOpts = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: services.config.secureCookies };

  const loginPage = (req: FastifyRequest, reply: FastifyReply, state: { loginName?: string; next?: string; error?: string; status?: number }) =>
    reply.page({
      title: '登录',
      shell: 'public',
      status: state.status,
      flash: state.error ? { kind: 'error', text: state.error } : null,
      body: html`${form({
        action: '/login',
        csrf: req.csrfToken,
        label: '登录',
        body: html`${field({ name: 'loginName', label: '登录名', value: state.loginName, required: true, autocomplete: 'username', hint: '工作人员使用用户名; 个人使用公民身份号码; 法人使用统一社会信用代码' })}
          ${field({ name: 'password', label: '口令', type: 'password', required: true, autocomplete: 'current-password' })}
          <input type="hidden" name="next" value="${state.next ?? ''}">
          <div class="actions">${button('登录')} <a href="/register">没有账号? 注册</a></div>`,
      })}`,
    });

  app.get('/login', { config: { scope: 'public' } }, async (req, reply) => {
    const next = (req.query as { next?: string }).next;
    if (req.ctx.actor.kind !== 'anonymous' && !req.ctx.actor.pendingSecondFactor) return reply.redirect(safeNext(next, homeFor(req.ctx.actor.kind)), 303);
    return loginPage(req, reply, { next });
  });

  app.post('/login', { config: { scope: 'public' } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    try {
      const input = parseInput(LoginForm, body);
      const outcome = await login(req.ctx, { loginName: input.loginName, password: input.password, userAgent: req.headers['user-agent'] });
      reply.setCookie(SESSION_COOKIE, outcome.token, cookieOpts);
      if (outcome.next !== 'done') return reply.redirect('/login/totp', 303);
      return reply.redirect(safeNext(input.next, homeFor(outcome.kind)), 303);
    } catch (err) {
      // Browsers get the form again; a client asking only for JSON gets problem+json from the error handler.
      if (!isAppError(err) || prefersJson(req)) throw err;
      return loginPage(req, reply, { loginName: body?.loginName, next: body?.next, error: err.message, status: err.status });
    }
  });

  const totpPage = async (req: FastifyRequest, reply: FastifyReply, error?: string, status?: number) => {
    const token = req.cookies[SESSION_COOKIE];
    if (!token || !req.ctx.actor.pendingSecondFactor) return reply.redirect('/login', 303);
    const enrolled = await beginTotpEnrollment(req.ctx, { sessionToken: token }).catch((e: unknown) => {
      if (isAppError(e) && e.code === 'totp_already_enabled') return null;
      throw e;
    });
    return reply.page({
      title: enrolled ? '绑定动态口令' : '动态口令验证',
      shell: 'public',
      status,
      flash: error ? { kind: 'error', text: error } : null,
      body: html`${enrolled
        ? html`<p>您的岗位要求双因素认证。请在手机验证器 (如 FreeOTP、Google Authenticator、微信小程序“腾讯身份验证器”) 中添加账号, 手动输入以下密钥, 然后输入验证器显示的 6 位数字完成绑定。</p>
          <dl class="facts"><dt>密钥</dt><dd class="mono" id="totp-secret">${enrolled.secret}</dd><dt>链接</dt><dd class="mono">${enrolled.uri}</dd></dl>`
        : html`<p>请输入手机验证器中显示的 6 位动态口令。</p>`}
        ${form({ action: '/login/totp', csrf: req.csrfToken, label: '动态口令', body: html`${field({ name: 'code', label: '动态口令', required: true, autocomplete: 'one-time-code', inputmode: 'numeric', pattern: '[0-9]{6}', maxLength: 6 })}<div class="actions">${button('验证')}</div>` })}`,
    });
  };

  app.get('/login/totp', { config: { scope: 'public' } }, async (req, reply) => totpPage(req, reply));

  app.post('/login/totp', { config: { scope: 'public' } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return reply.redirect('/login', 303);
    try {
      const input = parseInput(TotpForm, req.body);
      const { kind } = await completeSecondFactor(req.ctx, { sessionToken: token, code: input.code });
      return reply.redirect(homeFor(kind), 303);
    } catch (err) {
      if (!isAppError(err)) throw err;
      return totpPage(req, reply, err.message, err.status);
    }
  });

  app.post('/logout', { config: { scope: 'public' } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await logout(req.ctx, { sessionToken: token });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.flashRedirect('/', { kind: 'info', text: '您已安全退出。' });
  });

  const registerPage = (req: FastifyRequest, reply: FastifyReply, state: { kind?: 'citizen' | 'enterprise'; values?: Record<string, string | undefined>; fields?: FieldProblem[]; error?: string; status?: number }) => {
    const v = state.values ?? {};
    const f = state.kind === 'citizen' ? state.fields ?? [] : [];
    const g = state.kind === 'enterprise' ? state.fields ?? [] : [];
    return reply.page({
      title: '注册账号',
      shell: 'public',
      status: state.status,
      flash: state.error && !(state.fields?.length) ? { kind: 'error', text: state.error } : null,
      body: html`<div class="cards">
        <section class="card" aria-labelledby="reg-citizen"><h2 id="reg-citizen">个人注册</h2>
        ${errorSummary(f)}
        ${form({ action: '/register/citizen', csrf: req.csrfToken, label: '个人注册', body: html`
          ${field({ name: 'name', label: '姓名', required: true, value: state.kind === 'citizen' ? v.name : '', error: errorFor(f, 'name'), autocomplete: 'name' })}
          ${field({ name: 'idNumber', label: '公民身份号码', required: true, value: state.kind === 'citizen' ? v.idNumber : '', error: errorFor(f, 'idNumber'), maxLength: 18, hint: '18 位, 最后一位可能是 X' })}
          ${field({ name: 'phone', label: '手机号码', type: 'tel', required: true, value: state.kind === 'citizen' ? v.phone : '', error: errorFor(f, 'phone'), autocomplete: 'tel', maxLength: 11 })}
          ${field({ name: 'password', label: '口令', type: 'password', required: true, error: errorFor(f, 'password'), autocomplete: 'new-password', hint: '至少 10 位, 含大写字母、小写字母、数字、特殊字符中的三类' })}
          <div class="actions">${button('注册')}</div>` })}
        </section>
        <section class="card" aria-labelledby="reg-ent"><h2 id="reg-ent">法人注册</h2>
        ${errorSummary(g)}
        ${form({ action: '/register/enterprise', csrf: req.csrfToken, label: '法人注册', body: html`
          ${field({ name: 'name', label: '单位名称', required: true, value: state.kind === 'enterprise' ? v.name : '', error: errorFor(g, 'name') })}
          ${field({ name: 'uscc', label: '统一社会信用代码', required: true, value: state.kind === 'enterprise' ? v.uscc : '', error: errorFor(g, 'uscc'), maxLength: 18 })}
          ${field({ name: 'phone', label: '联系电话 (手机)', type: 'tel', required: true, value: state.kind === 'enterprise' ? v.phone : '', error: errorFor(g, 'phone'), maxLength: 11 })}
          ${field({ name: 'password', label: '口令', type: 'password', required: true, error: errorFor(g, 'password'), autocomplete: 'new-password', hint: '至少 10 位, 含大写字母、小写字母、数字、特殊字符中的三类' })}
          <div class="actions">${button('注册')}</div>` })}
        </section></div>`,
    });
  };

  app.get('/register', { config: { scope: 'public' } }, async (req, reply) => registerPage(req, reply, {}));

  for (const kind of ['citizen', 'enterprise'] as const) {
    app.post(`/register/${kind}`, { config: { scope: 'public' } }, async (req, reply) => {
      const values = (req.body ?? {}) as Record<string, string | undefined>;
      try {
        if (kind === 'citizen') await registerCitizen(req.ctx, parseInput(CitizenForm, values));
        else await registerEnterprise(req.ctx, parseInput(EnterpriseForm, values));
        return reply.flashRedirect('/login', { kind: 'success', text: '注册成功, 请登录。' });
      } catch (err) {
        if (!isAppError(err)) throw err;
        return registerPage(req, reply, { kind, values, fields: err.fields.length ? err.fields : [{ field: kind === 'citizen' ? 'idNumber' : 'uscc', message: err.message }], error: err.message, status: err.status });
      }
    });
  }

  app.get('/my', { config: { scope: 'authenticated' } }, async (req, reply) => {
    if (req.ctx.actor.kind === 'staff') return reply.redirect('/workbench', 303);
    const me = await getUser(req.ctx, { id: req.ctx.actor.userId! });
    return reply.page({
      title: '我的账号',
      shell: 'public',
      body: html`<dl class="facts">
        <dt>${me.kind === 'citizen' ? '姓名' : '单位名称'}</dt><dd>${me.displayName}</dd>
        ${me.kind === 'citizen' ? html`<dt>公民身份号码</dt><dd>${me.idNumber}</dd>` : html`<dt>统一社会信用代码</dt><dd>${me.uscc}</dd>`}
        <dt>手机号码</dt><dd>${me.phone}</dd><dt>注册时间</dt><dd>${new Date(me.createdAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' })}</dd></dl>
        <p class="hint">个人信息已脱敏显示。</p>
        <p><a href="/my/data-usage">数据使用记录: 我的信息被哪些部门、为何用途使用</a></p>`,
    });
  });

  app.get('/api/identity/me', {
    config: { scope: 'authenticated' },
    schema: {
      summary: '当前账号', tags: ['identity'],
      response: { 200: Type.Object({ id: Type.String(), kind: Type.String(), name: Type.String(), grants: Type.Array(Type.Object({ role: Type.String(), unitId: Type.String(), unitName: Type.String(), regionCode: Type.String(), scopes: Type.Array(Type.String()) })) }) },
    },
  }, async (req) => ({
    id: req.ctx.actor.userId!,
    kind: req.ctx.actor.kind,
    name: req.ctx.actor.name,
    grants: req.ctx.actor.grants.map((g) => ({ role: g.roleCode, unitId: g.unitId, unitName: g.unitName, regionCode: g.regionCode, scopes: [...g.scopes].sort() })),
  }));
}
