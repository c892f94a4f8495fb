/**
 * Target name → instruction-set text tools, through the target table's ISA
 * family. Loaded lazily so that a command working on one target does not
 * load the others.
 */
import type { IsaTextTools } from './isa.ts';
import { TARGETS, type IsaFamily, type Target } from '../target/targets.ts';

/** Per ISA family: the text tools of one of its targets. */
const TOOLS: Record<IsaFamily, (target: Target) => Promise<IsaTextTools>> = {
  v3d: async (target) => (await import('./v3d/index.ts')).v3dTools(target),
  vc4: async () => (await import('./vc4/index.ts')).vc4Tools,
};

/** The ISA text tools of a target. */
export async function getIsaTools(target: Target): Promise<IsaTextTools> {
  return TOOLS[TARGETS[target].family](target);
}
