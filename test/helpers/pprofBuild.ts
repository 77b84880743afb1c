// Encodes profile.proto files with pprof-format (the same library that decodes them), for tests
// and benchmarks that need a profile of a given shape: other profile kinds, hostile function names,
// stacks from another program or build, and profiles of a chosen size.
import { Function as PFunction, Label, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';

/** One frame: function, file, line, and the function's start line (0: not recorded). */
export type FrameSpec = readonly [fn: string, file: string, line: number, startLine?: number];

export interface SampleSpec {
  /** Locations leaf first; each is its Line[] innermost first. */
  readonly stack: readonly (readonly FrameSpec[])[];
  readonly values: readonly number[];
  /** The numeric `bytes` label (the runtime's slot); omitted: no label. */
  readonly slot?: number;
}

export const heapTypes = [
  ['alloc_objects', 'count'],
  ['alloc_space', 'bytes'],
  ['inuse_objects', 'count'],
  ['inuse_space', 'bytes'],
] as const;

export function encodeProfile(o: {
  sampleTypes?: readonly (readonly [string, string])[];
  samples: readonly SampleSpec[];
  period?: number;
  mapping?: { file: string; buildId: string };
}): Uint8Array {
  const st = new StringTable();
  const functions = new Map<string, PFunction>();
  const locations = new Map<string, Location>();
  const fnId = (name: string, file: string, start: number) => {
    const k = `${name}\0${file}\0${start}`;
    let f = functions.get(k);
    if (!f) {
      f = new PFunction({
        id: functions.size + 1,
        name: st.dedup(name),
        systemName: st.dedup(name),
        filename: st.dedup(file),
        startLine: start,
      });
      functions.set(k, f);
    }
    return f.id;
  };
  const locId = (frames: readonly FrameSpec[]) => {
    const k = JSON.stringify(frames);
    let l = locations.get(k);
    if (!l) {
      l = new Location({
        id: locations.size + 1,
        mappingId: 1,
        address: 0x400000 + locations.size * 16,
        line: frames.map(([fn, file, line, start]) => new Line({ functionId: fnId(fn, file, start ?? 0), line })),
      });
      locations.set(k, l);
    }
    return l.id;
  };
  const bytesKey = st.dedup('bytes');
  const samples = o.samples.map(
    (s) =>
      new Sample({
        locationId: s.stack.map(locId),
        value: [...s.values],
        label: s.slot === undefined ? [] : [new Label({ key: bytesKey, num: s.slot })],
      }),
  );
  const types = (o.sampleTypes ?? heapTypes).map(([t, u]) => new ValueType({ type: st.dedup(t), unit: st.dedup(u) }));
  const m = o.mapping ?? { file: '/tmp/app.test', buildId: 'abc123' };
  const p = new Profile({
    sampleType: types,
    sample: samples,
    mapping: [
      new Mapping({ id: 1, memoryStart: 0x400000, memoryLimit: 0x800000, filename: st.dedup(m.file), buildId: st.dedup(m.buildId) }),
    ],
    location: [...locations.values()],
    function: [...functions.values()],
    stringTable: st,
    periodType: new ValueType({ type: st.dedup('space'), unit: st.dedup('bytes') }),
    period: o.period ?? 1,
  });
  return p.encode();
}
