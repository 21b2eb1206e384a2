/**
 * The notify module: in-app messages, email and SMS deliveries, per-user preferences, the header
 * badge. Listed in src/modules/index.ts after identity (which provides the recipient resolver).
 */
import type { ModuleDefinition } from '../module.ts';
import { bindNotifyRuntime } from './runtime.ts';
import { deliveryHandler } from './deliver.ts';
import { unreadCount } from './service.ts';
import { registerNotifyApi, registerNotifyPages } from './routes.ts';

export const notifyModule: ModuleDefinition = {
  name: 'notify',
  scopes: [],
  navigation: [{ label: '消息通知', href: '/workbench/notifications', scope: 'staff', group: '我的' }],
  eventHandlers: [deliveryHandler],
  registerRoutes(app, services) {
    bindNotifyRuntime(services);
    registerNotifyApi(app);
    registerNotifyPages(app);
  },
  unreadCount,
};
