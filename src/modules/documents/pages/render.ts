/**
 * The document in the layout of GB/T 9704-2012 (党政机关公文格式), as HTML with classes only (the
 * CSP forbids inline styles; the layout is in assets/print.css): 版头 (份号, 密级, 紧急程度, the
 * red 发文机关标志, 发文字号 and the red separator line), 主体 (标题, 主送机关, 正文, 附件说明,
 * 发文机关署名 and 成文日期 under the seal, 附注) and 版记 (抄送机关, 印发机关和印发日期 between
 * rules). The seal is generated SVG: a red ring, the unit's name along the upper arc, a star.
 */
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import type { DocumentView } from '../services/queries.ts';
import { chineseDate, lines, paragraphs } from '../services/format.ts';

const SEAL_RED = '#d7000f';

/** Points of a five-pointed star centred at (cx, cy). */
function starPoints(cx: number, cy: number, outer: number, inner: number): string {
  const pts: string[] = [];
  for (let i = 0; i < 10; i += 1) {
    const r = i % 2 === 0 ? outer : inner;
    const a = (Math.PI / 5) * i - Math.PI / 2;
    pts.push(`${(cx + r * Math.cos(a)).toFixed(2)},${(cy + r * Math.sin(a)).toFixed(2)}`);
  }
  return pts.join(' ');
}

/**
 * The electronic seal as inline SVG: ring, the unit name along an arc from 8 to 4 o'clock
 * (letters upright, outward), a star in the middle, and 演示 under it for demo seals.
 */
export function sealSvg(o: { unitName: string; idSuffix: string; demo?: boolean; className?: string }): SafeHtml {
  const r = 70;
  const cx = 100;
  const cy = 100;
  const at = (deg: number) => {
    const a = (deg * Math.PI) / 180;
    return { x: (cx + r * Math.sin(a)).toFixed(2), y: (cy - r * Math.cos(a)).toFixed(2) };
  };
  const from = at(240);
  const to = at(120);
  const arcLength = r * ((240 * Math.PI) / 180);
  const n = Math.max(1, Array.from(o.unitName).length);
  const fontSize = Math.max(12, Math.min(30, Math.floor((arcLength * 0.9) / n)));
  const id = `seal-arc-${o.idSuffix}`;
  return html`<svg class="${o.className ?? 'gb-seal'}" viewBox="0 0 200 200" width="200" height="200" role="img" aria-label="${o.unitName}电子印章">
  <defs><path id="${id}" d="M ${from.x} ${from.y} A ${r} ${r} 0 1 1 ${to.x} ${to.y}" fill="none"/></defs>
  <circle cx="${cx}" cy="${cy}" r="95" fill="none" stroke="${SEAL_RED}" stroke-width="6"/>
  <text class="gb-seal-text" fill="${SEAL_RED}" font-size="${fontSize}"><textPath href="#${id}" startOffset="50%" text-anchor="middle" textLength="${Math.floor(arcLength * 0.92)}" lengthAdjust="spacing">${o.unitName}</textPath></text>
  <polygon points="${starPoints(cx, cy + 2, 30, 12)}" fill="${SEAL_RED}"/>
  ${o.demo ? html`<text class="gb-seal-text" x="${cx}" y="${cy + 56}" fill="${SEAL_RED}" font-size="18" text-anchor="middle">演示</text>` : ''}
</svg>`;
}

const names = (list: { name: string }[]) => list.map((r) => r.name).join('，');

/** The document in GB/T 9704 layout; `sealed` adds the seal over the signature and the verification code. */
export function gbDocument(d: DocumentView, opts: { idSuffix: string; titleLevel?: 1 | 3 }): SafeHtml {
  const sealed = Boolean(d.seal);
  const attachments = lines(d.attachmentNote);
  const hasRecord = d.copyRecipients.length > 0 || Boolean(d.printingUnit);
  return html`<article class="gb-paper${d.isDemo ? ' gb-is-demo' : ''}" aria-label="公文: ${d.title}">
  ${d.isDemo ? html`<p class="gb-demo">演示文件</p>` : ''}
  <header class="gb-head">
    <div class="gb-marks">
      ${d.copyNumber ? html`<p class="gb-copy-number">${d.copyNumber}</p>` : ''}
      ${d.classification !== 'none' ? html`<p class="gb-classification">${d.classificationLabel}${d.classificationPeriod ? `★${d.classificationPeriod}` : ''}</p>` : ''}
      ${d.urgency !== 'normal' ? html`<p class="gb-urgency">${d.urgencyLabel}</p>` : ''}
    </div>
    <p class="gb-issuer-mark">${d.issuerMark}</p>
    ${d.upward
      ? html`<p class="gb-number gb-number-upward"><span>${d.docNumber ?? '（签发后编号）'}</span><span class="gb-signer"><span class="gb-signer-label">签发人：</span>${d.signer?.name ?? '　　　'}</span></p>`
      : html`<p class="gb-number">${d.docNumber ?? '（签发后编号）'}</p>`}
    <hr class="gb-red-rule">
  </header>
  <div class="gb-main">
    ${opts.titleLevel === 1 ? html`<h1 class="gb-title">${d.title}</h1>` : html`<h3 class="gb-title">${d.title}</h3>`}
    ${d.mainRecipients.length ? html`<p class="gb-recipients">${names(d.mainRecipients)}：</p>` : ''}
    <div class="gb-body">${paragraphs(d.body).map((p) => html`<p>${p}</p>`)}</div>
    ${attachments.length
      ? html`<div class="gb-attachment-note">${attachments.map((a, i) => html`<p${i > 0 ? html` class="gb-attachment-more"` : ''}>${i === 0 ? html`<span class="gb-attachment-label">附件：</span>` : ''}${attachments.length > 1 ? `${i + 1}. ` : ''}${a}</p>`)}</div>`
      : ''}
    <div class="gb-signature${sealed ? ' gb-sealed' : ''}">
      <p class="gb-issuer-signature">${d.issuerSignature}</p>
      <p class="gb-written-date">${d.writtenDate ? chineseDate(d.writtenDate) : '（签发日期）'}</p>
      ${sealed ? sealSvg({ unitName: d.seal!.unitName, idSuffix: opts.idSuffix, demo: d.isDemo }) : html`<p class="gb-unsealed">（未用印）</p>`}
    </div>
    ${d.note ? html`<p class="gb-note">（${d.note}）</p>` : ''}
  </div>
  ${hasRecord
    ? html`<footer class="gb-record">
      ${d.copyRecipients.length ? html`<p class="gb-cc"><span class="gb-cc-label">抄送：</span>${names(d.copyRecipients)}。</p>` : ''}
      <p class="gb-printing"><span>${d.printingUnit}</span><span>${d.printingDate ? `${chineseDate(d.printingDate)}印发` : '（用印后填写印发日期）'}</span></p>
    </footer>`
    : ''}
  ${sealed && d.seal?.verificationCode
    ? html`<p class="gb-verify">电子印章验证码：<span class="gb-code">${d.seal.verificationCode}</span>&#12288;验证网址：/verify/documents (凭发文字号和验证码核验)</p>`
    : ''}
</article>`;
}
