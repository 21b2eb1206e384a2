/**
 * The aggregation worker: claims (point, hour) rows of environment.aggregation_queue with
 * FOR UPDATE SKIP LOCKED, recomputes those hours (the logger's 2061 values, or derived from minute /
 * real-time data), the day they belong to and the point's daily transmission statistics, and raises
 * alarms. Safe with several workers: a transaction-scoped advisory lock per (point, day), taken in a
 * fixed order, serialises work on the same day; rows queued while a batch runs stay queued.
 * Also the missing-data scan and the monthly partitions.
 */
import type { Ctx } from '../../../platform/context.ts';
import { queryRows, sql } from '../../../platform/db/index.ts';
import { inTransaction } from '../../../platform/transaction.ts';
import type { BackgroundTask } from '../../../platform/module.ts';
import { systemActor } from '../../../platform/context.ts';
import { AIR_FLOW, CONSTANT_RUN, MISSING_INTERVALS, POLLUTANTS, WATER_FLOW, beijingDay, beijingTime, dayStart, pollutantName, pollutantUnit, type Medium } from '../model.ts';
import { deriveDay, deriveHour, exceedance, faultFlags, longestConstantRun, loggerHour, outOfRange, type HourValue, type Slice, type SliceValue } from './calc.ts';
import type { StoredValues } from './uploads.ts';
import { autoResolve, raiseAlarm } from './alarms.ts';
import { ensureReadingPartitions } from './standards.ts';

interface PointInfo {
  id: string;
  medium: Medium;
  region_code: string;
  o2_reference: number | null;
  pollutants: string[];
  instrument_ranges: Record<string, [number, number]>;
  rtd_interval_s: number;
  min_interval_min: number;
  limits: { p: string; max: number | null; min: number | null }[];
}

const HOUR = 3600_000;

function fnv(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i += 1) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h | 0;
}

const isPollutant = (code: string) => !(POLLUTANTS[code]?.parameter ?? false);

async function loadPointInfo(ctx: Ctx, pointId: string): Promise<PointInfo | null> {
  const rows = await queryRows<PointInfo>(ctx.db, sql`SELECT p.id, p.medium, p.region_code, o.o2_reference, p.pollutants, p.instrument_ranges, p.rtd_interval_s, p.min_interval_min,
    coalesce((SELECT jsonb_agg(jsonb_build_object('p', l.pollutant, 'max', l.limit_max, 'min', l.limit_min)) FROM environment.outlet_limits l WHERE l.outlet_id = o.id), '[]'::jsonb) AS limits
    FROM environment.points p JOIN environment.outlets o ON o.id = p.outlet_id WHERE p.id = ${pointId}`);
  return rows[0] ?? null;
}

const toSliceValue = (v: StoredValues, kind: 'rtd' | 'min'): SliceValue => ({
  value: kind === 'rtd' ? v.rtd : v.avg,
  min: kind === 'min' ? v.min : undefined,
  max: kind === 'min' ? v.max : undefined,
  cou: kind === 'min' ? v.cou : undefined,
  zs: kind === 'rtd' ? v.zsRtd : v.zsAvg,
  flag: v.flag,
});

/** Recomputes one hour of one point: hourly rows, and the alarms the hour shows. */
async function computeHour(ctx: Ctx, p: PointInfo, hourStartMs: number): Promise<void> {
  const from = new Date(hourStartMs).toISOString();
  const to = new Date(hourStartMs + HOUR).toISOString();
  const readings = await queryRows<{ kind: 'rtd' | 'min' | 'hour'; data_time: string | Date; vals: Record<string, StoredValues> }>(
    ctx.db,
    sql`SELECT kind, data_time, vals FROM environment.readings WHERE point_id = ${p.id} AND kind IN ('rtd', 'min', 'hour')
      AND data_time >= ${from} AND data_time < ${to} ORDER BY kind, data_time`,
  );
  const opts = { medium: p.medium, o2Reference: p.o2_reference };
  const minutes = readings.filter((r) => r.kind === 'min');
  const rtds = readings.filter((r) => r.kind === 'rtd');
  const loggerHourRow = readings.find((r) => r.kind === 'hour' && new Date(r.data_time).getTime() === hourStartMs);
  const useMinutes = minutes.length > 0;
  const sliceSource = useMinutes ? minutes : rtds;
  const seconds = useMinutes ? p.min_interval_min * 60 : p.rtd_interval_s;
  const slices: Slice[] = sliceSource.map((r) => ({
    t: new Date(r.data_time).getTime(),
    seconds,
    values: Object.fromEntries(Object.entries(r.vals).map(([c, v]) => [c, toSliceValue(v, useMinutes ? 'min' : 'rtd')])),
  }));
  let hour: Record<string, HourValue>;
  let source: 'logger' | 'derived';
  if (loggerHourRow) {
    hour = loggerHour(loggerHourRow.vals, opts);
    source = 'logger';
  } else {
    hour = deriveHour(slices, opts);
    source = 'derived';
  }
  const now = ctx.clock.now().toISOString();
  const rows = Object.entries(hour).map(([code, h]) => ({ c: code, avg: h.avg, min: h.min, max: h.max, cou: h.cou, zs: h.zsAvg, flag: h.flag, valid: h.valid, n: h.n }));
  await ctx.db.execute(sql`DELETE FROM environment.hourly WHERE point_id = ${p.id} AND hour_start = ${from}
    AND pollutant NOT IN (SELECT x.c FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(c text))`);
  if (rows.length > 0) {
    await ctx.db.execute(sql`INSERT INTO environment.hourly (point_id, hour_start, pollutant, avg, min, max, cou, zs_avg, flag, valid, n_values, source, computed_at)
      SELECT ${p.id}, ${from}, x.c, x.avg, x.min, x.max, x.cou, x.zs, x.flag, x.valid, x.n, ${source}, ${now}
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(c text, avg float8, min float8, max float8, cou float8, zs float8, flag text, valid boolean, n int)
      ON CONFLICT (point_id, hour_start, pollutant) DO UPDATE SET avg = excluded.avg, min = excluded.min, max = excluded.max, cou = excluded.cou, zs_avg = excluded.zs_avg,
        flag = excluded.flag, valid = excluded.valid, n_values = excluded.n_values, source = excluded.source, computed_at = excluded.computed_at`);
  }

  // Alarms.
  const limits = new Map(p.limits.map((l) => [l.p, l]));
  const hourTime = new Date(hourStartMs);
  for (const [code, h] of Object.entries(hour)) {
    if (!isPollutant(code)) continue;
    const l = limits.get(code);
    if (l) {
      const ex = exceedance(h, { max: l.max, min: l.min }, p.medium);
      if (ex) {
        const what = p.medium === 'air' && h.zsAvg !== null ? '折算浓度小时均值' : '小时均值';
        await raiseAlarm(ctx, {
          pointId: p.id,
          regionCode: p.region_code,
          kind: 'exceedance',
          pollutant: code,
          dataTime: hourTime,
          value: ex.value,
          limit: ex.limit,
          message: `${pollutantName(code)}${what} ${ex.value.toFixed(2)} ${pollutantUnit(code)} ${ex.value > ex.limit ? '超过限值' : '低于下限'} ${ex.limit} (${beijingTime(hourTime)} 起的小时)`,
        });
      }
    }
    const values = slices.map((s) => s.values[code]).filter((v): v is SliceValue => Boolean(v));
    const faults = faultFlags(values);
    if (faults.length > 0) {
      await raiseAlarm(ctx, { pointId: p.id, regionCode: p.region_code, kind: 'fault', pollutant: code, dataTime: hourTime, value: null, limit: null, message: `${pollutantName(code)} 数据带故障标记 ${faults.join('、')} (D 仪器故障 / B 通讯异常)` });
    }
    const oor = outOfRange(values, p.instrument_ranges[code]);
    if (oor) {
      const r = p.instrument_ranges[code];
      await raiseAlarm(ctx, {
        pointId: p.id, regionCode: p.region_code, kind: 'out_of_range', pollutant: code, dataTime: hourTime, value: oor.value ?? null, limit: r ? r[1] : null,
        message: oor.flag === 'T' ? `${pollutantName(code)} 数据标记为 T (超测定上限)` : `${pollutantName(code)} 监测值 ${oor.value} 超出仪器量程 [${r![0]}, ${r![1]}]`,
      });
    }
    const series = values.filter((v) => typeof v.value === 'number' && (v.flag ?? 'N') === 'N').map((v) => v.value!);
    const need = useMinutes ? Math.max(6, Math.ceil(60 / p.min_interval_min)) : CONSTANT_RUN;
    const run = longestConstantRun(series);
    if (run.run >= need && run.value !== 0) {
      await raiseAlarm(ctx, { pointId: p.id, regionCode: p.region_code, kind: 'constant', pollutant: code, dataTime: hourTime, value: run.value, limit: null, message: `${pollutantName(code)} 连续 ${run.run} 个${useMinutes ? '分钟' : '实时'}数据恒为 ${run.value}` });
    }
  }
}

/** Recomputes one day of one point from its hourly rows: daily rows and the transmission statistics. */
async function computeDay(ctx: Ctx, p: PointInfo, day: string): Promise<void> {
  const start = dayStart(day);
  const end = new Date(start.getTime() + 24 * HOUR);
  const hours = await queryRows<{ hour_start: string | Date; pollutant: string; avg: number | null; min: number | null; max: number | null; cou: number | null; zs_avg: number | null; flag: string; valid: boolean; n_values: number }>(
    ctx.db,
    sql`SELECT hour_start, pollutant, avg, min, max, cou, zs_avg, flag, valid, n_values FROM environment.hourly WHERE point_id = ${p.id} AND hour_start >= ${start.toISOString()} AND hour_start < ${end.toISOString()} ORDER BY hour_start`,
  );
  const flowCode = p.medium === 'air' ? AIR_FLOW : WATER_FLOW;
  const byPollutant = new Map<string, typeof hours>();
  for (const h of hours) byPollutant.set(h.pollutant, [...(byPollutant.get(h.pollutant) ?? []), h]);
  const flowByHour = new Map((byPollutant.get(flowCode) ?? []).map((h) => [new Date(h.hour_start).getTime(), h.valid ? h.cou : null]));
  const rows: Record<string, unknown>[] = [];
  for (const [code, hs] of byPollutant) {
    const hv: HourValue[] = hs.map((h) => ({ avg: h.avg, min: h.min, max: h.max, cou: h.cou, zsAvg: h.zs_avg, flag: h.flag, valid: h.valid, n: h.n_values }));
    const d = deriveDay(hv, { medium: p.medium, isFlowOrParameter: !isPollutant(code) || code === 'w01001', flowVolumes: hs.map((h) => flowByHour.get(new Date(h.hour_start).getTime()) ?? null) });
    rows.push({ c: code, avg: d.avg, min: d.min, max: d.max, cou: d.cou, zs: d.zsAvg, flag: d.flag, valid: d.valid, n: d.nValidHours });
  }
  if (rows.length === 0) {
    // No hours at all: the logger's own day values (2031), when sent.
    const logged = await queryRows<{ vals: Record<string, StoredValues> }>(ctx.db, sql`SELECT vals FROM environment.readings WHERE point_id = ${p.id} AND kind = 'day' AND data_time = ${start.toISOString()}`);
    for (const [code, v] of Object.entries(logged[0]?.vals ?? {})) {
      const valid = !v.flag || v.flag === 'N';
      rows.push({ c: code, avg: v.avg ?? null, min: v.min ?? null, max: v.max ?? null, cou: v.cou ?? null, zs: v.zsAvg ?? null, flag: v.flag ?? 'N', valid, n: 0 });
    }
  }
  const now = ctx.clock.now().toISOString();
  if (rows.length > 0) {
    await ctx.db.execute(sql`INSERT INTO environment.daily (point_id, day, pollutant, avg, min, max, cou, zs_avg, flag, valid, n_valid_hours, computed_at)
      SELECT ${p.id}, ${day}::date, x.c, x.avg, x.min, x.max, x.cou, x.zs, x.flag, x.valid, x.n, ${now}
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(c text, avg float8, min float8, max float8, cou float8, zs float8, flag text, valid boolean, n int)
      ON CONFLICT (point_id, day, pollutant) DO UPDATE SET avg = excluded.avg, min = excluded.min, max = excluded.max, cou = excluded.cou, zs_avg = excluded.zs_avg,
        flag = excluded.flag, valid = excluded.valid, n_valid_hours = excluded.n_valid_hours, computed_at = excluded.computed_at`);
  }
  // Transmission: an hour is received when any value arrived, valid when every measured pollutant's hour is valid.
  const hourKeys = new Map<number, { any: boolean; allValid: boolean }>();
  for (const h of hours) {
    if (!isPollutant(h.pollutant)) continue;
    const k = new Date(h.hour_start).getTime();
    const cur = hourKeys.get(k) ?? { any: true, allValid: true };
    cur.allValid = cur.allValid && h.valid;
    hourKeys.set(k, cur);
  }
  const received = hourKeys.size;
  const valid = [...hourKeys.values()].filter((x) => x.allValid).length;
  const elapsed = Math.ceil((ctx.clock.now().getTime() - start.getTime()) / HOUR);
  const expected = Math.max(received, Math.min(24, Math.max(1, elapsed)));
  await ctx.db.execute(sql`INSERT INTO environment.point_days (point_id, day, expected_hours, received_hours, valid_hours, computed_at)
    VALUES (${p.id}, ${day}::date, ${expected}, ${received}, ${valid}, ${now})
    ON CONFLICT (point_id, day) DO UPDATE SET expected_hours = excluded.expected_hours, received_hours = excluded.received_hours, valid_hours = excluded.valid_hours, computed_at = excluded.computed_at`);
}

export interface AggregationResult {
  claimed: number;
  hours: number;
  days: number;
}

/** One batch: claim up to `limit` queue rows, recompute their hours and days, delete the rows. */
export async function processAggregationQueue(ctx: Ctx, opts: { limit?: number } = {}): Promise<AggregationResult> {
  return inTransaction(ctx, async (tx) => {
    const first = await queryRows<{ id: string; point_id: string; hour_start: string | Date }>(
      tx.db,
      sql`SELECT id, point_id, hour_start FROM environment.aggregation_queue ORDER BY id LIMIT ${opts.limit ?? 200} FOR UPDATE SKIP LOCKED`,
    );
    if (first.length === 0) return { claimed: 0, hours: 0, days: 0 };
    // Every other queued row of the same (point, hour) that no other worker holds is claimed too: its
    // data was committed before the reads below, so one recomputation serves them all.
    const keys = [...new Map(first.map((r) => [`${r.point_id}|${new Date(r.hour_start).toISOString()}`, { p: r.point_id, h: new Date(r.hour_start).toISOString() }])).values()];
    const same = await queryRows<{ id: string; point_id: string; hour_start: string | Date }>(
      tx.db,
      sql`SELECT q.id, q.point_id, q.hour_start FROM environment.aggregation_queue q
        WHERE (q.point_id, q.hour_start) IN (SELECT x.p, x.h FROM jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS x(p uuid, h timestamptz))
        FOR UPDATE SKIP LOCKED`,
    );
    const claimed = [...new Map([...first, ...same].map((r) => [String(r.id), r])).values()];
    const groups = new Map<string, { pointId: string; day: string; hours: Set<number> }>();
    for (const r of claimed) {
      const t = new Date(r.hour_start).getTime();
      const day = beijingDay(t);
      const key = `${r.point_id}|${day}`;
      const g = groups.get(key) ?? { pointId: r.point_id, day, hours: new Set<number>() };
      g.hours.add(t);
      groups.set(key, g);
    }
    let hours = 0;
    const sorted = [...groups.entries()].map(([k, g]) => ({ k: fnv(k), g })).sort((a, b) => a.k - b.k);
    for (const { k, g } of sorted) {
      await tx.db.execute(sql`SELECT pg_advisory_xact_lock(7242, ${k})`);
      const p = await loadPointInfo(tx, g.pointId);
      if (!p) continue;
      for (const h of [...g.hours].sort()) {
        await computeHour(tx, p, h);
        hours += 1;
      }
      await computeDay(tx, p, g.day);
    }
    await tx.db.execute(sql`DELETE FROM environment.aggregation_queue WHERE id IN (SELECT x.id FROM jsonb_to_recordset(${JSON.stringify(claimed.map((c) => ({ id: String(c.id) })))}::jsonb) AS x(id bigint))`);
    return { claimed: claimed.length, hours, days: groups.size };
  });
}

/** Runs batches until the queue is empty (tests, catch-up). */
export async function drainAggregationQueue(ctx: Ctx): Promise<AggregationResult> {
  const total = { claimed: 0, hours: 0, days: 0 };
  for (;;) {
    const r = await processAggregationQueue(ctx);
    if (r.claimed === 0) return total;
    total.claimed += r.claimed;
    total.hours += r.hours;
    total.days += r.days;
  }
}

/**
 * Missing data (数据缺失): active points with no real-time or minute data for MISSING_INTERVALS
 * real-time intervals get an alarm; the alarm resolves itself when data resumes. One worker at a time
 * (transaction-scoped try-lock).
 */
export async function scanMissingData(ctx: Ctx): Promise<{ opened: number; resolved: number }> {
  return inTransaction(ctx, async (tx) => {
    const locked = await queryRows<{ ok: boolean }>(tx.db, sql`SELECT pg_try_advisory_xact_lock(7242, 1) AS ok`);
    if (!locked[0]?.ok) return { opened: 0, resolved: 0 };
    const now = ctx.clock.now();
    const horizon = new Date(now.getTime() - 3 * 24 * HOUR).toISOString();
    const points = await queryRows<{ id: string; region_code: string; rtd_interval_s: number; created_at: string | Date; last: string | Date | null }>(
      tx.db,
      sql`SELECT p.id, p.region_code, p.rtd_interval_s, p.created_at,
        (SELECT max(r.received_at) FROM environment.readings r WHERE r.point_id = p.id AND r.kind IN ('rtd', 'min') AND r.data_time >= ${horizon}) AS last
        FROM environment.points p WHERE p.status = 'active'`,
    );
    let opened = 0;
    let resolved = 0;
    for (const p of points) {
      const last = p.last ? new Date(p.last) : null;
      const since = last ?? new Date(Math.max(new Date(p.created_at).getTime(), now.getTime() - 3 * 24 * HOUR));
      const gapS = (now.getTime() - since.getTime()) / 1000;
      if (gapS > MISSING_INTERVALS * p.rtd_interval_s) {
        const id = await raiseAlarm(tx, {
          pointId: p.id, regionCode: p.region_code, kind: 'missing', pollutant: null, dataTime: since, value: Math.round(gapS / 60), limit: Math.round((MISSING_INTERVALS * p.rtd_interval_s) / 60),
          message: last ? `自 ${beijingTime(last)} 起未收到数据, 已超过 ${MISSING_INTERVALS} 个上传间隔` : `登记后未收到任何数据, 已超过 ${MISSING_INTERVALS} 个上传间隔`,
        });
        if (id) opened += 1;
      } else if (await autoResolve(tx, { pointId: p.id, kind: 'missing', pollutant: null, note: '数据已恢复上传, 系统自动解除' })) {
        resolved += 1;
      }
    }
    return { opened, resolved };
  });
}

const systemCtxOf = (make: () => Ctx): Ctx => ({ ...make(), actor: systemActor });

/** Worker task: the aggregation queue every 5 s, the missing-data scan every minute, partitions daily. */
export const aggregationWorker: BackgroundTask = {
  name: 'environment.aggregation',
  role: 'worker',
  async start({ systemCtx, services }) {
    let stopped = false;
    let running: Promise<void> | null = null;
    let lastScan = 0;
    let lastPartitions = 0;
    const tick = async () => {
      const ctx = systemCtxOf(systemCtx);
      try {
        for (let i = 0; i < 20 && !stopped; i += 1) {
          const r = await processAggregationQueue(ctx);
          if (r.claimed === 0) break;
        }
        const now = Date.now();
        if (!stopped && now - lastScan > 60_000) {
          lastScan = now;
          await scanMissingData(ctx);
        }
        if (!stopped && now - lastPartitions > 24 * HOUR) {
          lastPartitions = now;
          await ensureReadingPartitions(ctx);
        }
      } catch (err) {
        services.log.error({ err: String(err) }, 'environment aggregation failed');
      }
    };
    const timer = setInterval(() => {
      if (running) return; // the previous tick is still busy
      running = tick().finally(() => {
        running = null;
      });
    }, 5000);
    return {
      async stop() {
        stopped = true;
        clearInterval(timer);
        if (running) await running;
      },
    };
  },
};
