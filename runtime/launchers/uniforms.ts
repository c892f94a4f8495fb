/**
 * Filling a compiled kernel's uniform layout (compiler/backend/contract.ts
 * `UniformSlot`) with one launch's arguments: the words every launcher puts
 * in a uniform stream, whatever the ISA.
 */
import type { UniformSlot } from '../../compiler/backend/contract.ts';
import { f32Bits } from '../../compiler/ir/f32.ts';

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
export const PER_BATCH_SLOTS: ReadonlySet<UniformSlot['kind']> = new Set(['qpuId', 'groupId', 'localBase']);

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
