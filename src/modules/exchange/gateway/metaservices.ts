/**
 * Metaservices in the X-Road REST style, signed and logged like every gateway call:
 *   GET /exchange/r1/listClients                              members' subsystems of the instance
 *   GET /exchange/r1/{provider subsystem}/listMethods          API services of that provider
 *   GET /exchange/r1/{provider subsystem}/allowedMethods       those the calling client may call
 *   GET /exchange/r1/{provider subsystem}/getOpenAPI?serviceCode=X   the service's OpenAPI 3
 * These service codes are therefore reserved: a resource using one would be shadowed.
 */
import type { Ctx } from '../../../platform/context.ts';
import { INSTANCE } from '../model.ts';
import { listResources, type ResourceView } from '../services/catalog.ts';
import { findSubsystem, listSubsystems, type SubsystemView } from '../services/members.ts';
import { findActiveGrant } from '../services/grants.ts';

export const METASERVICES = ['listMethods', 'allowedMethods', 'getOpenAPI'] as const;
export type Metaservice = (typeof METASERVICES)[number] | 'listClients';

interface ServiceEntry {
  xroad_instance: string;
  member_class: string;
  member_code: string;
  subsystem_code: string;
  service_code: string;
  service_type: 'OPENAPI' | 'REST';
  endpoint_list: { method: string; path: string }[];
}

export async function listClients(ctx: Ctx): Promise<{ member: { id: Record<string, string>; name: string; subsystem_name: string }[] }> {
  const subs = await listSubsystems(ctx, {});
  return {
    member: subs.filter((s) => s.status === 'active').map((s) => ({
      id: { object_type: 'SUBSYSTEM', xroad_instance: INSTANCE, member_class: s.memberClass, member_code: s.memberCode, subsystem_code: s.code },
      name: s.memberName,
      subsystem_name: s.name,
    })),
  };
}

const entry = (p: SubsystemView, r: ResourceView, endpoints: ResourceView['endpoints']): ServiceEntry => ({
  xroad_instance: INSTANCE,
  member_class: p.memberClass,
  member_code: p.memberCode,
  subsystem_code: p.code,
  service_code: r.serviceCode,
  service_type: r.openapi ? 'OPENAPI' : 'REST',
  endpoint_list: endpoints.map((e) => ({ method: e.method, path: e.pathTemplate })),
});

async function apiResourcesOf(ctx: Ctx, providerXroadId: string): Promise<{ provider: SubsystemView; resources: ResourceView[] } | null> {
  const provider = await findSubsystem(ctx, { xroadId: providerXroadId });
  if (!provider) return null;
  const resources = (await listResources(ctx, { providerSubsystemId: provider.id, kind: 'api' })).filter((r) => r.shareType !== 'none');
  return { provider, resources };
}

export async function listMethods(ctx: Ctx, input: { providerXroadId: string }): Promise<{ service: ServiceEntry[] } | null> {
  const found = await apiResourcesOf(ctx, input.providerXroadId);
  if (!found) return null;
  return { service: found.resources.map((r) => entry(found.provider, r, r.endpoints)) };
}

/** The provider's services and endpoints the client holds an active grant for. */
export async function allowedMethods(ctx: Ctx, input: { providerXroadId: string; clientSubsystemId: string }): Promise<{ service: ServiceEntry[] } | null> {
  const found = await apiResourcesOf(ctx, input.providerXroadId);
  if (!found) return null;
  const service: ServiceEntry[] = [];
  for (const r of found.resources) {
    const allowed = [];
    for (const e of r.endpoints) {
      if (await findActiveGrant(ctx, { clientSubsystemId: input.clientSubsystemId, resourceId: r.id, endpointId: e.id })) allowed.push(e);
    }
    if (allowed.length > 0) service.push(entry(found.provider, r, allowed));
  }
  return { service };
}

/** The service's OpenAPI document with the gateway address as its server (generated from the endpoints when none was registered). */
export async function getOpenApi(ctx: Ctx, input: { providerXroadId: string; serviceCode: string }): Promise<Record<string, unknown> | null> {
  const found = await apiResourcesOf(ctx, input.providerXroadId);
  const r = found?.resources.find((x) => x.serviceCode === input.serviceCode);
  if (!r) return null;
  const servers = [{ url: r.gatewayPath, description: '经数据共享交换平台网关调用' }];
  if (r.openapi) return { ...r.openapi, servers };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of r.endpoints) {
    const params = [...e.pathTemplate.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    (paths[e.pathTemplate] ??= {})[e.method.toLowerCase()] = { operationId: e.operationId, summary: e.summary, parameters: params, responses: { 200: { description: '成功' } } };
  }
  return { openapi: '3.0.3', info: { title: r.name, version: String(r.version), description: r.abstract }, servers, paths };
}
