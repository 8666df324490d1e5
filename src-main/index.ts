/**
 * Electron main process: one window over the core. Kept thin; the security
 * decisions live in ./electron/ (pure, unit-tested) and the work in ./core/.
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell, utilityProcess } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkspaceHost } from './core/workspaces/host.ts';
import { setJobWorkerUrl } from './core/jobs/runner.ts';
import { serveAppRequest } from './electron/app-protocol.ts';
import {
  CALL_CHANNEL,
  DROP_GRANT_CHANNEL,
  EVENT_CHANNEL,
  PICK_FILE_CHANNEL,
  PICK_SAVE_CHANNEL,
} from './electron/channels.ts';
import { assertTrustedSender, guardIpc } from './electron/ipc-guard.ts';
import { PathGrants, PathGuard } from './electron/path-grants.ts';
import { saveDialogOptions } from './electron/save-dialog.ts';
import { registeredModelPaths } from './core/llm/models.ts';
import { APP_SCHEME, APP_URL, isAllowedNavigation, windowOpenDecision, type TrustedOrigins } from './electron/trust.ts';
import { utilityProcessSpawner } from './electron/llm-process.ts';
import { createWindowOptions, IMPORT_FILE_FILTERS } from './electron/window.ts';
import { chooseWorkspace, rememberWorkspace, SAMPLE_CUSTOMERS, workspacesDir } from './electron/workspaces.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '../renderer');
const preloadPath = join(here, '../preload/preload.cjs');
const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];
const trusted: TrustedOrigins = { devServerUrl };

// The bundle ships the job worker beside this file (electron.vite.config.ts).
setJobWorkerUrl(new URL('./jobs-worker.js', import.meta.url));

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let service: WorkspaceHost | null = null;
// The files the user picked or dropped, per window: the only paths outside the app's folders the core may touch.
const grants = new PathGrants();
let unsubscribe: (() => void) | null = null;

function currentService(): WorkspaceHost {
  if (!service) throw new Error('no workspace is open');
  return service;
}

async function openWorkspace(): Promise<void> {
  const userData = app.getPath('userData');
  const choice = chooseWorkspace(userData);
  // The host owns the open workspace and switches between those in the workspaces folder (Workspaces view).
  service = new WorkspaceHost({
    folder: workspacesDir(userData),
    initial: choice.path,
    serviceOptions: {
      modelsDir: join(userData, 'models'),
      // The model runs in a utility process from the bundled child entry (see electron/llm-process.ts).
      llm: {
        childEntry: fileURLToPath(new URL('./llm-child.js', import.meta.url)),
        spawnChild: utilityProcessSpawner(utilityProcess.fork),
      },
    },
    onOpened: (path) => rememberWorkspace(userData, path),
  });
  unsubscribe = service.onEvent((event) => {
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event);
    }
  });
  if (choice.isSample) {
    // First launch, or a sample generation that never finished: (re)build the sample shop.
    const stats = (await service.call('stats.get', {})) as { customers: number };
    if (choice.created || stats.customers === 0) {
      await service.call('sample.start', { customers: SAMPLE_CUSTOMERS });
    }
  }
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(createWindowOptions({ preloadPath, devTools: !app.isPackaged }));
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url);
    if (decision.openExternal) void shell.openExternal(url);
    return { action: decision.action };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, trusted)) event.preventDefault();
  });
  win.webContents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url, trusted)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  // Grants end with the page that received them (reload, close).
  const owner = win.webContents.id;
  win.webContents.on('did-navigate', () => grants.clear(owner));
  win.webContents.once('destroyed', () => grants.clear(owner));
  void win.loadURL(devServerUrl ?? APP_URL);
  return win;
}

function registerIpc(): void {
  const userData = app.getPath('userData');
  const modelsDir = join(userData, 'models');
  const paths = new PathGuard({
    grants,
    areas: () => ({ workspaces: service?.folder ?? workspacesDir(userData), models: modelsDir }),
    areaFiles: {
      // The open workspace may lie outside the folder (remembered from earlier); registered models lie anywhere.
      workspaces: () => (service ? [service.service.dbPath] : []),
      models: () => registeredModelPaths(modelsDir),
    },
  });
  ipcMain.handle(CALL_CHANNEL, guardIpc({ service: currentService, trusted, paths }));
  ipcMain.handle(PICK_FILE_CHANNEL, async (event) => {
    assertTrustedSender(event, trusted);
    const owner = BrowserWindow.fromWebContents(event.sender);
    const options = { properties: ['openFile' as const], filters: IMPORT_FILE_FILTERS };
    const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
    const picked = result.canceled ? null : (result.filePaths[0] ?? null);
    if (picked !== null) grants.grant(event.sender.id, picked, 'open');
    return picked;
  });
  ipcMain.handle(PICK_SAVE_CHANNEL, async (event, suggestedName: unknown) => {
    assertTrustedSender(event, trusted);
    const owner = BrowserWindow.fromWebContents(event.sender);
    const options = saveDialogOptions(suggestedName, app.getPath('documents'));
    const result = owner ? await dialog.showSaveDialog(owner, options) : await dialog.showSaveDialog(options);
    const chosen = result.canceled || !result.filePath ? null : result.filePath;
    if (chosen !== null) grants.grant(event.sender.id, chosen, 'save');
    return chosen;
  });
  // Only the preload's pathForFile sends this, with the path Electron found for a real dropped File.
  ipcMain.on(DROP_GRANT_CHANNEL, (event, path: unknown) => {
    try {
      assertTrustedSender(event, trusted);
      if (typeof path !== 'string' || path === '' || path.length > 4096) throw new Error('no path');
      grants.grant(event.sender.id, path, 'open');
      event.returnValue = true;
    } catch {
      event.returnValue = false;
    }
  });
}

function lockDownSessions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0];
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });

  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  void app.whenReady().then(async () => {
    lockDownSessions();
    protocol.handle(APP_SCHEME, (request) => serveAppRequest(request.url, rendererDir));
    registerIpc();
    try {
      await openWorkspace();
    } catch (err) {
      dialog.showErrorBox('Merchant Workbench', `Could not open the workspace: ${(err as Error).message}`);
    }
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Cancel running jobs and close the database before exiting (their transactions roll back).
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed || !service) return;
    event.preventDefault();
    const closing = service;
    service = null;
    unsubscribe?.();
    void closing.close().finally(() => {
      closed = true;
      app.quit();
    });
  });
}
