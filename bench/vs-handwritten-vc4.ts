/**
 * Compiled kernels against hand-written machine code for the same job, on
 * the emulator's timing model: one row per (job, target) with the compiled
 * and hand-written figures and their ratio (compiled / hand-written; 1 = as
 * fast). vc4 rows:
 * - sgemm: the compiled sgemm-shaped kernel (bench/fixtures/sgemm.ts, 12
 *   QPUs) against the hand-written blocked sgemm with py-videocore's
 *   structure (bench/vc4-sgemm.ts; published Pi 3 figure 8–8.3 GFLOP/s).
 *   Rates in GFLOP/s; the compiled kernel runs a smaller problem (the
 *   emulator runs its much longer code for minutes at full size). Two rows:
 *   the language's default IEEE `+` (about 35 instructions per add on VC4),
 *   and `@kernel({ fastMath: true })` (bench/fixtures/sgemm-fast.ts), the
 *   hardware's round-toward-zero fadd that the hand-written kernel uses:
 *   that row is the like-for-like comparison. A third row runs the
 *   register-blocked kernel (bench/fixtures/sgemm-blocked.ts: lane l owns
 *   row l of a 16 × 32 block of C, 32 accumulators, py-videocore's shape
 *   written in the language) on 192×363·363×64.
 * - streaming: saxpy compiled from kernels/saxpy.ts against a hand-written
 *   VC4 saxpy (below: TMU loads, fmul/fadd, VPM write and one DMA per 16
 *   elements), same n and QPUs. Rates in million elements per second.
 */
import { fileURLToPath } from 'node:url';
import { Runtime } from '../runtime/index.ts';
import { compileFile } from '../compiler/compile.ts';
import { assembleVc4 } from '../compiler/isa/vc4/index.ts';
import { decodeVc4 } from '../compiler/isa/vc4/encode.ts';
import { sgemmModel } from './vc4-sgemm.ts';

/** One comparison. */
interface Comparison {
  job: string;
  target: string;
  compiled: number;
  handwritten: number;
  unit: string;
  goal: string;
}

const QPUS = 12;

/** Hand-written VC4 saxpy: uniforms x, y (this QPU's first block), a, blocks, stride, VPM write setup, DMA setup. */
const SAXPY_ASM = [
  'mov ra0, unif', 'mov ra1, unif', 'mov ra2, unif', 'mov ra3, unif', 'mov rb4, unif', 'mov ra5, unif', 'mov ra6, unif',
  'shl r0, elem_num, 2', 'add ra7, ra0, r0', 'add ra8, ra1, r0',
  ':loop',
  'mov t0s, ra7', 'mov t0s, ra8', 'nop; nop; ldtmu0', 'nop; fmul r0, r4, ra2', 'nop; nop; ldtmu0', 'fadd r1, r0, r4',
  'mov vw_setup, ra5', 'mov vpm, r1', 'mov vw_setup, ra6', 'mov vw_addr, ra8', 'add ra7, ra7, rb4', 'add ra8, ra8, rb4',
  'sub.setf ra3, ra3, 1', 'mov.never -, vw_wait',
  'brr.anynz -, r:loop', 'nop', 'nop', 'nop',
  'mov irq, 1', 'nop; nop; thrend', 'nop', 'nop',
].join('\n');

function words(code: bigint[]): Uint8Array {
  const bytes = new Uint8Array(code.length * 8);
  const dv = new DataView(bytes.buffer);
  code.forEach((w, i) => dv.setBigUint64(i * 8, w, true));
  return bytes;
}

async function streaming(): Promise<Comparison> {
  const n = 16 * QPUS * 64;
  const a = 1.5;
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined });
  try {
    const x = rt.alloc(Float32Array, n);
    const y = rt.alloc(Float32Array, n);
    const init = () => {
      for (let i = 0; i < n; i++) (x[i] = (i % 97) - 48.5), (y[i] = i % 13);
    };
    const check = (what: string) => {
      for (let i = 0; i < n; i++) {
        const want = Math.fround(Math.fround(a * (x[i] as number)) + (i % 13));
        if (Math.abs((y[i] as number) - want) > Math.abs(want) * 1e-6) throw new Error(`${what} saxpy wrong at ${i}: ${y[i]} vs ${want}`);
      }
    };
    init();
    const kernel = compileFile(fileURLToPath(new URL('../kernels/saxpy.ts', import.meta.url)), { target: 'vc4' }).kernels[0];
    if (!kernel) throw new Error('saxpy did not compile for vc4');
    const c = await rt.launch(kernel, { qpus: QPUS }, n, a, x, y);
    check('compiled');
    init();
    const code = words(assembleVc4(SAXPY_ASM, 'saxpy.qasm').words);
    const blocks = n / 16 / QPUS;
    const f = new Float32Array([a]);
    const aBits = new Uint32Array(f.buffer)[0] as number;
    const h = await rt.launchRaw(
      {
        code,
        uniforms: (q) => Uint32Array.of(rt.addressOf(x) + 64 * q, rt.addressOf(y) + 64 * q, aBits, blocks, 64 * QPUS, 0x1a00 | q, (0x80904000 | (q << 7)) >>> 0),
      },
      { qpus: QPUS },
    );
    check('hand-written');
    const rate = (s: number | undefined) => n / (s ?? NaN) / 1e6;
    return { job: 'saxpy (streaming)', target: 'vc4', compiled: rate(c.profile?.seconds), handwritten: rate(h.profile?.seconds), unit: 'M elements/s', goal: 'ratio ≥ 0.9' };
  } finally {
    rt.close();
  }
}

/** f32 a + b rounded toward zero (the VC4 fadd), from the exact sum by two-sum. */
function addTowardZero(a: number, b: number): number {
  const s = a + b;
  const bb = s - a;
  const e = a - (s - bb) + (b - bb);
  if (s === 0) return 0;
  const f = Math.fround(s);
  const beyond = Math.abs(f) > Math.abs(s) || (f === s && e !== 0 && Math.sign(e) !== Math.sign(s));
  if (!beyond) return f;
  const v = new Float32Array([f]);
  new Uint32Array(v.buffer)[0]! -= 1;
  return v[0] as number;
}

/**
 * sgemm rows: `fastMath` false (IEEE `+`, the language default) or true (the
 * hardware's round-toward-zero fadd, as the hand-written kernel: the
 * like-for-like comparison). Each is checked bit for bit against plain JS
 * with its rounding (products to nearest, as the emulator's fmul).
 */
async function sgemm(fastMath: boolean, blocked = false): Promise<Comparison> {
  // The blocked kernel's code is shorter, so it runs a problem with the published q on all 12 QPUs (24 blocks of 16 × 32).
  const [p, q, r] = blocked ? [192, 363, 64] : [24, 32, 64];
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined });
  try {
    const A = rt.alloc(Float32Array, p * q);
    const B = rt.alloc(Float32Array, q * r);
    const C = rt.alloc(Float32Array, p * r);
    A.forEach((_, i) => (A[i] = ((i * 7) % 11) / 8 - 0.5));
    B.forEach((_, i) => (B[i] = ((i * 5) % 13) / 8 - 0.75));
    const fixture = blocked ? './fixtures/sgemm-blocked.ts' : fastMath ? './fixtures/sgemm-fast.ts' : './fixtures/sgemm.ts';
    const kernel = compileFile(fileURLToPath(new URL(fixture, import.meta.url)), { target: 'vc4' }).kernels[0];
    if (!kernel) throw new Error('the sgemm kernel did not compile for vc4');
    const res = await rt.launch(kernel, { qpus: QPUS }, p, q, r, A, B, C);
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < r; j++) {
        let s = 0;
        for (let k = 0; k < q; k++) {
          const prod = Math.fround((A[i * q + k] as number) * (B[k * r + j] as number));
          s = fastMath ? addTowardZero(s, prod) : Math.fround(s + prod);
        }
        if (C[i * r + j] !== s) throw new Error(`compiled sgemm wrong at ${i},${j}: ${C[i * r + j]} vs ${s}`);
      }
    }
    const gflops = (2 * p * q * r) / (res.profile?.seconds ?? NaN) / 1e9;
    const mode = blocked ? 'register-blocked 16×32, fastMath' : fastMath ? 'fastMath, RTZ fadd like the hand-written' : 'IEEE +, the default';
    return { job: `sgemm ${mode} (compiled ${p}×${q}·${q}×${r}; hand-written 96×363·363×3072)`, target: 'vc4', compiled: gflops, handwritten: sgemmModel().gflops, unit: 'GFLOP/s', goal: 'ratio ≥ 0.5' };
  } finally {
    rt.close();
  }
}

/** The kernel corpus: the examples, the e2e fixtures and the bench kernels. */
const CORPUS = [
  ...['saxpy', 'memory'].map((f) => `../kernels/${f}.ts`),
  ...['blocks', 'control', 'float', 'int', 'lanes', 'math', 'memory', 'spill'].map((f) => `../test/fixtures/e2e/${f}.ts`),
  './fixtures/sgemm.ts', './fixtures/sgemm-fast.ts',
];

/**
 * Dual issue over the corpus compiled for vc4: of the instruction words with
 * ALU work, the share with both the add and the mul ALU busy (static counts).
 */
function dualIssue(): { rate: number; words: number } {
  let alu = 0;
  let both = 0;
  let words = 0;
  for (const f of CORPUS) {
    for (const k of compileFile(fileURLToPath(new URL(f, import.meta.url)), { target: 'vc4' }).kernels) {
      const dv = new DataView(k.code.buffer, k.code.byteOffset, k.code.byteLength);
      for (let at = 0; at < k.code.byteLength; at += 8) {
        const i = decodeVc4(dv.getBigUint64(at, true));
        words++;
        if (i.kind !== 'alu' || (i.opAdd === 'nop' && i.opMul === 'nop')) continue;
        alu++;
        if (i.opAdd !== 'nop' && i.opMul !== 'nop') both++;
      }
    }
  }
  return { rate: both / alu, words };
}

/** Rows for `npm run bench -- vs-handwritten`: compiled, hand-written and ratio per job and target. */
export async function run(): Promise<{ name: string; value: number; unit: string; goal?: string }[]> {
  const rows: { name: string; value: number; unit: string; goal?: string }[] = [];
  const d = dualIssue();
  rows.push({ name: `vc4 corpus (${CORPUS.length} files, ${d.words} words): words with ALU work that use both ALUs`, value: 100 * d.rate, unit: '%' });
  for (const c of [await sgemm(false), await sgemm(true), await sgemm(true, true), await streaming()]) {
    rows.push({ name: `${c.target} ${c.job}: compiled`, value: c.compiled, unit: c.unit });
    rows.push({ name: `${c.target} ${c.job}: hand-written`, value: c.handwritten, unit: c.unit });
    rows.push({ name: `${c.target} ${c.job}: ratio`, value: c.compiled / c.handwritten, unit: 'compiled/hand', goal: c.goal });
  }
  return rows;
}
