// runGo's onStderrBytes (src/toolchain/go.ts): the consumer gets stderr's bytes exactly as go wrote
// them (invalid UTF-8 and characters split across writes included), in place of onStderr, and
// GoRun keeps only an excerpt of a long stream, as for onStderr.
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { errorExcerptBytes, runGo } from '../../src/toolchain/go.ts';
import { fakeGoDir } from './helpers/fakego.ts';

const { dir, fakeGo } = fakeGoDir('ghl-stderr-bytes-');

suite('runGo onStderrBytes', () => {
  test('the bytes as written, split characters and invalid UTF-8 included; onStderr is not called', async () => {
    // `←` is E2 86 90: its bytes go out in two writes with a pause between them.
    const go = fakeGo('split', String.raw`printf 'a.go:1:2: x \342\206' >&2; sleep 0.2; printf '\220 y \377\300\n' >&2; printf 'out\n'`);
    const parts: Uint8Array[] = [];
    let texts = 0;
    const r = await runGo([], {
      goBinary: go,
      cwd: dir,
      onStderrBytes: (b) => parts.push(Uint8Array.from(b)),
      onStderr: () => {
        texts++;
      },
    });
    const got = Buffer.concat(parts);
    assert.deepEqual([...got], [...Buffer.from('a.go:1:2: x \u2190 y '), 0xff, 0xc0, 10]);
    assert.ok(parts.length >= 2, `${parts.length} chunks`);
    assert.equal(texts, 0);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, new TextDecoder().decode(got));
  });

  test('a long stream is passed on whole and kept as an excerpt', async () => {
    const go = fakeGo('long', `printf 'first\\n' >&2; yes 'a.go:1:2: x escapes to heap' | head -c 3000000 >&2; printf 'last\\n' >&2`);
    let bytes = 0;
    const r = await runGo([], {
      goBinary: go,
      cwd: dir,
      onStderrBytes: (b) => {
        bytes += b.length;
      },
    });
    assert.equal(bytes, 6 + 3000000 + 5);
    assert.ok(r.stderr.length <= 2 * errorExcerptBytes + 100, `${r.stderr.length}`);
    assert.match(r.stderr, /^first\n/);
    assert.match(r.stderr, /last\n$/);
  });
});
