// Loop shaping, lane gather and TMU pipelining end to end: the natural kernels of `npm run bench -- vs-handwritten`
// (grid-stride summation and copy, naive sgemm) on the emulator at sizes that end in every remainder of a main-loop
// pass, checked against plain JS; and the listing shows the lookups of one pass issued before the first is collected.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../../runtime/index.ts';
import { compileFile, type CompiledKernel } from '../../compiler/compile.ts';
import { decodeInstr } from '../../compiler/isa/v3d/decode.ts';
import { TARGETS } from '../../compiler/target/targets.ts';

const MEMORY = fileURLToPath(new URL('../../kernels/memory.ts', import.meta.url));
const NATURAL = fileURLToPath(new URL('../../bench/fixtures/natural.ts', import.meta.url));

function kernel(file: string, name: string, target: 'vc6' | 'vc7'): CompiledKernel {
  const k = compileFile(file, { target }).kernels.find((x) => x.name === name);
  if (!k) throw new Error(`${name} did not compile for ${target}`);
  return k;
}

for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: grid-stride sum and copy agree with JS for every remainder of a main-loop pass`, async (t) => {
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => undefined });
    try {
      const sum = kernel(MEMORY, 'Mem.sum', target);
      const copy = kernel(MEMORY, 'Mem.copy', target);
      const qpus = 2;
      // 32 lanes; a main-loop pass covers 32 x U elements: sizes below one pass, at it, and 1..U passes plus a part.
      for (const n of [0, 5, 31, 32, 33, 255, 256, 257, 300, 513, 1000]) {
        const src = rt.alloc(Uint32Array, Math.max(n, 1));
        for (let i = 0; i < n; i++) src[i] = (i * 2654435761) >>> 0;
        const partial = rt.alloc(Uint32Array, qpus * 16);
        await rt.launch(sum, { qpus }, n, src, partial);
        const want = Array.from({ length: qpus * 16 }, (_, g) => {
          let s = 0;
          for (let i = g; i < n; i += qpus * 16) s = (s + (src[i] as number)) >>> 0;
          return s;
        });
        t.deepEqual(Array.from(partial), want, `sum n=${n}`);
        const fsrc = rt.alloc(Float32Array, Math.max(n, 1));
        for (let i = 0; i < n; i++) fsrc[i] = i * 0.5 - 7;
        const dst = rt.alloc(Float32Array, n + 3).fill(-1);
        await rt.launch(copy, { qpus }, n, fsrc, dst);
        t.deepEqual(Array.from(dst), [...Array.from(fsrc.subarray(0, n)), -1, -1, -1], `copy n=${n}`);
      }
    } finally {
      rt.close();
    }
  });

  test(`${target}: naive sgemm (uniform loads gathered into lane loads) agrees with JS, k not a multiple of the unroll`, async (t) => {
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => undefined });
    try {
      const k = kernel(NATURAL, 'Natural.sgemm', target);
      for (const [p, q, r] of [[3, 37, 40], [2, 8, 16], [1, 3, 5]] as const) {
        const a = rt.alloc(Float32Array, p * q), b = rt.alloc(Float32Array, q * r), c = rt.alloc(Float32Array, p * r);
        for (let i = 0; i < a.length; i++) a[i] = ((i * 7) % 13 - 6) / 8;
        for (let i = 0; i < b.length; i++) b[i] = ((i * 5) % 11 - 5) / 8;
        await rt.launch(k, { qpus: 2 }, p, q, r, a, b, c);
        const want: number[] = [];
        for (let i = 0; i < p; i++) {
          for (let j = 0; j < r; j++) {
            let s = 0;
            for (let kk = 0; kk < q; kk++) s = Math.fround(s + Math.fround((a[i * q + kk] as number) * (b[kk * r + j] as number)));
            want.push(s);
          }
        }
        t.deepEqual(Array.from(c), want, `p=${p} q=${q} r=${r}`);
      }
    } finally {
      rt.close();
    }
  });

  test(`${target}: a grid-stride copy between overlapping ranges agrees with each lane's program order`, async (t) => {
    // dst = src + d elements. Lane g stores element g + t G + d and later loads g + (t + 1) G: with d = G each
    // lane's load of one iteration reads what it stored the iteration before (the main loop's no-alias guard must
    // fail and the original loop run); with d = -G, 0 or 1 the loads run ahead of or at the stores. Lanes never
    // touch another lane's elements, so the per-lane order defines the result.
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => undefined });
    try {
      const copy = kernel(MEMORY, 'Mem.copy', target);
      const qpus = 2, lanes = qpus * 16, n = 700;
      for (const d of [lanes, -lanes, 0, 2 * lanes, 7 * lanes, 8 * lanes]) {
        const buf = rt.alloc(Float32Array, n + 17 * lanes);
        for (let i = 0; i < buf.length; i++) buf[i] = i;
        const at = 8 * lanes; // room on both sides
        const want = Array.from(buf);
        for (let g = 0; g < lanes; g++) for (let i = g; i < n; i += lanes) want[at + d + i] = want[at + i] as number;
        await rt.launch(copy, { qpus }, n, buf.subarray(at), buf.subarray(at + d));
        t.deepEqual(Array.from(buf), want, `dst = src + ${d}`);
      }
    } finally {
      rt.close();
    }
  });

  for (const name of ['Mem.sum', 'Mem.copy']) {
  test(`${target}: ${name} has a TMU FIFO's depth of words in flight before it collects the first`, (t) => {
    const words = kernel(MEMORY, name, target).code;
    const dv = new DataView(words.buffer, words.byteOffset, words.byteLength);
    // Walk the code in layout order: a load is a tmua write with no tmud data before it; it returns 4 words per lane
    // after a tmuc write (a vec4 config: the kernels' elements are 32-bit), else 1; each ldtmu collects one.
    let inflight = 0;
    let longest = 0;
    let data = 0;
    let config = false;
    for (let o = 0; o < words.byteLength; o += 8) {
      const ins = decodeInstr(dv.getBigUint64(o, true), target === 'vc6' ? 42 : 71);
      if (ins.kind !== 'alu') continue;
      // An ldtmu takes its word before the same instruction's lookup is issued.
      if (ins.sig.ldtmu) inflight = Math.max(0, inflight - 1);
      for (const p of [ins.add, ins.mul]) {
        if (p.op === 'nop' || !p.magic) continue;
        if (p.waddr === 32) config = true;
        if (p.waddr === 11) data++;
        if (p.waddr === 12) {
          if (data === 0) inflight += config ? 4 : 1;
          data = 0;
          config = false;
        }
      }
      longest = Math.max(longest, inflight);
    }
    t.is(longest, TARGETS[target].tmuFifoDepth);
  });
  }
}
