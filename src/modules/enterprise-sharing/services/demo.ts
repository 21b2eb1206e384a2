/**
 * Demo of enterprise information sharing (first start only, 演示): the two tax bureaus connected to
 * the exchange (units, members, subsystems, grants, subscriptions, the clearance topic) with their
 * webhooks at config.internalBaseUrl, and a registration clerk in each. Runs after the exchange
 * demo, which publishes market regulation's enterprise registration topic.
 */
import type { Ctx } from '../../../platform/context.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { DEMO_PASSWORD, assignRole, createStaffUser, getRole } from '../../identity/index.ts';
import { getResource } from '../../exchange/index.ts';
import { DEMO_BUREAUS, TAX_ROLES, TOPIC_CODES } from '../model.ts';
import { connectTaxBureaus } from './bureaus.ts';

export async function seedEnterpriseSharingDemo(ctx: Ctx, services: PlatformServices): Promise<void> {
  const topic = await getResource(ctx, { code: TOPIC_CODES.enterpriseRegistration }).catch(() => null);
  if (!topic) {
    services.log.warn({}, 'enterprise-sharing demo skipped: the enterprise registration topic is not in the exchange catalog');
    return;
  }
  const bureaus = await connectTaxBureaus(ctx, { baseUrl: services.config.internalBaseUrl, isDemo: true });
  const role = await getRole(ctx, { code: TAX_ROLES[0].code });
  if (!role) throw new Error(`demo seed: role ${TAX_ROLES[0].code} missing`);
  for (const spec of DEMO_BUREAUS) {
    const bureau = bureaus.find((b) => b.code === spec.code)!;
    const user = await createStaffUser(ctx, { loginName: spec.clerk.login, displayName: spec.clerk.name, password: DEMO_PASSWORD, homeUnitId: bureau.unitId, isDemo: true });
    await assignRole(ctx, { userId: user.id, roleId: role.id, unitId: bureau.unitId });
  }
}
