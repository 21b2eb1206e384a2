/**
 * Workbench pages of role management: list, create, view or edit (built-in roles are read-only).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../../../platform/http/app.ts';
import type { PlatformServices, ScopeDefinition } from '../../../platform/module.ts';
import { hasScope } from '../../../platform/context.ts';
import { notFound } from '../../../platform/errors.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge, button, checkbox, errorSummary, field, form, table, textarea } from '../../../platform/ui/components.ts';
import { createRole, getRole, isReservedScope, listRoles, MLPS_LABELS, updateRole, type Role } from '../roles.ts';
import { CreateRoleBody, IdParams, UpdateRoleBody } from '../schemas.ts';
import { emptyState, errorFor, scopeLabel, scopesByModule, stateFlash, submitForm, type FormState } from './common.ts';

const crumbs = (last?: { label: string; href?: string }[]) => [{ label: '工作台', href: '/workbench' }, { label: '角色管理', href: '/workbench/roles' }, ...(last ?? [])];

/** Form posts carry `scopes` once per ticked box; a single box arrives as a string. */
function formValues(body: unknown): Record<string, unknown> {
  const b = { ...((body ?? {}) as Record<string, unknown>) };
  if (typeof b.scopes === 'string') b.scopes = [b.scopes];
  return b;
}

function mlpsBadge(role: Role): SafeHtml | string {
  return role.mlpsAdmin ? badge(`三员: ${MLPS_LABELS[role.mlpsAdmin]}`, 'warn') : '';
}

function scopeCheckboxes(all: ScopeDefinition[], checked: string[], error?: string): SafeHtml {
  const groups = scopesByModule(all.filter((s) => !isReservedScope(s.name)));
  const reserved = all.filter((s) => isReservedScope(s.name));
  return html`<fieldset id="f-scopes" class="field${error ? ' field-error' : ''}"><legend>权限范围</legend>
    ${error ? html`<p class="error-text">${error}</p>` : ''}
    ${groups.map((g) => html`<fieldset><legend>${g.label}</legend>${g.scopes.map((s) => checkbox({ name: 'scopes', value: s.name, label: `${s.description} (${s.name})`, checked: checked.includes(s.name) }))}</fieldset>`)}
    ${reserved.length ? html`<p class="hint">以下权限只属于三员内置角色, 不能放入自定义角色: ${reserved.map((s) => s.description).join('、')}。</p>` : ''}
  </fieldset>`;
}

export function registerRolePages(app: App, services: PlatformServices): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const knownScopes = () => services.scopes.map((s) => s.name);

  r.get('/workbench/roles', { config: { scope: 'identity.role.read' } }, async (req, reply) => {
    const roles = await listRoles(req.ctx);
    return reply.page({
      title: '角色管理',
      breadcrumbs: crumbs(),
      body: html`<p>角色是一组权限范围; 授权时再指定单位, 权限以该单位所在行政区划及其下辖区划为界。内置角色的权限固定; 三员 (系统、安全、审计管理员) 互相分立, 一个账号至多担任其一。</p>
        ${hasScope(req.ctx.actor, 'identity.role.write') ? html`<p class="actions"><a class="btn btn-primary" href="/workbench/roles/new">新建角色</a></p>` : ''}
        ${table<Role>({
          caption: '角色列表',
          rows: roles,
          columns: [
            { header: '角色', cell: (ro) => html`<a href="/workbench/roles/${ro.id}">${ro.name}</a> <span class="muted mono">${ro.code}</span>` },
            { header: '类别', cell: (ro) => html`${ro.builtin ? badge('内置', 'muted') : badge('自定义', 'ok')} ${mlpsBadge(ro)}${ro.requiresMfa ? html` ${badge('须双因素', 'muted')}` : ''}` },
            { header: '权限范围', cell: (ro) => (ro.scopes.length ? html`<ul>${ro.scopes.map((s) => html`<li>${scopeLabel(services.scopes, s)}</li>`)}</ul>` : html`<span class="muted">无</span>`) },
          ],
        })}`,
    });
  });

  const rolePage = async (req: FastifyRequest, reply: FastifyReply, role: Role | null, state: FormState) => {
    const editable = hasScope(req.ctx.actor, 'identity.role.write') && (!role || !role.builtin);
    const rawScopes = (state.form === 'role' ? state.rawScopes : undefined) ?? role?.scopes ?? [];
    const v = state.form === 'role' ? state.values : { code: role?.code, name: role?.name, description: role?.description, requiresMfa: role?.requiresMfa ? 'true' : undefined };
    const f = state.form === 'role' ? state.fields : [];
    const title = role ? `角色: ${role.name}` : '新建角色';
    if (role && !editable) {
      return reply.page({
        title,
        status: state.status,
        flash: stateFlash(state),
        breadcrumbs: crumbs([{ label: role.name }]),
        body: html`<dl class="facts">
            <dt>角色代码</dt><dd class="mono">${role.code}</dd>
            <dt>说明</dt><dd>${role.description || html`<span class="muted">无</span>`}</dd>
            <dt>类别</dt><dd>${role.builtin ? badge('内置 (权限固定, 不可修改)', 'muted') : badge('自定义', 'ok')} ${mlpsBadge(role)}</dd>
            <dt>双因素认证</dt><dd>${role.requiresMfa ? '担任此角色须启用动态口令' : '不要求'}</dd>
          </dl>
          <h2>权限范围</h2>
          ${role.scopes.length ? html`<ul>${role.scopes.map((s) => html`<li>${scopeLabel(services.scopes, s)} <span class="muted mono">${s}</span></li>`)}</ul>` : html`<p class="empty">无</p>`}`,
      });
    }
    return reply.page({
      title,
      status: state.status,
      flash: stateFlash(state),
      breadcrumbs: crumbs([{ label: role ? role.name : '新建' }]),
      body: html`${errorSummary(f)}
        ${form({
          action: role ? `/workbench/roles/${role.id}` : '/workbench/roles',
          csrf: req.csrfToken,
          label: title,
          body: html`${role
              ? html`<p>角色代码: <span class="mono">${role.code}</span> (不可修改)</p>`
              : field({ name: 'code', label: '角色代码', required: true, value: v.code, error: errorFor(f, 'code'), maxLength: 40, hint: '2-40 位小写字母、数字或下划线, 以字母开头; 创建后不可修改' })}
            ${field({ name: 'name', label: '角色名称', required: true, value: v.name, error: errorFor(f, 'name'), maxLength: 50 })}
            ${textarea({ name: 'description', label: '说明', value: v.description, error: errorFor(f, 'description'), rows: 2 })}
            ${checkbox({ name: 'requiresMfa', value: 'true', label: '担任此角色须启用动态口令 (双因素认证)', checked: v.requiresMfa === 'true' })}
            ${scopeCheckboxes(services.scopes, rawScopes, errorFor(f, 'scopes'))}
            <p class="actions">${button(role ? '保存' : '创建角色')} <a href="/workbench/roles">取消</a></p>`,
        })}`,
    });
  };

  r.get('/workbench/roles/new', { config: { scope: 'identity.role.write' } }, async (req, reply) => rolePage(req, reply, null, emptyState));

  r.post('/workbench/roles', { config: { scope: 'identity.role.write' } }, async (req, reply) =>
    submitForm(reply, async () => {
      const input = parseInput(CreateRoleBody, formValues(req.body));
      const role = await createRole(req.ctx, { ...input, scopes: input.scopes ?? [], knownScopes: knownScopes() });
      return reply.flashRedirect(`/workbench/roles/${role.id}`, { kind: 'success', text: `已创建角色“${role.name}”。` });
    }, (state) => rolePage(req, reply, null, { ...state, rawScopes: scopesOf(req.body) }), { form: 'role', body: req.body }));

  const loadRole = async (req: FastifyRequest, id: string) => {
    const role = await getRole(req.ctx, { id });
    if (!role) throw notFound('role_not_found', '角色不存在');
    return role;
  };

  r.get('/workbench/roles/:id', { config: { scope: 'identity.role.read' }, schema: { params: IdParams } }, async (req, reply) =>
    rolePage(req, reply, await loadRole(req, req.params.id), emptyState));

  r.post('/workbench/roles/:id', { config: { scope: 'identity.role.write' }, schema: { params: IdParams } }, async (req, reply) => {
    const role = await loadRole(req, req.params.id);
    return submitForm(reply, async () => {
      const input = parseInput(UpdateRoleBody, formValues(req.body));
      await updateRole(req.ctx, { id: role.id, ...input, scopes: input.scopes ?? [], knownScopes: knownScopes() });
      return reply.flashRedirect(`/workbench/roles/${role.id}`, { kind: 'success', text: '角色已保存, 对持有该角色的账号立即生效。' });
    }, (state) => rolePage(req, reply, role, { ...state, rawScopes: scopesOf(req.body) }), { form: 'role', body: req.body });
  });
}

function scopesOf(body: unknown): string[] {
  const s = (body as Record<string, unknown> | undefined)?.scopes;
  return Array.isArray(s) ? s.filter((x): x is string => typeof x === 'string') : typeof s === 'string' ? [s] : [];
}
