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

export const modules: ModuleDefinition[] = [platformModule, calendarModule, directoryModule, identityModule, notifyModule, filesModule, workflowModule, documentsModule];
