/**
 * Which URLs are our app: the built renderer on app://workbench, or in
 * development the electron-vite dev server. Everything else is foreign: it may
 * not call the API, the window may not navigate to it, and only allowlisted
 * https links open in the user's browser.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'workbench';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Sites the app may open in the user's browser (help, releases). https only, exact host match. */
export const EXTERNAL_URL_ALLOWLIST: readonly string[] = ['github.com'];

export interface TrustedOrigins {
  /** The dev server (ELECTRON_RENDERER_URL) during `electron-vite dev`; absent in production. */
  devServerUrl?: string | undefined;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

export function isAppUrl(url: string, trusted: TrustedOrigins = {}): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === `${APP_SCHEME}:`) return u.host === APP_HOST && u.username === '' && u.password === '';
  if (trusted.devServerUrl) {
    const dev = parse(trusted.devServerUrl);
    return dev !== null && (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === dev.origin;
  }
  return false;
}

/** In-window navigation: only within the app (reloads, in-app links); never to another site. */
export function isAllowedNavigation(url: string, trusted: TrustedOrigins = {}): boolean {
  return isAppUrl(url, trusted);
}

export function isAllowedExternalUrl(url: string, allowlist: readonly string[] = EXTERNAL_URL_ALLOWLIST): boolean {
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || u.username !== '' || u.password !== '' || u.port !== '') return false;
  return allowlist.includes(u.hostname.toLowerCase());
}

/** window.open / target=_blank: never a new Electron window; maybe the user's browser. */
export function windowOpenDecision(
  url: string,
  allowlist: readonly string[] = EXTERNAL_URL_ALLOWLIST,
): { action: 'deny'; openExternal: boolean } {
  return { action: 'deny', openExternal: isAllowedExternalUrl(url, allowlist) };
}
