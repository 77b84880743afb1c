// An in-process CliIO for running CLI commands in tests.
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(argv: readonly string[], opts: { stdin?: string; cwd?: string } = {}): Promise<CliRun> {
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
      if (opts.stdin !== undefined) yield opts.stdin;
    },
    cwd: opts.cwd ?? process.cwd(),
    env: process.env,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
