/**
 * The kernel's own scopes, navigation and pages (audit trail, dead letters), declared like a
 * module so role management, navigation and route registration treat them the same way.
 * Listed first in src/modules/index.ts.
 */
import type { ModuleDefinition } from './module.ts';
import { hasScope } from './context.ts';
import { registerAuditRoutes } from './audit/routes.ts';
import { AUDIT_EXPORT_SCOPE, AUDIT_READ_SCOPE } from './audit/search.ts';
import { EVENTS_ADMIN_SCOPE, registerDeadLetterRoutes } from './events/routes.ts';
import { countDeadLetters } from './events/outbox.ts';

export const platformModule: ModuleDefinition = {
  name: 'platform',
  scopes: [
    { name: AUDIT_READ_SCOPE, description: '查看审计日志' },
    { name: AUDIT_EXPORT_SCOPE, description: '导出审计日志' },
    { name: EVENTS_ADMIN_SCOPE, description: '管理事件投递与死信' },
  ],
  navigation: [
    { label: '审计日志', href: '/workbench/audit', scope: AUDIT_READ_SCOPE, group: '安全审计' },
    { label: '事件死信', href: '/workbench/system/dead-letters', scope: EVENTS_ADMIN_SCOPE, group: '系统运维' },
  ],
  registerRoutes(app, services) {
    registerAuditRoutes(app, services);
    registerDeadLetterRoutes(app, services);
  },
  async pendingItems(ctx) {
    if (!hasScope(ctx.actor, EVENTS_ADMIN_SCOPE)) return [];
    const dead = await countDeadLetters(ctx);
    return dead > 0 ? [{ title: '事件投递死信待处理', href: '/workbench/system/dead-letters', count: dead }] : [];
  },
};
