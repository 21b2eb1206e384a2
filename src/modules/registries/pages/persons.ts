/**
 * Population pages: search (by ID number, or name + region), the person page (masked by default;
 * the full view needs a stated purpose, which is logged), history, household, access log,
 * registration events and corrections for holders of registries.person.write.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { button, form, table } from '../../../platform/ui/components.ts';
import { hasScope } from '../../../platform/context.ts';
import { isAppError } from '../../../platform/errors.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { ETHNICITIES, RELATIONS } from '../codes.ts';
import { PERSON_EVENT_LABELS, SCOPES, type PersonView } from '../model.ts';
import { CORRECTABLE_PERSON_FIELDS, correctPerson, getPerson, householdMembers, personHistory, recordPersonEvent, searchPersons, type CorrectablePersonField, type PersonEventInput } from '../services/persons.ts';
import { accessLogFor, logAccess } from '../services/access-log.ts';
import { BASE, choice, crumbs, demoBadge, formAction, input, maskedBadge, opt, qs, time, values } from './common.ts';

const P = `${BASE}/persons`;

function searchForm(req: FastifyRequest, q: Record<string, string>) {
  return form({
    action: P,
    method: 'get',
    csrf: req.csrfToken,
    className: 'filters',
    label: '查询人口信息',
    body: html`${input({ id: 'q-id', name: 'idNumber', label: '公民身份号码', value: q.idNumber, maxLength: 18 })}
      ${input({ id: 'q-name', name: 'name', label: '姓名 (精确)', value: q.name, maxLength: 60 })}
      ${input({ id: 'q-region', name: 'regionCode', label: '户籍地区划代码 (可选, 如 410100 含下辖)', value: q.regionCode, maxLength: 6 })}
      ${input({ id: 'q-purpose', name: 'purpose', label: '用途 (查看完整信息时必填)', value: q.purpose, maxLength: 200 })}
      <div class="actions">${button('查询')} <a href="${P}">清除条件</a></div>`,
  });
}

async function renderSearch(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const q = values(req.query);
  if (q.idNumber) return reply.redirect(`${P}/${encodeURIComponent(q.idNumber.toUpperCase())}${qs({ purpose: q.purpose })}`, 303);
  let result: Awaited<ReturnType<typeof searchPersons>> | null = null;
  let problem = '';
  if (q.name) {
    try {
      result = await searchPersons(req.ctx, { name: q.name, regionCode: /^\d{6}$/.test(q.regionCode ?? '') ? q.regionCode : undefined, page: Number(q.page) || 1, purpose: q.purpose, channel: 'search' });
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      problem = err.message;
    }
  }
  return reply.page({
    title: '人口基础信息',
    breadcrumbs: crumbs({ label: '人口信息' }),
    status: problem ? 400 : 200,
    body: html`<nav class="actions" aria-label="基础信息库"><a class="btn btn-primary" aria-current="page" href="${P}">人口</a> <a class="btn btn-secondary" href="${BASE}/entities">法人单位</a>
        ${hasScope(req.ctx.actor, SCOPES.personImport) ? html`<a class="btn btn-secondary" href="${BASE}/imports/persons">导入人口数据</a>` : ''}
        ${hasScope(req.ctx.actor, SCOPES.qualityManage) ? html`<a class="btn btn-secondary" href="${BASE}/quality">数据质量</a>` : ''}</nav>
      <p class="muted">个人信息默认脱敏显示; 持有完整信息权限并填写用途时显示完整信息。每次查询都记入访问记录, 本人可查看谁在何时为何用途使用了其信息。</p>
      ${problem ? html`<p class="flash flash-error" role="alert">${problem}</p>` : ''}
      ${searchForm(req, q)}
      ${result
        ? html`${table<PersonView>({
            caption: `查询结果 (第 ${result.page} 页)`,
            rows: result.items,
            empty: '没有找到符合条件的人员。',
            columns: [
              { header: '姓名', cell: (p) => html`<a href="${P}/${p.masked ? '' : p.idNumber}">${p.name}</a>${demoBadge(p.isDemo)}` },
              { header: '公民身份号码', cell: (p) => p.idNumber },
              { header: '性别', cell: (p) => p.sexLabel },
              { header: '出生日期', cell: (p) => p.birthDate },
              { header: '户籍地', cell: (p) => p.regionCode },
              { header: '状态', cell: (p) => p.statusLabel },
            ],
          })}
          ${result.items.some((p) => p.masked) ? html`<p class="muted">脱敏结果不能直接打开; 请按公民身份号码查询, 或填写用途后重新查询。</p>` : ''}
          <p>${result.page > 1 ? html`<a href="${P}${qs({ ...q, page: result.page - 1 })}">上一页</a> ` : ''}${result.more ? html`<a href="${P}${qs({ ...q, page: result.page + 1 })}">下一页</a>` : ''}</p>`
        : ''}`,
  });
}

const fieldRow = (label: string, value: string, src?: { name: string; at: string }) => html`<dt>${label}</dt><dd>${value || '—'}${src ? html` <span class="muted">(${src.name}, ${time(src.at)})</span>` : ''}</dd>`;

async function renderPerson(req: FastifyRequest<{ Params: { idNumber: string } }>, reply: FastifyReply, services: PlatformServices): Promise<FastifyReply> {
  void services;
  const q = values(req.query);
  const p = await getPerson(req.ctx, { idNumber: req.params.idNumber, purpose: q.purpose, channel: 'page' });
  const id = req.params.idNumber.toUpperCase();
  const srcOf = (field: string) => p.fieldSources[field] ?? p.source;
  const canWrite = hasScope(req.ctx.actor, SCOPES.personWrite);
  const canFull = hasScope(req.ctx.actor, SCOPES.personReadFull);
  const history = await personHistory(req.ctx, { idNumber: id, full: !p.masked });
  const members = p.householdId && !p.masked ? await householdMembers(req.ctx, { householdId: p.householdId, full: true }) : [];
  if (members.length) await logAccess(req.ctx, SCOPES.personRead, members.filter((m) => m.idNumber !== id).map((m) => ({ recordType: 'person', recordKey: m.idNumber, channel: 'page', purpose: q.purpose ?? null, fullView: true })));
  const log = hasScope(req.ctx.actor, SCOPES.accessLogRead) ? await accessLogFor(req.ctx, { idNumber: id, limit: 20 }) : null;
  const hidden = html`<input type="hidden" name="idNumber" value="${id}">`;
  return reply.page({
    title: `人口信息: ${p.name}`,
    breadcrumbs: crumbs({ label: '人口信息', href: P }, { label: p.name }),
    body: html`<p>${maskedBadge(p.masked)}${demoBadge(p.isDemo)} 状态: <strong>${p.statusLabel}</strong>${p.statusDate ? ` (${p.statusDate})` : ''}</p>
      ${p.masked && canFull
        ? form({ action: `${P}/${id}`, method: 'get', csrf: req.csrfToken, label: '查看完整信息', body: html`${input({ id: 'full-purpose', name: 'purpose', label: '用途 (将记入访问记录和审计日志)', required: true, maxLength: 200 })}${button('查看完整信息', { kind: 'secondary' })}` })
        : ''}
      <dl class="facts">
        ${fieldRow('公民身份号码', p.idNumber)}
        ${fieldRow('姓名', p.name, srcOf('name'))}
        ${fieldRow('曾用名', p.formerNames.join('、'), p.fieldSources.former_names)}
        ${fieldRow('性别', p.sexLabel)}
        ${fieldRow('民族', `${p.ethnicity} ${p.ethnicityLabel}`, srcOf('ethnicity'))}
        ${fieldRow('出生日期', p.birthDate)}
        ${fieldRow('户籍地区划', p.regionCode, srcOf('region_code'))}
        ${fieldRow('户籍地址', p.address, srcOf('address'))}
        ${fieldRow('户号', p.householdId ?? '', srcOf('household_id'))}
        ${fieldRow('与户主关系', p.relationLabel, srcOf('relation_to_head'))}
        ${fieldRow('学历', p.educationLabel, srcOf('education'))}
        ${fieldRow('婚姻状况', p.maritalLabel, srcOf('marital_status'))}
        ${p.movedTo ? fieldRow('迁往地', p.movedTo, srcOf('moved_to')) : ''}
        ${fieldRow('来源部门', `${p.source.name}`, undefined)}
        ${fieldRow('最近更新', time(p.updatedAt))}
      </dl>
      ${members.length > 1
        ? table<PersonView>({ caption: '同户成员', rows: members, columns: [{ header: '姓名', cell: (m) => html`<a href="${P}/${m.idNumber}${qs({ purpose: q.purpose })}">${m.name}</a>` }, { header: '与户主关系', cell: (m) => m.relationLabel }, { header: '出生日期', cell: (m) => m.birthDate }, { header: '状态', cell: (m) => m.statusLabel }] })
        : ''}
      ${table({
        caption: '变动历史',
        rows: history,
        empty: '没有变动记录 (批量导入的首次入库不单独记录)。',
        columns: [
          { header: '时间', cell: (h) => time(h.recordedAt) },
          { header: '事项', cell: (h) => h.typeLabel },
          { header: '变更内容', cell: (h) => Object.entries(h.changes).map(([k, c]) => `${k}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join('; ') },
          { header: '来源部门 / 经办人', cell: (h) => `${h.sourceName} / ${h.actorName}` },
          { header: '说明', cell: (h) => h.note ?? '' },
        ],
      })}
      ${log
        ? table({ caption: '访问记录 (最近 20 次)', rows: log, columns: [{ header: '时间', cell: (a) => time(a.accessedAt) }, { header: '访问者', cell: (a) => `${a.actorName} (${a.unitName || a.actorKind})` }, { header: '途径', cell: (a) => a.channel }, { header: '用途', cell: (a) => a.purpose ?? '—' }, { header: '完整信息', cell: (a) => (a.fullView ? '是' : '否') }] })
        : ''}
      ${canWrite && p.status !== 'deceased'
        ? html`<section aria-labelledby="ev-h"><h2 id="ev-h">户籍登记事项</h2>
          ${form({ action: `${P}/events`, csrf: req.csrfToken, label: '变更姓名', body: html`${hidden}<input type="hidden" name="type" value="name_change">${input({ id: 'nc-name', name: 'newName', label: '新姓名', required: true, maxLength: 60 })}${button(PERSON_EVENT_LABELS.name_change, { kind: 'secondary' })}` })}
          ${form({ action: `${P}/events`, csrf: req.csrfToken, label: '迁出', body: html`${hidden}<input type="hidden" name="type" value="move_out">${input({ id: 'mo-date', name: 'occurredOn', label: '迁出日期', type: 'date', required: true })}${input({ id: 'mo-to', name: 'movedTo', label: '迁往地', required: true, maxLength: 200 })}${button(PERSON_EVENT_LABELS.move_out, { kind: 'secondary' })}` })}
          ${form({ action: `${P}/events`, csrf: req.csrfToken, label: '死亡注销', confirm: '确认办理死亡注销?', body: html`${hidden}<input type="hidden" name="type" value="death">${input({ id: 'de-date', name: 'occurredOn', label: '死亡日期', type: 'date', required: true })}${button(PERSON_EVENT_LABELS.death, { kind: 'danger' })}` })}
          </section>
          <section aria-labelledby="cor-h"><h2 id="cor-h">更正信息</h2>
          <p class="muted">来源部门直接更正: 记入变动历史和审计日志, 并通知订阅的部门。公民身份号码、出生日期和性别由号码决定, 不在此更正。</p>
          ${form({ action: `${P}/${id}/correct`, csrf: req.csrfToken, label: '更正信息', body: html`${choice({ id: 'co-field', name: 'field', label: '更正事项', options: Object.entries(CORRECTABLE_PERSON_FIELDS).map(([value, label]) => ({ value, label })), required: true })}
            ${input({ id: 'co-value', name: 'value', label: '更正后的值 (代码类事项填代码, 如民族 01)', required: true, maxLength: 200 })}
            ${input({ id: 'co-reason', name: 'reason', label: '更正依据', required: true, maxLength: 500 })}${button('更正')}` })}
          </section>`
        : ''}`,
  });
}

function newPersonForm(req: FastifyRequest) {
  return form({
    action: `${P}/events`,
    csrf: req.csrfToken,
    label: '出生登记或迁入',
    body: html`${choice({ id: 'np-type', name: 'type', label: '事项', options: [{ value: 'birth', label: '出生登记' }, { value: 'move_in', label: '迁入 (含省外迁入)' }], required: true })}
      ${input({ id: 'np-id', name: 'idNumber', label: '公民身份号码', required: true, maxLength: 18 })}
      ${input({ id: 'np-name', name: 'name', label: '姓名', required: true, maxLength: 60 })}
      ${choice({ id: 'np-eth', name: 'ethnicity', label: '民族', options: ETHNICITIES, value: '01', required: true })}
      ${input({ id: 'np-region', name: 'regionCode', label: '户籍地区划代码', required: true, maxLength: 6 })}
      ${input({ id: 'np-addr', name: 'address', label: '户籍地址', required: true, maxLength: 200 })}
      ${input({ id: 'np-hh', name: 'householdId', label: '户号', maxLength: 30 })}
      ${choice({ id: 'np-rel', name: 'relationToHead', label: '与户主关系', options: RELATIONS, placeholder: '—' })}
      ${button('登记')}`,
  });
}

export function registerPersonPages(app: FastifyInstance, services: PlatformServices): void {
  app.get(BASE, { config: { scope: SCOPES.personRead } }, async (_req, reply) => reply.redirect(P, 303));
  app.get(P, { config: { scope: SCOPES.personRead } }, renderSearch);
  app.get(`${P}/new`, { config: { scope: SCOPES.personWrite } }, async (req, reply) =>
    reply.page({ title: '出生登记 / 迁入', breadcrumbs: crumbs({ label: '人口信息', href: P }, { label: '出生登记 / 迁入' }), body: html`<p class="muted">出生日期和性别由公民身份号码决定。</p>${newPersonForm(req)}` }),
  );
  app.get<{ Params: { idNumber: string } }>(`${P}/:idNumber`, { config: { scope: SCOPES.personRead } }, (req, reply) => renderPerson(req, reply, services));
  app.post(`${P}/events`, { config: { scope: SCOPES.personWrite } }, async (req, reply) => {
    const v = values(req.body);
    const id = (v.idNumber ?? '').toUpperCase();
    const type = v.type as PersonEventInput['type'];
    const creates = type === 'birth' || type === 'move_in';
    const input = { ...v, householdId: opt(v.householdId), relationToHead: opt(v.relationToHead), note: opt(v.note), name: opt(v.name), ethnicity: opt(v.ethnicity) } as unknown as PersonEventInput;
    try {
      await recordPersonEvent(req.ctx, input);
    } catch (err) {
      if (!isAppError(err) || err.status >= 500 || err.status === 403) throw err;
      return reply.flashRedirect(creates ? `${P}/new` : `${P}/${encodeURIComponent(id)}`, { kind: 'error', text: err.message });
    }
    services.nudgeDispatcher();
    return reply.flashRedirect(`${P}/${encodeURIComponent(id)}`, { kind: 'success', text: `已办理${PERSON_EVENT_LABELS[type] ?? '登记'}。` });
  });
  app.post<{ Params: { idNumber: string } }>(`${P}/:idNumber/correct`, { config: { scope: SCOPES.personWrite } }, async (req, reply) => {
    const v = values(req.body);
    return formAction(reply, `${P}/${encodeURIComponent(req.params.idNumber)}`, async () => {
      await correctPerson(req.ctx, { idNumber: req.params.idNumber, field: v.field as CorrectablePersonField, value: v.value ?? '', reason: v.reason ?? '' });
      services.nudgeDispatcher();
      return '已更正, 已记入变动历史。';
    });
  });
}

