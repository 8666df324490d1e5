// Downloads a GGUF model over HTTP(S). Models are gigabytes on shop-floor connections, so a download survives being
// stopped, dropped and restarted: bytes go to `<file>.part`, and `<file>.part.json` beside it remembers what they are
// (url, validator, size, expected checksum) so the next run asks only for the rest (HTTP Range + If-Range). Nothing
// lands under the final name before its SHA-256 and GGUF header have been checked.
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { basename, join } from 'node:path';
import { UserError } from '../jobs/context.ts';
import { GgufError, readGgufHeader } from './gguf-header.ts';

export type DownloadErrorCode = 'url' | 'http' | 'network' | 'checksum' | 'not-gguf' | 'exists';

/** A download that can not succeed as asked. Extends UserError: the message is for the merchant, no stack trace. */
export class DownloadError extends UserError {
  code: DownloadErrorCode;
  constructor(code: DownloadErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface DownloadProgress {
  /** Bytes in the partial file so far (resumed bytes included). */
  received: number;
  /** The whole file's size, when the server said. */
  total: number | null;
  /** Bytes that were already there when this run started. */
  resumedFrom: number;
}

export interface DownloadOptions {
  /** Folder the model is saved in (created when missing). */
  dir: string;
  /** Name to save under (default: the URL's last path segment). */
  fileName?: string;
  /** Expected SHA-256 (hex); the file is kept only when it matches. */
  sha256?: string;
  /** Failed attempts in a row before giving up (default 5); any progress resets the count. */
  retries?: number;
  /** First back-off delay in ms, doubled on each further failure (default 1000, at most 30 s). */
  backoffMs?: number;
  /** Extra request headers, e.g. Authorization for a gated Hugging Face model. */
  headers?: Record<string, string>;
  /** Aborting pauses: the partial file and its state stay for the next run to resume. */
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Called before each back-off wait: which retry this is, how long it waits, and why the last attempt failed. */
  onRetry?: (retry: { attempt: number; delayMs: number; reason: string }) => void;
}

export interface DownloadResult {
  /** 'present': the file was already there (and matched the checksum, when one was given). */
  status: 'completed' | 'paused' | 'present';
  /** The final path (for 'paused', where the file will be). */
  path: string;
  url: string;
  /** Bytes on disk (the partial file's, when paused). */
  bytes: number;
  total: number | null;
  /** Hex SHA-256 of the file; null when paused. */
  sha256: string | null;
  resumedFrom: number;
  /** Attempts that failed and were retried. */
  retried: number;
}

export interface PartState {
  url: string;
  etag: string | null;
  lastModified: string | null;
  size: number | null;
  sha256: string | null;
}

const MAX_BACKOFF_MS = 30_000;

/** `hf:owner/repo/path/file.gguf` → the file on Hugging Face's main branch; http(s) URLs as they are. */
export function resolveModelUrl(spec: string): string {
  const s = spec.trim();
  if (s.startsWith('hf:')) {
    const parts = s.slice(3).replace(/^\/+/, '').split('/').filter(Boolean);
    if (parts.length < 3) throw new DownloadError('url', `"${spec}" should look like hf:owner/repo/file.gguf`);
    const [owner, repo, ...file] = parts;
    return `https://huggingface.co/${encodeURIComponent(owner!)}/${encodeURIComponent(repo!)}/resolve/main/${file.map(encodeURIComponent).join('/')}`;
  }
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new DownloadError('url', `"${spec}" is not a URL (http://, https:// or hf:owner/repo/file.gguf)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DownloadError('url', `only http(s) and hf: downloads are supported, not ${url.protocol}`);
  }
  return url.href;
}

function fileNameOf(url: string, given: string | undefined): string {
  const name = given ?? decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name) || basename(name) !== name) {
    throw new DownloadError('url', `cannot save "${name}": give a plain file name`);
  }
  return name;
}

export function readState(file: string): PartState | null {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<PartState>;
    if (typeof s.url !== 'string') return null;
    return {
      url: s.url,
      etag: typeof s.etag === 'string' ? s.etag : null,
      lastModified: typeof s.lastModified === 'string' ? s.lastModified : null,
      size: typeof s.size === 'number' ? s.size : null,
      sha256: typeof s.sha256 === 'string' ? s.sha256 : null,
    };
  } catch {
    return null;
  }
}

/** Hex SHA-256 of a file, streamed (models do not fit in memory twice). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/** `bytes start-end/total` → start and total (null when `*`). */
function parseContentRange(value: string | null): { start: number; total: number | null } | null {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(value?.trim() ?? '');
  return m ? { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) } : null;
}

function httpError(status: number, url: string): DownloadError {
  const why =
    status === 404
      ? 'not found (check the owner, repository and file name)'
      : status === 401 || status === 403
        ? 'access denied (a gated model needs an access token: set HF_TOKEN)'
        : `the server answered ${status}`;
  return new DownloadError('http', `cannot download ${url}: ${why}`);
}

// Worth another try: the server is overloaded or restarting, or the request timed out.
const retryable = (status: number): boolean => status >= 500 || status === 429 || status === 408;

function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One download of a file at a time, across processes (the app and the CLI, or a double click): two writers would
 * interleave their bytes in one partial file. A lock left by a process that died is taken over.
 */
function lockDownload(lock: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(lock, 'utf8'), 10);
      // No pid yet: another process has just created the lock and is writing it, unless that was long ago.
      if (!(owner > 0) ? Date.now() - statSync(lock).mtimeMs < 10_000 : owner === process.pid || isAlive(owner)) {
        break;
      }
      rmSync(lock, { force: true });
    }
  }
  throw new DownloadError('exists', `${lock.replace(/\.part\.lock$/, '')} is already being downloaded`);
}

/** Downloads (or resumes, or finds already done) one model file. */
export async function downloadModel(spec: string, options: DownloadOptions): Promise<DownloadResult> {
  const url = resolveModelUrl(spec);
  if (options.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(options.sha256.trim())) {
    throw new DownloadError('checksum', 'a SHA-256 is 64 hexadecimal digits');
  }
  mkdirSync(options.dir, { recursive: true });
  const target = join(options.dir, fileNameOf(url, options.fileName));
  const release = lockDownload(`${target}.part.lock`);
  try {
    return await transfer(url, target, options);
  } finally {
    release();
  }
}

async function transfer(url: string, target: string, options: DownloadOptions): Promise<DownloadResult> {
  const expected = options.sha256?.trim().toLowerCase() ?? null;
  const part = `${target}.part`;
  const stateFile = `${part}.json`;
  const discard = (): void => {
    rmSync(part, { force: true });
    rmSync(stateFile, { force: true });
  };

  if (existsSync(target)) {
    const actual = await sha256File(target);
    if (expected !== null && actual !== expected) {
      throw new DownloadError(
        'exists',
        `${target} already exists with a different SHA-256 (${actual}); remove it first`,
      );
    }
    const bytes = sizeOf(target);
    return { status: 'present', path: target, url, bytes, total: bytes, sha256: actual, resumedFrom: 0, retried: 0 };
  }

  // A partial file is resumed only when its state says it is this URL's (and this checksum's) bytes.
  let state = readState(stateFile);
  if (!state || state.url !== url || (expected !== null && state.sha256 !== null && state.sha256 !== expected)) {
    discard();
    state = { url, etag: null, lastModified: null, size: null, sha256: expected };
  }
  // A resumed download keeps the checksum its first run was given, unless this run gives one.
  const wanted = expected ?? state.sha256;
  state.sha256 = wanted;
  const resumedFrom = sizeOf(part);
  const retries = options.retries ?? 5;
  const backoff = options.backoffMs ?? 1000;
  const saveState = (): void => writeFileSync(stateFile, JSON.stringify(state, null, 2));
  let failures = 0;
  let retried = 0;
  let lastError = '';
  // Progress resets the failure count only when the file gets further than ever: a server that drops the
  // connection at the same byte every time (and does not resume) must still run out of retries.
  let furthest = resumedFrom;
  const paused = (): DownloadResult => ({
    status: 'paused',
    path: target,
    url,
    bytes: sizeOf(part),
    total: state.size,
    sha256: null,
    resumedFrom,
    retried,
  });

  // One pass per HTTP request; a pass that fails in a retryable way waits and goes round again.
  for (;;) {
    if (options.signal?.aborted) return paused();
    if (failures > 0) {
      if (failures > retries) {
        throw new DownloadError('network', `cannot download ${url}: ${lastError} (gave up after ${retries} retries)`);
      }
      retried++;
      const delayMs = Math.min(MAX_BACKOFF_MS, backoff * 2 ** (failures - 1));
      options.onRetry?.({ attempt: failures, delayMs, reason: lastError });
      await wait(delayMs, options.signal);
      if (options.signal?.aborted) return paused();
    }
    let offset = sizeOf(part);
    if (state.size !== null && offset === state.size) break;
    if (state.size !== null && offset > state.size) {
      discard();
      offset = 0;
    }
    const headers: Record<string, string> = { ...options.headers };
    if (offset > 0) {
      headers.range = `bytes=${offset}-`;
      // If-Range: the rest only if the file is unchanged, else the whole new file (a 200). Weak ETags do not count.
      const validator = state.etag && !state.etag.startsWith('W/') ? state.etag : state.lastModified;
      if (validator) headers['if-range'] = validator;
    }
    let response: Response;
    try {
      response = await fetch(url, {
        headers,
        redirect: 'follow',
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) return paused();
      lastError = networkReason(error);
      failures++;
      continue;
    }
    let append: boolean;
    if (response.status === 206) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (
        !range ||
        range.start !== offset ||
        (state.size !== null && range.total !== null && range.total !== state.size)
      ) {
        // Not the bytes asked for: start over rather than splice two different files together.
        await response.body?.cancel();
        discard();
        lastError = 'the server sent a different part of the file than asked for';
        failures++;
        continue;
      }
      append = true;
      state.size = range.total ?? state.size;
    } else if (response.status === 200) {
      // No range support, or the file changed since the partial download (If-Range): the whole file again.
      append = false;
      const length = response.headers.get('content-length');
      state.size = length !== null && /^\d+$/.test(length) ? Number(length) : null;
      state.etag = response.headers.get('etag');
      state.lastModified = response.headers.get('last-modified');
    } else if (response.status === 416 && offset > 0) {
      // Asked for bytes past the end: the partial file is complete if the sizes agree, else it is not this file.
      await response.body?.cancel();
      const range = parseContentRange(response.headers.get('content-range')?.replace('*', '0-0') ?? null);
      if (range?.total === offset) {
        state.size = offset;
        saveState();
        break;
      }
      discard();
      lastError = 'the partial download does not match the file on the server';
      failures++;
      continue;
    } else {
      await response.body?.cancel();
      if (retryable(response.status)) {
        lastError = `the server answered ${response.status}`;
        failures++;
        continue;
      }
      throw httpError(response.status, url);
    }
    saveState();
    const before = append ? offset : 0;
    const written = await writeBody(response, part, append, (n) =>
      options.onProgress?.({ received: before + n, total: state.size, resumedFrom }),
    );
    if (sizeOf(part) > furthest) {
      furthest = sizeOf(part);
      failures = 0;
    }
    if (written.error !== null) {
      if (options.signal?.aborted) return paused();
      lastError = written.error;
      failures++;
      continue;
    }
    if (state.size === null) {
      state.size = sizeOf(part);
      saveState();
      break;
    }
    if (sizeOf(part) === state.size) break;
    // The body ended early without an error (a proxy closing cleanly): ask for the rest.
    lastError = 'the connection closed before the end of the file';
    failures++;
  }

  const actual = await sha256File(part);
  if (wanted !== null && actual !== wanted) {
    // The bytes are wrong and resuming would only append to them: nothing of this download is kept.
    discard();
    throw new DownloadError(
      'checksum',
      `the downloaded file's SHA-256 is ${actual}, not the expected ${wanted}; it was deleted`,
    );
  }
  try {
    readGgufHeader(part);
  } catch (error) {
    if (!(error instanceof GgufError)) throw error;
    discard();
    throw new DownloadError('not-gguf', `${url} is not a usable GGUF model (${error.message}); it was deleted`);
  }
  renameSync(part, target);
  rmSync(stateFile, { force: true });
  const bytes = sizeOf(target);
  return { status: 'completed', path: target, url, bytes, total: bytes, sha256: actual, resumedFrom, retried };
}

/** Streams a response body into the partial file; a broken connection returns what was written and why. */
async function writeBody(
  response: Response,
  path: string,
  append: boolean,
  onBytes: (written: number) => void,
): Promise<{ bytes: number; error: string | null }> {
  const out = createWriteStream(path, { flags: append ? 'a' : 'w' });
  let bytes = 0;
  let error: string | null = null;
  try {
    if (response.body) {
      for await (const chunk of response.body) {
        if (!out.write(chunk)) await once(out, 'drain');
        bytes += (chunk as Uint8Array).byteLength;
        onBytes(bytes);
      }
    }
  } catch (e) {
    error = networkReason(e);
  } finally {
    // Every byte received is on disk before the next attempt measures the partial file.
    out.end();
    await once(out, 'close');
  }
  return { bytes, error };
}

function networkReason(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return `${e.message ?? String(error)}${cause ? ` (${cause})` : ''}`;
}
