/**
 * Enterprise information sharing (企业基础信息共享, 工商企注字〔2015〕228号): the tax bureaus'
 * receiving side of market regulation's enterprise registration topic on the exchange — a
 * clerk's inbox of new and changed enterprises to take over and of deregistration requests to
 * answer with 清税 — and market regulation's receiver of those answers, which completes the 注销
 * in the registries. This file is the module's only public surface.
 */
import type { FastifyInstance } from 'fastify';
import type { Ctx } from '../../platform/context.ts';
import type { ModuleDefinition, PendingItem, PlatformServices } from '../../platform/module.ts';
import { SCOPES, SCOPE_DESCRIPTIONS, TAX_ROLES } from './model.ts';
import { registerEnterpriseSharingApi } from './routes.ts';
import { registerTaxPages } from './pages/tax.ts';
import { countOpenItems } from './services/intake.ts';
import { seedEnterpriseSharingDemo } from './services/demo.ts';

// --- public service API ------------------------------------------------------------------------
export { SCOPES as TAX_SCOPES, EVENTS as TAX_EVENTS, DEMO_BUREAUS, TOPIC_TYPES as TAX_TOPIC_TYPES, WEBHOOK_PATHS as TAX_WEBHOOK_PATHS, type BureauSpec } from './model.ts';
export { connectTaxBureaus, listBureaus, getBureau, type Bureau } from './services/bureaus.ts';
export {
  receiveEnterpriseEvent, listIntake, listClearances, getIntakeEnterprise, getClearance, acceptEnterprise, answerClearance, taxLatencyStats,
  type IntakeEnterprise, type ClearanceItem, type LatencyStats, type WebhookEvent, type AcceptInput,
} from './services/intake.ts';

async function registerRoutes(app: FastifyInstance, services: PlatformServices): Promise<void> {
  await registerEnterpriseSharingApi(app, services);
  registerTaxPages(app, services);
}

async function pendingItems(ctx: Ctx): Promise<PendingItem[]> {
  if (ctx.actor.kind !== 'staff') return [];
  const open = await countOpenItems(ctx);
  const items: PendingItem[] = [];
  if (open.intake > 0) items.push({ title: '待接收的新设立、变更企业', href: '/workbench/tax', count: open.intake });
  if (open.clearances > 0) items.push({ title: '待答复的清税 (注销申请)', href: '/workbench/tax', count: open.clearances });
  return items;
}

export const enterpriseSharingModule: ModuleDefinition = {
  name: 'enterprise-sharing',
  scopes: Object.values(SCOPES).map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
  navigation: [{ label: '企业登记信息接收', href: '/workbench/tax', scope: SCOPES.intakeRead, group: '税务' }],
  roles: TAX_ROLES,
  registerRoutes,
  pendingItems,
  seedDemo: seedEnterpriseSharingDemo,
};
