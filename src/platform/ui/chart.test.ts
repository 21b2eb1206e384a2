/**
 * Charts: the option travels as inert JSON that cannot break out of its script element, every chart
 * carries its data table, and ECharts is served from the package (no external host).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { html } from './html.ts';
import { chart, scriptJson } from './chart.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';

test('scriptJson cannot close its script element or open a comment', () => {
  const out = scriptJson({ name: '</script><script>alert(1)</script>', c: '<!--', amp: 'a&b' }).value;
  assert.doesNotMatch(out, /<|>/);
  assert.deepEqual(JSON.parse(out), { name: '</script><script>alert(1)</script>', c: '<!--', amp: 'a&b' });
});

test('a chart is a figure with a caption, its JSON and the same data as a table', () => {
  const out = chart({ id: 'so2-hourly', title: '二氧化硫小时均值', option: { series: [{ type: 'line', data: [1, 2] }] }, table: html`<table><caption>数据</caption></table>` }).value;
  assert.match(out, /<figure class="chart-figure"/);
  assert.match(out, /data-chart="chart-data-so2-hourly"/);
  assert.match(out, /<script type="application\/json" id="chart-data-so2-hourly">\{"option":\{"series":\[\{"type":"line","data":\[1,2\]\}\]\},"maps":\{\}\}<\/script>/);
  assert.match(out, /<details class="chart-table"><summary>查看数据表<\/summary><table>/);
  assert.throws(() => chart({ id: 'Bad Id', title: 'x', option: {}, table: html`` }), /chart id/);
});

test('ECharts and the chart script are served from this platform', async () => {
  const tp = await startTestPlatform();
  try {
    for (const file of ['echarts.min.js', 'egov-charts.js']) {
      const res = await tp.platform.app.inject({ method: 'GET', url: `/assets/${file}` });
      assert.equal(res.statusCode, 200, file);
      assert.match(String(res.headers['content-type']), /javascript/);
    }
  } finally {
    await tp.close();
  }
});
