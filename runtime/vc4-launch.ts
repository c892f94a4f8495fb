/**
 * Turning `launch(kernel, { qpus }, ...args)` into execute_qpu jobs for
 * VideoCore IV: each QPU gets its own uniform stream (its logical number is
 * one of the words) and the kernel's code address, as the mailbox
 * `execute_qpu` control list takes them (shared/docs/vc4-isa-notes.md §8).
 * More batches than the GPU has QPUs run as consecutive jobs.
 */
import type { Vc4UniformSlot } from '../compiler/backend/vc4/isel-ctx.ts';
import { scalarBits, type ResolvedArg } from './v3d-launch.ts';

/** The uniform words of QPU `qpu` of a launch of `qpus` batches (`scratch`: the scratch area's address). */
export function vc4UniformWords(slots: readonly Vc4UniformSlot[], args: readonly ResolvedArg[], qpu: number, qpus: number, scratch?: number): Uint32Array {
  const words = new Uint32Array(Math.max(1, slots.length));
  slots.forEach((s, k) => {
    switch (s.kind) {
      case 'const': words[k] = s.value >>> 0; break;
      case 'numQpus': words[k] = qpus; break;
      case 'globalCount': words[k] = qpus * 16; break;
      case 'qpuId': words[k] = qpu; break;
      case 'scratch':
        if (scratch === undefined) throw new Error(`uniform slot ${k} needs a scratch area, and none was allocated`);
        words[k] = scratch >>> 0;
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

/** The QPU numbers of each consecutive job: at most `numQpus` per job. */
export function vc4Rounds(qpus: number, numQpus: number): { first: number; count: number }[] {
  const out: { first: number; count: number }[] = [];
  for (let first = 0; first < qpus; first += numQpus) out.push({ first, count: Math.min(numQpus, qpus - first) });
  return out;
}
