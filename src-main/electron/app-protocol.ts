/**
 * The app:// protocol: serves the built renderer from disk with the same
 * traversal rules and headers as browser mode. Returns a web Response, which
 * is what protocol.handle wants; no Electron import, so it is testable.
 */
import { readFile } from 'node:fs/promises';
import { CONTENT_SECURITY_POLICY } from '../server/security.ts';
import { contentType, resolveStaticFile } from '../server/static.ts';
import { APP_HOST } from './trust.ts';

const BASE_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
};

export async function serveAppRequest(requestUrl: string, rendererDir: string): Promise<Response> {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return new Response('Bad request', { status: 400, headers: BASE_HEADERS });
  }
  if (url.host !== APP_HOST) return new Response('Not found', { status: 404, headers: BASE_HEADERS });
  const found = await resolveStaticFile(rendererDir, url.pathname);
  if (found.kind !== 'file') {
    const status = found.kind === 'forbidden' ? 403 : 404;
    return new Response(status === 403 ? 'Forbidden' : 'Not found', { status, headers: BASE_HEADERS });
  }
  const body = await readFile(found.file);
  return new Response(body, { status: 200, headers: { ...BASE_HEADERS, 'Content-Type': contentType(found.file) } });
}
