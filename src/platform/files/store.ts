/**
 * Content-addressed blob storage on local disk: `DATA_DIR/files/<first2>/<next2>/<sm3>`. A blob is
 * written to `DATA_DIR/files/tmp/` (same file system) while it is hashed and sniffed, fsync'd, then
 * renamed into place, so a reader never sees half a file; identical content is stored once. A blob
 * no attachment row refers to (an upload whose transaction rolled back) is removed by sweep().
 *
 * File-system housekeeping compares with file modification times, so it uses the real time of the
 * machine, not the injectable business clock.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { ContentSniffer, type DetectedType } from './detect.ts';

export interface StagedBlob {
  tmpPath: string;
  sm3: string;
  /** Bytes received (at most the limit given to stage()). */
  size: number;
  type: DetectedType;
  /** More than the limit arrived: the content is incomplete and must be refused. */
  tooLarge: boolean;
}

const SM3_HEX = /^[0-9a-f]{64}$/;

async function fsyncDir(dir: string): Promise<void> {
  try {
    const fh = await fsp.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* not supported on every platform; the rename itself is atomic */
  }
}

export class BlobStore {
  readonly tmpDir: string;

  constructor(readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
  }

  blobPath(sm3: string): string {
    if (!SM3_HEX.test(sm3)) throw new Error(`not an SM3 digest: ${sm3}`);
    return path.join(this.root, sm3.slice(0, 2), sm3.slice(2, 4), sm3);
  }

  /**
   * Writes the content to a temporary file while computing its SM3 digest and detecting its type.
   * Past `maxBytes` the rest is read and dropped (so the request can finish) and `tooLarge` is set.
   */
  async stage(source: AsyncIterable<Buffer | Uint8Array> | Buffer, maxBytes: number): Promise<StagedBlob> {
    await fsp.mkdir(this.tmpDir, { recursive: true });
    const tmpPath = path.join(this.tmpDir, `${randomBytes(12).toString('hex')}.part`);
    const fh = await fsp.open(tmpPath, 'wx+', 0o600);
    const hash = createHash('sm3');
    const sniffer = new ContentSniffer();
    let size = 0;
    let tooLarge = false;
    try {
      const chunks: AsyncIterable<Buffer | Uint8Array> | Buffer[] = Buffer.isBuffer(source) ? [source] : source;
      for await (const raw of chunks) {
        const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
        if (tooLarge) continue;
        if (size + chunk.length > maxBytes) {
          tooLarge = true;
          continue;
        }
        size += chunk.length;
        hash.update(chunk);
        sniffer.update(chunk);
        await fh.write(chunk);
      }
      await fh.sync();
      const type = tooLarge ? 'unknown' : await sniffer.finish(async (position, length) => {
        const buf = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buf, 0, length, position);
        return buf.subarray(0, bytesRead);
      });
      return { tmpPath, sm3: hash.digest('hex'), size, type, tooLarge };
    } catch (err) {
      await fh.close().catch(() => undefined);
      await fsp.rm(tmpPath, { force: true });
      throw err;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  /** Moves a staged blob into place; when the content is already stored, keeps that copy (fresh). */
  async commit(staged: StagedBlob): Promise<void> {
    const target = this.blobPath(staged.sm3);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    try {
      // Already there: mark it recently used, so a concurrent sweep() leaves it alone.
      const now = new Date();
      await fsp.utimes(target, now, now);
      await fsp.rm(staged.tmpPath, { force: true });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await fsp.chmod(staged.tmpPath, 0o640);
    await fsp.rename(staged.tmpPath, target);
    await fsyncDir(path.dirname(target));
  }

  async discard(staged: StagedBlob): Promise<void> {
    await fsp.rm(staged.tmpPath, { force: true });
  }

  async exists(sm3: string): Promise<boolean> {
    try {
      await fsp.access(this.blobPath(sm3));
      return true;
    } catch {
      return false;
    }
  }

  open(sm3: string): fs.ReadStream {
    return fs.createReadStream(this.blobPath(sm3));
  }

  /**
   * Removes blobs older than `graceMs` that `referenced` does not know, and temporary files older
   * than `graceMs`. A blob is first moved aside and checked again, so an upload that reused it in
   * the meantime (commit() touches it) keeps it.
   */
  async sweep(referenced: (sm3s: string[]) => Promise<Set<string>>, graceMs: number): Promise<{ removed: string[]; kept: number }> {
    const removed: string[] = [];
    let kept = 0;
    const cutoff = Date.now() - graceMs;
    const old = async (p: string) => {
      try {
        return (await fsp.stat(p)).mtimeMs <= cutoff;
      } catch {
        return false;
      }
    };
    const list = async (dir: string) => {
      try {
        return await fsp.readdir(dir);
      } catch {
        return [];
      }
    };
    for (const name of await list(this.tmpDir)) {
      const p = path.join(this.tmpDir, name);
      if (await old(p)) await fsp.rm(p, { force: true });
    }
    for (const a of await list(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(a)) continue;
      for (const b of await list(path.join(this.root, a))) {
        if (!/^[0-9a-f]{2}$/.test(b)) continue;
        const dir = path.join(this.root, a, b);
        const candidates: string[] = [];
        for (const name of await list(dir)) {
          if (SM3_HEX.test(name) && (await old(path.join(dir, name)))) candidates.push(name);
          else kept += 1;
        }
        if (candidates.length === 0) continue;
        const inUse = await referenced(candidates);
        for (const sm3 of candidates) {
          if (inUse.has(sm3)) {
            kept += 1;
            continue;
          }
          const p = path.join(dir, sm3);
          const aside = path.join(this.tmpDir, `${sm3}.sweep-${randomBytes(4).toString('hex')}`);
          await fsp.mkdir(this.tmpDir, { recursive: true });
          try {
            await fsp.rename(p, aside);
          } catch {
            continue;
          }
          if (await old(aside)) {
            await fsp.rm(aside, { force: true });
            removed.push(sm3);
          } else {
            await fsp.rename(aside, p);
            kept += 1;
          }
        }
      }
    }
    return { removed, kept };
  }
}
