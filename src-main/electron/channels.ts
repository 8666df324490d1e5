/** IPC channel names shared by the main process and the preload. */
import type { ApiErrorCode } from '../core/api/error-codes.ts';

export const CALL_CHANNEL = 'workbench:call';
export const EVENT_CHANNEL = 'workbench:event';
export const PICK_FILE_CHANNEL = 'workbench:pick-file';
export const PICK_SAVE_CHANNEL = 'workbench:pick-save';
/** Sent (synchronously) only by the preload's pathForFile: a real dropped File's path becomes a grant. */
export const DROP_GRANT_CHANNEL = 'workbench:drop-grant';

/** What the main process answers on CALL_CHANNEL; the preload turns an error into a rejection. */
export type IpcResult = { ok: true; value: unknown } | { ok: false; error: { code: ApiErrorCode; message: string } };
