/**
 * Market regulation's receiving side of the tax clearance topic: clearance answers go to the
 * registries' `recordTaxClearance` (which completes the 注销 once every bureau has cleared), tax
 * registration items to `recordTaxRegistration`. Both are idempotent on the tax side's ids.
 */
import type { Ctx } from '../../../platform/context.ts';
import { badRequest } from '../../../platform/errors.ts';
import { recordTaxClearance, recordTaxRegistration } from '../../registries/index.ts';
import { TOPIC_TYPES } from '../model.ts';
import type { WebhookEvent } from './intake.ts';

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

export async function receiveTaxEvent(ctx: Ctx, event: WebhookEvent): Promise<{ stored: boolean }> {
  const p = event.payload ?? {};
  const uscc = text(p.uscc) || event.key;
  const bureau = text(p.bureau);
  if (!uscc || !bureau) throw badRequest('tax_event_incomplete', '清税事件缺少统一社会信用代码或税务机关');
  if (event.type === TOPIC_TYPES.clearance) {
    const result = await recordTaxClearance(ctx, {
      uscc,
      requestId: text(p.requestId) || undefined,
      bureau,
      bureauName: text(p.bureauName),
      cleared: p.cleared === true,
      outstanding: Array.isArray(p.outstanding) ? p.outstanding.map(String) : [],
      answeredAt: text(p.answeredAt) || event.publishedAt,
      // The tax side's answer id; the exchange event id if an older sender had none.
      answerId: text(p.answerId) || event.id,
    });
    return { stored: result.recorded };
  }
  if (event.type === TOPIC_TYPES.taxRegistration) {
    await recordTaxRegistration(ctx, {
      uscc,
      bureau,
      bureauName: text(p.bureauName) || bureau,
      competentAuthority: text(p.competentAuthority),
      businessAddress: text(p.businessAddress),
      financeOfficer: text(p.financeOfficer),
      accountingMethod: text(p.accountingMethod),
      answeredAt: text(p.answeredAt) || event.publishedAt,
    });
    return { stored: true };
  }
  throw badRequest('event_type_unknown', `不认识的清税主题事件类型: ${event.type}`);
}
