/**
 * Filling a compiled kernel's uniform layout (compiler/backend/contract.ts
 * `UniformSlot`) with one launch's arguments: the words every launcher puts
 * in a uniform stream, whatever the ISA.
 */
import type { UniformSlot } from '../../compiler/backend/contract.ts';
import { f32Bits } from '../../compiler/ir/f32.ts';
import { TARGETS } from '../../compiler/target/targets.ts';

/** Values a kernel argument can have once resolved: a GPU address for pointers, a number otherwise. */
export type ResolvedArg = { kind: 'pointer'; address: number } | { kind: 'scalar'; type: string; value: number };

/** 32-bit pattern of a scalar argument of IR type `type`. */
export function scalarBits(type: string, value: number): number {
  if (type === 'f32') return f32Bits(value);
  if (type === 'bool') return value ? 1 : 0;
  return value >>> 0;
}

/** The workgroup shape of one launch, for the workgroup uniform slots. */
export interface LaunchShape {
  /** Workgroups along X, Y, Z. */
  grid: readonly [number, number, number];
  /** 16-lane batches per workgroup. */
  perGroup: number;
  /** GPU address of the launch's shared memory, for kernels with a 'sharedBase' slot. */
  sharedAddress?: number;
}

/** Slot kinds whose word differs between batches (a launcher with one stream per batch fills each). */
export const PER_BATCH_SLOTS: ReadonlySet<UniformSlot['kind']> = new Set(['qpuId', 'groupId', 'localBase', 'vpmRow']);

/**
 * VC4: batches of a kernel that owns `rows` VPM store rows per batch that may run at once: the store rows of all of
 * them fit in the target's `DmaStore.storeRows` (the launcher runs more as consecutive jobs).
 */
export function vpmBatchesAtOnce(rows: number): number {
  const store = TARGETS.vc4.dmaStore;
  return Math.max(1, Math.floor(store.storeRows / rows));
}

/**
 * The first VPM store row of batch `qpu` of a kernel with `rows` rows per batch: `rows` × (qpu mod
 * {@link vpmBatchesAtOnce}). A job runs at most that many consecutive batches, so their rows never meet.
 */
export function vpmRowOf(rows: number, qpu: number): number {
  return (qpu % vpmBatchesAtOnce(rows)) * rows;
}

/** Rows per batch of a kernel's VPM stores when its uniforms carry a 'vpmRow' slot (VC4 wide store batches), else undefined. */
export function vpmRowsOf(slots: readonly UniformSlot[]): number | undefined {
  for (const s of slots) if (s.kind === 'vpmRow') return s.rows;
  return undefined;
}

/**
 * The uniform words of batch `qpu` of one launch (`scratchAddress`: the spill
 * area, for kernels that have a 'scratch' slot; `shape`: the grid, default
 * one row of 16-lane workgroups). Only the {@link PER_BATCH_SLOTS} differ
 * between batches.
 */
export function uniformWords(slots: readonly UniformSlot[], args: readonly ResolvedArg[], qpus: number, scratchAddress?: number, qpu = 0, shape?: LaunchShape): Uint32Array {
  const perGroup = shape?.perGroup ?? 1;
  const grid = shape?.grid ?? [qpus, 1, 1];
  const words = new Uint32Array(Math.max(1, slots.length));
  slots.forEach((s, k) => {
    switch (s.kind) {
      case 'const':
        words[k] = s.value >>> 0;
        break;
      case 'numQpus':
        words[k] = qpus;
        break;
      case 'qpuId':
        words[k] = qpu;
        break;
      case 'globalCount':
        words[k] = qpus * 16;
        break;
      case 'scratch':
        if (scratchAddress === undefined) throw new Error(`uniform slot ${k} needs a scratch area, and none was allocated`);
        words[k] = scratchAddress >>> 0;
        break;
      case 'numGroups':
        words[k] = grid[s.dim] ?? 1;
        break;
      case 'groupId':
        words[k] = Math.floor(qpu / perGroup);
        break;
      case 'localBase':
        words[k] = (qpu % perGroup) * 16;
        break;
      case 'vpmRow':
        words[k] = vpmRowOf(s.rows, qpu);
        break;
      case 'sharedBase':
        if (shape?.sharedAddress === undefined) throw new Error(`uniform slot ${k} needs the shared-memory area, and none was allocated`);
        words[k] = shape.sharedAddress >>> 0;
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
