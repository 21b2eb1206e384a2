/**
 * The seals page (/workbench/documents/seals, 电子印章): the seals of the units where the viewer
 * manages seals, making a seal for a unit that has none, and revoking one (with a reason).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../../platform/ui/html.ts';
import { badge, button, form, table } from '../../../platform/ui/components.ts';
import { SCOPES } from '../model.ts';
import { SealIdParams } from '../schemas.ts';
import { createSeal, listSeals, revokeSeal, type SealView } from '../services/seals.ts';
import { sealSvg } from './render.ts';
import { BASE, area, crumbs, demoBadge, formValues, isFormProblem, time } from './common.ts';

async function renderSeals(req: FastifyRequest, reply: FastifyReply, problem: { form: string; message: string; values: Record<string, string> } | null = null, status = 200): Promise<FastifyReply> {
  const { seals, units } = await listSeals(req.ctx);
  const without = units.filter((u) => !u.hasActiveSeal);
  return reply.page({
    title: '电子印章',
    status,
    breadcrumbs: crumbs({ label: '电子印章' }),
    body: html`<link rel="stylesheet" href="/documents/assets/print.css">
      <p class="muted">每个单位一枚电子印章: SM2 密钥对, 私钥经 SM4 加密保存在平台, 不出平台。用印时签署公文全部要素和附件的 SM3 摘要。注销后不能再用印; 注销前加盖的印章仍可验证。</p>
      ${problem?.form === 'page' ? html`<p class="flash flash-error" role="alert">${problem.message}</p>` : ''}
      ${without.length
        ? html`<section aria-labelledby="make-h"><h2 id="make-h">制作印章</h2><div class="cards">${without.map((u) => html`<section class="card" aria-label="${u.unitName}">
            <h3>${u.unitName}</h3>
            ${form({ action: `${BASE}/seals`, csrf: req.csrfToken, label: `为${u.unitName}制作电子印章`, body: html`<input type="hidden" name="unitId" value="${u.unitId}"><div class="actions">${button('制作电子印章')}</div>` })}
          </section>`)}</div></section>`
        : ''}
      <section aria-labelledby="list-h"><h2 id="list-h">本单位印章</h2>
        ${table<SealView>({
          caption: '电子印章 (含已注销)',
          rows: seals,
          empty: '尚未制作电子印章 (首次用印时也会自动制作)。',
          columns: [
            { header: '印模', cell: (s) => sealSvg({ unitName: s.unitName, idSuffix: s.id, demo: s.isDemo, className: 'seal-thumb' }) },
            { header: '单位', cell: (s) => html`${s.unitName}${demoBadge(s.isDemo)}` },
            { header: '状态', cell: (s) => (s.revokedAt ? html`${badge('已注销', 'muted')} <span class="muted">${time(s.revokedAt)} ${s.revokedBy ?? ''}: ${s.revokeReason ?? ''}</span>` : badge('有效', 'ok')) },
            { header: '制作', cell: (s) => html`${s.createdBy} <span class="muted">${time(s.createdAt)}</span>` },
            { header: '公钥指纹 (SM3)', cell: (s) => html`<span class="mono">${s.fingerprint}</span>` },
            {
              header: '操作',
              cell: (s) => (s.revokedAt
                ? '—'
                : form({
                  action: `${BASE}/seals/${s.id}/revoke`,
                  csrf: req.csrfToken,
                  label: `注销${s.unitName}的电子印章`,
                  confirm: '注销后不能再用此印章用印, 确定注销吗?',
                  body: html`${area({ id: `f-revoke-${s.id}`, name: 'reason', label: '注销原因', required: true, rows: 2, value: problem?.form === s.id ? problem.values.reason : '', error: problem?.form === s.id ? problem.message : undefined })}
                    <div class="actions">${button('注销', { kind: 'danger' })}</div>`,
                })),
            },
          ],
        })}
      </section>`,
  });
}

export function registerSealPages(app: FastifyInstance): void {
  app.get(`${BASE}/seals`, { config: { scope: SCOPES.sealManage } }, async (req, reply) => renderSeals(req, reply));

  app.post(`${BASE}/seals`, { config: { scope: SCOPES.sealManage } }, async (req, reply) => {
    const v = formValues(req.body);
    try {
      const seal = await createSeal(req.ctx, { unitId: v.unitId ?? '' });
      return reply.flashRedirect(`${BASE}/seals`, { kind: 'success', text: `已为${seal.unitName}制作电子印章。` });
    } catch (err) {
      if (!isFormProblem(err)) throw err;
      return renderSeals(req, reply, { form: 'page', message: err.message, values: v }, err.status);
    }
  });

  app.post(`${BASE}/seals/:id/revoke`, { config: { scope: SCOPES.sealManage }, schema: { params: SealIdParams } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const v = formValues(req.body);
    try {
      const seal = await revokeSeal(req.ctx, { sealId: id, reason: v.reason ?? '' });
      return reply.flashRedirect(`${BASE}/seals`, { kind: 'success', text: `已注销${seal.unitName}的电子印章。` });
    } catch (err) {
      if (!isFormProblem(err)) throw err;
      return renderSeals(req, reply, { form: err.fields.length ? id : 'page', message: err.message, values: v }, err.status);
    }
  });
}
