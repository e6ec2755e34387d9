/**
 * The compression level to re-encode a C frame with. A zlib stream does not record its level
 * exactly, only the FLEVEL hint of its header (RFC 1950 §2.2), which Go's compress/zlib (and so
 * every Beat) writes from the level it used: 0 for levels 0-1, 1 for 2-5, 2 for 6, 3 for 7-9. The
 * level chosen is the one Beats uses most inside each band: Filebeat's default 3 falls in band 1.
 * A stream whose first deflate block is stored was written at level 0, and stays uncompressed.
 *
 * Band 3 (levels 7-9) re-compresses at 6, not 9: the device chooses the band, and on hostile
 * content level 9 costs about 70 times level 3 (2.5 s of a thread-pool thread per MiB, measured),
 * while on log lines it gains a few percent over 6. `inspectCompressionLevel` can still set 9.
 */
const BY_FLEVEL = [1, 3, 6, 6] as const;

/** `header` holds the first three bytes of the zlib stream (CMF, FLG, first deflate byte). */
export function levelFromZlibHeader(header: readonly number[]): number {
  const [, flg, first] = header;
  if (flg === undefined) return 3;
  const flevel = flg >> 6;
  // BTYPE (bits 1-2 of the first block header) 00 means a stored block: level 0.
  if (flevel === 0 && first !== undefined && ((first >> 1) & 3) === 0) return 0;
  return BY_FLEVEL[flevel]!;
}
