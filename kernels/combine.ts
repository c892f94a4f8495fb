/**
 * Host-side helper of the reductions, scans, histogram, sort and compaction: several launches as one result.
 * Not kernels (nothing here is compiled for the GPU), so importing it does not pull another family's kernels
 * into a family's compile.
 */
import type { LaunchResult } from 'qpuc/runtime';

/**
 * Several launches as one result: the last launch's fields, with profiles summed (cycles, seconds, instructions,
 * bytes, flops, stalls; per-QPU cycles element-wise) and hazards concatenated.
 */
export function combineLaunches(results: readonly LaunchResult[]): LaunchResult {
  const last = results[results.length - 1];
  if (!last) throw new RangeError('combineLaunches: no launches');
  const profiles = results.map((r) => r.profile).filter((p) => p !== undefined);
  const out: LaunchResult = { ...last, hazards: results.flatMap((r) => r.hazards) };
  if (profiles.length === results.length && profiles.length > 0) {
    const first = profiles[0] as NonNullable<LaunchResult['profile']>;
    const stalls: Record<string, number> = {};
    const perQpu: number[] = [];
    for (const p of profiles) {
      for (const [k, v] of Object.entries(p.stalls)) stalls[k] = (stalls[k] ?? 0) + v;
      p.perQpuCycles.forEach((c, i) => (perQpu[i] = (perQpu[i] ?? 0) + c));
    }
    out.profile = {
      ...first,
      cycles: profiles.reduce((s, p) => s + p.cycles, 0),
      seconds: profiles.reduce((s, p) => s + p.seconds, 0),
      instructions: profiles.reduce((s, p) => s + p.instructions, 0),
      bytesRead: profiles.reduce((s, p) => s + p.bytesRead, 0),
      bytesWritten: profiles.reduce((s, p) => s + p.bytesWritten, 0),
      flops: profiles.reduce((s, p) => s + p.flops, 0),
      stalls,
      perQpuCycles: perQpu,
    };
  }
  const dispatches = results.reduce((s, r) => s + (r.dispatches ?? 1), 0);
  out.dispatches = dispatches;
  return out;
}
