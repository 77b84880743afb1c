// Running the `go` command: the one place this extension starts processes.
//
// Every run goes through runGo, which
//	1. spawns the binary directly (no shell) in its own process group, with the
//	   user's environment plus explicit overrides, so GOFLAGS/GOTOOLCHAIN/GOWORK
//	   behave exactly as in the user's terminal;
//	2. reports the argv and cwd through onCommand before spawning (the UI logs them);
//	3. kills the whole group — go and the compile/link/vet children it forks — on
//	   abort or timeout, so nothing is left running (kill(-pid), see killTree);
//	4. turns failures into a ToolchainError with a `reason` the caller can switch on.
// A non-zero exit is not an error here: `go build` exits 1 on a compile error in
// one package while the output still holds every other package's diagnostics.
// The spawner is injectable so tests (and the untrusted-workspace check) can prove
// that nothing was spawned.
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';

export type ToolchainErrorReason = 'goNotFound' | 'timeout' | 'cancelled' | 'crashed' | 'buildFailed';

/** ToolchainError: a go run that produced no usable result; `reason` says why. */
export class ToolchainError extends Error {
  override readonly name = 'ToolchainError';
  constructor(
    readonly reason: ToolchainErrorReason,
    message: string,
    readonly details: { readonly argv?: readonly string[]; readonly cwd?: string; readonly stderr?: string; readonly exitCode?: number | null } = {},
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
}

export interface GoRun {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A cold build of a few hundred packages on a small machine takes minutes: 30 by default. */
export const defaultTimeoutMs = 30 * 60 * 1000;

/** killTree sends SIGKILL to the child's whole process group (it was spawned detached). */
function killTree(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
}

/**
 * runGo runs `goBinary args...` in `cwd` and resolves with its exit code and output
 * (decoded as UTF-8: the -m=2 flow arrow is U+2190). It rejects only with a
 * ToolchainError: goNotFound (spawn ENOENT/EACCES), cancelled (signal aborted),
 * timeout, or crashed (killed by a signal it did not get from us).
 */
export function runGo(args: readonly string[], opts: RunGoOptions): Promise<GoRun> {
  const goBinary = opts.goBinary || 'go';
  const argv = [goBinary, ...args];
  const cwd = opts.cwd;
  const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
  const signal = opts.signal;
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
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    let killedFor: 'timeout' | 'cancelled' | undefined;
    let settled = false;
    const stop = (why: 'timeout' | 'cancelled') => {
      if (killedFor) return;
      killedFor = why;
      killTree(child);
    };
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
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const details = { argv, cwd, stderr, exitCode: code };
      if (killedFor === 'cancelled') reject(new ToolchainError('cancelled', `cancelled: ${argv.join(' ')}`, details));
      else if (killedFor === 'timeout') reject(new ToolchainError('timeout', `timed out after ${timeoutMs} ms: ${argv.join(' ')}`, details));
      else if (code === null) reject(new ToolchainError('crashed', `${argv.join(' ')} was killed by ${sig ?? 'a signal'}`, details));
      else resolve({ argv, cwd, exitCode: code, stdout, stderr });
    });
  });
}

function spawnError(e: unknown, goBinary: string, argv: readonly string[], cwd: string): ToolchainError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
    // ENOENT is also what spawn says for a missing cwd; tell the two apart for the user.
    const what = code === 'ENOENT' && !/[\\/]/.test(goBinary) ? `"${goBinary}" was not found on PATH` : `cannot run "${goBinary}" (${code})`;
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
      argv: r.argv, cwd: r.cwd, stderr: r.stderr, exitCode: r.exitCode,
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
