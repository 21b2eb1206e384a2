/**
 * Workbench pages of exchange administration: members (the data authority registers the
 * institutions, tied to directory units), subsystems (the data authority, or a unit's own resource
 * managers for their unit), a subsystem's credentials (issue an HMAC-SM3 key — its secret is shown
 * on the answer page once and never again; register an SM2 public key; revoke), and groups.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { badge, button, errorSummary, field, form, select, table, textarea } from '../../../platform/ui/components.ts';
import { formatChinaTime } from '../../../platform/ui/time.ts';
import { hasScope, regionPrefixesFor, regionVisible } from '../../../platform/context.ts';
import { forbidden, type FieldProblem } from '../../../platform/errors.ts';
import { parseInput } from '../../../platform/http/validation.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { listUnitsForPicker } from '../../directory/index.ts';
import { MEMBER_CLASSES, MEMBER_CLASS_LABELS, SCOPES } from '../model.ts';
import { GroupBody, GroupMemberBody, IdParams, KeyIdParams, MemberBody, Sm2Body, SubsystemBody, SubsystemStatusBody } from '../schemas-catalog.ts';
import {
  actsForMember, addToGroup, createGroup, createMember, createSubsystem, getSubsystem, issueHmacCredential, listGroups, listMembers, registerSm2Credential, revokeCredential,
  setSubsystemStatus, type CredentialView, type GroupView, type MemberView, type SubsystemView,
} from '../services/members.ts';
import { canManageSubsystem, credentialsOf, subsystemsFor } from '../services/applications.ts';
import { DEMO_BADGE, EXCHANGE_BASE as BASE, errorMap, exchangeCrumbs as crumbs, formValues, isUserError } from './catalog.ts';

const time = (s: string | null) => (s ? formatChinaTime(s).slice(0, 16) : '—');

async function renderMembers(req: FastifyRequest, reply: FastifyReply, state: { errors?: FieldProblem[]; values?: Record<string, string>; status?: number } = {}): Promise<FastifyReply> {
  const q = (req.query as Record<string, string | undefined>).q;
  const members = (await listMembers(req.ctx, { q })).filter((m) => regionVisible(req.ctx.actor, SCOPES.memberManage, m.regionCode));
  const units = await listUnitsForPicker(req.ctx, { regionPrefixes: regionPrefixesFor(req.ctx.actor, SCOPES.memberManage), limit: 5000 });
  const errs = errorMap(state.errors ?? []);
  const v = state.values ?? {};
  return reply.page({
    title: '交换成员',
    breadcrumbs: crumbs({ label: '交换成员' }),
    status: state.status,
    body: html`${form({ action: `${BASE}/members`, method: 'get', csrf: req.csrfToken, className: 'filters', label: '检索成员', body: html`${field({ name: 'q', label: '名称或代码', type: 'search', value: q })}<div class="actions">${button('检索')}</div>` })}
      ${table<MemberView>({
        caption: `交换成员 (共 ${members.length} 个)`,
        rows: members,
        empty: '尚无交换成员。',
        columns: [
          { header: '类别', cell: (m) => m.memberClassLabel },
          { header: '成员代码', cell: (m) => html`<code>${m.memberClass}/${m.memberCode}</code>` },
          { header: '名称', cell: (m) => html`<a href="${BASE}/systems?memberId=${m.id}">${m.name}</a>${m.isDemo ? html` ${DEMO_BADGE()}` : ''}` },
          { header: '行政区划', cell: (m) => m.regionCode },
          { header: '接入时间', cell: (m) => time(m.createdAt) },
        ],
      })}
      <section aria-labelledby="new-h"><h2 id="new-h">登记成员</h2>${errorSummary(state.errors ?? [])}${form({
        action: `${BASE}/members`,
        csrf: req.csrfToken,
        label: '登记成员',
        body: html`${select({ name: 'memberClass', label: '成员类别', options: MEMBER_CLASSES.map((c) => ({ value: c, label: MEMBER_CLASS_LABELS[c] })), value: v.memberClass ?? 'GOV', required: true, error: errs.memberClass })}
          ${field({ name: 'memberCode', label: '成员代码 (统一社会信用代码或单位代码)', value: v.memberCode, required: true, error: errs.memberCode, hint: '4 至 32 位大写字母或数字' })}
          ${field({ name: 'name', label: '成员名称', value: v.name, required: true, error: errs.name })}
          ${select({ name: 'unitId', label: '组织目录中的单位 (政务部门必选)', options: units.map((u) => ({ value: u.id, label: `${u.name} (${u.regionCode})` })), value: v.unitId, placeholder: '不对应单位 (企业、社会组织)', error: errs.unitId })}
          ${field({ name: 'regionCode', label: '行政区划代码 (不对应单位时必填)', value: v.regionCode, error: errs.regionCode })}
          <div class="actions">${button('登记')}</div>`,
      })}</section>`,
  });
}

async function renderSystems(req: FastifyRequest, reply: FastifyReply, state: { errors?: FieldProblem[]; values?: Record<string, string>; status?: number } = {}): Promise<FastifyReply> {
  const memberId = (req.query as Record<string, string | undefined>).memberId;
  const systems = await subsystemsFor(req.ctx, /^[0-9a-f-]{36}$/i.test(memberId ?? '') ? { memberId } : {});
  const admin = hasScope(req.ctx.actor, SCOPES.memberManage);
  const members = (await listMembers(req.ctx)).filter((m) => regionVisible(req.ctx.actor, SCOPES.memberManage, m.regionCode) || actsForMember(req.ctx, m, SCOPES.resourcePublish));
  if (!admin && members.length === 0 && systems.length === 0) throw forbidden('您的单位尚未接入共享交换平台。');
  const errs = errorMap(state.errors ?? []);
  const v = state.values ?? {};
  return reply.page({
    title: admin ? '子系统' : '本单位的子系统',
    breadcrumbs: crumbs({ label: '子系统' }),
    status: state.status,
    body: html`${table<SubsystemView>({
        caption: `子系统 (共 ${systems.length} 个)`,
        rows: systems,
        empty: '没有子系统。',
        columns: [
          { header: 'X-Road 标识', cell: (s) => html`<a href="${BASE}/systems/${s.id}"><code>${s.xroadId}</code></a>` },
          { header: '名称', cell: (s) => s.name },
          { header: '成员', cell: (s) => s.memberName },
          { header: '状态', cell: (s) => (s.status === 'active' ? badge('启用', 'ok') : badge('停用', 'muted')) },
        ],
      })}
      ${members.length
        ? html`<section aria-labelledby="new-h"><h2 id="new-h">登记子系统</h2>${errorSummary(state.errors ?? [])}${form({
            action: `${BASE}/systems`,
            csrf: req.csrfToken,
            label: '登记子系统',
            body: html`${select({ name: 'memberId', label: '所属成员', options: members.map((m) => ({ value: m.id, label: `${m.name} (${m.memberClass}/${m.memberCode})` })), value: v.memberId ?? memberId, required: true, error: errs.memberId })}
              ${field({ name: 'code', label: '子系统代码', value: v.code, required: true, error: errs.code, hint: '字母、数字、下划线或连字符, 如 shebao' })}
              ${field({ name: 'name', label: '系统名称', value: v.name, required: true, error: errs.name })}
              ${textarea({ name: 'description', label: '系统说明', value: v.description, error: errs.description })}
              <div class="actions">${button('登记')}</div>`,
          })}</section>`
        : ''}`,
  });
}

async function renderSystem(req: FastifyRequest, reply: FastifyReply, state: { secret?: { keyId: string; secret: string }; errors?: FieldProblem[]; status?: number } = {}): Promise<FastifyReply> {
  const { id } = parseInput(IdParams, req.params);
  const s = await getSubsystem(req.ctx, { id });
  if (!canManageSubsystem(req.ctx, s)) throw forbidden('只能管理本单位子系统的接入凭证。');
  const creds = await credentialsOf(req.ctx, { subsystemId: s.id });
  const admin = regionVisible(req.ctx.actor, SCOPES.memberManage, s.regionCode);
  const errs = errorMap(state.errors ?? []);
  return reply.page({
    title: s.name,
    breadcrumbs: crumbs({ label: '子系统', href: `${BASE}/systems` }, { label: s.name }),
    status: state.status,
    body: html`${state.secret
        ? html`<div class="flash flash-info" role="alert"><h2>HMAC-SM3 密钥 (只显示这一次)</h2>
            <p>密钥编号 <code>${state.secret.keyId}</code></p><p>密钥 <code>${state.secret.secret}</code></p>
            <p>请立即复制并交给该系统的运维人员保存; 平台只保存加密后的密钥, 离开本页后无法再次查看。遗失时请吊销并重新签发。</p></div>`
        : ''}
      <dl class="facts">
        <dt>X-Road 标识</dt><dd><code>${s.xroadId}</code></dd>
        <dt>成员</dt><dd>${s.memberName} (${s.memberClass}/${s.memberCode})</dd>
        <dt>说明</dt><dd>${s.description || '—'}</dd>
        <dt>状态</dt><dd>${s.status === 'active' ? badge('启用', 'ok') : badge('停用', 'muted')}</dd>
      </dl>
      ${admin
        ? form({ action: `${BASE}/systems/${s.id}/status`, csrf: req.csrfToken, label: '启用或停用', body: html`<input type="hidden" name="status" value="${s.status === 'active' ? 'disabled' : 'active'}"><div class="actions">${button(s.status === 'active' ? '停用该子系统' : '启用该子系统', { kind: 'secondary' })}</div>` })
        : ''}
      <section aria-labelledby="cred-h"><h2 id="cred-h">接入凭证</h2>
      ${table<CredentialView>({
        caption: '凭证 (请求签名用)',
        rows: creds,
        empty: '尚无凭证。',
        columns: [
          { header: '密钥编号', cell: (c) => html`<code>${c.keyId}</code>` },
          { header: '签名方式', cell: (c) => (c.kind === 'hmac_sm3' ? 'HMAC-SM3' : 'SM2') },
          { header: '签发时间', cell: (c) => time(c.createdAt) },
          { header: '最近使用', cell: (c) => time(c.lastUsedAt) },
          { header: '状态', cell: (c) => (c.revokedAt ? html`${badge('已吊销', 'muted')} ${time(c.revokedAt)}` : badge('有效', 'ok')) },
          { header: '操作', cell: (c) => (c.revokedAt ? '' : form({ action: `${BASE}/credentials/${c.keyId}/revoke`, csrf: req.csrfToken, label: `吊销 ${c.keyId}`, confirm: '吊销后用它签名的请求将被拒绝, 确定吗?', body: button('吊销', { kind: 'danger' }) })) },
        ],
      })}
      ${form({ action: `${BASE}/systems/${s.id}/hmac`, csrf: req.csrfToken, label: '签发 HMAC-SM3 密钥', body: html`<div class="actions">${button('签发 HMAC-SM3 密钥')}</div>` })}
      ${errorSummary(state.errors ?? [])}
      ${form({
        action: `${BASE}/systems/${s.id}/sm2`,
        csrf: req.csrfToken,
        label: '登记 SM2 公钥',
        body: html`${textarea({ name: 'publicKeyPem', label: 'SM2 公钥 (PEM, BEGIN PUBLIC KEY)', error: errs.publicKeyPem, rows: 5, required: true })}<div class="actions">${button('登记公钥', { kind: 'secondary' })}</div>`,
      })}</section>`,
  });
}

async function renderGroups(req: FastifyRequest, reply: FastifyReply, state: { errors?: FieldProblem[]; values?: Record<string, string>; status?: number } = {}): Promise<FastifyReply> {
  const groups = await listGroups(req.ctx);
  const systems = await subsystemsFor(req.ctx);
  const byId = new Map(systems.map((s) => [s.id, s]));
  const errs = errorMap(state.errors ?? []);
  const v = state.values ?? {};
  return reply.page({
    title: '子系统分组',
    breadcrumbs: crumbs({ label: '子系统分组' }),
    status: state.status,
    body: html`${table<GroupView>({
        caption: `分组 (共 ${groups.length} 个, 可整组授权)`,
        rows: groups,
        empty: '尚无分组。',
        columns: [
          { header: '代码', cell: (g) => html`<code>${g.code}</code>` },
          { header: '名称', cell: (g) => g.name },
          { header: '成员子系统', cell: (g) => (g.subsystemIds.length ? g.subsystemIds.map((id, i) => html`${i ? '、' : ''}<code>${byId.get(id)?.xroadId ?? id}</code>`) : '—') },
          {
            header: '加入子系统',
            cell: (g) => form({ action: `${BASE}/groups/${g.id}/members`, csrf: req.csrfToken, label: `向 ${g.name} 加入子系统`,
              body: html`<div class="field"><label for="add-${g.id}">子系统</label><select id="add-${g.id}" name="subsystemId" required>${systems.filter((s) => !g.subsystemIds.includes(s.id)).map((s) => html`<option value="${s.id}">${s.xroadId}</option>`)}</select></div>${button('加入', { kind: 'secondary' })}` }),
          },
        ],
      })}
      <section aria-labelledby="new-h"><h2 id="new-h">创建分组</h2>${errorSummary(state.errors ?? [])}${form({
        action: `${BASE}/groups`,
        csrf: req.csrfToken,
        label: '创建分组',
        body: html`${field({ name: 'code', label: '分组代码', value: v.code, required: true, error: errs.code, hint: '小写字母、数字、下划线或连字符' })}
          ${field({ name: 'name', label: '分组名称', value: v.name, required: true, error: errs.name })}
          ${textarea({ name: 'description', label: '分组说明', value: v.description, error: errs.description })}
          <div class="actions">${button('创建')}</div>`,
      })}</section>`,
  });
}

export async function registerAdminPages(app: FastifyInstance, services: PlatformServices): Promise<void> {
  const nudge = () => services.nudgeDispatcher();
  const problems = (e: { fields: FieldProblem[]; message: string }, field: string) => (e.fields.length ? e.fields : [{ field, message: e.message }]);

  app.get(`${BASE}/members`, { config: { scope: SCOPES.memberManage } }, (req, reply) => renderMembers(req, reply));
  app.post(`${BASE}/members`, { config: { scope: SCOPES.memberManage } }, async (req, reply) => {
    const values = formValues(req.body);
    try {
      const m = await createMember(req.ctx, parseInput(MemberBody, values));
      nudge();
      return reply.flashRedirect(`${BASE}/systems?memberId=${m.id}`, { kind: 'success', text: `已登记成员「${m.name}」` });
    } catch (e) {
      if (isUserError(e)) return renderMembers(req, reply, { errors: problems(e, 'memberCode'), values, status: e.status });
      throw e;
    }
  });

  app.get(`${BASE}/systems`, { config: { scope: SCOPES.catalogRead } }, (req, reply) => renderSystems(req, reply));
  app.post(`${BASE}/systems`, { config: { scope: SCOPES.catalogRead } }, async (req, reply) => {
    const values = formValues(req.body);
    try {
      const s = await createSubsystem(req.ctx, parseInput(SubsystemBody, values));
      nudge();
      return reply.flashRedirect(`${BASE}/systems/${s.id}`, { kind: 'success', text: `已登记子系统 ${s.xroadId}` });
    } catch (e) {
      if (isUserError(e)) return renderSystems(req, reply, { errors: problems(e, 'code'), values, status: e.status });
      throw e;
    }
  });
  app.get(`${BASE}/systems/:id`, { config: { scope: SCOPES.catalogRead } }, (req, reply) => renderSystem(req, reply));
  app.post(`${BASE}/systems/:id/status`, { config: { scope: SCOPES.memberManage } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params);
    const { status } = parseInput(SubsystemStatusBody, req.body);
    await setSubsystemStatus(req.ctx, { id, status });
    return reply.flashRedirect(`${BASE}/systems/${id}`, { kind: 'success', text: status === 'active' ? '子系统已启用' : '子系统已停用' });
  });
  // The secret is rendered in the answer to this POST (not behind a redirect), so it is shown once.
  app.post(`${BASE}/systems/:id/hmac`, { config: { scope: SCOPES.catalogRead } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params);
    const issued = await issueHmacCredential(req.ctx, { subsystemId: id });
    nudge();
    return renderSystem(req, reply, { secret: { keyId: issued.keyId, secret: issued.secret } });
  });
  app.post(`${BASE}/systems/:id/sm2`, { config: { scope: SCOPES.catalogRead } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params);
    try {
      const { publicKeyPem } = parseInput(Sm2Body, formValues(req.body));
      await registerSm2Credential(req.ctx, { subsystemId: id, publicKeyPem });
      nudge();
      return reply.flashRedirect(`${BASE}/systems/${id}`, { kind: 'success', text: '已登记 SM2 公钥' });
    } catch (e) {
      if (isUserError(e)) return renderSystem(req, reply, { errors: problems(e, 'publicKeyPem').map((f) => ({ ...f, field: 'publicKeyPem' })), status: e.status });
      throw e;
    }
  });
  app.post(`${BASE}/credentials/:keyId/revoke`, { config: { scope: SCOPES.catalogRead } }, async (req, reply) => {
    const { keyId } = parseInput(KeyIdParams, req.params);
    await revokeCredential(req.ctx, { keyId });
    nudge();
    const back = typeof req.headers.referer === 'string' && new URL(req.headers.referer, 'http://x').pathname.startsWith(`${BASE}/systems/`) ? new URL(req.headers.referer, 'http://x').pathname : `${BASE}/systems`;
    return reply.flashRedirect(back, { kind: 'success', text: `凭证 ${keyId} 已吊销` });
  });

  app.get(`${BASE}/groups`, { config: { scope: SCOPES.memberManage } }, (req, reply) => renderGroups(req, reply));
  app.post(`${BASE}/groups`, { config: { scope: SCOPES.memberManage } }, async (req, reply) => {
    const values = formValues(req.body);
    try {
      const g = await createGroup(req.ctx, parseInput(GroupBody, values));
      return reply.flashRedirect(`${BASE}/groups`, { kind: 'success', text: `已创建分组「${g.name}」` });
    } catch (e) {
      if (isUserError(e)) return renderGroups(req, reply, { errors: problems(e, 'code'), values, status: e.status });
      throw e;
    }
  });
  app.post(`${BASE}/groups/:id/members`, { config: { scope: SCOPES.memberManage } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params);
    const { subsystemId } = parseInput(GroupMemberBody, formValues(req.body));
    await addToGroup(req.ctx, { groupId: id, subsystemId });
    return reply.flashRedirect(`${BASE}/groups`, { kind: 'success', text: '已加入分组' });
  });
}
