// go-heap-lens: the command-line face of the same engine the extension uses.
// Subcommands live one per file (classify.ts, simulate.ts, parse.ts, analyze.ts),
// each exporting `run(argv, io)` that returns the exit code (io.ts) and its `usage` text.
import { ModelInputError } from '../core/alloc/versions.ts';
import { exitOk, exitUsage, UsageError, type CliIO, type Command } from './io.ts';

const usage = `usage: go-heap-lens <command> [flags]

commands:
  classify <bytes> [--pointers] [--go 1.26] [--arch amd64] [--goexperiment X] [--json]
  classify --stdin [--go V] [--arch A] --json     lines "<bytes> <scan|noscan>" → one JSON object per line
  simulate --workload w.json [--json]             replay a workload through mcache → mcentral → mheap
  simulate --from-analysis DIR [--json]
  parse [file|-] [--json|--stats]                 parse go build -gcflags=-m output
  analyze [dir] [--json|--sarif|--text] [--packages ./...] [--build-flags "..."] [--from-file out.txt] [--profile F]
  profile <file> [dir] [--json|--text]            join a heap profile with the analysis of dir
  bench [dir] [--bench REGEX] [--benchtime T] [--json|--text]   run benchmarks with a heap profile, join it to the analysis
  layout [dir] [--go V] [--arch A] [--json|--text|--diff|--apply]   struct field orders that save a size class
  diff [dir] (--base REF | --base-result FILE | --go A --go B) [--json|--markdown|--sarif] [--fail-on C]

"go-heap-lens <command> --help" prints the flags of one command.
exit codes: 0 ok, 1 analysis failed, 2 usage or bad input, 3 a diff gate holds`;

const commands: Record<string, () => Promise<{ run: Command; usage: string }>> = {
  classify: () => import('./classify.ts'),
  simulate: () => import('./simulate.ts'),
  parse: () => import('./parse.ts'),
  analyze: () => import('./analyze.ts'),
  profile: () => import('./profile.ts'),
  bench: () => import('./bench.ts'),
  layout: () => import('./layout.ts'),
  diff: () => import('./diff.ts'),
};

/** wantsHelp: -h or --help among the flags (not after `--`, where it would be a file name). */
function wantsHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '-h' || a === '--help') return true;
  }
  return false;
}

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [first, ...tail] = argv;
  // `help <command>` is `<command> --help`.
  const [name, rest] = first === 'help' && tail.length > 0 ? [tail[0], ['--help']] : [first, tail];
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    (name ? io.stdout : io.stderr)(usage + '\n');
    return name ? exitOk : exitUsage;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) {
    io.stderr(`go-heap-lens: unknown command "${name}"\n\n${usage}\n`);
    return exitUsage;
  }
  try {
    const mod = await load();
    if (wantsHelp(rest)) {
      io.stdout(mod.usage + '\n');
      return exitOk;
    }
    return await mod.run(rest, io);
  } catch (e) {
    if (UsageError.is(e) || ModelInputError.is(e)) {
      io.stderr(`go-heap-lens ${name}: ${e.message}\n`);
      return exitUsage;
    }
    throw e;
  }
}

if (require.main === module) {
  const io: CliIO = {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    stdin: () => process.stdin,
    drain: () => (process.stdout.writableNeedDrain ? new Promise((done) => process.stdout.once('drain', () => done())) : Promise.resolve()),
    cwd: process.cwd(),
    env: process.env,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`go-heap-lens: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
