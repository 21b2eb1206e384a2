/**
 * The annual report on government information disclosure as PDF, from the same `AnnualReport` as
 * the HTML and XLSX: the six sections and Tables 2–4 of the 2021 national template, in Chinese.
 * The CJK font comes from node_modules (@fontsource/noto-sans-sc, simplified-Chinese subset — it
 * also holds ASCII digits and letters), because neither the servers nor CI have system CJK fonts;
 * pdfkit embeds only the glyphs used (a subset) with a ToUnicode map, so the text can be copied.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import PDFDocument from 'pdfkit';
import * as fontkit from 'fontkit';
import { TABLE3_COLUMNS, reportParagraphs, type AnnualReport } from './report.ts';

const require = createRequire(import.meta.url);
const FONT_FILES = {
  regular: '@fontsource/noto-sans-sc/files/noto-sans-sc-chinese-simplified-400-normal.woff',
  bold: '@fontsource/noto-sans-sc/files/noto-sans-sc-chinese-simplified-700-normal.woff',
} as const;
/** The PostScript family name pdfkit records as /BaseFont (after its subset tag). */
export const REPORT_PDF_FONT = 'NotoSansSC';

/**
 * WOFF 1.0 → plain sfnt (TrueType). fontkit reads WOFF but inflates a table on every access, so
 * each glyph lookup in the 1.5 MB glyf table costs a full inflate (a one-page report took ~60 s);
 * as sfnt it is random access (tens of milliseconds). WOFF header: 44 bytes; table directory
 * entries of 20 bytes (tag, offset, compLength, origLength, origChecksum); a table is zlib-
 * compressed when compLength < origLength.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.length < 44 || woff.readUInt32BE(0) !== 0x774f4646) throw new Error('not a WOFF 1.0 font');
  const flavor = woff.readUInt32BE(4);
  const numTables = woff.readUInt16BE(12);
  const tables = Array.from({ length: numTables }, (_, i) => {
    const o = 44 + i * 20;
    const offset = woff.readUInt32BE(o + 4);
    const compLength = woff.readUInt32BE(o + 8);
    const origLength = woff.readUInt32BE(o + 12);
    const raw = woff.subarray(offset, offset + compLength);
    return { tag: woff.readUInt32BE(o), checksum: woff.readUInt32BE(o + 16), data: compLength < origLength ? inflateSync(raw) : raw };
  });
  const pad4 = (n: number) => (n + 3) & ~3;
  const out = Buffer.alloc(12 + 16 * numTables + tables.reduce((s, t) => s + pad4(t.data.length), 0));
  let log2 = 0;
  while (1 << (log2 + 1) <= numTables) log2 += 1;
  out.writeUInt32BE(flavor, 0);
  out.writeUInt16BE(numTables, 4);
  out.writeUInt16BE((1 << log2) * 16, 6);
  out.writeUInt16BE(log2, 8);
  out.writeUInt16BE(numTables * 16 - (1 << log2) * 16, 10);
  let offset = 12 + 16 * numTables;
  tables.forEach((t, i) => {
    const r = 12 + 16 * i;
    out.writeUInt32BE(t.tag, r);
    out.writeUInt32BE(t.checksum, r + 4);
    out.writeUInt32BE(offset, r + 8);
    out.writeUInt32BE(t.data.length, r + 12);
    t.data.copy(out, offset);
    offset += pad4(t.data.length);
  });
  return out;
}

type ParsedFont = ReturnType<typeof fontkit.create>;
let fonts: { regular: ParsedFont; bold: ParsedFont } | null = null;
/**
 * Read, unpacked and parsed once per process (a cache, not state). pdfkit is given the parsed
 * fontkit font, not the bytes: its table code restores the previous font after every cell by
 * the font's source, and a source of bytes is re-parsed each time (seconds per report), while a
 * parsed font keeps its decoded tables.
 */
function loadFonts(): { regular: ParsedFont; bold: ParsedFont } {
  fonts ??= {
    regular: fontkit.create(woffToSfnt(readFileSync(require.resolve(FONT_FILES.regular)))),
    bold: fontkit.create(woffToSfnt(readFileSync(require.resolve(FONT_FILES.bold)))),
  };
  return fonts;
}
/** pdfkit accepts a fontkit font as a source (it checks for `layout`); its types list bytes and paths only. */
const asSource = (f: ParsedFont) => f as unknown as PDFKit.Mixins.PDFFontSource;

type Cell = string | { text: string; colSpan?: number; rowSpan?: number; align?: 'left' | 'center' | 'right' };

/** Renders the report; resolves to the PDF bytes. */
export async function annualReportPdf(report: AnnualReport, options: { generatedAt: Date; demo?: boolean } = { generatedAt: new Date() }): Promise<Buffer> {
  const f = loadFonts();
  const title = `${report.unitName}${report.year}年政府信息公开工作年度报告`;
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 56, bottom: 56, left: 50, right: 50 },
    lang: 'zh-CN',
    displayTitle: true,
    info: { Title: title, Author: report.unitName, Subject: '政府信息公开工作年度报告 (2021 年版模板)', Creator: 'egov 政府网站集约化平台', CreationDate: options.generatedAt },
  });
  doc.registerFont('regular', asSource(f.regular));
  doc.registerFont('bold', asSource(f.bold));
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const heading = (text: string) => {
    doc.moveDown(0.6).font('bold').fontSize(13).text(text, doc.page.margins.left, doc.y, { width }).moveDown(0.3);
  };
  const para = (text: string) => {
    doc.font('regular').fontSize(10.5).text(text, doc.page.margins.left, doc.y, { width, lineGap: 3, indent: 21 }).moveDown(0.3);
  };
  const table = (rows: Cell[][], columnWidths: number[], headerRows: number, fontSize = 9) => {
    // Keep a table from starting in the last few lines of a page.
    if (doc.y > doc.page.height - doc.page.margins.bottom - 80) doc.addPage();
    doc.font('regular').fontSize(fontSize);
    const t = doc.table({
      position: { x: doc.page.margins.left, y: doc.y },
      columnStyles: columnWidths,
      defaultStyle: { padding: [3, 3, 3, 3], border: 0.5, align: { x: 'center', y: 'center' } },
    });
    rows.forEach((row, i) => {
      t.row(row.map((c) => {
        const cell = typeof c === 'string' ? { text: c } : c;
        return {
          text: cell.text,
          colSpan: cell.colSpan,
          rowSpan: cell.rowSpan,
          type: i < headerRows ? 'TH' : 'TD',
          align: cell.align ? { x: cell.align, y: 'center' } : undefined,
          backgroundColor: i < headerRows ? '#eeeeee' : undefined,
        };
      }));
    });
    t.end();
    doc.moveDown(0.5);
  };

  doc.font('bold').fontSize(17).text(title, { align: 'center', width });
  doc.moveDown(0.3).font('regular').fontSize(9).fillColor('#444')
    .text(`本报告由平台根据${report.year}年度的政务公开目录和依申请公开办件数据生成, 生成时间 ${new Date(options.generatedAt.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')} (北京时间)。${options.demo ? '含演示内容。' : ''}`, { align: 'center', width })
    .fillColor('black');

  heading('一、总体情况');
  para(`${report.year}年, 本机关通过政府网站主动公开政府信息 ${report.proactive.published} 条 (其中发布日期超过生成日期 20 个工作日的 ${report.proactive.late} 条); 新收政府信息公开申请 ${report.balance.newThisYear} 件, 上年结转 ${report.balance.carriedIn} 件, 办结 ${report.balance.handled} 件, 结转下年度 ${report.balance.carriedOut} 件。`);

  heading('二、主动公开政府信息情况');
  const t2 = report.table2;
  const w2 = [width * 0.4, width * 0.2, width * 0.2, width * 0.2];
  table([
    [{ text: '第二十条第(一)项', colSpan: 4 }],
    ['信息内容', '本年制发件数', '本年废止件数', '现行有效件数'],
    [{ text: '规章', align: 'left' }, String(t2.rules.issued), String(t2.rules.repealed), String(t2.rules.inForce)],
    [{ text: '行政规范性文件', align: 'left' }, String(t2.normative.issued), String(t2.normative.repealed), String(t2.normative.inForce)],
  ], w2, 2);
  const w2b = [width * 0.4, width * 0.6];
  table([[{ text: '第二十条第(五)项', colSpan: 2 }], ['信息内容', '本年处理决定数量'], [{ text: '行政许可', align: 'left' }, String(t2.licensing)]], w2b, 2);
  table([[{ text: '第二十条第(六)项', colSpan: 2 }], ['信息内容', '本年处理决定数量'], [{ text: '行政处罚', align: 'left' }, String(t2.penalty)], [{ text: '行政强制', align: 'left' }, String(t2.coercion)]], w2b, 2);
  table([[{ text: '第二十条第(八)项', colSpan: 2 }], ['信息内容', '本年收费金额 (单位: 万元)'], [{ text: '行政事业性收费', align: 'left' }, String(t2.feesAmount)]], w2b, 2);

  heading('三、收到和处理政府信息公开申请情况');
  const orgs = TABLE3_COLUMNS.filter((c) => c.key !== 'person' && c.key !== 'total');
  const firstCol = width * 0.4;
  const w3 = [firstCol, ...TABLE3_COLUMNS.map(() => (width - firstCol) / TABLE3_COLUMNS.length)];
  const rows3: Cell[][] = [
    [{ text: '(本列数据的勾稽关系为: 第一项加第二项之和, 等于第三项加第四项之和)', rowSpan: 3 }, { text: '申请人情况', colSpan: TABLE3_COLUMNS.length }],
    [{ text: '自然人', rowSpan: 2 }, { text: '法人或其他组织', colSpan: orgs.length }, { text: '总计', rowSpan: 2 }],
    orgs.map((c) => c.label.replace(/^法人或其他组织: /, '')),
  ];
  for (const r of report.table3) {
    const label = r.key === 'handled_total' ? '(七) 总计' : r.label;
    rows3.push([{ text: `${'　'.repeat(r.level)}${label}`, align: 'left' }, ...TABLE3_COLUMNS.map((c) => String(r.cols[c.key]))]);
    if (r.key === 'carried_in') rows3.push([{ text: '三、本年度办理结果', align: 'left' }, ...TABLE3_COLUMNS.map(() => '')]);
  }
  table(rows3, w3, 3, 8);
  const b = report.balance;
  para(`核对: 一 + 二 = 三(七) + 四, 即 ${b.newThisYear} + ${b.carriedIn} = ${b.handled} + ${b.carriedOut}, ${b.ok ? '平衡' : '不平衡'}。`);

  heading('四、政府信息公开行政复议、行政诉讼情况');
  const heads4 = ['结果维持', '结果纠正', '其他结果', '尚未审结', '总计'];
  const w4 = Array.from({ length: 15 }, () => width / 15);
  table([
    [{ text: '行政复议', colSpan: 5, rowSpan: 2 }, { text: '行政诉讼', colSpan: 10 }],
    [{ text: '未经复议直接起诉', colSpan: 5 }, { text: '复议后起诉', colSpan: 5 }],
    [...heads4, ...heads4, ...heads4],
    [...report.table4.reconsideration, ...report.table4.litigationDirect, ...report.table4.litigationAfter].map(String),
  ], w4, 3, 7);

  heading('五、存在的主要问题及改进情况');
  for (const p of reportParagraphs(report.texts.problems)) para(p);
  heading('六、其他需要报告的事项');
  para(`本年度收取信息处理费 ${report.feesCollected} 元。`);
  if (report.texts.other) for (const p of reportParagraphs(report.texts.other)) para(p);

  doc.end();
  return done;
}
