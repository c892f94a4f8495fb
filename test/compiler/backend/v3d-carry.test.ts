// Loads carried across a loop's back edge (compiler/backend/v3d/carry.ts): a software-pipelined loop whose body ends
// with the next iteration's loads keeps their words in the TMU FIFO over the back edge and collects them at the top of
// the next iteration, or on the loop's exit. Results on the emulators against plain JavaScript models of the kernels
// (test/fixtures/carry.ts): odd and zero trip counts, the carried values used after the loop, more loads a step than
// the FIFO holds, and loops of other shapes (an early exit, a test on the loaded value) that keep their code.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile, loadPreparedKernels } from '../../../compiler/compile.ts';
import type { CompiledKernel } from '../../../compiler/backend/index.ts';
import { lowerForTarget } from '../../../compiler/passes/pipeline.ts';
import { TARGETS } from '../../../compiler/target/targets.ts';
import { selectInstructions } from '../../../compiler/backend/v3d/isel.ts';
import { allocateV3d } from '../../../compiler/backend/v3d/emit.ts';
import { Runtime } from '../../../runtime/index.ts';
import { words } from '../../helpers/e2e.ts';
import { generateKernel, printKernel } from '../../../compiler/testing/generate.ts';
import { checkSeed } from '../../../compiler/testing/differential.ts';
import { emulatorExecutor } from '../../helpers/emulator-executor.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/carry.ts', import.meta.url));
type Target = 'vc6' | 'vc7';

function compiled(target: Target, name: string): CompiledKernel {
  const r = compileFile(FIXTURE, { target });
  const k = r.kernels.find((x) => x.name === name);
  if (!k) throw new Error(`${name}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return k;
}

/** Whether the allocated code of kernel `name` has a block that starts with carried words (the transform was used). */
function carries(target: Target, name: string, file = FIXTURE, source?: string): boolean {
  const fn = loadPreparedKernels(file, source, undefined, target).kernels.get(name);
  if (!fn) throw new Error(`no kernel ${name}`);
  const ver = target === 'vc6' ? 42 : 71;
  const allocated = allocateV3d(selectInstructions(lowerForTarget(fn, TARGETS[target]), ver), ver);
  return allocated.mf.blocks.some((b) => (b.pendingAtEntry ?? 0) > 0);
}

const u32 = (v: number): number => v >>> 0;
const mul = (a: number, b: number): number => Math.imul(a, b) >>> 0;

/** Plain-JavaScript models: y per work item for `qpus` batches of 16 lanes. */
const MODELS: Record<string, (n: number, x: Uint32Array, qpus: number) => number[]> = {
  'Carry.pairs': (n, x, qpus) => {
    const y: number[] = [];
    const step = 16 * qpus;
    const last = u32(n - 1);
    for (let g = 0; g < step; g++) {
      const lane = g % 16;
      let b = 16 * Math.floor(g / 16);
      let s = 1;
      let p = x[Math.min(b + lane, last)] as number;
      let q = x[Math.min(b + step + lane, last)] as number;
      for (; b + step < n; b += 2 * step) {
        s = u32(mul(s, 3) + mul(p, 7) + u32(q ^ s));
        p = x[Math.min(b + 2 * step + lane, last)] as number;
        q = x[Math.min(b + 3 * step + lane, last)] as number;
      }
      if (b + lane < n) s = u32(mul(s, 5) + p);
      y.push(s);
    }
    return y;
  },
  'Carry.twelve': (n, x, qpus) => {
    const y: number[] = [];
    const step = 12 * 16 * qpus;
    const last = u32(n - 1);
    for (let g = 0; g < 16 * qpus; g++) {
      const lane = g % 16;
      let b = 16 * 12 * Math.floor(g / 16);
      const v = Array.from({ length: 12 }, (_, k) => x[Math.min(b + lane + 16 * k, last)] as number);
      let s = 0;
      for (; b + 16 * 12 <= n; b += step) {
        for (let k = 0; k < 12; k++) s = mul(u32(s ^ (v[k] as number)), 16777619);
        const next = Math.min(b + step, n - 16 * 12) + lane;
        for (let k = 0; k < 12; k++) v[k] = x[next + 16 * k] as number;
      }
      y.push(u32(s + (v[11] as number)));
    }
    return y;
  },
  'Carry.quads': (n, x, qpus) => {
    const y: number[] = [];
    const step = 16 * qpus;
    const last = u32(n - 1);
    for (let g = 0; g < step; g++) {
      const lane = g % 16;
      let b = 16 * Math.floor(g / 16);
      let s = 0;
      const at = (e: number): number[] => [0, 1, 2, 3].map((t) => x[4 * e + t] as number);
      let [p0, p1, p2, p3] = at(Math.min(b + lane, last)) as [number, number, number, number];
      for (; b + 16 <= n; b += step) {
        s = u32(mul(s, 7) + u32(p0 ^ u32(p1 << 1)) + mul(p2, 3) + (p3 >>> 2));
        [p0, p1, p2, p3] = at(Math.min(b + step + lane, last)) as [number, number, number, number];
      }
      y.push(u32(s + p3));
    }
    return y;
  },
  'Carry.early': (n, x, qpus) => {
    const y: number[] = [];
    const step = 16 * qpus;
    const last = u32(n - 1);
    for (let g = 0; g < step; g++) {
      let i = g;
      let s = 0;
      let a = x[Math.min(i, last)] as number;
      for (; i < n; i += step) {
        if (a === 0) break;
        s = u32(mul(s, 31) + a);
        a = x[Math.min(i + step, last)] as number;
      }
      y.push(u32(s + i));
    }
    return y;
  },
  'Carry.chase': (n, x, qpus) => {
    const y: number[] = [];
    for (let g = 0; g < 16 * qpus; g++) {
      let at = g % n;
      let hops = 0;
      let a = x[at] as number;
      for (; a % 5 !== 0 && hops < 40; hops++) {
        at = a % n;
        a = x[at] as number;
      }
      y.push(u32(hops * 1000 + at));
    }
    return y;
  },
};

/** Element counts per kernel: zero-trip loops, one step, odd and even step counts, ragged ends. */
const SIZES: Record<string, number[]> = {
  'Carry.pairs': [0, 1, 15, 16, 17, 47, 48, 49, 95, 96, 97, 1000, 4099],
  'Carry.twelve': [1, 100, 191, 192, 193, 383, 384, 577, 1152, 1153, 5000],
  'Carry.quads': [1, 15, 16, 17, 48, 49, 1000],
  'Carry.early': [1, 17, 200, 1001],
  'Carry.chase': [1, 7, 200, 1001],
};

async function check(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void }, target: Target, name: string): Promise<void> {
  const k = compiled(target, name);
  const model = MODELS[name] as (n: number, x: Uint32Array, qpus: number) => number[];
  const rt = await Runtime.open({ backend: 'emulator', target, log: () => undefined });
  try {
    for (const qpus of [1, 3]) {
      for (const n of SIZES[name] as number[]) {
        const data = words(4 * n + 256 * qpus + 256, n + 7 * qpus);
        const x = rt.alloc(Uint32Array, data.length);
        // Some zeros (Carry.early leaves at one).
        x.set(data.map((w, i) => (i % 37 === 36 ? 0 : w)));
        const y = rt.alloc(Uint32Array, 16 * qpus).fill(0xdeadbeef);
        await rt.launch(k, { qpus }, n, x, y);
        t.deepEqual(Array.from(y), model(n, x, qpus), `${name} qpus=${qpus} n=${n}`);
      }
    }
  } finally {
    rt.close();
  }
}

for (const target of ['vc6', 'vc7'] as const) {
  for (const name of ['Carry.pairs', 'Carry.twelve', 'Carry.quads']) {
    test(`${target}: ${name} carries its loads across the back edge; results agree with plain JS`, async (t) => {
      t.true(carries(target, name));
      await check(t, target, name);
    });
  }
  for (const name of ['Carry.early', 'Carry.chase']) {
    test(`${target}: ${name} (another loop shape) agrees with plain JS`, async (t) => {
      await check(t, target, name);
    });
  }
}

// The differential fuzzer's generator version 5 (software-pipelined loops, compiler/testing/generate.ts) exists so that
// `QPUC_FUZZ_GEN=5 npm run fuzz -- diff` exercises this transform on random code: some of its kernels must have loads
// carried (8 of seeds 1..40 on vc6 when it was written), and those seeds agree with the generator's direct evaluation,
// also as two threads that switch (the switches go before the carried words' collections, thrsw.ts).
for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: generated version-5 kernels have loads carried, and agree with direct evaluation`, async (t) => {
    t.timeout(600_000);
    const seeds = Array.from({ length: 40 }, (_, i) => i + 1).filter((s) => carries(target, 'Gen.k', `/generated/seed${s}.ts`, printKernel(generateKernel(s, { version: 5 }))));
    t.true(seeds.length >= 5, `seeds with carried loads: ${seeds.join(', ')}`);
    for (const threadSwitch of [false, true]) {
      const ex = await emulatorExecutor(target, { threadSwitch });
      try {
        for (const s of seeds.slice(0, 4)) {
          const r = await checkSeed(s, [ex], { version: 5 });
          t.true(r.ok, r.message);
        }
      } finally {
        ex.close();
      }
    }
  });
}
