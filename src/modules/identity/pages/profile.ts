/**
 * The staff member's own settings: password, second factor status, roles and live sessions.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../platform/http/app.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { badRequest, forbidden } from '../../../platform/errors.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import { html } from '../../../platform/ui/html.ts';
import { badge, button, errorSummary, field, form, table } from '../../../platform/ui/components.ts';
import { getUser } from '../users.ts';
import { changeOwnPassword, listSessions, logoutOtherSessions, type SessionView } from '../sessions.ts';
import { ChangePasswordForm } from '../schemas.ts';
import { emptyState, errorFor, stateFlash, submitForm, time, type FormState } from './common.ts';

export function registerProfilePages(app: App, services: PlatformServices): void {
  const profilePage = async (req: FastifyRequest, reply: FastifyReply, state: FormState) => {
    const actor = req.ctx.actor;
    if (!actor.userId) throw forbidden();
    const me = await getUser(req.ctx, { id: actor.userId });
    const sessions = await listSessions(req.ctx, { userId: me.id, idleMinutes: services.config.sessionIdleMinutes });
    const f = state.fields;
    return reply.page({
      title: '个人设置',
      status: state.status,
      flash: stateFlash(state),
      breadcrumbs: [{ label: '工作台', href: '/workbench' }, { label: '个人设置' }],
      body: html`<dl class="facts">
          <dt>姓名</dt><dd>${me.displayName}${me.isDemo ? html` ${badge('演示数据', 'demo')}` : ''}</dd>
          <dt>登录名</dt><dd class="mono">${me.loginName}</dd>
          <dt>所属单位</dt><dd>${me.homeUnitName ?? ''}</dd>
          <dt>动态口令</dt><dd>${me.totpEnabled ? badge('已启用', 'ok') : html`${badge('未启用', 'muted')} <span class="hint">担任须双因素认证的岗位时, 登录时会要求绑定。</span>`}</dd>
          <dt>我的岗位</dt><dd>${actor.grants.length ? actor.grants.map((g) => html`${g.unitName} · ${g.roleName}<br>`) : html`<span class="muted">尚无授权</span>`}</dd>
        </dl>
        <section aria-labelledby="pw-h"><h2 id="pw-h">修改口令</h2>
        ${errorSummary(f)}
        ${form({
          action: '/workbench/profile/password',
          csrf: req.csrfToken,
          label: '修改口令',
          body: html`${field({ name: 'currentPassword', label: '当前口令', type: 'password', required: true, autocomplete: 'current-password', error: errorFor(f, 'currentPassword') })}
            ${field({ name: 'newPassword', label: '新口令', type: 'password', required: true, autocomplete: 'new-password', error: errorFor(f, 'newPassword'), hint: '至少 10 位, 含大写字母、小写字母、数字、特殊字符中的三类, 不能包含登录名' })}
            ${field({ name: 'confirmPassword', label: '确认新口令', type: 'password', required: true, autocomplete: 'new-password', error: errorFor(f, 'confirmPassword') })}
            <p class="actions">${button('修改口令')}</p>`,
        })}
        <p class="hint">修改口令后, 您在其他设备上的会话将结束。</p></section>
        <section aria-labelledby="ses-h"><h2 id="ses-h">我的会话</h2>
        ${table<SessionView>({
          caption: '有效会话',
          rows: sessions,
          columns: [
            { header: '登录时间', cell: (s) => html`${time(s.createdAt)}${s.id === req.sessionId ? html` ${badge('当前会话', 'ok')}` : ''}` },
            { header: '最近活动', cell: (s) => time(s.lastSeenAt) },
            { header: '登录 IP', cell: (s) => s.ip ?? '' },
            { header: '浏览器', cell: (s) => (s.userAgent ?? '').slice(0, 80) },
          ],
        })}
        ${sessions.some((s) => s.id !== req.sessionId)
          ? form({ action: '/workbench/profile/sessions/revoke-others', csrf: req.csrfToken, className: 'inline', confirm: '确定结束您在其他设备上的所有会话?', body: button('退出其他所有会话', { kind: 'danger' }) })
          : ''}</section>`,
    });
  };

  app.get('/workbench/profile', { config: { scope: 'staff' } }, async (req, reply) => profilePage(req, reply, emptyState));

  app.post('/workbench/profile/password', { config: { scope: 'staff' } }, async (req, reply) =>
    submitForm(reply, async () => {
      const input = parseInput(ChangePasswordForm, req.body);
      if (input.newPassword !== input.confirmPassword) throw badRequest('password_mismatch', '两次输入的新口令不一致', [{ field: 'confirmPassword', message: '两次输入的新口令不一致' }]);
      await changeOwnPassword(req.ctx, { currentPassword: input.currentPassword, newPassword: input.newPassword, keepSessionId: req.sessionId });
      return reply.flashRedirect('/workbench/profile', { kind: 'success', text: '口令已修改, 其他设备上的会话已结束。' });
    }, (state) => profilePage(req, reply, state), { body: req.body }));

  app.post('/workbench/profile/sessions/revoke-others', { config: { scope: 'staff' } }, async (req, reply) => {
    if (!req.sessionId) throw forbidden('只有通过登录会话才能执行此操作。');
    const n = await logoutOtherSessions(req.ctx, { keepSessionId: req.sessionId });
    return reply.flashRedirect('/workbench/profile', { kind: 'success', text: `已结束 ${n} 个其他会话。` });
  });
}
