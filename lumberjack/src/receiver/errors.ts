export type ReceiverErrorCode =
  /** A data frame arrived with no window open (no W before it, or after the window completed). */
  | 'ERR_LJ_RECEIVER_NO_WINDOW'
  /** A frame that only Logstash sends (an ack) arrived from the Beat. */
  | 'ERR_LJ_RECEIVER_UNEXPECTED_FRAME'
  /** The sink rejected a batch: the window is not acknowledged and the connection closes. */
  | 'ERR_LJ_RECEIVER_SINK_FAILED'
  /** The file sink cannot open its file for appending (missing directory, no permission, …). */
  | 'ERR_LJ_RECEIVER_FILE_UNWRITABLE'
  /** An option is out of range or missing. */
  | 'ERR_LJ_RECEIVER_OPTIONS';

export class ReceiverError extends Error {
  readonly code: ReceiverErrorCode;

  constructor(code: ReceiverErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReceiverError';
    this.code = code;
  }
}
