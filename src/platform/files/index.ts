/**
 * Attachments (附件): the public surface for modules.
 */
export { filesModule } from './module.ts';
export {
  storeAttachment, getAttachment, listAttachments, listAttachmentsUnchecked, sweepOrphanBlobs, sanitizeFileName, formatBytes,
} from './service.ts';
export type { AttachmentView } from './service.ts';
export { FILE_TYPES, detectBuffer, ContentSniffer } from './detect.ts';
export type { DetectedType, FileTypeInfo } from './detect.ts';
export { AttachmentPolicies, DEFAULT_ALLOWED_TYPES, DEFAULT_MAX_BYTES } from './policy.ts';
export type { AttachmentPolicy, AttachmentOwnerPolicy, AttachmentAccessCheck } from './policy.ts';
export { contentDisposition } from './routes.ts';
export { attachmentList, uploadForm } from './ui.ts';
