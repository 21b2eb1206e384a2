/**
 * Route coverage for permission tests: a module that, placed first in the module list, records every
 * route registered after it, so a test can fail when a module gains a route nobody checked.
 */
import type { ModuleDefinition } from '../../src/platform/module.ts';

export function routeSpy(): { spy: ModuleDefinition; registered: string[] } {
  const registered: string[] = [];
  const spy: ModuleDefinition = {
    name: 'route-spy',
    scopes: [],
    registerRoutes(app) {
      app.addHook('onRoute', (r) => {
        const methods = Array.isArray(r.method) ? r.method : [r.method];
        for (const m of methods) if (m !== 'HEAD') registered.push(`${m} ${r.url}`);
      });
    },
  };
  return { spy, registered };
}
