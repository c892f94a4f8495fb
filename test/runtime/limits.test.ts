// A kernel that never ends, on every emulator: the launch's timeoutMs (modelled GPU time) stops it with a
// TimeoutError, the emulator's cycle limit with a CycleLimitError (code cycle-limit, the class `qpuc sim` catches); both name the kernel, the source line
// of the loop (found in the fixture's text here, independently of the compiler) and the QPU. A kernel that ends
// well within its timeout runs normally. A barrier only one QPU reaches is an execution error with the same facts.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../../runtime/index.ts';
import { CycleLimitError, RuntimeError, TimeoutError } from '../../runtime/errors.ts';

const FILE = fileURLToPath(new URL('../fixtures/runtime/spin.ts', import.meta.url));
const LINES = readFileSync(FILE, 'utf8').split('\n');
const LOOP_FIRST = LINES.findIndex((l) => l.includes('while (i != n)')) + 1;
/** The loop's lines: the `while` through the `i += 2` of its body (where a QPU can be when the limit strikes). */
const IN_LOOP = new RegExp(`spin\\.ts:(${LOOP_FIRST}|${LOOP_FIRST + 1}):`);

for (const target of ['vc4', 'vc6', 'vc7'] as const) {
  test(`${target}: timeoutMs stops an endless loop with a TimeoutError naming the kernel, the loop's line and the QPU`, async (t) => {
    const rt = await Runtime.open({ target, backend: 'emulator', log: () => {} });
    try {
      const out = rt.alloc(Uint32Array, 32);
      const spin = await rt.load(FILE, 'Limits.spin');
      const err = await t.throwsAsync(rt.launch(spin, { qpus: 2, timeoutMs: 5 }, 3, out));
      t.true(err instanceof TimeoutError, String(err));
      t.is((err as RuntimeError).code, 'timeout');
      t.regex(err?.message ?? '', /^Limits\.spin would run longer than its timeout of 5 ms on the GPU/);
      t.regex(err?.message ?? '', IN_LOOP);
      t.regex(err?.message ?? '', /\(QPU [01]\)/);
      // The same kernel with an even n ends: the launch is fine well within the same timeout.
      await rt.launch(spin, { qpus: 2, timeoutMs: 1000 }, 4, out);
      t.deepEqual(Array.from(out), Array(32).fill(4));
    } finally {
      rt.close();
    }
  });

  test(`${target}: the emulator's cycle limit is a CycleLimitError (code cycle-limit) naming the kernel and the loop's line`, async (t) => {
    const rt = await Runtime.open({ target, backend: 'emulator', log: () => {}, emulator: { maxCycles: 2_000_000 } });
    try {
      const out = rt.alloc(Uint32Array, 16);
      const err = await t.throwsAsync(rt.launch(await rt.load(FILE, 'Limits.spin'), { qpus: 1, timeoutMs: 60_000 }, 3, out));
      t.true(err instanceof CycleLimitError && !(err instanceof TimeoutError), String(err));
      t.is((err as RuntimeError).code, 'cycle-limit');
      t.is((err as CycleLimitError).cycles, 2_000_000);
      t.true(typeof (err as CycleLimitError).qpu === 'number');
      t.regex(err?.message ?? '', /^Limits\.spin reached the emulator's cycle limit of 2000000 cycles/);
      t.regex(err?.message ?? '', IN_LOOP);
    } finally {
      rt.close();
    }
  });
}

const IF_LINE = LINES.findIndex((l) => l.includes('if (qpu.qpuId() == 0)')) + 1;
/** Where a QPU waits for the others: the branch around the barrier, the barrier, or the store right after it (V3D reports the word the waiting thread resumes at). */
const STORE_LINE = LINES.findIndex((l, k) => k >= IF_LINE && l.includes('out[qpu.globalId()] = 1')) + 1;
const AT_BARRIER = new RegExp(`spin\\.ts:(${IF_LINE}|${IF_LINE + 1}|${STORE_LINE}):`);

for (const target of ['vc4', 'vc6', 'vc7'] as const) {
  test(`${target}: a barrier only some QPUs reach is an execution error naming the kernel and the barrier's line`, async (t) => {
    const rt = await Runtime.open({ target, backend: 'emulator', log: () => {} });
    try {
      const out = rt.alloc(Uint32Array, 64);
      const err = await t.throwsAsync(rt.launch(await rt.load(FILE, 'Barriers.partial'), { qpus: 4, timeoutMs: 1000 }, out));
      t.is((err as RuntimeError).code, 'execution', String(err));
      t.regex(err?.message ?? '', /^Barriers\.partial: (barrier )?deadlock/);
      t.regex(err?.message ?? '', AT_BARRIER);
    } finally {
      rt.close();
    }
  });
}
