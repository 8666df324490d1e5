/**
 * The error body every door returns: {code, message}, never a stack. Errors from
 * the service (ApiError) are recognised by shape, so the doors need not load the
 * core to classify them.
 */
import { apiErrorCodes, type ApiErrorCode } from '../core/api/contract.ts';

export type { ApiErrorCode };

export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
}

export function apiErrorCode(err: unknown): ApiErrorCode | null {
  if (!(err instanceof Error) || !('code' in err)) return null;
  const code = (err as { code: unknown }).code;
  return apiErrorCodes.find((c) => c === code) ?? null;
}

export function toApiErrorBody(err: unknown): ApiErrorBody {
  const message = err instanceof Error ? err.message : String(err);
  const code = apiErrorCode(err) ?? 'failed';
  return { code, message: message === '' ? code : message };
}
