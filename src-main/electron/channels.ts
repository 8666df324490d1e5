/** IPC channel names shared by the main process and the preload. */
import type { ApiErrorCode } from '../core/api/error-codes.ts';

export const CALL_CHANNEL = 'workbench:call';
export const EVENT_CHANNEL = 'workbench:event';
export const PICK_FILE_CHANNEL = 'workbench:pick-file';

/** What the main process answers on CALL_CHANNEL; the preload turns an error into a rejection. */
export type IpcResult = { ok: true; value: unknown } | { ok: false; error: { code: ApiErrorCode; message: string } };
