/**
 * The files module: upload, download and preview of attachments. Owner modules declare who may
 * see their owners' attachments in `ModuleDefinition.attachmentPolicies`.
 */
import type { ModuleDefinition } from '../module.ts';
import { bindFilesRuntime } from './service.ts';
import { registerFilesRoutes } from './routes.ts';

export const filesModule: ModuleDefinition = {
  name: 'files',
  scopes: [],
  async registerRoutes(app, services) {
    await registerFilesRoutes(app, bindFilesRuntime(services));
  },
};
