// The codec's public surface; the package index re-exports this.
export type {
  AckFrame,
  DataFrame,
  Frame,
  FrameType,
  JsonFrame,
  Version,
  WindowFrame,
} from './frames.ts';
export {
  DEFAULT_COMPRESSION_LEVEL,
  encodeAck,
  encodeCompressed,
  encodeCompressedAsync,
  encodeData,
  encodeFrame,
  encodeJson,
  encodeWindow,
} from './encode.ts';
export { createDecoder, type Decoder } from './decode.ts';
export {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_WINDOW_SIZE,
  type DecoderOptions,
} from './limits.ts';
export { isLumberjackError, LumberjackError, type LumberjackErrorCode } from './errors.ts';
