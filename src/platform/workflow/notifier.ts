/**
 * Tells people about their cases: an outbox handler that turns the engine's notification requests
 * into notify() calls (in the handler's own transaction). Kept off the case transaction on purpose:
 * a notification that cannot be sent (no recipient resolver, a template problem) is retried and
 * ends as a visible dead letter, instead of stopping the case from moving.
 */
import type { EventHandler } from '../events/outbox.ts';
import { notify } from '../notify/index.ts';
import { formatChinaTime } from '../ui/time.ts';
import { WORKFLOW_EVENTS } from './model.ts';

interface NoticePayload {
  caseId: string;
  title: string;
  unitId: string | null;
  requiredScope: string | null;
  assigneeUserId: string | null;
  link?: string;
  deadline?: string | null;
  escalationUnitId?: string;
  escalationScope?: string;
  startedByUserId?: string | null;
  startedByKind?: string;
  reason?: string;
  outcomeLabel?: string;
}

/** The case's holder: its assignee, or the holders of the step's scope in its unit. */
function holders(p: NoticePayload): { userIds?: string[]; unitId?: string; scope?: string } | null {
  if (p.assigneeUserId) return { userIds: [p.assigneeUserId] };
  if (p.unitId && p.requiredScope) return { unitId: p.unitId, scope: p.requiredScope };
  return null;
}

const when = (d: string | null | undefined) => (d ? formatChinaTime(d) : '期限届满时');

export const workflowNotifier: EventHandler = {
  name: 'workflow.notifier',
  types: [WORKFLOW_EVENTS.assignedNotice, WORKFLOW_EVENTS.reminderNotice, WORKFLOW_EVENTS.escalatedNotice, WORKFLOW_EVENTS.returnedForCorrection, WORKFLOW_EVENTS.closed],
  async handle(ctx, event) {
    const p = event.payload as unknown as NoticePayload;
    const to = holders(p);
    const link = p.link ?? `/workbench/cases/${p.caseId}`;
    switch (event.type) {
      case WORKFLOW_EVENTS.assignedNotice:
        if (to) await notify(ctx, { recipients: to, template: 'case.assigned', data: { title: p.title }, link });
        return;
      case WORKFLOW_EVENTS.reminderNotice:
        if (to) await notify(ctx, { recipients: to, template: 'case.reminder', data: { title: p.title, deadline: when(p.deadline) }, link });
        return;
      case WORKFLOW_EVENTS.escalatedNotice:
        if (to) await notify(ctx, { recipients: to, template: 'case.overdue', data: { title: p.title, deadline: when(p.deadline) }, link });
        if (p.escalationUnitId) {
          await notify(ctx, { recipients: { unitId: p.escalationUnitId, scope: p.escalationScope }, template: 'case.escalated', data: { title: p.title, deadline: when(p.deadline) }, link });
        }
        return;
      case WORKFLOW_EVENTS.returnedForCorrection:
        if (p.startedByUserId) {
          await notify(ctx, {
            recipients: { userIds: [p.startedByUserId] },
            template: 'case.returned',
            data: { title: p.title, reason: p.reason ?? '请查看办理意见' },
            ...(p.startedByKind === 'staff' ? { link } : {}),
          });
        }
        return;
      case WORKFLOW_EVENTS.closed:
        if (p.startedByUserId) {
          await notify(ctx, {
            recipients: { userIds: [p.startedByUserId] },
            template: 'case.closed',
            data: { title: p.title, result: p.outcomeLabel ?? '已办结' },
            ...(p.startedByKind === 'staff' ? { link } : {}),
          });
        }
        return;
    }
  },
};
