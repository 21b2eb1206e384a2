/**
 * The HJ 212 listener as a background task of the environment module (role `ingest`): started by boot
 * in processes with that role, on `config.hj212Port` (HJ212_PORT, default 9212).
 */
import type { BackgroundTask } from '../../../platform/module.ts';
import { startHj212Server } from './server.ts';

export const hj212Listener: BackgroundTask = {
  name: 'hj212-listener',
  role: 'ingest',
  async start({ services, systemCtx }) {
    const server = await startHj212Server({ port: services.config.hj212Port, host: services.config.host, systemCtx, log: services.log });
    services.log.info({ port: server.port }, 'hj212 listener started');
    return { stop: () => server.stop() };
  },
};
