// How the extension's log renders a toolchain command, so a user can paste it into a shell.

/** shellQuote quotes one argument for a POSIX shell, leaving plain flags and paths bare. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
