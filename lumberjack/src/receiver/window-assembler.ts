import type { ContentFrame, Version } from '../codec/index.ts';
import { dataEventJson } from './data-event-json.ts';
import { ReceiverError } from './errors.ts';

/** What the assembler takes: any frame of the stream or of a C frame's content, with its bytes. */
export type AssemblerFrame = ContentFrame['frame'];

/** A window's worth of events, ready for the sink, with the sequence number to acknowledge. */
export interface AssembledBatch {
  version: Version;
  windowSize: number;
  events: Record<string, unknown>[];
  /** Each event's JSON bytes, index for index (Batch.payloads). */
  payloads: Buffer[];
  /** The highest sequence number seen in the window: what the ack carries. */
  ackSeq: number;
  /** True when an early W cut the window short (Logstash flushes and acks what it has). */
  partial: boolean;
}

interface OpenWindow {
  version: Version;
  size: number;
  events: Record<string, unknown>[];
  payloads: Buffer[];
  highestSeq: number;
}

export interface WindowAssembler {
  /**
   * Takes one frame; returns the batch it completed, if any. Throws ReceiverError, or the codec's
   * ERR_LJ_INVALID_JSON for a J payload that is not a JSON object: no event is accepted unparsed.
   */
  push(frame: AssemblerFrame): AssembledBatch | undefined;
  /** Events of the window still being received. */
  readonly openEvents: number;
  /** Frames whose sequence number was not the previous one plus one (a sign of a lossy hop). */
  readonly sequenceAnomalies: number;
}

/**
 * Groups frames into windows the way Logstash's beats input (BeatsParser) does: a window is
 * complete when it holds as many events as its W announced; a new W before that flushes the
 * partial window, acknowledged with the highest sequence number seen. Two decisions of our own,
 * both on inputs no Beat sends: `W 0` opens nothing (no sink call, no ack, since an ack of 0
 * reads as a keep-alive), and a data frame outside a window is a protocol error that closes the
 * connection, so nothing unannounced is ever acknowledged.
 */
export function createWindowAssembler(): WindowAssembler {
  let open: OpenWindow | undefined;
  let anomalies = 0;

  function flush(window: OpenWindow, partial: boolean): AssembledBatch {
    open = undefined;
    return {
      version: window.version,
      windowSize: window.size,
      events: window.events,
      payloads: window.payloads,
      ackSeq: window.highestSeq,
      partial,
    };
  }

  function addEvent(
    seq: number,
    event: Record<string, unknown>,
    payload: Buffer,
  ): AssembledBatch | undefined {
    if (open === undefined) {
      throw new ReceiverError(
        'ERR_LJ_RECEIVER_NO_WINDOW',
        `event with sequence ${seq} arrived outside a window (no W frame announced it)`,
      );
    }
    const window = open;
    if (seq !== window.events.length + 1) anomalies++;
    window.events.push(event);
    window.payloads.push(payload);
    if (seq > window.highestSeq) window.highestSeq = seq;
    return window.events.length >= window.size ? flush(window, false) : undefined;
  }

  return {
    push(frame) {
      switch (frame.type) {
        case 'window': {
          // Logstash: "New window size received but the current batch was not complete".
          const batch =
            open !== undefined && open.events.length > 0 ? flush(open, true) : undefined;
          open =
            frame.size === 0
              ? undefined
              : {
                  version: frame.version,
                  size: frame.size,
                  events: [],
                  payloads: [],
                  highestSeq: 0,
                };
          return batch;
        }
        case 'json':
          // Reading `event` parses the payload (JSON.parse, which nests without recursion): an
          // invalid one throws here, before anything of its window can be acknowledged.
          return addEvent(frame.seq, frame.event, frame.payload);
        case 'data':
          return addEvent(frame.seq, frame.event, dataEventJson(frame.bytes));
        case 'ack':
          throw new ReceiverError(
            'ERR_LJ_RECEIVER_UNEXPECTED_FRAME',
            'an ack frame arrived from the Beat side (only Logstash sends acks)',
          );
      }
    },
    get openEvents() {
      return open?.events.length ?? 0;
    },
    get sequenceAnomalies() {
      return anomalies;
    },
  };
}
