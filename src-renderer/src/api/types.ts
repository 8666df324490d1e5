/** The contract's types, for the renderer (types only: zod stays out of the bundle). */
export type {
  ImportOptions,
  ImportPreview,
  ImportResult,
  Input,
  JobState,
  Method,
  Output,
  ServerEvent,
  Stats,
} from '../../../src-main/core/api/contract.ts';

export type { ApiErrorCode } from '../../../src-main/core/api/error-codes.ts';
