/**
 * Workbench pages and JSON API for account, role and service-account management and the staff
 * member's own settings. Each route declares its scope; the services check it again, together with
 * the region bound and the MLPS rules.
 */
import type { App } from '../../platform/http/app.ts';
import type { PlatformServices } from '../../platform/module.ts';
import { registerUserPages } from './pages/users.ts';
import { registerRolePages } from './pages/roles.ts';
import { registerServiceAccountPages } from './pages/service-accounts.ts';
import { registerProfilePages } from './pages/profile.ts';
import { registerIdentityApi } from './routes-api.ts';

export function registerAdminRoutes(app: App, services: PlatformServices): void {
  registerUserPages(app, services);
  registerRolePages(app, services);
  registerServiceAccountPages(app, services);
  registerProfilePages(app, services);
  registerIdentityApi(app, services);
}
