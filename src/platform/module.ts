/**
 * What a bounded context hands the composition root: its scopes, routes, event handlers,
 * navigation entries, workbench pending items and seed data. Modules never see each other's
 * internals; they get platform services through `PlatformServices`.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/index.ts';
import type { Database } from './db/index.ts';
import type { Clock } from './clock.ts';
import type { Ctx, Logger } from './context.ts';
import type { EventHandler, HandlerRegistry } from './events/outbox.ts';
import type { RecipientResolver } from './notify/recipients.ts';
import type { SmsProvider } from './notify/channels.ts';
import type { AttachmentPolicies, AttachmentPolicy } from './files/policy.ts';
import type { WorkflowDefinition } from './workflow/definition.ts';

export interface ScopeDefinition {
  /** `module.object.verb`, e.g. `directory.unit.write`. */
  name: string;
  /** Chinese description shown in role management. */
  description: string;
}

export interface NavItem {
  /** Chinese label. */
  label: string;
  href: string;
  /** Shown only to actors this route scope admits (a named scope, or 'staff' / 'authenticated'). */
  scope: string;
  /** Navigation group (Chinese), e.g. 组织目录. */
  group: string;
}

export interface PendingItem {
  title: string;
  href: string;
  count: number;
}

export interface PlatformServices {
  config: Config;
  database: Database;
  clock: Clock;
  log: Logger;
  events: HandlerRegistry;
  /** Every scope declared by the modules of this deployment (for role management). */
  scopes: ScopeDefinition[];
  /** Wake the dispatcher after a commit that published events (no-op when no worker runs here). */
  nudgeDispatcher(): void;
  /** Expands notification recipients (implemented by the identity module; see notify/recipients.ts). */
  recipients?: RecipientResolver;
  /** SMS gateway provided by a module; absent: the development provider writing DATA_DIR/sms.log. */
  smsProvider?: SmsProvider;
  /** Attachment access policies by owner type (from ModuleDefinition.attachmentPolicies). */
  attachmentPolicies: AttachmentPolicies;
}

export interface ModuleDefinition {
  name: string;
  scopes: ScopeDefinition[];
  navigation?: NavItem[];
  eventHandlers?: EventHandler[];
  registerRoutes?(app: FastifyInstance, services: PlatformServices): void | Promise<void>;
  pendingItems?(ctx: Ctx): Promise<PendingItem[]>;
  /** Entries on the public home page. */
  publicLinks?: { label: string; href: string; description: string }[];
  /** Reference data every installation needs (e.g. regions); idempotent. */
  seedReference?(ctx: Ctx): Promise<void>;
  /** Demo data for `npm start` on an empty database; marked as demo wherever shown. */
  seedDemo?(ctx: Ctx): Promise<void>;
  /** Implementations of kernel contracts this module supplies (at most one module each). */
  provides?: { recipientResolver?: RecipientResolver; smsProvider?: SmsProvider };
  /** Who may see / add attachments of the owner types this module owns (registerAttachmentPolicy). */
  attachmentPolicies?: Record<string, AttachmentPolicy>;
  /** Unread messages of the actor, shown in the page header (the notify module; one query). */
  unreadCount?(ctx: Ctx): Promise<number>;
  /** Workflow definitions of this module, every version that running cases may still use (platform/workflow). */
  workflows?: WorkflowDefinition[];
}
