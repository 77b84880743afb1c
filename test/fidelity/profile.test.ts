// Fidelity of the measured heap: the fixture modules' benchmarks profiled at -memprofilerate=1 with
// every Go toolchain on the machine, joined with the analysis made by the same toolchain. The heap
// profile's `bytes` label is the runtime's slot, so it is an oracle for the prediction at every site:
// every site with a static prediction that the profile hits must be `confirmed`, and the join's
// objects and bytes per line must equal what `go tool pprof -raw` reads from the same file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, suite, test } from 'node:test';
import { decodeHeapProfile } from '../../src/core/profile/decode.ts';
import type { ProfileJoin } from '../../src/core/profile/join.ts';
import { analyzeWorkspace } from '../../src/toolchain/analyze.ts';
import { joinProfileWithAnalysis, readProfileFile } from '../../src/toolchain/profileFile.ts';
import { goEnv, memProfile, pprofRawByLine, repo } from '../helpers/goProfile.ts';
import { findToolchains } from './harness.ts';

const { found, skipped } = findToolchains();
const toolchains = found.filter((t) => t.variant === undefined);
const tmp = mkdtempSync(join(tmpdir(), 'ghl-profile-fidelity-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The fixture packages with benchmarks for every allocating function (bench_test.go, measured_test.go). */
const targets = [
  { name: 'demo', module: join(repo, 'test/fixtures/demo'), pkgDir: join(repo, 'test/fixtures/demo'), packages: ['.'] },
  {
    name: 'constructs/alloc',
    module: join(repo, 'test/fixtures/constructs'),
    pkgDir: join(repo, 'test/fixtures/constructs/alloc'),
    packages: ['./alloc'],
  },
];

const isStatic = (s: ProfileJoin['sites'][number]['site']) =>
  (s.prediction.kind === 'tiny' || s.prediction.kind === 'small' || s.prediction.kind === 'large') && !s.dynamic?.length;

suite('measured heap against the runtime', () => {
  if (skipped.length) test(`toolchains not run: ${skipped.map((s) => `${s.what} (${s.why})`).join('; ')}`, (t) => t.skip('see the title'));
  for (const tc of toolchains) {
    for (const target of targets) {
      test(`${tc.version}: ${target.name}: every static site the profile hits is confirmed, and per-line sums equal go tool pprof -raw`, async () => {
        const out = join(tmp, `${tc.version}-${target.name.replace('/', '-')}.pprof`);
        memProfile({ go: tc.goBin, pkgDir: target.pkgDir, out, benchtime: '40x' });
        const r = await analyzeWorkspace({
          dir: target.module,
          env: goEnv(),
          goBinary: tc.goBin,
          includeTests: true,
          packages: target.packages,
        });
        assert.deepEqual(r.errors, []);
        const profile = decodeHeapProfile(await readProfileFile(out));
        const j = await joinProfileWithAnalysis(profile, r.sites, r.modules, { file: out });

        const wrong = j.sites.filter(({ site, measured }) => isStatic(site) && measured.verdict !== 'confirmed');
        assert.deepEqual(
          wrong.map(
            ({ site, measured }) =>
              `${site.file}:${site.line}:${site.column} ${site.expr}: predicted ${site.prediction.slotBytes} B, recorded ${JSON.stringify(measured.slots)}`,
          ),
          [],
        );
        assert.ok(j.sites.filter(({ site }) => isStatic(site)).length >= 8, `too few static sites hit: ${j.sites.length}`);

        // pprof's own reading: totals, and per allocating line of the module.
        const raw = pprofRawByLine(tc.goBin, out);
        assert.deepEqual([j.summary.totalObjects, j.summary.totalBytes], [raw.total.objects, raw.total.bytes]);
        const ours = new Map<string, { objects: number; bytes: number }>();
        const add = (k: string, objects: number, bytes: number) => {
          const a = ours.get(k) ?? { objects: 0, bytes: 0 };
          a.objects += objects;
          a.bytes += bytes;
          ours.set(k, a);
        };
        for (const { site, measured } of j.sites) add(`${site.file}:${site.line}`, measured.objects, measured.bytes);
        for (const u of j.summary.unattributed) if (u.file.startsWith(target.module)) add(`${u.file}:${u.line}`, u.objects, u.bytes);
        const theirs = new Map([...raw.byLine].filter(([k, v]) => k.startsWith(target.module) && (v.objects > 0 || v.bytes > 0)));
        assert.ok(theirs.size >= 8, `pprof -raw shows only ${theirs.size} lines of ${target.module}`);
        assert.deepEqual(Object.fromEntries([...ours].sort()), Object.fromEntries([...theirs].sort()));

        // Attribution: the module's profiled bytes go to a site or to a reason naming the construct.
        const noConstruct = j.summary.unattributed.filter(
          (u) => u.file.startsWith(target.module) && /no analysed site|older than the file/.test(u.reason),
        );
        assert.deepEqual(noConstruct, []);
      });
    }
  }
});
