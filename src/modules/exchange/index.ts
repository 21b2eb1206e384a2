/**
 * Data sharing and exchange platform (数据共享交换平台): members and their subsystems (X-Road
 * identifiers), the resource catalog, sharing rules with access applications and grants, the
 * gateway with its signed message log, event topics with webhook delivery (NATS JetStream when
 * NATS_URL is set), "who used my data" and the dashboard. This file is the module's only public surface.
 */
import type { FastifyInstance } from 'fastify';
import type { ModuleDefinition, PlatformServices } from '../../platform/module.ts';
import { EXCHANGE_DEMO_STAFF, EXCHANGE_ROLES, SCOPES, SCOPE_DESCRIPTIONS } from './model.ts';
import { enterpriseTopicBridge } from './events/bridge.ts';
import { eventDeliveryTask } from './events/worker.ts';
import { registerEventRoutes } from './events/routes.ts';
import { messageLogSealer, registerGatewayRoutes } from './gateway/routes.ts';
import { connectDemoProviders } from './gateway/demo.ts';
import { registerCatalogApi } from './routes-catalog.ts';
import { registerCatalogPages } from './pages/catalog.ts';
import { registerAdminPages } from './pages/admin.ts';
import { registerDashboardPage } from './pages/dashboard.ts';
import { EXCHANGE_WORKFLOWS } from './workflows.ts';
import { seedExchangeDemo } from './services/demo.ts';
import { exchangePendingItems } from './services/applications.ts';

// --- public service API ------------------------------------------------------------------------
export {
  SCOPES as EXCHANGE_SCOPES, EVENTS as EXCHANGE_EVENTS, INSTANCE, RESOURCE_CODES, MEMBER_CLASS_LABELS, RESOURCE_KIND_LABELS, SHARE_TYPE_LABELS, OPEN_TYPE_LABELS, CATALOG_TYPE_LABELS,
  type MemberClass, type ResourceKind, type ShareType, type OpenType, type CatalogType,
} from './model.ts';
export {
  createMember, getMember, listMembers, memberForUnit, createSubsystem, getSubsystem, findSubsystem, listSubsystems, setSubsystemStatus,
  issueHmacCredential, registerSm2Credential, revokeCredential, listCredentials, verificationKey, createGroup, addToGroup, listGroups,
  xroadIdOf, parseXroadId, actsForMember, type MemberView, type SubsystemView, type CredentialView, type GroupView, type MemberInput, type SubsystemInput,
} from './services/members.ts';
export { publishResource, getResource, resourceByService, listResources, withdrawResource, matchEndpoint, type ResourceInput, type ResourceView, type EndpointView, type EndpointInput, type DataItem, type ResourceFilter } from './services/catalog.ts';
export { createGrant, grantAccess, getGrant, revokeGrant, listGrants, findActiveGrant, type GrantView, type GrantInput } from './services/grants.ts';
export {
  submitApplication, decideApplication, withdrawApplication, getApplication, listApplications, applicationCounts, grantsFor, resourceGrants, APPLICATION_STATUS_LABELS,
  type ApplicationView, type ApplicationStatus, type ApplyInput, type DecideInput,
} from './services/applications.ts';
export { APPLICATION_FLOW, ANSWER_WORKING_DAYS, DATA_AUTHORITY } from './workflows.ts';
export { exchangeDashboard, resourcesByProvider, registrationDeliveryLatency, type ExchangeDashboard } from './services/dashboard.ts';
export { publishToTopic, subscribe, unsubscribe, pauseSubscription, resumeSubscription, getSubscription, listSubscriptions, SUBSCRIPTION_STATUS_LABELS, type TopicEventInput, type SubscriptionView, type SubscriptionStatus } from './events/topics.ts';
export { exchangeSigningPublicKey, verifyWebhook, SIGNATURE_HEADER as WEBHOOK_SIGNATURE_HEADER, EVENT_ID_HEADER as WEBHOOK_EVENT_ID_HEADER } from './events/signing.ts';
export { deliveryStats, listDeadLetters as listExchangeDeadLetters, replayDeadLetter as replayExchangeDeadLetter, type DeliveryStats, type DeadLetterView as ExchangeDeadLetterView } from './events/deliveries.ts';
export { ENTERPRISE_TOPIC_TYPES, ENTERPRISE_TOPIC_TYPE_LABELS, type EnterpriseTopicType } from './events/bridge.ts';
export { signRequest, type SignInput } from './gateway/signing.ts';
export { verifyMessageLog, sealMessageLog, type MessageLogVerification } from './gateway/message-log.ts';
export { gatewayStats, serviceHealth, listMessages, usageFor, dataUsageOf, lookupDataUsage, type GatewayStats, type ServiceHealth, type UsageItem, type DataUsageLine } from './gateway/monitoring.ts';
export { setProviderCredential } from './gateway/provider-credentials.ts';
export { clearGatewayCaches, CACHE_TTL_MS as GATEWAY_CACHE_TTL_MS } from './gateway/gateway.ts';

async function registerRoutes(app: FastifyInstance, services: PlatformServices): Promise<void> {
  await registerEventRoutes(app, services);
  await registerGatewayRoutes(app);
  await registerCatalogApi(app, services);
  await registerCatalogPages(app, services);
  await registerAdminPages(app, services);
  await registerDashboardPage(app);
}

export const exchangeModule: ModuleDefinition = {
  name: 'exchange',
  scopes: Object.values(SCOPES).map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
  navigation: [
    { label: '运行看板', href: '/workbench/exchange', scope: SCOPES.monitorRead, group: '数据共享交换' },
    { label: '资源目录', href: '/workbench/exchange/catalog', scope: SCOPES.catalogRead, group: '数据共享交换' },
    { label: '答复共享申请', href: '/workbench/exchange/applications', scope: SCOPES.applicationDecide, group: '数据共享交换' },
    { label: '本单位的申请', href: '/workbench/exchange/applications', scope: SCOPES.applicationSubmit, group: '数据共享交换' },
    { label: '申请督办', href: '/workbench/exchange/applications', scope: SCOPES.grantManage, group: '数据共享交换' },
    { label: '本单位的授权', href: '/workbench/exchange/grants', scope: SCOPES.applicationSubmit, group: '数据共享交换' },
    { label: '授权管理', href: '/workbench/exchange/grants', scope: SCOPES.grantManage, group: '数据共享交换' },
    { label: '子系统与凭证', href: '/workbench/exchange/systems', scope: SCOPES.catalogRead, group: '数据共享交换' },
    { label: '交换成员', href: '/workbench/exchange/members', scope: SCOPES.memberManage, group: '数据共享交换' },
    { label: '子系统分组', href: '/workbench/exchange/groups', scope: SCOPES.memberManage, group: '数据共享交换' },
    { label: '事件订阅', href: '/workbench/exchange/subscriptions', scope: SCOPES.subscriptionManage, group: '数据共享交换' },
    { label: '事件死信', href: '/workbench/exchange/dead-letters', scope: SCOPES.deadLetterManage, group: '数据共享交换' },
    { label: '消息日志', href: '/workbench/exchange/messages', scope: SCOPES.monitorRead, group: '数据共享交换' },
    { label: '服务健康', href: '/workbench/exchange/health', scope: SCOPES.monitorRead, group: '数据共享交换' },
    { label: '数据使用记录查询', href: '/workbench/exchange/usage', scope: SCOPES.usageRead, group: '数据共享交换' },
  ],
  roles: EXCHANGE_ROLES,
  demoStaff: EXCHANGE_DEMO_STAFF,
  registerRoutes,
  eventHandlers: [enterpriseTopicBridge],
  background: [eventDeliveryTask, messageLogSealer],
  publicLinks: [{ label: '数据使用记录', href: '/my/data-usage', description: '登录后查看您 (或本企业) 的信息被哪些部门、为何用途使用' }],
  workflows: EXCHANGE_WORKFLOWS,
  pendingItems: exchangePendingItems,
  seedDemo: async (ctx, services) => {
    await seedExchangeDemo(ctx, services);
    await connectDemoProviders(ctx, services);
  },
};
