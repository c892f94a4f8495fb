/**
 * Sibling loads as vector lookups (compiler/passes/vecgroup.ts): four loads of consecutive words per lane become one
 * vec4 lookup on vc7, whose vector lookups read on from any word; not on vc6 (4.2 wraps inside the aligned 16
 * bytes), and not across a store. Results against plain JS on both, with x at an address that is not 16-byte
 * aligned.
 */
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../../compiler/compile.ts';
import { Runtime } from '../../../runtime/index.ts';
import { Siblings } from '../../fixtures/vec-siblings.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/vec-siblings.ts', import.meta.url));

/** Vector lookups (the vec4 TMU config, small immediate −4, written before them) and ldtmus in a kernel's listing. */
function lookups(target: 'vc6' | 'vc7', name: string): { vec4: number; ldtmu: number } {
  const r = compileFile(FIXTURE, { target });
  const k = r.kernels.find((x) => x.name === name);
  if (!k) throw new Error(`${name}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  const text = k.listing.map((l) => l.text.replace(/\/\/.*$/, ''));
  return { vec4: text.filter((l) => /tmuc, -4\b/.test(l)).length, ldtmu: text.filter((l) => /ldtmu/.test(l)).length };
}

test('vc7: four loads of consecutive words per lane are one vector lookup; vc6 keeps four', (t) => {
  const v7 = lookups('vc7', 'Siblings.quads');
  const v6 = lookups('vc6', 'Siblings.quads');
  t.true(v7.vec4 >= 1, 'vc7 issues vector lookups');
  t.is(v6.vec4, 0, 'vc6 does not (its vector lookups wrap inside 16 bytes)');
  // Each vector lookup still returns four words (four ldtmu): the same count, fewer lookups.
  t.is(v7.ldtmu, v6.ldtmu);
});

test('vc7: no vector lookup across a store between the loads', (t) => {
  t.is(lookups('vc7', 'Siblings.split').vec4, 0);
});

for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: sibling loads compute what plain JS does, x at a 4-byte (not 16-byte) aligned address`, async (t) => {
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
    try {
      const n = 5;
      const buf = rt.alloc(Uint32Array, 64 * n + 1);
      for (let i = 0; i < buf.length; i++) buf[i] = (i * 2654435761) >>> 7;
      const x = buf.subarray(1);
      const y = rt.alloc(Uint32Array, 16 * n);
      const want = (xs: Uint32Array) =>
        Array.from({ length: 16 * n }, (_, i) => {
          const b = 64 * Math.floor(i / 16) + 4 * (i % 16);
          return ((xs[b] as number) + (xs[b + 1] as number) * 3 + (xs[b + 2] as number) * 5 + (xs[b + 3] as number) * 7) >>> 0;
        });
      const expected = want(x);
      await rt.launch(Siblings.quads, { qpus: 1 }, n, x, y);
      t.deepEqual([...y], expected);
      const x2 = Uint32Array.from(x);
      for (let i = 0; i < 16 * n; i++) {
        const b = 64 * Math.floor(i / 16) + 4 * (i % 16);
        x2[b + 2] = ((x2[b] as number) + (x2[b + 1] as number)) >>> 0;
      }
      await rt.launch(Siblings.split, { qpus: 1 }, n, x, y);
      t.deepEqual([...y], want(x2));
      t.deepEqual([...x], [...x2]);
    } finally {
      rt.close();
    }
  });
}
