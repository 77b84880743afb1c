// The workload table: one row per analysed heap site with an editable count and keep flag.
// Thousands of rows are normal (a module of 2,000 sites), so the cells are native inputs, not
// toolkit components (one custom element per cell cost seconds to build), and the presets
// change the inputs in place instead of rebuilding the table. The table fits its column: the
// site text is cut with an ellipsis (full text in the tooltip), the numbers never are.
import { limits, type WorkloadSite } from '../src/protocol/messages.ts';
import { el } from './ui.ts';

/** parseCount: a count as typed ("1 000", "1_000" too), or undefined when it is not one the host accepts. */
export function parseCount(v: string): number | undefined {
  const t = v.trim().replace(/[_\s]/g, '');
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) && n <= limits.maxCount ? n : undefined;
}

export interface WorkloadTableInput {
  readonly sites: readonly WorkloadSite[];
  countOf(s: WorkloadSite): number;
  keepOf(s: WorkloadSite): boolean;
  /** The count field's text changed; return whether it is a valid count. */
  onCount(s: WorkloadSite, text: string): boolean;
  onKeep(s: WorkloadSite, keep: boolean): void;
  onReveal(s: WorkloadSite): void;
}

export interface WorkloadTable {
  readonly element: HTMLElement;
  /** Sets every row's inputs to the model's values (after a preset). */
  refresh(): void;
}

export function workloadTable(i: WorkloadTableInput): WorkloadTable {
  const scroller = el('div', undefined, i.sites.length > 200 ? 'workload-scroll many' : 'workload-scroll');
  const t = el('table', undefined, 'grid workload-table');
  t.id = 'workload';
  t.appendChild(
    el(
      'caption',
      `${i.sites.length} heap sites × an editable count (keep: the objects stay live; otherwise they are garbage for the next GC)`,
    ),
  );
  const cols = el('colgroup');
  for (const c of ['col-site', 'col-lands', 'col-count', 'col-keep']) cols.appendChild(el('col', undefined, c));
  t.appendChild(cols);
  const head = el('tr');
  for (const [h, title] of [
    ['Site', 'The expression and where it is (click: reveal in the editor)'],
    ['Lands in', 'Request size and where the allocator puts it'],
    ['Count', 'Objects to allocate'],
    ['Keep', 'Keep the objects live'],
  ] as const) {
    const th = el('th', h);
    th.scope = 'col';
    th.title = title;
    head.appendChild(th);
  }
  t.appendChild(el('thead')).appendChild(head);
  const body = el('tbody');
  const inputs: { site: WorkloadSite; count: HTMLInputElement; keep: HTMLInputElement }[] = [];
  for (const s of i.sites) {
    const tr = el('tr');
    const siteCell = el('td', undefined, 'site');
    const label = el('button', s.label, 'link');
    label.type = 'button';
    label.title = `${s.label} — ${s.where} (reveal in the editor)`;
    label.addEventListener('click', () => i.onReveal(s));
    siteCell.append(label, el('span', s.where, 'where'));
    const lands = el('td', s.hint, 'lands');
    lands.title = `${s.bytes} B ${s.pointers ? 'with pointers (scan)' : 'without pointers (noscan)'}: ${s.hint}`;
    const count = el('input', undefined, 'count');
    count.type = 'text';
    count.inputMode = 'numeric';
    count.value = String(i.countOf(s));
    count.setAttribute('aria-label', `count of ${s.label} at ${s.where}`);
    count.addEventListener('input', () => count.classList.toggle('invalid', !i.onCount(s, count.value)));
    const keep = el('input');
    keep.type = 'checkbox';
    keep.checked = i.keepOf(s);
    keep.setAttribute('aria-label', `keep ${s.label} live`);
    keep.addEventListener('change', () => i.onKeep(s, keep.checked));
    const c3 = el('td', undefined, 'num');
    c3.appendChild(count);
    const c4 = el('td', undefined, 'keep');
    c4.appendChild(keep);
    tr.append(siteCell, lands, c3, c4);
    body.appendChild(tr);
    inputs.push({ site: s, count, keep });
  }
  t.appendChild(body);
  scroller.appendChild(t);
  return {
    element: scroller,
    refresh: () => {
      for (const r of inputs) {
        r.count.value = String(i.countOf(r.site));
        r.count.classList.remove('invalid');
        r.keep.checked = i.keepOf(r.site);
      }
    },
  };
}
