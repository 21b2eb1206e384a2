/**
 * Data sharing and exchange platform (数据共享交换平台): members and their subsystems (X-Road
 * identifiers), the resource catalog, sharing rules with access applications and grants, the
 * gateway with its signed message log, event topics with webhook delivery (NATS JetStream when
 * NATS_URL is set), "who used my data" and the dashboard. This file is the module's only public surface.
 */
import type { FastifyInstance } from 'fastify';
import type { ModuleDefinition, PlatformServices } from '../../platform/module.ts';
import { EXCHANGE_DEMO_STAFF, EXCHANGE_ROLES, SCOPES, SCOPE_DESCRIPTIONS } from './model.ts';

// --- public service API ------------------------------------------------------------------------
export {
  SCOPES as EXCHANGE_SCOPES, EVENTS as EXCHANGE_EVENTS, INSTANCE, MEMBER_CLASS_LABELS, RESOURCE_KIND_LABELS, SHARE_TYPE_LABELS, OPEN_TYPE_LABELS, CATALOG_TYPE_LABELS,
  type MemberClass, type ResourceKind, type ShareType, type OpenType, type CatalogType,
} from './model.ts';
export {
  createMember, getMember, listMembers, memberForUnit, createSubsystem, getSubsystem, findSubsystem, listSubsystems, setSubsystemStatus,
  issueHmacCredential, registerSm2Credential, revokeCredential, listCredentials, verificationKey, createGroup, addToGroup, listGroups,
  xroadIdOf, parseXroadId, actsForMember, type MemberView, type SubsystemView, type CredentialView, type GroupView, type MemberInput, type SubsystemInput,
} from './services/members.ts';
export { publishResource, getResource, resourceByService, listResources, withdrawResource, matchEndpoint, type ResourceInput, type ResourceView, type EndpointView, type EndpointInput, type DataItem, type ResourceFilter } from './services/catalog.ts';
export { createGrant, grantAccess, getGrant, revokeGrant, listGrants, findActiveGrant, type GrantView, type GrantInput } from './services/grants.ts';

async function registerRoutes(app: FastifyInstance, services: PlatformServices): Promise<void> {
  // Each part registers its own routes here (one line each).
  void app;
  void services;
}

export const exchangeModule: ModuleDefinition = {
  name: 'exchange',
  scopes: Object.values(SCOPES).map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
  navigation: [],
  roles: EXCHANGE_ROLES,
  demoStaff: EXCHANGE_DEMO_STAFF,
  registerRoutes,
  eventHandlers: [],
  background: [],
  workflows: [],
};
