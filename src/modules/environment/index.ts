/**
 * Pollution-source online monitoring (污染源在线监控, 生态环境): the registry of enterprises, outlets
 * and monitoring points; the readings HJ 212 data loggers upload (hj212/ parses, ingest/ receives);
 * validity, hourly and daily values, transmission rates, alarms, emissions and the environmental
 * protection tax base; the monitoring console. This file is the module's only public surface.
 */
import type { FastifyInstance } from 'fastify';
import type { Ctx } from '../../platform/context.ts';
import { hasScope } from '../../platform/context.ts';
import type { ModuleDefinition, PendingItem, PlatformServices } from '../../platform/module.ts';
import { ENV_DEMO_STAFF, ENV_ROLES, SCOPES, SCOPE_DESCRIPTIONS } from './model.ts';
import { ensureReadingPartitions, seedStandards } from './services/standards.ts';
import { alarmFollowupV1, alarmNotifier, countActiveAlarms } from './services/alarms.ts';
import { aggregationWorker } from './services/aggregation.ts';
import { seedEnvironmentDemo } from './services/demo.ts';
import { registerEnvironmentApi } from './routes.ts';
import { registerConsolePages } from './pages/console.ts';
import { registerAlarmPages } from './pages/alarms.ts';
import { registerRegistryPages } from './pages/registry.ts';
import { registerReportPages } from './pages/reports.ts';
import { hj212Listener } from './ingest/listener.ts';
import { demoSimulator } from './tools/demo.ts';

// --- public service API ------------------------------------------------------------------------
export { SCOPES as ENVIRONMENT_SCOPES, EVENTS as ENVIRONMENT_EVENTS, POLLUTANTS, parseDataTime } from './model.ts';
export { authenticateLogger, storeUploads, readingRows, listLoggerCredentials, DEMO_LOGGER_PW, type Upload, type LoggerAuthResult, type StoredValues, type LoggerCredential } from './services/uploads.ts';
export {
  createEnterprise, updateEnterprise, getEnterprise, listEnterprises, createOutlet, getOutlet, listOutlets, setOutletLimit, createPoint, updatePoint, getPoint, listPoints, registerPoint, makeUscc,
  type Enterprise, type EnterpriseInput, type Outlet, type OutletInput, type Point, type PointInput, type PointPatch,
} from './services/registry.ts';
export { STANDARDS, listStandards, ensureReadingPartitions } from './services/standards.ts';
export { listAlarms, getAlarm, acknowledgeAlarm, resolveAlarm, openFollowupCase, type AlarmView } from './services/alarms.ts';
export { processAggregationQueue, drainAggregationQueue, scanMissingData } from './services/aggregation.ts';
export { pointStatuses, emissionTotals, reductionByCity, transmissionRates, taxBase, type PointStatus, type EnterpriseTaxBase } from './services/console.ts';
export { outletTax, reductionFactor, EQUIVALENTS, HENAN_RATES } from './services/tax.ts';

async function registerRoutes(app: FastifyInstance, services: PlatformServices): Promise<void> {
  const nudge = () => services.nudgeDispatcher();
  await registerEnvironmentApi(app, services);
  registerConsolePages(app);
  registerAlarmPages(app, nudge);
  registerRegistryPages(app, nudge);
  registerReportPages(app);
}

async function seedReference(ctx: Ctx): Promise<void> {
  await seedStandards(ctx);
  await ensureReadingPartitions(ctx);
}

async function pendingItems(ctx: Ctx): Promise<PendingItem[]> {
  if (ctx.actor.kind !== 'staff' || !hasScope(ctx.actor, SCOPES.alarmHandle)) return [];
  const n = await countActiveAlarms(ctx);
  return n > 0 ? [{ title: '待处理的污染源监控报警', href: '/workbench/environment/alarms?status=open', count: n }] : [];
}

export const environmentModule: ModuleDefinition = {
  name: 'environment',
  scopes: Object.values(SCOPES).map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
  navigation: [
    { label: '监控总览', href: '/workbench/environment', scope: SCOPES.read, group: '污染源在线监控' },
    { label: '报警', href: '/workbench/environment/alarms?status=active', scope: SCOPES.read, group: '污染源在线监控' },
    { label: '月报与环保税', href: '/workbench/environment/reports', scope: SCOPES.read, group: '污染源在线监控' },
    { label: '污染源档案', href: '/workbench/environment/enterprises', scope: SCOPES.read, group: '污染源在线监控' },
  ],
  roles: ENV_ROLES,
  demoStaff: ENV_DEMO_STAFF,
  eventHandlers: [alarmNotifier],
  workflows: [alarmFollowupV1],
  background: [hj212Listener, aggregationWorker, demoSimulator],
  registerRoutes,
  pendingItems,
  seedReference,
  seedDemo: seedEnvironmentDemo,
};
export { runHj212Command } from './tools/cli.ts';
