/**
 * Target name → instruction-set text tools. Loaded lazily so that a command
 * working on one target does not load the others.
 */
import type { IsaTextTools } from './isa.ts';

/** The ISA text tools of a target. */
export async function getIsaTools(target: 'vc4' | 'vc6' | 'vc7'): Promise<IsaTextTools> {
  switch (target) {
    case 'vc6':
      return (await import('./v3d/index.ts')).v3dTools(42);
    case 'vc7':
      return (await import('./v3d/index.ts')).v3dTools(71);
    case 'vc4':
      return (await import('./vc4/index.ts')).vc4Tools;
  }
}
