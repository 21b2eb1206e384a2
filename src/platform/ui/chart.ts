/**
 * Charts and maps drawn by ECharts in the browser from data the page carries. The option travels as
 * JSON in a non-executing `<script type="application/json">` (allowed by the CSP); `egov.js` loads
 * ECharts only on pages that have a chart. Every chart also carries its figures as a table inside
 * `<details>`, so screen readers, the 长者模式 and pages without JavaScript see the same data.
 * Maps are drawn from GeoJSON the page supplies (`maps`), never from an external tile server.
 */
import { html, raw, type HtmlValue, type SafeHtml } from './html.ts';

export interface ChartInput {
  /** Unique on the page, e.g. `hourly-so2`. */
  id: string;
  /** Chinese caption, read out as the figure's name. */
  title: string;
  /** An ECharts option object (plain JSON: no functions). */
  option: Record<string, unknown>;
  /** GeoJSON feature collections to register as ECharts maps before the option is set, by map name. */
  maps?: Record<string, unknown>;
  /** CSS height of the drawing area (default 320px). */
  height?: 'small' | 'medium' | 'large';
  /** The same data as a table (the accessible fallback); required: a chart is never the only way to read figures. */
  table: SafeHtml;
  /** Optional note under the chart (e.g. "示意性边界, 非测绘成果"). */
  note?: HtmlValue;
}

/** JSON safe inside a <script> element: no `</script>` or HTML comment openers can end it early. */
export function scriptJson(value: unknown): SafeHtml {
  const text = JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return raw(text);
}

export function chart(input: ChartInput): SafeHtml {
  if (!/^[a-z][a-z0-9-]*$/.test(input.id)) throw new Error(`chart id must be lower-case letters, digits and dashes: ${input.id}`);
  const dataId = `chart-data-${input.id}`;
  return html`<figure class="chart-figure" aria-labelledby="chart-title-${input.id}">
<figcaption id="chart-title-${input.id}">${input.title}</figcaption>
<div class="chart chart-${input.height ?? 'medium'}" data-chart="${dataId}" role="img" aria-label="${input.title} (图表, 数据见下方表格)"></div>
<script type="application/json" id="${dataId}">${scriptJson({ option: input.option, maps: input.maps ?? {} })}</script>
${input.note ? html`<p class="chart-note">${input.note}</p>` : ''}
<details class="chart-table"><summary>查看数据表</summary>${input.table}</details>
</figure>`;
}
