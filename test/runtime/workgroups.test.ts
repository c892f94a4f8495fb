// Workgroups, grids, workgroup-shared memory and workgroup barriers (docs/language.md "Workgroups") on the reference
// interpreter and the vc6, vc7 and vc4 emulators. Expected values are computed here in plain JS from the definitions.
import test from 'ava';
import { Runtime, RuntimeError, type Backend, type Target } from '../../runtime/index.ts';
import { Matmul, Reduce, SegmentSums, Workgroups } from '../../kernels/workgroups.ts';
import { MatmulTiled } from '../../kernels/matmul-tiled.ts';

const RUNS: [Exclude<Backend, 'auto' | 'hardware'>, Target][] = [['reference', 'vc6'], ['emulator', 'vc6'], ['emulator', 'vc7'], ['emulator', 'vc4']];

for (const [backend, target] of RUNS) {
  const name = backend === 'reference' ? 'reference' : target;

  test(`${name}: ids of a [3, 2, 2] grid of 64-item workgroups`, async (t) => {
    const rt = await Runtime.open({ backend, target, log: () => {} });
    const grid = [3, 2, 2];
    const wg = 64;
    const items = grid[0]! * grid[1]! * grid[2]! * wg;
    const out = rt.alloc(Uint32Array, items * 4);
    await rt.launch(Workgroups.ids, { grid }, out);
    const want: number[] = [];
    for (let g = 0; g < items; g++) {
      const group = Math.floor(g / wg);
      const [x, y, z] = [group % 3, Math.floor(group / 3) % 2, Math.floor(group / 6)];
      const local = g % wg;
      want.push(local, x + 100 * y + 10000 * z, x * wg + local + 1000 * y, 3 + 10 * 2 + 100 * 2 + 1000 * wg + 100000 * 2);
    }
    t.deepEqual(Array.from(out), want);
    rt.close();
  });

  test(`${name}: shared memory and a workgroup barrier reverse each workgroup's elements`, async (t) => {
    const rt = await Runtime.open({ backend, target, log: () => {} });
    const n = 32 * 6;
    const x = rt.alloc(Float32Array, n);
    const y = rt.alloc(Float32Array, n);
    x.forEach((_, i) => (x[i] = i * 1.5 - 7));
    await rt.launch(Workgroups.reverse, { qpus: n / 16 }, x, y);
    t.deepEqual(Array.from(y), Array.from({ length: n }, (_, i) => x[Math.floor(i / 32) * 32 + 31 - (i % 32)] as number));
    rt.close();
  });

  test(`${name}: shared-memory and global-memory tree reductions give the tree's sums`, async (t) => {
    const rt = await Runtime.open({ backend, target, log: () => {} });
    const groups = 5;
    const x = rt.alloc(Float32Array, groups * 1024);
    x.forEach((_, i) => (x[i] = ((i * 37) % 101) / 8 - 3));
    // The tree adds element l + s into l for s = 512, 256, …, 1, each sum rounded to f32.
    const want = Array.from({ length: groups }, (_, g) => {
      const v = Array.from(x.slice(g * 1024, g * 1024 + 1024));
      for (let s = 512; s > 0; s >>= 1) for (let l = 0; l < s; l++) v[l] = Math.fround((v[l] as number) + (v[l + s] as number));
      return v[0] as number;
    });
    const sums = rt.alloc(Float32Array, groups);
    await rt.launch(Reduce.shared, { grid: [groups] }, x, sums);
    t.deepEqual(Array.from(sums), want);
    const tmp = rt.alloc(Float32Array, groups * 1024);
    const sums2 = rt.alloc(Float32Array, groups);
    await rt.launch(Reduce.global, { grid: [groups] }, x, tmp, sums2);
    t.deepEqual(Array.from(sums2), want);
    rt.close();
  });

  test(`${name}: naive and tiled matrix products agree with the definition`, async (t) => {
    const rt = await Runtime.open({ backend, target, log: () => {} });
    const n = 64;
    const a = rt.alloc(Float32Array, n * n);
    const b = rt.alloc(Float32Array, n * n);
    // Small integers: every partial sum is exact in f32, so every summation order gives the same result.
    a.forEach((_, i) => (a[i] = (i * 7) % 5 - 2));
    b.forEach((_, i) => (b[i] = (i * 3) % 7 - 3));
    const want = Array.from({ length: n * n }, (_, e) => {
      const [r, c] = [Math.floor(e / n), e % n];
      let s = 0;
      for (let k = 0; k < n; k++) s += (a[r * n + k] as number) * (b[k * n + c] as number);
      return s;
    });
    const c1 = rt.alloc(Float32Array, n * n);
    await rt.launch(Matmul.naive, { grid: [n / 16, n] }, n, a, b, c1);
    t.deepEqual(Array.from(c1), want, 'naive');
    const c2 = rt.alloc(Float32Array, n * n);
    await rt.launch(Matmul.tiled, { grid: [n / 64, n / 16] }, n, a, b, c2);
    t.deepEqual(Array.from(c2), want, 'tiled, a column of 16 per work item');
    if (target !== 'vc4') {
      const c3 = rt.alloc(Float32Array, n * n);
      await rt.launch(MatmulTiled.tiled16, { grid: [n / 16, n / 16] }, n, a, b, c3);
      t.deepEqual(Array.from(c3), want, 'tiled 16 x 16, one per work item');
    }
    rt.close();
  });
}

test('launch shapes: qpus and grid, whole workgroups, and the limits are RuntimeErrors', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator', target: 'vc6', log: () => {} });
  const out = rt.alloc(Uint32Array, 64 * 4 * 4);
  // qpus counts batches: 8 batches are two 64-item workgroups in one row.
  await rt.launch(Workgroups.ids, { qpus: 8 }, out);
  t.is(out[4 * 64 + 1], 1, 'work item 64 is in workgroup 1');
  await t.throwsAsync(rt.launch(Workgroups.ids, { qpus: 6 }, out), { instanceOf: RuntimeError, message: /multiple of 4, got 6/ });
  await t.throwsAsync(rt.launch(Workgroups.ids, { qpus: 4, grid: [1] }, out), { instanceOf: RuntimeError, message: /not both/ });
  await t.throwsAsync(rt.launch(Workgroups.ids, {}, out), { instanceOf: RuntimeError, message: /got neither/ });
  await t.throwsAsync(rt.launch(Workgroups.ids, { grid: [1, 0] }, out), { instanceOf: RuntimeError, message: /options\.grid must be 1 to 3 whole numbers/ });
  await t.throwsAsync(rt.launch(Workgroups.ids, { grid: [1, 1, 1, 1] }, out), { instanceOf: RuntimeError, message: /options\.grid must be 1 to 3/ });
  await t.throwsAsync(rt.launch(Workgroups.ids, { grid: [65535, 2] }, out), { instanceOf: RuntimeError, message: /at most 65535 workgroups/ });
  rt.close();
  // A workgroup must be resident at once: 256 work items need 16 thread slots, which 4 emulated QPUs lack.
  const small = await Runtime.open({ backend: 'emulator', target: 'vc6', emulator: { numQpus: 4 }, log: () => {} });
  const n = 16;
  const m = [small.alloc(Float32Array, n * n), small.alloc(Float32Array, n * n), small.alloc(Float32Array, n * n)] as const;
  await t.throwsAsync(small.launch(MatmulTiled.tiled16, { grid: [1, 1] }, n, ...m), { instanceOf: RuntimeError, message: /needs 16 resident batches, and this GPU holds 8/ });
  small.close();
});

test('a 256-item workgroup is one CSD workgroup per supergroup on V3D; vc4 refuses it at compile time', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator', target: 'vc4', log: () => {} });
  const n = 16;
  const m = [rt.alloc(Float32Array, n * n), rt.alloc(Float32Array, n * n), rt.alloc(Float32Array, n * n)] as const;
  await t.throwsAsync(rt.launch(MatmulTiled.tiled16, { grid: [1, 1] }, n, ...m), { message: /QPU3032: workgroupSize 256 is more than the 192 work items a workgroup may have on vc4/ });
  rt.close();
});

for (const [backend, target] of RUNS) {
  test(`${backend === 'reference' ? 'reference' : target}: segment sums by pairwise launches and by one launch with shared memory`, async (t) => {
    const rt = await Runtime.open({ backend, target, log: () => {} });
    const seg = 4096;
    const segs = 3;
    const x = rt.alloc(Float32Array, seg * segs);
    // Integers: every partial sum is exact, so both summation orders give the plain sum.
    x.forEach((_, i) => (x[i] = ((i * 37) % 101) - 50));
    const want = Array.from({ length: segs }, (_, g) => x.slice(g * seg, (g + 1) * seg).reduce((a, b) => a + b, 0));
    const sums = rt.alloc(Float32Array, segs);
    await rt.launch(SegmentSums.segments, { grid: [segs] }, x, sums);
    t.deepEqual(Array.from(sums), want, 'segments');
    let from = x;
    for (let n = (seg * segs) / 2; n >= segs; n /= 2) {
      const to = rt.alloc(Float32Array, n);
      await rt.launch(SegmentSums.pairs, { qpus: Math.min(8, Math.ceil(n / 16)) }, n, from, to);
      from = to;
    }
    t.deepEqual(Array.from(from), want, 'pairs');
    rt.close();
  });
}
