import { forEachDataPair } from '../codec/index.ts';

/**
 * The JSON text a v1 D frame is stored as: an object whose members are the frame's pairs in wire
 * order, repeated keys included, each key and value its UTF-8 text as a JSON string. JSON string
 * escaping is reversible and the codec has checked that every key and value is valid UTF-8, so
 * the pairs' exact bytes can be read back from this text; a JSON parser keeps the last value of a
 * repeated key, as Logstash's beats input does. Built from the frame's bytes, not from its event
 * object, which would reorder integer-like keys and drop repeated ones.
 */
export function dataEventJson(frame: Buffer): Buffer {
  const members: string[] = [];
  forEachDataPair(frame, (keyStart, keyEnd, valueStart, valueEnd) => {
    const key = JSON.stringify(frame.toString('utf8', keyStart, keyEnd));
    members.push(`${key}:${JSON.stringify(frame.toString('utf8', valueStart, valueEnd))}`);
  });
  return Buffer.from(`{${members.join(',')}}`);
}
