/**
 * Demo data (演示数据, first start only): a handful of fictitious power plants and sewage plants
 * across Henan's cities with their outlets and monitoring points (all marked demo; every demo
 * logger's PW is DEMO_LOGGER_PW so the HJ 212 simulator can drive them), and two days of hourly
 * uploads so the charts, reports and tax base have content before the simulator has run long.
 */
import type { Ctx } from '../../../platform/context.ts';
import type { PlatformServices } from '../../../platform/module.ts';
import { queryOne, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import { newId } from '../../../platform/ids.ts';
import type { Hj212Packet } from '../hj212/types.ts';
import type { Industry, Medium } from '../model.ts';
import { createEnterprise, createOutlet, createPoint, makeUscc } from './registry.ts';
import { DEMO_LOGGER_PW, storeUploads, type Upload } from './uploads.ts';
import { drainAggregationQueue } from './aggregation.ts';
import { CITY_SEATS } from './geo.ts';

interface DemoSite {
  name: string;
  city: string;
  industry: Industry;
  medium: Medium;
  standard: string;
  mn: string;
  /** Offset of the plant from the city seat (degrees), so markers do not overlap. */
  dx: number;
  dy: number;
}

const AIR = ['a00000', 'a21026', 'a21002', 'a34013', 'a19001', 'a01012', 'a01011'];
const WATER = ['w00000', 'w01018', 'w21003', 'w21011', 'w21001', 'w01001'];

export const DEMO_SITES: DemoSite[] = [
  { name: '郑州演示热电有限公司', city: '410100', industry: 'thermal_power', medium: 'air', standard: 'ULE-2015-coal', mn: '88888880000001A100000001', dx: 0.12, dy: 0.08 },
  { name: '郑州演示燃气发电有限公司', city: '410100', industry: 'thermal_power', medium: 'air', standard: 'GB13223-2011-gas-turbine', mn: '88888880000001A100000002', dx: -0.15, dy: -0.05 },
  { name: '洛阳演示发电有限责任公司', city: '410300', industry: 'thermal_power', medium: 'air', standard: 'ULE-2015-coal', mn: '88888880000001A100000003', dx: 0.08, dy: 0.1 },
  { name: '平顶山演示电厂', city: '410400', industry: 'thermal_power', medium: 'air', standard: 'GB13223-2011-special', mn: '88888880000001A100000004', dx: 0.1, dy: -0.06 },
  { name: '安阳演示热电厂', city: '410500', industry: 'thermal_power', medium: 'air', standard: 'ULE-2015-coal', mn: 'DEMO2005AY0001', dx: -0.08, dy: -0.08 },
  { name: '焦作演示电厂', city: '410800', industry: 'thermal_power', medium: 'air', standard: 'ULE-2015-coal', mn: '88888880000001A100000006', dx: 0.06, dy: 0.05 },
  { name: '三门峡演示发电有限公司', city: '411200', industry: 'thermal_power', medium: 'air', standard: 'GB13223-2011-coal-existing', mn: '88888880000001A100000007', dx: 0.1, dy: 0.06 },
  { name: '郑州市演示第一污水处理厂', city: '410100', industry: 'sewage_plant', medium: 'water', standard: 'DB41-2087-2021', mn: '88888880000002B200000001', dx: 0.05, dy: -0.12 },
  { name: '郑州市演示第二污水处理厂', city: '410100', industry: 'sewage_plant', medium: 'water', standard: 'GB18918-2002-1A', mn: '88888880000002B200000002', dx: -0.06, dy: 0.14 },
  { name: '开封市演示污水处理厂', city: '410200', industry: 'sewage_plant', medium: 'water', standard: 'DB41-918-2014', mn: '88888880000002B200000003', dx: 0.07, dy: -0.07 },
  { name: '洛阳市演示污水处理厂', city: '410300', industry: 'sewage_plant', medium: 'water', standard: 'GB18918-2002-1A', mn: '88888880000002B200000004', dx: -0.1, dy: -0.06 },
  { name: '南阳市演示污水处理厂', city: '411300', industry: 'sewage_plant', medium: 'water', standard: 'GB18918-2002-1A', mn: '88888880000002B200000005', dx: 0.06, dy: 0.07 },
  { name: '信阳市演示污水处理厂', city: '411500', industry: 'sewage_plant', medium: 'water', standard: 'GB18918-2002-1B', mn: 'DEMO2005XY0002', dx: -0.07, dy: 0.06 },
  { name: '周口市演示污水处理厂', city: '411600', industry: 'sewage_plant', medium: 'water', standard: 'GB18918-2002-1A', mn: '88888880000002B200000007', dx: 0.05, dy: 0.05 },
  { name: '商丘市演示污水处理厂', city: '411400', industry: 'sewage_plant', medium: 'water', standard: 'GB18918-2002-1A', mn: '88888880000002B200000008', dx: -0.06, dy: -0.05 },
];

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function dataTime(t: number): string {
  const d = new Date(t + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** Typical hourly means of a demo site; `spike` makes one pollutant exceed. */
function hourValues(site: DemoSite, r: () => number, spike: boolean): Record<string, { avg: number; min: number; max: number; flag: string }> {
  const v = (mean: number, sd: number) => Math.max(0, mean + (r() * 2 - 1) * sd);
  const gas = site.standard.includes('gas');
  const base: Record<string, number> =
    site.medium === 'air'
      ? { a00000: v(gas ? 220 : 380, 30), a21026: v(gas ? 3 : 18, gas ? 1 : 5), a21002: v(gas ? 28 : 34, 6), a34013: v(gas ? 1.5 : 4, 1), a19001: v(gas ? 14.5 : 6.5, 0.4), a01012: v(gas ? 90 : 48, 3), a01011: v(12, 1.5) }
      : { w00000: v(900, 120), w01018: v(22, 5), w21003: v(0.9, 0.3), w21011: v(0.22, 0.06), w21001: v(8, 2), w01001: v(7.2, 0.2) };
  if (spike) {
    if (site.medium === 'air') base.a21002 = gas ? 70 : 85;
    else base.w21003 = 9;
  }
  return Object.fromEntries(Object.entries(base).map(([c, x]) => [c, { avg: round(x, 3), min: round(x * 0.92, 3), max: round(x * 1.08, 3), flag: 'N' }]));
}

export async function seedEnvironmentDemo(ctx: Ctx, _services: PlatformServices): Promise<void> {
  const exists = await queryOne<{ n: number }>(ctx.db, sql`SELECT count(*)::int AS n FROM environment.enterprises WHERE is_demo`);
  if (Number(exists?.n ?? 0) > 0) return;
  const points: { id: string; site: DemoSite }[] = [];
  for (const site of DEMO_SITES) {
    const seat = CITY_SEATS[site.city];
    const ent = await createEnterprise(ctx, {
      uscc: makeUscc(site.city, site.name),
      name: site.name,
      regionCode: site.city,
      industry: site.industry,
      centralizedSewage: site.industry === 'sewage_plant',
      address: `${seat.name} (演示地址)`,
      longitude: round(seat.lon + site.dx, 4),
      latitude: round(seat.lat + site.dy, 4),
      isDemo: true,
    });
    const outlet = await createOutlet(ctx, {
      enterpriseId: ent.id,
      code: site.medium === 'air' ? 'DA001' : 'DW001',
      name: site.medium === 'air' ? '1 号机组烟囱' : '污水总排口',
      medium: site.medium,
      standardCode: site.standard,
      isDemo: true,
    });
    const ranges: Record<string, [number, number]> = site.medium === 'air' ? { a21026: [0, 500], a21002: [0, 500], a34013: [0, 100] } : { w01018: [0, 500], w21003: [0, 50], w21011: [0, 10], w01001: [0, 14] };
    const point = await createPoint(ctx, {
      outletId: outlet.id,
      mn: site.mn,
      pw: DEMO_LOGGER_PW,
      pollutants: site.medium === 'air' ? AIR : WATER,
      rtdIntervalS: 30,
      minIntervalMin: 10,
      instrumentRanges: ranges,
      isDemo: true,
    });
    points.push({ id: point.id, site });
  }

  // Two days of hourly uploads (2061) ending at the last full hour; one exceedance at a power plant and at a sewage plant.
  const now = ctx.clock.now().getTime();
  const lastHour = now - (now % 3600_000) - 3600_000;
  const hours = 48;
  for (const [k, p] of points.entries()) {
    const r = rng(1000 + k);
    const uploads: Upload[] = [];
    for (let i = hours - 1; i >= 0; i -= 1) {
      const t = lastHour - i * 3600_000;
      const spike = (k === 0 && i === 5) || (k === 8 && i === 20);
      const values = hourValues(p.site, r, spike);
      const pkt: Hj212Packet = {
        version: p.site.mn.length === 24 ? '2017' : '2005',
        qn: `${dataTime(t)}000`,
        st: p.site.medium === 'air' ? '31' : '32',
        cn: '2061',
        pw: DEMO_LOGGER_PW,
        mn: p.site.mn,
        flag: 5,
        needsAck: true,
        pnum: null,
        pno: null,
        cp: { dataTime: dataTime(t), fields: {}, pollutants: Object.entries(values).map(([code, v]) => ({ code, code2017: code, ...v })) },
        raw: '',
      };
      uploads.push({ packetId: newId(), pointId: p.id, packet: pkt, receivedAt: new Date(t + 3600_000 + 60_000) });
    }
    await inTransaction(ctx, (tx) => storeUploads(tx, uploads));
  }
  await drainAggregationQueue(ctx);
}
