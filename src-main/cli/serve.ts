/**
 * `workbench serve`: browser mode. One WorkbenchService over the workspace,
 * the loopback server in front of it, the built renderer as its pages. Runs
 * until SIGINT/SIGTERM, then cancels running jobs and closes the database.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChatHostOptions } from '../core/chat/host.ts';
import { WorkspaceHost } from '../core/workspaces/host.ts';
import { UserError } from '../core/jobs/context.ts';
import { startServer } from '../server/server.ts';
import { browserPathCheck } from '../server/paths.ts';
import { DEFAULT_UPLOAD_DIR } from '../server/upload.ts';
import { registeredModelPaths } from '../core/llm/models.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface ServeOptions {
  db: string;
  port?: number;
  /** Open the URL in the default browser. */
  open?: boolean;
  /** The built renderer; defaults to out/renderer in the repository. */
  staticDir?: string;
  modelsDir?: string;
  llm?: ChatHostOptions;
}

export function defaultStaticDir(): string {
  return join(repoRoot, 'out', 'renderer');
}

function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => console.error(`Could not open a browser; open the address above yourself.`));
    child.unref();
  } catch {
    console.error(`Could not open a browser; open the address above yourself.`);
  }
}

export async function serveCommand(opts: ServeOptions): Promise<void> {
  const staticDir = resolve(opts.staticDir ?? defaultStaticDir());
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new UserError(
      `browser mode needs the built renderer, and ${join(staticDir, 'index.html')} is missing: run \`npm run build:renderer\` first`,
    );
  }
  const dbPath = resolve(opts.db);
  const isNew = !existsSync(dbPath);
  // The workspace's folder is where the Workspaces view lists, opens and creates others.
  const service = new WorkspaceHost({
    folder: dirname(dbPath),
    initial: dbPath,
    serviceOptions: {
      ...(opts.modelsDir ? { modelsDir: resolve(opts.modelsDir) } : {}),
      ...(opts.llm ? { llm: opts.llm } : {}),
    },
  });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    // The page may name files only in the app's folders and its uploads (server/paths.ts).
    const checkPaths = browserPathCheck({
      workspaces: () => service.folder,
      models: () => service.service.modelsDir,
      uploads: DEFAULT_UPLOAD_DIR,
      openWorkspace: () => service.service.dbPath,
      registeredModels: () => registeredModelPaths(service.service.modelsDir),
    });
    server = await startServer({ service, port: opts.port ?? 0, staticDir, uploadDir: DEFAULT_UPLOAD_DIR, checkPaths });
  } catch (err) {
    await service.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new UserError(`port ${opts.port} is in use; pick another with --port or omit it`);
    throw err;
  }

  if (isNew) console.log(`Created a new workspace at ${dbPath}`);
  console.log(`Merchant Workbench is serving ${dbPath}`);
  console.log(`Open this address (it carries this session's access token; do not share it):\n\n  ${server.url}\n`);
  console.log('Press Ctrl-C to stop.');
  if (opts.open) openInBrowser(server.url);

  await new Promise<void>((done) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second Ctrl-C: the user wants out now.
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopping = true;
      console.log('\nStopping: cancelling running jobs and closing the workspace…');
      void (async () => {
        try {
          await server.close();
        } finally {
          await service.close();
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          done();
        }
      })();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
