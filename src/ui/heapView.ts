// The Heap view: allocation sites by span class, or by package → function, heaviest first; the
// view's message says what its numbers count (core countsText). Tree elements are
// the plain models of present.ts (heapTree); this adapter maps them to TreeItems, keeps a
// parent index for reveal(), and shows the active filters in the view's description. Each
// node lists its children a page at a time (pagedChildren): the last item of a page is
// "Show N more…", whose click runs showMoreCommand with the node's id.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  constructLabel,
  countsText,
  filterSites,
  heapTree,
  pagedChildren,
  showMore,
  siteCounts,
  type HeapGrouping,
  type HeapTreeNode,
} from '../core/sites/present.ts';
import type { Construct } from '../core/sites/site.ts';
import { profileHeaderText } from '../core/sites/measuredHover.ts';
import { topAllocationsTree, type TopOrder } from '../core/sites/measuredTree.ts';
import type { ProfileService } from './profile.ts';
import { driftIdPrefix } from '../core/drift/tree.ts';
import type { AnalysisService } from './analysis.ts';
import { commandIds, contextKeys, viewIds } from '../protocol/manifest.ts';
import { readSettings } from './config.ts';

/**
 * The "Show N more…" item's command. Internal: run only from the tree item (argument: the node
 * id, '' for the roots), so it is neither contributed to the palette nor in commandIds.
 */
export const showMoreCommand = 'goHeap.heapShowMore';

export class HeapView implements vscode.TreeDataProvider<HeapTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<HeapTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: HeapTreeNode[] = [];
  private readonly byId = new Map<string, HeapTreeNode>();
  /** Children listed per node id ('' = roots) beyond the first page; kept across refreshes (ids are stable). */
  private readonly shown = new Map<string, number>();
  private grouping: HeapGrouping | 'top' = 'spanClass';
  /** Top allocations (a loaded heap profile's measured sites) order by bytes or objects. */
  private topOrder: TopOrder = 'bytes';
  /** Constructs shown (empty: all). A view state, not a setting: it is a transient drill-down. */
  private constructs: readonly Construct[] = [];
  private readonly view: vscode.TreeView<HeapTreeNode>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly service: AnalysisService,
    private readonly profiles?: ProfileService,
    dragAndDropController?: vscode.TreeDragAndDropController<HeapTreeNode>,
    /** Groups shown above the sites (the last comparison's Changes, ui/drift.ts; the Layout group, ui/layout.ts). */
    private readonly extraRoots: () => HeapTreeNode[] = () => [],
  ) {
    this.view = vscode.window.createTreeView(viewIds.heap, {
      treeDataProvider: this,
      showCollapseAll: true,
      ...(dragAndDropController ? { dragAndDropController } : {}),
    });
    this.disposables.push(
      this.view,
      this.changed,
      service.onDidChange(() => this.refresh()),
      ...(profiles ? [profiles.onDidChange(() => this.refresh())] : []),
      vscode.commands.registerCommand(showMoreCommand, (nodeId: unknown) => this.showMore(typeof nodeId === 'string' ? nodeId : '')),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('goHeap.display')) this.refresh();
      }),
    );
    void vscode.commands.executeCommand('setContext', contextKeys.grouping, this.grouping);
    this.refresh();
  }

  /** toggleTopOrder switches Top allocations between bytes and objects (and shows it). */
  toggleTopOrder(): void {
    this.topOrder = this.topOrder === 'bytes' ? 'objects' : 'bytes';
    this.setGrouping('top');
  }

  setGrouping(g: HeapGrouping | 'top'): void {
    this.grouping = g;
    void vscode.commands.executeCommand('setContext', contextKeys.grouping, g);
    this.refresh();
  }

  /** pickConstructs lets the user narrow the view to some constructs (new, make, closures, ...). */
  async pickConstructs(): Promise<void> {
    const present = [...new Set(this.service.allSites().map((s) => s.construct))].sort();
    if (present.length === 0) {
      void vscode.window.showInformationMessage('Go Heap Lens: no allocation sites yet.');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      present.map((c) => ({
        label: constructLabel(c),
        description: c,
        construct: c,
        picked: this.constructs.length === 0 || this.constructs.includes(c),
      })),
      { canPickMany: true, title: 'Go Heap: show these constructs' },
    );
    if (!picked) return;
    this.constructs = picked.length === present.length ? [] : picked.map((p) => p.construct);
    this.refresh();
  }

  /** showMore lists the next page of a node's children ('' = the roots). */
  showMore(nodeId: string): void {
    const node = nodeId ? this.byId.get(nodeId) : undefined;
    const total = node ? node.children.length : this.roots.length;
    if (nodeId && !node) return;
    this.shown.set(nodeId, showMore(this.shown.get(nodeId) ?? 0, total));
    this.changed.fire(node);
  }

  refresh(): void {
    const display = readSettings().display;
    const all = this.service.allSites();
    const shown = filterSites(all, { ...display, constructs: this.constructs });
    const join = this.profiles?.join;
    this.roots =
      this.grouping === 'top'
        ? join
          ? topAllocationsTree(join.sites, join.summary, this.topOrder)
          : []
        : [...this.extraRoots(), ...heapTree(shown, this.grouping)];
    this.byId.clear();
    const index = (n: HeapTreeNode): void => {
      this.byId.set(n.id, n);
      n.children.forEach(index);
    };
    this.roots.forEach(index);
    const filters = [
      display.escapingOnly ? 'escaping only' : 'all sites',
      ...(display.minBytes > 0 ? [`≥ ${display.minBytes} B`] : []),
      ...(this.constructs.length ? [this.constructs.map(constructLabel).join(', ')] : []),
    ];
    this.view.description = all.length ? `${shown.length}/${all.length} · ${filters.join(' · ')}` : undefined;
    // What the numbers count: the status bar's heap sites, split the way Simulate Heap can run them.
    this.view.message =
      all.length === 0
        ? undefined
        : shown.length === 0
          ? `All ${all.length} sites are hidden by the filters (${filters.join(', ')}).`
          : `${countsText(siteCounts(all))}. Bytes: heap if each site runs once; heaviest first.`;
    const origin = this.profiles?.origin;
    if (origin) {
      // The measured heap leads: what the profile says, then the static counts.
      const head = join
        ? profileHeaderText(join.summary, origin.kind === 'file' ? path.basename(origin.label) : origin.label, join.summary.sites)
        : `profile ${path.basename(origin.label)}: ${this.profiles?.problem ?? 'not joined'}`;
      const order = this.grouping === 'top' ? ` Top allocations by ${this.topOrder}.` : '';
      this.view.message = `${head}.${order}${this.view.message ? ` ${this.view.message}` : ''}`;
    } else if (this.grouping === 'top')
      this.view.message = 'No heap profile loaded: Load Heap Profile… or run a benchmark’s Profile allocations.';
    this.changed.fire(undefined);
  }

  getTreeItem(n: HeapTreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(
      n.label,
      n.children.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = n.id;
    item.description = n.description;
    item.tooltip = n.tooltip;
    item.contextValue = n.kind;
    if (n.kind === 'more') {
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.command = { command: showMoreCommand, title: n.label, arguments: [n.more?.nodeId ?? ''] };
    } else if (n.site) {
      item.iconPath = new vscode.ThemeIcon(n.id.startsWith(driftIdPrefix) ? 'diff-modified' : 'symbol-variable');
      item.command = {
        command: commandIds.revealPosition,
        title: 'Reveal',
        arguments: [{ file: n.site.file, line: n.site.line, column: n.site.column, base: n.site.file }],
      };
    } else {
      item.iconPath = n.id.startsWith(driftIdPrefix)
        ? new vscode.ThemeIcon('diff')
        : new vscode.ThemeIcon(n.kind === 'spanClass' ? 'symbol-class' : n.kind === 'package' ? 'package' : 'symbol-function');
    }
    return item;
  }

  getChildren(n?: HeapTreeNode): HeapTreeNode[] {
    const key = n?.id ?? '';
    return pagedChildren(n?.id, n ? n.children : this.roots, this.shown.get(key) ?? 0);
  }

  getParent(n: HeapTreeNode): HeapTreeNode | undefined {
    return n.parentId ? this.byId.get(n.parentId) : undefined;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
