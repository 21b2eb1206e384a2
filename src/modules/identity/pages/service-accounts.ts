/**
 * Workbench pages for service accounts of member systems and their API keys. A new key is shown
 * once, on the page that answers the issuing POST, and never again.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../../../platform/http/app.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { hasScope, regionPrefixesFor } from '../../../platform/context.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import { html } from '../../../platform/ui/html.ts';
import { badge, button, errorSummary, field, form, pagination, select, table } from '../../../platform/ui/components.ts';
import { listUnitsForPicker } from '../../directory/index.ts';
import { createServiceAccount, getServiceAccount, listServiceAccounts, type UserView } from '../users.ts';
import { issueApiKey, listApiKeys, revokeApiKey, type ApiKeyView } from '../sessions.ts';
import { listAssignments } from '../assignments.ts';
import { CreateServiceAccountBody, IdParams, IssueKeyBody, ServiceAccountListQuery, ServiceKeyParams } from '../schemas.ts';
import { emptyState, errorFor, stateFlash, statusBadges, submitForm, time, type FormState } from './common.ts';

const SCOPE = 'identity.service_account.manage';
const crumbs = (last?: { label: string; href?: string }[]) => [{ label: '工作台', href: '/workbench' }, { label: '服务账号', href: '/workbench/service-accounts' }, ...(last ?? [])];
const KEY_STATUS: Record<ApiKeyView['status'], [string, 'ok' | 'warn' | 'muted']> = { active: ['有效', 'ok'], expired: ['已过期', 'muted'], revoked: ['已吊销', 'warn'] };

export function registerServiceAccountPages(app: App, _services: PlatformServices): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  const listPage = async (req: FastifyRequest, reply: FastifyReply, state: FormState, query: { search?: string; page?: number } = {}) => {
    const result = await listServiceAccounts(req.ctx, query);
    const units = await listUnitsForPicker(req.ctx, { regionPrefixes: regionPrefixesFor(req.ctx.actor, SCOPE), limit: 200 });
    const v = state.values;
    const f = state.fields;
    return reply.page({
      title: '服务账号',
      status: state.status,
      flash: stateFlash(state),
      breadcrumbs: crumbs(),
      body: html`<p>业务系统通过服务账号调用平台接口, 以 API 密钥认证 (<code>Authorization: Bearer …</code>)。服务账号没有口令, 不能登录工作台; 其权限由安全管理员在账号页面授予。</p>
        ${table<UserView>({
          caption: '服务账号列表',
          empty: '本辖区尚无服务账号。',
          rows: result.items,
          columns: [
            { header: '系统名称', cell: (u) => html`<a href="/workbench/service-accounts/${u.id}">${u.displayName}</a>` },
            { header: '登录名', cell: (u) => html`<span class="mono">${u.loginName}</span>` },
            { header: '所属单位', cell: (u) => u.homeUnitName ?? '' },
            { header: '状态', cell: (u) => statusBadges(u) },
          ],
        })}
        ${pagination({ page: result.page, pageSize: result.pageSize, total: result.total, hrefFor: (p) => `/workbench/service-accounts?page=${p}` })}
        <section aria-labelledby="new-sa-h"><h2 id="new-sa-h">新建服务账号</h2>
        ${errorSummary(f)}
        ${form({
          action: '/workbench/service-accounts',
          csrf: req.csrfToken,
          label: '新建服务账号',
          body: html`${field({ name: 'loginName', label: '登录名', required: true, value: v.loginName, error: errorFor(f, 'loginName'), maxLength: 32, hint: '3-32 位小写字母、数字、点、下划线或连字符, 以字母开头, 如 tax-gateway' })}
            ${field({ name: 'displayName', label: '系统名称', required: true, value: v.displayName, error: errorFor(f, 'displayName'), maxLength: 50 })}
            ${select({ name: 'homeUnitId', label: '所属单位', required: true, placeholder: units.length ? '请选择' : '没有可选的单位', value: v.homeUnitId, error: errorFor(f, 'homeUnitId'), options: units.map((u) => ({ value: u.id, label: `${u.name} (${u.regionCode})` })) })}
            ${field({ name: 'email', label: '联系邮箱', type: 'email', value: v.email, error: errorFor(f, 'email'), maxLength: 200 })}
            <p class="actions">${button('创建服务账号')}</p>`,
        })}</section>`,
    });
  };

  r.get('/workbench/service-accounts', { config: { scope: SCOPE }, schema: { querystring: ServiceAccountListQuery } }, async (req, reply) => listPage(req, reply, emptyState, req.query));

  r.post('/workbench/service-accounts', { config: { scope: SCOPE } }, async (req, reply) =>
    submitForm(reply, async () => {
      const sa = await createServiceAccount(req.ctx, parseInput(CreateServiceAccountBody, req.body));
      return reply.flashRedirect(`/workbench/service-accounts/${sa.id}`, { kind: 'success', text: `已创建服务账号 ${sa.loginName}。下一步: 签发 API 密钥, 并请安全管理员授予所需角色。` });
    }, (state) => listPage(req, reply, state), { body: req.body }));

  const detailPage = async (req: FastifyRequest, reply: FastifyReply, id: string, state: FormState) => {
    const sa = await getServiceAccount(req.ctx, { id });
    const keys = await listApiKeys(req.ctx, { serviceUserId: sa.id });
    const assignments = await listAssignments(req.ctx, { userId: sa.id });
    const f = state.fields;
    const v = state.values;
    return reply.page({
      title: sa.displayName,
      status: state.status,
      flash: stateFlash(state),
      breadcrumbs: crumbs([{ label: sa.displayName }]),
      body: html`<dl class="facts">
          <dt>登录名</dt><dd class="mono">${sa.loginName}</dd>
          <dt>所属单位</dt><dd>${sa.homeUnitName ?? ''}</dd>
          <dt>状态</dt><dd>${statusBadges(sa)}</dd>
          <dt>岗位授权</dt><dd>${assignments.length ? assignments.map((a) => html`${a.unitName} · ${a.roleName}<br>`) : html`<span class="muted">尚无授权 (没有任何权限)</span>`}</dd>
        </dl>
        ${hasScope(req.ctx.actor, 'identity.user.read') ? html`<p><a href="/workbench/users/${sa.id}">在账号页面管理授权与状态</a></p>` : ''}
        <section aria-labelledby="keys-h"><h2 id="keys-h">API 密钥</h2>
        ${table<ApiKeyView>({
          caption: 'API 密钥',
          empty: '尚未签发 API 密钥。',
          rows: keys,
          columns: [
            { header: '用途', cell: (k) => k.name },
            { header: '前缀', cell: (k) => html`<span class="mono">egov_${k.prefix}_…</span>` },
            { header: '签发时间', cell: (k) => time(k.createdAt) },
            { header: '过期时间', cell: (k) => (k.expiresAt ? time(k.expiresAt) : '长期') },
            { header: '最近使用', cell: (k) => time(k.lastUsedAt) },
            { header: '状态', cell: (k) => badge(KEY_STATUS[k.status][0], KEY_STATUS[k.status][1]) },
            {
              header: '操作',
              cell: (k) => (k.status === 'revoked' ? '' : form({ action: `/workbench/service-accounts/${sa.id}/keys/${k.id}/revoke`, csrf: req.csrfToken, className: 'inline', confirm: `确定吊销密钥“${k.name}”? 使用它的业务系统将立即无法调用接口。`, body: button('吊销', { kind: 'danger' }) })),
            },
          ],
        })}
        <h3>签发新密钥</h3>
        ${errorSummary(f)}
        ${form({
          action: `/workbench/service-accounts/${sa.id}/keys`,
          csrf: req.csrfToken,
          label: '签发 API 密钥',
          body: html`${field({ name: 'name', label: '密钥用途', required: true, value: v.name, error: errorFor(f, 'name'), maxLength: 100, hint: '如: 税务系统生产环境' })}
            ${field({ name: 'expiresAt', label: '过期日期', type: 'date', value: v.expiresAt, error: errorFor(f, 'expiresAt'), hint: '不填则长期有效; 建议不超过一年' })}
            <p class="actions">${button('签发密钥')}</p>`,
        })}</section>`,
    });
  };

  r.get('/workbench/service-accounts/:id', { config: { scope: SCOPE }, schema: { params: IdParams } }, async (req, reply) => detailPage(req, reply, req.params.id, emptyState));

  r.post('/workbench/service-accounts/:id/keys', { config: { scope: SCOPE }, schema: { params: IdParams } }, async (req, reply) =>
    submitForm(reply, async () => {
      const input = parseInput(IssueKeyBody, req.body);
      const sa = await getServiceAccount(req.ctx, { id: req.params.id });
      const issued = await issueApiKey(req.ctx, { serviceUserId: sa.id, name: input.name, expiresAt: input.expiresAt });
      return reply.page({
        title: '新的 API 密钥',
        breadcrumbs: crumbs([{ label: sa.displayName, href: `/workbench/service-accounts/${sa.id}` }, { label: '新的 API 密钥' }]),
        body: html`<div class="flash flash-error" role="alert">密钥只显示这一次。平台只保存其摘要, 无法再次查看; 遗失后只能吊销并重新签发。请立即复制并交给业务系统的负责人, 通过安全渠道传递。</div>
          <dl class="facts">
            <dt>服务账号</dt><dd>${sa.displayName} (<span class="mono">${sa.loginName}</span>)</dd>
            <dt>用途</dt><dd>${input.name}</dd>
            <dt>过期时间</dt><dd>${issued.expiresAt ? time(issued.expiresAt) : '长期有效'}</dd>
            <dt>API 密钥</dt><dd><code class="mono" id="api-key">${issued.key}</code></dd>
          </dl>
          <p>调用方式: 请求头 <code>Authorization: Bearer &lt;密钥&gt;</code>。</p>
          <p><a href="/workbench/service-accounts/${sa.id}">我已保存, 返回服务账号</a></p>`,
      });
    }, (state) => detailPage(req, reply, req.params.id, state), { body: req.body }));

  r.post('/workbench/service-accounts/:id/keys/:keyId/revoke', { config: { scope: SCOPE }, schema: { params: ServiceKeyParams } }, async (req, reply) =>
    submitForm(reply, async () => {
      await revokeApiKey(req.ctx, { keyId: req.params.keyId, serviceUserId: req.params.id });
      return reply.flashRedirect(`/workbench/service-accounts/${req.params.id}`, { kind: 'success', text: '密钥已吊销, 立即失效。' });
    }, (state) => detailPage(req, reply, req.params.id, state), { body: req.body }));
}
