/**
 * Browser mode cannot hand the core a file path, so a dropped file is streamed
 * to a private temp folder first and its path goes to import.preview/start.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const DEFAULT_UPLOAD_DIR = join(tmpdir(), 'merchant-workbench-uploads');

export class UploadTooLargeError extends Error {
  override name = 'UploadTooLargeError';
}

/** Keeps the file's own name (its extension and the run's file name matter) but nothing path-like. */
export function safeUploadName(raw: string | null): string {
  const base = basename((raw ?? '').replaceAll('\\', '/'));
  const cleaned = base
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_')
    .replace(/^\.+/, '')
    .trim()
    .slice(-200);
  return cleaned === '' ? 'upload' : cleaned;
}

/** Streams the request body to uploadDir/<random>/<name>; deletes the partial file on failure. */
export async function receiveUpload(
  req: IncomingMessage,
  name: string | null,
  uploadDir: string,
  limit: number,
): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new UploadTooLargeError(`upload exceeds ${limit} bytes`);
  await mkdir(uploadDir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(uploadDir, 'u-'));
  const path = join(dir, safeUploadName(name));
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (received > limit) done(new UploadTooLargeError(`upload exceeds ${limit} bytes`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(req, counter, createWriteStream(path, { mode: 0o600 }));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return path;
}

/** Best effort: forget uploads older than maxAgeMs (their imports finished long ago). */
export async function sweepUploads(uploadDir: string, maxAgeMs = 24 * 3600_000): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(uploadDir);
  } catch {
    return;
  }
  const now = Date.now();
  await Promise.all(
    entries
      .filter((e) => e.startsWith('u-'))
      .map(async (e) => {
        try {
          const s = await stat(join(uploadDir, e));
          if (now - s.mtimeMs > maxAgeMs) await rm(join(uploadDir, e), { recursive: true, force: true });
        } catch {
          // Gone already or not ours to touch.
        }
      }),
  );
}
