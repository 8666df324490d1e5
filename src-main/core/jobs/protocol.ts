/** Messages between the job runner and its worker threads. */
export interface WorkerStart {
  kind: string;
  params: unknown;
  dbPath: string;
  /** One Int32: 1 once the job is cancelled. Shared so a busy worker sees it without an event loop turn. */
  cancelFlag: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: 'progress'; done: number; total: number | null; message: string | null }
  | { type: 'done'; result: unknown }
  | { type: 'error'; cancelled: boolean; user: boolean; message: string; stack: string | null };
