// bench/kernels.ts's memory limits against the timing models' constants worked out by hand (plain numbers from
// runtime/emulator/*/timing.ts: VC4 24 bytes per 4-clock tick at 250 MHz and 12 ticks per DMA start-up, V3D 4.2
// 7.25 GB/s reads and 3.75 GB/s writes).
import test from 'ava';
import { memoryLimitSeconds } from '../../bench/kernels.ts';

const TICK = 4 / 250e6;

test('VC4: reads and writes share the SDRAM port; a write-heavy job pays the DMA start-up once per 4 KB', (t) => {
  // saxpy-like (2 bytes read per byte written): the port's time for all bytes.
  t.is(memoryLimitSeconds('vc4', 8192, 4096), (12288 / 24) * TICK);
  // Equal reads and writes: still the port (4096/24 + 12 < 8192/24).
  t.is(memoryLimitSeconds('vc4', 4096, 4096), (8192 / 24) * TICK);
  // Write-only: the DMA engine, 12 ticks per 4096-byte DMA on top of the transfer.
  t.is(memoryLimitSeconds('vc4', 0, 8192), (8192 / 24 + 2 * 12) * TICK);
  t.is(memoryLimitSeconds('vc4', 0, 4097), (4097 / 24 + 2 * 12) * TICK);
  t.is(memoryLimitSeconds('vc4', 1000, 0), (1000 / 24) * TICK);
});

test('V3D 4.2: reads and writes at their own bandwidths', (t) => {
  t.true(Math.abs(memoryLimitSeconds('vc6', 7.25e9, 3.75e9) - 2) < 1e-12);
});
