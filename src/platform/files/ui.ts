/**
 * Page pieces for modules that show attachments: a list with download and preview links, and an
 * upload form that posts to /files/upload and comes back to the page.
 */
import { html, type SafeHtml } from '../ui/html.ts';
import { button, form, table } from '../ui/components.ts';
import { formatChinaTime } from '../ui/time.ts';
import { formatBytes, type AttachmentView } from './service.ts';

export function attachmentList(items: AttachmentView[], opts: { caption?: string } = {}): SafeHtml {
  return table<AttachmentView>({
    caption: opts.caption ?? '附件',
    rows: items,
    empty: '暂无附件',
    columns: [
      { header: '文件', cell: (a) => html`<a href="${a.downloadUrl}" download>${a.originalName}</a>` },
      { header: '类型', cell: (a) => a.typeLabel },
      { header: '大小', cell: (a) => formatBytes(a.size) },
      { header: '上传时间', cell: (a) => html`<time datetime="${a.uploadedAt}">${formatChinaTime(a.uploadedAt)}</time>` },
      { header: '操作', cell: (a) => (a.previewUrl ? html`<a href="${a.previewUrl}" target="_blank" rel="noopener">预览<span class="muted"> (新窗口)</span></a>` : '') },
    ],
  });
}

export function uploadForm(o: { csrf: string; ownerType: string; ownerId: string; back: string; label?: string; hint?: string }): SafeHtml {
  return form({
    action: '/files/upload',
    csrf: o.csrf,
    multipart: true,
    label: o.label ?? '上传附件',
    body: html`<input type="hidden" name="ownerType" value="${o.ownerType}">
      <input type="hidden" name="ownerId" value="${o.ownerId}">
      <input type="hidden" name="back" value="${o.back}">
      <div class="field"><label for="f-file">${o.label ?? '上传附件'}</label>
        <p class="hint" id="f-file-hint">${o.hint ?? '支持 PDF、图片、Word (docx)、Excel (xlsx)、OFD 与纯文本, 单个文件不超过 20 MB。类型按文件内容检查。'}</p>
        <input id="f-file" name="file" type="file" required aria-describedby="f-file-hint"></div>
      <p class="actions">${button('上传')}</p>`,
  });
}
