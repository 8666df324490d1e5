/**
 * Browser mode: the same renderer the desktop app shows, served over loopback
 * HTTP with the API behind it. node:http only. Every request must carry the
 * per-launch token and be addressed to 127.0.0.1/localhost on our port.
 *
 *   POST /api/call/:method    JSON in, JSON out (contract validation in the service)
 *   GET  /api/events          server-sent events: job progress
 *   POST /api/upload?name=F   raw body to a temp file → {path}
 *   GET  /api/report/:jobId   the file a finished report job wrote (attachment)
 *   GET  /*                   the built renderer (SPA fallback to index.html)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobState, ServerEvent } from '../core/api/contract.ts';
import { DownloadError, sendReportFile } from './download.ts';
import { toApiErrorBody, type ApiErrorCode } from './errors.ts';
import { isAllowedHost, isAllowedOrigin, newToken, setSecurityHeaders, tokenCookie, tokenSource } from './security.ts';
import { serveStatic } from './static.ts';
import { DEFAULT_UPLOAD_DIR, receiveUpload, sweepUploads, UploadTooLargeError } from './upload.ts';

/** What the server needs from the core: WorkbenchService satisfies it. */
export interface ServiceLike {
  call(method: string, rawInput: unknown): Promise<unknown>;
  onEvent(listener: (event: ServerEvent) => void): () => void;
}

export interface ServerOptions {
  service: ServiceLike;
  /** 0 or absent: a free port chosen by the OS. */
  port?: number;
  /** The built renderer (out/renderer). */
  staticDir: string;
  /** Where uploads go; defaults to os.tmpdir()/merchant-workbench-uploads. */
  uploadDir?: string;
  /** Byte limits: JSON bodies (1 MB) and uploads (2 GB). */
  limits?: { body?: number; upload?: number };
  /** Milliseconds between SSE heartbeat comments (15 s). */
  heartbeatMs?: number;
  /** Refuses file paths the page may not name (throws an error with code 'rejected'); see server/paths.ts. */
  checkPaths?: (method: string, input: unknown) => void;
}

export interface RunningServer {
  /** http://127.0.0.1:PORT/?token=TOKEN: the one address to open. */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

type ApiCode = ApiErrorCode;
const STATUS: Record<ApiCode, number> = {
  invalid_input: 400,
  not_found: 404,
  rejected: 422,
  unauthorized: 401,
  failed: 500,
};

class HttpError extends Error {
  readonly status: number;
  readonly code: ApiCode;
  constructor(status: number, code: ApiCode, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown, extra: Record<string, string> = {}): void {
  const body = toApiErrorBody(err);
  let status = STATUS[body.code];
  if (err instanceof HttpError) {
    status = err.status;
    body.code = err.code;
  } else if (err instanceof UploadTooLargeError) {
    status = 413;
    body.code = 'invalid_input';
  }
  sendJson(res, status, { error: body }, extra);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'invalid_input', 'Content-Type must be application/json');
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    throw new HttpError(413, 'invalid_input', `request body exceeds ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'invalid_input', `request body exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_input', 'request body is not valid JSON');
  }
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const token = newToken();
  const bodyLimit = opts.limits?.body ?? 1024 * 1024;
  const uploadLimit = opts.limits?.upload ?? 2 * 1024 ** 3;
  const uploadDir = opts.uploadDir ?? DEFAULT_UPLOAD_DIR;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const streams = new Set<ServerResponse>();
  let port = 0;

  void sweepUploads(uploadDir);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    if (!isAllowedHost(req.headers.host, port)) return sendText(res, 403, 'Forbidden: unexpected Host');
    if (!isAllowedOrigin(req.headers.origin, port)) return sendText(res, 403, 'Forbidden: unexpected Origin');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const source = tokenSource(req, url, token, port);
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    if (source === null) {
      if (isApi) return sendJson(res, 401, { error: { code: 'unauthorized', message: 'missing or wrong token' } });
      return sendText(res, 401, 'Unauthorized: open the address printed by `workbench serve` (it carries the token).');
    }

    if (!isApi) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed');
      if (source === 'query') {
        // First page load: remember the token in a cookie, then drop it from the address bar.
        url.searchParams.delete('token');
        res.writeHead(303, {
          'Set-Cookie': tokenCookie(port, token),
          // Never protocol-relative ("//host"): the redirect stays on this server.
          Location: `/${url.pathname.replace(/^\/+/, '')}${url.search}`,
          'Cache-Control': 'no-store',
        });
        res.end();
        return;
      }
      return serveStatic(opts.staticDir, url.pathname, req, res);
    }

    const call = /^\/api\/call\/([^/]+)$/.exec(url.pathname);
    if (call) {
      if (req.method !== 'POST') return sendError(res, new HttpError(405, 'invalid_input', 'use POST'));
      let method: string;
      try {
        method = decodeURIComponent(call[1] ?? '');
      } catch {
        return sendError(res, new HttpError(400, 'invalid_input', 'bad method name'));
      }
      try {
        const input = await readJsonBody(req, bodyLimit);
        opts.checkPaths?.(method, input);
        const output = await opts.service.call(method, input);
        return sendJson(res, 200, output ?? null);
      } catch (err) {
        const tooBig = err instanceof HttpError && err.status === 413;
        return sendError(res, err, tooBig ? { Connection: 'close' } : {});
      }
    }
    if (url.pathname === '/api/events') {
      if (req.method !== 'GET') return sendError(res, new HttpError(405, 'invalid_input', 'use GET'));
      return openEventStream(req, res);
    }
    if (url.pathname === '/api/upload') {
      if (req.method !== 'POST') return sendError(res, new HttpError(405, 'invalid_input', 'use POST'));
      try {
        const path = await receiveUpload(req, url.searchParams.get('name'), uploadDir, uploadLimit);
        return sendJson(res, 200, { path });
      } catch (err) {
        return sendError(res, err, err instanceof UploadTooLargeError ? { Connection: 'close' } : {});
      }
    }
    const report = /^\/api\/report\/([^/]+)$/.exec(url.pathname);
    if (report) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendError(res, new HttpError(405, 'invalid_input', 'use GET'));
      try {
        const job = (await opts.service.call('jobs.get', { jobId: decodeURIComponent(report[1] ?? '') })) as JobState;
        return sendReportFile(job, req, res);
      } catch (err) {
        if (err instanceof DownloadError)
          return sendError(res, new HttpError(err.status, err.status === 404 ? 'not_found' : 'rejected', err.message));
        return sendError(res, err);
      }
    }
    return sendError(res, new HttpError(404, 'not_found', `no route ${url.pathname}`));
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n: connected\n\n');
    streams.add(res);
    const unsubscribe = opts.service.onEvent((event) => {
      if (!res.writableEnded) res.write(`data: ${JSON.stringify(event)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
    heartbeat.unref();
    const cleanup = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', cleanup);
    res.on('close', cleanup);
  }

  const server = createServer({ requestTimeout: 60 * 60_000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, err));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams) res.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
