/**
 * Workbench pages and JSON API for account, role and service-account management.
 */
import type { App } from '../../platform/http/app.ts';
import type { PlatformServices } from '../../platform/module.ts';

export function registerAdminRoutes(_app: App, _services: PlatformServices): void {
  // Filled in with the admin pages (users, roles, service accounts, profile).
}
