// Model downloads the app runs for the merchant (the model manager's Download button): several at once, each with
// progress and speed, pause (the partial file stays), resume, cancel (the partial file goes) and retry. The bytes and
// the resume state live beside the model (download.ts: `<file>.part` + `<file>.part.json`), so a download paused or
// cut off by quitting the app is listed again, as paused, after a restart, and resumes from where it stopped.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../jobs/context.ts';
import { DownloadError, downloadModel, readState, resolveModelUrl } from './download.ts';

export type DownloadStatus = 'downloading' | 'retrying' | 'verifying' | 'paused' | 'completed' | 'failed' | 'cancelled';

export interface DownloadInfo {
  /** The file name it is saved under in the models folder: one download per name. */
  id: string;
  url: string;
  status: DownloadStatus;
  /** Bytes on disk so far. */
  received: number;
  /** The file's size, once the server said. */
  total: number | null;
  /** Recent speed (bytes per second) while downloading; null otherwise. */
  bytesPerSecond: number | null;
  /** The expected SHA-256, when one was given. */
  sha256: string | null;
  /** Why it failed, or why it is retrying. */
  error: string | null;
  /** Failed attempts retried so far in this run. */
  retried: number;
  /** The model's path once completed. */
  path: string | null;
  /**
   * A partial download the merchant did not pause: the app quit (or the workspace closed) while it ran. The model
   * manager resumes these by itself when it opens; one the merchant paused waits for Resume.
   */
  interrupted: boolean;
  updatedAt: number;
}

export interface DownloadStartOptions {
  fileName?: string | undefined;
  sha256?: string | undefined;
}

export interface DownloadManagerOptions {
  /** Failed attempts in a row before giving up (download.ts default 5). */
  retries?: number;
  /** First back-off delay (download.ts default 1 s). */
  backoffMs?: number;
  /** How often progress is reported while bytes flow (default 250 ms): a UI needs no more. */
  progressEveryMs?: number;
  /** Extra request headers (an HF token for gated models). */
  headers?: Record<string, string>;
}

interface Active {
  info: DownloadInfo;
  abort: AbortController;
  done: Promise<void>;
  cancelled: boolean;
}

// Speed over the last few seconds, not since the start: a resumed download or a stall must show in the figure.
const SPEED_WINDOW_MS = 3000;

export class DownloadManager {
  private readonly dir: string;
  private readonly options: DownloadManagerOptions;
  private readonly emit: (info: DownloadInfo) => void;
  private readonly active = new Map<string, Active>();
  /** Finished or failed in this session (a failed one may also have a partial file left to retry). */
  private readonly finished = new Map<string, DownloadInfo>();

  constructor(dir: string, emit: (info: DownloadInfo) => void, options: DownloadManagerOptions = {}) {
    this.dir = dir;
    this.emit = emit;
    this.options = options;
  }

  /** Running downloads, then partial downloads on disk (paused, or left by a quit), then this session's finished. */
  list(): DownloadInfo[] {
    const out = new Map<string, DownloadInfo>();
    for (const [id, a] of this.active) out.set(id, { ...a.info });
    for (const info of this.partials()) if (!out.has(info.id)) out.set(info.id, info);
    for (const [id, info] of this.finished) {
      if (out.has(id)) {
        // A failed download whose partial file is still there: resumable, and the reason it stopped still matters.
        const partial = out.get(id)!;
        // It is not resumed by itself either: it already ran out of retries.
        if (info.status === 'failed' && partial.status === 'paused') {
          out.set(id, { ...partial, error: info.error, interrupted: false });
        }
        continue;
      }
      out.set(id, { ...info });
    }
    return [...out.values()].sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** Starts (or resumes) a download from a URL or an hf: reference. Returns at once; progress comes as events. */
  start(spec: string, options: DownloadStartOptions = {}): DownloadInfo {
    const url = resolveModelUrl(spec);
    const id = options.fileName ?? decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    if (!id.toLowerCase().endsWith('.gguf')) {
      throw new DownloadError('url', `"${id}" is not a .gguf file name: give the model file's own URL or a file name`);
    }
    if (this.active.has(id)) throw new UserError(`${id} is already downloading`);
    if (existsSync(join(this.dir, id))) throw new UserError(`${id} is already in the models folder`);
    const info: DownloadInfo = {
      id,
      url,
      status: 'downloading',
      received: this.partialSize(id),
      total: null,
      bytesPerSecond: null,
      sha256: options.sha256?.trim().toLowerCase() || null,
      error: null,
      retried: 0,
      path: null,
      interrupted: false,
      updatedAt: Date.now(),
    };
    const entry: Active = { info, abort: new AbortController(), done: Promise.resolve(), cancelled: false };
    this.active.set(id, entry);
    this.finished.delete(id);
    entry.done = this.run(entry);
    this.emit({ ...info });
    return { ...info };
  }

  /** Resumes a paused (or failed) download with the URL and checksum its partial file was started with. */
  resume(id: string): DownloadInfo {
    if (this.active.has(id)) return { ...this.active.get(id)!.info };
    const known = this.list().find((d) => d.id === id);
    if (!known || known.status === 'completed') throw new UserError(`no paused download of ${id}`);
    return this.start(known.url, { fileName: id, ...(known.sha256 ? { sha256: known.sha256 } : {}) });
  }

  /** Stops a download, keeping what it has for a later resume. Resolves once the file is closed. */
  async pause(id: string): Promise<DownloadInfo> {
    const a = this.active.get(id);
    if (!a) {
      const known = this.list().find((d) => d.id === id);
      if (!known) throw new UserError(`no download of ${id}`);
      return known;
    }
    a.abort.abort();
    await a.done;
    if (a.info.status === 'paused') markPausedByUser(join(this.dir, `${id}.part.json`));
    return this.list().find((d) => d.id === id) ?? { ...a.info };
  }

  /** Stops a download and deletes its partial file and state. */
  async cancel(id: string): Promise<boolean> {
    const a = this.active.get(id);
    if (a) {
      a.cancelled = true;
      a.abort.abort();
      await a.done;
    }
    const part = join(this.dir, `${id}.part`);
    const had = a !== undefined || existsSync(part) || this.finished.has(id);
    if (this.finished.get(id)?.status !== 'completed') {
      rmSync(part, { force: true });
      rmSync(`${part}.json`, { force: true });
      this.finished.delete(id);
    }
    return had;
  }

  /** Pauses everything (the app is closing or switching workspace); the partial files resume next time. */
  async close(): Promise<void> {
    const all = [...this.active.values()];
    for (const a of all) a.abort.abort();
    await Promise.all(all.map((a) => a.done));
  }

  private async run(entry: Active): Promise<void> {
    const info = entry.info;
    const every = this.options.progressEveryMs ?? 250;
    let lastEmit = 0;
    const samples: { t: number; bytes: number }[] = [];
    const update = (patch: Partial<DownloadInfo>, force = false): void => {
      Object.assign(info, patch, { updatedAt: Date.now() });
      if (force || info.updatedAt - lastEmit >= every) {
        lastEmit = info.updatedAt;
        this.emit({ ...info });
      }
    };
    const headers = this.headersFor(info.url);
    try {
      const result = await downloadModel(info.url, {
        dir: this.dir,
        fileName: info.id,
        ...(info.sha256 ? { sha256: info.sha256 } : {}),
        ...(this.options.retries !== undefined ? { retries: this.options.retries } : {}),
        ...(this.options.backoffMs !== undefined ? { backoffMs: this.options.backoffMs } : {}),
        ...(headers ? { headers } : {}),
        signal: entry.abort.signal,
        onProgress: (p) => {
          const now = performance.now();
          samples.push({ t: now, bytes: p.received });
          while (samples.length > 2 && now - samples[0]!.t > SPEED_WINDOW_MS) samples.shift();
          const first = samples[0]!;
          const speed = now - first.t > 200 ? ((p.received - first.bytes) * 1000) / (now - first.t) : null;
          const complete = p.total !== null && p.received >= p.total;
          // All bytes are in: the SHA-256 and header check come next, which takes a while for gigabytes.
          update(
            {
              status: complete ? 'verifying' : 'downloading',
              received: p.received,
              total: p.total,
              bytesPerSecond: speed,
              error: null,
            },
            complete,
          );
        },
        onRetry: (r) => {
          samples.length = 0;
          update(
            {
              status: 'retrying',
              bytesPerSecond: null,
              retried: info.retried + 1,
              error: `${r.reason}; retry ${r.attempt} in ${Math.round(r.delayMs / 1000)} s`,
            },
            true,
          );
        },
      });
      if (result.status === 'paused') {
        update({ status: 'paused', received: result.bytes, total: result.total, bytesPerSecond: null }, true);
      } else {
        update(
          {
            status: 'completed',
            received: result.bytes,
            total: result.bytes,
            bytesPerSecond: null,
            sha256: result.sha256,
            path: result.path,
            error: null,
          },
          true,
        );
      }
    } catch (error) {
      update({ status: 'failed', bytesPerSecond: null, error: (error as Error).message }, true);
    } finally {
      this.active.delete(info.id);
      if (entry.cancelled) {
        // The caller deletes the partial file; the last word is that nothing is left.
        this.emit({ ...info, status: 'cancelled', bytesPerSecond: null, received: 0, updatedAt: Date.now() });
      } else if (info.status !== 'paused') {
        this.finished.set(info.id, { ...info });
      }
    }
  }

  // A gated Hugging Face model needs the merchant's token (HF_TOKEN), sent to huggingface.co only: fetch drops
  // Authorization when a redirect leaves for the CDN's host.
  private headersFor(url: string): Record<string, string> | undefined {
    if (this.options.headers) return this.options.headers;
    const token = process.env['HF_TOKEN'];
    return token && new URL(url).hostname === 'huggingface.co' ? { authorization: `Bearer ${token}` } : undefined;
  }

  private partialSize(id: string): number {
    const part = join(this.dir, `${id}.part`);
    return existsSync(part) ? statSync(part).size : 0;
  }

  /** Partial downloads on disk that nothing is running: paused, or cut off when the app last quit. */
  private partials(): DownloadInfo[] {
    if (!existsSync(this.dir)) return [];
    const out: DownloadInfo[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.part.json')) continue;
      const id = name.slice(0, -'.part.json'.length);
      const state = readState(join(this.dir, name));
      if (!state || this.active.has(id)) continue;
      const pausedByUser = readFlag(join(this.dir, name));
      const part = join(this.dir, `${id}.part`);
      out.push({
        id,
        url: state.url,
        status: 'paused',
        received: this.partialSize(id),
        total: state.size,
        bytesPerSecond: null,
        sha256: state.sha256,
        error: null,
        retried: 0,
        path: null,
        interrupted: !pausedByUser,
        updatedAt: existsSync(part) ? statSync(part).mtimeMs : 0,
      });
    }
    return out;
  }
}

// The pause mark lives in the partial file's state (download.ts rewrites that file without it when the download
// resumes, which clears it); download.ts itself ignores the extra field.
function markPausedByUser(stateFile: string): void {
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(stateFile, JSON.stringify({ ...state, pausedByUser: true }, null, 2));
  } catch {
    // No state yet (paused before the server answered): nothing to resume, nothing to mark.
  }
}

function readFlag(stateFile: string): boolean {
  try {
    return (JSON.parse(readFileSync(stateFile, 'utf8')) as { pausedByUser?: unknown }).pausedByUser === true;
  } catch {
    return false;
  }
}
