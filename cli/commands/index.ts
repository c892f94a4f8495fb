/** Every qpuc subcommand, in the order `qpuc --help` lists them. */
import type { Command } from '../command.ts';

/**
 * Loaded lazily so that `qpuc disasm` does not pay for loading the compiler;
 * the one-line summaries for `qpuc --help` live here, not in the commands.
 */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  compile: { summary: 'compile the @kernel methods of a TypeScript file to QPU machine code', load: async () => (await import('./compile.ts')).command },
  run: { summary: 'run a TypeScript host program that launches kernels (GPU or emulator)', load: async () => (await import('./run.ts')).command },
  asm: { summary: 'assemble QPU assembly text to machine code (vc4, vc6, vc7)', load: async () => (await import('./asm.ts')).asmCommand },
  disasm: { summary: 'disassemble QPU machine code (vc4, vc6, vc7)', load: async () => (await import('./disasm.ts')).disasmCommand },
  doctor: { summary: 'report what this machine has for running kernels (Pi GPU, drivers, permissions) and which backend runs', load: async () => (await import('./doctor.ts')).command },
  sim: { summary: 'run a raw memory image on the emulator (vc4, vc6, vc7)', load: async () => (await import('./sim.ts')).simCommand },
};
