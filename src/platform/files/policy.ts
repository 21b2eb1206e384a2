/**
 * Who may see and add attachments of an owner (a case, a document, an application…). The kernel
 * does not know owners; the module that owns them registers a policy per owner type at boot
 * (`ModuleDefinition.attachmentPolicies`), and the files routes ask it.
 */
import type { Ctx } from '../context.ts';
import type { DetectedType } from './detect.ts';

export type AttachmentAccessCheck = (ctx: Ctx, ownerId: string) => Promise<boolean>;

export interface AttachmentOwnerPolicy {
  /** May the actor see (download, preview, list) the owner's attachments? */
  canRead: AttachmentAccessCheck;
  /** May the actor attach files to the owner? Defaults to canRead. */
  canAttach?: AttachmentAccessCheck;
  /** Largest file accepted, in bytes (default 20 MB). */
  maxBytes?: number;
  /** File types accepted, detected by content (default: documents, images and text). */
  allowedTypes?: readonly DetectedType[];
}

/** A bare function is a read (and attach) check with the default limits. */
export type AttachmentPolicy = AttachmentAccessCheck | AttachmentOwnerPolicy;

export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
export const DEFAULT_ALLOWED_TYPES: readonly DetectedType[] = ['pdf', 'png', 'jpeg', 'gif', 'webp', 'docx', 'xlsx', 'ofd', 'text'];

export interface ResolvedPolicy {
  canRead: AttachmentAccessCheck;
  canAttach: AttachmentAccessCheck;
  maxBytes: number;
  allowedTypes: readonly DetectedType[];
}

/** Policies of this deployment by owner type; built once at boot from the modules. */
export class AttachmentPolicies {
  private readonly byType = new Map<string, ResolvedPolicy>();

  /** registerAttachmentPolicy: one policy per owner type (`module.thing`, e.g. `workflow.case`). */
  register(ownerType: string, policy: AttachmentPolicy): void {
    if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(ownerType)) throw new Error(`attachment owner type "${ownerType}" must look like module.thing`);
    if (this.byType.has(ownerType)) throw new Error(`duplicate attachment policy for owner type ${ownerType}`);
    const p: AttachmentOwnerPolicy = typeof policy === 'function' ? { canRead: policy } : policy;
    this.byType.set(ownerType, {
      canRead: p.canRead,
      canAttach: p.canAttach ?? p.canRead,
      maxBytes: p.maxBytes ?? DEFAULT_MAX_BYTES,
      allowedTypes: p.allowedTypes ?? DEFAULT_ALLOWED_TYPES,
    });
  }

  get(ownerType: string): ResolvedPolicy | undefined {
    return this.byType.get(ownerType);
  }

  /** The largest limit of any owner type: the ceiling for reading an upload before its owner is known. */
  largestLimit(): number {
    return Math.max(DEFAULT_MAX_BYTES, ...[...this.byType.values()].map((p) => p.maxBytes));
  }
}
