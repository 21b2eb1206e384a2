/**
 * Names, labels and shapes of the workflow engine: scopes, events, statuses, pause reasons, and the
 * mapping of a case row to what services and pages return.
 */
import { findDefinition } from './registry.ts';
import { stateLabel } from './definition.ts';

export const WORKFLOW_SCOPES = {
  caseRead: 'workflow.case.read',
  statsRead: 'workflow.stats.read',
} as const;

/** Outbox events: `workflow.case.<op>` for every operation, plus the notification requests. */
export const WORKFLOW_EVENTS = {
  started: 'workflow.case.started',
  transitioned: 'workflow.case.transitioned',
  closed: 'workflow.case.closed',
  claimed: 'workflow.case.claimed',
  released: 'workflow.case.released',
  handedOver: 'workflow.case.handed_over',
  returnedForCorrection: 'workflow.case.returned_for_correction',
  corrected: 'workflow.case.corrected',
  withdrawn: 'workflow.case.withdrawn',
  suspended: 'workflow.case.suspended',
  resumed: 'workflow.case.resumed',
  reminded: 'workflow.case.reminded',
  escalated: 'workflow.case.escalated',
  /** Notification requests (for a notify handler): someone has new work, a deadline nears, a case is overdue. */
  assignedNotice: 'workflow.assigned',
  reminderNotice: 'workflow.reminder',
  escalatedNotice: 'workflow.escalated',
} as const;

export const CASE_STATUSES = ['open', 'correction', 'suspended', 'closed', 'withdrawn'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const CASE_STATUS_LABELS: Record<CaseStatus, string> = {
  open: '办理中',
  correction: '待补正',
  suspended: '已中止',
  closed: '已办结',
  withdrawn: '已撤回',
};

export const PAUSE_REASONS = ['correction', 'consultation', 'inspection', 'expert_review'] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];
export const PAUSE_REASON_LABELS: Record<PauseReason, string> = {
  correction: '补正',
  consultation: '征求第三方意见',
  inspection: '现场核查',
  expert_review: '专家评审',
};
/** Reasons a handler may suspend with (补正 goes through returnForCorrection). */
export const SUSPEND_REASONS = ['consultation', 'inspection', 'expert_review'] as const;
export type SuspendReason = (typeof SUSPEND_REASONS)[number];

export const HISTORY_ACTIONS = [
  'start', 'transition', 'claim', 'release', 'hand_over', 'return_for_correction', 'correct', 'suspend', 'resume', 'withdraw', 'remind', 'escalate',
] as const;
export type HistoryAction = (typeof HISTORY_ACTIONS)[number];
export const HISTORY_ACTION_LABELS: Record<HistoryAction, string> = {
  start: '发起',
  transition: '办理',
  claim: '签收',
  release: '退回待认领',
  hand_over: '转交',
  return_for_correction: '退回补正',
  correct: '补正完成',
  suspend: '中止计时',
  resume: '恢复计时',
  withdraw: '撤回',
  remind: '到期提醒',
  escalate: '超期督办',
};

export const INBOX_BOXES = ['todo', 'done', 'due_soon', 'overdue'] as const;
export type InboxBox = (typeof INBOX_BOXES)[number];
export const INBOX_BOX_LABELS: Record<InboxBox, string> = { todo: '待办', done: '已办', due_soon: '即将超期', overdue: '已超期' };

export const TIMER_KINDS = ['reminder', 'escalation', 'auto_transition'] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];
export const TIMER_KIND_LABELS: Record<TimerKind, string> = { reminder: '到期提醒', escalation: '超期督办', auto_transition: '自动流转' };

/** A case row as stored. */
export interface CaseRow {
  id: string;
  definition_key: string;
  definition_version: number;
  title: string;
  subject_module: string;
  subject_id: string;
  region_code: string;
  state: string;
  state_seq: number;
  state_entered_at: Date | string;
  clock_seq: number;
  status: CaseStatus;
  candidate_unit_id: string | null;
  candidate_unit_name: string | null;
  required_scope: string | null;
  assignee_user_id: string | null;
  assignee_name: string | null;
  started_by_user_id: string | null;
  started_by_name: string;
  started_by_kind: string;
  started_at: Date | string;
  closed_at: Date | string | null;
  deadline_at: Date | string | null;
  deadline_unit: 'days' | 'hours' | null;
  deadline_amount: number | null;
  paused_since: Date | string | null;
  pause_reason: PauseReason | null;
  late: boolean;
  escalated_at: Date | string | null;
  escalation_unit_id: string | null;
  escalation_unit_name: string | null;
  escalation_scope: string | null;
  handling_working_days: string | number | null;
  data: Record<string, unknown>;
  version: number;
  updated_at: Date | string;
}

/** A case as services return it. */
export interface CaseView {
  id: string;
  definitionKey: string;
  definitionVersion: number;
  definitionTitle: string;
  title: string;
  subject: { module: string; id: string };
  regionCode: string;
  state: string;
  stateLabel: string;
  status: CaseStatus;
  statusLabel: string;
  unit: { id: string; name: string } | null;
  requiredScope: string | null;
  assignee: { userId: string; name: string } | null;
  startedBy: { userId: string | null; name: string; kind: string };
  startedAt: string;
  stateEnteredAt: string;
  closedAt: string | null;
  deadline: { at: string | null; unit: 'days' | 'hours'; amount: number } | null;
  pause: { reason: PauseReason; reasonLabel: string; since: string } | null;
  late: boolean;
  escalation: { at: string; unitId: string | null; unitName: string | null } | null;
  handlingWorkingDays: number | null;
  data: Record<string, unknown>;
  version: number;
  updatedAt: string;
}

export const iso = (d: Date | string): string => new Date(d).toISOString();
export const isoOrNull = (d: Date | string | null): string | null => (d === null ? null : iso(d));

export function caseView(r: CaseRow): CaseView {
  const def = findDefinition(r.definition_key, Number(r.definition_version));
  return {
    id: r.id,
    definitionKey: r.definition_key,
    definitionVersion: Number(r.definition_version),
    definitionTitle: def?.title ?? r.definition_key,
    title: r.title,
    subject: { module: r.subject_module, id: r.subject_id },
    regionCode: r.region_code,
    state: r.state,
    stateLabel: stateLabel(def, r.state),
    status: r.status,
    statusLabel: CASE_STATUS_LABELS[r.status],
    unit: r.candidate_unit_id ? { id: r.candidate_unit_id, name: r.candidate_unit_name ?? '' } : null,
    requiredScope: r.required_scope,
    assignee: r.assignee_user_id ? { userId: r.assignee_user_id, name: r.assignee_name ?? '' } : null,
    startedBy: { userId: r.started_by_user_id, name: r.started_by_name, kind: r.started_by_kind },
    startedAt: iso(r.started_at),
    stateEnteredAt: iso(r.state_entered_at),
    closedAt: isoOrNull(r.closed_at),
    deadline: r.deadline_unit ? { at: isoOrNull(r.deadline_at), unit: r.deadline_unit, amount: Number(r.deadline_amount) } : null,
    pause: r.paused_since && r.pause_reason ? { reason: r.pause_reason, reasonLabel: PAUSE_REASON_LABELS[r.pause_reason], since: iso(r.paused_since) } : null,
    late: r.late,
    escalation: r.escalated_at ? { at: iso(r.escalated_at), unitId: r.escalation_unit_id, unitName: r.escalation_unit_name } : null,
    handlingWorkingDays: r.handling_working_days === null ? null : Number(r.handling_working_days),
    data: r.data ?? {},
    version: Number(r.version),
    updatedAt: iso(r.updated_at),
  };
}

export const OPEN_STATUSES: readonly CaseStatus[] = ['open', 'correction', 'suspended'];
export const isOpen = (s: CaseStatus): boolean => OPEN_STATUSES.includes(s);
