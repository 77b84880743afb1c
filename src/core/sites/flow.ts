// The escape flow in words. `-m=2` explains an escape as steps in the compiler's own notation
// (`flow: ~r0 ← &{storage for &T{...}}`, `from return &T{...} (return) at ./main.go:10:2`); a
// reader needs the step that matters, said plainly, with the compiler's text kept beside it.
import type { AllocationSite, FlowStepAt } from './site.ts';
import { basename, commandArgs, escapeMarkdown } from './markdown.ts';

/** Position of a flow step for the reveal command; relative files are resolved against the site's file by the UI. */
export interface RevealTarget {
  readonly file: string;
  readonly line: number;
  readonly column?: number;
  /** The site's absolute file, for resolving a relative `file`. */
  readonly base: string;
}

/**
 * Reasons that only carry the value along (taking its address, naming it, copying it into a
 * temporary): the step that explains an escape is a later one, the sink.
 */
const carrierReasons = new Set(['spill', 'reference', 'address-of', 'assign', 'assign-pair', 'dot', 'slice-literal-element']);

/**
 * keyStep picks the flow step that explains the escape: the last step whose reason is a sink
 * (return, call parameter, captured by a closure, …), else the last step with any reason, else
 * the last step.
 */
export function keyStep(reason: readonly FlowStepAt[]): FlowStepAt | undefined {
  for (let i = reason.length - 1; i >= 0; i--) if (reason[i]!.why && !carrierReasons.has(reason[i]!.why!)) return reason[i];
  for (let i = reason.length - 1; i >= 0; i--) if (reason[i]!.why) return reason[i];
  return reason[reason.length - 1];
}

/** What each reason the compiler prints (cmd/compile/internal/escape) means for the value. */
const reasonWords: Record<string, string> = {
  return: 'returned to the caller, so it outlives the function',
  'call parameter': 'passed to a parameter the callee lets escape',
  'captured by a closure': 'captured by a closure that escapes',
  'too large for stack': 'too large for the stack',
  'non-constant size': 'its size is not a constant',
  'interface-converted': 'converted to an interface that escapes',
  'key of map put': 'stored as a map key',
  'value of map put': 'stored as a map value',
  'map literal key': 'stored as a map key',
  'map literal value': 'stored as a map value',
  'slice-literal-element': 'stored in a slice literal that escapes',
  'struct literal element': 'stored in a struct literal that escapes',
  'star-dot-equals': 'stored through a pointer',
  'star-equals': 'stored through a pointer',
  'dot-equals': 'stored in a field of an escaping value',
  'array-element-equals': 'stored in an array element that escapes',
  'defer func': 'a deferred call',
  'go func': 'a goroutine',
  'call function': 'called through a function value',
  send: 'sent on a channel',
  append: 'appended to a slice that escapes',
  'appendee slice': 'the slice appended to escapes',
  assign: 'assigned to a location that escapes',
  'assign-pair': 'assigned to a location that escapes',
  spill: 'its address is taken',
  reference: 'referenced by a value that escapes',
};

/** stepWhere: `from WHERE (WHY) at POS` → WHERE, the expression the step is about. */
function stepWhere(step: FlowStepAt): string | undefined {
  const m = /^from (.*) \((.+)\) at \S+$/.exec(step.text);
  return m ? m[1] : undefined;
}

/** plainReason: the plain reading of a step's reason ("returned to the caller, …"); the reason itself when we have none. */
export function plainReason(why: string): string {
  return reasonWords[why] ?? why;
}

/** The compiler's location names in a flow line, read out. */
function plainLocation(loc: string): string {
  const storage = /^&?\{storage for (.*)\}$/.exec(loc);
  if (storage) return `${loc.startsWith('&') ? 'the address of ' : ''}the object ${storage[1]} allocates`;
  if (loc === '{heap}') return 'the heap';
  const result = /^~r(\d+)$/.exec(loc);
  if (result) return result[1] === '0' ? "the function's result" : `result ${Number(result[1]) + 1} of the function`;
  if (loc.startsWith('*')) return `what ${loc.slice(1)} points to`;
  if (loc.startsWith('&')) return `the address of ${loc.slice(1)}`;
  return loc;
}

/** plainFlow: `flow: DST ← SRC:` read out ("the function's result holds the address of …"); undefined for other lines. */
export function plainFlow(text: string): string | undefined {
  const m = /^flow: (.+?) ← (.+?):?$/.exec(text);
  if (!m) return undefined;
  return `${plainLocation(m[1]!)} holds ${plainLocation(m[2]!)}`;
}

/** stepPosition: ` (main.go:54:2)`, linked through the reveal command when there is one. */
export function stepLink(step: FlowStepAt, site: AllocationSite, revealCommand: string | undefined): string {
  if (!step.file || !step.line) return '';
  const where = `${basename(step.file)}:${step.line}${step.column ? `:${step.column}` : ''}`;
  if (!revealCommand) return ` (${escapeMarkdown(where)})`;
  const target: RevealTarget = { file: step.file, line: step.line, base: site.file, ...(step.column ? { column: step.column } : {}) };
  return ` ([${escapeMarkdown(where)}](command:${revealCommand}?${commandArgs([target])}))`;
}

/**
 * whyLine: the key step said once: its plain reason, the expression it is about and its position
 * ("returned to the caller, so it outlives the function: return &T{...} (main.go:10:2)").
 */
export function whyLine(site: AllocationSite, revealCommand: string | undefined): string | undefined {
  const key = keyStep(site.reason);
  if (!key) return undefined;
  const where = stepWhere(key);
  if (key.why && where !== undefined)
    return `${escapeMarkdown(plainReason(key.why))}: ${escapeMarkdown(where)}${stepLink(key, site, revealCommand)}`;
  return `${escapeMarkdown(key.text)}${stepLink(key, site, revealCommand)}`;
}

/** flowSteps: the numbered steps as the compiler printed them, each `flow:` line with its plain reading beside it. */
export function flowSteps(site: AllocationSite, revealCommand: string | undefined, max = 8): string[] {
  const steps = site.reason.slice(0, max).map((s, i) => {
    const plain = plainFlow(s.text);
    return `${i + 1}. ${escapeMarkdown(s.text)}${plain ? ` — *${escapeMarkdown(plain)}*` : ''}${stepLink(s, site, revealCommand)}`;
  });
  if (site.reason.length > max) steps.push(`${max + 1}. … ${site.reason.length - max} more steps`);
  return steps;
}
