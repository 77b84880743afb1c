// Text helpers shared by the hover, the hints and the Heap view: markdown escaping, byte
// formatting and command-link arguments. Compiler-provided text (expressions, flow steps,
// type names) can contain anything a Go source file can: backticks, brackets, `<script>`,
// pipes. It always goes through escapeMarkdown, so it shows literally and never becomes a
// link, HTML or a table cell break.

/**
 * escapeMarkdown makes arbitrary text render literally in CommonMark/GFM: every ASCII
 * punctuation character is backslash-escaped (CommonMark §2.4 allows it for all of them),
 * and line breaks become spaces so a hostile string cannot start a block.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ').replace(/[\\`*_{}[\]()#+\-.!|<>~&"'=:;,/?@$%^]/g, (c) => `\\${c}`);
}

/** formatBytes: exact bytes, with a binary-unit gloss above 1 KiB ("40960 B (40 KiB)"). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return `${bytes} B (${compactBytes(bytes)})`;
}

/** compactBytes: the shortest honest form ("48 B", "40 KiB", "1.5 MiB"); used where space is tight. */
export function compactBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${bytes} B`;
  const s = Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1).replace(/\.?0+$/, '');
  return `${s} ${units[u]}`;
}

/** commandArgs encodes command-link arguments; parentheses too, so a path cannot end the link early. */
export function commandArgs(args: readonly unknown[]): string {
  return encodeURIComponent(JSON.stringify(args)).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** basename of a path written with either separator (the core has no node:path). */
export function basename(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i >= 0 ? p.slice(i + 1) : p;
}

/** plural: "1 site", "2 sites". */
export function plural(n: number, w: string): string {
  return `${n} ${w}${n === 1 ? '' : 's'}`;
}

/**
 * hardBreak ends a markdown line without starting a paragraph: consecutive answer lines stay
 * tight (a paragraph gap per line would push the answer below a hover's fold).
 */
export const hardBreak = '  \n';
