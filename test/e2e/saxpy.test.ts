// The vertical slice end to end: TypeScript kernel → IR → V3D machine code →
// encoded words → emulator decoding and executing them, checked against plain JS.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { Runtime, type Target } from '../../runtime/index.ts';
import { compileFile } from '../../compiler/compile.ts';
import { decodeInstr } from '../../compiler/isa/v3d/decode.ts';
import { decodeVc4 } from '../../compiler/isa/vc4/encode.ts';

const SAXPY = fileURLToPath(new URL('../../kernels/saxpy.ts', import.meta.url));

async function saxpy(target: Target, backend: 'emulator' | 'reference', n: number, qpus: number) {
  const rt = await Runtime.open({ target, backend });
  try {
    const compiled = compileFile(SAXPY, { target });
    const kernel = compiled.kernels.find((k) => k.name === 'Blas.saxpy');
    if (!kernel) throw new Error(`saxpy did not compile: ${JSON.stringify(compiled.diagnostics)}`);
    const x = rt.alloc(Float32Array, n);
    const y = rt.alloc(Float32Array, n);
    const a = 1.75;
    for (let i = 0; i < n; i++) {
      x[i] = Math.fround((i * 7) % 113 - 50.5);
      y[i] = Math.fround(i * 0.25 - 3);
    }
    // f32 semantics: the product rounds to single precision, then the sum does.
    const expected = Float32Array.from(y, (yi, i) => Math.fround(Math.fround(a * (x[i] as number)) + yi));
    const r = await rt.launch(kernel, { qpus }, n, a, x, y);
    return { y: Array.from(y), expected: Array.from(expected), r };
  } finally {
    rt.close();
  }
}

for (const target of ['vc4', 'vc6', 'vc7'] as const) {
  for (const qpus of [1, 8]) {
    for (const n of [16 * qpus * 3, 16 * qpus * 3 + 5, 7]) {
      test(`saxpy on the ${target} emulator: n=${n}, ${qpus} QPUs`, async (t) => {
        const { y, expected, r } = await saxpy(target, 'emulator', n, qpus);
        t.deepEqual(y, expected);
        t.is(r.backend, 'emulator');
        t.truthy(r.profile && r.profile.cycles > 0);
        t.true((r.profile?.bytesWritten ?? 0) >= n * 4, 'every element written (TMU on V3D, VPM/DMA on VC4)');
        t.deepEqual(r.hazards, []);
      });
    }
  }
}

test('saxpy through the reference interpreter agrees with plain JS', async (t) => {
  const { y, expected } = await saxpy('vc6', 'reference', 100, 3);
  t.deepEqual(y, expected);
});

test('the saxpy machine code decodes back to the same instructions', (t) => {
  for (const [target, ver] of [['vc6', 42], ['vc7', 71]] as const) {
    const k = compileFile(SAXPY, { target }).kernels[0];
    if (!k) return t.fail('no kernel');
    const dv = new DataView(k.code.buffer, k.code.byteOffset, k.code.byteLength);
    for (let i = 0; i < k.instructionCount; i++) t.notThrows(() => decodeInstr(dv.getBigUint64(i * 8, true), ver));
    t.true(k.listing.some((l) => l.loc?.line !== undefined && l.text.includes('fmul')), 'fmul maps to a source line');
  }
});

test('saxpy on the vc4 emulator with more batches than QPUs (consecutive execute_qpu jobs)', async (t) => {
  const { y, expected, r } = await saxpy('vc4', 'emulator', 20 * 16 * 2 + 3, 20);
  t.deepEqual(y, expected);
  t.deepEqual(r.hazards, []);
});

test('the vc4 saxpy machine code decodes back and its listing maps fmul to a source line', (t) => {
  const k = compileFile(SAXPY, { target: 'vc4' }).kernels[0];
  if (!k) return t.fail('no kernel');
  const dv = new DataView(k.code.buffer, k.code.byteOffset, k.code.byteLength);
  for (let i = 0; i < k.instructionCount; i++) t.notThrows(() => decodeVc4(dv.getBigUint64(i * 8, true)));
  t.true(k.listing.some((l) => l.loc?.line !== undefined && l.text.includes('fmul')), 'fmul maps to a source line');
});
