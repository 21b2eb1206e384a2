/**
 * Workbench pages of account management: list, create, detail with its actions, edit, and the
 * purpose-bound view of full personal data.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../../../platform/http/app.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { hasScope, regionPrefixesFor, type Ctx } from '../../../platform/context.ts';
import { isAppError, type FieldProblem } from '../../../platform/errors.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge, button, errorSummary, field, form, pagination, select, table, textarea } from '../../../platform/ui/components.ts';
import { listUnitsForPicker } from '../../directory/index.ts';
import { createStaffUser, getUser, listUsers, readPersonalData, resetPassword, resetTotp, setUserStatus, unlockUser, updateStaffUser, type UserPage, type UserView } from '../users.ts';
import { assignRole, listAssignments, removeAssignment, type AssignmentView } from '../assignments.ts';
import { listRoles, MLPS_LABELS } from '../roles.ts';
import { forceLogout, listSessions } from '../sessions.ts';
import {
  AssignmentForm, CreateStaffBody, EditUserForm, IdParams, PurposeBody, ResetPasswordBody, UnitPickerQuery, UserAssignmentParams, UserListQuery,
  USER_KIND_LABELS, USER_KINDS,
} from '../schemas.ts';
import { emptyState, errorFor, stateFlash, statusBadges, submitForm, time, usersCrumbs, type FormState } from './common.ts';

const UNIT_PICKER_LIMIT = 200;

type Query = Static<typeof UserListQuery>;

function listHref(q: Query, page?: number): string {
  const p = new URLSearchParams();
  if (q.kind) p.set('kind', q.kind);
  if (q.search) p.set('search', q.search);
  if (page && page > 1) p.set('page', String(page));
  const s = p.toString();
  return `/workbench/users${s ? `?${s}` : ''}`;
}

async function unitOptions(req: FastifyRequest, scope: string, search?: string): Promise<{ value: string; label: string }[]> {
  const units = await listUnitsForPicker(req.ctx, { regionPrefixes: regionPrefixesFor(req.ctx.actor, scope), search, limit: UNIT_PICKER_LIMIT });
  return units.map((u) => ({ value: u.id, label: `${u.name} (${u.regionCode})` }));
}

function unitFilterForm(action: string, search: string | undefined, count: number): SafeHtml {
  return form({
    action,
    method: 'get',
    csrf: '',
    className: 'filters',
    label: '筛选单位',
    body: html`${field({ name: 'unitSearch', label: '筛选单位', type: 'search', value: search, maxLength: 100, hint: count >= UNIT_PICKER_LIMIT ? `只列出前 ${UNIT_PICKER_LIMIT} 个单位, 请输入名称筛选` : '输入单位名称的一部分' })}
      <p class="actions">${button('筛选', { kind: 'secondary' })}</p>`,
  });
}

export function registerUserPages(app: App, services: PlatformServices): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  // ---- list

  r.get('/workbench/users', { config: { scope: 'identity.user.read' } }, async (req, reply) => {
    let q: Query = {};
    let errors: FieldProblem[] = [];
    let result: UserPage | null = null;
    try {
      q = parseInput(UserListQuery, req.query);
      result = await listUsers(req.ctx, q);
    } catch (err) {
      if (!isAppError(err) || err.status !== 400) throw err;
      errors = err.fields.length ? err.fields : [{ field: 'search', message: err.message }];
      q = {};
    }
    const canCreate = hasScope(req.ctx.actor, 'identity.user.write');
    return reply.page({
      title: '账号管理',
      status: errors.length ? 400 : 200,
      breadcrumbs: usersCrumbs(),
      body: html`<p>本辖区的工作人员与服务账号${regionPrefixesFor(req.ctx.actor, 'identity.user.read').some((p) => p.length <= 2) ? ', 以及自然人、法人账号' : ''}。个人信息已脱敏显示。</p>
        ${canCreate ? html`<p class="actions"><a class="btn btn-primary" href="/workbench/users/new">新建工作人员账号</a></p>` : ''}
        ${errorSummary(errors)}
        ${form({
          action: '/workbench/users',
          method: 'get',
          csrf: '',
          className: 'filters',
          label: '筛选账号',
          body: html`${field({ name: 'search', label: '检索', type: 'search', value: q.search, maxLength: 100, hint: '姓名的一部分, 或完整的登录名、身份号码、信用代码', error: errorFor(errors, 'search') })}
            ${select({ name: 'kind', label: '账号类型', placeholder: '全部', value: q.kind ?? '', options: USER_KINDS.map((k) => ({ value: k, label: USER_KIND_LABELS[k] })), error: errorFor(errors, 'kind') })}
            <p class="actions">${button('查询')} <a href="/workbench/users">清除条件</a></p>`,
        })}
        ${result ? table<UserView>({
          caption: '账号列表',
          empty: '没有符合条件的账号。',
          rows: result.items,
          columns: [
            { header: '姓名 / 名称', cell: (u) => html`<a href="/workbench/users/${u.id}">${u.displayName}</a>` },
            { header: '登录名', cell: (u) => html`<span class="mono">${u.loginName}</span>` },
            { header: '类型', cell: (u) => USER_KIND_LABELS[u.kind] },
            { header: '所属单位', cell: (u) => u.homeUnitName ?? '' },
            { header: '状态', cell: (u) => statusBadges(u) },
            { header: '动态口令', cell: (u) => (u.kind === 'staff' ? (u.totpEnabled ? badge('已启用', 'ok') : badge('未启用', 'muted')) : '') },
          ],
        }) : ''}
        ${result ? pagination({ page: result.page, pageSize: result.pageSize, total: result.total, hrefFor: (p) => listHref(q, p) }) : ''}`,
    });
  });

  // ---- create

  const newUserPage = async (req: FastifyRequest, reply: FastifyReply, state: FormState, unitSearch?: string) => {
    const units = await unitOptions(req, 'identity.user.write', unitSearch);
    const v = state.values;
    const f = state.fields;
    return reply.page({
      title: '新建工作人员账号',
      status: state.status,
      flash: stateFlash(state),
      breadcrumbs: usersCrumbs([{ label: '新建' }]),
      body: html`${unitFilterForm('/workbench/users/new', unitSearch, units.length)}
        ${errorSummary(f)}
        ${form({
          action: '/workbench/users',
          csrf: req.csrfToken,
          label: '新建工作人员账号',
          body: html`${field({ name: 'loginName', label: '登录名', required: true, value: v.loginName, error: errorFor(f, 'loginName'), maxLength: 32, autocomplete: 'off', hint: '3-32 位小写字母、数字、点、下划线或连字符, 以字母开头' })}
            ${field({ name: 'displayName', label: '姓名', required: true, value: v.displayName, error: errorFor(f, 'displayName'), maxLength: 50 })}
            ${field({ name: 'phone', label: '手机号码', type: 'tel', value: v.phone, error: errorFor(f, 'phone'), maxLength: 11, inputmode: 'numeric' })}
            ${field({ name: 'email', label: '电子邮箱', type: 'email', value: v.email, error: errorFor(f, 'email'), maxLength: 200 })}
            ${select({ name: 'homeUnitId', label: '所属单位', required: true, placeholder: units.length ? '请选择' : '没有可选的单位', value: v.homeUnitId, options: units, error: errorFor(f, 'homeUnitId') })}
            ${field({ name: 'password', label: '初始口令', type: 'password', required: true, error: errorFor(f, 'password'), autocomplete: 'new-password', hint: '至少 10 位, 含大写字母、小写字母、数字、特殊字符中的三类; 请线下告知本人并提醒其登录后修改' })}
            <p class="actions">${button('创建账号')} <a href="/workbench/users">取消</a></p>`,
        })}`,
    });
  };

  r.get('/workbench/users/new', { config: { scope: 'identity.user.write' }, schema: { querystring: UnitPickerQuery } }, async (req, reply) =>
    newUserPage(req, reply, emptyState, req.query.unitSearch));

  r.post('/workbench/users', { config: { scope: 'identity.user.write' } }, async (req, reply) =>
    submitForm(reply, async () => {
      const user = await createStaffUser(req.ctx, parseInput(CreateStaffBody, req.body));
      return reply.flashRedirect(`/workbench/users/${user.id}`, { kind: 'success', text: `已创建账号 ${user.loginName}。请将初始口令线下告知本人。` });
    }, (state) => newUserPage(req, reply, state), { body: req.body }));

  // ---- detail

  const detailPage = async (req: FastifyRequest, reply: FastifyReply, id: string, state: FormState) => {
    const actor = req.ctx.actor;
    const user = await getUser(req.ctx, { id });
    const managed = user.kind === 'staff' || user.kind === 'service';
    const self = actor.userId === user.id;
    const canWrite = hasScope(actor, 'identity.user.write');
    const canAssign = hasScope(actor, 'identity.assignment.write') && managed && !self;
    const assignments = managed ? await listAssignments(req.ctx, { userId: user.id }) : [];
    const sessions = await listSessions(req.ctx, { userId: user.id, idleMinutes: services.config.sessionIdleMinutes });
    const roles = canAssign ? (await listRoles(req.ctx)).filter((ro) => user.kind === 'staff' || !ro.mlpsAdmin) : [];
    const units = canAssign ? await unitOptions(req, 'identity.assignment.write') : [];
    const f = (formName: string) => (state.form === formName ? state.fields : []);
    const v = (formName: string) => (state.form === formName ? state.values : {});

    const facts = html`<dl class="facts">
      <dt>${user.kind === 'enterprise' || user.kind === 'service' ? '名称' : '姓名'}</dt><dd>${user.displayName}</dd>
      <dt>登录名</dt><dd class="mono">${user.loginName}</dd>
      <dt>账号类型</dt><dd>${USER_KIND_LABELS[user.kind]}</dd>
      ${user.kind === 'citizen' ? html`<dt>公民身份号码</dt><dd class="mono">${user.idNumber ?? ''}</dd>` : ''}
      ${user.kind === 'enterprise' ? html`<dt>统一社会信用代码</dt><dd class="mono">${user.uscc ?? ''}</dd>` : ''}
      <dt>手机号码</dt><dd class="mono">${user.phone ?? html`<span class="muted">未填写</span>`}</dd>
      ${managed ? html`<dt>电子邮箱</dt><dd>${user.email ?? html`<span class="muted">未填写</span>`}</dd><dt>所属单位</dt><dd>${user.homeUnitName ?? ''}</dd>` : ''}
      <dt>状态</dt><dd>${statusBadges(user)}</dd>
      ${user.kind === 'staff' ? html`<dt>动态口令</dt><dd>${user.totpEnabled ? badge('已启用', 'ok') : badge('未启用', 'muted')}</dd>` : ''}
      <dt>创建时间</dt><dd>${time(user.createdAt)}</dd>
    </dl>`;

    const personal = (user.kind === 'citizen' || user.kind === 'enterprise') && hasScope(actor, 'identity.person.read_full')
      ? html`<section aria-labelledby="pd-h"><h2 id="pd-h">查看完整信息</h2>
        <p>完整的身份号码和手机号码只在说明用途后显示一次; 每次查看连同用途记入审计日志。</p>
        ${errorSummary(f('personal'))}
        ${form({ action: `/workbench/users/${user.id}/personal-data`, csrf: req.csrfToken, label: '查看完整信息', body: html`
          ${textarea({ name: 'purpose', label: '用途', required: true, rows: 2, value: v('personal').purpose, error: errorFor(f('personal'), 'purpose') })}
          <p class="actions">${button('查看完整信息', { kind: 'secondary' })}</p>` })}</section>`
      : '';

    const actions: SafeHtml[] = [];
    if (canWrite && managed) actions.push(html`<a class="btn btn-secondary" href="/workbench/users/${user.id}/edit">修改信息</a>`);
    if (canWrite && !self) {
      actions.push(user.status === 'active'
        ? form({ action: `/workbench/users/${user.id}/disable`, csrf: req.csrfToken, className: 'inline', confirm: `确定停用账号“${user.displayName}”? 其所有会话将立即结束。`, body: button('停用账号', { kind: 'danger' }) })
        : form({ action: `/workbench/users/${user.id}/enable`, csrf: req.csrfToken, className: 'inline', body: button('启用账号', { kind: 'secondary' }) }));
      if (sessions.length) actions.push(form({ action: `/workbench/users/${user.id}/logout`, csrf: req.csrfToken, className: 'inline', confirm: '确定让该账号在所有设备上下线?', body: button('强制下线', { kind: 'danger' }) }));
    }
    if (hasScope(actor, 'identity.user.unlock') && user.locked) {
      actions.push(form({ action: `/workbench/users/${user.id}/unlock`, csrf: req.csrfToken, className: 'inline', body: button('解锁账号', { kind: 'secondary' }) }));
    }
    if (hasScope(actor, 'identity.user.unlock') && user.kind === 'staff' && user.totpEnabled && !self) {
      actions.push(form({ action: `/workbench/users/${user.id}/reset-totp`, csrf: req.csrfToken, className: 'inline', confirm: '确定重置该账号的动态口令? 请先核实本人身份。其所有会话将结束, 下次登录须重新绑定。', body: button('重置动态口令', { kind: 'danger' }) }));
    }
    const reset = canWrite && user.kind === 'staff' && !self
      ? html`<section aria-labelledby="reset-h"><h2 id="reset-h">重置口令</h2>
        ${errorSummary(f('reset'))}
        ${form({ action: `/workbench/users/${user.id}/reset-password`, csrf: req.csrfToken, label: '重置口令', confirm: '确定重置该账号的口令? 其所有会话将立即结束。', body: html`
          ${field({ name: 'newPassword', label: '新口令', type: 'password', required: true, autocomplete: 'new-password', error: errorFor(f('reset'), 'newPassword'), hint: '至少 10 位, 含三类字符; 请线下告知本人。动态口令不受影响。' })}
          <p class="actions">${button('重置口令', { kind: 'danger' })}</p>` })}</section>`
      : '';

    const assignmentSection = managed
      ? html`<section aria-labelledby="asg-h"><h2 id="asg-h">岗位授权</h2>
        ${table<AssignmentView>({
          caption: '岗位授权',
          empty: '尚无授权: 该账号没有任何权限。',
          rows: assignments,
          columns: [
            { header: '角色', cell: (a) => html`<a href="/workbench/roles/${a.roleId}">${a.roleName}</a>` },
            { header: '岗位所在单位', cell: (a) => html`${a.unitName} <span class="muted">${a.regionCode}</span>` },
            { header: '授权时间', cell: (a) => time(a.createdAt) },
            ...(canAssign ? [{ header: '操作', cell: (a: AssignmentView) => form({ action: `/workbench/users/${user.id}/assignments/${a.id}/delete`, csrf: req.csrfToken, className: 'inline', confirm: `确定撤销“${a.unitName} · ${a.roleName}”?`, body: button('撤销', { kind: 'danger' }) }) }] : []),
          ],
        })}
        ${self ? html`<p class="hint">不能修改自己的授权。</p>` : ''}
        ${canAssign ? html`${errorSummary(f('assign'))}${form({ action: `/workbench/users/${user.id}/assignments`, csrf: req.csrfToken, label: '授予岗位角色', body: html`
          ${select({ name: 'roleId', label: '角色', required: true, placeholder: '请选择', value: v('assign').roleId, error: errorFor(f('assign'), 'roleId'),
            options: roles.map((ro) => ({ value: ro.id, label: `${ro.name}${ro.mlpsAdmin ? ` (三员: ${MLPS_LABELS[ro.mlpsAdmin]})` : ''}` })) })}
          ${select({ name: 'unitId', label: '岗位所在单位', required: true, placeholder: '请选择', value: v('assign').unitId, error: errorFor(f('assign'), 'unitId'), options: units })}
          <p class="hint">权限以所选单位所在行政区划及其下辖区划为界。一个账号至多担任三员 (系统、安全、审计管理员) 之一。</p>
          <p class="actions">${button('授权')}</p>` })}` : ''}
        </section>`
      : '';

    const sessionSection = html`<section aria-labelledby="ses-h"><h2 id="ses-h">有效会话</h2>
      ${table({
        caption: '有效会话',
        empty: '当前没有有效会话。',
        rows: sessions,
        columns: [
          { header: '登录时间', cell: (s) => time(s.createdAt) },
          { header: '最近活动', cell: (s) => time(s.lastSeenAt) },
          { header: '登录 IP', cell: (s) => s.ip ?? '' },
          { header: '浏览器', cell: (s) => (s.userAgent ?? '').slice(0, 80) },
        ],
      })}</section>`;

    return reply.page({
      title: user.displayName,
      status: state.status,
      flash: stateFlash(state),
      breadcrumbs: usersCrumbs([{ label: user.displayName }]),
      body: html`${facts}
        ${actions.length ? html`<div class="actions">${actions}</div>` : ''}
        ${personal}${assignmentSection}${reset}${sessionSection}`,
    });
  };

  r.get('/workbench/users/:id', { config: { scope: 'identity.user.read' }, schema: { params: IdParams } }, async (req, reply) => detailPage(req, reply, req.params.id, emptyState));

  // ---- edit

  const editPage = async (req: FastifyRequest, reply: FastifyReply, id: string, state: FormState) => {
    const user = await getUser(req.ctx, { id });
    const editing = state.form === 'edit';
    const v = editing ? state.values : { displayName: user.displayName, email: user.email ?? undefined };
    const f = editing ? state.fields : [];
    return reply.page({
      title: `修改信息: ${user.displayName}`,
      status: state.status,
      flash: stateFlash(state),
      breadcrumbs: usersCrumbs([{ label: user.displayName, href: `/workbench/users/${user.id}` }, { label: '修改信息' }]),
      body: html`${errorSummary(f)}
        ${form({ action: `/workbench/users/${user.id}/edit`, csrf: req.csrfToken, label: '修改账号信息', body: html`
          ${field({ name: 'displayName', label: user.kind === 'service' ? '系统名称' : '姓名', required: true, value: v.displayName, error: errorFor(f, 'displayName'), maxLength: 50 })}
          ${field({ name: 'phone', label: '手机号码', type: 'tel', value: v.phone, error: errorFor(f, 'phone'), maxLength: 11, inputmode: 'numeric', hint: user.phone ? `当前为 ${user.phone}; 留空将清除, 如不修改请重新输入` : '留空表示不填写' })}
          ${field({ name: 'email', label: '电子邮箱', type: 'email', value: v.email, error: errorFor(f, 'email'), maxLength: 200, hint: '留空将清除' })}
          <p class="actions">${button('保存')} <a href="/workbench/users/${user.id}">取消</a></p>` })}`,
    });
  };

  r.get('/workbench/users/:id/edit', { config: { scope: 'identity.user.write' }, schema: { params: IdParams } }, async (req, reply) => editPage(req, reply, req.params.id, emptyState));

  r.post('/workbench/users/:id/edit', { config: { scope: 'identity.user.write' }, schema: { params: IdParams } }, async (req, reply) =>
    submitForm(reply, async () => {
      const input = parseInput(EditUserForm, req.body);
      await updateStaffUser(req.ctx, { id: req.params.id, displayName: input.displayName, phone: input.phone ?? null, email: input.email ?? null });
      return reply.flashRedirect(`/workbench/users/${req.params.id}`, { kind: 'success', text: '账号信息已保存。' });
    }, (state) => editPage(req, reply, req.params.id, state), { form: 'edit', body: req.body }));

  // ---- actions

  /** A POST form on the detail page: run it, then back to the page with a message (or the page with the problems). */
  const action = (path: string, scope: string, run: (ctx: Ctx, id: string, body: unknown) => Promise<string>, formName?: string) =>
    r.post(`/workbench/users/:id/${path}`, { config: { scope }, schema: { params: IdParams } }, async (req, reply) =>
      submitForm(reply, async () => reply.flashRedirect(`/workbench/users/${req.params.id}`, { kind: 'success', text: await run(req.ctx, req.params.id, req.body) }),
        (state) => detailPage(req, reply, req.params.id, state), { form: formName, body: req.body }));

  action('disable', 'identity.user.write', async (ctx, id) => {
    await setUserStatus(ctx, { id, status: 'disabled' });
    return '账号已停用, 其所有会话已结束。';
  });
  action('enable', 'identity.user.write', async (ctx, id) => {
    await setUserStatus(ctx, { id, status: 'active' });
    return '账号已启用。';
  });
  action('unlock', 'identity.user.unlock', async (ctx, id) => {
    await unlockUser(ctx, { id });
    return '账号已解锁。';
  });
  action('reset-totp', 'identity.user.unlock', async (ctx, id) => {
    await resetTotp(ctx, { id });
    return '动态口令已重置, 其所有会话已结束; 该账号下次登录时须重新绑定。';
  });
  action('logout', 'identity.user.write', async (ctx, id) => `已结束该账号的 ${await forceLogout(ctx, { userId: id })} 个会话。`);
  action('reset-password', 'identity.user.write', async (ctx, id, body) => {
    const input = parseInput(ResetPasswordBody, body);
    await resetPassword(ctx, { id, newPassword: input.newPassword });
    return '口令已重置, 其所有会话已结束。请将新口令线下告知本人。';
  }, 'reset');
  action('assignments', 'identity.assignment.write', async (ctx, id, body) => {
    const input = parseInput(AssignmentForm, body);
    const a = await assignRole(ctx, { userId: id, roleId: input.roleId, unitId: input.unitId });
    return `已授予“${a.unitName} · ${a.roleName}”。`;
  }, 'assign');

  r.post('/workbench/users/:id/assignments/:assignmentId/delete', { config: { scope: 'identity.assignment.write' }, schema: { params: UserAssignmentParams } }, async (req, reply) =>
    submitForm(reply, async () => {
      const mine = (await listAssignments(req.ctx, { userId: req.params.id })).some((a) => a.id === req.params.assignmentId);
      if (!mine) return reply.flashRedirect(`/workbench/users/${req.params.id}`, { kind: 'error', text: '该授权不存在或已撤销。' });
      await removeAssignment(req.ctx, { assignmentId: req.params.assignmentId });
      return reply.flashRedirect(`/workbench/users/${req.params.id}`, { kind: 'success', text: '授权已撤销。' });
    }, (state) => detailPage(req, reply, req.params.id, state), { body: req.body }));

  // ---- full personal data, once

  r.post('/workbench/users/:id/personal-data', { config: { scope: 'identity.person.read_full' }, schema: { params: IdParams } }, async (req, reply) =>
    submitForm(reply, async () => {
      const input = parseInput(PurposeBody, req.body);
      const user = await getUser(req.ctx, { id: req.params.id });
      const data = await readPersonalData(req.ctx, { id: req.params.id, purpose: input.purpose });
      return reply.page({
        title: `完整信息: ${data.displayName}`,
        breadcrumbs: usersCrumbs([{ label: user.displayName, href: `/workbench/users/${user.id}` }, { label: '完整信息' }]),
        body: html`<p class="flash flash-info" role="status">本次查看已连同用途记入审计日志。此页面不会被缓存, 请勿截屏、拍照或转存。</p>
          <dl class="facts">
            <dt>${user.kind === 'enterprise' ? '名称' : '姓名'}</dt><dd>${data.displayName}</dd>
            ${data.idNumber ? html`<dt>公民身份号码</dt><dd class="mono">${data.idNumber}</dd>` : ''}
            ${data.uscc ? html`<dt>统一社会信用代码</dt><dd class="mono">${data.uscc}</dd>` : ''}
            <dt>手机号码</dt><dd class="mono">${data.phone ?? '未填写'}</dd>
            <dt>查看用途</dt><dd>${input.purpose}</dd>
          </dl>
          <p><a href="/workbench/users/${user.id}">返回账号页面</a></p>`,
      });
    }, (state) => detailPage(req, reply, req.params.id, state), { form: 'personal', body: req.body }));
}
