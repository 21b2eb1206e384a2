/**
 * Tells each recipient unit's registry clerks (documents.incoming.register) that a document arrived
 * (template document.received, linking to the document page). An outbox handler, so a notification
 * that cannot be sent is retried and ends as a visible dead letter instead of stopping the
 * distribution. The engine separately tells the unit's pool about the new 签收登记 case.
 */
import type { EventHandler } from '../../../platform/events/outbox.ts';
import { notify } from '../../../platform/notify/index.ts';
import { EVENTS, SCOPES } from '../model.ts';

interface DistributedPayload {
  documentId: string;
  title: string;
  sender?: string;
  docNumber?: string | null;
  recipients?: { unitId: string; unitName: string; incomingId: string }[];
}

export const documentsNotifier: EventHandler = {
  name: 'documents.notifier',
  types: [EVENTS.distributed],
  async handle(ctx, event) {
    const p = event.payload as unknown as DistributedPayload;
    const title = p.docNumber ? `${p.title} (${p.docNumber})` : p.title;
    for (const r of p.recipients ?? []) {
      await notify(ctx, {
        recipients: { unitId: r.unitId, scope: SCOPES.incomingRegister },
        template: 'document.received',
        data: { title, sender: p.sender ?? '' },
        link: `/workbench/documents/${p.documentId}`,
      });
    }
  },
};
