/**
 * Which file paths a browser-mode page may name. The page has no file dialog:
 * files arrive as uploads (server/upload.ts), reports leave as downloads
 * (server/download.ts), and workspaces live in one folder. So a path is
 * accepted only inside the workspace folder, the upload folder or the models
 * folder (plus registered models, and a .gguf anywhere for the model manager's
 * "add by path", of which the core reads only the GGUF header). Anything else,
 * an import of ~/.ssh/id_rsa or a report written over ~/.bashrc, is refused
 * before the core sees it. Same rules as the desktop (electron/path-grants.ts),
 * without grants.
 */
import { PathGrants, PathGuard } from '../electron/path-grants.ts';

export interface BrowserPathOptions {
  /** Read at each call: the workspace folder, models folder and open workspace can change. */
  workspaces: () => string;
  models: () => string;
  uploads: string;
  openWorkspace?: () => string;
  registeredModels?: () => Iterable<string>;
  platform?: NodeJS.Platform;
}

export function browserPathCheck(opts: BrowserPathOptions): (method: string, input: unknown) => void {
  const guard = new PathGuard({
    // Browser mode grants nothing: there is no dialog whose choice could be trusted.
    grants: new PathGrants(),
    areas: () => ({ workspaces: opts.workspaces(), models: opts.models(), uploads: opts.uploads }),
    areaFiles: {
      ...(opts.openWorkspace ? { workspaces: () => [opts.openWorkspace?.() ?? ''] } : {}),
      ...(opts.registeredModels ? { models: opts.registeredModels } : {}),
    },
    anywhere: { models: ['gguf'] },
    hint: {
      read: 'in browser mode, upload the file instead (drop it on the Import view)',
      write: 'in browser mode, reports are downloaded from the Reports view; leave out the output path',
    },
    ...(opts.platform ? { platform: opts.platform } : {}),
  });
  return (method, input) => guard.check(0, method, input);
}
