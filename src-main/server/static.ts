/**
 * Serving the built renderer: a URL path maps to a file strictly inside the
 * root (no `..`, no dot files, no symlink out), paths that look like routes fall
 * back to index.html. Shared by browser mode and Electron's app:// protocol.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentType(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticResolution =
  { kind: 'file'; file: string; size: number } | { kind: 'forbidden' } | { kind: 'missing' };

/**
 * Resolves a URL pathname (still percent-encoded) to a file under root.
 * Extensionless paths that match no file resolve to index.html (SPA routes).
 */
export async function resolveStaticFile(root: string, pathname: string): Promise<StaticResolution> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { kind: 'forbidden' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'forbidden' };
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s.startsWith('.'))) return { kind: 'forbidden' };
  let realRoot: string;
  try {
    realRoot = await realpath(resolve(root));
  } catch {
    return { kind: 'missing' };
  }
  const candidate = resolve(realRoot, ...segments);
  if (candidate !== realRoot && !candidate.startsWith(realRoot + sep)) return { kind: 'forbidden' };

  const found = await regularFile(candidate, realRoot);
  if (found) return found;
  const last = segments.at(-1) ?? '';
  if (segments.length === 0 || extname(last) === '') {
    const index = await regularFile(resolve(realRoot, 'index.html'), realRoot);
    if (index) return index;
  }
  return { kind: 'missing' };
}

async function regularFile(path: string, realRoot: string, allowDir = true): Promise<StaticResolution | null> {
  try {
    const real = await realpath(path);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return { kind: 'forbidden' };
    const s = await stat(real);
    if (s.isDirectory() && allowDir) return regularFile(resolve(real, 'index.html'), realRoot, false);
    return s.isFile() ? { kind: 'file', file: real, size: s.size } : null;
  } catch {
    return null;
  }
}

/** Cache hashed build assets for good; always revalidate the HTML that names them. */
export function cacheControl(file: string): string {
  return /[\\/]assets[\\/]/.test(file) && extname(file) !== '.html'
    ? 'public, max-age=31536000, immutable'
    : 'no-cache';
}

export async function serveStatic(root: string, pathname: string, req: IncomingMessage, res: ServerResponse) {
  const found = await resolveStaticFile(root, pathname);
  if (found.kind !== 'file') {
    const status = found.kind === 'forbidden' ? 403 : 404;
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(status === 403 ? 'Forbidden' : 'Not found');
    return;
  }
  res.writeHead(200, {
    'Content-Type': contentType(found.file),
    'Content-Length': found.size,
    'Cache-Control': cacheControl(found.file),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(found.file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
