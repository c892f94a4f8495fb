// The kernel option `threadSwitch` end to end (docs/language.md "Kernel options", docs/backend-v3d.md "Thread
// switches"): results against plain JS on every backend with two batches per QPU, and on V3D that the two threads
// of a QPU then overlap their lookups (the timing model's cycles, not wall time).
import test from 'ava';
import { E2E_BACKENDS, words } from '../helpers/e2e.ts';
import { Runtime } from '../../runtime/index.ts';
import { Switch } from '../fixtures/e2e/switch.ts';

const N = 3001;
const M = 37;

/** counts (16 words) and per work item (s, hi) as plain JS computes them for `items` work items. */
function expected(x: ArrayLike<number>, table: ArrayLike<number>, items: number): { counts: number[]; out: number[] } {
  const counts = new Array<number>(16).fill(0);
  const out: number[] = [];
  for (let g = 0; g < items; g++) {
    let s = 0;
    let hi = 0;
    for (let i = g; i < N; i += items) {
      const v = x[i]!;
      const t = table[v % M]!;
      counts[t % 16]!++;
      if (t > v) s = (s + t - v) >>> 0;
      else s = (s ^ v) >>> 0;
      hi = Math.max(hi, t);
    }
    out.push(s, hi);
  }
  return { counts, out };
}

async function run(rt: Runtime, kernel: typeof Switch.switching, batches: number) {
  const x = rt.alloc(Uint32Array, N);
  x.set(words(N, 5).map((w) => w % 100000));
  const table = rt.alloc(Uint32Array, M);
  table.set(words(M, 6).map((w) => w % 200000));
  const counts = rt.alloc(Uint32Array, 16);
  const out = rt.alloc(Uint32Array, 2 * 16 * batches);
  const r = await rt.launch(kernel, { qpus: batches }, N, M, x, table, counts, out);
  return { r, got: { counts: Array.from(counts), out: Array.from(out) }, want: expected(x, table, 16 * batches) };
}

for (const b of E2E_BACKENDS) {
  test(`${b.name}: a threadSwitch kernel with two batches per QPU agrees with plain JS`, async (t) => {
    const rt = await b.open();
    try {
      const { got, want } = await run(rt, Switch.switching, 2 * rt.numQpus);
      t.deepEqual(got, want);
    } finally {
      rt.close();
    }
  });
}

for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: two threads of one QPU overlap their lookups with threadSwitch, not without`, async (t) => {
    const rt = await Runtime.open({ backend: 'emulator', target, emulator: { numQpus: 1 }, log: () => undefined });
    try {
      const plain = await run(rt, Switch.plain, 2);
      const switching = await run(rt, Switch.switching, 2);
      t.deepEqual(switching.got, switching.want);
      t.deepEqual(plain.got, plain.want);
      const [p, s] = [plain.r.profile!, switching.r.profile!];
      // The switches cost instruction slots; the waits they hide cost more.
      t.true(s.instructions > p.instructions, `instructions: ${s.instructions} with switches, ${p.instructions} without`);
      t.true(s.cycles < 0.9 * p.cycles, `cycles: ${s.cycles} with switches, ${p.cycles} without`);
    } finally {
      rt.close();
    }
  });
}
