/**
 * The annual report's tables as HTML (shared by the public report page and the workbench).
 */
import { html, type SafeHtml } from '../../../platform/ui/html.ts';
import { TABLE3_COLUMNS, reportParagraphs, type AnnualReport } from '../services/report.ts';

export function reportTables(r: AnnualReport): SafeHtml {
  const t2 = r.table2;
  const heads4 = ['结果维持', '结果纠正', '其他结果', '尚未审结', '总计'];
  return html`<h2>一、总体情况</h2>
    <p>${r.year}年, 本机关通过政府网站主动公开政府信息 ${r.proactive.published} 条 (其中发布日期超过生成日期 20 个工作日的 ${r.proactive.late} 条); 新收政府信息公开申请 ${r.balance.newThisYear} 件, 上年结转 ${r.balance.carriedIn} 件, 办结 ${r.balance.handled} 件, 结转下年度 ${r.balance.carriedOut} 件。</p>
    <h2>二、主动公开政府信息情况</h2>
    <div class="p-table table-wrap"><table><caption>第二十条第(一)项</caption><thead><tr><th scope="col">信息内容</th><th scope="col">本年制发件数</th><th scope="col">本年废止件数</th><th scope="col">现行有效件数</th></tr></thead>
      <tbody><tr><th scope="row">规章</th><td>${t2.rules.issued}</td><td>${t2.rules.repealed}</td><td>${t2.rules.inForce}</td></tr>
      <tr><th scope="row">行政规范性文件</th><td>${t2.normative.issued}</td><td>${t2.normative.repealed}</td><td>${t2.normative.inForce}</td></tr></tbody></table></div>
    <div class="p-table table-wrap"><table><caption>第二十条第(五)、(六)、(八)项 (机关填报)</caption><thead><tr><th scope="col">信息内容</th><th scope="col">本年处理决定数量 / 收费金额</th></tr></thead>
      <tbody><tr><th scope="row">行政许可</th><td>${t2.licensing}</td></tr><tr><th scope="row">行政处罚</th><td>${t2.penalty}</td></tr><tr><th scope="row">行政强制</th><td>${t2.coercion}</td></tr>
      <tr><th scope="row">行政事业性收费 (万元)</th><td>${t2.feesAmount}</td></tr></tbody></table></div>
    <h2>三、收到和处理政府信息公开申请情况</h2>
    <div class="p-table table-wrap"><table><caption>申请情况 (依申请公开办件自动统计)</caption>
      <thead><tr><th scope="col">本列数据的勾稽关系为: 第一项加第二项之和, 等于第三项加第四项之和</th>${TABLE3_COLUMNS.map((c) => html`<th scope="col">${c.label}</th>`)}</tr></thead>
      <tbody>${r.table3.map((row) => html`<tr><th scope="row" class="lvl-${row.level}">${row.level === 1 && !row.label.startsWith('(') ? '' : ''}${row.label}</th>${TABLE3_COLUMNS.map((c) => html`<td>${row.cols[c.key]}</td>`)}</tr>`)}</tbody></table></div>
    <p role="status" class="${r.balance.ok ? 'p-status-ok' : 'p-status-bad'}">核对: 一 + 二 = 三(七) + 四 → ${r.balance.newThisYear} + ${r.balance.carriedIn} = ${r.balance.handled} + ${r.balance.carriedOut}, ${r.balance.ok ? '平衡' : '不平衡'}。</p>
    <h2>四、政府信息公开行政复议、行政诉讼情况</h2>
    <div class="p-table table-wrap"><table><caption>行政复议和行政诉讼 (机关填报)</caption>
      <thead><tr><th scope="col">类别</th>${heads4.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
      <tbody><tr><th scope="row">行政复议</th>${r.table4.reconsideration.map((v) => html`<td>${v}</td>`)}</tr>
      <tr><th scope="row">行政诉讼 (未经复议直接起诉)</th>${r.table4.litigationDirect.map((v) => html`<td>${v}</td>`)}</tr>
      <tr><th scope="row">行政诉讼 (复议后起诉)</th>${r.table4.litigationAfter.map((v) => html`<td>${v}</td>`)}</tr></tbody></table></div>
    <h2>五、存在的主要问题及改进情况</h2>${reportParagraphs(r.texts.problems).map((p) => html`<p>${p}</p>`)}
    <h2>六、其他需要报告的事项</h2><p>本年度收取信息处理费 ${r.feesCollected} 元。</p>${r.texts.other ? reportParagraphs(r.texts.other).map((p) => html`<p>${p}</p>`) : ''}`;
}
