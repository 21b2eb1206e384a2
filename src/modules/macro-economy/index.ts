/**
 * Macro-economy (宏观经济数据库): the indicator catalog (code, name, unit, frequency, source
 * department, definition) and values by region (GB/T 2260) and period, with every superseded value
 * kept; CSV/XLSX import through the kernel's import pipeline; time-series and region-comparison
 * charts; JSON API. This file is the module's only public surface.
 */
import type { FastifyInstance } from 'fastify';
import type { ModuleDefinition, PlatformServices } from '../../platform/module.ts';
import { MACRO_DEMO_STAFF, MACRO_ROLES, SCOPES, SCOPE_DESCRIPTIONS } from './model.ts';
import { registerMacroApi } from './routes.ts';
import { registerMacroPages } from './pages/macro.ts';
import { seedMacroDemo } from './services/demo.ts';

// --- public service API ------------------------------------------------------------------------
export { SCOPES as MACRO_SCOPES, EVENTS as MACRO_EVENTS, FREQUENCIES, FREQUENCY_LABELS, IMPORT_KIND as MACRO_IMPORT_KIND, type Frequency } from './model.ts';
export { createIndicator, updateIndicator, getIndicator, listIndicators, type Indicator, type IndicatorInput, type IndicatorPatch } from './services/indicators.ts';
export { recordValue, listValues, valueHistory, compareRegions, periodsOf, recentRevisions, parseDecimal, type Observation, type RecordInput, type RecordResult, type HistoryEntry } from './services/values.ts';
export { macroValuesImport, MACRO_IMPORTERS, VALUE_COLUMNS } from './services/import.ts';

async function registerRoutes(app: FastifyInstance, services: PlatformServices): Promise<void> {
  await registerMacroApi(app, services);
  await registerMacroPages(app, services);
}

export const macroEconomyModule: ModuleDefinition = {
  name: 'macro-economy',
  scopes: Object.values(SCOPES).map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
  navigation: [
    { label: '指标与数据', href: '/workbench/macro', scope: SCOPES.read, group: '宏观经济' },
    { label: '导入数据', href: '/workbench/macro/import', scope: SCOPES.valueWrite, group: '宏观经济' },
  ],
  roles: MACRO_ROLES,
  demoStaff: MACRO_DEMO_STAFF,
  registerRoutes,
  seedDemo: seedMacroDemo,
};
