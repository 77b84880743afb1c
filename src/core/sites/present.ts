// What the user reads about an allocation site — hover markdown, the inline hint and the
// Heap view's tree — computed here, in the pure core, so the CLI, the editor and the
// tests all say the same thing. The UI only wraps these strings and models in vscode
// types (src/ui/hover.ts, hints.ts, heapView.ts).
//
// One file per idea; this one is the entry the UI, the CLI and the bench import:
//   markdown.ts   escaping compiler text, byte formatting, command-link arguments
//   landing.ts    where one object lands, in words (table rows, the answer line, short forms)
//   flow.ts       the -m=2 escape flow: the key step, said plainly, beside the compiler's text
//   hover.ts      the hover: the answer first, then why, then details
//   hints.ts      inline hints: one per line, summarising busy lines
//   selection.ts  filters, site ids and the counts behind every number shown
//   tree.ts       the Heap view's groups, heaviest first; paging.ts pages their children
//
// Compiler-provided text (expressions, flow steps, type names) can contain anything a Go
// source file can: backticks, brackets, `<script>`, pipes. It always goes through
// escapeMarkdown, so it shows literally and never becomes a link, HTML or a table cell break.
export { escapeMarkdown, formatBytes, compactBytes, commandArgs } from './markdown.ts';
export { spanTailBytes, predictionRows, objectSummary, answerLine, heapBytes } from './landing.ts';
export { keyStep, plainFlow, plainReason, type RevealTarget } from './flow.ts';
export { hoverMarkdown, constructLabel, type HoverOptions } from './hover.ts';
export { hintText, lineHints, type LineHint, type HintKind } from './hints.ts';
export {
  siteId,
  filterSites,
  siteCounts,
  countsText,
  notSimulatedText,
  heapSummary,
  type SiteFilter,
  type SiteCounts,
} from './selection.ts';
export { heapTree, type HeapTreeNode, type HeapGrouping } from './tree.ts';
export { heapPageSize, pagedChildren, showMore } from './paging.ts';
