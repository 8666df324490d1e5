/**
 * Preload (sandboxed, built as CommonJS): exposes exactly window.workbench and
 * never ipcRenderer itself.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { ServerEvent } from './core/api/contract.ts';
import { CALL_CHANNEL, EVENT_CHANNEL, PICK_FILE_CHANNEL, type IpcResult } from './electron/channels.ts';

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
  pickFile(): Promise<string | null> {
    return ipcRenderer.invoke(PICK_FILE_CHANNEL) as Promise<string | null>;
  },
  // A dropped file's path on disk (File.path is gone under contextIsolation); '' when it has none.
  // Only Files the user dropped or picked carry a path: a File built by page script never does.
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file);
  },
});
