/**
 * Every error that can cross the HTTP boundary has a stable code. The code is the last
 * segment of the problem document's `type` URI, so vendors can switch on it.
 */
export const ERROR_CODES = {
  bad_request: { status: 400, title: 'Bad request' },
  not_well_formed: { status: 400, title: 'The delivery is not well-formed' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Outside the scope of this token' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  not_acceptable: { status: 406, title: 'None of the accepted media types is offered' },
  gone: { status: 410, title: 'Gone' },
  conflict: { status: 409, title: 'Conflict' },
  already_acknowledged: { status: 409, title: 'The extract is already acknowledged' },
  payload_too_large: { status: 413, title: 'The delivery is larger than allowed' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  range_not_satisfiable: { status: 416, title: 'Range not satisfiable' },
  unprocessable: { status: 422, title: 'The request cannot be processed' },
  delivery_rejected: { status: 422, title: 'The delivery was rejected by validation' },
  unknown_dataset: { status: 422, title: 'Unknown dataset' },
  invalid_municipality: { status: 422, title: 'Unknown municipality code' },
  invalid_period: { status: 422, title: 'The period does not fit the dataset cadence' },
  metadata_mismatch: { status: 422, title: 'The delivery disagrees with the request' },
  period_not_open: { status: 422, title: 'The period has not begun' },
  idempotency_key_mismatch: {
    status: 422,
    title: 'The Idempotency-Key was used for another slot or other bytes',
  },
  idempotency_key_in_use: {
    status: 409,
    title: 'A delivery with this Idempotency-Key is still being received',
  },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class GatewayError extends Error {
  readonly code: ErrorCode;
  /** Extra members of the problem document (never personal data). */
  readonly extensions: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'GatewayError';
    this.code = code;
    this.extensions = extensions;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}
