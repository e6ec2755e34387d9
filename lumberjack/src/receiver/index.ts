export { createReceiver } from './receiver.ts';
export { createFileSink } from './file-sink.ts';
export type { FileSink } from './file-sink.ts';
export { createMemorySink } from './memory-sink.ts';
export { ReceiverError } from './errors.ts';
export { silentLogger } from './types.ts';
export type { ReceiverErrorCode } from './errors.ts';
export type {
  Batch,
  BatchSink,
  Logger,
  Receiver,
  ReceiverOptions,
  ReceiverTlsOptions,
} from './types.ts';
