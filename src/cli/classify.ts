// go-heap-lens classify: one prediction, or a batch from stdin (docs/architecture.md, contracts).
import { classify, maxRequestBytes, type Prediction } from '../core/alloc/malloc.ts';
import { spanClassName } from '../core/alloc/spanclass.ts';
import { ModelInputError, parseGoExperiment, rulesFor, type AllocatorRules } from '../core/alloc/versions.ts';
import { exitOk, exitUsage, parseFlags, UsageError, type Command, type Flags } from './io.ts';

/** The machine default for --go: the newest release the model covers. */
const defaultGo = '1.26';

export const usage = `usage: go-heap-lens classify <bytes> [--pointers] [--go ${defaultGo}] [--arch amd64] [--goexperiment X] [--json]
       go-heap-lens classify --stdin [--go V] [--arch A] [--goexperiment X] [--json]

Where one heap allocation of <bytes> (mallocgc's size argument) lands: zero-size, tiny block,
size class and span class with objects per span and waste, or a large object's pages.

  --pointers         the object holds pointers (a scan span; go1.22+ adds an 8 B malloc header above 512 B)
  --go V             the Go version to model, 1.21 to 1.27 (default ${defaultGo})
  --arch A           the GOARCH to model (default amd64)
  --goexperiment X   a GOEXPERIMENT list, e.g. nogreenteagc; every name must exist in that Go version
  --json             print the prediction as one JSON object per line
  --stdin            read lines "<bytes> <scan|noscan>" and answer each, in order

exit codes: 0 ok, 2 bad flags or a bad size (with --stdin: after answering the good lines)`;

/**
 * parseBytes keeps the digits as typed until it knows the number is exact: a size past the
 * runtime's maxAlloc (and so past 2^53, where a double stops counting bytes) is reported in the
 * user's own digits, never as the rounded double.
 */
function parseBytes(s: string): number {
  if (!/^\d+$/.test(s)) throw new ModelInputError(`invalid size "${s}": expected a whole number of bytes ≥ 0`);
  if (BigInt(s) > BigInt(maxRequestBytes)) {
    throw new ModelInputError(`size ${s} B exceeds the runtime's maxAlloc (2^48 = ${maxRequestBytes} B): the runtime cannot allocate it`);
  }
  return Number(s);
}

export function formatPrediction(p: Prediction): string {
  const head = `${p.requestBytes} B ${p.noscan ? 'noscan' : 'scan'} on go${p.goVersion}/${p.arch}: `;
  switch (p.kind) {
    case 'zero':
      return head + 'zero-size: returns &zerobase, no allocation';
    case 'tiny':
      return (
        head +
        `tiny: packed into 16 B blocks (${p.tinyPerBlock} per block) in span class ${p.spanClass} (${spanClassName(p.spanClass)}), ` +
        `${p.objectsPerSpan} blocks per ${p.npages}-page span`
      );
    case 'small':
      return (
        head +
        `size class ${p.sizeClass} (${p.slotBytes} B slot${p.headerBytes ? `, incl. ${p.headerBytes} B malloc header` : ''}), ` +
        `span class ${p.spanClass} (${spanClassName(p.spanClass)}), ${p.objectsPerSpan} objects per ${p.npages}-page span, ` +
        `${p.wasteBytes} B wasted per object`
      );
    case 'large':
      return (
        head +
        `large: span class ${p.spanClass} (${spanClassName(p.spanClass)}), ${p.npages} pages (${p.slotBytes} B), ` +
        `${p.wasteBytes} B wasted`
      );
    default:
      return head + p.kind;
  }
}

const flags = {
  pointers: { type: 'boolean', default: false },
  go: { type: 'string', default: defaultGo },
  arch: { type: 'string', default: 'amd64' },
  goexperiment: { type: 'string', default: '' },
  json: { type: 'boolean', default: false },
  stdin: { type: 'boolean', default: false },
} satisfies Flags;

export const run: Command = async (argv, io) => {
  const { values, positionals } = parseFlags(
    argv,
    true,
    flags,
    // parseArgs reads "-5" as an unknown flag: report it as the bad size it is.
    (m) => {
      const neg = argv.find((a) => /^-\d/.test(a));
      return neg !== undefined ? `invalid size "${neg}": expected a whole number of bytes ≥ 0` : m;
    },
  );
  const rules = rulesFor(values.go, values.arch, parseGoExperiment(values.goexperiment, values.go));
  const emit = (p: Prediction) => io.stdout((values.json ? JSON.stringify(p) : formatPrediction(p)) + '\n');
  if (values.stdin) {
    if (positionals.length) throw new UsageError('classify --stdin takes no size argument');
    return classifyStream(io.stdin(), rules, emit, (msg) => io.stderr(`go-heap-lens classify: ${msg}\n`));
  }
  if (positionals.length !== 1) throw new UsageError('classify takes exactly one size in bytes (or --stdin)');
  emit(classify({ bytes: parseBytes(positionals[0]!), pointers: values.pointers }, rules));
  return exitOk;
};

/**
 * classifyStream reads lines `<bytes> <scan|noscan>` and emits one prediction per line, in order.
 * A bad line is reported with its line number and makes the exit code 2, but the other lines are
 * still answered, so a batch never loses its good results.
 */
async function classifyStream(
  input: AsyncIterable<string | Uint8Array>,
  rules: AllocatorRules,
  emit: (p: Prediction) => void,
  warn: (msg: string) => void,
): Promise<number> {
  let code = exitOk;
  let pending = '';
  let lineNo = 0;
  const decoder = new TextDecoder();
  const handle = (line: string) => {
    lineNo++;
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const [bytesText, kind, ...extra] = t.split(/\s+/);
    try {
      if (extra.length || (kind !== undefined && kind !== 'scan' && kind !== 'noscan')) {
        throw new ModelInputError(`expected "<bytes> <scan|noscan>", got "${t}"`);
      }
      emit(classify({ bytes: parseBytes(bytesText!), pointers: kind === 'scan' }, rules));
    } catch (e) {
      if (!ModelInputError.is(e)) throw e;
      warn(`line ${lineNo}: ${e.message}`);
      code = exitUsage;
    }
  };
  for await (const chunk of input) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      handle(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  }
  pending += decoder.decode();
  if (pending) handle(pending);
  return code;
}
