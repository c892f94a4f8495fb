// V3D backend pieces the kernel language does not reach directly (mulhi, rotr), spilling metadata and the
// runtime's scratch uniform, and QPU5001 for what the backend cannot do. Results are checked against the
// reference interpreter (differential) and against plain JS.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { compileFile, loadPreparedKernels } from '../../../compiler/compile.ts';
import { compileFunction } from '../../../compiler/backend/index.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { parseFunction } from '../../../compiler/ir/parse.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';
import { evalOp } from '../../../compiler/ir/eval.ts';
import { csdConfig } from '../../../runtime/launchers/v3d.ts';
import { uniformWords } from '../../../runtime/launchers/uniforms.ts';
import { Runtime } from '../../../runtime/index.ts';
import { SPILL_BYTES_PER_BATCH } from '../../../compiler/backend/v3d/spill.ts';
import { TMU_CONFIG_GROUP } from '../../../compiler/backend/v3d/isel-memory.ts';
import { differential } from '../../helpers/differential.ts';

const OPS = fileURLToPath(new URL('../../fixtures/backend-ops.ts', import.meta.url));
const SPILL = fileURLToPath(new URL('../../fixtures/e2e/spill.ts', import.meta.url));
const SAXPY = fileURLToPath(new URL('../../../kernels/saxpy.ts', import.meta.url));

/** The kernel's IR with its `mul` turned into `mulhi` and its `shr` into `rotr`. */
function rewritten(name: string) {
  const fn = loadPreparedKernels(OPS).kernels.get(name);
  if (!fn) throw new Error(`${name} missing`);
  const text = printFunction(fn).replace(/= mul /g, '= mulhi ').replace(/= shr /g, '= rotr ');
  const ir = parseFunction(text);
  return ir;
}

for (const target of ['vc6', 'vc7'] as const) {
  for (const name of ['Ops.signed', 'Ops.unsigned']) {
    test(`mulhi and rotr (${name}) on ${target} agree with the reference`, async (t) => {
      const ir = rewritten(name);
      t.deepEqual(verifyFunction(ir, { lowered: true }), []);
      t.true(printFunction(ir).includes('mulhi') && printFunction(ir).includes('rotr'));
      const k = compileFunction(name, ir, target);
      for (const seed of [1, 2, 3]) {
        const res = await differential(k, target, { qpus: 2 }, seed);
        t.deepEqual(res.mismatches, []);
        t.is(res.hazards, 0);
      }
    });
  }
}

for (const target of ['vc6', 'vc7'] as const) {
  test(`a product of two factors below 2^24 is one umul24 on ${target}, others multop + umul24; both agree with the reference`, async (t) => {
    const fn = loadPreparedKernels(OPS).kernels.get('Ops.narrow');
    if (!fn) throw new Error('Ops.narrow missing');
    const k = compileFunction('Ops.narrow', fn, target);
    const text = k.listing.map((l) => l.text).join('\n');
    t.is((text.match(/umul24/g) ?? []).length, 2, text);
    t.is((text.match(/multop/g) ?? []).length, 1, text);
    for (const seed of [1, 2]) {
      const res = await differential(k, target, { qpus: 2 }, seed);
      t.deepEqual(res.mismatches, []);
    }
  });
}

test('the reference meaning of mulhi is the high word of the 64-bit product (plain JS check)', (t) => {
  const hi = (a: bigint, b: bigint, signed: boolean) => {
    const p = a * b;
    const w = (p >> 32n) & 0xffffffffn;
    return signed ? Number(BigInt.asIntN(32, w)) : Number(w);
  };
  for (const [a, b] of [[-1, -1], [0x7fffffff, 0x7fffffff], [-2147483648, 3], [123456789, -987654321]] as const) {
    t.is(evalOp('mulhi', 'i32', [a, b], undefined), hi(BigInt(a), BigInt(b), true));
    t.is(evalOp('mulhi', 'u32', [a >>> 0, b >>> 0], undefined), hi(BigInt(a >>> 0), BigInt(b >>> 0), false));
  }
});

test('a kernel with more than 64 live values spills: scratch size and the scratch uniform first', (t) => {
  for (const target of ['vc6', 'vc7'] as const) {
    const k = compileFile(SPILL, { target }).kernels[0];
    if (!k) return t.fail('spill kernel did not compile');
    t.is(k.scratchBytesPerThread, SPILL_BYTES_PER_BATCH);
    t.deepEqual(k.uniforms[0], { kind: 'scratch' });
    t.true(k.registersUsed <= 64);
    const s = compileFile(SAXPY, { target }).kernels[0];
    t.is(s?.scratchBytesPerThread, 0);
    t.false(s?.uniforms.some((u) => u.kind === 'scratch'));
  }
});

test('uniformWords puts the scratch address in the scratch slot and refuses a launch without one', (t) => {
  const slots = [{ kind: 'scratch' as const }, { kind: 'numQpus' as const }];
  t.deepEqual(Array.from(uniformWords(slots, [], 3, 0x12340)), [0x12340, 3]);
  t.throws(() => uniformWords(slots, [], 3), { message: /scratch/ });
});

test('barrier kernels: usesBarrier, one supergroup in cfg3, and at most 16 batches', async (t) => {
  const LANES = fileURLToPath(new URL('../../fixtures/e2e/lanes.ts', import.meta.url));
  const k = compileFile(LANES, { target: 'vc6' }).kernels.find((x) => x.name === 'Lanes.barrier');
  if (!k) return t.fail('Lanes.barrier did not compile');
  t.true(k.usesBarrier);
  t.false(compileFile(SAXPY, { target: 'vc6' }).kernels[0]?.usesBarrier);
  // cfg3: BATCHES_PER_SG_M1 (19:12), WGS_PER_SG (11:8, 0 = 16), WG_SIZE (7:0) — hardware-interface.md 1.7.
  t.is(csdConfig(42, 5, 0x1000, 0x2000, 5)[3], (4 << 12) | (5 << 8) | 16);
  t.is(csdConfig(42, 16, 0x1000, 0x2000, 16)[3], (15 << 12) | (0 << 8) | 16);
  t.is(csdConfig(42, 40, 0x1000, 0x2000)[3], (0 << 12) | (1 << 8) | 16);
  const rt = await Runtime.open({ target: 'vc6', backend: 'emulator', log: () => undefined });
  try {
    const o = rt.alloc(Int32Array, 17 * 16);
    const tmp = rt.alloc(Int32Array, 17 * 16);
    await t.throwsAsync(() => rt.launch(k, { qpus: 17 }, o, tmp), { message: /at most 16/ });
  } finally {
    rt.close();
  }
});

for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: 150 constants used in a loop are rebuilt where used (no spill slot), and the kernel agrees with plain JS`, async (t) => {
    const file = fileURLToPath(new URL('../../fixtures/many-constants.ts', import.meta.url));
    const r = compileFile(file, { target });
    t.deepEqual(r.diagnostics.map((d) => d.message), []);
    const k = r.kernels[0]!;
    t.is(k.scratchBytesPerThread ?? 0, 0, 'nothing went to scratch memory');
    // The fixture's steps, read back from its text: x ^ K, x + K, Math.imul(x, K), x - K.
    const steps = readFileSync(file, 'utf8').split('\n').map((l) => /^\s+x = (?:x ([-+^]) (\d+)|Math\.imul\(x, (\d+)\));$/.exec(l)).filter((m) => m !== null);
    t.is(steps.length, 150);
    const mix = (x0: number) => steps.reduce((x, m) => {
      if (m[3] !== undefined) return Math.imul(x, Number(m[3])) >>> 0;
      const c = Number(m[2]);
      return (m[1] === '^' ? x ^ c : m[1] === '+' ? x + c : x - c) >>> 0;
    }, x0);
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => undefined });
    try {
      const n = 300, src = rt.alloc(Uint32Array, n), dst = rt.alloc(Uint32Array, n);
      for (let i = 0; i < n; i++) src[i] = Math.imul(i, 2654435761) >>> 0;
      await rt.launch(k, { qpus: 2 }, n, src, dst);
      t.deepEqual(Array.from(dst), Array.from(src, mix));
    } finally {
      rt.close();
    }
  });
}

test('more live values than registers plus spill slots is diagnostic QPU5001 inside the kernel, not a crash', (t) => {
  const file = fileURLToPath(new URL('../../fixtures/too-many-live.ts', import.meta.url));
  const r = compileFile(file, { target: 'vc6' });
  t.is(r.kernels.length, 0);
  t.is(r.diagnostics.length, 1);
  const d = r.diagnostics[0];
  t.is(d?.code, 5001);
  t.regex(d?.message ?? '', /live at once/);
  t.true((d?.line ?? 0) > 5, 'located in the kernel body');
});

const ATOMICS = fileURLToPath(new URL('../../fixtures/e2e/atomics.ts', import.meta.url));

for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: adding or subtracting the constant ±1 atomically is the TMU's increment or decrement op, with no data word`, (t) => {
    // Atomics.steps: four atomics stepping by ±1 (their results: test/e2e/atomics.test.ts). Config byte: per-pixel
    // (0x80), op << 3, type 7 (32-bit), semantics notes 5.1/5.2: increment is op 8 (0xc7), decrement op 9 (0xcf).
    const k = compileFile(ATOMICS, { target, only: ['Atomics.steps'] }).kernels[0];
    if (!k) throw new Error('Atomics.steps missing');
    const text = k.listing.map((l) => l.text).join('\n');
    t.is((text.match(/\btmud\b/g) ?? []).length, 4, text); // only the four stores' data
    const words = k.uniforms.filter((u) => u.kind === 'const').map((u) => (u as { value: number }).value >>> 0);
    const shown = words.map((w) => w.toString(16)).join(' ');
    if (TMU_CONFIG_GROUP[target === 'vc6' ? 42 : 71] >= 4) {
      // One config word serves the four atomics, low byte first (notes 5.1): increment, increment, decrement,
      // decrement; a uniform, written to tmuc once.
      t.true(words.includes(0xcfcfc7c7), shown);
      t.is((text.match(/\btmuc\b/g) ?? []).length, 1, text);
    } else {
      // One word per atomic, each a uniform (0xffffffc7 / 0xffffffcf).
      t.true(words.includes(0xffffffc7), shown);
      t.true(words.includes(0xffffffcf), shown);
      t.is((text.match(/\btmuc\b/g) ?? []).length, 4, text);
    }
  });

  test(`${target}: spilling splits atomics' shared config word: one tmuc per atomic, each built from its own byte`, (t) => {
    // Atomics.stepsSpilled: Atomics.steps with 72 values live across its atomics (results: test/e2e/atomics.test.ts).
    const k = compileFile(ATOMICS, { target, only: ['Atomics.stepsSpilled'] }).kernels[0];
    if (!k) throw new Error('Atomics.stepsSpilled missing');
    t.true(k.scratchBytesPerThread > 0, 'the kernel spills');
    const text = k.listing.map((l) => l.text).join('\n');
    t.is((text.match(/\btmuc\b/g) ?? []).length, 4, text);
  });
}
