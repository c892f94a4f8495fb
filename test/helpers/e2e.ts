/**
 * Shared setup of the end-to-end tests (test/e2e): the backends a kernel runs
 * on (the reference interpreter and every target's emulator) and
 * deterministic input words.
 */
import { Runtime } from '../../runtime/index.ts';

/** A backend an end-to-end test runs on: its name in test titles and how to open a quiet Runtime on it. */
export interface E2eBackend {
  name: string;
  open(): Promise<Runtime>;
}

/** The reference interpreter, then the emulator of vc4, vc6 and vc7 (log output dropped). */
export const E2E_BACKENDS: readonly E2eBackend[] = [
  { name: 'reference', open: () => Runtime.open({ backend: 'reference', log: () => undefined }) },
  ...(['vc4', 'vc6', 'vc7'] as const).map((target) => ({ name: target, open: () => Runtime.open({ backend: 'emulator', target, log: () => undefined }) })),
];

/** `n` deterministic pseudo-random 32-bit words (xorshift32 from `seed`; seed 0 counts as 1). */
export function words(n: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  });
}
