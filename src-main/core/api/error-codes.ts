/**
 * Why a call did not succeed: the input broke the contract, the method or job
 * does not exist, the core refused it (a user mistake such as an unreadable
 * file: the message says what to do), the caller is not allowed, or it failed.
 * Free of imports so the renderer can use it without bundling zod.
 */
export const apiErrorCodes = ['invalid_input', 'not_found', 'rejected', 'unauthorized', 'failed'] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];
