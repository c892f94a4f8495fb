/**
 * Target name → instruction-set text tools. Loaded lazily so that a command
 * working on one target does not load the others.
 */
import { CliError } from '../../cli/command.ts';
import type { IsaTextTools } from './isa.ts';

/** The ISA text tools of a target; vc4 is not wired in yet (it lives on another branch). */
export async function getIsaTools(target: 'vc4' | 'vc6' | 'vc7'): Promise<IsaTextTools> {
  switch (target) {
    case 'vc6':
      return (await import('./v3d/index.ts')).v3dTools(42);
    case 'vc7':
      return (await import('./v3d/index.ts')).v3dTools(71);
    case 'vc4':
      throw new CliError('the vc4 instruction set is not available yet in this build (use --target vc6 or vc7)', 2);
  }
}
