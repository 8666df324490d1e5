/**
 * The IPC door: a call is served only when it comes from our app's own top
 * frame, and the payload goes through service.call, which validates it against
 * the contract. Pure: takes event objects shaped like Electron's.
 */
import type { ServerEvent } from '../core/api/contract.ts';
import { toApiErrorBody } from '../server/errors.ts';
import type { IpcResult } from './channels.ts';
import { isAppUrl, type TrustedOrigins } from './trust.ts';

export interface ServiceLike {
  call(method: string, rawInput: unknown): Promise<unknown>;
  onEvent(listener: (event: ServerEvent) => void): () => void;
}

/** The part of IpcMainInvokeEvent the guard reads. */
export interface IpcEventLike {
  senderFrame: { url: string; parent?: unknown } | null;
  /** The window's webContents: whose path grants apply. */
  sender?: { id: number };
}

/** Refuses file paths the user did not choose (see path-grants.ts). */
export interface PathCheck {
  check(owner: number, method: string, input: unknown): void;
}

export class UntrustedSenderError extends Error {
  override name = 'UntrustedSenderError';
}

/** Throws unless the event comes from a live top-level frame showing our app. */
export function assertTrustedSender(event: IpcEventLike, trusted: TrustedOrigins): void {
  const frame = event.senderFrame;
  if (!frame) throw new UntrustedSenderError('IPC from a frame that is gone');
  if (frame.parent !== null && frame.parent !== undefined) throw new UntrustedSenderError('IPC from a subframe');
  if (!isAppUrl(frame.url, trusted)) throw new UntrustedSenderError(`IPC from untrusted origin: ${frame.url}`);
}

export interface GuardOptions {
  /** A getter, so the main process can switch workspaces under a registered handler. */
  service: () => ServiceLike;
  trusted: TrustedOrigins;
  /** Required, so that no door forgets it; null only in tests of the envelope alone, where paths pass unchecked. */
  paths: PathCheck | null;
}

/**
 * The handler for ipcMain.handle(CALL_CHANNEL, ...). An untrusted sender gets a
 * rejection (no envelope, no hint); a trusted one gets {ok, value} or {ok:false,
 * error:{code, message}} so codes survive the IPC boundary.
 */
export function guardIpc(opts: GuardOptions) {
  return async (event: IpcEventLike, method: unknown, input: unknown): Promise<IpcResult> => {
    assertTrustedSender(event, opts.trusted);
    if (typeof method !== 'string' || method.length > 100) {
      return { ok: false, error: { code: 'invalid_input', message: 'method must be a string' } };
    }
    try {
      // Before the core sees the call: a path nobody chose never reaches a file system call.
      opts.paths?.check(event.sender?.id ?? -1, method, input);
      return { ok: true, value: await opts.service().call(method, input) };
    } catch (err) {
      return { ok: false, error: toApiErrorBody(err) };
    }
  };
}
