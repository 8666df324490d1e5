import type { ServerEvent } from './api/types.ts';

/** What the Electron preload exposes; absent in browser mode. */
export interface WorkbenchBridge {
  call(method: string, input: unknown): Promise<unknown>;
  onEvent(cb: (event: ServerEvent) => void): () => void;
  pickFile(): Promise<string | null>;
  /** Where to write a file (reports): the user's choice in the save dialog, granted for this window; null when cancelled. */
  pickSaveFile(suggestedName: string): Promise<string | null>;
  /** A dropped or picked File's path on disk (Electron's webUtils.getPathForFile); '' when it has none. */
  pathForFile(file: File): string;
}

declare global {
  interface Window {
    workbench?: WorkbenchBridge;
  }
}
