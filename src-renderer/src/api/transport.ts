/**
 * How the renderer reaches the core: the preload's window.workbench in the
 * desktop app, HTTP + server-sent events in browser mode (the session cookie
 * carries the token). Both speak the one contract.
 */
import { apiErrorCodes } from '../../../src-main/core/api/error-codes.ts';
import type { ApiErrorCode, Input, Method, Output, ServerEvent } from './types.ts';

export class ApiCallError extends Error {
  override name = 'ApiCallError';
  readonly code: ApiErrorCode;
  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface Transport {
  readonly mode: 'electron' | 'browser';
  call<M extends Method>(method: M, input: Input<M>): Promise<Output<M>>;
  onEvent(cb: (event: ServerEvent) => void): () => void;
  /** Desktop: the native file dialog. */
  pickFile?: () => Promise<string | null>;
  /** Desktop: the native save dialog (reports); null when cancelled. */
  pickSaveFile?: (suggestedName: string) => Promise<string | null>;
  /** Desktop: a dropped File's path on disk ('' when it has none); the file is read in place, not uploaded. */
  pathForFile?: (file: File) => string;
  /** Browser mode: hands a dropped or picked file to the server, which returns its path there. */
  upload?: (file: File, onProgress?: (fraction: number) => void) => Promise<string>;
}

/** Whatever a door rejected with, as an ApiCallError. */
export function toApiCallError(err: unknown): ApiCallError {
  if (err instanceof ApiCallError) return err;
  if (err !== null && typeof err === 'object') {
    const o = err as { code?: unknown; message?: unknown; error?: unknown };
    if (o.error && typeof o.error === 'object') return toApiCallError(o.error);
    const code = apiErrorCodes.find((c) => c === o.code) ?? 'failed';
    if (typeof o.message === 'string') return new ApiCallError(code, o.message);
  }
  return new ApiCallError('failed', String(err));
}

function electronTransport(bridge: NonNullable<Window['workbench']>): Transport {
  return {
    mode: 'electron',
    async call(method, input) {
      try {
        return (await bridge.call(method, input)) as Output<typeof method>;
      } catch (err) {
        throw toApiCallError(err);
      }
    },
    onEvent: (cb) => bridge.onEvent(cb),
    pickFile: () => bridge.pickFile(),
    pickSaveFile: (suggestedName) => bridge.pickSaveFile(suggestedName),
    pathForFile: (file) => bridge.pathForFile(file),
  };
}

function browserTransport(): Transport {
  const listeners = new Set<(event: ServerEvent) => void>();
  let source: EventSource | null = null;

  const ensureSource = () => {
    if (source) return;
    source = new EventSource('/api/events');
    source.onmessage = (message: MessageEvent<string>) => {
      let event: ServerEvent;
      try {
        event = JSON.parse(message.data) as ServerEvent;
      } catch {
        return;
      }
      for (const l of listeners) l(event);
    };
  };

  return {
    mode: 'browser',
    async call(method, input) {
      let res: Response;
      try {
        res = await fetch(`/api/call/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch (err) {
        throw new ApiCallError('failed', `the workbench server is not reachable (${String(err)})`);
      }
      const body = (await res.json().catch(() => null)) as unknown;
      if (!res.ok) throw toApiCallError(body ?? { code: 'failed', message: `HTTP ${res.status}` });
      return body as Output<typeof method>;
    },
    onEvent(cb) {
      listeners.add(cb);
      ensureSource();
      return () => {
        listeners.delete(cb);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
    upload(file, onProgress) {
      // XMLHttpRequest, not fetch: it reports upload progress, which a 1 GB export needs.
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', `/api/upload?name=${encodeURIComponent(file.name)}`);
        xhr.setRequestHeader('Content-Type', 'application/octet-stream');
        xhr.responseType = 'json';
        xhr.upload.onprogress = (e) => {
          if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
        };
        xhr.onload = () => {
          const body = xhr.response as { path?: unknown } | null;
          if (xhr.status === 200 && body && typeof body.path === 'string') resolve(body.path);
          else reject(toApiCallError(body ?? { code: 'failed', message: `upload failed (HTTP ${xhr.status})` }));
        };
        xhr.onerror = () => reject(new ApiCallError('failed', 'upload failed: the server is not reachable'));
        xhr.send(file);
      });
    },
  };
}

let transport: Transport | null = null;

export function getTransport(): Transport {
  transport ??= window.workbench ? electronTransport(window.workbench) : browserTransport();
  return transport;
}
