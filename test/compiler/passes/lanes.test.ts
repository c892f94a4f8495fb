/**
 * Lane regrouping for vector TMU lookups (compiler/passes/loopshape.ts,
 * lanePlan): which loops are regrouped, and that a regrouped loop computes
 * what the kernel's per-lane program does. The expected memory comes from the
 * frontend's per-lane IR run by the interpreter (before any pass) and from
 * plain JavaScript; arrays sit at 16-byte-aligned and unaligned addresses, so
 * both the main loop and its fallback run.
 */
import test from 'ava';
import { compileSource, onlyKernel, parseFunction } from '../../helpers/kernels.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';
import { prepareForBackend, prepareOptionsFor } from '../../../compiler/passes/pipeline.ts';
import { ArrayMemory, interpretKernel } from '../../../compiler/ir/interpret.ts';
import { TARGETS } from '../../../compiler/target/targets.ts';
import type { IrFunction } from '../../../compiler/ir/types.ts';

const header = `import { kernel, qpu, f32, u32, i32, type Ptr } from 'qpuc';\n`;

/** Kernels that qualify: independent iterations, every access p[i] of 32 bits. */
const REGROUPED: Record<string, string> = {
  copy: `export class K { @kernel static k(n: u32, src: Ptr<f32>, dst: Ptr<f32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) dst[i] = src[i];
  } }`,
  saxpyInPlace: `export class K { @kernel static k(n: u32, a: f32, x: Ptr<f32>, y: Ptr<f32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) y[i] = a * x[i] + y[i];
  } }`,
  indexValues: `export class K { @kernel static k(n: u32, dst: Ptr<u32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) dst[i] = i * 3 + 1;
  } }`,
  twoOutputs: `export class K { @kernel static k(n: u32, src: Ptr<i32>, lo: Ptr<i32>, hi: Ptr<i32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) { const v = src[i]; lo[i] = v & 255; hi[i] = v >> 8; }
  } }`,
  offsetStart: `export class K { @kernel static k(n: u32, s: u32, src: Ptr<u32>, dst: Ptr<u32>): void {
    for (let i = qpu.globalId() + s; i < n; i += qpu.globalCount()) dst[i] = src[i] + 1;
  } }`,
};

/** Kernels that must keep their lanes: a lane or QPU id, a per-lane sum carried across iterations, a break, a neighbour's element. */
const KEPT: Record<string, string> = {
  laneDependent: `export class K { @kernel static k(n: u32, dst: Ptr<u32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) dst[i] = qpu.laneId();
  } }`,
  qpuDependent: `export class K { @kernel static k(n: u32, dst: Ptr<u32>): void {
    const q = qpu.qpuId() * 1000;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) dst[i] = q + i;
  } }`,
  perQpuIndex: `export class K { @kernel static k(n: u32, dst: Ptr<u32>): void {
    const q = qpu.qpuId() * 16;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) dst[i + q] = i;
  } }`,
  carried: `export class K { @kernel static k(n: u32, src: Ptr<u32>, out: Ptr<u32>): void {
    let s: u32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) s += src[i];
    out[qpu.globalId()] = s;
  } }`,
  early: `export class K { @kernel static k(n: u32, src: Ptr<u32>, dst: Ptr<u32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) { if (src[i] === 7) break; dst[i] = src[i]; }
  } }`,
  neighbour: `export class K { @kernel static k(n: u32, src: Ptr<u32>, dst: Ptr<u32>): void {
    for (let i = qpu.globalId(); i + 1 < n; i += qpu.globalCount()) dst[i] = src[i + 1];
  } }`,
};

function prepared(source: string, target: 'vc4' | 'vc6' | 'vc7'): { frontend: IrFunction; lowered: IrFunction } {
  const frontend = onlyKernel(compileSource(header + source));
  const lowered = prepareForBackend(parseFunction(printFunction(frontend)), prepareOptionsFor(TARGETS[target]));
  return { frontend, lowered };
}

const tagged = (fn: IrFunction) => fn.blocks.flatMap((b) => b.instrs).filter((i) => i.attrs?.['vec'] === 4);

/** Runs `fn` with arrays placed at `base + offsets[k]` in one memory; returns every array's final words. */
function run(fn: IrFunction, scalars: number[], arrays: Uint32Array[], misalign: number, qpus: number): number[][] {
  const slot = 1 << 14;
  const mem = new ArrayMemory(new ArrayBuffer(slot * arrays.length), 0x10000);
  const words = new Uint32Array(mem.buffer);
  const at = arrays.map((a, k) => k * slot + (k === arrays.length - 1 ? misalign : 0));
  arrays.forEach((a, k) => words.set(a, at[k]! / 4));
  const ptrs = at.map((o) => ({ address: 0x10000 + o }));
  interpretKernel(fn, [...scalars, ...ptrs], mem, { qpus });
  return arrays.map((a, k) => Array.from(words.subarray(at[k]! / 4, at[k]! / 4 + a.length)));
}

function inputs(count: number, len: number): Uint32Array[] {
  return Array.from({ length: count }, (_, k) => Uint32Array.from({ length: len }, (_, i) => (Math.imul(i + 1, 2654435761 + k * 97) >>> 7) & 0xffff));
}

for (const [name, source] of Object.entries(REGROUPED)) {
  test(`${name}: regrouped for vec4 lookups on vc6 and vc7, kept on vc4`, (t) => {
    for (const target of ['vc6', 'vc7'] as const) {
      const { lowered } = prepared(source, target);
      t.deepEqual(verifyFunction(lowered, { lowered: true }), []);
      const parts = tagged(lowered);
      t.true(parts.length >= 16 && parts.length % 4 === 0, `${target}: ${parts.length} tagged accesses`);
      for (let p = 0; p < 4; p++) t.is(parts.filter((i) => i.attrs?.['part'] === p).length, parts.length / 4);
    }
    t.is(tagged(prepared(source, 'vc4').lowered).length, 0);
  });

  test(`${name}: the regrouped loop computes what the per-lane program does (sizes, QPU counts, unaligned arrays)`, (t) => {
    const { frontend, lowered } = prepared(source, 'vc6');
    const params = frontend.params.map((p) => p.value.type);
    const nArrays = params.filter((ty) => typeof ty === 'object').length;
    let compared = 0;
    for (const n of [0, 5, 64, 255, 256, 1000, 2053]) {
      for (const qpus of [1, 3, 8]) {
        for (const misalign of [0, 4]) {
          const scalars = params.filter((ty) => typeof ty !== 'object').map((ty, k) => (k === 0 ? n : ty === 'f32' ? 1.5 : 3));
          const want = run(frontend, scalars, inputs(nArrays, 2100), misalign, qpus);
          const got = run(lowered, scalars, inputs(nArrays, 2100), misalign, qpus);
          t.deepEqual(got, want, `n=${n} qpus=${qpus} misalign=${misalign}`);
          compared++;
        }
      }
    }
    t.is(compared, 42);
  });
}

test('copy: plain JavaScript agrees with the regrouped loop', (t) => {
  const { lowered } = prepared(REGROUPED['copy']!, 'vc7');
  const [src, dst] = inputs(2, 3000);
  const n = 2999;
  const [, out] = run(lowered, [n], [src!, dst!], 0, 12);
  const want = Array.from(dst!);
  for (let i = 0; i < n; i++) want[i] = src![i]!;
  t.deepEqual(out, want);
});

for (const [name, source] of Object.entries(KEPT)) {
  test(`${name}: keeps its lanes (no vector tags)`, (t) => {
    t.is(tagged(prepared(source, 'vc7').lowered).length, 0);
  });
}
