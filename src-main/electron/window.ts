/**
 * BrowserWindow options, kept as a pure function so the security settings are
 * unit-tested without Electron. The shape matches BrowserWindowConstructorOptions.
 */
export interface WindowOptionsInput {
  /** Absolute path of the built preload (out/preload/preload.cjs). */
  preloadPath: string;
  /** DevTools only in development. */
  devTools?: boolean;
}

export interface WindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  show: boolean;
  title: string;
  backgroundColor: string;
  autoHideMenuBar: boolean;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    nodeIntegrationInWorker: false;
    nodeIntegrationInSubFrames: false;
    webSecurity: true;
    allowRunningInsecureContent: false;
    webviewTag: false;
    experimentalFeatures: false;
    navigateOnDragDrop: false;
    safeDialogs: true;
    spellcheck: false;
    devTools: boolean;
  };
}

export function createWindowOptions(input: WindowOptionsInput): WindowOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    // Shown on ready-to-show: no white flash.
    show: false,
    title: 'Merchant Workbench',
    backgroundColor: '#f5f6f8',
    autoHideMenuBar: true,
    webPreferences: {
      preload: input.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: input.devTools ?? false,
    },
  };
}

/** File types the import picker offers; "All files" last so odd extensions still work. */
export const IMPORT_FILE_FILTERS = [
  { name: 'Shop exports', extensions: ['csv', 'tsv', 'txt', 'xlsx', 'json', 'ndjson', 'jsonl'] },
  { name: 'All files', extensions: ['*'] },
];
