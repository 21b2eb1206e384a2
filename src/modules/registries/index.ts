/**
 * The base registries (基础信息库): the population registry (人口基础信息库) and the legal-entity
 * registry (法人单位基础信息库), with history, outbox events, the read access log ("who used my
 * data"), data-quality reports, bulk imports (on src/platform/imports) and a synthetic data
 * generator. This file is the module's only public surface.
 */
import type { FastifyInstance } from 'fastify';
import type { Ctx } from '../../platform/context.ts';
import type { ModuleDefinition, PendingItem, PlatformServices } from '../../platform/module.ts';
import { REGISTRY_DEMO_STAFF, REGISTRY_ROLES, SCOPES, SCOPE_DESCRIPTIONS } from './model.ts';
import { registerRegistriesApi } from './routes.ts';
import { registerPersonPages } from './pages/persons.ts';
import { registerEntityPages } from './pages/entities.ts';
import { registerImportPages } from './pages/imports.ts';
import { registerQualityPages } from './pages/quality.ts';
import { seedRegistriesDemo } from './services/demo.ts';
import { countOpenIssues, runQualityChecks } from './services/quality.ts';

// --- public service API ------------------------------------------------------------------------
export { SCOPES as REGISTRY_SCOPES, EVENTS as REGISTRY_EVENTS, type PersonView, type EntityView, type AccessChannel } from './model.ts';
export { ETHNICITIES, INDUSTRY_SECTIONS, INDUSTRY_DIVISIONS, ENTITY_TYPES, ENTITY_STATUS_LABELS, PERSON_STATUS_LABELS } from './codes.ts';
export { getPerson, batchPersons, searchPersons, recordPersonEvent, correctPerson, personHistory, type PersonEventInput } from './services/persons.ts';
export { getEntity, batchEntities, searchEntities, registerEntity, changeEntity, deregisterEntity, fileAnnualReport, listAbnormal, removeAbnormal, entityDetails, type EntityInput } from './services/entities.ts';
export { accessLogFor, type AccessLogItem } from './services/access-log.ts';
export {
  requestDeregistration, recordTaxClearance, recordTaxRegistration, deregistrationStatus, setClearanceAuthority, listClearanceAuthorities,
  type ClearanceAuthority, type DeregistrationRequestView, type TaxClearanceView, type TaxClearanceInput, type TaxRegistrationView,
} from './services/deregistration.ts';
export { runQualityChecks, listQualityIssues, resolveQualityIssue, QUALITY_RULES, type QualityIssue } from './services/quality.ts';
export { PERSON_IMPORT, ENTITY_IMPORT, REGISTRY_IMPORTERS } from './services/importers.ts';
export { personGenerator, entityGenerator, makeUscc, orgCheckChar } from './synthetic/generator.ts';
export { generateFiles } from './synthetic/files.ts';
export { generatorRegions } from './synthetic/regions.ts';
export { runRegistriesCommand } from './cli.ts';

async function registerRoutes(app: FastifyInstance, services: PlatformServices): Promise<void> {
  registerRegistriesApi(app, services);
  registerPersonPages(app, services);
  registerEntityPages(app, services);
  registerQualityPages(app);
  await registerImportPages(app, services);
}

async function pendingItems(ctx: Ctx): Promise<PendingItem[]> {
  if (ctx.actor.kind !== 'staff') return [];
  const n = await countOpenIssues(ctx);
  return n > 0 ? [{ title: '待处理的基础信息数据质量问题', href: '/workbench/registries/quality', count: n }] : [];
}

export const registriesModule: ModuleDefinition = {
  name: 'registries',
  scopes: Object.values(SCOPES).map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
  navigation: [
    { label: '人口信息', href: '/workbench/registries/persons', scope: SCOPES.personRead, group: '基础信息库' },
    { label: '法人单位', href: '/workbench/registries/entities', scope: SCOPES.entityRead, group: '基础信息库' },
    { label: '出生登记 / 迁入', href: '/workbench/registries/persons/new', scope: SCOPES.personWrite, group: '基础信息库' },
    { label: '设立登记', href: '/workbench/registries/entities/new', scope: SCOPES.entityWrite, group: '基础信息库' },
    { label: '导入人口数据', href: '/workbench/registries/imports/persons', scope: SCOPES.personImport, group: '基础信息库' },
    { label: '导入法人数据', href: '/workbench/registries/imports/entities', scope: SCOPES.entityImport, group: '基础信息库' },
    { label: '数据质量', href: '/workbench/registries/quality', scope: SCOPES.qualityManage, group: '基础信息库' },
  ],
  roles: REGISTRY_ROLES,
  demoStaff: REGISTRY_DEMO_STAFF,
  registerRoutes,
  pendingItems,
  seedDemo: (ctx) => seedRegistriesDemo(ctx),
  background: [
    {
      name: 'quality-checks',
      role: 'worker',
      async start({ services, systemCtx }) {
        // Nightly-ish: every 6 hours; the checks take an advisory lock, so several workers are safe.
        const timer = setInterval(() => void runQualityChecks(systemCtx()).catch((err: unknown) => services.log.warn({ err }, 'registries quality checks skipped')), 6 * 3600_000);
        return {
          async stop() {
            clearInterval(timer);
          },
        };
      },
    },
  ],
};
