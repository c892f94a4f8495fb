/**
 * The VC4 hazard rules (shared/docs/vc4-isa-notes.md §7): one table of rule
 * ids and severities for the emulator's dynamic checker
 * (runtime/emulator/vc4/hazards.ts) and a static checker over compiled
 * programs, so both report the same names.
 */

/** Every rule the checker knows, with its severity. */
export const VC4_HAZARD_RULES = {
  'regfile-read-after-write': 'error',
  'sfu-r4-too-soon': 'error',
  'rotate-after-write': 'error',
  'tmu-queue-overflow': 'error',
  'branch-in-delay-slot': 'error',
  'thread-switch-in-delay-slot': 'error',
  'thrend-regfile-write': 'error',
  'after-thrend-access': 'error',
  'uniform-after-unif-addr': 'error',
  'tmu-noswap-too-late': 'error',
  'vpm-setup-misuse': 'error',
  'vpm-reads-unconsumed': 'warning',
  'dma-store-conflict': 'error',
  'dma-store-running-at-end': 'error',
  'invalid-combination': 'error',
  'thrsw-in-user-program': 'warning',
  'no-host-interrupt': 'warning',
} as const;

/** A VC4 hazard rule id. */
export type Vc4HazardRule = keyof typeof VC4_HAZARD_RULES;
