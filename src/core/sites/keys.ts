// Position keys shared by the join and its stream filter (collector.ts), which must find a
// diagnostic's explanation under the same keys (overview: join.ts).

export const key = (file: string, line: number, col: number | null | undefined) => `${file}\0${line}\0${col ?? 0}`;

/**
 * Position keys with the file as a small number: the keys of the join's maps are built per
 * diagnostic and hashed once each, and an absolute path is most of a key's length (the file
 * strings themselves repeat, and a string's hash is computed once).
 */
export class PositionKeys {
  private readonly ids = new Map<string, number>();

  of(file: string, line: number, col: number | null | undefined): string {
    let id = this.ids.get(file);
    if (id === undefined) this.ids.set(file, (id = this.ids.size));
    return `${id}:${line}:${col ?? 0}`;
  }
}

/** The keys under which joinSites finds the explanation of a subject at position key `k` (the first block for a key wins). */
export function explanationKeys(k: string, expr: string): [string, string] {
  return [`${k}\0${expr}`, `${k}\0${expr.startsWith('append(') ? 'append' : expr}`];
}
