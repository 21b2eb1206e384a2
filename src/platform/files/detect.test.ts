/**
 * Type detection by content: magic numbers, ZIP containers told apart by their entries, text as
 * valid UTF-8 without NUL even when a character is split across chunks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentSniffer, detectBuffer, magicType } from './detect.ts';
import { DOCX, EXE, minimalPdf, PNG_1x1, zip } from './test-fixtures.ts';

test('images, PDF and executables by their magic numbers', async () => {
  assert.equal(await detectBuffer(minimalPdf()), 'pdf');
  assert.equal(await detectBuffer(PNG_1x1), 'png');
  assert.equal(await detectBuffer(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46])), 'jpeg');
  assert.equal(await detectBuffer(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')), 'gif');
  assert.equal(await detectBuffer(Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')])), 'webp');
  assert.equal(await detectBuffer(EXE), 'exe');
  assert.equal(await detectBuffer(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])), 'elf');
  assert.equal(await detectBuffer(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0])), 'ole');
  // A PDF marker that is not at the start is not a PDF.
  assert.equal(magicType(Buffer.from('hello %PDF-1.4')), null);
});

test('ZIP containers: docx, xlsx, pptx, OFD, or a plain ZIP', async () => {
  assert.equal(await detectBuffer(DOCX), 'docx');
  assert.equal(await detectBuffer(zip({ '[Content_Types].xml': '<Types/>', 'xl/workbook.xml': '<workbook/>' })), 'xlsx');
  assert.equal(await detectBuffer(zip({ '[Content_Types].xml': '<Types/>', 'ppt/presentation.xml': '<p/>' })), 'pptx');
  assert.equal(await detectBuffer(zip({ 'OFD.xml': '<ofd:OFD/>', 'Doc_0/Document.xml': '<ofd:Document/>' })), 'ofd');
  assert.equal(await detectBuffer(zip({ 'readme.txt': 'hi' })), 'zip');
  // [Content_Types].xml alone does not make an office document.
  assert.equal(await detectBuffer(zip({ '[Content_Types].xml': '<Types/>' })), 'zip');
  // Entries listed only in the central directory count (the first local header names something else).
  assert.equal(await detectBuffer(zip({ 'mimetype': 'x', 'Doc_0/a.xml': '<a/>', 'OFD.xml': '<ofd:OFD/>' })), 'ofd');
  // A damaged archive without its central directory: only the first entry name is known.
  const cut = DOCX.subarray(0, 60);
  assert.equal(await detectBuffer(cut), 'zip');
});

test('text is valid UTF-8 without NUL, also when characters are split across chunks', async () => {
  const csv = Buffer.from('\ufeff序号,单位名称,统一社会信用代码\n1,郑州市人民政府,11410100005252498J\n', 'utf8');
  assert.equal(await detectBuffer(csv), 'text');
  const sniffer = new ContentSniffer();
  for (const byte of csv) sniffer.update(Buffer.from([byte]));
  assert.equal(await sniffer.finish(async () => Buffer.alloc(0)), 'text');
  assert.equal(sniffer.size, csv.length);
  // GBK-encoded Chinese is not UTF-8.
  assert.equal(await detectBuffer(Buffer.from([0xd6, 0xd0, 0xce, 0xc4, 0x0a])), 'unknown');
  assert.equal(await detectBuffer(Buffer.from('abc\u0000def')), 'unknown');
  // A multi-byte character cut off at the very end.
  assert.equal(await detectBuffer(Buffer.from('郑州', 'utf8').subarray(0, 4)), 'unknown');
});
