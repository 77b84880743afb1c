// The settings bar: Go version, GOMAXPROCS and GOGC (checked as typed against the limits the
// host enforces, src/protocol/messages.ts), and the GOARCH of the analysis.
import { limits, type SimSettings } from '../src/protocol/messages.ts';
import { dropdown, el, textField } from './ui.ts';

export interface SettingsInput {
  readonly settings: SimSettings;
  readonly goVersions: readonly string[];
  readonly arch: string;
  /** A field's text became valid (ok) or invalid; `problem` names the field and what it takes. */
  validity(problem: string, ok: boolean): void;
  onChange(next: SimSettings): void;
}

export function settingsBar(i: SettingsInput): HTMLElement {
  let current = i.settings;
  /** settingField: a text field whose trimmed, lower-cased text `parse` turns into settings, or undefined when invalid. */
  const settingField = (
    label: string,
    id: 'procs' | 'gogc',
    size: number,
    problem: string,
    parse: (t: string) => Partial<SimSettings> | undefined,
  ): HTMLElement =>
    textField(
      label,
      String(current[id]),
      (v) => {
        const next = parse(v.trim().toLowerCase());
        i.validity(problem, next !== undefined);
        if (next) i.onChange((current = { ...current, ...next }));
      },
      { id, size },
    );
  const box = el('section', undefined, 'settings');
  box.setAttribute('aria-label', 'Simulation settings');
  const goOptions = i.goVersions.includes(current.go) ? i.goVersions : [current.go, ...i.goVersions];
  box.append(
    dropdown('Go version', goOptions, current.go, (v) => i.onChange((current = { ...current, go: v })), 'go-version'),
    settingField('GOMAXPROCS', 'procs', 5, 'GOMAXPROCS (1–256)', (t) => {
      const n = Number(t);
      return /^\d+$/.test(t) && n >= 1 && n <= limits.maxProcs ? { procs: n } : undefined;
    }),
    settingField('GOGC', 'gogc', 6, 'GOGC ("off" or a positive number)', (t) => {
      const n = Number(t);
      return t === 'off' ? { gogc: 'off' } : /^\d+$/.test(t) && n >= 1 && n <= limits.maxGogc ? { gogc: n } : undefined;
    }),
    el('span', `GOARCH ${i.arch}`, 'arch'),
  );
  return box;
}
