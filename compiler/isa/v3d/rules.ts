/**
 * The V3D hazard rules (shared/docs/v3d-semantics-notes.md section 6): one
 * table of rule ids and severities that both checkers use, the static one
 * over every compiled program (compiler/isa/v3d/check.ts) and the emulator's
 * dynamic one over the instructions each thread runs
 * (runtime/emulator/v3d/hazards.ts). An id carries the notes' rule number:
 * `r1-branch-in-branch-slot` is rule 1.
 */

/** Every V3D hazard rule, with its severity (E rules are errors, W rules warnings). */
export const V3D_HAZARD_RULES = {
  'r1-branch-in-branch-slot': 'error',
  'r2-thrsw-in-branch-slot': 'error',
  'r3-branch-in-thrsw-slot': 'error',
  'r4-thrsw-in-thrsw-slot': 'warning',
  'r5-two-last-thrsw-markers': 'error',
  'r6-rf-write-at-end': 'error',
  'r6b-rf-write-at-end': 'error',
  'r7-tmuwt-last': 'error',
  'r8-uniform-in-end-slot': 'error',
  'r9-sfu-in-thrsw-slot': 'error',
  'r10-r4-too-soon': 'error',
  'r12-peripherals': 'error',
  'r12-ldtmu-with-tmu-write': 'warning',
  'r12b-peripherals': 'error',
  'r13-ldunifa-too-soon': 'error',
  'r14-unifa-at-thrsw': 'error',
  'r15-unifa-in-branch-slot': 'warning',
  'r15-branch-after-unifa': 'warning',
  'r16-ldunif-in-branch-slot': 'warning',
  'r18-rotate-port-b': 'error',
  'r18b-small-immediate': 'error',
  'r20-multop-across-switch': 'error',
  'r21-rotate-input-too-new': 'error',
  'r22-sfu-op-to-accumulator': 'warning',
  'r24-tmu-at-barrier': 'warning',
  'r25-tmu-fifo-overflow': 'error',
  'r26-ldtmu-empty': 'error',
  'r27-thrsw-slot-use': 'warning',
  'r28-rf0-undefined-after-switch': 'error',
  /** Not in the notes' table: accumulators and flags do not survive a thread switch (notes 2.1). */
  'acc-after-switch': 'warning',
  /** Registers beyond a thread's share of the register file (64 at two threads, 32 at four). */
  'rf-beyond-thread-share': 'error',
  /** TMU results nobody collected when the thread ends. */
  'tmu-results-left': 'warning',
} as const;

/** A V3D hazard rule id. */
export type V3dHazardRule = keyof typeof V3D_HAZARD_RULES;
