// Running the `go` command: the one place this extension starts processes.
//
// Every run goes through runGo, which
//	1. spawns the binary directly (no shell) in its own process group, with the
//	   user's environment plus explicit overrides, so GOFLAGS/GOTOOLCHAIN/GOWORK
//	   behave exactly as in the user's terminal;
//	2. reports the argv and cwd through onCommand before spawning (the UI logs them);
//	3. kills the whole group — go and the compile/link/vet children it forks — on
//	   abort or timeout, so nothing is left running (kill(-pid), see killTree);
//	4. turns failures into a ToolchainError with a `reason` the caller can switch on;
//	5. bounds what it holds: a stream it buffers for the caller may reach maxOutputBytes, past
//	   which the group is killed (outputTooLarge); a stream given to onStdout/onStderr is passed
//	   on as it arrives and only an excerpt of it is kept; error details carry only the first
//	   and last errorExcerptBytes of stderr. A go (or anything named as go) printing without
//	   end cannot exhaust the caller's memory.
// A non-zero exit is not an error here: `go build` exits 1 on a compile error in
// one package while the output still holds every other package's diagnostics.
// The spawner is injectable so tests (and the untrusted-workspace check) can prove
// that nothing was spawned.
import { constants as bufferConstants } from 'node:buffer';
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';

export type ToolchainErrorReason = 'goNotFound' | 'timeout' | 'cancelled' | 'crashed' | 'buildFailed' | 'outputTooLarge';

/** ToolchainError: a go run that produced no usable result; `reason` says why. */
export class ToolchainError extends Error {
  override readonly name = 'ToolchainError';
  constructor(
    readonly reason: ToolchainErrorReason,
    message: string,
    readonly details: {
      readonly argv?: readonly string[];
      readonly cwd?: string;
      readonly stderr?: string;
      readonly exitCode?: number | null;
    } = {},
  ) {
    super(message);
  }
  static is(e: unknown, reason?: ToolchainErrorReason): e is ToolchainError {
    return e instanceof ToolchainError && (reason === undefined || e.reason === reason);
  }
}

export interface SpawnOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Always true: the child leads a new process group so the whole tree can be killed. */
  readonly detached: boolean;
  readonly stdio: ['ignore', 'pipe', 'pipe'];
  readonly windowsHide: boolean;
  readonly shell: false;
}

/** The subset of child_process.spawn that runGo uses; tests inject a spy. */
export type Spawner = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export const defaultSpawner: Spawner = (command, args, options) => nodeSpawn(command, [...args], options);

export interface RunGoOptions {
  /** Path or name of the go binary (resolved through PATH when it has no slash). Default `go`. */
  readonly goBinary?: string;
  readonly cwd: string;
  /** Overrides on top of the base environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** The environment to start from; default process.env. */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
  /** Kill the process tree after this many ms. Default defaultTimeoutMs (30 minutes). */
  readonly timeoutMs?: number;
  readonly onCommand?: (argv: readonly string[], cwd: string) => void;
  readonly spawn?: Spawner;
  /**
   * Most bytes runGo buffers of stdout, and of stderr, for GoRun (default and upper bound:
   * defaultMaxOutputBytes). Past it the process group is killed and runGo rejects with
   * outputTooLarge. Streams given to onStdout/onStderr are not buffered and have no limit.
   */
  readonly maxOutputBytes?: number;
  /**
   * Streaming consumers: each receives its stream's text as it arrives (UTF-8 decoded across
   * chunk boundaries), and GoRun then holds only an excerpt of that stream (see excerpt).
   * A consumer that throws ends the run: the group is killed and runGo rejects with that error.
   */
  readonly onStdout?: (text: string) => void;
  readonly onStderr?: (text: string) => void;
  /**
   * onStderr with the bytes as they arrive, undecoded (for the byte-level parser,
   * core/escape/bytes.ts, which decodes only what it keeps); the same rules as onStderr, and it
   * takes the place of onStderr when both are given. The chunk must not be modified.
   */
  readonly onStderrBytes?: (chunk: Uint8Array) => void;
}

export interface GoRun {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly exitCode: number;
  /** The whole stream; for a stream given to onStdout/onStderr, its excerpt. */
  readonly stdout: string;
  readonly stderr: string;
}

/** A cold build of a few hundred packages on a small machine takes minutes: 30 by default. */
export const defaultTimeoutMs = 30 * 60 * 1000;

/**
 * The buffered-output limit: the longest string V8 can make (2^29 - 24 on 64-bit), since a
 * buffered stream is decoded into one string and UTF-8 never decodes to more UTF-16 units than
 * it has bytes. `go build -gcflags=-m=2 std` prints 144 MiB on stderr; a longer output used to
 * fail in toString after holding it all, now it stops at this many bytes with outputTooLarge.
 */
export const defaultMaxOutputBytes: number = Math.min(bufferConstants.MAX_STRING_LENGTH, 512 * 1024 * 1024);

/** Bytes kept from each end of a stream for error messages and excerpts. */
export const errorExcerptBytes = 16 * 1024;

/** firstBytes: the first n bytes of a chunk list, copying no more than that. */
function firstBytes(chunks: readonly Buffer[], n: number): Buffer {
  const take: Buffer[] = [];
  let got = 0;
  for (const c of chunks) {
    if (got >= n) break;
    take.push(c);
    got += c.length;
  }
  return Buffer.concat(take).subarray(0, n);
}

/**
 * Captured: one output stream as runGo keeps it — every chunk when buffered (up to the limit),
 * else only the first and last errorExcerptBytes.
 */
class Captured {
  private chunks: Buffer[] = [];
  private head: Buffer | undefined;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  total = 0;
  constructor(private readonly buffered: boolean) {}

  push(b: Buffer): void {
    this.total += b.length;
    this.tail.push(b);
    this.tailBytes += b.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= errorExcerptBytes) this.tailBytes -= this.tail.shift()!.length;
    if (this.head) return;
    this.chunks.push(b);
    if (!this.buffered && this.total > 2 * errorExcerptBytes) this.keepEndsOnly();
  }

  /** keepEndsOnly drops the body (a stream past its limit, or a streamed one), keeping the excerpt's head. */
  keepEndsOnly(): void {
    if (this.head) return;
    this.head = firstBytes(this.chunks, errorExcerptBytes);
    this.chunks = [];
  }

  text(): string {
    return this.head ? this.excerpt() : Buffer.concat(this.chunks).toString('utf8');
  }

  /** excerpt: the whole stream when short, else its first and last errorExcerptBytes around a note of what was left out. */
  excerpt(): string {
    if (!this.head && this.total <= 2 * errorExcerptBytes) return Buffer.concat(this.chunks).toString('utf8');
    const head = this.head ?? firstBytes(this.chunks, errorExcerptBytes);
    const tail = Buffer.concat(this.tail).subarray(-errorExcerptBytes);
    return `${head.toString('utf8')}\n[… ${this.total - head.length - tail.length} bytes left out …]\n${tail.toString('utf8')}`;
  }
}

/** killTree sends SIGKILL to the child's whole process group (it was spawned detached). */
function killTree(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * runGo runs `goBinary args...` in `cwd` and resolves with its exit code and output
 * (decoded as UTF-8: the -m=2 flow arrow is U+2190). It rejects with a ToolchainError:
 * goNotFound (spawn ENOENT/EACCES), cancelled (signal aborted), timeout, crashed (killed
 * by a signal it did not get from us) or outputTooLarge (a buffered stream passed
 * maxOutputBytes) — or with the error an onStdout/onStderr consumer threw.
 */
export function runGo(args: readonly string[], opts: RunGoOptions): Promise<GoRun> {
  const goBinary = opts.goBinary || 'go';
  const argv = [goBinary, ...args];
  const cwd = opts.cwd;
  const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
  const signal = opts.signal;
  const maxOutputBytes = Math.min(opts.maxOutputBytes ?? defaultMaxOutputBytes, defaultMaxOutputBytes);
  if (signal?.aborted) return Promise.reject(new ToolchainError('cancelled', `cancelled before running ${argv.join(' ')}`, { argv, cwd }));
  const env: NodeJS.ProcessEnv = { ...(opts.baseEnv ?? process.env), ...opts.env };
  opts.onCommand?.(argv, cwd);
  const spawner = opts.spawn ?? defaultSpawner;

  return new Promise<GoRun>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawner(goBinary, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, shell: false });
    } catch (e) {
      reject(spawnError(e, goBinary, argv, cwd));
      return;
    }
    let killedFor: 'timeout' | 'cancelled' | 'outputTooLarge' | 'consumerFailed' | undefined;
    let tooLarge: 'stdout' | 'stderr' | undefined;
    let consumerError: unknown;
    let settled = false;
    const stop = (why: NonNullable<typeof killedFor>) => {
      if (killedFor) return;
      killedFor = why;
      killTree(child);
    };
    const capture = (
      name: 'stdout' | 'stderr',
      textConsumer: ((text: string) => void) | undefined,
      bytesConsumer?: (chunk: Uint8Array) => void,
    ) => {
      const decoder = textConsumer && !bytesConsumer ? new TextDecoder('utf-8') : undefined;
      const consumer = bytesConsumer ?? (textConsumer ? (b: Buffer) => textConsumer(decoder!.decode(b, { stream: true })) : undefined);
      const c = new Captured(!consumer);
      child[name]?.on('data', (b: Buffer) => {
        if (killedFor) return; // being killed: what still arrives is dropped
        c.push(b);
        if (consumer) {
          try {
            consumer(b);
          } catch (e) {
            consumerError = e;
            stop('consumerFailed');
          }
        } else if (c.total > maxOutputBytes) {
          tooLarge = name;
          c.keepEndsOnly();
          stop('outputTooLarge');
        }
      });
      return {
        c,
        /** flush hands the decoder's held-back bytes (a split final character) to the consumer. */
        flush: () => {
          const rest = decoder?.decode();
          if (textConsumer && rest) textConsumer(rest);
        },
      };
    };
    const out = capture('stdout', opts.onStdout);
    const err = capture('stderr', opts.onStderr, opts.onStderrBytes);
    const onAbort = () => stop('cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      finish();
      killTree(child);
      reject(spawnError(e, goBinary, argv, cwd));
    });
    // 'close' waits for stdout/stderr to close, and a child left in go's group (go killed from
    // outside, e.g. by the OOM killer) holds them open: end the group as soon as go itself exits.
    child.on('exit', () => killTree(child));
    child.on('close', (code, sig) => {
      if (settled) return;
      settled = true;
      finish();
      // go may have exited while a child of its group lives on (it was killed mid-build):
      // make sure the group is gone before reporting.
      if (killedFor || sig) killTree(child);
      const details = { argv, cwd, stderr: err.c.excerpt(), exitCode: code };
      if (killedFor === 'consumerFailed') reject(consumerError);
      else if (killedFor === 'outputTooLarge') {
        reject(
          new ToolchainError(
            'outputTooLarge',
            `${argv.join(' ')} printed more than ${maxOutputBytes} bytes (${(maxOutputBytes / 1048576).toFixed(1)} MiB) on ${tooLarge}; ` +
              'it was stopped so its output could not exhaust memory (analyse fewer packages, or load the output from a file)',
            details,
          ),
        );
      } else if (killedFor === 'cancelled') reject(new ToolchainError('cancelled', `cancelled: ${argv.join(' ')}`, details));
      else if (killedFor === 'timeout')
        reject(new ToolchainError('timeout', `timed out after ${timeoutMs} ms: ${argv.join(' ')}`, details));
      else if (code === null) reject(new ToolchainError('crashed', `${argv.join(' ')} was killed by ${sig ?? 'a signal'}`, details));
      else {
        try {
          out.flush();
          err.flush();
        } catch (e) {
          reject(e);
          return;
        }
        resolve({ argv, cwd, exitCode: code, stdout: out.c.text(), stderr: err.c.text() });
      }
    });
  });
}

function spawnError(e: unknown, goBinary: string, argv: readonly string[], cwd: string): ToolchainError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
    // ENOENT is also what spawn says for a missing cwd; tell the two apart for the user.
    const what =
      code === 'ENOENT' && !/[\\/]/.test(goBinary) ? `"${goBinary}" was not found on PATH` : `cannot run "${goBinary}" (${code})`;
    return new ToolchainError('goNotFound', `${what}; install Go or set goAlloc.toolchain.goBinary (cwd ${cwd})`, { argv, cwd });
  }
  return new ToolchainError('crashed', `cannot start ${argv.join(' ')}: ${e instanceof Error ? e.message : String(e)}`, { argv, cwd });
}

/** What `go env -json GOVERSION GOARCH GOEXPERIMENT GOROOT GOOS` says for one directory. */
export interface GoEnv {
  /** e.g. `go1.26.8` (after toolchain selection: a module's `toolchain` line or GOTOOLCHAIN). */
  readonly GOVERSION: string;
  readonly GOARCH: string;
  readonly GOEXPERIMENT: string;
  readonly GOROOT: string;
  readonly GOOS: string;
}

/** goEnv asks the go command in `cwd` (the module dir, so toolchain lines apply) for its build target. */
export async function goEnv(opts: RunGoOptions): Promise<GoEnv> {
  const r = await runGo(['env', '-json', 'GOVERSION', 'GOARCH', 'GOEXPERIMENT', 'GOROOT', 'GOOS'], opts);
  if (r.exitCode !== 0) {
    throw new ToolchainError('buildFailed', `go env failed in ${opts.cwd}: ${r.stderr.trim() || `exit ${r.exitCode}`}`, {
      argv: r.argv,
      cwd: r.cwd,
      stderr: r.stderr,
      exitCode: r.exitCode,
    });
  }
  let v: unknown;
  try {
    v = JSON.parse(r.stdout);
  } catch {
    throw new ToolchainError('crashed', `go env -json printed non-JSON output: ${r.stdout.slice(0, 200)}`, { argv: r.argv, cwd: r.cwd });
  }
  const o = v as Record<string, unknown>;
  const s = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
  // GOVERSION is empty for go < 1.21 `go env` of an unknown var; 1.21+ always sets it.
  return { GOVERSION: s('GOVERSION'), GOARCH: s('GOARCH'), GOEXPERIMENT: s('GOEXPERIMENT'), GOROOT: s('GOROOT'), GOOS: s('GOOS') };
}
