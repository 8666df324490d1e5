/**
 * Preload (sandboxed, built as CommonJS): exposes exactly window.workbench and
 * never ipcRenderer itself.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { ServerEvent } from './core/api/contract.ts';
import {
  CALL_CHANNEL,
  DROP_GRANT_CHANNEL,
  EVENT_CHANNEL,
  PICK_FILE_CHANNEL,
  PICK_SAVE_CHANNEL,
  type IpcResult,
} from './electron/channels.ts';

contextBridge.exposeInMainWorld('workbench', {
  async call(method: string, input: unknown): Promise<unknown> {
    const result = (await ipcRenderer.invoke(CALL_CHANNEL, method, input)) as IpcResult;
    if (result.ok) return result.value;
    // A plain {code, message}: copied intact across the bridge, unlike an Error's extra fields.
    throw result.error;
  },
  onEvent(cb: (event: ServerEvent) => void): () => void {
    const listener = (_event: IpcRendererEvent, payload: ServerEvent) => cb(payload);
    ipcRenderer.on(EVENT_CHANNEL, listener);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, listener);
    };
  },
  // The chosen path is granted in the main process; the core accepts no other paths outside the app's folders.
  pickFile(): Promise<string | null> {
    return ipcRenderer.invoke(PICK_FILE_CHANNEL) as Promise<string | null>;
  },
  /** Where to write a file (reports): the user's choice in the save dialog; null when cancelled. */
  pickSaveFile(suggestedName: string): Promise<string | null> {
    return ipcRenderer.invoke(PICK_SAVE_CHANNEL, suggestedName) as Promise<string | null>;
  },
  // A dropped file's path on disk (File.path is gone under contextIsolation); '' when it has none.
  // Only Files the user dropped or picked carry a path: a File built by page script never does, so
  // telling main here (synchronously, before the renderer can use the path) grants only real drops.
  pathForFile(file: File): string {
    const path = webUtils.getPathForFile(file);
    if (path === '') return '';
    return ipcRenderer.sendSync(DROP_GRANT_CHANNEL, path) === true ? path : '';
  },
});
