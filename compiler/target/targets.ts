/**
 * The target table: every fact about a GPU generation that the compiler,
 * runtime and tools need, in one row per target. The `Target` type is this
 * table's key; everything else (which backend, which ISA layer, which
 * launcher, how many QPUs by default, which SFU ops an expansion may use)
 * is looked up here.
 *
 * Sources: shared/docs/v3d-semantics-notes.md §1 (QPUs, threads, rf per
 * thread, TMU output FIFO), shared/docs/vc4-isa-notes.md §3–5 (register files,
 * TMU depth, SFU), shared/docs/hardware-interface.md (kernel interfaces).
 */

/** Instruction-set family: one backend folder and one ISA folder per family. */
export type IsaFamily = 'v3d' | 'vc4';

/** A raw special-function-unit operation (base-2 exp/log, sin of pi x on V3D). */
export type SfuOp = 'recip' | 'rsqrt' | 'exp2' | 'log2' | 'sin';

/** How the runtime starts a job on this generation (one launcher per kind). */
export type LaunchKind = 'csd' | 'execute_qpu';

/** One row of the target table. */
export interface TargetInfo {
  /** The name users pass (`--target vc6`). */
  readonly name: string;
  /** Marketing name of the GPU. */
  readonly gpu: string;
  /** Boards that carry it. */
  readonly boards: string;
  /** Instruction-set family: selects the backend, ISA layer and emulator. */
  readonly family: IsaFamily;
  /** Version within the family (V3D: 42 or 71, the encoding revision; VC4: 4, VideoCore IV). */
  readonly version: number;
  /**
   * Default V3D clock in Hz, for the timing model and hardware time-to-cycles. Pi 4: pv6 pctr_gpu_clock
   * measured 500.53 MHz; Pi 5: v3d_freq 960 MHz (raspberrypi/documentation#4189); Pi 0–3: 250 MHz.
   */
  readonly clockHz: number;
  /** QPUs on the chip (a launch of more batches queues them). */
  readonly qpus: number;
  /** SIMD lanes per QPU instruction. */
  readonly lanes: 16;
  /** Threads per QPU in the launch mode qpuc uses (V3D cfg5 THREADING = 0: two; VC4: one program per QPU). */
  readonly threads: number;
  /** Register-file entries a thread may use, per file, in that mode (V3D: rf0..rf63; VC4: files A and B). */
  readonly registerFiles: Readonly<Record<string, number>>;
  /** Accumulators usable as operands (V3D 4.2: r0–r5; V3D 7.1 has none; VC4: r0–r3 general, r4/r5 special). */
  readonly accumulators: number;
  /** TMU lookups a thread may have outstanding before collecting results. */
  readonly tmuFifoDepth: number;
  /**
   * Consecutive 32-bit words one TMU lookup can fetch or store per lane (V3D: vec2–vec4, semantics notes 5.1;
   * VC4: one). Loop shaping regroups grid-stride loops for it (compiler/passes/loopshape.ts, lanePlan).
   */
  readonly tmuVectorWords: number;
  /**
   * Bytes a vector lookup's per-lane address must be aligned to for its words to be consecutive (semantics notes
   * 5.1: V3D 4.2 wraps inside the aligned 16 bytes, 7.1 reads on from any word). Where it is 4, four sibling loads
   * of consecutive words become one vector lookup with no alignment guard (compiler/passes/vecgroup.ts).
   */
  readonly tmuVectorAlignment: number;
  /**
   * Whether stores go through the TMU, queued with the loads (V3D), rather than through the VPM and DMA (VC4).
   * Only then do the main loop's loads move above its stores (compiler/passes/memorder.ts): on VC4 that
   * left the DMA stores waiting behind every load (vs-handwritten vc4 saxpy 0.89 → 0.73).
   */
  readonly tmuStores: boolean;
  /**
   * Whether each main-loop pass's loads, with their address arithmetic, are put ahead of its other work in the IR
   * (loop shaping tags them `pass`; compiler/passes/memorder.ts moves them up, never above a store). VC4's backend
   * sends TMU requests in program order and cannot move one above its address's computation
   * (compiler/backend/vc4/tmu.ts), so without it each copy's lookup goes out only after the previous copy's
   * arithmetic and waits alone (sum f32: 22 000 of 66 000 ticks per QPU collecting loads); the V3D scheduler
   * reorders by itself.
   */
  readonly passLoadsFirst: boolean;
  /**
   * Whether loop-invariant parts of array indices are scaled and added to their pointer before the loop
   * (compiler/passes/rebase.ts, `p[a + v]` as `(p + a)[v]`). Measured per target: on vc6/vc7 it saves a scale
   * and an add per access (resize 0.63 → 0.68 of the memory limit on vc6); on vc4 the extra pointers live
   * across the loop made conv3 and blur7 spill (0.59 → 0.50, 0.45 → 0.33), so it is off there.
   */
  readonly hoistAddressParts: boolean;
  /**
   * VC4, whose stores go through the VPM and the one DMA store engine (VDW): each DMA costs the engine a start-up
   * whatever its size, so stores are batched into multi-row DMAs (docs/backend-vc4.md "Stores"). See {@link DmaStore}.
   * Undefined where stores go through the TMU (V3D).
   */
  readonly dmaStore: DmaStore | undefined;
  /** Raw SFU operations the hardware has. */
  readonly sfu: readonly SfuOp[];
  /** Whether 32-bit integer multiply is one operation (V3D: `multop` + `umul24`; VC4 has only the 24-bit `mul24`). */
  readonly mul32: boolean;
  /**
   * Whether the per-byte ops on four u8 lanes of a word (`uaddsat8`, `usubsat8`, `umin8`, `umax8`) are one ALU op:
   * VC4's `v8adds`, `v8subs`, `v8min`, `v8max` (vc4-isa-notes §6); V3D has none, and compiler/passes/expand-int.ts
   * writes them with word ops.
   */
  readonly byteOps: boolean;
  /** How jobs are submitted. */
  readonly launch: LaunchKind;
  /**
   * Largest workgroup the dispatcher can describe, in work items: V3D's CSD
   * takes the size in cfg3 bits 7:0 (0 meaning 256, as Mesa caps it;
   * hardware-interface 1.7); VC4 has no dispatcher (the launcher starts one
   * program per QPU), so only residency limits it. See {@link maxWorkgroupSize}.
   */
  readonly dispatchWorkgroupLimit: number | undefined;
}

/**
 * How a target with DMA stores (VC4) lays out its VPM store rows; the compiler, the runtime and the emulator read
 * it from here (docs/backend-vc4.md "Conventions", stores).
 */
export interface DmaStore {
  /**
   * 16-word VPM rows each QPU owns when every QPU of the GPU runs the kernel (rows `rows` · qpu_num …; loop shaping
   * unrolls a grid-stride loop that stores to at least that many copies, compiler/passes/loopshape.ts).
   */
  readonly rows: number;
  /**
   * Rows each running batch owns in a kernel whose store batches are one array at most as often read as stored
   * (sscal, scopy: loop shaping gives such a loop this many copies, one DMA of as many rows per pass): such a
   * kernel runs at most `storeRows / wideRows` batches at once (the launcher runs more as consecutive jobs), and
   * batch k of a job owns rows `wideRows` · k … (a uniform, since a program cannot choose its QPU).
   */
  readonly wideRows: number;
  /** VPM rows the store rows of all running QPUs share (rows 0 … storeRows − 1; the spill rows are above). */
  readonly storeRows: number;
  /**
   * Width of the VDW stride field (bytes from the end of one memory row to the start of the next): ARG Table 35
   * says 13 bits, the addendum and vc4asm 16 (vc4-isa-notes §3.2).
   */
  readonly strideBits: number;
}

/** Every target qpuc knows. */
export const TARGETS = {
  vc4: {
    name: 'vc4',
    gpu: 'VideoCore IV',
    boards: 'Pi Zero, 1, 2, 3',
    family: 'vc4',
    version: 4,
    clockHz: 250e6,
    qpus: 12,
    lanes: 16,
    threads: 1,
    registerFiles: { a: 32, b: 32 },
    accumulators: 4,
    // TFREQ has 8 slots, but more than 4 outstanding direct lookups is unreliable (vc4-isa-notes §4).
    tmuFifoDepth: 4,
    tmuVectorWords: 1,
    tmuVectorAlignment: 4,
    tmuStores: false,
    passLoadsFirst: true,
    hoistAddressParts: false,
    dmaStore: { rows: 4, wideRows: 8, storeRows: 48, strideBits: 16 },
    sfu: ['recip', 'rsqrt', 'exp2', 'log2'],
    mul32: false,
    byteOps: true,
    launch: 'execute_qpu',
    dispatchWorkgroupLimit: undefined,
  },
  vc6: {
    name: 'vc6',
    gpu: 'VideoCore VI (V3D 4.2)',
    boards: 'Pi 4, 400, CM4',
    family: 'v3d',
    version: 42,
    clockHz: 500e6,
    qpus: 8,
    lanes: 16,
    threads: 2,
    registerFiles: { rf: 64 },
    accumulators: 6,
    // The 16-word output FIFO split between two threads (semantics notes 5.3).
    tmuFifoDepth: 8,
    tmuVectorWords: 4,
    tmuVectorAlignment: 16,
    tmuStores: true,
    passLoadsFirst: false,
    hoistAddressParts: true,
    dmaStore: undefined,
    sfu: ['recip', 'rsqrt', 'exp2', 'log2', 'sin'],
    mul32: true,
    byteOps: false,
    launch: 'csd',
    dispatchWorkgroupLimit: 256,
  },
  vc7: {
    name: 'vc7',
    gpu: 'VideoCore VII (V3D 7.1)',
    boards: 'Pi 5',
    family: 'v3d',
    version: 71,
    clockHz: 960e6,
    qpus: 12,
    lanes: 16,
    threads: 2,
    registerFiles: { rf: 64 },
    accumulators: 0,
    tmuFifoDepth: 8,
    tmuVectorWords: 4,
    tmuVectorAlignment: 4,
    tmuStores: true,
    passLoadsFirst: false,
    hoistAddressParts: true,
    dmaStore: undefined,
    sfu: ['recip', 'rsqrt', 'exp2', 'log2', 'sin'],
    mul32: true,
    byteOps: false,
    launch: 'csd',
    dispatchWorkgroupLimit: 256,
  },
} as const satisfies Record<string, TargetInfo>;

/** Compilation targets: VideoCore IV (Pi 0–3), VI (V3D 4.2, Pi 4), VII (V3D 7.1, Pi 5). */
export type Target = keyof typeof TARGETS;

/** The targets of one ISA family (`TargetOf<'v3d'>` is `'vc6' | 'vc7'`). */
export type TargetOf<F extends IsaFamily> = { [T in Target]: (typeof TARGETS)[T]['family'] extends F ? T : never }[Target];

/** V3D targets. */
export type V3dTarget = TargetOf<'v3d'>;

/** Every target name, in table order. */
export const TARGET_NAMES = Object.keys(TARGETS) as Target[];

/** Whether `name` is a target qpuc knows. */
export function isTarget(name: unknown): name is Target {
  return typeof name === 'string' && Object.hasOwn(TARGETS, name);
}

/** The table row of `target`. */
export function targetInfo(target: Target): TargetInfo {
  return TARGETS[target];
}

/**
 * Most work items a workgroup of `target` may have: every batch of a
 * workgroup must be resident at once (its barrier waits for all of them:
 * semantics notes 2.6), so QPUs x threads x lanes, capped by what the
 * dispatcher can describe. vc6: 8 x 2 x 16 = 256; vc7: min(12 x 2 x 16, 256)
 * = 256; vc4: 12 x 1 x 16 = 192.
 */
export function maxWorkgroupSize(target: Target): number {
  const t: TargetInfo = TARGETS[target];
  const resident = t.qpus * t.threads * t.lanes;
  return t.dispatchWorkgroupLimit === undefined ? resident : Math.min(resident, t.dispatchWorkgroupLimit);
}

/** The V3D version (42 or 71) of a V3D target. */
export function v3dVersion(target: V3dTarget): 42 | 71 {
  return TARGETS[target].version;
}

/** The V3D target with encoding version `version` (42: vc6, 71: vc7). */
export function v3dTargetOf(version: number): V3dTarget {
  // The newest V3D row not newer than `version` (a 7.1.x part runs the 71 encoding).
  const rows = TARGET_NAMES.filter(isV3dTarget).sort((a, b) => TARGETS[a].version - TARGETS[b].version);
  return rows.filter((t) => TARGETS[t].version <= version).pop() ?? (rows[0] as V3dTarget);
}

/** Whether `target` belongs to the V3D family. */
export function isV3dTarget(target: Target): target is V3dTarget {
  return TARGETS[target].family === 'v3d';
}

/** 'vc4, vc6 or vc7': the target list for messages. */
export function targetList(): string {
  return `${TARGET_NAMES.slice(0, -1).join(', ')} or ${TARGET_NAMES[TARGET_NAMES.length - 1]}`;
}
