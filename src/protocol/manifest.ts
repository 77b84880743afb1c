// Command, view, context-key and setting ids: the extension's contract with its package.json
// manifest (and with hover markdown's command links), declared once. The unit test suite
// 'ui: manifest and code agree' (test/unit/ui.test.ts) checks them against package.json.

export const commandIds = {
  analyzeWorkspace: 'goHeap.analyzeWorkspace',
  analyzePackage: 'goHeap.analyzePackage',
  simulateHeap: 'goHeap.simulateHeap',
  toggleInlineHints: 'goHeap.toggleInlineHints',
  loadCompilerOutput: 'goHeap.loadCompilerOutput',
  showLog: 'goHeap.showLog',
  groupBySpanClass: 'goHeap.groupBySpanClass',
  groupByPackage: 'goHeap.groupByPackage',
  toggleEscapingOnly: 'goHeap.toggleEscapingOnly',
  setMinBytes: 'goHeap.setMinBytes',
  filterConstructs: 'goHeap.filterConstructs',
  compareWithGoVersion: 'goHeap.compareWithGoVersion',
  compareWithGitRef: 'goHeap.compareWithGitRef',
  upgradeReport: 'goHeap.upgradeReport',
  /** The only command hover markdown may run (MarkdownString.isTrusted.enabledCommands). */
  revealPosition: 'goHeap.revealPosition',
  loadHeapProfile: 'goHeap.loadHeapProfile',
  /** The `Profile allocations` CodeLens: { file, benchmark } or { file, test }; not in the palette. */
  profileBenchmark: 'goHeap.profileBenchmark',
  profileBenchmarks: 'goHeap.profileBenchmarks',
  groupByTopAllocations: 'goHeap.groupByTopAllocations',
  toggleTopOrder: 'goHeap.toggleTopOrder',
  unloadHeapProfile: 'goHeap.unloadHeapProfile',
} as const;

export const viewIds = { heap: 'goHeap.heap' } as const;
export const panelViewType = 'goHeap.simulateHeap';
export const contextKeys = { hasResults: 'goHeap.hasResults', grouping: 'goHeap.grouping', hasProfile: 'goHeap.hasProfile' } as const;
export const configSection = 'goHeap';
