// The codec's public surface; the package index re-exports this.
// Every frame type (Frame, RawFrame, ContentFrame, Version, …) and every encoder are public.
export type * from './frames.ts';
// The wire constants a frame rewriter needs (the unwrapper's stamper writes J frames in place).
export { DATA_HEADER_BYTES, JSON_HEADER_BYTES, TYPE_JSON, VERSION_2 } from './frames.ts';
export * from './encode.ts';
export { ByteQueue } from './byte-queue.ts';
export { forEachDataPair, LazyDataFrame } from './data-frame.ts';
export { createDecoder, createFrameReader, type Decoder, type FrameReader } from './decode.ts';
export { inflateFrames } from './inflate-frames.ts';
export {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_WINDOW_SIZE,
  type DecoderOptions,
} from './limits.ts';
export { isLumberjackError, LumberjackError, type LumberjackErrorCode } from './errors.ts';
