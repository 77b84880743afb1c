// Types for scripts/code-server-env.mjs (used by test/e2e from TypeScript).
import type { ChildProcess } from 'node:child_process';

/** One entry of VS Code's keybindings.json. */
export interface Keybinding {
  key: string;
  command: string;
  args?: unknown;
  when?: string;
}
export const repoRoot: string;
export const e2eCache: string;
export const nodeHome: string;
export const codeServerBin: string;
export const chromiumBin: string;
export function missing(): string[];
export function packagedFiles(): string[];
export function prepareRunDir(
  runDir: string,
  extraSettings?: Record<string, unknown>,
  packaged?: boolean,
  keybindings?: readonly Keybinding[],
): { extensionsDir: string; userDataDir: string };
export function startCodeServer(o: {
  runDir: string;
  port: number;
  logFile: string;
  graceSeconds?: number;
  settings?: Record<string, unknown>;
  packaged?: boolean;
  workspaceTrust?: boolean;
  env?: Record<string, string>;
  keybindings?: readonly Keybinding[];
}): Promise<{ url: string; pid: number; child: ChildProcess; stop: () => Promise<void> }>;
export function stopGroup(pid: number): Promise<void>;
