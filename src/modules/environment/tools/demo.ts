/**
 * The demo's simulated loggers as a background task (role `worker`): when `config.hj212DemoSimulator`
 * (HJ212_DEMO_SIMULATOR, default true) and demo points exist, every demo point's logger connects to the
 * HJ 212 listener (`127.0.0.1:config.hj212Port`) and uploads, so the console is alive after `npm start`.
 */
import type { BackgroundTask } from '../../../platform/module.ts';
import { listLoggerCredentials } from '../services/uploads.ts';
import { startSimulation } from './simulate.ts';

export const demoSimulator: BackgroundTask = {
  name: 'hj212-demo-simulator',
  role: 'worker',
  async start({ services, systemCtx }) {
    const idle = { stop: async () => undefined };
    if (!services.config.hj212DemoSimulator) return idle;
    const loggers = await listLoggerCredentials(systemCtx(), { demoOnly: true });
    if (loggers.length === 0) return idle;
    const sim = startSimulation({
      host: '127.0.0.1',
      port: services.config.hj212Port,
      loggers,
      onEvent: (e) => {
        if (e.kind === 'exceedance' || e.kind === 'outage') services.log.debug({ mn: e.mn, detail: e.detail }, `hj212 demo logger ${e.kind}`);
      },
    });
    services.log.info({ loggers: loggers.length, port: services.config.hj212Port }, 'hj212 demo simulator started');
    return { stop: () => sim.stop() };
  },
};
