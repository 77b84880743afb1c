// The CLI's view of the process: streams and exit codes, injectable so unit tests
// can run commands in-process. Exit codes (docs/architecture.md, contracts): 0 ok, 1 analysis failed,
// 2 usage or bad input.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KindedError } from '../core/errors.ts';

export interface CliIO {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** The whole of standard input, read lazily (only commands that take --stdin or `-` call it). */
  readonly stdin: () => AsyncIterable<string | Uint8Array>;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when stdout can take more (a pipe's buffer drained); commands that stream
   * large outputs await it between batches. Absent: no backpressure (in-process tests). */
  readonly drain?: () => Promise<void>;
}

export const exitOk = 0;
export const exitFailed = 1;
export const exitUsage = 2;

/** UsageError: bad flags or bad input; the CLI prints the message and exits 2. */
export class UsageError extends KindedError {
  override readonly name = 'UsageError';
}

export type Command = (argv: readonly string[], io: CliIO) => Promise<number>;

/** A command's flags, as node's parseArgs takes them. */
export type Flags = NonNullable<ParseArgsConfig['options']>;

/** parseFlags: a command's flags by node's parseArgs; a flag parseArgs rejects is a UsageError whose message `explain` words. */
export function parseFlags<O extends Flags>(
  argv: readonly string[],
  allowPositionals: boolean,
  options: O,
  explain: (message: string) => string,
) {
  try {
    return parseArgs({ args: [...argv], allowPositionals, options });
  } catch (e) {
    throw new UsageError(explain((e as Error).message));
  }
}
