/**
 * Child process of crash.test.ts: the real platform on a PGlite directory (CRASH_PGLITE_DIR) or a
 * PostgreSQL database (CRASH_DATABASE_URL) with the HJ 212 listener on CRASH_PORT. Prints `READY` when it
 * listens; the test kills it with SIGKILL mid-burst, then starts it again on the same data.
 */
import { openDatabase } from '../../../platform/db/index.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { registerPoint } from '../services/registry.ts';
import { hj212Listener } from './listener.ts';

const url = process.env.CRASH_DATABASE_URL;
const database = await openDatabase(url ? { url, poolSize: 5 } : { pgliteDir: process.env.CRASH_PGLITE_DIR! });
const tp = await startTestPlatform({ database, env: { HJ212_PORT: process.env.CRASH_PORT!, HOST: '127.0.0.1' } });
for (const mn of (process.env.CRASH_REGISTER ?? '').split(',').filter(Boolean)) {
  await registerPoint(tp.ctx(), { mn, pw: process.env.CRASH_PW!, medium: 'air' });
}
const listener = await hj212Listener.start({ services: tp.platform.services, systemCtx: tp.platform.systemCtx });
process.stdout.write('READY\n');
process.once('SIGTERM', () => {
  void (async () => {
    await listener.stop();
    await tp.close();
    await database.close();
    process.exit(0);
  })();
});
