/**
 * Writes a dump of an in-memory PGlite cluster with every migration applied, for the test run
 * (scripts/run-tests.mjs). Test files load it instead of running initdb and the migrations each time.
 *   node --import tsx scripts/pglite-snapshot.ts OUT_FILE
 */
import fs from 'node:fs';
import { openDatabase } from '../src/platform/db/index.ts';
import { migrate } from '../src/platform/db/migrate.ts';

const out = process.argv[2];
if (!out) {
  console.error('usage: pglite-snapshot.ts OUT_FILE');
  process.exit(2);
}
const database = await openDatabase({});
await migrate(database);
const dump = await database.dumpDataDir!();
fs.writeFileSync(out, Buffer.from(await dump.arrayBuffer()));
await database.close();
