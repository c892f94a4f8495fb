import test from 'ava';
import { loadKernels } from '../../../compiler/frontend/index.ts';
import type { IrFunction } from '../../../compiler/ir/types.ts';
import { prepareForBackend } from '../../../compiler/passes/pipeline.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { parseFunction } from '../../../compiler/ir/parse.ts';
import { runKernel } from '../../helpers/kernels.ts';

const file = new URL('../../fixtures/kernels/features.ts', import.meta.url).pathname;

/** The kernel before lowering, and a copy after the full backend pipeline. */
function forms(name: string): [string, IrFunction][] {
  const m = loadKernels(file);
  if (m.diagnostics.length > 0) throw new Error(JSON.stringify(m.diagnostics));
  const fn = m.kernels.get(name)!;
  const post = prepareForBackend(parseFunction(printFunction(fn)));
  const errors = verifyFunction(post, { lowered: true });
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return [['per-lane', fn], ['lowered', post]];
}

test('divergent if/else, early return, continue and break in a varying loop, device call', (t) => {
  const data = Int32Array.from({ length: 32 }, (_, i) => (i % 7 === 3 ? -i : i % 5 === 0 ? 0 : i * 3 - 10));
  const want = Array.from(data, (v0) => {
    if (v0 < 0) return -1;
    const v = v0 === 0 ? 100 : v0 * 2;
    let s = 0;
    for (let k = 0; k < 40; k++) {
      if (k % 3 === 0) continue;
      s += k;
      if (s > v) break;
    }
    return Math.min(s + v, 500);
  });
  for (const [form, fn] of forms('Features.divergent')) {
    const out = new Int32Array(32);
    runKernel(fn, [out, data], 2);
    t.deepEqual([...out], want, form);
  }
});

test('switch with fall-through, ?:, && with a store, conversions, Math.sqrt', (t) => {
  const n = 27;
  const want = new Float32Array(32);
  const wantFlags = new Uint32Array(32);
  for (let id = 0; id < n; id++) {
    let r: number;
    switch (id % 5) {
      case 0: r = 1.5; break;
      case 1: case 2: r = Math.fround(Math.fround(id) * 0.5) + 10; break;
      case 3: r = 10; break;
      default: r = -(id - 20);
    }
    r = Math.fround(r);
    if (id > 3) wantFlags[id] = 7;
    want[id] = id > 3 ? r : Math.fround(Math.sqrt(Math.fround(Math.fround(r * r) + 1)));
  }
  for (const [form, fn] of forms('Features.misc')) {
    const out = new Float32Array(32);
    const flags = new Uint32Array(32);
    runKernel(fn, [out, flags, n], 2);
    t.deepEqual(out, want, form);
    t.deepEqual(flags, wantFlags, form);
  }
});

test('rotate, reduceAdd, u8 and i16 pointers', (t) => {
  const small0 = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  const wide = Int16Array.from({ length: 16 }, (_, i) => (i % 2 ? -i * 1000 : i * 1000));
  const want = Array.from({ length: 16 }, (_, l) => ((l + 15) % 16) * 100 + 120 + small0[l]! + (wide[l]! < 0 ? 1 : 0));
  for (const [form, fn] of forms('Features.lanes')) {
    const out = new Uint32Array(16);
    const small = Uint8Array.from(small0);
    runKernel(fn, [out, small, wide], 1);
    t.deepEqual([...out], want, form);
    t.deepEqual([...small], Array.from(small0, (x) => (x + 250) & 255), form);
  }
});

test('device helpers from an imported file (renamed import), with a return inside a divergent loop', (t) => {
  const m = loadKernels(new URL('../../fixtures/kernels/multi/main.ts', import.meta.url).pathname);
  t.deepEqual(m.diagnostics, []);
  const fn = m.kernels.get('Multi.search')!;
  const data = Float32Array.from({ length: 20 }, (_, i) => i * 1.5);
  const want = Array.from({ length: 16 }, (_, l) => {
    const th = Math.fround(Math.fround(l * l) / 10);
    const i = [...data].findIndex((x) => x > th);
    return i < 0 ? 20 : i;
  });
  for (const f of [fn, prepareForBackend(parseFunction(printFunction(fn)))]) {
    const out = new Int32Array(16);
    runKernel(f, [data, out, 20], 1);
    t.deepEqual([...out], want);
  }
});

test('errors inside a device helper are reported in the helper\'s own file', (t) => {
  const m = loadKernels('/virtual/caller.ts', {
    source: `import { kernel, device, type f32, type Ptr } from 'qpuc';
export class C {
  @device
  static h(x: f32): f32 {
    return x + undefinedName;
  }
  @kernel
  static k(p: Ptr<f32>): void {
    p[0] = C.h(p[1]);
  }
}`,
  });
  t.deepEqual(m.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`), ['/virtual/caller.ts:5:16 1007']);
});

test('an exception inside the compiler becomes an internal-error diagnostic, not a throw', (t) => {
  const m = loadKernels('/virtual/broken.ts', { source: 42 as unknown as string });
  t.is(m.diagnostics.length, 1);
  t.is(m.diagnostics[0]!.code, 9001);
  t.regex(m.diagnostics[0]!.message, /^internal compiler error: /);
});
