/**
 * What a file really is, from its bytes: magic numbers, the entry names of ZIP containers (OOXML,
 * OFD) and, for text, valid UTF-8 without NUL. Never from the file name or the declared type.
 * Works on a stream (ContentSniffer is fed chunk by chunk) so a 20 MB upload is not held in memory.
 */

export type DetectedType =
  | 'pdf' | 'png' | 'jpeg' | 'gif' | 'webp'
  | 'docx' | 'xlsx' | 'pptx' | 'ofd' | 'zip'
  | 'ole' | 'rar' | '7z' | 'gzip'
  | 'exe' | 'elf'
  | 'text' | 'unknown';

export interface FileTypeInfo {
  /** Chinese name used in messages and lists. */
  label: string;
  /** Media type the content is served with. */
  mediaType: string;
  /** Shown inline by /files/:id/preview. */
  previewable: boolean;
}

export const FILE_TYPES: Record<DetectedType, FileTypeInfo> = {
  pdf: { label: 'PDF 文档', mediaType: 'application/pdf', previewable: true },
  png: { label: 'PNG 图片', mediaType: 'image/png', previewable: true },
  jpeg: { label: 'JPEG 图片', mediaType: 'image/jpeg', previewable: true },
  gif: { label: 'GIF 图片', mediaType: 'image/gif', previewable: true },
  webp: { label: 'WebP 图片', mediaType: 'image/webp', previewable: true },
  docx: { label: 'Word 文档 (docx)', mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', previewable: false },
  xlsx: { label: 'Excel 表格 (xlsx)', mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', previewable: false },
  pptx: { label: 'PowerPoint 演示文稿 (pptx)', mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', previewable: false },
  ofd: { label: 'OFD 版式文档', mediaType: 'application/ofd', previewable: false },
  zip: { label: 'ZIP 压缩包', mediaType: 'application/zip', previewable: false },
  ole: { label: 'Office 97-2003 文档 (doc/xls/ppt)', mediaType: 'application/x-ole-storage', previewable: false },
  rar: { label: 'RAR 压缩包', mediaType: 'application/vnd.rar', previewable: false },
  '7z': { label: '7z 压缩包', mediaType: 'application/x-7z-compressed', previewable: false },
  gzip: { label: 'gzip 压缩文件', mediaType: 'application/gzip', previewable: false },
  exe: { label: 'Windows 可执行程序', mediaType: 'application/vnd.microsoft.portable-executable', previewable: false },
  elf: { label: 'Linux 可执行程序', mediaType: 'application/x-executable', previewable: false },
  text: { label: '纯文本 / CSV', mediaType: 'text/plain; charset=utf-8', previewable: false },
  unknown: { label: '无法识别的二进制文件', mediaType: 'application/octet-stream', previewable: false },
};

export const HEAD_BYTES = 4096;

const startsWith = (buf: Buffer, bytes: number[], at = 0) => buf.length >= at + bytes.length && bytes.every((b, i) => buf[at + i] === b);
const ascii = (buf: Buffer, text: string, at = 0) => buf.length >= at + text.length && buf.toString('latin1', at, at + text.length) === text;

/** A type recognised from the first bytes alone; 'zip' means "look at the entry names". */
export function magicType(head: Buffer): DetectedType | null {
  if (ascii(head, '%PDF-')) return 'pdf';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(head, 'GIF87a') || ascii(head, 'GIF89a')) return 'gif';
  if (ascii(head, 'RIFF') && ascii(head, 'WEBP', 8)) return 'webp';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'ole';
  if (ascii(head, 'Rar!\u001a\u0007')) return 'rar';
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (ascii(head, 'MZ')) return 'exe';
  if (startsWith(head, [0x7f, 0x45, 0x4c, 0x46])) return 'elf';
  return null;
}

/** OOXML and OFD are ZIP containers told apart by their entries. */
export function zipKind(names: ReadonlySet<string>): DetectedType {
  if (names.has('OFD.xml')) return 'ofd';
  if (names.has('[Content_Types].xml')) {
    const any = (prefix: string) => [...names].some((n) => n.startsWith(prefix));
    if (any('word/')) return 'docx';
    if (any('xl/')) return 'xlsx';
    if (any('ppt/')) return 'pptx';
  }
  return 'zip';
}

/** Reads `length` bytes at `position` of the content (from a file or a buffer). */
export type ReadAt = (position: number, length: number) => Promise<Buffer>;

const MAX_CENTRAL_DIRECTORY = 8 * 1024 * 1024;
const MAX_ENTRIES = 20_000;

/**
 * Entry names of a ZIP: the first local header's, plus every name in the central directory found
 * through the end-of-central-directory record. Damaged or ZIP64 archives yield what could be read.
 */
export async function zipEntryNames(head: Buffer, size: number, readAt: ReadAt): Promise<Set<string>> {
  const names = new Set<string>();
  if (head.length >= 30 && head.readUInt32LE(0) === 0x04034b50) {
    const nameLength = head.readUInt16LE(26);
    if (30 + nameLength <= head.length) names.add(head.toString('utf8', 30, 30 + nameLength));
  }
  const tailLength = Math.min(size, 22 + 0xffff);
  if (tailLength < 22) return names;
  const tail = await readAt(size - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i -= 1) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return names;
  const entries = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (cdSize > MAX_CENTRAL_DIRECTORY || cdOffset + cdSize > size) return names;
  const cd = await readAt(cdOffset, cdSize);
  let pos = 0;
  for (let n = 0; n < Math.min(entries, MAX_ENTRIES) && pos + 46 <= cd.length; n += 1) {
    if (cd.readUInt32LE(pos) !== 0x02014b50) break;
    const nameLength = cd.readUInt16LE(pos + 28);
    const extraLength = cd.readUInt16LE(pos + 30);
    const commentLength = cd.readUInt16LE(pos + 32);
    if (pos + 46 + nameLength > cd.length) break;
    names.add(cd.toString('utf8', pos + 46, pos + 46 + nameLength));
    pos += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/** Fed the content chunk by chunk; keeps the head and whether it is still valid UTF-8 without NUL. */
export class ContentSniffer {
  private headChunks: Buffer[] = [];
  private headLength = 0;
  private decoder = new TextDecoder('utf-8', { fatal: true });
  private textSoFar = true;
  size = 0;

  update(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.headLength < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.headLength);
      this.headChunks.push(part);
      this.headLength += part.length;
    }
    if (!this.textSoFar) return;
    if (chunk.includes(0)) {
      this.textSoFar = false;
      return;
    }
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      this.textSoFar = false;
    }
  }

  get head(): Buffer {
    return Buffer.concat(this.headChunks, this.headLength);
  }

  /** The type, once all chunks were fed; `readAt` reads the stored content (ZIP central directory). */
  async finish(readAt: ReadAt): Promise<DetectedType> {
    const head = this.head;
    const magic = magicType(head);
    if (magic === 'zip') return zipKind(await zipEntryNames(head, this.size, readAt));
    if (magic) return magic;
    if (this.textSoFar) {
      try {
        this.decoder.decode(); // an incomplete sequence at the very end is not UTF-8
        return 'text';
      } catch {
        return 'unknown';
      }
    }
    return 'unknown';
  }
}

/** Type of content held in memory. */
export async function detectBuffer(content: Buffer): Promise<DetectedType> {
  const sniffer = new ContentSniffer();
  sniffer.update(content);
  return sniffer.finish(async (position, length) => content.subarray(position, position + length));
}
