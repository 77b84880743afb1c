// The one module that knows which component library draws the panel's controls
// (@vscode/webview-ui-toolkit today). Everything else asks for a button or a field here,
// so swapping the library (the toolkit is archived upstream) touches only this file.
// Every text argument is set with textContent/value, never parsed as HTML.
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerComponents(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeDivider(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeTextField(),
  );
}

/** el creates an element with plain-text content. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

export function button(label: string, onClick: () => void, opts: { id?: string; secondary?: boolean; title?: string } = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (opts.id) b.id = opts.id;
  if (opts.secondary) b.setAttribute('appearance', 'secondary');
  if (opts.title) b.title = opts.title;
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick();
  });
  return b;
}

export function setDisabled(e: HTMLElement, disabled: boolean): void {
  if (disabled) e.setAttribute('disabled', '');
  else e.removeAttribute('disabled');
}

/** textField: a labelled input; `onChange` gets the raw string on every edit. */
export function textField(
  label: string,
  value: string,
  onChange: (v: string) => void,
  opts: { id?: string; size?: number; ariaLabel?: string } = {},
): HTMLElement & { value: string } {
  const f = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  f.textContent = label;
  f.setAttribute('value', value);
  f.value = value;
  if (opts.id) f.id = opts.id;
  if (opts.size) f.setAttribute('size', String(opts.size));
  if (opts.ariaLabel) f.setAttribute('aria-label', opts.ariaLabel);
  f.addEventListener('input', () => onChange(f.value));
  return f;
}

export function dropdown(
  label: string,
  options: readonly string[],
  value: string,
  onChange: (v: string) => void,
  id?: string,
): HTMLElement {
  const wrap = el('div', undefined, 'field');
  const lab = el('label', label);
  const d = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  if (id) {
    d.id = id;
    lab.htmlFor = id;
  }
  for (const o of options) {
    const opt = document.createElement('vscode-option') as HTMLElement & { value: string };
    opt.textContent = o;
    opt.setAttribute('value', o);
    if (o === value) opt.setAttribute('selected', '');
    d.appendChild(opt);
  }
  d.addEventListener('change', () => onChange(d.value));
  wrap.append(lab, d);
  return wrap;
}

export function checkbox(label: string, checked: boolean, onChange: (v: boolean) => void, ariaLabel?: string): HTMLElement {
  const c = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  c.textContent = label;
  if (checked) c.setAttribute('checked', '');
  if (ariaLabel) c.setAttribute('aria-label', ariaLabel);
  c.addEventListener('change', () => onChange(c.checked));
  return c;
}

export function divider(): HTMLElement {
  return document.createElement('vscode-divider');
}

/** table: a plain, accessible table of text cells (numbers right-aligned by the stylesheet). */
export function table(
  caption: string,
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  id?: string,
): HTMLTableElement {
  const t = el('table', undefined, 'grid');
  if (id) t.id = id;
  t.appendChild(el('caption', caption));
  const thead = el('thead');
  const hr = el('tr');
  for (const h of headers) {
    const th = el('th', h);
    th.scope = 'col';
    hr.appendChild(th);
  }
  thead.appendChild(hr);
  const tbody = el('tbody');
  for (const r of rows) {
    const tr = el('tr');
    for (const c of r) tr.appendChild(el('td', String(c), typeof c === 'number' ? 'num' : undefined));
    tbody.appendChild(tr);
  }
  t.append(thead, tbody);
  return t;
}
