/**
 * The draft form (拟稿): new and edit. Recipients are typed as unit names (one per line), as they
 * appear on the document; the page resolves them against the directory and says which it cannot find.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { button, checkbox, errorSummary, field, form, select } from '../../../platform/ui/components.ts';
import { AppError, type FieldProblem } from '../../../platform/errors.ts';
import { queryOne, sql } from '../../../platform/db/index.ts';
import { getUnitSummary } from '../../directory/index.ts';
import { CLASSIFICATIONS, CLASSIFICATION_LABELS, SCOPES, URGENCIES, URGENCY_LABELS } from '../model.ts';
import { createDraft, defaultPrintingUnit, updateDraft, type DraftInput } from '../services/outgoing.ts';
import { getDocument, type DocumentView } from '../services/queries.ts';
import { unitsWith } from '../services/access.ts';
import { IdParams } from '../schemas.ts';
import { BASE, area, crumbs, errorMap, formValues, isChecked, isFormProblem, unitIdsFromNames } from './common.ts';

/** Service field names → form field names. */
const FIELD_OF: Record<string, string> = { mainRecipientIds: 'mainRecipients', copyRecipientIds: 'copyRecipients' };

async function lastPrefix(req: FastifyRequest, unitId: string): Promise<string> {
  const row = await queryOne<{ number_prefix: string }>(req.ctx.db, sql`SELECT number_prefix FROM documents.documents WHERE sending_unit_id = ${unitId} ORDER BY created_at DESC LIMIT 1`);
  return row?.number_prefix ?? '';
}

async function defaultsFor(req: FastifyRequest, unitId: string | undefined): Promise<Record<string, string>> {
  const unit = unitId ? await getUnitSummary(req.ctx, unitId) : null;
  if (!unit) return { urgency: 'normal', classification: 'none' };
  return {
    unitId: unit.id,
    urgency: 'normal',
    classification: 'none',
    numberPrefix: await lastPrefix(req, unit.id),
    issuerMark: `${unit.name}文件`,
    issuerSignature: unit.name,
    printingUnit: defaultPrintingUnit(unit),
  };
}

function valuesOf(d: DocumentView): Record<string, string> {
  return {
    title: d.title,
    body: d.body,
    numberPrefix: d.numberPrefix,
    urgency: d.urgency,
    classification: d.classification,
    copyNumber: d.copyNumber ?? '',
    issuerMark: d.issuerMark,
    issuerSignature: d.issuerSignature,
    printingUnit: d.printingUnit,
    attachmentNote: d.attachmentNote ?? '',
    note: d.note ?? '',
    upward: d.upward ? 'on' : '',
    mainRecipients: d.mainRecipients.map((r) => r.name).join('\n'),
    copyRecipients: d.copyRecipients.map((r) => r.name).join('\n'),
    expectedVersion: String(d.version),
  };
}

function renderForm(req: FastifyRequest, reply: FastifyReply, o: { doc: DocumentView | null; values: Record<string, string>; errors: FieldProblem[]; status?: number; message?: string }): FastifyReply {
  const v = o.values;
  const errs = errorMap(o.errors);
  const units = unitsWith(req.ctx.actor, SCOPES.outgoingDraft);
  const title = o.doc ? `修改草稿: ${o.doc.title}` : '起草公文';
  const action = o.doc ? `${BASE}/${o.doc.id}` : BASE;
  return reply.page({
    title,
    status: o.status ?? 200,
    breadcrumbs: crumbs(...(o.doc ? [{ label: o.doc.title, href: `${BASE}/${o.doc.id}` }, { label: '修改草稿' }] : [{ label: '起草公文' }])),
    body: html`${o.message ? html`<p class="flash flash-error" role="alert">${o.message}</p>` : ''}
      ${errorSummary(o.errors)}
      <p class="muted">公文要素依照《党政机关公文格式》(GB/T 9704-2012)。发文字号在签发时按本单位、代字和年度连续编号; 成文日期为签发日期, 印发日期为用印日期。本平台为非涉密系统, 只能处理非密公文。</p>
      ${form({
        action,
        csrf: req.csrfToken,
        label: title,
        body: html`
          ${o.doc
            ? html`<input type="hidden" name="expectedVersion" value="${v.expectedVersion ?? ''}"><p><strong>发文机关:</strong> ${o.doc.sendingUnit.name}</p>`
            : units.length > 1
              ? select({ name: 'unitId', label: '发文机关', options: units.map((u) => ({ value: u.unitId, label: u.unitName })), value: v.unitId, required: true, placeholder: '请选择', error: errs.unitId })
              : html`<input type="hidden" name="unitId" value="${units[0]?.unitId ?? ''}"><p><strong>发文机关:</strong> ${units[0]?.unitName ?? '—'}</p>`}
          ${field({ name: 'title', label: '标题', value: v.title, required: true, maxLength: 200, error: errs.title })}
          ${field({ name: 'numberPrefix', label: '发文机关代字', value: v.numberPrefix, required: true, maxLength: 10, hint: '如「豫政」, 签发后发文字号为 豫政〔年份〕序号号', error: errs.numberPrefix })}
          ${select({ name: 'urgency', label: '紧急程度', options: URGENCIES.map((u) => ({ value: u, label: `${URGENCY_LABELS[u]}` })), value: v.urgency ?? 'normal', required: true, error: errs.urgency })}
          ${select({ name: 'classification', label: '密级', options: CLASSIFICATIONS.map((c) => ({ value: c, label: CLASSIFICATION_LABELS[c] })), value: v.classification ?? 'none', required: true, error: errs.classification })}
          <p class="hint">本平台不是涉密信息系统: 秘密、机密、绝密公文不得在此起草或传输。</p>
          ${field({ name: 'copyNumber', label: '份号 (可空)', value: v.copyNumber, maxLength: 6, inputmode: 'numeric', hint: '6 位阿拉伯数字, 如 000001', error: errs.copyNumber })}
          ${checkbox({ name: 'upward', label: '上行文 (版头标注签发人)', checked: isChecked(v.upward) })}
          ${area({ id: 'f-mainRecipients', name: 'mainRecipients', label: '主送机关', value: v.mainRecipients, required: true, rows: 3, hint: '填写单位全称, 每行一个, 如「郑州市人民政府」', error: errs.mainRecipients })}
          ${area({ id: 'f-copyRecipients', name: 'copyRecipients', label: '抄送机关 (可空)', value: v.copyRecipients, rows: 2, hint: '填写单位全称, 每行一个', error: errs.copyRecipients })}
          ${area({ id: 'f-body', name: 'body', label: '正文', value: v.body, required: true, rows: 14, hint: '每行一段', error: errs.body })}
          ${area({ id: 'f-attachmentNote', name: 'attachmentNote', label: '附件说明 (可空)', value: v.attachmentNote, rows: 2, hint: '附件名称, 每行一个; 附件文件在保存后于公文页面上传', error: errs.attachmentNote })}
          ${field({ name: 'note', label: '附注 (可空)', value: v.note, maxLength: 500, hint: '如「此件公开发布」', error: errs.note })}
          ${field({ name: 'issuerMark', label: '发文机关标志', value: v.issuerMark, maxLength: 60, hint: '留空为「发文机关全称 + 文件」', error: errs.issuerMark })}
          ${field({ name: 'issuerSignature', label: '发文机关署名', value: v.issuerSignature, maxLength: 200, hint: '留空为发文机关全称', error: errs.issuerSignature })}
          ${field({ name: 'printingUnit', label: '印发机关', value: v.printingUnit, maxLength: 100, hint: '一般为发文机关的办公厅 (室)', error: errs.printingUnit })}
          <div class="actions">${button(o.doc ? '保存修改' : '保存草稿')} <a href="${o.doc ? `${BASE}/${o.doc.id}` : `${BASE}/outgoing`}">取消</a></div>`,
      })}`,
  });
}

/** Form body → DraftInput (recipient names resolved), collecting the problems of the names. */
async function inputFromForm(req: FastifyRequest, v: Record<string, string>): Promise<{ input: DraftInput; problems: FieldProblem[] }> {
  const main = await unitIdsFromNames(req.ctx, v.mainRecipients ?? '', 'mainRecipients');
  const copy = await unitIdsFromNames(req.ctx, v.copyRecipients ?? '', 'copyRecipients');
  return {
    input: {
      unitId: v.unitId || undefined,
      title: v.title ?? '',
      body: v.body ?? '',
      numberPrefix: v.numberPrefix ?? '',
      urgency: v.urgency ?? '',
      classification: v.classification || 'none',
      copyNumber: v.copyNumber,
      issuerMark: v.issuerMark,
      issuerSignature: v.issuerSignature,
      printingUnit: v.printingUnit,
      attachmentNote: v.attachmentNote,
      note: v.note,
      upward: isChecked(v.upward),
      mainRecipientIds: main.ids,
      copyRecipientIds: copy.ids,
    },
    problems: [...main.problems, ...copy.problems],
  };
}

function formProblems(err: AppError): FieldProblem[] {
  return err.fields.map((f) => ({ field: FIELD_OF[f.field] ?? f.field, message: f.message }));
}

export function registerFormPages(app: FastifyInstance): void {
  app.get(`${BASE}/new`, { config: { scope: SCOPES.outgoingDraft } }, async (req, reply) => {
    const units = unitsWith(req.ctx.actor, SCOPES.outgoingDraft);
    return renderForm(req, reply, { doc: null, values: await defaultsFor(req, units.length === 1 ? units[0].unitId : undefined), errors: [] });
  });

  app.post(BASE, { config: { scope: SCOPES.outgoingDraft } }, async (req, reply) => {
    const v = formValues(req.body);
    const { input, problems } = await inputFromForm(req, v);
    try {
      if (problems.length) throw new AppError({ code: 'validation_failed', status: 400, message: problems.map((p) => p.message).join('; '), fields: problems });
      const { id } = await createDraft(req.ctx, input);
      return reply.flashRedirect(`${BASE}/${id}`, { kind: 'success', text: '草稿已保存。可上传附件, 核对后送核稿。' });
    } catch (err) {
      if (!isFormProblem(err)) throw err;
      const fields = formProblems(err);
      return renderForm(req, reply, { doc: null, values: v, errors: fields, message: fields.length ? undefined : err.message, status: err.status });
    }
  });

  app.get(`${BASE}/:id/edit`, { config: { scope: SCOPES.outgoingDraft }, schema: { params: IdParams } }, async (req, reply) => {
    const doc = await getDocument(req.ctx, { id: (req.params as { id: string }).id });
    if (doc.editRefusal) return reply.flashRedirect(`${BASE}/${doc.id}`, { kind: 'error', text: doc.editRefusal });
    return renderForm(req, reply, { doc, values: valuesOf(doc), errors: [] });
  });

  app.post(`${BASE}/:id`, { config: { scope: SCOPES.outgoingDraft }, schema: { params: IdParams } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const doc = await getDocument(req.ctx, { id });
    const v = formValues(req.body);
    const { input, problems } = await inputFromForm(req, v);
    try {
      if (problems.length) throw new AppError({ code: 'validation_failed', status: 400, message: problems.map((p) => p.message).join('; '), fields: problems });
      const ev = Number(v.expectedVersion);
      await updateDraft(req.ctx, { ...input, id, expectedVersion: Number.isInteger(ev) && ev > 0 ? ev : undefined });
      return reply.flashRedirect(`${BASE}/${id}`, { kind: 'success', text: '修改已保存。' });
    } catch (err) {
      if (!isFormProblem(err)) throw err;
      const fields = formProblems(err);
      return renderForm(req, reply, { doc, values: v, errors: fields, message: fields.length ? undefined : err.message, status: err.status });
    }
  });
}
