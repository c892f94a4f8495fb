/**
 * Turning `launch(kernel, { qpus }, ...args)` into what SUBMIT_CSD takes:
 * the uniform stream and the seven CSD config words
 * (shared/docs/hardware-interface.md 1.7).
 */
import type { UniformSlot } from '../compiler/backend/v3d/mir.ts';
import { f32Bits } from '../compiler/ir/f32.ts';
import { cfg4SubtractsOne } from './drivers/v3d-uapi.ts';

/** Values a kernel argument can have once resolved: a GPU address for pointers, a number otherwise. */
export type ResolvedArg = { kind: 'pointer'; address: number } | { kind: 'scalar'; type: string; value: number };

/** 32-bit pattern of a scalar argument of IR type `type`. */
export function scalarBits(type: string, value: number): number {
  if (type === 'f32') return f32Bits(value);
  if (type === 'bool') return value ? 1 : 0;
  return value >>> 0;
}

/** The uniform words for one launch (`scratchAddress`: the spill area, for kernels that have a 'scratch' slot). */
export function uniformWords(slots: readonly UniformSlot[], args: readonly ResolvedArg[], qpus: number, scratchAddress?: number): Uint32Array {
  const words = new Uint32Array(Math.max(1, slots.length));
  slots.forEach((s, k) => {
    switch (s.kind) {
      case 'const':
        words[k] = s.value >>> 0;
        break;
      case 'numQpus':
        words[k] = qpus;
        break;
      case 'globalCount':
        words[k] = qpus * 16;
        break;
      case 'scratch':
        if (scratchAddress === undefined) throw new Error(`uniform slot ${k} needs a scratch area, and none was allocated`);
        words[k] = scratchAddress >>> 0;
        break;
      case 'param': {
        const a = args[s.index];
        if (!a) throw new Error(`uniform slot ${k} names parameter ${s.index}, which was not passed`);
        words[k] = a.kind === 'pointer' ? a.address >>> 0 : scalarBits(a.type, a.value);
        break;
      }
    }
  });
  return words;
}

/**
 * The CSD config words for `batches` 16-lane batches, one 16-invocation
 * workgroup each, `wgsPerSg` workgroups per supergroup (a TSY barrier waits
 * for its supergroup only, semantics notes 2.6: kernels with `qpu.barrier()`
 * put every batch in one supergroup). `revision` is the V3D IP revision
 * (HUB_IDENT3 bits 15:8); it decides whether cfg4 holds the batch count or
 * the count minus one on 7.1 (default 6: every Pi 5 so far, and the emulator).
 */
export function csdConfig(
  version: 42 | 71,
  batches: number,
  codeAddress: number,
  uniformsAddress: number,
  wgsPerSg = 1,
  revision = 6,
): [number, number, number, number, number, number, number] {
  if (!Number.isInteger(batches) || batches < 1 || batches > 0xffff) {
    throw new RangeError(`qpus must be an integer from 1 to 65535, got ${batches}`);
  }
  if (codeAddress % 8 !== 0) throw new RangeError('code must be 8-byte aligned (cfg5 keeps flags in bits 2:0)');
  if (!Number.isInteger(wgsPerSg) || wgsPerSg < 1 || wgsPerSg > 16) throw new RangeError(`workgroups per supergroup must be 1..16, got ${wgsPerSg}`);
  const wgSize = 16;
  const batchesPerSgM1 = Math.ceil((wgsPerSg * wgSize) / 16) - 1;
  return [
    (batches << 16) >>> 0, // workgroup count X, offset 0
    (1 << 16) >>> 0,
    (1 << 16) >>> 0,
    ((batchesPerSgM1 << 12) | ((wgsPerSg & 15) << 8) | wgSize) >>> 0, // WGS_PER_SG: 0 means 16
    cfg4SubtractsOne(version, revision) ? batches - 1 : batches, // minus one before V3D 7.1.6
    // PROPAGATE_NANS as Mesa sets it before 7.1; THREADING = 0 (two threads, 64 registers each); not SINGLE_SEG.
    (codeAddress | (version < 71 ? 4 : 0)) >>> 0,
    uniformsAddress >>> 0,
  ];
}
