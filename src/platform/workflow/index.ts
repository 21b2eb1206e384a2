/**
 * The workflow engine (办件流程引擎): the public surface for modules. Define flows with
 * defineWorkflow, list them in ModuleDefinition.workflows, start and move cases with the service
 * functions, read them with the queries. See CONTEXT.md.
 */
export { defineWorkflow, type WorkflowDefinition, type WorkflowSpec, type StateDef, type TransitionDef, type FieldDef, type FieldValue, type Budget, type Delay,
  type RouteTarget, type RoutingFn, type RoutingInput, type GuardFn, type CaseSnapshot, type CaseData } from './definition.ts';
export { registerWorkflows, findDefinition, latestDefinition, allDefinitions } from './registry.ts';
export {
  startCase, takeTransition, claimCase, releaseCase, handOverCase, handOverCandidates, returnForCorrection, submitCorrection, suspendCase, resumeCase, withdrawCase,
  caseLink, type StartCaseInput, type TransitionInput, type CaseOpInput,
} from './cases.ts';
export { getCase, listInbox, inboxCounts, availableActions, casesForSubject, type CaseDetail, type CaseAction, type HistoryEntry, type PauseView, type TimerView,
  type InboxFilter, type InboxItem, type InboxPage, type InboxCounts } from './queries.ts';
export { workflowStats, type StatsRow, type StatsFilter } from './stats.ts';
export { runDueTimers, startTimerLoop, timerLagStats, TIMER_MAX_ATTEMPTS, type TimerRunResult, type TimerLoop } from './timers.ts';
export { WORKFLOW_SCOPES, WORKFLOW_EVENTS, CASE_STATUS_LABELS, PAUSE_REASON_LABELS, SUSPEND_REASONS, INBOX_BOX_LABELS, type CaseView, type CaseStatus, type PauseReason,
  type SuspendReason, type InboxBox } from './model.ts';
export type { DeadlineInfo } from './clock.ts';
export { workflowModule } from './module.ts';
