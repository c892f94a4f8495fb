import type { Target } from '../../runtime/index.ts';

/** One library function measured on one target, in the emulator's timing model. */
export interface KernelRow {
  /** Function and shape, e.g. 'sgemm 256×256×256' or 'sum u32 4M'. */
  name: string;
  target: Target;
  /** Modelled seconds for the whole call (all launches). */
  seconds: number;
  /** What bounds the job: 'compute' rows are judged by flops against the ALU peak, 'memory' rows by bytes against the model's bandwidth limit. */
  bound: 'compute' | 'memory';
  /** Floating-point (or integer) operations the job needs, counted the way the published figure counts them (sgemm: 2mnk). */
  flops: number;
  /** Bytes the job must move at least (each input read once, each output written once). */
  bytes: number;
  /** A hand-written program for the same job in the same timing model, when one exists (bench/programs). */
  handwritten?: { name: string; seconds: number };
  /**
   * False for a memory-bound row that is no streaming function (a sorting network: O(n log² n) compare-exchanges
   * over data read and written many times): its fraction of the memory limit is reported, but issue 19's goal
   * (≥ 0.9 for streaming functions) is not set on it. Default true.
   */
  streaming?: boolean;
}
