/**
 * The open workspace behind a door, and switching between workspaces. The desktop app and browser mode
 * hold one of these instead of a bare WorkbenchService: it answers the workspaces.* methods itself (list the
 * workspace folder, open one, create one, optionally with the sample shop) and passes every other call to
 * the open workspace's service. Listeners survive a switch, and a 'workspace' event tells the renderer to
 * reload its views.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { api, type ServerEvent } from '../api/contract.ts';
import { ApiError, WorkbenchService, type ServiceOptions } from '../api/service.ts';

export const WORKSPACE_EXTENSION = '.db';
/** Customers in a sample shop created from the Workspaces view (the first-launch one is the app's choice). */
export const SAMPLE_SHOP_CUSTOMERS = 20_000;

export interface WorkspaceHostOptions {
  /** Where workspaces are listed and created. */
  folder: string;
  /** The workspace to open first. */
  initial: string;
  serviceOptions?: ServiceOptions;
  /** Called after each open (the desktop app remembers the last workspace). */
  onOpened?: (path: string) => void;
}

type Listener = (event: ServerEvent) => void;

const nameOf = (path: string) => basename(path, WORKSPACE_EXTENSION);

export class WorkspaceHost {
  readonly folder: string;
  private current: WorkbenchService;
  private readonly listeners = new Set<Listener>();
  private offCurrent: () => void;
  private readonly options: WorkspaceHostOptions;
  /** Switches queue behind each other; calls made during one wait for it. */
  private switching: Promise<void> = Promise.resolve();

  constructor(options: WorkspaceHostOptions) {
    this.options = options;
    this.folder = resolve(options.folder);
    mkdirSync(this.folder, { recursive: true });
    this.current = new WorkbenchService(resolve(options.initial), options.serviceOptions);
    this.offCurrent = this.forward(this.current);
    options.onOpened?.(this.current.dbPath);
  }

  get service(): WorkbenchService {
    return this.current;
  }

  async call(method: string, rawInput: unknown): Promise<unknown> {
    await this.switching;
    if (method === 'workspaces.list' || method === 'workspaces.open' || method === 'workspaces.create') {
      const parsed = api[method].input.safeParse(rawInput ?? {});
      if (!parsed.success) throw new ApiError('invalid_input', z.prettifyError(parsed.error));
      if (method === 'workspaces.list') return this.list();
      if (method === 'workspaces.open') return this.open((parsed.data as { path: string }).path);
      const { name, sample } = parsed.data as { name: string; sample: boolean };
      return this.create(name, sample);
    }
    return this.current.call(method, rawInput);
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.switching;
    this.offCurrent();
    await this.current.close();
  }

  list() {
    const files = readdirSync(this.folder)
      .filter((f) => f.endsWith(WORKSPACE_EXTENSION))
      .map((f) => join(this.folder, f));
    const paths = files.includes(this.current.dbPath) ? files : [this.current.dbPath, ...files];
    return {
      folder: this.folder,
      current: this.current.dbPath,
      workspaces: paths
        .map((path) => {
          const st = existsSync(path) ? statSync(path) : null;
          return {
            path,
            name: nameOf(path),
            sizeBytes: st?.size ?? 0,
            modifiedAt: st ? Math.floor(st.mtimeMs / 1000) : null,
            current: path === this.current.dbPath,
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  /** Opens a workspace of the folder (or the current one's): other paths are refused, the browser cannot roam. */
  async open(path: string) {
    const target = resolve(path);
    if (dirname(target) !== this.folder && target !== this.current.dbPath) {
      throw new ApiError('rejected', `workspaces open from ${this.folder} only`);
    }
    if (!existsSync(target)) throw new ApiError('not_found', `no workspace ${nameOf(target)}`);
    await this.switchTo(target);
    return this.list();
  }

  async create(name: string, sample: boolean) {
    const clean = name.trim();
    // A file name that works on every OS: letters (any script), digits, spaces, dot, dash, underscore.
    if (!/^[\p{L}\p{N} ._-]{1,80}$/u.test(clean) || clean.startsWith('.')) {
      throw new ApiError(
        'invalid_input',
        'a workspace name is 1–80 letters, digits, spaces, dots, dashes or underscores',
      );
    }
    const target = join(this.folder, `${clean}${WORKSPACE_EXTENSION}`);
    if (existsSync(target)) throw new ApiError('rejected', `a workspace named "${clean}" already exists`);
    await this.switchTo(target);
    const jobId = sample
      ? ((await this.current.call('sample.start', { customers: SAMPLE_SHOP_CUSTOMERS })) as { jobId: string }).jobId
      : null;
    return { ...this.list(), jobId };
  }

  private switchTo(path: string): Promise<void> {
    const next = this.switching.then(async () => {
      if (path === this.current.dbPath) return;
      // Open the new one first: a file that cannot be opened leaves the current workspace in place.
      const opened = new WorkbenchService(path, this.options.serviceOptions);
      this.offCurrent();
      const old = this.current;
      this.current = opened;
      this.offCurrent = this.forward(opened);
      // Running jobs of the old workspace are cancelled (their transactions roll back), its model process ends.
      await old.close();
      this.options.onOpened?.(path);
      this.emit({ type: 'workspace', path });
    });
    this.switching = next.catch(() => undefined);
    return next;
  }

  private forward(service: WorkbenchService): () => void {
    return service.onEvent((event) => this.emit(event));
  }

  private emit(event: ServerEvent): void {
    for (const l of this.listeners) l(event);
  }
}
