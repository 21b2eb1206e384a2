/**
 * The modules of this deployment, in dependency order (a module may only depend on those before it).
 */
import type { ModuleDefinition } from '../platform/module.ts';
import { platformModule } from '../platform/platform-module.ts';
import { calendarModule } from '../platform/calendar/module.ts';
import { workflowModule } from '../platform/workflow/module.ts';
import { directoryModule } from './directory/index.ts';
import { identityModule } from './identity/index.ts';
import { notifyModule } from '../platform/notify/module.ts';
import { filesModule } from '../platform/files/module.ts';
import { documentsModule } from './documents/index.ts';
import { registriesModule, REGISTRY_IMPORTERS } from './registries/index.ts';
import { createImportsModule } from '../platform/imports/index.ts';
import { portalModule } from './portal/index.ts';
import { geographyModule } from './geography/index.ts';
import { macroEconomyModule, MACRO_IMPORTERS } from './macro-economy/index.ts';
import { environmentModule } from './environment/index.ts';
import { exchangeModule } from './exchange/index.ts';
import { enterpriseSharingModule } from './enterprise-sharing/index.ts';

/** The bulk import service with every module's import definitions (add yours to the list). */
const importsModule = createImportsModule([...REGISTRY_IMPORTERS, ...MACRO_IMPORTERS]);

export const modules: ModuleDefinition[] = [platformModule, calendarModule, directoryModule, identityModule, notifyModule, filesModule, importsModule, workflowModule, documentsModule, registriesModule, portalModule, geographyModule, macroEconomyModule, environmentModule, exchangeModule, enterpriseSharingModule];
