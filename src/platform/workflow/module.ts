/**
 * The workflow engine as a module of the deployment: its scopes, navigation, pages and API, the
 * notifier, and the workbench home's pending items. Definitions come from the other modules
 * (`ModuleDefinition.workflows`) and are registered at boot (boot.ts → registerWorkflows).
 */
import type { ModuleDefinition, PendingItem } from '../module.ts';
import { WORKFLOW_SCOPES } from './model.ts';
import { registerWorkflowApi } from './routes.ts';
import { registerWorkflowPages } from './pages.ts';
import { inboxCounts } from './queries.ts';
import { workflowNotifier } from './notifier.ts';

export const workflowModule: ModuleDefinition = {
  name: 'workflow',
  scopes: [
    { name: WORKFLOW_SCOPES.caseRead, description: '查看本辖区案件' },
    { name: WORKFLOW_SCOPES.statsRead, description: '查看办件统计' },
  ],
  navigation: [
    { label: '我的待办', href: '/workbench/inbox', scope: 'staff', group: '办件' },
    { label: '办件统计', href: '/workbench/workflow/stats', scope: WORKFLOW_SCOPES.statsRead, group: '办件' },
  ],
  eventHandlers: [workflowNotifier],
  async registerRoutes(app, services) {
    await registerWorkflowApi(app, services);
    registerWorkflowPages(app, services);
  },
  async pendingItems(ctx): Promise<PendingItem[]> {
    if (ctx.actor.kind !== 'staff') return [];
    const counts = await inboxCounts(ctx);
    const items: PendingItem[] = [];
    if (counts.todo > 0) items.push({ title: '待办案件', href: '/workbench/inbox', count: counts.todo });
    if (counts.overdue > 0) items.push({ title: '已超期案件', href: '/workbench/inbox?box=overdue', count: counts.overdue });
    return items;
  },
};
