// Summary of a `node --cpu-prof` profile for RESULTS.md (benchmark 5, see run.ts): self time
// per function, summed over the profile's nodes, biggest first.

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export function summariseProfile(json: string, top = 15): string {
  const p = JSON.parse(json) as CpuProfile;
  if (!Array.isArray(p.nodes) || !Array.isArray(p.samples)) throw new Error('not a V8 CPU profile (no nodes/samples)');
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const byName = new Map<string, number>();
  let total = 0;
  for (const n of p.nodes) {
    const t = selfUs.get(n.id) ?? 0;
    total += t;
    const file = n.callFrame.url.split('/').slice(-2).join('/');
    const k = `${n.callFrame.functionName || '(anonymous)'}${file ? ` ${file}` : ''}`;
    byName.set(k, (byName.get(k) ?? 0) + t);
  }
  const rows = [...byName].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `total ${(total / 1000).toFixed(0)} ms sampled`,
    ...rows.map(([k, t]) => `${(t / 1000).toFixed(0).padStart(7)} ms ${((100 * t) / total).toFixed(1).padStart(5)} %  ${k}`),
  ].join('\n');
}
