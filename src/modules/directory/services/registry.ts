/**
 * Where the directory's services find the event handler registry that publish() needs.
 *
 * Service functions take only `ctx`, and the kernel does not carry the registry on ctx yet, so
 * registerRoutes() binds it here once per boot. Boot runs seedReference/seedDemo before
 * registerRoutes; changes made then (demo data) are published with an empty registry: the events
 * are stored in the outbox, but no delivery rows are created for subscribers. Kernel request:
 * put `events` on Ctx (or hand PlatformServices to the seed hooks) and drop this file.
 */
import { HandlerRegistry } from '../../../platform/events/outbox.ts';

let bound: HandlerRegistry | null = null;
const unbound = new HandlerRegistry();

export function bindEventRegistry(registry: HandlerRegistry): void {
  bound = registry;
}

export function getEventRegistry(): HandlerRegistry {
  return bound ?? unbound;
}
