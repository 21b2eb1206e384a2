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

/**
 * A role a module needs (e.g. 税务专管员), installed and refreshed as a built-in role by the identity
 * module at every start. The three MLPS administrator roles are identity's own and cannot be declared here.
 */
export interface RoleDefinition {
  /** Stable code, e.g. `env_monitor`. */
  code: string;
  /** Chinese name. */
  name: string;
  /** Chinese description for role management. */
  description: string;
  /** Holders must use TOTP (administrators, signers, anyone who reads personal data in bulk). */
  requiresMfa: boolean;
  scopes: string[];
}

/** A demo staff account created on the first start with demo data (password DEMO_PASSWORD, see identity). */
export interface DemoStaffDefinition {
  login: string;
  /** Chinese display name ending in (演示). */
  name: string;
  /** Role code (built-in or a module's RoleDefinition). */
  role: string;
  /** The unit the account belongs to and holds the role in: the first active unit of this region and type (and name, if given). */
  unit: { regionCode: string; unitType: string; name?: string };
  /** Enrol the published demo TOTP secret (required when the role requires MFA). */
  totp: boolean;
}

/** A long-running part of a module (a TCP listener, a periodic job) started by boot in processes with its role. */
export interface BackgroundTask {
  name: string;
  /** `ingest` for protocol listeners (HJ 212 …), `worker` for jobs. */
  role: 'worker' | 'ingest';
  start(input: { services: PlatformServices; systemCtx: () => Ctx }): Promise<{ stop(): Promise<void> }>;
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
  /** Roles declared by the modules (installed by the identity module). */
  roles: RoleDefinition[];
  /** Demo staff accounts declared by the modules (created by the identity module's demo seed). */
  demoStaff: DemoStaffDefinition[];
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
  seedReference?(ctx: Ctx, services: PlatformServices): Promise<void>;
  /** Demo data for `npm start` on an empty database; marked as demo wherever shown. */
  seedDemo?(ctx: Ctx, services: PlatformServices): Promise<void>;
  /** Roles this module needs, installed as built-in roles by the identity module. */
  roles?: RoleDefinition[];
  /** Demo staff accounts for this module's demo (created before any module's seedDemo that follows identity). */
  demoStaff?: DemoStaffDefinition[];
  /** Listeners and periodic jobs, started by boot where the process has their role. */
  background?: BackgroundTask[];
  /** Implementations of kernel contracts this module supplies (at most one module each). */
  provides?: { recipientResolver?: RecipientResolver; smsProvider?: SmsProvider };
  /** Who may see / add attachments of the owner types this module owns (registerAttachmentPolicy). */
  attachmentPolicies?: Record<string, AttachmentPolicy>;
  /** Unread messages of the actor, shown in the page header (the notify module; one query). */
  unreadCount?(ctx: Ctx): Promise<number>;
  /** Workflow definitions of this module, every version that running cases may still use (platform/workflow). */
  workflows?: WorkflowDefinition[];
}
