/** Error codes of the config, store and API zones. Warning codes are never reused. */
export const ErrorCode = {
  CorruptStore: 'LOADSTRAT_ERR_CORRUPT_STORE',
  UnknownStoreVersion: 'LOADSTRAT_ERR_STORE_VERSION',
  Validation: 'LOADSTRAT_ERR_VALIDATION',
  NotFound: 'LOADSTRAT_ERR_NOT_FOUND',
  Conflict: 'LOADSTRAT_ERR_CONFLICT',
  Lock: 'LOADSTRAT_ERR_LOCK',
  Usage: 'LOADSTRAT_ERR_USAGE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes only the server answers with: HTTP-level problems no store or config function raises. */
export const ServerErrorCode = {
  Unauthorized: 'LOADSTRAT_ERR_UNAUTHORIZED',
  PayloadTooLarge: 'LOADSTRAT_ERR_PAYLOAD_TOO_LARGE',
  MediaType: 'LOADSTRAT_ERR_MEDIA_TYPE',
  Internal: 'LOADSTRAT_ERR_INTERNAL',
} as const;

export const WarningCode = {
  BadEnv: 'LOADSTRAT_WRN_001',
  StoreUnusable: 'LOADSTRAT_WRN_002',
  InternalFallback: 'LOADSTRAT_WRN_003',
  FlushFailed: 'LOADSTRAT_WRN_004',
  RemoteUnavailable: 'LOADSTRAT_WRN_005',
} as const;
export type WarningCode = (typeof WarningCode)[keyof typeof WarningCode];

const statusByCode: Record<ErrorCode, number> = {
  LOADSTRAT_ERR_CORRUPT_STORE: 500,
  LOADSTRAT_ERR_STORE_VERSION: 500,
  LOADSTRAT_ERR_VALIDATION: 400,
  LOADSTRAT_ERR_NOT_FOUND: 404,
  LOADSTRAT_ERR_CONFLICT: 409,
  LOADSTRAT_ERR_LOCK: 503,
  LOADSTRAT_ERR_USAGE: 400,
};

export class LoadstratError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LoadstratError';
    this.code = code;
    this.statusCode = statusByCode[code];
  }
}

export function isLoadstratError(error: unknown): error is LoadstratError {
  return error instanceof LoadstratError;
}

/** A validation error whose message starts with the field it names (`strategy: "x" is not …`). */
export function invalidField(field: string, message: string): LoadstratError {
  return new LoadstratError(ErrorCode.Validation, `${field}: ${message}`);
}
