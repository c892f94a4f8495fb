/**
 * Opt-in: the differential test with the V3D backend on the emulator as the
 * executor. QPUC_DIFF_EMULATOR=vc4, vc6 or vc7 enables it; QPUC_DIFF_COUNT and
 * QPUC_DIFF_SEED choose the seeds. Kernels using an op the backend cannot
 * translate yet are counted as skipped, not failed.
 */
import test from 'ava';
import { checkSeed } from '../../compiler/testing/differential.ts';
import { emulatorExecutor } from '../helpers/emulator-executor.ts';

const target = process.env['QPUC_DIFF_EMULATOR'];
const count = Number(process.env['QPUC_DIFF_COUNT'] ?? 50);
const start = Number(process.env['QPUC_DIFF_SEED'] ?? 1);

(target === 'vc4' || target === 'vc6' || target === 'vc7' ? test : test.skip)(`emulator (${target ?? 'off'}) agrees with direct evaluation on generated kernels`, async (t) => {
  t.timeout(Math.max(60_000, count * 10_000));
  const ex = await emulatorExecutor(target === 'vc7' || target === 'vc4' ? target : 'vc6');
  const failures: string[] = [];
  let skipped = 0;
  // Register pressure a backend cannot resolve (vc4: spilling is limited, docs/backend-vc4.md) is reported, not compared.
  let tooManyLive = 0;
  try {
    for (let s = start; s < start + count; s++) {
      const r = await checkSeed(s, [ex]);
      if (r.ok) continue;
      if (/cannot translate/.test(r.message ?? '')) skipped++;
      else if (/values are live at once/.test(r.message ?? '')) tooManyLive++;
      else failures.push(r.message ?? `seed ${s}`);
    }
  } finally {
    ex.close();
  }
  t.log(`${count - skipped - tooManyLive - failures.length} agreed, ${skipped} skipped (unsupported ops), ${tooManyLive} rejected for register pressure, ${failures.length} failed`);
  t.deepEqual(failures, []);
});
