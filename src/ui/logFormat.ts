// How log lines render a command (no vscode import; unit-tested).

/** shellQuote quotes one argument for a POSIX shell, leaving plain flags and paths bare. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
