/**
 * Workflow definitions, written in TypeScript by the modules: states, transitions, who may take
 * them, where the next step goes, guards, required fields, deadlines, reminders, escalation and
 * timers. `defineWorkflow` checks the definition and computes the hash of its shape; the engine
 * records key + version + hash at boot, and a running case keeps the version it started with.
 */
import type { TSchema } from '@sinclair/typebox';
import type { Actor, Ctx } from '../context.ts';
import { sm3Hex } from '../crypto/index.ts';
import { canonicalJson } from '../audit/chain.ts';

/** A time budget counted by the working-day calendar (pauses do not count). */
export type Budget = { workingDays: number } | { workingHours: number };
/** A timer delay: working time, or plain elapsed hours. */
export type Delay = Budget | { hours: number };

/** Where the next step goes: a unit (its pool), optionally a named person in it. */
export interface RouteTarget {
  unitId: string;
  /** Unit name as shown in inboxes (kept as it was). */
  unitName: string;
  /** The scope needed in that unit; default: the target state's scope. */
  scope?: string;
  /** Assign to this person directly instead of the unit's pool. */
  userId?: string;
  userName?: string;
}

export type FieldValue = string | number;

/** What a routing function, guard or escalation sees. */
export interface CaseSnapshot<D> {
  id: string;
  definitionKey: string;
  definitionVersion: number;
  title: string;
  state: string;
  regionCode: string;
  subject: { module: string; id: string };
  data: D;
  startedBy: { userId: string | null; name: string };
  unit: { id: string; name: string } | null;
  assignee: { userId: string; name: string } | null;
}

export interface RoutingInput<D> {
  ctx: Ctx;
  actor: Actor;
  case: CaseSnapshot<D>;
  /** The case data after this step's fields were merged in. */
  data: D;
  fields: Record<string, FieldValue>;
}

export type RoutingFn<D> = (input: RoutingInput<D>) => RouteTarget | Promise<RouteTarget>;
/** Returns a Chinese reason why the transition may not be taken now, or null. */
export type GuardFn<D> = (input: RoutingInput<D>) => string | null | Promise<string | null>;

export interface FieldDef {
  /** Key in the case data (the value is merged into it). */
  name: string;
  /** Chinese label, used in forms and messages. */
  label: string;
  type?: 'text' | 'textarea' | 'date' | 'number' | 'select';
  required?: boolean;
  options?: { value: string; label: string }[];
  maxLength?: number;
  /** A regular expression the text must match. */
  pattern?: string;
  hint?: string;
}

export interface StateDef<D> {
  /** Chinese label. */
  label: string;
  terminal?: boolean;
  /** Who works on cases in this state: holders of this scope at the case's unit (required unless terminal). */
  scope?: string;
  /** Time allowed in this state, counted from entering it, pauses excluded. */
  deadline?: Budget;
  /** Remind the assignee (or the unit's pool) this many working days/hours (the deadline's unit) before the deadline. */
  reminderBefore?: number;
  /** When the deadline passes: mark the case overdue and notify this unit's holders of `scope`. */
  escalation?: { scope: string; route: RoutingFn<D> };
  /** Take a transition automatically after a delay in this state (e.g. auto-close). */
  timer?: { after: Delay; transition: string };
}

export interface TransitionDef<D> {
  /** Identifier, unique in the definition, e.g. `approve`. */
  name: string;
  /** Chinese label (the button). */
  label: string;
  from: string[];
  to: string;
  /** Who may take it (at the case's unit); default: the from-state's scope. */
  scope?: string;
  /** Where the case goes next; default: stays with the current unit (its pool). */
  route?: RoutingFn<D>;
  guards?: GuardFn<D>[];
  fields?: FieldDef[];
  commentRequired?: boolean;
  /** Taken only by a timer, never offered to people. */
  automatic?: boolean;
}

export interface WorkflowSpec<D> {
  /** `module.flow`, e.g. `documents.outgoing`. */
  key: string;
  version: number;
  /** Chinese title. */
  title: string;
  initial: string;
  states: Record<string, StateDef<D>>;
  transitions: TransitionDef<D>[];
  /** Schema of the case data (TypeBox object), checked at start and after every step. */
  dataSchema?: TSchema;
  /** Scope needed to start a case; absent: the calling module decides (e.g. citizens applying). */
  startScope?: string;
  /** Where a new case goes when the caller names no unit. */
  startRoute?: RoutingFn<D>;
}

export type CaseData = Record<string, unknown>;

/** A checked definition, data type erased: the engine validates data against `dataSchema`. */
export interface WorkflowDefinition extends WorkflowSpec<CaseData> {
  readonly hash: string;
  readonly shape: Record<string, unknown>;
}

const KEY_RE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const NAME_RE = /^[a-z][a-z0-9_]*$/;

function budgetShape(b: Delay | undefined): Record<string, number> | null {
  return b ? { ...b } : null;
}

function budgetAmount(b: Delay): number {
  return 'workingDays' in b ? b.workingDays : 'workingHours' in b ? b.workingHours : b.hours;
}

/** The parts of a definition that change how cases move; functions count by presence only. */
export function shapeOf<D>(spec: WorkflowSpec<D>): Record<string, unknown> {
  return {
    key: spec.key,
    version: spec.version,
    title: spec.title,
    initial: spec.initial,
    startScope: spec.startScope ?? null,
    startRoute: Boolean(spec.startRoute),
    dataSchema: spec.dataSchema ? JSON.parse(JSON.stringify(spec.dataSchema)) : null,
    states: Object.fromEntries(
      Object.entries(spec.states).map(([k, s]) => [
        k,
        {
          label: s.label,
          terminal: Boolean(s.terminal),
          scope: s.scope ?? null,
          deadline: budgetShape(s.deadline),
          reminderBefore: s.reminderBefore ?? null,
          escalation: s.escalation ? { scope: s.escalation.scope } : null,
          timer: s.timer ? { after: budgetShape(s.timer.after), transition: s.timer.transition } : null,
        },
      ]),
    ),
    transitions: spec.transitions.map((t) => ({
      name: t.name,
      label: t.label,
      from: [...t.from].sort(),
      to: t.to,
      scope: t.scope ?? null,
      route: Boolean(t.route),
      guards: t.guards?.length ?? 0,
      fields: (t.fields ?? []).map((f) => ({ ...f })),
      commentRequired: Boolean(t.commentRequired),
      automatic: Boolean(t.automatic),
    })),
  };
}

/** Checks a definition (fails at import/boot, never at run time) and fixes its hash. */
export function defineWorkflow<D extends CaseData = CaseData>(spec: WorkflowSpec<D>): WorkflowDefinition {
  const problems: string[] = [];
  if (!KEY_RE.test(spec.key)) problems.push(`key "${spec.key}" must look like module.flow`);
  if (!Number.isInteger(spec.version) || spec.version < 1) problems.push('version must be a positive integer');
  if (!spec.states[spec.initial]) problems.push(`initial state "${spec.initial}" is not defined`);
  else if (spec.states[spec.initial].terminal) problems.push('initial state may not be terminal');
  for (const [name, s] of Object.entries(spec.states)) {
    if (!NAME_RE.test(name)) problems.push(`state name "${name}" must be lower_snake_case`);
    if (!s.terminal && !s.scope) problems.push(`state "${name}" needs a scope (who works on it)`);
    if (s.terminal && (s.deadline || s.timer || s.escalation)) problems.push(`terminal state "${name}" cannot have a deadline, timer or escalation`);
    if (s.deadline && !(budgetAmount(s.deadline) > 0 && Number.isInteger(budgetAmount(s.deadline)))) problems.push(`state "${name}": deadline must be a positive integer`);
    if (s.deadline && 'hours' in s.deadline) problems.push(`state "${name}": deadlines are counted in working days or working hours`);
    if (s.reminderBefore !== undefined) {
      if (!s.deadline) problems.push(`state "${name}": a reminder needs a deadline`);
      else if (!Number.isInteger(s.reminderBefore) || s.reminderBefore < 1 || s.reminderBefore >= budgetAmount(s.deadline)) {
        problems.push(`state "${name}": reminderBefore must be a whole number between 1 and the deadline`);
      }
    }
    if (s.escalation && !s.deadline) problems.push(`state "${name}": escalation needs a deadline`);
    if (s.timer) {
      const t = spec.transitions.find((x) => x.name === s.timer!.transition);
      if (!t) problems.push(`state "${name}": timer transition "${s.timer.transition}" is not defined`);
      else if (!t.from.includes(name)) problems.push(`state "${name}": timer transition "${t.name}" does not start from it`);
      if (!(budgetAmount(s.timer.after) > 0)) problems.push(`state "${name}": timer delay must be positive`);
    }
  }
  const names = new Set<string>();
  for (const t of spec.transitions) {
    if (!NAME_RE.test(t.name)) problems.push(`transition name "${t.name}" must be lower_snake_case`);
    if (names.has(t.name)) problems.push(`transition "${t.name}" is defined twice`);
    names.add(t.name);
    if (t.from.length === 0) problems.push(`transition "${t.name}" has no from state`);
    for (const f of t.from) {
      if (!spec.states[f]) problems.push(`transition "${t.name}": from state "${f}" is not defined`);
      else if (spec.states[f].terminal) problems.push(`transition "${t.name}": cannot leave terminal state "${f}"`);
    }
    if (!spec.states[t.to]) problems.push(`transition "${t.name}": to state "${t.to}" is not defined`);
    const fieldNames = new Set<string>();
    for (const f of t.fields ?? []) {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(f.name)) problems.push(`transition "${t.name}": field name "${f.name}" is not an identifier`);
      if (fieldNames.has(f.name)) problems.push(`transition "${t.name}": field "${f.name}" twice`);
      fieldNames.add(f.name);
      if (f.type === 'select' && !f.options?.length) problems.push(`transition "${t.name}": select field "${f.name}" needs options`);
    }
  }
  if (problems.length) throw new Error(`workflow ${spec.key} v${spec.version}: ${problems.join('; ')}`);
  const shape = shapeOf(spec);
  const hash = sm3Hex(canonicalJson(shape));
  // Erasing D is sound: the engine only hands functions data that passed dataSchema.
  return Object.freeze({ ...(spec as unknown as WorkflowSpec<CaseData>), hash, shape });
}

export const isTerminal = (def: WorkflowDefinition, state: string): boolean => Boolean(def.states[state]?.terminal);

export function transitionByName(def: WorkflowDefinition, name: string): TransitionDef<CaseData> | undefined {
  return def.transitions.find((t) => t.name === name);
}

export function stateLabel(def: WorkflowDefinition | undefined, state: string): string {
  return def?.states[state]?.label ?? state;
}

export function deadlineUnitOf(b: Budget): { unit: 'days' | 'hours'; amount: number } {
  return 'workingDays' in b ? { unit: 'days', amount: b.workingDays } : { unit: 'hours', amount: b.workingHours };
}
