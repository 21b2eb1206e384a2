import type { ModuleDefinition } from '../../platform/module.ts';

export const directoryModule: ModuleDefinition = { name: 'directory', scopes: [] };
export { getUnitSummary, findUnit, type UnitSummary } from './lookup.ts';
