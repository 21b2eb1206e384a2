/**
 * The directory module (组织与网络目录): regions (reference data), government units, their
 * e-government network links and the coverage computed from them. This file is the module's only
 * public surface; other modules import from here and nowhere else in this folder.
 */
import type { FastifyInstance } from 'fastify';
import type { ModuleDefinition, PendingItem, PlatformServices } from '../../platform/module.ts';
import type { Ctx } from '../../platform/context.ts';
import { hasScope } from '../../platform/context.ts';
import { SCOPES } from './model.ts';
import { registerDirectoryApi } from './routes.ts';
import { registerUnitPages } from './pages/units.ts';
import { registerLinkPages } from './pages/links.ts';
import { registerCoveragePages } from './pages/coverage.ts';
import { registerRegionPages } from './pages/regions.ts';
import { registerCsvPages } from './pages/csv.ts';
import { registerPublicPages } from './pages/public.ts';
import { bindEventRegistry } from './services/registry.ts';
import { seedRegions } from './services/regions.ts';
import { seedDirectoryDemo } from './services/demo.ts';
import { countSuspendedLinks } from './services/links.ts';

// --- public service API ------------------------------------------------------------------------
/** Lookups without scope checks, for other modules (identity's login resolution, pickers, seeds). */
export { getUnitSummary, findUnit, listUnitsForPicker, type UnitSummary } from './lookup.ts';
export {
  createUnit,
  updateUnit,
  deactivateUnit,
  reactivateUnit,
  getUnit,
  listUnits,
  type Unit,
  type UnitInput,
  type UnitPatch,
  type UnitFilter,
  type PickerItem,
  type Page,
} from './services/units.ts';
export { connectUnit, updateLink, listLinks, getLink, type NetworkLink, type ConnectInput, type LinkPatch, type LinkFilter } from './services/links.ts';
export { computeCoverage, type Coverage, type NetworkCoverage, type CoverageCell } from './services/coverage.ts';
export { getRegion, listRegions, regionChain, type Region } from './services/regions.ts';
export { exportUnitsCsv, importUnitsCsv, type ImportResult } from './services/csv.ts';
export { SCOPES as DIRECTORY_SCOPES, EVENTS as DIRECTORY_EVENTS, UNIT_TYPES, UNIT_TYPE_LABELS, NETWORKS, NETWORK_LABELS, type UnitType, type Network } from './model.ts';

async function registerRoutes(app: FastifyInstance, services: PlatformServices): Promise<void> {
  bindEventRegistry(services.events);
  await registerDirectoryApi(app, services);
  registerRegionPages(app);
  registerUnitPages(app, services);
  registerLinkPages(app, services);
  registerCoveragePages(app);
  await registerCsvPages(app, services);
  registerPublicPages(app);
}

async function pendingItems(ctx: Ctx): Promise<PendingItem[]> {
  if (!hasScope(ctx.actor, SCOPES.networkWrite)) return [];
  const suspended = await countSuspendedLinks(ctx);
  return suspended > 0 ? [{ title: '暂停中的网络接入', href: '/workbench/directory/links?status=suspended', count: suspended }] : [];
}

export const directoryModule: ModuleDefinition = {
  name: 'directory',
  scopes: [
    { name: SCOPES.unitRead, description: '查看本辖区的政府机构及其修改记录, 导出机构名录' },
    { name: SCOPES.unitWrite, description: '新增、修改、停用和启用本辖区的政府机构, 导入机构名录' },
    { name: SCOPES.networkRead, description: '查看本辖区单位的电子政务网络接入情况和覆盖统计' },
    { name: SCOPES.networkWrite, description: '登记和修改本辖区单位的电子政务网络接入' },
  ],
  navigation: [
    { label: '政府机构', href: '/workbench/directory/units', scope: SCOPES.unitRead, group: '组织目录' },
    { label: '行政区划', href: '/workbench/directory/regions', scope: SCOPES.unitRead, group: '组织目录' },
    { label: '网络接入', href: '/workbench/directory/links', scope: SCOPES.networkRead, group: '组织目录' },
    { label: '覆盖情况', href: '/workbench/directory/coverage', scope: SCOPES.networkRead, group: '组织目录' },
    { label: '导入机构', href: '/workbench/directory/units/import', scope: SCOPES.unitWrite, group: '组织目录' },
  ],
  publicLinks: [{ label: '政府机构名录', href: '/units', description: '全省各级党委、人民政府及其部门、人大、政协、法院、检察院名录。' }],
  registerRoutes,
  pendingItems,
  async seedReference(ctx) {
    await seedRegions(ctx);
  },
  async seedDemo(ctx) {
    await seedDirectoryDemo(ctx);
  },
};
