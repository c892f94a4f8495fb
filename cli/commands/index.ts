/** Every qpuc subcommand, in the order `qpuc --help` lists them. */
import type { Command } from '../command.ts';

/** Loaded lazily so that `qpuc disasm` does not pay for loading the compiler. */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  asm: { summary: 'assemble QPU assembly text to machine code (vc6, vc7)', load: async () => (await import('./asm.ts')).asmCommand },
  disasm: { summary: 'disassemble QPU machine code (vc6, vc7)', load: async () => (await import('./disasm.ts')).disasmCommand },
  sim: { summary: 'run a raw V3D memory image on the emulator (vc6, vc7)', load: async () => (await import('./sim.ts')).simCommand },
};
