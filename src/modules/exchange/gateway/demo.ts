/**
 * Demo wiring for the gateway: the demo catalog publishes the base registries as API resources
 * whose provider address is this platform's own JSON API, which wants an API key. The provider
 * side (here: the demo) gives the gateway one — a service account 共享交换网关 (演示) with read
 * scopes of those APIs — and the gateway presents it on every forwarded call.
 */
import type { Ctx } from '../../../platform/context.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { assignRole, createRole, createServiceAccount, issueApiKey } from '../../identity/index.ts';
import { REGISTRY_SCOPES } from '../../registries/index.ts';
import { GEOGRAPHY_SCOPES } from '../../geography/index.ts';
import { MACRO_SCOPES } from '../../macro-economy/index.ts';
import { queryOne, sql } from '../../../platform/db/index.ts';
import { listResources } from '../services/catalog.ts';
import { setProviderCredential } from './provider-credentials.ts';

export async function connectDemoProviders(ctx: Ctx, services: PlatformServices): Promise<void> {
  if (await queryOne(ctx.db, sql`SELECT 1 FROM exchange.provider_credentials LIMIT 1`)) return;
  const base = services.config.internalBaseUrl;
  const resources = (await listResources(ctx, { kind: 'api' })).filter((r) => r.isDemo && r.baseUrl?.startsWith(`${base}/api/`));
  const unitId = resources.find((r) => r.provider.unitId)?.provider.unitId;
  if (!unitId) return;
  const known = services.scopes.map((s) => s.name);
  const scopes = [REGISTRY_SCOPES.personRead, REGISTRY_SCOPES.entityRead, GEOGRAPHY_SCOPES.read, MACRO_SCOPES.read].filter((s) => known.includes(s));
  const account = await createServiceAccount(ctx, { loginName: 'exchange-gateway', displayName: '数据共享交换网关 (演示)', homeUnitId: unitId });
  const role = await createRole(ctx, { code: 'exchange_gateway_reader', name: '共享交换网关读取基础库 (演示)', description: '网关转发到本平台基础库接口时使用 (演示)', scopes, knownScopes: known });
  await assignRole(ctx, { userId: account.id, roleId: role.id, unitId });
  const { key } = await issueApiKey(ctx, { serviceUserId: account.id, name: '共享交换网关' });
  for (const subsystemId of new Set(resources.map((r) => r.provider.id))) await setProviderCredential(ctx, { subsystemId, authorization: `Bearer ${key}` });
}
