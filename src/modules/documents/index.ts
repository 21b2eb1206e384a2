/**
 * Official documents (公文处理): outgoing documents with the GB/T 9704-2012 elements drafted,
 * reviewed, signed and numbered, sealed with the unit's SM2 electronic seal and distributed; the
 * recipient units' incoming documents registered, proposed, instructed, handled under a deadline
 * by urgency, and filed; read receipts; a printable rendering; public seal verification. The first
 * flows on the workflow engine. This file is the module's only public surface.
 */
import type { FastifyInstance } from 'fastify';
import type { Ctx } from '../../platform/context.ts';
import type { ModuleDefinition, PendingItem, PlatformServices } from '../../platform/module.ts';
import { ATTACHMENT_OWNER, DOCUMENT_DEMO_STAFF, DOCUMENT_ROLES, SCOPES, SCOPE_DESCRIPTIONS } from './model.ts';
import { DOCUMENT_WORKFLOWS } from './workflows.ts';
import { registerDocumentsApi } from './routes.ts';
import { registerListPages } from './pages/lists.ts';
import { registerFormPages } from './pages/form.ts';
import { registerDocumentPages } from './pages/document.ts';
import { registerPrintPages } from './pages/print.ts';
import { registerVerifyPages, VERIFY_PATH } from './pages/verify.ts';
import { registerSealPages } from './pages/seals.ts';
import { documentsNotifier } from './services/notifier.ts';
import { seedDocumentsDemo } from './services/demo.ts';
import { pendingReceipts } from './services/queries.ts';
import { canSeeDocument } from './services/access.ts';
import { editRefusal } from './services/outgoing.ts';
import { loadDocument } from './services/store.ts';

// --- public service API ------------------------------------------------------------------------
export { SCOPES as DOCUMENT_SCOPES, EVENTS as DOCUMENT_EVENTS, URGENCY_LABELS, HANDLING_WORKING_DAYS, OUTGOING_FLOW, INCOMING_FLOW } from './model.ts';
export type { Urgency, Classification } from './model.ts';
export { outgoingFlowV1, incomingFlowV1, DOCUMENT_WORKFLOWS } from './workflows.ts';
export {
  createDraft, updateDraft, submitDocument, approveReview, returnDocument, signDocument, sealDocument, distributeDocument, type DraftInput, type StepInput,
} from './services/outgoing.ts';
export { registerIncoming, proposeIncoming, instructIncoming, completeIncoming, fileIncoming, type IncomingStepInput } from './services/incoming.ts';
export { getDocument, getIncoming, listOutgoing, listIncoming, type DocumentView, type IncomingView, type ReceiptView } from './services/queries.ts';
export { createSeal, revokeSeal, listSeals, keyFingerprint, type SealView } from './services/seals.ts';
export { verifyDocument, verifyByCode, verifyExported, exportDocument, type VerificationResult, type ExportedDocument } from './services/verify.ts';
export { canonicalContent, type CanonicalContent } from './services/canonical.ts';
export { formatDocNumber, chineseDate } from './services/format.ts';
export { DEMO_TITLE } from './services/demo.ts';

async function registerRoutes(app: FastifyInstance, services: PlatformServices): Promise<void> {
  await registerDocumentsApi(app, services);
  registerListPages(app);
  registerFormPages(app);
  registerSealPages(app);
  registerPrintPages(app);
  registerDocumentPages(app, services);
  await registerVerifyPages(app);
}

async function pendingItems(ctx: Ctx): Promise<PendingItem[]> {
  if (ctx.actor.kind !== 'staff') return [];
  const n = await pendingReceipts(ctx);
  return n > 0 ? [{ title: '待签收公文', href: '/workbench/documents/incoming?pending=true', count: n }] : [];
}

export const documentsModule: ModuleDefinition = {
  name: 'documents',
  scopes: Object.values(SCOPES).map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
  navigation: [
    { label: '发文', href: '/workbench/documents/outgoing', scope: SCOPES.read, group: '公文处理' },
    { label: '收文', href: '/workbench/documents/incoming', scope: SCOPES.read, group: '公文处理' },
    { label: '起草公文', href: '/workbench/documents/new', scope: SCOPES.outgoingDraft, group: '公文处理' },
    { label: '电子印章', href: '/workbench/documents/seals', scope: SCOPES.sealManage, group: '公文处理' },
  ],
  publicLinks: [{ label: '公文电子印章验证', href: VERIFY_PATH, description: '凭发文字号和验证码, 或上传导出的公文文件, 核验公文电子印章和内容是否完整。' }],
  roles: DOCUMENT_ROLES,
  demoStaff: DOCUMENT_DEMO_STAFF,
  eventHandlers: [documentsNotifier],
  workflows: DOCUMENT_WORKFLOWS,
  attachmentPolicies: {
    [ATTACHMENT_OWNER]: {
      async canRead(ctx, ownerId) {
        const doc = await loadDocument(ctx, ownerId);
        return Boolean(doc && (await canSeeDocument(ctx, doc)));
      },
      // Attachments are part of the sealed content: only the drafter, while drafting.
      async canAttach(ctx, ownerId) {
        const doc = await loadDocument(ctx, ownerId);
        return Boolean(doc && (await canSeeDocument(ctx, doc)) && (await editRefusal(ctx, doc)) === null);
      },
      allowedTypes: ['pdf', 'ofd', 'docx', 'xlsx', 'png', 'jpeg', 'text'],
    },
  },
  registerRoutes,
  pendingItems,
  seedDemo: seedDocumentsDemo,
};
