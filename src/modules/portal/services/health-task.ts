/**
 * Keeps site health current: the worker task `site-health` looks every few seconds for sites
 * whose check is due (stored `due_at`, so the schedule survives restarts and is shared by all
 * workers), and the event handler `portal.health-due` makes a site due at once after a change
 * that can alter its health (publish, withdrawal, a new column, a reply to a message …).
 */
import type { EventHandler } from '../../../platform/events/outbox.ts';
import type { BackgroundTask } from '../../../platform/module.ts';
import { EVENTS } from '../model.ts';
import { markHealthDue, recheckDueSites } from './health.ts';

/** How often the worker looks for due checks (a cheap indexed query when none is due). */
export const HEALTH_TICK_MS = 5000;

const HEALTH_EVENT_TYPES = [
  EVENTS.siteCreated,
  EVENTS.columnCreated,
  EVENTS.articlePublished,
  EVENTS.articleWithdrawn,
  EVENTS.articleSyndicated,
  EVENTS.messageReceived,
  EVENTS.messageReplied,
];

export const healthDueHandler: EventHandler = {
  name: 'portal.health-due',
  types: HEALTH_EVENT_TYPES,
  async handle(ctx, event) {
    const p = event.payload as { siteCode?: string; code?: string; copies?: { siteCode: string }[] };
    const codes = new Set<string>([p.siteCode, p.code, ...(p.copies ?? []).map((c) => c.siteCode)].filter((c): c is string => typeof c === 'string'));
    for (const code of codes) await markHealthDue(ctx, code);
  },
};

export const siteHealthTask: BackgroundTask = {
  name: 'site-health',
  role: 'worker',
  async start({ systemCtx, services }) {
    let stopped = false;
    let running: Promise<void> = Promise.resolve();
    const tick = async () => {
      try {
        const n = await recheckDueSites(systemCtx(), { limit: 20 });
        if (n > 0) services.nudgeDispatcher();
      } catch (err) {
        services.log.error({ err }, 'portal site health check failed');
      }
    };
    running = running.then(tick);
    const timer = setInterval(() => {
      if (!stopped) running = running.then(tick);
    }, HEALTH_TICK_MS);
    return {
      async stop() {
        stopped = true;
        clearInterval(timer);
        await running;
      },
    };
  },
};
