/**
 * Streaming readers for import files: CSV (UTF-8 with or without BOM, or GB18030 as Excel on Chinese
 * Windows writes it) and XLSX (first worksheet, exceljs streaming reader). Rows come out one at a
 * time with their spreadsheet row number (1 = header) and, for UTF-8 CSV, the byte offset just after
 * the row, so an interrupted import can seek straight back to where it stopped.
 */
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';

export type FileFormat = 'csv' | 'xlsx';
export type FileEncoding = 'utf-8' | 'gb18030';

export interface SourceRow {
  /** Spreadsheet row number: 1 is the header, 2 the first data row. */
  row: number;
  cells: string[];
  /** UTF-8 CSV only: byte offset just after this row. */
  endByte?: number;
}

/** Detects the format by content (XLSX is a ZIP: "PK\x03\x04"). */
export function detectFormat(head: Buffer, fileName: string): FileFormat {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'xlsx';
  if (/\.xlsx$/i.test(fileName)) return 'xlsx';
  return 'csv';
}

/** UTF-8 when the first 64 KB decode as UTF-8 (an incomplete last character is fine), else GB18030. */
export function detectEncoding(head: Buffer): FileEncoding {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return 'utf-8';
  } catch {
    return 'gb18030';
  }
}

export function readHead(path: string, bytes = 65536): Buffer {
  const fd = fs.openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = fs.readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

function gb18030Decoder(): Transform {
  const decoder = new TextDecoder('gb18030');
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, decoder.decode(chunk, { stream: true }));
    },
    flush(cb) {
      cb(null, decoder.decode());
    },
  });
}

const CSV_OPTIONS = { relax_column_count: true, skip_empty_lines: true, trim: true, info: true } as const;

/** The header row of a CSV file. */
async function csvHeader(path: string, encoding: FileEncoding): Promise<string[]> {
  const input = fs.createReadStream(path);
  const parser = parse({ ...CSV_OPTIONS, bom: true, to_line: 1 });
  (encoding === 'gb18030' ? input.pipe(gb18030Decoder()) : input).pipe(parser);
  try {
    for await (const r of parser as AsyncIterable<{ record: string[] }>) return r.record;
    return [];
  } finally {
    input.destroy();
  }
}

export interface OpenedFile {
  header: string[];
  /** Data rows from `startRow` on (rows before it are skipped, or seeked past with `startByte`). */
  rows: AsyncIterable<SourceRow>;
  close(): void;
}

export async function openCsv(path: string, encoding: FileEncoding, startRow: number, startByte: number | null): Promise<OpenedFile> {
  const header = await csvHeader(path, encoding);
  const seek = encoding === 'utf-8' && startByte !== null && startByte > 0;
  const input = fs.createReadStream(path, seek ? { start: startByte! } : {});
  const parser = parse({ ...CSV_OPTIONS, bom: !seek });
  (encoding === 'gb18030' ? input.pipe(gb18030Decoder()) : input).pipe(parser);
  async function* rows(): AsyncGenerator<SourceRow> {
    let row = seek ? startRow - 1 : 0;
    for await (const r of parser as AsyncIterable<{ record: string[]; info: { bytes: number } }>) {
      row += 1;
      if (row < startRow) continue;
      yield { row, cells: r.record, endByte: encoding === 'utf-8' ? (seek ? startByte! : 0) + r.info.bytes : undefined };
    }
  }
  return { header, rows: rows(), close: () => input.destroy() };
}

/** A cell of exceljs as text: dates as YYYY-MM-DD, rich text joined, formulas by their result. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v) ? `#数值过大:${v}` : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v).trim();
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; result?: unknown; text?: string; hyperlink?: string };
    if (o.richText) return o.richText.map((t) => t.text).join('').trim();
    if ('result' in o) return cellText(o.result);
    if (typeof o.text === 'string') return o.text.trim();
  }
  return String(v);
}

export async function openXlsx(path: string, startRow: number): Promise<OpenedFile> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore', worksheets: 'emit', entries: 'emit' });
  let header: string[] = [];
  let closed = false;
  const iterator = (async function* (): AsyncGenerator<SourceRow> {
    for await (const sheet of reader as unknown as AsyncIterable<AsyncIterable<{ number: number; values: unknown[] }>>) {
      for await (const r of sheet) {
        if (closed) return;
        const cells = (Array.isArray(r.values) ? r.values.slice(1) : []).map(cellText);
        yield { row: r.number, cells };
      }
      return; // first worksheet only
    }
  })();
  // The header is the first row; data rows follow.
  const first = await iterator.next();
  if (!first.done) header = first.value.cells;
  async function* rows(): AsyncGenerator<SourceRow> {
    for (;;) {
      const n = await iterator.next();
      if (n.done) return;
      if (n.value.row < startRow) continue;
      if (n.value.cells.every((c) => c === '')) continue;
      yield n.value;
    }
  }
  return {
    header,
    rows: rows(),
    close: () => {
      closed = true;
    },
  };
}
