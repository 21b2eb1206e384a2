/**
 * The document page (/workbench/documents/:id): its step and facts, the forms for the steps the
 * viewer may take now (发文: 送核稿, 核稿, 签发, 用印, 分发; 收文: 签收登记, 拟办, 批示, 办结,
 * 归档), the document in GB/T 9704 layout, attachments, the read receipts of the recipient units
 * (sending unit only), the seal and its live verification, and the timeline. The steps the viewer
 * may take come from the workflow engine (availableActions); the forms post to this module, whose
 * services do the document's work and take the transition in one transaction.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { badge, button, form, select, table } from '../../../platform/ui/components.ts';
import type { FieldProblem } from '../../../platform/errors.ts';
import { isAppError } from '../../../platform/errors.ts';
import { formatBytes, uploadForm } from '../../../platform/files/index.ts';
import { getCase, type CaseAction, type HistoryEntry } from '../../../platform/workflow/index.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { listUnitsForPicker } from '../../directory/index.ts';
import { ATTACHMENT_OWNER, HANDLING_WORKING_DAYS, INSTRUCT_TRANSITION, SCOPES } from '../model.ts';
import { IdParams, IncomingIdParams } from '../schemas.ts';
import { getDocument, getIncoming, type DocumentView, type IncomingView } from '../services/queries.ts';
import { approveReview, distributeDocument, returnDocument, sealDocument, signDocument, submitDocument } from '../services/outgoing.ts';
import { completeIncoming, fileIncoming, instructIncoming, proposeIncoming, registerIncoming } from '../services/incoming.ts';
import { verifyDocument, type VerificationResult } from '../services/verify.ts';
import { gbDocument } from './render.ts';
import { BASE, area, crumbs, demoBadge, errorMap, formValues, isFormProblem, time } from './common.ts';

export const DOCUMENT_CSS = '/documents/assets/print.css';

interface Problem {
  form: string;
  message: string;
  fields: FieldProblem[];
  values: Record<string, string>;
}

interface CaseBits {
  actions: CaseAction[];
  history: HistoryEntry[];
  version: number | null;
}

/** The engine's view of a case for this viewer: actions and history; nothing when they may not see it. */
async function caseBits(req: FastifyRequest, caseId: string | null): Promise<CaseBits> {
  if (!caseId) return { actions: [], history: [], version: null };
  try {
    const d = await getCase(req.ctx, { id: caseId });
    return { actions: d.actions, history: d.history, version: d.case.version };
  } catch (err) {
    if (isAppError(err) && err.status === 404) return { actions: [], history: [], version: null };
    throw err;
  }
}

const has = (bits: CaseBits, transition: string) => bits.actions.some((a) => a.kind === 'transition' && a.transition?.name === transition);
const hidden = (version: number | null) => (version === null ? '' : html`<input type="hidden" name="expectedVersion" value="${version}">`);

function problemFor(p: Problem | null, key: string): { message: SafeHtml | ''; errs: Record<string, string>; v: (name: string) => string | undefined } {
  const mine = p && p.form === key ? p : null;
  const errs = errorMap((mine?.fields ?? []).map((f) => ({ field: f.field.replace(/^fields\./, ''), message: f.message })));
  return {
    message: mine ? html`<p class="flash flash-error" role="alert">${mine.message}</p>` : '',
    errs,
    v: (name) => mine?.values[name],
  };
}

function outgoingForms(req: FastifyRequest, d: DocumentView, bits: CaseBits, p: Problem | null): SafeHtml[] {
  const out: SafeHtml[] = [];
  const base = `${BASE}/${d.id}`;
  const card = (key: string, title: string, action: string, body: (f: ReturnType<typeof problemFor>) => SafeHtml) => {
    const f = problemFor(p, key);
    out.push(html`<section class="card" aria-labelledby="act-${key}"><h3 id="act-${key}">${title}</h3>${f.message}${form({ action: `${base}/${action}`, csrf: req.csrfToken, label: title, body: html`${hidden(bits.version)}${body(f)}` })}</section>`);
  };
  if (has(bits, 'submit')) {
    card('submit', '送核稿', 'submit', (f) => html`<p class="muted">送核稿后草稿不能再修改; 核稿人可退回修改。${d.editRefusal ? '' : html` <a href="${base}/edit">修改草稿</a>`}</p>
      ${area({ id: 'f-submit-comment', name: 'comment', label: '说明 (可空)', value: f.v('comment'), error: f.errs.comment })}
      <div class="actions">${button('送核稿')}</div>`);
  }
  if (d.state === 'reviewing' && (has(bits, 'approve') || has(bits, 'return_to_drafter'))) {
    card('review', '核稿', 'review', (f) => html`${area({ id: 'f-review-comment', name: 'comment', label: '核稿意见', value: f.v('comment'), error: f.errs.comment, hint: '退回修改时必须填写' })}
      <div class="actions">${has(bits, 'approve') ? button('核稿通过', { name: 'decision', value: 'approve' }) : ''} ${button('退回修改', { kind: 'secondary', name: 'decision', value: 'return' })}</div>`);
  }
  if (d.state === 'signing' && (has(bits, 'sign') || has(bits, 'return_to_drafter'))) {
    card('sign', '签发', 'sign', (f) => html`<p class="muted">签发时按「${d.numberPrefix}」和本年度顺序编发文字号, 成文日期为今天。</p>
      ${area({ id: 'f-sign-comment', name: 'comment', label: '签发意见', value: f.v('comment'), error: f.errs.comment, hint: '退回修改时必须填写' })}
      <div class="actions">${has(bits, 'sign') ? button('签发', { name: 'decision', value: 'sign' }) : ''} ${button('退回修改', { kind: 'secondary', name: 'decision', value: 'return' })}</div>`);
  }
  if (has(bits, 'seal')) {
    card('seal', '用印', 'seal', (f) => html`<p class="muted">以${d.sendingUnit.name}的电子印章 (SM2) 签署公文全部要素和附件的 SM3 摘要; 本单位尚无电子印章时自动制作。用印后公文内容不能再改动, 任何改动都会使印章验证失败。</p>
      ${area({ id: 'f-seal-comment', name: 'comment', label: '说明 (可空)', value: f.v('comment'), error: f.errs.comment })}
      <div class="actions">${button('加盖电子印章')}</div>`);
  }
  if (has(bits, 'distribute')) {
    card('distribute', '分发', 'distribute', (f) => html`<p class="muted">向 ${[...d.mainRecipients, ...d.copyRecipients].map((r) => r.name).join('、')} 送达; 各单位在「收文」和「我的待办」中签收。</p>
      ${area({ id: 'f-distribute-comment', name: 'comment', label: '说明 (可空)', value: f.v('comment'), error: f.errs.comment })}
      <div class="actions">${button('分发')}</div>`);
  }
  return out;
}

async function incomingForms(req: FastifyRequest, i: IncomingView, bits: CaseBits, p: Problem | null, urgency: DocumentView['urgency']): Promise<SafeHtml[]> {
  const out: SafeHtml[] = [];
  const base = `${BASE}/incoming/${i.id}`;
  const card = (action: string, title: string, body: (f: ReturnType<typeof problemFor>, key: string) => SafeHtml) => {
    const key = `${action}-${i.id}`;
    const f = problemFor(p, key);
    out.push(html`<section class="card" aria-labelledby="act-${key}"><h3 id="act-${key}">${title}</h3>${f.message}${form({ action: `${base}/${action}`, csrf: req.csrfToken, label: `${title} (${i.unitName})`, body: html`${hidden(bits.version)}${body(f, key)}` })}</section>`);
  };
  if (has(bits, 'register')) {
    card('register', '签收登记', () => html`<p class="muted">签收后生成收文编号, 发文单位可看到签收回执 (签收人和时间)。</p><div class="actions">${button('签收')}</div>`);
  }
  if (has(bits, 'propose')) {
    card('propose', '拟办', (f, key) => html`${area({ id: `f-${key}-proposal`, name: 'proposal', label: '拟办意见', value: f.v('proposal'), error: f.errs.proposal, required: true })}<div class="actions">${button('拟办')}</div>`);
  }
  if (has(bits, INSTRUCT_TRANSITION[urgency])) {
    const units = (await listUnitsForPicker(req.ctx, { regionPrefixes: [i.regionCode], limit: 500 })).filter((u) => u.regionCode === i.regionCode && u.id !== i.unitId);
    card('instruct', '批示', (f, key) => html`${area({ id: `f-${key}-instruction`, name: 'instruction', label: '批示意见', value: f.v('instruction'), error: f.errs.instruction, required: true })}
      ${select({ name: `handlingUnitId-${i.id}`, label: '承办单位', options: units.map((u) => ({ value: u.id, label: u.name })), value: f.v(`handlingUnitId-${i.id}`), placeholder: `${i.unitName} (本单位承办)`, error: f.errs.handlingUnitId })}
      <p class="muted">承办期限 ${HANDLING_WORKING_DAYS[urgency]} 个工作日 (按紧急程度), 超期由本单位领导督办。</p>
      <div class="actions">${button('批示')}</div>`);
  }
  if (has(bits, 'complete')) {
    card('complete', '办结', (f, key) => html`${area({ id: `f-${key}-result`, name: 'result', label: '办理结果', value: f.v('result'), error: f.errs.result, required: true, rows: 4 })}<div class="actions">${button('办结')}</div>`);
  }
  if (has(bits, 'file')) {
    card('file', '归档', () => html`<div class="actions">${button('归档')}</div>`);
  }
  return out;
}

function timeline(history: HistoryEntry[]): SafeHtml {
  if (history.length === 0) return html`<p class="empty">发文流程的办理记录仅经办人员可见; 起草、签发、用印和分发情况见上方。</p>`;
  return html`<ol class="timeline">${history.map((h) => html`<li><p><strong>${time(h.at)}</strong> ${h.actor.name}${h.actor.unitName ? html` <span class="muted">(${h.actor.unitName})</span>` : ''}
    · ${h.action === 'transition' ? h.transitionLabel : h.actionLabel}${h.toLabel && h.fromState !== h.toState ? html` <span class="muted">→「${h.toLabel}」</span>` : ''}</p>
    ${h.comment ? html`<p>意见: ${h.comment}</p>` : ''}
    ${Object.entries(h.fields).filter(([k]) => k !== 'handlingUnitId').map(([, v]) => html`<p>${String(v)}</p>`)}</li>`)}</ol>`;
}

function sealSection(d: DocumentView, check: VerificationResult | null): SafeHtml {
  if (!d.seal) return html`<p class="empty">尚未用印。</p>`;
  return html`<p>${check?.valid ? badge('印章有效', 'ok') : badge('验证未通过', 'warn')} ${check?.message ?? ''}</p>
    ${check && !check.valid && check.problems.length ? html`<ul>${check.problems.map((x) => html`<li>${x}</li>`)}</ul>` : ''}
    <dl class="facts">
      <dt>印章单位</dt><dd>${d.seal.unitName}</dd>
      <dt>用印</dt><dd>${d.seal.sealedBy} · ${time(d.seal.sealedAt)}</dd>
      <dt>验证码</dt><dd class="mono">${d.seal.verificationCode ?? '—'}</dd>
      <dt>公钥指纹 (SM3)</dt><dd class="mono">${d.seal.fingerprint}</dd>
      <dt>内容摘要 (SM3)</dt><dd class="mono">${d.seal.contentHash}</dd>
    </dl>
    <p class="actions"><a href="/api/documents/${d.id}/export" download>导出公文文件 (JSON, 可在验证页核验)</a> <a href="/verify/documents">印章验证页</a></p>`;
}

async function renderDocument(req: FastifyRequest, reply: FastifyReply, id: string, problem: Problem | null = null, status = 200): Promise<FastifyReply> {
  const d = await getDocument(req.ctx, { id });
  const outBits = await caseBits(req, d.caseId);
  const outForms = outgoingForms(req, d, outBits, problem);
  const incoming: { view: IncomingView; bits: CaseBits; forms: SafeHtml[] }[] = [];
  for (const i of d.incoming) {
    const bits = await caseBits(req, i.caseId);
    incoming.push({ view: i, bits, forms: await incomingForms(req, i, bits, problem, d.urgency) });
  }
  const check = d.seal ? await verifyDocument(req.ctx, { id: d.id }) : null;
  const otherOps = outBits.actions.some((a) => a.kind !== 'transition');
  return reply.page({
    title: d.title,
    status,
    breadcrumbs: crumbs({ label: d.incoming.length && !d.receipts ? '收文' : '发文', href: `${BASE}/${d.incoming.length && !d.receipts ? 'incoming' : 'outgoing'}` }, { label: d.title }),
    body: html`<link rel="stylesheet" href="${DOCUMENT_CSS}">
      <p>${badge(d.stateLabel, d.state === 'distributed' ? 'ok' : 'muted')} ${d.urgency !== 'normal' ? badge(d.urgencyLabel, 'warn') : ''}${demoBadge(d.isDemo)}</p>
      ${problem?.form === 'page' ? html`<p class="flash flash-error" role="alert">${problem.message}</p>` : ''}
      <dl class="facts">
        <dt>发文字号</dt><dd>${d.docNumber ?? '签发后编号'}</dd>
        <dt>发文机关</dt><dd>${d.sendingUnit.name}</dd>
        <dt>当前环节</dt><dd>${d.stateLabel}</dd>
        <dt>密级</dt><dd>${d.classificationLabel}</dd>
        <dt>起草</dt><dd>${d.createdBy.name} · ${time(d.createdAt)}</dd>
        ${d.signer ? html`<dt>签发</dt><dd>${d.signer.name} · ${time(d.signer.at)}</dd>` : ''}
        ${d.seal ? html`<dt>用印</dt><dd>${d.seal.sealedBy} · ${time(d.seal.sealedAt)}</dd>` : ''}
        ${d.distributedAt ? html`<dt>分发</dt><dd>${time(d.distributedAt)}</dd>` : ''}
      </dl>
      ${outForms.length || otherOps
        ? html`<section aria-labelledby="out-actions-h"><h2 id="out-actions-h">发文办理</h2>
          ${outForms.length ? html`<div class="cards">${outForms}</div>` : ''}
          ${otherOps && d.caseId ? html`<p class="muted">转交、撤回等其他操作: <a href="/workbench/cases/${d.caseId}">办件页面</a></p>` : ''}
        </section>`
        : ''}
      ${incoming.map(({ view: i, forms }) => html`<section aria-labelledby="in-${i.id}-h"><h2 id="in-${i.id}-h">收文办理 · ${i.unitName}</h2>
        <dl class="facts">
          <dt>送达</dt><dd>${time(i.deliveredAt)} (${i.kindLabel})</dd>
          <dt>签收</dt><dd>${i.receivedAt ? `${i.receivedBy ?? ''} · ${time(i.receivedAt)}` : '待签收'}</dd>
          ${i.registrationNumber ? html`<dt>收文编号</dt><dd>${i.registrationNumber}</dd>` : ''}
          <dt>当前环节</dt><dd>${i.stateLabel}${i.escalated ? html` ${badge('已督办', 'warn')}` : ''}</dd>
          ${i.deadline ? html`<dt>本环节期限</dt><dd>${time(i.deadline)}</dd>` : ''}
          ${i.proposal ? html`<dt>拟办意见</dt><dd>${i.proposal}</dd>` : ''}
          ${i.instruction ? html`<dt>批示</dt><dd>${i.instruction}</dd>` : ''}
          ${i.handlingUnitName ? html`<dt>承办单位</dt><dd>${i.handlingUnitName}</dd>` : ''}
          ${i.result ? html`<dt>办理结果</dt><dd>${i.result}</dd>` : ''}
        </dl>
        ${forms.length ? html`<div class="cards">${forms}</div>` : ''}
        <p class="muted"><a href="/workbench/cases/${i.caseId}">收文办件页面</a></p>
      </section>`)}
      <section aria-labelledby="doc-h"><h2 id="doc-h">公文</h2>
        <p class="actions"><a href="${BASE}/${d.id}/print">打印稿 (GB/T 9704 版式)</a>${d.editRefusal ? '' : html` <a href="${BASE}/${d.id}/edit">修改草稿</a>`}</p>
        ${gbDocument(d, { idSuffix: d.id })}
      </section>
      <section aria-labelledby="att-h"><h2 id="att-h">附件</h2>
        ${table({
          caption: '附件 (用印时其 SM3 摘要一并签署)',
          rows: d.attachments,
          empty: '暂无附件。',
          columns: [
            { header: '文件', cell: (a) => html`<a href="${a.downloadUrl}" download>${a.name}</a>` },
            { header: '类型', cell: (a) => a.typeLabel },
            { header: '大小', cell: (a) => formatBytes(a.size) },
            { header: 'SM3', cell: (a) => html`<span class="mono">${a.sm3.slice(0, 16)}…</span>` },
            { header: '预览', cell: (a) => (a.previewUrl ? html`<a href="${a.previewUrl}" target="_blank" rel="noopener">预览<span class="muted"> (新窗口)</span></a>` : '—') },
          ],
        })}
        ${d.editRefusal ? '' : uploadForm({ csrf: req.csrfToken, ownerType: ATTACHMENT_OWNER, ownerId: d.id, back: `${BASE}/${d.id}`, label: '上传附件' })}
      </section>
      ${d.receipts
        ? html`<section aria-labelledby="rcpt-h"><h2 id="rcpt-h">签收情况</h2>
          ${table({
            caption: `收文单位签收回执 (已签收 ${d.receipts.filter((r) => r.receivedAt).length}/${d.receipts.length})`,
            rows: d.receipts,
            empty: d.distributedAt ? '没有收文单位。' : '分发后显示各收文单位的签收情况。',
            columns: [
              { header: '收文单位', cell: (r) => html`${r.unitName} <span class="muted">(${r.kindLabel})</span>` },
              { header: '送达', cell: (r) => time(r.deliveredAt) },
              { header: '签收', cell: (r) => (r.receivedAt ? html`${badge('已签收', 'ok')} ${time(r.receivedAt)}` : badge('未签收', 'warn')) },
              { header: '签收人', cell: (r) => r.receivedBy ?? '—' },
              { header: '收文编号', cell: (r) => r.registrationNumber ?? '—' },
            ],
          })}</section>`
        : ''}
      <section aria-labelledby="seal-h"><h2 id="seal-h">电子印章</h2>${sealSection(d, check)}</section>
      <section aria-labelledby="hist-h"><h2 id="hist-h">发文办理记录</h2>${timeline(outBits.history)}
        ${outBits.version !== null && d.caseId ? html`<p class="muted"><a href="/workbench/cases/${d.caseId}">发文办件页面</a></p>` : ''}</section>`,
  });
}

type Action = (req: FastifyRequest, v: Record<string, string>, expectedVersion: number | undefined) => Promise<unknown>;

function expected(v: Record<string, string>): number | undefined {
  const n = Number(v.expectedVersion);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function outgoingAction(app: FastifyInstance, services: PlatformServices, path: string, scope: string, run: Action, success: string): void {
  app.post(`${BASE}/:id/${path}`, { config: { scope }, schema: { params: IdParams } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const v = formValues(req.body);
    try {
      await run(req, v, expected(v));
    } catch (err) {
      if (!isFormProblem(err)) throw err;
      const problem: Problem = err.code === 'case_changed' || err.code === 'document_state'
        ? { form: 'page', message: err.message, fields: [], values: v }
        : { form: path, message: err.message, fields: err.fields, values: v };
      return renderDocument(req, reply, id, problem, err.status);
    }
    services.nudgeDispatcher();
    return reply.flashRedirect(`${BASE}/${id}`, { kind: 'success', text: success });
  });
}

function incomingAction(app: FastifyInstance, services: PlatformServices, path: string, scope: string, run: Action, success: string): void {
  app.post(`${BASE}/incoming/:id/${path}`, { config: { scope }, schema: { params: IncomingIdParams } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const incoming = await getIncoming(req.ctx, { id });
    const v = formValues(req.body);
    try {
      await run(req, v, expected(v));
    } catch (err) {
      if (!isFormProblem(err)) throw err;
      const problem: Problem = err.code === 'case_changed' || err.code === 'incoming_state'
        ? { form: 'page', message: err.message, fields: [], values: v }
        : { form: `${path}-${id}`, message: err.message, fields: err.fields, values: v };
      return renderDocument(req, reply, incoming.documentId, problem, err.status);
    }
    services.nudgeDispatcher();
    return reply.flashRedirect(`${BASE}/${incoming.documentId}`, { kind: 'success', text: success });
  });
}

export function registerDocumentPages(app: FastifyInstance, services: PlatformServices): void {
  app.get(`${BASE}/:id`, { config: { scope: SCOPES.read }, schema: { params: IdParams } }, async (req, reply) => renderDocument(req, reply, (req.params as { id: string }).id));

  const docId = (req: FastifyRequest) => (req.params as { id: string }).id;
  outgoingAction(app, services, 'submit', SCOPES.outgoingDraft, (req, v, ev) => submitDocument(req.ctx, { documentId: docId(req), comment: v.comment, expectedVersion: ev }), '已送核稿。');
  outgoingAction(app, services, 'review', SCOPES.outgoingReview, (req, v, ev) =>
    v.decision === 'return'
      ? returnDocument(req.ctx, { documentId: docId(req), comment: v.comment, expectedVersion: ev })
      : approveReview(req.ctx, { documentId: docId(req), comment: v.comment, expectedVersion: ev }), '已办理核稿。');
  outgoingAction(app, services, 'sign', SCOPES.outgoingSign, (req, v, ev) =>
    v.decision === 'return'
      ? returnDocument(req.ctx, { documentId: docId(req), comment: v.comment, expectedVersion: ev })
      : signDocument(req.ctx, { documentId: docId(req), comment: v.comment, expectedVersion: ev }), '已办理签发。');
  outgoingAction(app, services, 'seal', SCOPES.sealManage, (req, v, ev) => sealDocument(req.ctx, { documentId: docId(req), comment: v.comment, expectedVersion: ev }), '已加盖电子印章。');
  outgoingAction(app, services, 'distribute', SCOPES.sealManage, (req, v, ev) => distributeDocument(req.ctx, { documentId: docId(req), comment: v.comment, expectedVersion: ev }), '已分发, 各收文单位已收到。');

  const inId = (req: FastifyRequest) => (req.params as { id: string }).id;
  incomingAction(app, services, 'register', SCOPES.incomingRegister, (req, _v, ev) => registerIncoming(req.ctx, { incomingId: inId(req), expectedVersion: ev }), '已签收, 签收回执已送发文单位。');
  incomingAction(app, services, 'propose', SCOPES.incomingHandle, (req, v, ev) => proposeIncoming(req.ctx, { incomingId: inId(req), proposal: v.proposal ?? '', expectedVersion: ev }), '已拟办。');
  incomingAction(app, services, 'instruct', SCOPES.incomingInstruct, (req, v, ev) => {
    const unit = v[`handlingUnitId-${inId(req)}`] || undefined;
    return instructIncoming(req.ctx, { incomingId: inId(req), instruction: v.instruction ?? '', handlingUnitId: unit, expectedVersion: ev });
  }, '已批示。');
  incomingAction(app, services, 'complete', SCOPES.incomingHandle, (req, v, ev) => completeIncoming(req.ctx, { incomingId: inId(req), result: v.result ?? '', expectedVersion: ev }), '已办结, 转本单位归档。');
  incomingAction(app, services, 'file', SCOPES.incomingRegister, (req, _v, ev) => fileIncoming(req.ctx, { incomingId: inId(req), expectedVersion: ev }), '已归档。');
}
