import type { Target } from '../target/targets.ts';

/**
 * What every instruction set (vc4, vc6, vc7) offers the CLI and the tools
 * that work on words without knowing the target: decode to text, assemble
 * text. Each ISA's module exports one object of this shape.
 */

/** A problem in assembly source, with its position. */
export class AsmError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number, // 1-based
    readonly col: number, // 1-based
  ) {
    super(`${file}:${line}:${col} - error: ${message}`);
  }
}

/** A word the decoder cannot make sense of. */
export class DecodeError extends Error {
  constructor(message: string, readonly word: bigint) {
    super(message);
  }
}

/** Result of assembling a source file. */
export interface AssembledProgram {
  /** Instruction words in order (each 64 bits on every supported ISA). */
  words: bigint[];
  /** Label name → byte offset from the start of the program. */
  labels: Map<string, number>;
  /** Data the source declared (e.g. uniforms), by directive, in order. */
  data: { directive: string; values: number[]; line: number }[];
}

/** The text tools of one instruction set. */
export interface IsaTextTools {
  /** The target these tools are for. */
  readonly target: Target;
  /** Disassemble one 64-bit word; throws DecodeError for an invalid word. `address` is the word's byte address, for branch targets. */
  disassemble(word: bigint, address?: number): string;
  /** Assemble source text; throws AsmError with file, line and column. */
  assemble(source: string, file: string): AssembledProgram;
}
