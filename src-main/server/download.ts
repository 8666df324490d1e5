/**
 * GET /api/report/:jobId — the file a finished report or segment-export job wrote. The path
 * comes from the job's own result, never from the request, so a caller can
 * fetch only what the core produced for it.
 */
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JobState } from '../core/api/contract.ts';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
};

/** Jobs whose result is a file the browser may download. */
const FILE_JOBS = new Set(['report', 'segment-export']);

export class DownloadError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Streams a completed report job's file as an attachment; throws DownloadError otherwise. */
export function sendReportFile(job: JobState, req: IncomingMessage, res: ServerResponse): void {
  if (!FILE_JOBS.has(job.kind)) throw new DownloadError(404, `job ${job.id} did not write a file`);
  if (job.status !== 'completed') throw new DownloadError(409, `report job ${job.id} is ${job.status}`);
  const result = job.result as { path?: unknown; format?: unknown } | undefined;
  const path = typeof result?.path === 'string' ? result.path : null;
  const format = typeof result?.format === 'string' ? result.format : '';
  let size: number;
  try {
    if (path === null) throw new Error('no path');
    size = statSync(path).size;
  } catch {
    throw new DownloadError(410, `the file of report job ${job.id} is gone`);
  }
  const name = basename(path!);
  res.writeHead(200, {
    'Content-Type': TYPES[format] ?? 'application/octet-stream',
    'Content-Length': size,
    // ASCII fallback plus the UTF-8 name (RFC 6266), so a Chinese file name survives.
    'Content-Disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    'Cache-Control': 'no-store',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(path!).pipe(res);
}
