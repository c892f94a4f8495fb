/**
 * Messages between the playground page (playground/app.ts) and its worker
 * (playground/worker.ts), which compiles and runs kernels off the page's thread.
 */
import type { Target } from '../compiler/target/targets.ts';

/** How a pointer parameter's buffer is filled before a run. */
export type FillPattern = 'zero' | 'const' | 'index' | 'random' | 'sin';

/** The fill patterns, in menu order, with what element i becomes (c: the pattern's number). */
export const FILL_PATTERNS: readonly { name: FillPattern; text: string }[] = [
  { name: 'index', text: 'c × i' },
  { name: 'const', text: 'c' },
  { name: 'sin', text: 'c × sin(i)' },
  { name: 'random', text: 'random in [0, c)' },
  { name: 'zero', text: '0' },
];

/** A kernel argument as the page describes it: a buffer (size, fill) for Ptr<T>, a number otherwise. */
export type InputSpec = { kind: 'buffer'; size: number; fill: FillPattern; c: number } | { kind: 'scalar'; value: number };

/** Page → worker. */
export type Request =
  | { kind: 'compile'; id: number; source: string; target: Target }
  | { kind: 'run'; id: number; source: string; target: Target; kernel: string; qpus: number; inputs: Record<string, InputSpec> };

/** A compiler diagnostic, located in the editor's file. */
export interface PageDiagnostic {
  code: string;
  message: string;
  hint: string;
  line: number;
  col: number;
  length: number;
}

/** One compiled kernel as the page shows it. */
export interface PageKernel {
  name: string;
  params: { name: string; type: string }[];
  instructionCount: number;
  registersUsed: number;
  /** Per instruction: disassembly and the kernel source line it came from (0: none). */
  listing: { text: string; line: number }[];
  /** Instructions that issue both an add-ALU and a mul-ALU operation. */
  dualIssued: number;
}

/** A hazard the emulator's checker reported, with the source line of the instruction when known. */
export interface PageHazard {
  rule: string;
  severity: 'error' | 'warning';
  message: string;
  /** Index of the instruction in the listing (-1: outside the kernel). */
  instruction: number;
  line: number;
  qpu: number;
}

/** A buffer after the run (its first elements). */
export interface PageOutput {
  name: string;
  type: string;
  length: number;
  values: number[];
}

/** Worker → page. */
export type Reply =
  | { kind: 'ready' }
  | { kind: 'compiled'; id: number; target: Target; diagnostics: PageDiagnostic[]; kernels: PageKernel[]; ms: number }
  | {
      kind: 'ran';
      id: number;
      target: Target;
      kernel: string;
      qpus: number;
      outputs: PageOutput[];
      profile: { cycles: number; clockHz: number; seconds: number; instructions: number; bytesRead: number; bytesWritten: number; flops: number; stalls: Record<string, number>; perQpuCycles: number[] };
      hazards: PageHazard[];
      ms: number;
    }
  | { kind: 'failed'; id: number; what: 'compile' | 'run'; message: string; line?: number };

/** Rows of each output buffer the page shows. */
export const OUTPUT_ROWS = 256;
