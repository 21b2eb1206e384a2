/**
 * The workflow engine under a provincial load (issue 3, "Figures"): 1,000,000 cases and 10,000 staff
 * accounts, then
 *   1. transitions per second through `takeTransition` (row lock, guards, history, clock and timers,
 *      audit chain, outbox) at each concurrency, p50/p99 latency, against a same-run reference: a
 *      plain transaction that updates one case row and appends one history row;
 *   2. `listInbox` latency for 待办 / 即将超期 / 已超期 of a random sample of staff, p50/p99;
 *   3. timer lag (due → fired, `timerLagStats`) when thousands of timers fall due within a few
 *      seconds while transitions keep running: the worker's `startTimerLoop` with the real clock.
 *
 *   node --import tsx bench/workflow.ts [--cases N] [--users N] [--transitions N] [--concurrency 1,8]
 *     [--inbox-users N] [--timers N] [--timer-window S[,S…]] [--timer-concurrency N] [--timer-lanes N] [--batch N] [--seed N]
 *
 * PGlite in a temporary directory by default (removed afterwards); with DATABASE_URL=postgres://…
 * a scratch database is created on that server and dropped afterwards. The load (units, roles,
 * accounts, cases with their history, pauses and timers, written with INSERT … SELECT FROM unnest)
 * is setup and is not measured. Default counts: 1,000,000 cases on PostgreSQL, 100,000 on PGlite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { openDatabase, queryOne, queryRows, sql, type Database, type Db } from '../src/platform/db/index.ts';
import { silentLogger, systemActor, type Actor, type Ctx } from '../src/platform/context.ts';
import { newId } from '../src/platform/ids.ts';
import type { ModuleDefinition } from '../src/platform/module.ts';
import { defineWorkflow, getCase, listInbox, startTimerLoop, takeTransition, timerLagStats, type CaseView, type RoutingFn, type TransitionInput } from '../src/platform/workflow/index.ts';
import { budgetEnd } from '../src/platform/workflow/clock.ts';
import { deadlineWithPauses, loadCalendar, statutoryData, type WorkingCalendar } from '../src/platform/calendar/index.ts';
import { grantsOf } from '../src/modules/identity/assignments.ts';
import { deploymentModules, scratchPostgresDatabase, startTestPlatform, type TestPlatform } from '../test/support/platform.ts';
import { fmtMs, intArg, intListArg, loadAverage, percentile } from './support.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);
const CASES = intArg('cases', onPostgres ? 1_000_000 : 100_000);
const USERS = intArg('users', 10_000);
const TRANSITIONS = intArg('transitions', 2000);
const CONCURRENCY = intListArg('concurrency', onPostgres ? [1, 8] : [1]);
const INBOX_USERS = intArg('inbox-users', 200);
const TIMERS = intArg('timers', 5000);
const TIMER_WINDOWS_S = intListArg('timer-window', [10]);
const TIMER_CONCURRENCY = intArg('timer-concurrency', Math.max(...CONCURRENCY));
const TIMER_LANES = intArg('timer-lanes', onPostgres ? 4 : 1);
const BATCH = intArg('batch', 5000);
const SEED = intArg('seed', 1);

const DAY = 86_400_000;
const HOUR = 3_600_000;

// ---- the flow: a licence application (行政许可) handled by county and city units --------------

const SCOPES = { handle: 'bench.case.handle', decide: 'bench.case.decide', supervise: 'bench.case.supervise' } as const;
const FLOW_KEY = 'bench.permit';

interface PermitData extends Record<string, unknown> {
  applicant: string;
  item: string;
  opinion?: string;
  decisionNo?: string;
}

interface UnitRef {
  id: string;
  name: string;
}

/** Region code → the government that supervises its units (the parent city; the province for cities). */
const escalationUnits = new Map<string, UnitRef>();

const escalate: RoutingFn<PermitData> = ({ case: c }) => {
  const target = escalationUnits.get(c.regionCode);
  if (!target) throw new Error(`no supervising government for region ${c.regionCode}`);
  return { unitId: target.id, unitName: target.name };
};

const permitFlow = defineWorkflow<PermitData>({
  key: FLOW_KEY,
  version: 1,
  title: '行政许可 (基准测试)',
  initial: 'accept',
  dataSchema: Type.Object(
    {
      applicant: Type.String({ title: '申请人', minLength: 1, maxLength: 50 }),
      item: Type.String({ title: '许可事项', minLength: 1, maxLength: 50 }),
      opinion: Type.Optional(Type.String({ title: '审查意见' })),
      decisionNo: Type.Optional(Type.String({ title: '决定书文号' })),
    },
    { additionalProperties: false },
  ),
  states: {
    accept: { label: '受理', scope: SCOPES.handle, deadline: { workingDays: 1 } },
    review: { label: '审查', scope: SCOPES.handle, deadline: { workingDays: 5 }, reminderBefore: 2, escalation: { scope: SCOPES.supervise, route: escalate } },
    decide: { label: '审批决定', scope: SCOPES.decide, deadline: { workingDays: 3 }, reminderBefore: 1, escalation: { scope: SCOPES.supervise, route: escalate } },
    issued: { label: '准予许可', terminal: true },
    rejected: { label: '不予许可', terminal: true },
  },
  transitions: [
    // The clerk who accepts keeps the case for the review (承办人).
    { name: 'accept_case', label: '受理', from: ['accept'], to: 'review', route: ({ actor, case: c }) => ({ unitId: c.unit!.id, unitName: c.unit!.name, userId: actor.userId!, userName: actor.name }) },
    { name: 'submit', label: '提交审批', from: ['review'], to: 'decide', fields: [{ name: 'opinion', label: '审查意见', required: true, maxLength: 200 }] },
    { name: 'send_back', label: '退回重审', from: ['decide'], to: 'review', commentRequired: true },
    { name: 'approve', label: '准予许可', from: ['decide'], to: 'issued', fields: [{ name: 'decisionNo', label: '决定书文号', required: true, maxLength: 50 }] },
    { name: 'reject', label: '不予许可', from: ['review', 'decide'], to: 'rejected', commentRequired: true },
  ],
});

const benchModule: ModuleDefinition = {
  name: 'wfbench',
  scopes: [
    { name: SCOPES.handle, description: '基准测试: 受理与审查' },
    { name: SCOPES.decide, description: '基准测试: 审批决定' },
    { name: SCOPES.supervise, description: '基准测试: 超期督办' },
  ],
  workflows: [permitFlow],
};

// ---- database -----------------------------------------------------------------------------------

async function open(): Promise<{ database: Database; where: string; cleanup: () => Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (server) {
    const scratch = await scratchPostgresDatabase(server);
    const database = await openDatabase({ url: scratch.url, poolSize: Math.max(...CONCURRENCY, TIMER_CONCURRENCY) + 4 });
    return {
      database,
      where: `PostgreSQL, scratch database ${new URL(scratch.url).pathname.slice(1)}`,
      cleanup: async () => {
        await database.close();
        await scratch.drop();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'egov-bench-workflow-'));
  const database = await openDatabase({ pgliteDir: dir });
  return {
    database,
    where: `PGlite in ${dir}`,
    cleanup: async () => {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Column arrays for one table, inserted with INSERT … SELECT FROM unnest(…) (identifiers are constants). */
class Rows {
  private cols: unknown[][];
  count = 0;
  constructor(
    private readonly table: string,
    private readonly spec: readonly (readonly [string, string])[],
  ) {
    this.cols = spec.map(() => []);
  }

  push(values: unknown[]): void {
    if (values.length !== this.spec.length) throw new Error(`${this.table}: ${values.length} values for ${this.spec.length} columns`);
    values.forEach((v, i) => this.cols[i].push(v));
  }

  get size(): number {
    return this.cols[0].length;
  }

  async flush(db: Db): Promise<void> {
    if (this.size === 0) return;
    const cols = this.cols;
    this.count += this.size;
    this.cols = this.spec.map(() => []);
    const names = sql.raw(this.spec.map(([n]) => n).join(', '));
    const arrays = sql.join(cols.map((c, i) => sql`${sql.param(c)}::${sql.raw(this.spec[i][1])}[]`), sql`, `);
    await db.execute(sql`INSERT INTO ${sql.raw(this.table)} (${names}) SELECT * FROM unnest(${arrays})`);
  }
}

const CASE_COLUMNS = [
  ['id', 'uuid'], ['definition_key', 'text'], ['definition_version', 'int'], ['title', 'text'], ['subject_module', 'text'], ['subject_id', 'text'],
  ['region_code', 'text'], ['state', 'text'], ['state_seq', 'int'], ['state_entered_at', 'timestamptz'], ['clock_seq', 'int'], ['status', 'text'],
  ['candidate_unit_id', 'uuid'], ['candidate_unit_name', 'text'], ['required_scope', 'text'], ['assignee_user_id', 'uuid'], ['assignee_name', 'text'],
  ['started_by_user_id', 'uuid'], ['started_by_name', 'text'], ['started_by_kind', 'text'], ['started_at', 'timestamptz'], ['closed_at', 'timestamptz'],
  ['deadline_at', 'timestamptz'], ['deadline_unit', 'text'], ['deadline_amount', 'int'], ['paused_since', 'timestamptz'], ['pause_reason', 'text'],
  ['late', 'boolean'], ['escalated_at', 'timestamptz'], ['escalation_unit_id', 'uuid'], ['escalation_unit_name', 'text'], ['escalation_scope', 'text'],
  ['handling_working_days', 'numeric'], ['data', 'jsonb'], ['version', 'int'], ['updated_at', 'timestamptz'],
] as const;
const HISTORY_COLUMNS = [
  ['id', 'uuid'], ['case_id', 'uuid'], ['seq', 'int'], ['at', 'timestamptz'], ['action', 'text'], ['transition', 'text'], ['from_state', 'text'],
  ['to_state', 'text'], ['actor_kind', 'text'], ['actor_user_id', 'uuid'], ['actor_name', 'text'], ['actor_unit_id', 'uuid'], ['actor_unit_name', 'text'],
  ['comment', 'text'], ['fields', 'jsonb'], ['attachment_ids', 'jsonb'], ['details', 'jsonb'],
] as const;
const TIMER_COLUMNS = [
  ['id', 'uuid'], ['case_id', 'uuid'], ['state_seq', 'int'], ['clock_seq', 'int'], ['kind', 'text'], ['transition', 'text'], ['due_at', 'timestamptz'],
  ['next_attempt_at', 'timestamptz'], ['status', 'text'], ['attempts', 'int'], ['fired_at', 'timestamptz'], ['lag_ms', 'bigint'], ['created_at', 'timestamptz'],
] as const;
const PAUSE_COLUMNS = [
  ['id', 'uuid'], ['case_id', 'uuid'], ['state_seq', 'int'], ['reason', 'text'], ['started_at', 'timestamptz'], ['ended_at', 'timestamptz'],
  ['started_by_name', 'text'], ['ended_by_name', 'text'], ['comment', 'text'],
] as const;

// ---- generated province ---------------------------------------------------------------------------

/** Deterministic random numbers (mulberry32), so two runs load the same province. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const between = (lo: number, hi: number): number => lo + rnd() * (hi - lo);
const iso = (ms: number): string => new Date(ms).toISOString();

interface Staff {
  id: string;
  name: string;
}

interface HandlingUnit extends UnitRef {
  regionCode: string;
  handlers: Staff[];
  leaders: Staff[];
}

interface Province {
  handling: HandlingUnit[];
  units: number;
  staff: { id: string; unitId: string; role: 'handler' | 'leader' | 'supervisor' }[];
}

const ITEMS = ['食品经营许可', '药品零售许可', '建设工程规划许可', '户外广告设置许可', '排水许可', '道路运输经营许可', '公共场所卫生许可', '民办学校办学许可', '建筑施工许可', '取水许可'];

/** Units in every city and county of the province, three roles, USERS accounts with one assignment each. */
async function loadProvince(db: Db, now: number): Promise<Province> {
  const regions = await queryRows<{ code: string; name: string; level: string; parent_code: string | null }>(
    db,
    sql`SELECT code, name, level, parent_code FROM directory.regions WHERE active AND level IN ('province', 'prefecture', 'county') ORDER BY code`,
  );
  const units = new Rows('directory.units', [['id', 'uuid'], ['name', 'text'], ['unit_type', 'text'], ['parent_id', 'uuid'], ['region_code', 'text'], ['status', 'text'], ['is_demo', 'boolean'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'], ['search_text', 'text']]);
  const created = iso(now - 400 * DAY);
  const governments = new Map<string, UnitRef>();
  const addUnit = (name: string, type: string, regionCode: string, parentId: string | null): UnitRef => {
    const id = newId();
    units.push([id, name, type, parentId, regionCode, 'active', 'f', created, created, name.toLowerCase()]);
    return { id, name };
  };
  const province = regions.find((r) => r.level === 'province');
  if (!province) throw new Error('directory.regions has no province (reference data missing)');
  governments.set(province.code, addUnit(`${province.name}人民政府`, 'government', province.code, null));
  for (const r of regions.filter((x) => x.level === 'prefecture')) governments.set(r.code, addUnit(`${r.name}人民政府`, 'government', r.code, governments.get(province.code)!.id));
  const handling: HandlingUnit[] = [];
  const handlingUnit = (name: string, type: string, r: { code: string }, parent: UnitRef) => handling.push({ ...addUnit(name, type, r.code, parent.id), regionCode: r.code, handlers: [], leaders: [] });
  for (const r of regions) {
    if (r.level === 'province') continue;
    const gov = r.level === 'prefecture' ? governments.get(r.code)! : governments.get(r.parent_code ?? '') ?? governments.get(province.code)!;
    escalationUnits.set(r.code, r.level === 'prefecture' ? governments.get(province.code)! : gov);
    if (r.level === 'prefecture') handlingUnit(`${r.name}行政审批服务局`, 'department', r, gov);
    else {
      handlingUnit(`${r.name}政务服务中心`, 'institution', r, gov);
      handlingUnit(`${r.name}市场监督管理局`, 'department', r, gov);
      handlingUnit(`${r.name}自然资源局`, 'department', r, gov);
    }
  }
  await units.flush(db);

  const roleIds = { handler: newId(), leader: newId(), supervisor: newId() };
  const roles = new Rows('identity.roles', [['id', 'uuid'], ['code', 'text'], ['name', 'text'], ['description', 'text'], ['requires_mfa', 'boolean'], ['builtin', 'boolean'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz']]);
  const roleScopes = new Rows('identity.role_scopes', [['role_id', 'uuid'], ['scope', 'text']]);
  roles.push([roleIds.handler, 'bench_handler', '承办人 (基准测试)', '', 'f', 'f', created, created]);
  roles.push([roleIds.leader, 'bench_leader', '审批人 (基准测试)', '', 'f', 'f', created, created]);
  roles.push([roleIds.supervisor, 'bench_supervisor', '督办人 (基准测试)', '', 'f', 'f', created, created]);
  roleScopes.push([roleIds.handler, SCOPES.handle]);
  roleScopes.push([roleIds.leader, SCOPES.decide]);
  roleScopes.push([roleIds.supervisor, SCOPES.supervise]);
  await roles.flush(db);
  await roleScopes.flush(db);

  // Five supervisors per government, the rest spread over the handling units: every fourth a leader.
  const users = new Rows('identity.users', [['id', 'uuid'], ['kind', 'text'], ['login_name', 'text'], ['display_name', 'text'], ['home_unit_id', 'uuid'], ['status', 'text'], ['is_demo', 'boolean'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz']]);
  const assignments = new Rows('identity.assignments', [['id', 'uuid'], ['user_id', 'uuid'], ['role_id', 'uuid'], ['unit_id', 'uuid'], ['created_at', 'timestamptz']]);
  const govs = [...governments.values()];
  const supervisors = Math.min(USERS, govs.length * 5);
  const staff: Province['staff'] = [];
  for (let k = 0; k < USERS; k += 1) {
    const id = newId();
    const name = `工作人员${String(k + 1).padStart(5, '0')}`;
    let unitId: string;
    let role: 'handler' | 'leader' | 'supervisor';
    if (k < supervisors) {
      unitId = govs[k % govs.length].id;
      role = 'supervisor';
    } else {
      const j = k - supervisors;
      const u = handling[j % handling.length];
      unitId = u.id;
      role = Math.floor(j / handling.length) % 4 === 1 ? 'leader' : 'handler';
      (role === 'leader' ? u.leaders : u.handlers).push({ id, name });
    }
    users.push([id, 'staff', `bench${String(k + 1).padStart(5, '0')}`, name, unitId, 'active', 'f', created, created]);
    assignments.push([newId(), id, roleIds[role], unitId, created]);
    staff.push({ id, unitId, role });
    if (users.size >= BATCH) {
      await users.flush(db);
      await assignments.flush(db);
    }
  }
  await users.flush(db);
  await assignments.flush(db);
  return { handling, units: units.count, staff };
}

interface Actorish {
  kind: 'citizen' | 'staff' | 'system';
  userId: string | null;
  name: string;
  unit: UnitRef | null;
}

const SYSTEM: Actorish = { kind: 'system', userId: null, name: systemActor.name, unit: null };

interface LoadCounts {
  cases: number;
  history: number;
  timers: number;
  pendingTimers: number;
  pauses: number;
}

/**
 * CASES cases of the bench flow, each consistent with what the engine would have written: history
 * rows for every step (start, transitions, claims, pauses, fired reminders and escalations), the
 * clock of the current state (deadline, clock_seq, pending or fired timers, open pauses), closed
 * cases with their handling time. Timers of states a case has left are not loaded.
 */
async function loadCases(db: Db, province: Province, now: number, onProgress: (n: number) => void): Promise<LoadCounts> {
  const cases = new Rows('workflow.cases', CASE_COLUMNS);
  const history = new Rows('workflow.history', HISTORY_COLUMNS);
  const timers = new Rows('workflow.timers', TIMER_COLUMNS);
  const pauses = new Rows('workflow.pauses', PAUSE_COLUMNS);
  const calendars = new Map<string, WorkingCalendar>();
  const ctx: Ctx = { actor: systemActor, db, clock: { now: () => new Date(now) }, requestId: 'bench:load', log: silentLogger };
  for (const u of province.handling) if (!calendars.has(u.regionCode)) calendars.set(u.regionCode, await loadCalendar(ctx, { regionCode: u.regionCode }));
  const firstStart = Date.UTC(2026, 0, 5, 1);
  let pendingTimers = 0;

  const one = (i: number) => {
    const unit = pick(province.handling);
    const cal = calendars.get(unit.regionCode)!;
    const id = newId();
    const applicant: Actorish = { kind: 'citizen', userId: newId(), name: `申请人${i + 1}`, unit: null };
    const handlerStaff = unit.handlers.length ? pick(unit.handlers) : null;
    const leaderStaff = unit.leaders.length ? pick(unit.leaders) : null;
    const handler: Actorish = { kind: 'staff', userId: handlerStaff?.id ?? null, name: handlerStaff?.name ?? '承办人', unit };
    const leader: Actorish = { kind: 'staff', userId: leaderStaff?.id ?? null, name: leaderStaff?.name ?? '审批人', unit };
    const item = pick(ITEMS);
    const data: PermitData = { applicant: applicant.name, item };
    const hist: { at: number; action: string; transition?: string; from?: string; to?: string; actor: Actorish; comment?: string; fields?: object; details?: object }[] = [];
    const step = (at: number, transition: string, label: string, from: string, to: string, actor: Actorish, extra: { comment?: string; fields?: object; assignee?: Actorish } = {}) =>
      hist.push({ at, action: 'transition', transition, from, to, actor, comment: extra.comment, fields: extra.fields ?? {},
        details: { label, unitId: unit.id, unitName: unit.name, ...(extra.assignee?.userId ? { assigneeUserId: extra.assignee.userId } : {}) } });
    const startRow = (at: number) => hist.push({ at, action: 'start', to: 'accept', actor: applicant, details: { unitId: unit.id, unitName: unit.name } });
    const opinion = '经审查, 申请材料齐全, 符合法定形式';

    let state = 'accept';
    let status: 'open' | 'correction' | 'suspended' | 'closed' | 'withdrawn' = 'open';
    let stateSeq = 1;
    let entered = 0;
    let startedAt: number;
    let closedAt: number | null = null;
    let assignee: Actorish | null = null;
    let scope: string | null = SCOPES.handle;
    // Written by the timer rows below as well as here (an object, so the compiler does not narrow it).
    const flags: { late: boolean; escalatedAt: number | null } = { late: false, escalatedAt: null };
    let handlingDays: number | null = null;
    let pause: { at: number; reason: string; by: Actorish; comment: string } | null = null;
    let clockRefreshes = 0; // extra clock generations in this state (a pause)

    const r = rnd();
    if (r < 0.78) {
      // closed or withdrawn, some time this year
      const t0 = between(firstStart, now - 40 * DAY);
      startedAt = t0;
      startRow(t0);
      const t1 = t0 + between(0.1, 2) * DAY;
      if (r < 0.03) {
        hist.push({ at: t1, action: 'withdraw', from: 'accept', to: 'accept', actor: applicant });
        status = 'withdrawn';
        closedAt = t1;
        entered = t0;
        clockRefreshes = 1;
      } else {
        step(t1, 'accept_case', '受理', 'accept', 'review', handler, { assignee: handler });
        const t2 = t1 + between(0.5, 6) * DAY;
        if (r < 0.13) {
          step(t2, 'reject', '不予许可', 'review', 'rejected', handler, { comment: '申请材料不符合法定条件' });
          state = 'rejected';
          stateSeq = 3;
          closedAt = t2;
        } else {
          step(t2, 'submit', '提交审批', 'review', 'decide', handler, { fields: { opinion } });
          const t3 = t2 + between(0.1, 4) * DAY;
          const decisionNo = `豫许〔2026〕${i + 1}号`;
          step(t3, 'approve', '准予许可', 'decide', 'issued', leader, { fields: { decisionNo } });
          Object.assign(data, { opinion, decisionNo });
          state = 'issued';
          stateSeq = 4;
          closedAt = t3;
        }
        status = 'closed';
        entered = closedAt;
        scope = null;
        flags.late = rnd() < 0.08;
        handlingDays = deadlineWithPauses(cal, { start: new Date(t0), budget: { days: 0 }, pauses: [], now: new Date(closedAt) }).usedDays;
      }
    } else {
      // open: 20 % waiting for acceptance, 45 % in review (10 % of them paused), 25 % waiting for the decision
      const o = (r - 0.78) / 0.22;
      if (o < 0.2) {
        entered = now - between(0, 4) * DAY;
        startedAt = entered;
        startRow(entered);
      } else if (o < 0.75) {
        state = 'review';
        entered = now - between(0, 8) * DAY;
        const fromPool = rnd() < 0.3;
        if (fromPool) {
          // sent back by the leader: the review is in the unit's pool again
          const t2 = entered - between(0.1, 3) * DAY;
          const t1 = t2 - between(0.1, 4) * DAY;
          startedAt = t1 - between(0.1, 2) * DAY;
          startRow(startedAt);
          step(t1, 'accept_case', '受理', 'accept', 'review', handler, { assignee: handler });
          step(t2, 'submit', '提交审批', 'review', 'decide', handler, { fields: { opinion } });
          step(entered, 'send_back', '退回重审', 'decide', 'review', leader, { comment: '请补充现场核查意见' });
          data.opinion = opinion;
          stateSeq = 4;
        } else {
          startedAt = entered - between(0.1, 2) * DAY;
          startRow(startedAt);
          step(entered, 'accept_case', '受理', 'accept', 'review', handler, { assignee: handler });
          assignee = handler.userId ? handler : null;
          stateSeq = 2;
        }
        if (o >= 0.66 && assignee) {
          const at = entered + between(0.05, 0.5) * (now - entered);
          const correction = o < 0.705;
          pause = { at, reason: correction ? 'correction' : pick(['consultation', 'inspection', 'expert_review']), by: handler, comment: correction ? '请补正营业执照复印件' : '征求相关部门意见' };
          hist.push({ at, action: correction ? 'return_for_correction' : 'suspend', from: 'review', to: 'review', actor: handler, comment: pause.comment, details: { reason: pause.reason } });
          status = correction ? 'correction' : 'suspended';
          clockRefreshes = 1;
        }
      } else {
        state = 'decide';
        scope = SCOPES.decide;
        entered = now - between(0, 5) * DAY;
        const t1 = entered - between(0.1, 4) * DAY;
        startedAt = t1 - between(0.1, 2) * DAY;
        startRow(startedAt);
        step(t1, 'accept_case', '受理', 'accept', 'review', handler, { assignee: handler });
        step(entered, 'submit', '提交审批', 'review', 'decide', handler, { fields: { opinion } });
        data.opinion = opinion;
        stateSeq = 3;
        if (rnd() < 0.5 && leader.userId) {
          hist.push({ at: entered + between(0, Math.min(HOUR, now - entered)), action: 'claim', from: 'decide', to: 'decide', actor: leader });
          assignee = leader;
        }
      }
    }

    // The clock of the current state: deadline, reminders and escalation as refreshClock schedules them.
    const def = permitFlow.states[state];
    let deadline: number | null = null;
    const clockSeq = stateSeq + clockRefreshes;
    const timerRows: unknown[][] = [];
    if (status === 'open' || status === 'correction' || status === 'suspended') {
      const budget = def.deadline!;
      const due = budgetEnd(cal, new Date(entered), budget, [], new Date(now));
      const dueMs = due ? due.getTime() : null;
      const until = pause ? pause.at : now;
      const timer = (kind: 'reminder' | 'escalation', at: number) => {
        if (at <= until) {
          const lag = Math.round(between(20, 1500));
          timerRows.push([newId(), id, stateSeq, stateSeq, kind, null, iso(at), iso(at), 'fired', 1, iso(at + lag), lag, iso(entered)]);
          if (kind === 'reminder') hist.push({ at: at + lag, action: 'remind', from: state, to: state, actor: SYSTEM, details: { deadline: iso(dueMs!) } });
          else {
            const target = escalationUnits.get(unit.regionCode)!;
            flags.escalatedAt = at + lag;
            flags.late = true;
            hist.push({ at: at + lag, action: 'escalate', from: state, to: state, actor: SYSTEM,
              details: { deadline: iso(dueMs!), escalationUnitId: target.id, escalationUnitName: target.name, escalationScope: SCOPES.supervise } });
          }
        } else {
          // still waiting; a pause cancelled it (the clock stopped)
          timerRows.push([newId(), id, stateSeq, stateSeq, kind, null, iso(at), iso(at), pause ? 'cancelled' : 'pending', 0, null, null, iso(entered)]);
          if (!pause) pendingTimers += 1;
        }
      };
      if (dueMs !== null && def.reminderBefore) {
        const remind = budgetEnd(cal, new Date(entered), { workingDays: (budget as { workingDays: number }).workingDays - def.reminderBefore }, [], new Date(now));
        if (remind && remind.getTime() < dueMs) timer('reminder', remind.getTime());
      }
      if (dueMs !== null && def.escalation) timer('escalation', dueMs);
      // While paused the deadline is null, unless it had already passed when the clock stopped.
      deadline = !pause ? dueMs : dueMs !== null && dueMs <= pause.at ? dueMs : null;
    }
    for (const t of timerRows) timers.push(t);
    if (pause) pauses.push([newId(), id, stateSeq, pause.reason, iso(pause.at), null, pause.by.name, null, pause.comment]);

    hist.sort((a, b) => a.at - b.at);
    const ops = hist.filter((h) => h.action !== 'remind' && h.action !== 'escalate');
    hist.forEach((h, k) => {
      history.push([newId(), id, k + 1, iso(h.at), h.action, h.transition ?? null, h.from ?? null, h.to ?? null, h.actor.kind, h.actor.userId, h.actor.name,
        h.actor.unit?.id ?? null, h.actor.unit?.name ?? null, h.comment ?? null, JSON.stringify(h.fields ?? {}), '[]', JSON.stringify(h.details ?? {})]);
    });
    const escalatedAt = flags.escalatedAt;
    const target = escalatedAt !== null ? escalationUnits.get(unit.regionCode)! : null;
    const budget = status === 'closed' || status === 'withdrawn' ? null : def.deadline;
    cases.push([
      id, FLOW_KEY, 1, `${item}申请 — ${applicant.name}`, 'wfbench', `XK-2026-${String(i + 1).padStart(7, '0')}`, unit.regionCode, state, stateSeq, iso(entered), clockSeq, status,
      unit.id, unit.name, scope, assignee?.userId ?? null, assignee?.userId ? assignee.name : null, applicant.userId, applicant.name, 'citizen', iso(startedAt),
      closedAt === null ? null : iso(closedAt), deadline === null ? null : iso(deadline), budget ? 'days' : null, budget ? (budget as { workingDays: number }).workingDays : null,
      pause ? iso(pause.at) : null, pause?.reason ?? null, flags.late ? 't' : 'f', escalatedAt === null ? null : iso(escalatedAt), target?.id ?? null, target?.name ?? null,
      target ? SCOPES.supervise : null, handlingDays, JSON.stringify(data), ops.length, iso(ops[ops.length - 1].at),
    ]);
  };

  for (let start = 0; start < CASES; start += BATCH) {
    for (let i = start; i < Math.min(start + BATCH, CASES); i += 1) one(i);
    await cases.flush(db);
    await history.flush(db);
    await pauses.flush(db);
    await timers.flush(db);
    onProgress(Math.min(start + BATCH, CASES));
  }
  return { cases: cases.count, history: history.count, timers: timers.count, pendingTimers, pauses: pauses.count };
}

// ---- measurement helpers --------------------------------------------------------------------------

interface RunResult {
  done: number;
  errors: number;
  firstError: string | null;
  elapsedMs: number;
  latencies: number[];
}

/**
 * Back to the event loop between two calls, as between two requests. PGlite answers through
 * promises alone (no I/O), so a driver that never yields would starve every timer of the process,
 * the workflow timer loop included.
 */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs `fn` on every item with `concurrency` workers; latency of each call in ms. */
async function runAll<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<RunResult> {
  const res: RunResult = { done: 0, errors: 0, firstError: null, elapsedMs: 0, latencies: [] };
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      const t = performance.now();
      try {
        await fn(item);
        res.done += 1;
        res.latencies.push(performance.now() - t);
      } catch (err) {
        res.errors += 1;
        res.firstError ??= err instanceof Error ? err.message : String(err);
      }
      await yieldToLoop();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  res.elapsedMs = performance.now() - started;
  return res;
}

const rate = (r: RunResult): number => r.done / (r.elapsedMs / 1000);
const ms = (v: number): string => (Number.isNaN(v) ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const lat = (r: RunResult): string => `p50 ${ms(percentile(r.latencies, 50))} ms, p99 ${ms(percentile(r.latencies, 99))} ms`;

/** An open case as the driver sees it: who may act next and which step they take. */
interface Work {
  id: string;
  state: string;
  version: number;
  unitId: string;
  assigneeUserId: string | null;
}

interface Crew {
  handlers: Map<string, string[]>;
  leaders: Map<string, string[]>;
}

function actorFor(crew: Crew, w: Work): string | null {
  if (w.assigneeUserId) return w.assigneeUserId;
  const pool = (w.state === 'decide' ? crew.leaders : crew.handlers).get(w.unitId) ?? [];
  return pool.length ? pick(pool) : null;
}

/** The step a clerk or leader takes on the case: accept, submit the review, approve or send back. */
function stepFor(w: Work): Omit<TransitionInput, 'caseId'> {
  switch (w.state) {
    case 'accept':
      return { transition: 'accept_case', expectedVersion: w.version };
    case 'review':
      return { transition: 'submit', fields: { opinion: '经审查, 符合许可条件, 拟准予许可' }, expectedVersion: w.version };
    default:
      return rnd() < 0.5
        ? { transition: 'approve', fields: { decisionNo: `豫许〔2026〕B${w.id.slice(-6)}号` }, expectedVersion: w.version }
        : { transition: 'send_back', comment: '请补充现场核查记录', expectedVersion: w.version };
  }
}

// ---- main -----------------------------------------------------------------------------------------

const NOW = Date.now();
const lastDayNeeded = new Date(NOW + 14 * DAY + 8 * HOUR).getUTCFullYear();
if (!statutoryData().years.has(lastDayNeeded)) {
  throw new Error(`the holiday data (chinese-days) does not cover ${lastDayNeeded}: deadlines computed now would be refused (calendar_year_unknown); update the package first`);
}

const { database, where, cleanup } = await open();
let cleaned = false;
const cleanupOnce = async () => {
  if (cleaned) return;
  cleaned = true;
  await cleanup();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: removing the scratch database…\n`);
    void cleanupOnce().finally(() => process.exit(130));
  });
}

let tp: TestPlatform | null = null;
try {
  console.log(`# workflow — ${CASES.toLocaleString('en')} cases, ${USERS.toLocaleString('en')} staff accounts, ${where}`);
  console.log(`started ${new Date().toISOString()}, load average ${loadAverage()}, node ${process.version}, ${os.availableParallelism()} CPUs`);
  tp = await startTestPlatform({ database, modules: [...deploymentModules, benchModule], worker: false });
  const db = database.db;
  const sys = tp.ctx();

  // ---- setup (not measured)
  const t = performance.now();
  const province = await loadProvince(db, NOW);
  let last = 0;
  const counts = await loadCases(db, province, NOW, (n) => {
    if (Date.now() - last < 15_000 && n < CASES) return;
    last = Date.now();
    process.stderr.write(`loading cases: ${n.toLocaleString('en')} / ${CASES.toLocaleString('en')} (load ${loadAverage()})\n`);
  });
  for (const table of ['workflow.cases', 'workflow.history', 'workflow.timers', 'workflow.pauses', 'identity.users', 'identity.assignments', 'directory.units']) {
    await db.execute(sql`VACUUM ANALYZE ${sql.raw(table)}`);
  }
  const loadMs = performance.now() - t;
  type N = string | number;
  const shape = await queryRows<{ state: string; open: N; pool: N; overdue: N; due_soon: N; escalated: N; paused: N }>(
    db,
    sql`SELECT state, count(*) FILTER (WHERE status = 'open') AS open, count(*) FILTER (WHERE status = 'open' AND assignee_user_id IS NULL) AS pool,
          count(*) FILTER (WHERE status = 'open' AND deadline_at <= ${iso(NOW)}) AS overdue,
          count(*) FILTER (WHERE status = 'open' AND deadline_at > ${iso(NOW)} AND deadline_at <= ${iso(NOW + 2 * DAY)}) AS due_soon,
          count(*) FILTER (WHERE status = 'open' AND escalated_at IS NOT NULL) AS escalated, count(*) FILTER (WHERE status IN ('correction', 'suspended')) AS paused
        FROM workflow.cases WHERE status IN ('open', 'correction', 'suspended') GROUP BY state ORDER BY state`,
  );
  const sizes = await queryOne<{ cases: string; history: string; timers: string }>(
    db,
    sql`SELECT pg_size_pretty(pg_total_relation_size('workflow.cases')) AS cases, pg_size_pretty(pg_total_relation_size('workflow.history')) AS history,
          pg_size_pretty(pg_total_relation_size('workflow.timers')) AS timers`,
  );
  console.log(`load (not measured): ${fmtMs(loadMs)} — ${province.units} units, ${province.handling.length} of them handling cases; ${USERS.toLocaleString('en')} accounts;`
    + ` ${counts.cases.toLocaleString('en')} cases (${sizes?.cases}), ${counts.history.toLocaleString('en')} history rows (${sizes?.history}),`
    + ` ${counts.timers.toLocaleString('en')} timers (${counts.pendingTimers.toLocaleString('en')} pending; ${sizes?.timers}), ${counts.pauses.toLocaleString('en')} open pauses`);
  const fmtN = (v: N) => Number(v).toLocaleString('en');
  for (const r of shape) {
    console.log(`open cases in ${r.state}: ${fmtN(r.open)} open (${fmtN(r.pool)} in a unit pool), overdue ${fmtN(r.overdue)} (escalated ${fmtN(r.escalated)}),`
      + ` deadline within 2 days ${fmtN(r.due_soon)}, paused ${fmtN(r.paused)}`);
  }

  // The engine's own view of a sample of loaded open cases must agree with what was loaded.
  const check = await queryRows<{ id: string; deadline_at: Date | string | null; status: string }>(
    db,
    sql`SELECT id, deadline_at, status FROM workflow.cases WHERE status IN ('open', 'correction', 'suspended') ORDER BY random() LIMIT 200`,
  );
  let mismatches = 0;
  for (const c of check) {
    const detail = await getCase(sys, { id: c.id });
    const loaded = c.deadline_at === null ? null : new Date(c.deadline_at).toISOString();
    if (detail.deadlineError || (detail.deadline?.at ?? null) !== loaded || detail.case.status !== c.status) {
      mismatches += 1;
      if (mismatches <= 3) console.log(`inconsistent case ${c.id}: loaded deadline ${loaded}, engine ${detail.deadline?.at ?? null} ${detail.deadlineError ?? ''}`);
    }
  }
  console.log(`consistency: ${check.length} random open cases read back with getCase, deadline recomputed by the engine's calendar: ${mismatches} differ from the load`);
  if (mismatches > 0) throw new Error('the loaded cases do not match what the engine computes');

  const crew: Crew = { handlers: new Map(), leaders: new Map() };
  for (const u of province.handling) {
    crew.handlers.set(u.id, u.handlers.map((s) => s.id));
    crew.leaders.set(u.id, u.leaders.map((s) => s.id));
  }
  // Actors as a session resolves them (identity's grantsOf), looked up before the clock starts.
  const actors = new Map<string, Actor>();
  const actorOf = async (userId: string): Promise<Actor> => {
    let a = actors.get(userId);
    if (!a) {
      const name = (await queryOne<{ display_name: string }>(db, sql`SELECT display_name FROM identity.users WHERE id = ${userId}`))!.display_name;
      a = { kind: 'staff', userId, name, grants: (await grantsOf(sys, userId)).grants };
      actors.set(userId, a);
    }
    return a;
  };
  const ctxAs = (actor: Actor): Ctx => tp!.ctx(actor);

  // Disjoint samples: timer cases (phase 3), cases for the measured transitions, cases for the reference.
  const timerRows = await queryRows<{ id: string; case_id: string; kind: string }>(
    db,
    sql`SELECT DISTINCT ON (t.case_id) t.id, t.case_id, t.kind FROM workflow.timers t
        WHERE t.status = 'pending' AND t.case_id IN (SELECT case_id FROM workflow.timers WHERE status = 'pending' ORDER BY random() LIMIT ${TIMERS * TIMER_WINDOWS_S.length * 2})
        ORDER BY t.case_id, random()`,
  );
  const timerSamples = TIMER_WINDOWS_S.map((_, k) => timerRows.slice(k * TIMERS, (k + 1) * TIMERS));
  const reserved = timerRows.slice(0, TIMERS * TIMER_WINDOWS_S.length).map((r) => r.case_id);
  // Phase 3 keeps moving its cases until they close, so it needs far fewer than one case per step.
  const wanted = TRANSITIONS * CONCURRENCY.length + 20_000;
  const workRows = await queryRows<{ id: string; state: string; version: number; candidate_unit_id: string; assignee_user_id: string | null }>(
    db,
    sql`SELECT id, state, version, candidate_unit_id, assignee_user_id FROM workflow.cases
        WHERE status = 'open' AND NOT (id = ANY(${sql.param(reserved)}::uuid[])) ORDER BY random() LIMIT ${wanted}`,
  );
  const work: Work[] = workRows.map((r) => ({ id: r.id, state: r.state, version: Number(r.version), unitId: r.candidate_unit_id, assigneeUserId: r.assignee_user_id }));
  const refIds = (await queryRows<{ id: string }>(db, sql`SELECT id FROM workflow.cases WHERE status = 'closed' ORDER BY random() LIMIT ${TRANSITIONS * CONCURRENCY.length}`)).map((r) => r.id);
  for (const s of province.staff) await actorOf(s.id);

  /** One measured step on a case; the case's next state (or null when closed). */
  const takeStep = async (w: Work): Promise<Work | null> => {
    const userId = actorFor(crew, w);
    if (!userId) throw new Error(`nobody at unit ${w.unitId} may act on ${w.state}`);
    const view: CaseView = await takeTransition(ctxAs(await actorOf(userId)), { caseId: w.id, ...stepFor(w) });
    if (view.status !== 'open') return null;
    return { id: w.id, state: view.state, version: view.version, unitId: view.unit?.id ?? w.unitId, assigneeUserId: view.assignee?.userId ?? null };
  };

  // ---- 1. transitions, and the plain reference transaction, at each concurrency
  console.log(`\n## 1. transitions (takeTransition: lock, guards, history, clock + timers, audit chain, outbox), ${TRANSITIONS} per run`);
  const transitionResults: { c: number; engine: RunResult; ref: RunResult }[] = [];
  for (const [k, c] of CONCURRENCY.entries()) {
    const refBatch = refIds.slice(k * TRANSITIONS, (k + 1) * TRANSITIONS);
    const ref = await runAll(refBatch, c, async (caseId) => {
      await db.transaction(async (tx) => {
        const at = new Date().toISOString();
        await tx.execute(sql`UPDATE workflow.cases SET version = version + 1, updated_at = ${at} WHERE id = ${caseId}`);
        await tx.execute(sql`INSERT INTO workflow.history (id, case_id, seq, at, action, actor_kind, actor_name, details)
          VALUES (${newId()}, ${caseId}, (SELECT coalesce(max(seq), 0) + 1 FROM workflow.history WHERE case_id = ${caseId}), ${at}, 'transition', 'system', '基准', '{}'::jsonb)`);
      });
    });
    const batch = work.slice(k * TRANSITIONS, (k + 1) * TRANSITIONS);
    const engine = await runAll(batch, c, async (w) => {
      await takeStep(w);
    });
    transitionResults.push({ c, engine, ref });
    const errs = (r: RunResult) => (r.errors ? `, ${r.errors} errors (first: ${r.firstError})` : '');
    console.log(`concurrency ${c}: takeTransition ${rate(engine).toFixed(1)}/s, ${lat(engine)}${errs(engine)}`
      + ` | reference UPDATE + INSERT ${rate(ref).toFixed(1)}/s, ${lat(ref)}${errs(ref)} | engine / reference ${((rate(engine) / rate(ref)) * 100).toFixed(1)} % (load ${loadAverage()})`);
    console.log(`RESULT workflow-transitions concurrency=${c} n=${engine.done} errors=${engine.errors} per_s=${rate(engine).toFixed(1)} p50_ms=${ms(percentile(engine.latencies, 50))}`
      + ` p99_ms=${ms(percentile(engine.latencies, 99))} ref_per_s=${rate(ref).toFixed(1)} ref_p50_ms=${ms(percentile(ref.latencies, 50))} ref_p99_ms=${ms(percentile(ref.latencies, 99))}`);
  }

  // ---- 2. inbox latency for a sample of staff
  console.log(`\n## 2. listInbox (first page, 20 rows, with the total), ${INBOX_USERS} random staff accounts, one at a time`);
  const shuffled = [...province.staff];
  for (let k = shuffled.length - 1; k > 0; k -= 1) {
    const j = Math.floor(rnd() * (k + 1));
    [shuffled[k], shuffled[j]] = [shuffled[j], shuffled[k]];
  }
  const sampleUsers = shuffled.slice(0, INBOX_USERS);
  const boxes = ['todo', 'due_soon', 'overdue'] as const;
  const boxLat: Record<(typeof boxes)[number], number[]> = { todo: [], due_soon: [], overdue: [] };
  const boxTotals: Record<(typeof boxes)[number], number[]> = { todo: [], due_soon: [], overdue: [] };
  for (const s of sampleUsers) {
    for (const box of boxes) {
      const ctx = ctxAs(await actorOf(s.id));
      const t0 = performance.now();
      const page = await listInbox(ctx, { box });
      boxLat[box].push(performance.now() - t0);
      boxTotals[box].push(page.total);
    }
  }
  const labels = { todo: '待办', due_soon: '即将超期', overdue: '已超期' };
  for (const box of boxes) {
    const totals = boxTotals[box];
    console.log(`${labels[box]} (${box}): p50 ${ms(percentile(boxLat[box], 50))} ms, p99 ${ms(percentile(boxLat[box], 99))} ms, max ${ms(Math.max(...boxLat[box]))} ms;`
      + ` cases in the box: median ${percentile(totals, 50)}, max ${Math.max(...totals)}`);
    console.log(`RESULT workflow-inbox box=${box} users=${sampleUsers.length} p50_ms=${ms(percentile(boxLat[box], 50))} p99_ms=${ms(percentile(boxLat[box], 99))} median_total=${percentile(totals, 50)}`);
  }

  // ---- 3. timer lag: TIMERS timers fall due within a window of seconds while transitions run
  const queue = work.slice(CONCURRENCY.length * TRANSITIONS);
  const timerRound = async (windowS: number, timerSample: typeof timerRows): Promise<{ failed: boolean }> => {
    console.log(`\n## 3. timer lag: ${timerSample.length} pending timers rescheduled to fall due within ${windowS} s, startTimerLoop (1 s interval, ${TIMER_LANES} lane(s), as the worker runs it),`
      + ` transitions running at concurrency ${TIMER_CONCURRENCY}`);
    const phaseStart = new Date();
    const firstDue = phaseStart.getTime() + 2000;
    const dues = timerSample.map((_, k) => iso(firstDue + Math.floor((k / timerSample.length) * windowS * 1000)));
    await db.execute(sql`UPDATE workflow.timers t SET due_at = v.due, next_attempt_at = v.due
      FROM unnest(${sql.param(timerSample.map((r) => r.id))}::uuid[], ${sql.param(dues)}::timestamptz[]) AS v(id, due) WHERE t.id = v.id`);
    const kinds = timerSample.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.kind]: (acc[r.kind] ?? 0) + 1 }), {});
    console.log(`timers: ${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ')}; first due ${iso(firstDue)}`);
    let passes = 0;
    // As boot runs it: four lanes on PostgreSQL, one on PGlite (one connection).
    const loop = startTimerLoop({ ctx: () => tp!.ctx(), log: silentLogger, intervalMs: 1000, concurrency: TIMER_LANES, onPass: () => (passes += 1) });
    let stop = false;
    const during: RunResult = { done: 0, errors: 0, firstError: null, elapsedMs: 0, latencies: [] };
    const driverStart = performance.now();
    const drive: { ranOutAfterS: number | null } = { ranOutAfterS: null };
    const drivers = Array.from({ length: TIMER_CONCURRENCY }, async () => {
      while (!stop) {
        const w = queue.shift();
        if (!w) {
          drive.ranOutAfterS ??= (performance.now() - driverStart) / 1000;
          break;
        }
        const t0 = performance.now();
        try {
          const next = await takeStep(w);
          during.done += 1;
          during.latencies.push(performance.now() - t0);
          if (next) queue.push(next);
        } catch (err) {
          during.errors += 1;
          during.firstError ??= err instanceof Error ? err.message : String(err);
        }
        await yieldToLoop();
      }
    });
    const ids = sql.param(timerSample.map((r) => r.id));
    const deadlineMs = Date.now() + 30 * 60_000;
    let pending = timerSample.length;
    while (pending > 0 && Date.now() < deadlineMs) {
      await new Promise((r) => setTimeout(r, 500));
      pending = Number((await queryOne<{ n: string | number }>(db, sql`SELECT count(*) AS n FROM workflow.timers WHERE id = ANY(${ids}::uuid[]) AND status = 'pending'`))?.n ?? 0);
    }
    stop = true;
    await Promise.all(drivers);
    during.elapsedMs = performance.now() - driverStart;
    await loop.stop();
    const lag = await timerLagStats(sys, { since: phaseStart });
    const mine = await queryOne<{ fired: N; cancelled: N; first: Date | string | null; last: Date | string | null; p50: N | null; p99: N | null; max: N | null }>(
      db,
      sql`SELECT count(*) FILTER (WHERE status = 'fired') AS fired, count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
            min(fired_at) AS first, max(fired_at) AS last,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms) FILTER (WHERE status = 'fired') AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_ms) FILTER (WHERE status = 'fired') AS p99, max(lag_ms) AS max
          FROM workflow.timers WHERE id = ANY(${ids}::uuid[])`,
    );
    const round = (v: N | null | undefined) => (v === null || v === undefined ? '–' : String(Math.round(Number(v))));
    const since = (v: Date | string | null | undefined) => (v ? `${((new Date(v).getTime() - firstDue) / 1000).toFixed(1)} s` : '–');
    const firedSpanS = mine?.first && mine.last ? (new Date(mine.last).getTime() - new Date(mine.first).getTime()) / 1000 : 0;
    console.log(`timerLagStats (every timer fired since the phase began): ${lag.count} fired, p50 ${round(lag.p50)} ms, p99 ${round(lag.p99)} ms, max ${round(lag.max)} ms`);
    console.log(`the ${timerSample.length} rescheduled timers: ${mine?.fired} fired, ${mine?.cancelled} cancelled, ${pending} still pending; lag p50 ${round(mine?.p50)} ms, p99 ${round(mine?.p99)} ms,`
      + ` max ${round(mine?.max)} ms; first fired ${since(mine?.first)} and last ${since(mine?.last)} after the first fell due`
      + ` (${firedSpanS > 0 ? (Number(mine?.fired) / firedSpanS).toFixed(0) : '–'} timers/s while firing); ${passes} loop passes`);
    console.log(`transitions meanwhile: ${during.done} at ${rate(during).toFixed(1)}/s, ${lat(during)}${during.errors ? `, ${during.errors} errors (first: ${during.firstError})` : ''}`
      + `${drive.ranOutAfterS !== null ? `; the drivers ran out of open cases after ${drive.ranOutAfterS.toFixed(0)} s` : ''} (load ${loadAverage()})`);
    console.log(`RESULT workflow-timers timers=${timerSample.length} window_s=${windowS} fired=${lag.count} p50_ms=${round(lag.p50)} p99_ms=${round(lag.p99)} max_ms=${round(lag.max)}`
      + ` last_fired_after_first_due=${since(mine?.last)} transitions_per_s=${rate(during).toFixed(1)}`);
    return { failed: during.errors > 0 || pending > 0 };
  };
  let timersFailed = false;
  for (const [k, windowS] of TIMER_WINDOWS_S.entries()) {
    if ((await timerRound(windowS, timerSamples[k])).failed) timersFailed = true;
  }
  console.log(`\nfinished ${new Date().toISOString()}, load average ${loadAverage()}`);
  const failed = transitionResults.some((r) => r.engine.errors > 0 || r.ref.errors > 0) || timersFailed;
  if (failed) process.exitCode = 1;
} finally {
  await tp?.close();
  await cleanupOnce();
}
