/**
 * Spatial queries of the geography module (issue 4, "spatial point-in-region p95"):
 *   1. regionAt: random points over Henan against the 18 schematic prefecture-level regions;
 *   2. point in region against a synthetic county-level layer (Voronoi cells of random seeds);
 *   3. nearest k=5 among N synthetic points of interest (default 100,000);
 *   4. features in a 0.1° × 0.1° box among the same points.
 * Each beside a same-run reference: the bounding-box prefilter SQL alone for the same input (what
 * a spatial index would have to do anyway), as a ratio. Latency per call, sequential.
 *
 *   node --import tsx bench/geography.ts [--queries N] [--pois N] [--counties N] [--seed N]
 *
 * PGlite in memory by default; with DATABASE_URL=postgres://… a scratch database is created on
 * that server and dropped afterwards. Loading the synthetic layers is setup, reported but not a figure.
 */
import os from 'node:os';
import { openDatabase, type Database } from '../src/platform/db/index.ts';
import type { Ctx } from '../src/platform/context.ts';
import { deploymentModules, scratchPostgresDatabase, startTestPlatform } from '../test/support/platform.ts';
import { createLayer, featuresContaining, featuresInBbox, importFeatures, nearestFeatures, regionAt } from '../src/modules/geography/index.ts';
import { bboxCandidates, layersByCode } from '../src/modules/geography/services/queries.ts';
import { HENAN_OUTLINE, randomPointInHenan, seededRandom, voronoiCell } from '../src/modules/geography/services/henan.ts';
import { geometryContainsPoint, type Geometry, type Position } from '../src/modules/geography/geometry.ts';
import { degreesAround } from '../src/modules/geography/geometry.ts';
import { fmtMs, intArg, loadAverage, percentile } from './support.ts';

const QUERIES = intArg('queries', 2000);
const POIS = intArg('pois', 100_000);
const COUNTIES = intArg('counties', 160);
const SEED = intArg('seed', 1);

async function open(): Promise<{ database: Database; where: string; cleanup: () => Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (server) {
    const scratch = await scratchPostgresDatabase(server);
    const database = await openDatabase({ url: scratch.url, poolSize: 4 });
    return { database, where: `PostgreSQL ${new URL(scratch.url).pathname.slice(1)}`, cleanup: async () => { await database.close(); await scratch.drop(); } };
  }
  const database = await openDatabase({});
  return { database, where: 'PGlite (in memory)', cleanup: () => database.close() };
}

async function timeEach<T>(items: T[], fn: (x: T) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (const x of items) {
    const t = performance.now();
    await fn(x);
    out.push(performance.now() - t);
  }
  return out;
}

function report(name: string, ms: number[], ref: number[], extra = ''): void {
  const p50 = percentile(ms, 50);
  const p95 = percentile(ms, 95);
  const r95 = percentile(ref, 95);
  console.log(`  ${name}: p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms; reference (prefilter SQL alone) p95 ${r95.toFixed(2)} ms; ratio ${(p95 / r95).toFixed(2)}${extra}`);
  console.log(`RESULT geography.${name} p50_ms=${p50.toFixed(3)} p95_ms=${p95.toFixed(3)} ref_p95_ms=${r95.toFixed(3)} ratio_p95=${(p95 / r95).toFixed(2)} n=${ms.length} load="${loadAverage()}"`);
}

async function main(): Promise<void> {
  const { database, where, cleanup } = await open();
  console.log(`geography bench on ${where}; ${os.cpus().length} CPUs; load ${loadAverage()}; queries ${QUERIES}, POIs ${POIS}, county cells ${COUNTIES}`);
  const tp = await startTestPlatform({ database, modules: deploymentModules });
  try {
    const ctx: Ctx = tp.ctx();
    const rand = seededRandom(SEED);
    const outline: Geometry = { type: 'Polygon', coordinates: [HENAN_OUTLINE] };
    const inHenan = (p: Position) => geometryContainsPoint(outline, p);

    // Setup: the county-level layer (schematic Voronoi cells) and the points of interest.
    let t = performance.now();
    const seeds = Array.from({ length: COUNTIES }, () => randomPointInHenan(rand, inHenan));
    const cells = seeds.map((_, i) => ({ type: 'Feature', id: `C${String(i).padStart(4, '0')}`, geometry: { type: 'Polygon', coordinates: [voronoiCell(HENAN_OUTLINE, seeds, i)] }, properties: { name: `县级示意 ${i}` } }));
    await createLayer(ctx, { code: 'bench-county', name: '县级示意区域 (基准测试)', kind: 'other', isSchematic: true });
    await importFeatures(ctx, { layerCode: 'bench-county', data: { type: 'FeatureCollection', features: cells.filter((c) => c.geometry.coordinates[0].length >= 4) } });
    await createLayer(ctx, { code: 'bench-poi', name: '兴趣点 (基准测试)', kind: 'poi' });
    const CHUNK = 25_000;
    for (let i = 0; i < POIS; i += CHUNK) {
      const features = [];
      for (let j = i; j < Math.min(POIS, i + CHUNK); j++) {
        const p = randomPointInHenan(rand, inHenan);
        features.push({ type: 'Feature', id: `P${j}`, geometry: { type: 'Point', coordinates: [Math.round(p[0] * 1e6) / 1e6, Math.round(p[1] * 1e6) / 1e6] }, properties: { name: `兴趣点 ${j}` } });
      }
      await importFeatures(ctx, { layerCode: 'bench-poi', data: { type: 'FeatureCollection', features } });
    }
    console.log(`  setup: ${COUNTIES} county cells and ${POIS} POIs imported in ${fmtMs(performance.now() - t)} (validated, one transaction per ${CHUNK})`);

    const points = Array.from({ length: QUERIES }, () => randomPointInHenan(rand, inHenan));
    const [prefecture] = await layersByCode(ctx, ['admin-prefecture']);
    const [county] = await layersByCode(ctx, ['bench-county']);
    const [poi] = await layersByCode(ctx, ['bench-poi']);
    // Warm-up.
    for (const p of points.slice(0, 50)) await regionAt(ctx, { lng: p[0], lat: p[1] });

    let misses = 0;
    const ra = await timeEach(points, async (p) => {
      if (!(await regionAt(ctx, { lng: p[0], lat: p[1] }))) misses++;
    });
    const raRef = await timeEach(points, (p) => bboxCandidates(ctx, prefecture, [p[0], p[1], p[0], p[1]]));
    report('region_at_18', ra, raRef, `; ${misses} points outside every region`);

    const co = await timeEach(points, (p) => featuresContaining(ctx, { layers: ['bench-county'], lng: p[0], lat: p[1] }));
    const coRef = await timeEach(points, (p) => bboxCandidates(ctx, county, [p[0], p[1], p[0], p[1]]));
    report(`point_in_region_${COUNTIES}`, co, coRef);

    t = performance.now();
    const nn = await timeEach(points, (p) => nearestFeatures(ctx, { layers: ['bench-poi'], lng: p[0], lat: p[1], k: 5 }));
    const nnRef = await timeEach(points, (p) => {
      const { dLng, dLat } = degreesAround(p[1], 2_000);
      return bboxCandidates(ctx, poi, [p[0] - dLng, p[1] - dLat, p[0] + dLng, p[1] + dLat]);
    });
    report(`nearest5_${POIS}`, nn, nnRef, ' (reference: one 2 km window)');

    const boxes = points.map((p) => [p[0], p[1], p[0] + 0.1, p[1] + 0.1] as [number, number, number, number]);
    let found = 0;
    const bb = await timeEach(boxes, async (b) => {
      found += (await featuresInBbox(ctx, { layers: ['bench-poi'], bbox: b, limit: 10_000 })).items.length;
    });
    const bbRef = await timeEach(boxes, (b) => bboxCandidates(ctx, poi, b));
    report(`bbox_0.1deg_${POIS}`, bb, bbRef, `; ${(found / boxes.length).toFixed(0)} features per box on average`);
    console.log(`  load average at the end: ${loadAverage()}`);
  } finally {
    await tp.close();
    await cleanup();
  }
}

await main();
