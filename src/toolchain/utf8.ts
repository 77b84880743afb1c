// The UTF-8 decoder handed to the byte-level parser (src/core/escape/bytes.ts, which has the
// overview): TextDecoder's replacement of invalid sequences, and no byte order mark handling (the
// parser drops one at the start of its input itself; elsewhere U+FEFF is text).
import type { Utf8Decode } from '../core/escape/bytes.ts';

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export const utf8Decode: Utf8Decode = (bytes, start, end) => decoder.decode(bytes.subarray(start, end));

/**
 * The same through Buffer's own UTF-8 slice (V8's decoder, WHATWG replacement; checked against
 * utf8Decode in test/integration/bytes-parser.test.ts): no subarray and no TextDecoder call per line.
 */
export const bufferUtf8Decode: Utf8Decode = (bytes, start, end) =>
  (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('utf8', start, end);
