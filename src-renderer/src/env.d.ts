import type { ServerEvent } from './api/types.ts';

/** What the Electron preload exposes; absent in browser mode. */
export interface WorkbenchBridge {
  call(method: string, input: unknown): Promise<unknown>;
  onEvent(cb: (event: ServerEvent) => void): () => void;
  pickFile(): Promise<string | null>;
}

declare global {
  interface Window {
    workbench?: WorkbenchBridge;
  }
}
