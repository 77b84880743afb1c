// The CLI's view of the process: streams and exit codes, injectable so unit tests
// can run commands in-process. Exit codes (docs/architecture.md, contracts): 0 ok, 1 analysis failed,
// 2 usage or bad input.

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
export class UsageError extends Error {
  override readonly name = 'UsageError';
  static is(e: unknown): e is UsageError {
    return e instanceof UsageError;
  }
}

export type Command = (argv: readonly string[], io: CliIO) => Promise<number>;
