/**
 * Demo data (演示数据): one outgoing document of 河南省人民政府 to the governments of 郑州市 and
 * 洛阳市, taken through the whole outgoing flow by demo staff (drafted, reviewed, signed and
 * numbered, sealed with a demo seal, distributed), so a reviewer finds a sealed document, its
 * printable rendering and its verification, and the two cities find it waiting in their 收文. The
 * demo staff here are named actors of the seed, not accounts; every row is marked is_demo.
 */
import type { Actor, Ctx } from '../../../platform/context.ts';
import { isAppError } from '../../../platform/errors.ts';
import { newId } from '../../../platform/ids.ts';
import { queryOne, sql } from '../../../platform/db/index.ts';
import { findUnit, type UnitSummary } from '../../directory/index.ts';
import { SCOPES } from '../model.ts';
import { approveReview, createDraft, distributeDocument, sealDocument, signDocument, submitDocument } from './outgoing.ts';

export const DEMO_TITLE = '河南省人民政府关于进一步优化政务服务提升行政效能的通知';

const DEMO_BODY = [
  '为深入推进政务服务标准化、规范化、便利化，进一步提升行政效能，更好满足企业和群众办事需求，经省政府同意，现就有关事项通知如下。',
  '一、推行政务服务事项清单管理。各地、各部门要依据省级政务服务事项基本目录，统一事项名称、编码、依据、类型等基本要素，实行动态调整。',
  '二、推进公文和业务办理全程电子化。各地、各部门办理公文应当使用电子印章，收文单位应当及时签收登记，按照紧急程度在规定时限内办结。',
  '三、强化督办考核。对超过办理时限的事项，由本级政府办公厅（室）督办，督办情况纳入年度考核。',
  '本通知自印发之日起施行。（本件为演示数据，不具有效力。）',
].join('\n');

function demoActor(name: string, unit: UnitSummary, scopes: string[]): Actor {
  return {
    kind: 'staff',
    userId: newId(),
    name,
    grants: [{ roleCode: 'demo', roleName: '演示岗位', unitId: unit.id, unitName: unit.name, regionCode: unit.regionCode, regionPrefix: unit.regionPrefix, scopes: new Set(scopes) }],
  };
}

export async function seedDocumentsDemo(ctx: Ctx): Promise<void> {
  if (await queryOne(ctx.db, sql`SELECT 1 FROM documents.documents WHERE is_demo LIMIT 1`)) return;
  const province = await findUnit(ctx, { regionCode: '410000', unitType: 'government' });
  const zhengzhou = await findUnit(ctx, { regionCode: '410100', unitType: 'government' });
  const luoyang = await findUnit(ctx, { regionCode: '410300', unitType: 'government' });
  if (!province || !zhengzhou || !luoyang) {
    ctx.log.warn({}, 'documents demo: the directory demo units are missing; no demo document');
    return;
  }
  const as = (a: Actor): Ctx => ({ ...ctx, actor: a });
  const drafter = demoActor('王文书 (演示)', province, [SCOPES.outgoingDraft, SCOPES.read]);
  const reviewer = demoActor('李核稿 (演示)', province, [SCOPES.outgoingReview, SCOPES.read]);
  const signer = demoActor('张签发 (演示)', province, [SCOPES.outgoingSign, SCOPES.read]);
  const sealer = demoActor('赵用印 (演示)', province, [SCOPES.sealManage, SCOPES.read]);
  try {
    const { id } = await createDraft(as(drafter), {
      unitId: province.id,
      isDemo: true,
      title: DEMO_TITLE,
      body: DEMO_BODY,
      numberPrefix: '豫政',
      urgency: 'urgent',
      classification: 'none',
      issuerMark: `${province.name}文件`,
      issuerSignature: province.name,
      printingUnit: '河南省人民政府办公厅',
      note: '此件为演示数据',
      mainRecipientIds: [zhengzhou.id, luoyang.id],
      copyRecipientIds: [],
    });
    await submitDocument(as(drafter), { documentId: id, comment: '请核稿。' });
    await approveReview(as(reviewer), { documentId: id, comment: '文字已核, 同意报签。' });
    await signDocument(as(signer), { documentId: id, comment: '同意印发。' });
    await sealDocument(as(sealer), { documentId: id });
    await distributeDocument(as(sealer), { documentId: id, comment: '按主送机关分发。' });
  } catch (err) {
    // A year the calendar does not know yet must not stop the platform from starting.
    if (isAppError(err)) {
      ctx.log.warn({ code: err.code, message: err.message }, 'documents demo: the demo document could not be taken through the flow');
      return;
    }
    throw err;
  }
}
