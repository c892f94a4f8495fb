/**
 * The launcher of each ISA family (the target table's `family` column):
 * adding a family is one launcher file and one row here.
 */
import type { IsaFamily, Target } from '../../compiler/target/targets.ts';
import { TARGETS } from '../../compiler/target/targets.ts';
import type { Launcher } from './launcher.ts';
import { v3dLauncher } from './v3d.ts';
import { vc4Launcher } from './vc4.ts';

export { LaunchError, type LaunchJob, type Launcher } from './launcher.ts';
export { uniformWords, scalarBits, PER_BATCH_SLOTS, vpmBatchesAtOnce, vpmRowOf, vpmRowsOf, type ResolvedArg, type LaunchShape } from './uniforms.ts';

/** One launcher per ISA family. */
const LAUNCHERS: Record<IsaFamily, Launcher> = {
  v3d: v3dLauncher,
  vc4: vc4Launcher,
};

/** The launcher for jobs on `target`. */
export function launcherFor(target: Target): Launcher {
  return LAUNCHERS[TARGETS[target].family];
}
