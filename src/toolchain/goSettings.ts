// Merging our settings with vscode-go's (go.goroot, go.alternateTools, go.toolsEnvVars,
// go.buildFlags, go.buildTags) into the plain options the pipeline takes. No vscode import:
// ui/config.ts reads the raw values, this file decides, and the unit tests call it directly.
import type { AnalyzeOptions } from './analyze.ts';
import type { Spawner } from './go.ts';

export interface RawSettings {
  readonly packages: unknown;
  readonly buildFlags: unknown;
  readonly buildTags: unknown;
  readonly analyzeOnSave: unknown;
  readonly includeTests: unknown;
  readonly goVersion: unknown;
  readonly arch: unknown;
  readonly inlineHints: unknown;
  readonly escapingOnly: unknown;
  readonly minBytes: unknown;
  /** vscode-go's settings, when that extension's configuration is present. */
  readonly goGoroot?: unknown;
  readonly goAlternateTools?: unknown;
  readonly goToolsEnvVars?: unknown;
  readonly goBuildFlags?: unknown;
  readonly goBuildTags?: unknown;
}

export interface AnalysisSettings {
  readonly packages: readonly string[];
  readonly buildFlags: readonly string[];
  readonly buildTags: readonly string[];
  readonly analyzeOnSave: boolean;
  readonly includeTests: boolean;
  readonly goVersion: string | undefined;
  readonly arch: string | undefined;
  /** The go binary: go.alternateTools.go, else go.goroot/bin/go, else undefined (PATH lookup). */
  readonly goBinary: string | undefined;
  /** go.toolsEnvVars, plus GOROOT when go.goroot is set. */
  readonly env: Readonly<Record<string, string>>;
}

export interface DisplaySettings {
  readonly inlineHints: boolean;
  readonly escapingOnly: boolean;
  readonly minBytes: number;
}

export interface HeapSettings {
  readonly analysis: AnalysisSettings;
  readonly display: DisplaySettings;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** splitTags: go.buildTags is one string, comma- or space-separated (as `go build -tags` accepts). */
export function splitTags(v: unknown): string[] {
  if (Array.isArray(v)) return strings(v);
  return typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : [];
}

/** expandPath resolves `~` and `${workspaceFolder}` the way vscode-go does for go.goroot and alternateTools. */
export function expandPath(p: string, home: string, workspaceFolder: string | undefined): string {
  let out = p;
  if (workspaceFolder !== undefined) out = out.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  if (out === '~' || out.startsWith('~/')) out = home + out.slice(1);
  return out;
}

/**
 * resolveSettings merges our settings with vscode-go's. Flags: go.buildFlags first, ours after
 * (later flags win in `go build`). Tags: the union, go.buildTags first; a `-tags` inside
 * the flags is left to the user. Binary: go.alternateTools.go wins over go.goroot.
 */
export function resolveSettings(raw: RawSettings, home: string, workspaceFolder: string | undefined): HeapSettings {
  const env: Record<string, string> = {};
  if (raw.goToolsEnvVars && typeof raw.goToolsEnvVars === 'object') {
    for (const [k, v] of Object.entries(raw.goToolsEnvVars as Record<string, unknown>)) if (typeof v === 'string') env[k] = v;
  }
  let goBinary: string | undefined;
  const goroot = str(raw.goGoroot);
  if (goroot) {
    const root = expandPath(goroot, home, workspaceFolder);
    env.GOROOT = root;
    goBinary = `${root.replace(/\/+$/, '')}/bin/go`;
  }
  const alt =
    raw.goAlternateTools && typeof raw.goAlternateTools === 'object'
      ? str((raw.goAlternateTools as Record<string, unknown>).go)
      : undefined;
  if (alt) goBinary = expandPath(alt, home, workspaceFolder);
  const tags = [...new Set([...splitTags(raw.goBuildTags), ...splitTags(raw.buildTags)])];
  const minBytes = typeof raw.minBytes === 'number' && Number.isFinite(raw.minBytes) && raw.minBytes > 0 ? Math.floor(raw.minBytes) : 0;
  const packages = strings(raw.packages);
  return deepFreeze({
    analysis: {
      packages: packages.length ? packages : ['./...'],
      buildFlags: [...strings(raw.goBuildFlags), ...strings(raw.buildFlags)],
      buildTags: tags,
      analyzeOnSave: raw.analyzeOnSave !== false,
      includeTests: raw.includeTests === true,
      goVersion: str(raw.goVersion),
      arch: str(raw.arch),
      goBinary,
      env,
    },
    display: {
      inlineHints: raw.inlineHints !== false,
      escapingOnly: raw.escapingOnly !== false,
      minBytes,
    },
  });
}

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

/**
 * ignoredWhenRestricted names the settings that Restricted Mode (an untrusted workspace) does not
 * apply because they choose an executable, its flags or its environment: a workspace could set
 * them to run anything. Nothing is built there, so they are ignored; the user is told which.
 */
export function ignoredWhenRestricted(a: AnalysisSettings): string[] {
  const out: string[] = [];
  if (a.goBinary !== undefined) out.push('go.alternateTools / go.goroot (the go binary)');
  if (Object.keys(a.env).length > 0) out.push('go.toolsEnvVars (environment)');
  if (a.buildFlags.length > 0) out.push('goHeap.analysis.buildFlags / go.buildFlags');
  if (a.buildTags.length > 0) out.push('goHeap.analysis.buildTags / go.buildTags');
  return out;
}

/** refuseSpawn: the spawner of Restricted Mode; analyze.ts must not reach it (noToolchain), and if it did, nothing would start. */
export const refuseSpawn: Spawner = (command) => {
  throw Object.assign(new Error(`Restricted Mode: refusing to start ${command}`), { code: 'EPERM' });
};

/**
 * restrictedLoadOptions: the only analysis an untrusted workspace runs — saved compiler output
 * parsed and classified for `goVersion`, with no process, no overlay and none of the settings
 * of ignoredWhenRestricted.
 */
export function restrictedLoadOptions(
  dir: string,
  fromFile: string,
  goVersion: string,
  arch: string | undefined,
  signal?: AbortSignal,
): AnalyzeOptions {
  return { dir, fromFile, goVersion, noToolchain: true, spawn: refuseSpawn, ...(arch ? { arch } : {}), ...(signal ? { signal } : {}) };
}
