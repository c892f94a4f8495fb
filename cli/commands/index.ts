/** Every qpuc subcommand, in the order `qpuc --help` lists them. */
import type { Command } from '../command.ts';
import { TARGET_NAMES } from '../../compiler/target/targets.ts';

/** Every target: the instruction-set tools and the emulators cover them all. */
const ALL = TARGET_NAMES.join(', ');

/**
 * Loaded lazily so that `qpuc disasm` does not pay for loading the compiler;
 * the one-line summaries for `qpuc --help` live here, not in the commands.
 */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  compile: { summary: 'compile the @kernel methods of a TypeScript file to QPU machine code', load: async () => (await import('./compile.ts')).command },
  run: { summary: 'run a TypeScript host program that launches kernels (GPU or emulator)', load: async () => (await import('./run.ts')).command },
  asm: { summary: `assemble QPU assembly text to machine code (${ALL})`, load: async () => (await import('./asm.ts')).asmCommand },
  disasm: { summary: `disassemble QPU machine code (${ALL})`, load: async () => (await import('./disasm.ts')).disasmCommand },
  cache: { summary: 'show or clear the on-disk cache of compiled kernels', load: async () => (await import('./cache.ts')).command },
  doctor: { summary: 'report what this machine has for running kernels (Pi GPU, drivers, permissions) and which backend runs', load: async () => (await import('./doctor.ts')).command },
  playground: { summary: 'serve the playground page (edit a kernel, see its QPU code, run it on the emulator), or --build it as a static site', load: async () => (await import('./playground.ts')).command },
  sim: { summary: `run a raw memory image on the emulator (${ALL})`, load: async () => (await import('./sim.ts')).simCommand },
};
