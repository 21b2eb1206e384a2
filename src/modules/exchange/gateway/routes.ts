/**
 * Wiring of the gateway: the /exchange/r1/* route (raw bodies, no CSRF), its pages, and the worker
 * task that signs the message log in batches.
 */
import type { FastifyInstance } from 'fastify';
import type { BackgroundTask } from '../../../platform/module.ts';
import { handleGatewayCall } from './gateway.ts';
import { sealMessageLog } from './message-log.ts';
import { registerGatewayPages } from './pages.ts';

const GATEWAY_BODY_LIMIT = 10 * 1024 * 1024;

export async function registerGatewayRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scoped) => {
    // The gateway passes bodies through untouched (and hashes the exact bytes), whatever their type.
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: GATEWAY_BODY_LIMIT }, (_req, body, done) => done(null, body));
    // The kernel gives every anonymous visitor a cookie; member systems are not browsers.
    scoped.addHook('onSend', async (_req, reply, payload) => {
      reply.removeHeader('set-cookie');
      return payload;
    });
    scoped.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: '/exchange/r1/*',
      // 'public' at the HTTP layer on purpose: member systems carry no session or API key here; the
      // gateway authenticates the client subsystem itself by the request signature (EGOV-HMAC-SM3 /
      // EGOV-SM2) and checks its grant, so there is no ambient credential and no CSRF to check.
      config: { scope: 'public', csrfExempt: true },
      handler: handleGatewayCall,
    });
  });
  registerGatewayPages(app);
}

/** Signs the message log every second when a batch is due (SEAL_EVERY_SECONDS / SEAL_EVERY_MESSAGES). */
export const messageLogSealer: BackgroundTask = {
  name: 'message-log-sealer',
  role: 'worker',
  async start({ services, systemCtx }) {
    let running: Promise<unknown> | null = null;
    const timer = setInterval(() => {
      if (running) return;
      running = sealMessageLog(systemCtx())
        .catch((err: unknown) => services.log.error({ err }, 'message log sealing failed'))
        .finally(() => (running = null));
    }, 1000);
    return {
      async stop() {
        clearInterval(timer);
        await running;
      },
    };
  },
};
