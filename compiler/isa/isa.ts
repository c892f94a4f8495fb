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

/** One hazard rule a whole program breaks, found by an ISA's static checker (`check.ts`), at instruction `index` (0-based). */
export interface ProgramIssue<Rule extends string> {
  rule: Rule;
  severity: 'error' | 'warning';
  index: number;
  message: string;
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

/**
 * One line of disassembly as `qpuc disasm` prints it: the instruction when
 * its text assembles back to the same word; otherwise `.word 0x` + 16 hex
 * digits with, as a comment, the decoder's reason (an invalid word) or the
 * lossy text (a word with bits the syntax cannot express, such as unused
 * fields that are not zero). So every line assembles back to its word.
 */
export function disassemblyLine(tools: IsaTextTools, word: bigint, address = 0): string {
  const raw = `.word 0x${word.toString(16).padStart(16, '0')}`;
  let text: string;
  try {
    text = tools.disassemble(word, address);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return `${raw}  # invalid: ${e.message}`;
  }
  // Branch offsets are printed relative to the address: reassemble at the same place.
  const pad = address > 0 && address % 8 === 0 ? '.word 0x0\n'.repeat(Math.min(address / 8, 1 << 20)) : '';
  let back: bigint | undefined;
  try {
    back = tools.assemble(`${pad}${text}`, '<disasm>').words.at(-1);
  } catch {
    back = undefined;
  }
  return back === word ? text : `${raw}  # ${text.replace(/\s+/g, ' ')} (bits the text does not show)`;
}
