// An in-process CliIO for running CLI commands in tests.
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

/** The fields every Prediction in the CLI's JSON carries (docs/architecture.md, contracts). */
export const predictionFields = [
  'kind',
  'requestBytes',
  'headerBytes',
  'sizeClass',
  'spanClass',
  'noscan',
  'slotBytes',
  'npages',
  'objectsPerSpan',
  'wasteBytes',
  'goVersion',
  'arch',
] as const;

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * runCli runs `argv` through the CLI's main in this process. `stdin` is the whole input, or the
 * chunks it arrives in (bytes, to test the byte front end); `env` replaces the process's.
 */
export async function runCli(
  argv: readonly string[],
  opts: { stdin?: string | readonly (string | Uint8Array)[]; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    stdin: async function* () {
      if (typeof opts.stdin === 'string') yield opts.stdin;
      else if (opts.stdin) yield* opts.stdin;
    },
    cwd: opts.cwd ?? process.cwd(),
    env: opts.env ?? process.env,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
