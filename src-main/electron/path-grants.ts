/**
 * File paths from the renderer reach the core only when the user chose them.
 * The main process records each path the user picked in one of its dialogs or
 * dropped on the window (a grant, per window, gone with the window's page);
 * paths inside the app's own folders need none. Everything else is refused
 * before the core sees it, so a compromised renderer cannot make the app read
 * or overwrite arbitrary files. Pure Node (no Electron): the main process feeds
 * it the dialogs' results and the preload's drop notices.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';
import { pathRulesFor, valuesAt, type AppArea, type PathFieldRule } from './path-fields.ts';

/** open: read the file (open dialog, drop); save: create or overwrite it (save dialog). */
export type GrantKind = 'open' | 'save';

/** Shaped like the core's ApiError so every door reports it as {code: 'rejected', message}. */
export class PathNotAllowedError extends Error {
  override name = 'PathNotAllowedError';
  readonly code = 'rejected';
}

export interface CanonicalOptions {
  /** Case-insensitive file systems (Windows, macOS by default) compare folded paths. */
  platform?: NodeJS.Platform;
}

function realpathOrNull(path: string): string | null {
  try {
    return realpathSync.native(path);
  } catch {
    return null;
  }
}

/**
 * One spelling per file: absolute, `..` collapsed, symlinks resolved (for a
 * file that does not exist yet, through its nearest existing folder), and
 * case-folded where the file system ignores case. Throws for paths that are
 * not plain absolute file paths.
 */
export function canonicalPath(raw: string, options: CanonicalOptions = {}): string {
  const platform = options.platform ?? process.platform;
  if (raw.includes('\0')) throw new PathNotAllowedError('a file path may not contain a NUL character');
  if (!isAbsolute(raw)) throw new PathNotAllowedError(`not an absolute file path: ${raw}`);
  if (platform === 'win32') {
    // Device namespaces and alternate data streams name things other than the plain file the user saw.
    if (/^[\\/]{2}[?.][\\/]/.test(raw)) throw new PathNotAllowedError(`device paths are not accepted: ${raw}`);
    if (raw.indexOf(':', 2) !== -1) throw new PathNotAllowedError(`not a plain file path: ${raw}`);
  }
  let existing = resolve(raw);
  const missing: string[] = [];
  let real = realpathOrNull(existing);
  while (real === null) {
    // There but unresolvable: a dangling link, which a write would follow to wherever it points.
    if (lstatSync(existing, { throwIfNoEntry: false }) !== undefined) {
      throw new PathNotAllowedError(`${existing} is a broken link or cannot be resolved`);
    }
    const parent = dirname(existing);
    if (parent === existing) break;
    missing.unshift(basename(existing));
    existing = parent;
    real = realpathOrNull(existing);
  }
  const full = missing.length === 0 ? (real ?? existing) : join(real ?? existing, ...missing);
  return platform === 'win32' || platform === 'darwin' ? full.toLowerCase() : full;
}

/** Whether canonical `path` lies strictly inside canonical folder `root`. */
export function isInside(path: string, root: string): boolean {
  const prefix = root.endsWith(sep) ? root : root + sep;
  return path.startsWith(prefix) && path.length > prefix.length;
}

/** Bounded per window: a renderer cannot grow it, only the user's picks and drops can. */
const MAX_GRANTS_PER_OWNER = 512;

/** The paths each window's user chose, by webContents id. */
export class PathGrants {
  private readonly byOwner = new Map<number, Map<string, Set<GrantKind>>>();
  private readonly options: CanonicalOptions;

  constructor(options: CanonicalOptions = {}) {
    this.options = options;
  }

  /** Records a path the user chose; returns its canonical form. */
  grant(owner: number, path: string, kind: GrantKind): string {
    const key = canonicalPath(path, this.options);
    let grants = this.byOwner.get(owner);
    if (!grants) {
      grants = new Map();
      this.byOwner.set(owner, grants);
    }
    const kinds = grants.get(key) ?? new Set<GrantKind>();
    kinds.add(kind);
    // Re-inserted at the end: the oldest choices are forgotten first.
    grants.delete(key);
    grants.set(key, kinds);
    while (grants.size > MAX_GRANTS_PER_OWNER) {
      const oldest = grants.keys().next().value;
      if (oldest === undefined) break;
      grants.delete(oldest);
    }
    return key;
  }

  has(owner: number, canonical: string, kind: GrantKind): boolean {
    return this.byOwner.get(owner)?.get(canonical)?.has(kind) ?? false;
  }

  /** The window closed or loaded a new page: its choices end with it. */
  clear(owner: number): void {
    this.byOwner.delete(owner);
  }

  count(owner: number): number {
    return this.byOwner.get(owner)?.size ?? 0;
  }
}

export interface PathGuardOptions {
  grants: PathGrants;
  /** The app's folders, read at each check (the workspace folder can change). */
  areas: () => Partial<Record<AppArea, string>>;
  /** Files that belong to an area though they lie elsewhere: registered models, the open workspace. */
  areaFiles?: Partial<Record<AppArea, () => Iterable<string>>>;
  /**
   * Extensions an area's read fields accept from anywhere. Browser mode, which has no file dialog, lets the
   * model manager name a .gguf kept elsewhere (the core only reads a GGUF header from it).
   */
  anywhere?: Partial<Record<AppArea, readonly string[]>>;
  /** How the user gets a refused path accepted; the desktop's dialogs and drops by default. */
  hint?: { read: string; write: string };
  platform?: NodeJS.Platform;
}

const describeArea: Record<AppArea, string> = {
  workspaces: 'workspaces folder',
  models: 'models folder',
  uploads: 'uploads',
};

const DESKTOP_HINT = {
  read: 'choose it with the file dialog or drop it on the window',
  write: 'choose where to save it in the save dialog',
};

/** Checks a call's path fields against the grants and the app's folders. */
export class PathGuard {
  private readonly options: PathGuardOptions;

  constructor(options: PathGuardOptions) {
    this.options = options;
  }

  /** Throws PathNotAllowedError for the first path the call may not use; returns quietly otherwise. */
  check(owner: number, method: string, input: unknown): void {
    this.checkRules(owner, method, pathRulesFor(method), input);
  }

  /** The same check under explicit rules (a method the contract does not have yet, in tests). */
  checkRules(owner: number, method: string, rules: readonly PathFieldRule[], input: unknown): void {
    for (const rule of rules) {
      for (const raw of valuesAt(input, rule.field)) this.checkOne(owner, method, rule, raw);
    }
  }

  private checkOne(owner: number, method: string, rule: PathFieldRule, raw: string): void {
    const canon = { platform: this.options.platform ?? process.platform };
    let path: string;
    try {
      path = canonicalPath(raw, canon);
    } catch (err) {
      throw new PathNotAllowedError(`${method}: ${(err as Error).message}`);
    }
    const kind: GrantKind = rule.access === 'read' ? 'open' : 'save';
    if (this.options.grants.has(owner, path, kind)) return;
    if (this.inArea(path, rule, canon)) return;
    const where = rule.areas.map((a) => `the app's ${describeArea[a]}`).join(' or ');
    const why =
      [
        ...(where ? [`it is not in ${where}`] : []),
        ...(this.options.hint ? [] : ['you did not choose it in this window']),
      ].join(' and ') || 'not allowed here';
    const how = (this.options.hint ?? DESKTOP_HINT)[rule.access];
    throw new PathNotAllowedError(`${method}: refused ${raw}: ${why}; ${how}`);
  }

  private inArea(path: string, rule: PathFieldRule, canon: CanonicalOptions): boolean {
    const ext = extname(path).slice(1).toLowerCase();
    if (rule.access === 'write' && !rule.extensions?.includes(ext)) return false;
    const folders = this.options.areas();
    for (const area of rule.areas) {
      if (rule.access === 'read' && this.options.anywhere?.[area]?.includes(ext)) return true;
      const folder = folders[area];
      if (folder !== undefined && isInside(path, canonicalPath(folder, canon))) return true;
      // Area files (a registered model elsewhere) are only ever read, never written.
      const files = rule.access === 'read' ? this.options.areaFiles?.[area] : undefined;
      if (files) {
        for (const f of files()) {
          try {
            if (canonicalPath(f, canon) === path) return true;
          } catch {
            // A damaged registry entry: not a match.
          }
        }
      }
    }
    return false;
  }
}
