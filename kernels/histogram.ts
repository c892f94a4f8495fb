/**
 * Histograms of u32 values: counts[b] = the number of i < n with values[i] == b, for b < bins (values ≥ bins are
 * counted nowhere).
 *
 * Three methods, chosen per target by measurement in the emulators' timing models (docs/kernels.md):
 * - atomics (vc6, vc7): every lane adds 1 to its value's bin with `qpu.atomicAdd`, one TMU round trip per 16
 *   elements, AHEAD of them in flight at once; up to SHARED_BINS bins into a histogram in workgroup-shared memory
 *   (which stays in the L2 cache, docs/timing-model.md), added into counts at the end (on vc7 up to BATCH_BINS
 *   bins a histogram per batch, with no barrier), more bins straight into counts;
 * - packed counters (vc4 up to 64 bins, where an atomic instruction costs ~3 200 cycles): each lane reads the values
 *   once and counts them in registers, 8 words of eight 4-bit counters (a compare per two words, its conditional
 *   byte adds on the mul ALU) added into 16 words of four 8-bit counters every 12 values; every 252 values the
 *   bytes go into per-QPU totals, which the host adds;
 * - private counters (vc4 past 64 bins): each lane keeps WINDOW counters in registers for bins [base, base +
 *   WINDOW), adding `v − base == b` for each, the lanes' counters are summed per QPU (`qpu.reduceAdd`) into a per-QPU
 *   row of a partial table, and the host adds the rows; one pass over the values per WINDOW bins.
 */
import { device, kernel, qpu, i32, u32, type Ptr } from 'qpuc';
import type { LaunchResult, Runtime } from 'qpuc/runtime';
import { combineResults, emptyResult, typeName } from './launch.js';

/**
 * Values per lane whose loads go out before their atomics in {@link Histogram.atomic}: when a step's lookups were
 * collected before its loop branch, more per step meant fewer times the TMU queue drained (64K values into 64
 * bins, increment atomics: vc6 53.9 µs with 8, 45.1 with 16, 63 with 24; vc7 27.4, 26.1 — 16 takes 60 / 63 of the
 * 64 registers). With the loads as siblings of one base (below): vc6 47.0 µs with 12, 41.7 with 16, 45.4 with 20 and
 * 45.3 with 24 (a bigger step leaves more values to the one-vector tail, and the QPUs wait longer at the barrier).
 * With the last loads carried across the back edge (compiler/backend/v3d/carry.ts): vc6 39.5 µs with 8, 39.2 with
 * 12 and 16, 43.7 with 20, 44.8 with 24, 42.7 with 32; vc7 22.0, 23.2, 22.5, 26.7, 26.5, 23.6.
 */
const AHEAD = 16;
/** Values a step of {@link Histogram.sharedSwitch}: a thread's share of the TMU output FIFO (docs/kernels.md). */
const SWITCH_AHEAD = 8;

/**
 * Bins a workgroup of {@link Histogram.shared} counts in its shared memory (4 KiB, and SHARED_WG words after them:
 * 16 spare words, and room for the uniform zeroing loop's last item, which writes up to bin j + 63).
 */
const SHARED_BINS = 1024;
/** Work items per workgroup of {@link Histogram.shared}: four batches (vc6 runs two at once, vc7 three). */
const SHARED_WG = 64;
/** Vectors of bins each batch of {@link Histogram.batchSwitch} counts in a histogram of its own (its zeroing spells out four stores). */
const BATCH_VECTORS = 4;
/** Bins {@link Histogram.batchSwitch} counts: 16 · BATCH_VECTORS. */
const BATCH_BINS = 64;
/**
 * Words of a {@link Histogram.batchSwitch} batch's shared memory: its bins, its 16 spare words and what the last step's
 * dummy loads read (16 · SWITCH_AHEAD words).
 */
const BATCH_WORDS = 128;

/** Words of four byte-wide counters each lane of {@link Histogram.packed} keeps in registers: 64 bins. */
const PACKED_WORDS = 16;
/**
 * Values per lane between flushes of {@link Histogram.packed}'s nibble counters (a nibble holds 15; steps of four): a
 * QPU's last round takes up to three more.
 */
const PACKED_ROUND = 12;
/** Values per lane between flushes of {@link Histogram.packed}'s byte counters (a byte holds 255; 21 whole rounds). */
const PACKED_CHUNK = 252;
/** Words of eight nibble-wide counters each lane of {@link Histogram.packed} adds to (14 values between flushes). */
const PACKED_NIBBLE_WORDS = 8;
/**
 * Vectors a QPU of {@link Histogram.packed} reads at most in one launch (the host launches once per slice): a QPU's
 * count of one bin stays below 2^16 (16 values a vector, one more vector for some QPUs: 16 · 4095 < 2^16), two to a
 * word.
 */
const PACKED_SLICE = 4094;
/** Words of one QPU's row of {@link Histogram.packed}: 64 counts, two to a word. */
const PACKED_ROW = 32;
/** Bins {@link Histogram.packed} counts (4 · PACKED_WORDS). */
const PACKED_BINS = 64;

/** Bins one pass of {@link Histogram.window} counts (the counters live in registers). */
const WINDOW = 16;

/** Histogram kernels. */
export class Histogram {
  /**
   * counts[values[i]] += 1 for i < n with values[i] < bins, by atomics (counts zeroed by the caller). A value past
   * the bins adds 0 to bin (lane mod bins) instead of skipping its atomic: every lane's atomic is unconditional,
   * so the loop has no branch around a masked atomic (which split its body and cost 1.6× the time on vc6), and
   * the lanes' zero adds go to different words.
   */
  @kernel
  static atomic(n: u32, bins: u32, values: Ptr<u32>, counts: Ptr<u32>): void {
    Histogram.countInto(n, bins, values, counts, 0, AHEAD, counts, 0);
  }

  /**
   * h[values[i]] += 1 by atomics for this work item's i < n (grid-stride). Where h has `spares` = 1 (a constant
   * at each call), 16 words after its bins that nobody reads, a value past the bins adds 1 to h[min(v, bins +
   * lane)], one of them: one `umin` and a constant; else it adds 0 to bin (lane mod bins). Whole steps (every
   * lane's `ahead` values exist; `ahead` a constant at each call, at most AHEAD, the private arrays' length) load
   * `ahead` values before their atomics go out (an atomic keeps its program order against the loads: h could be
   * values, as far as the compiler knows), so `ahead` atomics are in flight at once,
   * in a loop the same for every lane, whose next step's loads go out after this step's atomics; the rest go one at a
   * time. Reads values[min(i, n − 1)] ahead: n ≥ 1 (the host launches nothing for n = 0). With `merge` = 1 (a
   * constant at each call; {@link Histogram.batchSwitch}) h is this batch's own histogram of at most BATCH_BINS bins,
   * which it then adds into counts.
   */
  @device
  static countInto(n: u32, bins: u32, values: Ptr<u32>, h: Ptr<u32>, spares: u32, ahead: u32, counts: Ptr<u32>, merge: u32): void {
    const lane = qpu.laneId();
    const step = ahead * qpu.globalCount();
    const v = new Uint32Array(AHEAD);
    // Each batch takes `ahead` vectors in a row per step (their loads one base plus constants), the same in every lane.
    let b = qpu.qpuId() * 16 * ahead;
    // Software-pipelined: a step's atomics go out, then the next step's loads (after them in program order, as the
    // compiler keeps them), so that the loads are in flight while the atomics' results come back (vc6: 59.4 -> 57.2 µs
    // for 64K values into 64 bins). Each load's index is one base plus a constant, `(next + lane) + 16k`: address
    // rebasing makes the sixteen one chain of adds (compiler/passes/rebase.ts), where `next + (16k + lane)` had it
    // keep sixteen loop-invariant pointers `values + 16k + lane` in registers (vc6 63 -> 57 registers, 43.9 -> 41.7
    // µs; vc7 25.0 -> 24.8 µs). The first loads are unconditional (clamped to the last value), right before the loop:
    // the V3D backend then keeps the last eight loads of the block before the loop and of the loop body in the TMU
    // FIFO across the back edge (compiler/backend/v3d/carry.ts), collected at the top of the next step, between its
    // first atomics (vc6 42.5 -> 40.2 µs, vc7 24.9 -> 22.8; under an `if`, the loads reached the loop through a
    // join, and nothing was carried).
    const b0 = b + lane;
    for (let k: u32 = 0; k < ahead; k++) v[k] = values[Math.min(b0 + 16 * k, n - 1)];
    for (; b + 16 * ahead <= n; b += step) {
      // Every word's place first (each in a register of its own), then the atomics: computed next to its atomic,
      // each place shared a temporary with the next, which kept the atomics from overlapping their arithmetic.
      const at = new Uint32Array(AHEAD);
      for (let k: u32 = 0; k < ahead; k++) at[k] = Histogram.slot(bins, v[k], spares);
      for (let k: u32 = 0; k < ahead; k++) qpu.atomicAdd(h, at[k], Histogram.amount(bins, v[k], spares));
      // Past the last whole step the loads read shared memory (`spares` = 1: h is at least 1024 + 64 words), which
      // takes no DRAM bandwidth; straight into counts they read the last step again. Selects, not branches: the
      // body stays one block (`&&` and a call in a `?:` arm would split it).
      const more = b + step + 16 * ahead <= n;
      const dummy = spares != 0 ? !more : false;
      const src = dummy ? h : values;
      const clamped = Math.min(b + step, n - 16 * ahead);
      const next = dummy ? 0 : clamped;
      const n0 = next + lane;
      for (let k: u32 = 0; k < ahead; k++) v[k] = src[n0 + 16 * k];
    }
    // The rest: this batch's last (partial) step, one vector at a time, in a loop the same for every lane (from
    // `b + lane`, lane reductions of its bounds took ~40 instructions); a lane past the end adds a value that
    // counts nowhere.
    const end = Math.min(n, b + 16 * ahead);
    for (let j = b; j < end; j += 16) {
      const i = j + lane;
      const x = values[Math.min(i, n - 1)];
      Histogram.add(h, bins, i < end ? x : 0xffffffff, spares);
    }
    if (merge != 0) {
      // This batch's bins into counts. The last step's dummy loads read h[16k + lane], its bins, after all of its
      // atomics (one thread's lookups are served in order, as TMU_LOADS_SEE_EARLIER_STORES in the V3D backend takes
      // them), so they are its counts unless the loop did not run or the rest added more: then load them again
      // (loaded again every time: 15.6 µs against 15.3 on vc7). A lane past the bins adds 0 to counts[0].
      const ran = qpu.qpuId() * 16 * ahead + 16 * ahead <= n; // the loop's first test
      if (!ran || b < n) for (let k: u32 = 0; k < BATCH_VECTORS; k++) v[k] = h[16 * k + lane];
      for (let k: u32 = 0; k < BATCH_VECTORS; k++) {
        const bin = 16 * k + lane;
        const inside = bin < bins;
        qpu.atomicAdd(counts, inside ? bin : 0, inside ? v[k] : 0);
      }
    }
  }

  /** One value into h (see {@link Histogram.countInto}). */
  @device
  static add(h: Ptr<u32>, bins: u32, v: u32, spares: u32): void {
    qpu.atomicAdd(h, Histogram.slot(bins, v, spares), Histogram.amount(bins, v, spares));
  }

  /**
   * The word of h value v adds to: its bin, else a spare word (`spares` = 1) or bin lane mod bins. Both forms are
   * computed and `spares` (a constant) selects one, which constant folding keeps alone: an `if` on it would split
   * the loop body into blocks.
   */
  @device
  static slot(bins: u32, v: u32, spares: u32): u32 {
    const lane = qpu.laneId();
    const spare = Math.min(v, bins + lane);
    const inside = v < bins;
    const bin = lane % bins;
    return spares != 0 ? spare : inside ? v : bin;
  }

  /** What value v adds to its {@link Histogram.slot}: 1, or 0 past the bins without spare words. */
  @device
  static amount(bins: u32, v: u32, spares: u32): u32 {
    const inside = v < bins;
    const one: u32 = 1;
    const zero: u32 = 0;
    return spares != 0 ? one : inside ? one : zero;
  }

  /**
   * counts[values[i]] += 1 for i < n with values[i] < bins ≤ SHARED_BINS, through a histogram in workgroup-shared
   * memory (its bins and spare words): each workgroup zeroes its bins, adds 1 per value there by atomics
   * (grid-stride over all work items; a value past the bins adds 1 to a spare word, {@link Histogram.countInto}),
   * then adds each of its bins into counts by one atomic per bin (counts zeroed by the caller). The zeroing and
   * adding loops count j = 0, 64, … the same in every lane (item l takes bin j + l): loops from the varying l
   * reduced their bounds over the lanes (two rotate trees, ~40 instructions each; vc6 40.1 -> 39.3 µs).
   */
  @kernel({ workgroupSize: SHARED_WG })
  static shared(n: u32, bins: u32, values: Ptr<u32>, counts: Ptr<u32>): void {
    const h = qpu.shared<u32>(SHARED_BINS + SHARED_WG);
    Histogram.sharedBody(n, bins, values, counts, h, AHEAD);
  }

  /**
   * {@link Histogram.shared} switching threads before it waits for a lookup (the kernel option `threadSwitch`),
   * launched with two batches per QPU so that each thread's lookups are in flight while the other runs: on vc7 64K
   * values into 64 bins 24.8 -> 17.0 µs (docs/kernels.md).
   */
  @kernel({ workgroupSize: SHARED_WG, threadSwitch: true })
  static sharedSwitch(n: u32, bins: u32, values: Ptr<u32>, counts: Ptr<u32>): void {
    const h = qpu.shared<u32>(SHARED_BINS + SHARED_WG);
    Histogram.sharedBody(n, bins, values, counts, h, SWITCH_AHEAD);
  }

  /**
   * {@link Histogram.sharedSwitch} for up to BATCH_BINS bins with a histogram per batch (16-item workgroups, each with
   * its BATCH_WORDS of shared memory) and no barrier: a batch zeroes its bins, counts into them right away (its own
   * stores come first: one thread's lookups are served in order) and adds them into counts when its loop ends (the
   * merge in {@link Histogram.countInto}). On vc7, 64K values into 64 bins: 16.5 -> 15.3 µs (docs/kernels.md); the
   * first loads go out 128 clocks after the start instead of 784 (zeroing, `tmuwt` and barrier), and the end has no
   * barrier and no second load of the bins.
   */
  @kernel({ workgroupSize: 16, threadSwitch: true })
  static batchSwitch(n: u32, bins: u32, values: Ptr<u32>, counts: Ptr<u32>): void {
    const h = qpu.shared<u32>(BATCH_WORDS);
    const lane = qpu.laneId();
    // BATCH_BINS words as four stores (a loop over them stayed a loop: a branch and a masked fifth store).
    h[lane] = 0;
    h[16 + lane] = 0;
    h[32 + lane] = 0;
    h[48 + lane] = 0;
    Histogram.countInto(n, bins, values, h, 1, SWITCH_AHEAD, counts, 1);
  }

  /** The body of {@link Histogram.shared} and {@link Histogram.sharedSwitch}. */
  @device
  static sharedBody(n: u32, bins: u32, values: Ptr<u32>, counts: Ptr<u32>, h: Ptr<u32>, ahead: u32): void {
    const l = qpu.localId();
    for (let j: u32 = 0; j < bins; j += SHARED_WG) h[j + l] = 0;
    qpu.workgroupBarrier();
    Histogram.countInto(n, bins, values, h, 1, ahead, counts, 0);
    qpu.workgroupBarrier();
    for (let j: u32 = 0; j < bins; j += SHARED_WG) {
      const b = j + l;
      if (b < bins) qpu.atomicAdd(counts, b, h[b]);
    }
  }

  /**
   * partial[qpuId() · stride + base + b] = the number of this QPU's elements (grid-stride) equal to base + b, for
   * b < WINDOW and base + b < bins.
   */
  @kernel
  static window(n: u32, bins: u32, base: u32, stride: u32, values: Ptr<u32>, partial: Ptr<u32>): void {
    const c = new Uint32Array(WINDOW);
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      const d = values[i] - base;
      for (let b: u32 = 0; b < WINDOW; b++) c[b] += d == b ? 1 : 0;
    }
    // Lane b of the QPU gathers bin base + b's total.
    let mine: u32 = 0;
    for (let b: u32 = 0; b < WINDOW; b++) {
      const t = qpu.reduceAdd(c[b]);
      mine = qpu.laneId() == b ? t : mine;
    }
    const bin = base + qpu.laneId();
    if (bin < bins) partial[qpu.qpuId() * stride + bin] = mine;
  }

  /**
   * The number of this QPU's values equal to b, for b < 64 (values ≥ 64 are counted nowhere), in half (k >> 4) & 1 of
   * partial[qpuId() · 32 + 16(k >> 5) + (k & 15)], k = {@link packedSlot}(b) (each count < 2^16: perQpu <
   * PACKED_SLICE): QPU q reads vectors q, q + numQpus, … (perQpu of them, one more for q < extra) of values[first …
   * last]. One pass over the values, counters in registers at two widths:
   * - nibbles, for up to PACKED_ROUND values: 8 words of eight 4-bit counters; value v, of group g = v >> 3 (8 or
   *   more: counted nowhere), adds inc = 1 << 4(v mod 8) to word 2m where g < 2m + 1 and to word 2m + 1 where g ==
   *   2m + 1 (m = 0 … 3): on vc4 one `sub.setf -, g, 2m + 1` answers both (its borrow and its zero flag, isel.ts
   *   equalityFromFlags), and the adds are conditional `v8adds` on the mul ALU (`qpu.addBytesSat`: a nibble stays
   *   ≤ 15, so no byte saturates), each beside the next compare;
   * - bytes, for up to PACKED_CHUNK values: 16 words of four 8-bit counters (nibble word j's low nibbles in word 2j,
   *   high in 2j + 1), to which the nibbles are added (w & 0x0f0f0f0f and (w >> 4) & 0x0f0f0f0f, byte adds again)
   *   after every round (bytes of word 2j + h, byte m: bin 8j + 2m + h, where the even nibble words j > 0 also count
   *   groups j − 2 and j − 1: the host subtracts those, {@link addPackedRows}).
   * Every PACKED_CHUNK values the bytes are split into 16-bit fields, summed over the lanes by a butterfly and added
   * into two words of 16-bit totals. The loops count down, which loop shaping leaves alone (its copies of a counted loop kept
   * two rounds of counters live and spilled); each step counts four values while the next four load (vc4's TMU
   * queue holds four), and a QPU's last one to three values join its last round (up to 15 values, the most a nibble
   * holds), counted one at a time after its steps.
   */
  @kernel
  static packed(perQpu: u32, extra: u32, first: u32, last: u32, values: Ptr<u32>, partial: Ptr<u32>): void {
    Histogram.countPacked(perQpu, extra, first, last, values, partial, 1);
  }

  /**
   * {@link Histogram.packed} with word adds where it has byte adds, for targets without byte ops (vc6, vc7: a byte op
   * is ~16 word ops there: 64K values into 64 bins took 582 µs with `packed` on vc6, 107 µs with this kernel).
   */
  @kernel
  static packedWords(perQpu: u32, extra: u32, first: u32, last: u32, values: Ptr<u32>, partial: Ptr<u32>): void {
    Histogram.countPacked(perQpu, extra, first, last, values, partial, 0);
  }

  /**
   * A nibble word plus an increment: the byte add where `bytes` (a constant at each call) is not 0, else the word add.
   * They agree, as a nibble stays ≤ PACKED_ROUND (no byte saturates); the byte add is one mul-ALU op on vc4, whose
   * add ALU is the one the counting loop is short of.
   */
  @device
  static addNibble(w: u32, inc: u32, bytes: u32): u32 {
    const sum = qpu.addBytesSat(w, inc);
    const plain = w + inc;
    return bytes != 0 ? sum : plain;
  }

  /** The body of {@link Histogram.packed} (bytes = 1) and {@link Histogram.packedWords} (bytes = 0). */
  @device
  static countPacked(perQpu: u32, extra: u32, first: u32, last: u32, values: Ptr<u32>, partial: Ptr<u32>, bytes: u32): void {
    const gc = qpu.globalCount();
    const lane = qpu.laneId();
    // Per-QPU totals, two 16-bit fields a word (under 2^16: the host gives a QPU at most PACKED_SLICE vectors): word
    // j of a wide row (packedSlot) in t[j >> 5], lane j & 15, half (j >> 4) & 1.
    const t = new Uint32Array(2);
    // This QPU's vectors (grid-stride): no division in the kernel (a u32 one is ~150 instructions on vc4, and its
    // float constants took six registers all through).
    let left = perQpu + (qpu.qpuId() < extra ? 1 : 0);
    // These four values; the next four's loads go out before they are counted (past the end they read the last
    // vector again: i < 2^31, so the i32 minimum is one op on vc4).
    let i = first + qpu.globalId();
    const x = new Uint32Array(4);
    for (let j: u32 = 0; j < 4; j++) x[j] = values[u32(Math.min(i32(i + j * gc), i32(last)))];
    while (left > 0) {
      // Byte counters, word 2j + h, byte m: bin 8j + 2m + h, for up to PACKED_CHUNK values (a multiple of
      // PACKED_ROUND: every nibble round takes whole steps of four, but the QPU's very last, which takes up to three
      // values more).
      const c = new Uint32Array(PACKED_WORDS);
      // (A chunk's last round takes up to three values more, which its bytes hold too: 255.)
      let rounds = left <= PACKED_CHUNK + 3 ? left : PACKED_CHUNK;
      left -= rounds;
      // Count-down loops: loop shaping (which copies a counted `i < end` loop) would keep several rounds' counters
      // live at once, more than the registers.
      while (rounds > 0) {
        // Nibble counters (see the kernel's comment) for up to PACKED_ROUND values, or up to three more in the QPU's
        // last round: its last one to three values join it instead of making a round of their own, whose flush cost
        // as much as a step (16K values into 64 bins: 52.6 -> 51.5 µs).
        const w = new Uint32Array(PACKED_NIBBLE_WORDS);
        const k0 = rounds <= PACKED_ROUND + 3 ? rounds : PACKED_ROUND;
        rounds -= k0;
        let k = i32(k0);
        // Steps of four values, their four loads in flight while they are counted.
        for (; k >= 4; k -= 4) {
          i += 4 * gc;
          const nx = new Uint32Array(4);
          for (let j: u32 = 0; j < 4; j++) nx[j] = values[u32(Math.min(i32(i + j * gc), i32(last)))];
          for (let j: u32 = 0; j < 4; j++) {
            const g = x[j] >> 3;
            const inc = Histogram.nibble(x[j]);
            for (let b: u32 = 0; b < PACKED_NIBBLE_WORDS; b += 2) {
              w[b] = Histogram.addNibble(w[b], g < b + 1 ? inc : 0, bytes);
              w[b + 1] = Histogram.addNibble(w[b + 1], g == b + 1 ? inc : 0, bytes);
            }
          }
          for (let j: u32 = 0; j < 4; j++) x[j] = nx[j];
        }
        // The QPU's last one to three values, one at a time (no loads: they are the last).
        for (; k > 0; k--) {
          const g = x[0] >> 3;
          const inc = Histogram.nibble(x[0]);
          for (let b: u32 = 0; b < PACKED_NIBBLE_WORDS; b += 2) {
            w[b] = Histogram.addNibble(w[b], g < b + 1 ? inc : 0, bytes);
            w[b + 1] = Histogram.addNibble(w[b + 1], g == b + 1 ? inc : 0, bytes);
          }
          for (let j: u32 = 0; j < 3; j++) x[j] = x[j + 1];
        }
        // Into the byte counters (a byte holds at most PACKED_CHUNK ≤ 255: no carries between bytes).
        for (let j: u32 = 0; j < PACKED_NIBBLE_WORDS; j++) {
          c[2 * j] += w[j] & 0x0f0f0f0f;
          c[2 * j + 1] += (w[j] >> 4) & 0x0f0f0f0f;
        }
      }
      // Source j = 2b + p: bytes p (low 16 bits) and p + 2 (high) of word b, each ≤ 255 per lane. Each level of the
      // butterfly adds lane l and lane l ^ r of two sources, keeping source 2k + (bit r of l), so that after four
      // levels lane l of sum u holds source 16u + rev4(l) summed over the 16 lanes (≤ 4080 per field).
      // The first level (r = 8) as one rotation per word: each lane's own fields are bytes 1 and 3 where bit 3 of its
      // lane is set, else 0 and 2 ((c >> own) & 0x00ff00ff), and the others the other two, those that lane l ^ 8
      // needs (the same rotation by 8 for both halves of the lanes). Breadth first, each step for all sixteen words
      // before the next, and the masks as byte minimums (mul ALU) beside the shifts (add ALU), so that the words
      // overlap (word after word, depth first, the lane sums took 225 instructions, now 202).
      const own = lane & 8;
      const other = 8 - own;
      const mine = new Uint32Array(PACKED_WORDS);
      for (let b: u32 = 0; b < PACKED_WORDS; b++) mine[b] = c[b] >> own;
      for (let b: u32 = 0; b < PACKED_WORDS; b++) mine[b] = Histogram.mask(mine[b], 0x00ff00ff, bytes);
      for (let b: u32 = 0; b < PACKED_WORDS; b++) c[b] = Histogram.mask(c[b] >> other, 0x00ff00ff, bytes);
      const z = new Uint32Array(PACKED_WORDS);
      for (let b: u32 = 0; b < PACKED_WORDS; b++) z[b] = mine[b] + qpu.rotate(c[b], 8);
      const l2 = new Uint32Array(8);
      for (let k: u32 = 0; k < 8; k++) l2[k] = Histogram.pair(z[2 * k], z[2 * k + 1], 4);
      const l3 = new Uint32Array(4);
      for (let k: u32 = 0; k < 4; k++) l3[k] = Histogram.pair(l2[2 * k], l2[2 * k + 1], 2);
      for (let u: u32 = 0; u < 2; u++) t[u] += Histogram.pair(l3[2 * u], l3[2 * u + 1], 1);
    }
    // Two rows a QPU (on vc4 the QPUs' stores queue for the one DMA engine at the end: a 16K-value histogram's
    // twelve took 12 × 23 ticks of 3 420 with four rows).
    const row = qpu.qpuId() * 32 + lane;
    partial[row] = t[0];
    partial[row + 16] = t[1];
  }

  /** The nibble increment of value x in its group's word: 1 << 4(x mod 8) (a shift count is taken mod 32). */
  @device
  static nibble(x: u32): u32 {
    return 1 << (x << 2);
  }

  /**
   * x & m for a mask m of whole bytes (0x00 or 0xff each): where `bytes` (a constant at each call) is not 0 the byte
   * minimum (`v8min` on vc4's mul ALU, beside the add ALU's shifts and adds), else the word and.
   */
  @device
  static mask(x: u32, m: u32, bytes: u32): u32 {
    const low = qpu.minBytes(x, m);
    const plain = x & m;
    return bytes != 0 ? low : plain;
  }

  /** Lane l: x[l] + x[l ^ r] where bit r of l is clear, y[l] + y[l ^ r] where it is set (r = 1, 2, 4, 8). */
  @device
  static pair(x: u32, y: u32, r: u32): u32 {
    // Both rotations unconditionally: a rotation under the lane-dependent condition would become a branch.
    const down = x + qpu.rotate(x, 16 - r);
    const up = y + qpu.rotate(y, r);
    return (qpu.laneId() & r) != 0 ? up : down;
  }
}

// ---- Host functions -------------------------------------------------------------------------------------------

/** Arguments of {@link histogram}. */
export interface HistogramOptions {
  /** The values, a Uint32Array from `rt.alloc`. */
  values: Uint32Array;
  /** The counts, a Uint32Array from `rt.alloc`: counts[b] for b < bins (bins = counts.length unless given). Overwritten. */
  counts: Uint32Array;
  /** Values to count, values[0..n); default values.length. */
  n?: number;
  /** Bins, counts[0..bins); default counts.length. */
  bins?: number;
  /**
   * Force a method (default: atomics on vc6/vc7; on vc4 packed byte counters up to 64 bins, private counters past
   * that; see the file comment). 'packed' takes at most 64 bins.
   */
  method?: 'atomic' | 'private' | 'packed';
}

/** Elements per QPU below which fewer QPUs are used. */
const MIN_PER_QPU = 1024;

/**
 * counts[b] = the number of i < n with values[i] === b, for every b < bins; values ≥ bins are not counted.
 * Counts are exact (u32, wrapping only past 2^32 − 1 equal values). On vc4 up to 64 bins the values are read once
 * (packed nibble and byte counters, flushed every 254 values per lane); past 64 bins once per 16 bins. Throws
 * TypeError for arrays that are not Uint32Arrays or an unknown method, RangeError for n outside 0..values.length,
 * bins outside 1..counts.length, or method 'packed' with more than 64 bins.
 */
export async function histogram(rt: Runtime, options: HistogramOptions): Promise<LaunchResult> {
  const { values, counts } = options ?? ({} as HistogramOptions);
  if (!(values instanceof Uint32Array)) throw new TypeError(`histogram: values must be a Uint32Array from rt.alloc, got ${typeName(values)}`);
  if (!(counts instanceof Uint32Array)) throw new TypeError(`histogram: counts must be a Uint32Array from rt.alloc, got ${typeName(counts)}`);
  const n = options.n ?? values.length;
  if (!Number.isInteger(n) || n < 0 || n > values.length) throw new RangeError(`histogram: n must be a whole number from 0 to values.length (${values.length}), got ${String(options.n)}`);
  const bins = options.bins ?? counts.length;
  if (!Number.isInteger(bins) || bins < 1 || bins > counts.length) throw new RangeError(`histogram: bins must be a whole number from 1 to counts.length (${counts.length}), got ${String(options.bins)}`);
  const method = options.method ?? (rt.target !== 'vc4' ? 'atomic' : bins <= PACKED_BINS ? 'packed' : 'private');
  if (method !== 'atomic' && method !== 'private' && method !== 'packed') throw new TypeError(`histogram: method must be 'atomic', 'private' or 'packed', got ${String(method)}`);
  if (method === 'packed' && bins > PACKED_BINS) throw new RangeError(`histogram: method 'packed' counts up to ${PACKED_BINS} bins, got bins = ${bins}`);
  const qpus = Math.max(1, Math.min(rt.numQpus, Math.ceil(n / MIN_PER_QPU)));
  if (method === 'atomic') {
    counts.fill(0, 0, bins);
    // Without values there is nothing to count (the kernels read values[min(i, n - 1)] ahead).
    if (n === 0) return emptyResult(rt, bins <= SHARED_BINS && rt.target !== 'vc4' ? 'Histogram.shared' : 'Histogram.atomic');
    // The host zeroes the counts (a launch of its own cost 1 µs on vc6 in the timing model, more on a board).
    counts.fill(0, 0, bins);
    // Up to SHARED_BINS bins (V3D) through each workgroup's shared histogram, more straight into counts.
    // vc7: two batches per QPU, switching threads (Histogram.sharedSwitch; up to BATCH_BINS bins a histogram per
    // batch, Histogram.batchSwitch).
    const switching = rt.target === 'vc7';
    if (switching && bins <= BATCH_BINS) return rt.launch(Histogram.batchSwitch, { grid: [2 * Math.min(rt.numQpus, qpus)] }, n, bins, values, counts);
    const groups = (switching ? 2 : 1) * Math.max(1, Math.floor((16 * Math.min(rt.numQpus, qpus)) / SHARED_WG));
    return bins <= SHARED_BINS && rt.target !== 'vc4'
      ? rt.launch(switching ? Histogram.sharedSwitch : Histogram.shared, { grid: [groups] }, n, bins, values, counts)
      : rt.launch(Histogram.atomic, { qpus }, n, bins, values, counts);
  }
  if (method === 'packed') {
    const partial = rt.alloc(Uint32Array, qpus * PACKED_ROW);
    try {
      // Whole vectors here (every lane's element exists, no lane mask in the loop); the host counts the rest.
      const whole = n - (n % 16);
      const vectors = whole / 16;
      // Byte adds where the target has them (vc4), word adds elsewhere.
      const k = rt.target === 'vc4' ? Histogram.packed : Histogram.packedWords;
      // Slices of at most PACKED_SLICE vectors per QPU (a QPU's counts fit 16 bits); without a whole vector there is
      // nothing to read (and no last element to read again): no launch.
      const runs: LaunchResult[] = [];
      counts.fill(0, 0, bins);
      for (let from = 0; from < vectors; from += PACKED_SLICE * qpus) {
        const slice = Math.min(vectors - from, PACKED_SLICE * qpus);
        runs.push(await rt.launch(k, { qpus }, Math.floor(slice / qpus), slice % qpus, 16 * from, 16 * (from + slice) - 1, values, partial));
        // The host adds the QPUs' rows (a second launch, a QPU per 16 bins, took 5.5 µs of a 16K-value histogram's
        // 72.7 in vc4's timing model).
        addPackedRows(partial, qpus, bins, counts);
      }
      const result = runs.length > 0 ? combineResults(runs) : emptyResult(rt, rt.target === 'vc4' ? 'Histogram.packed' : 'Histogram.packedWords');
      // The last n mod 16 values.
      for (let i = whole; i < n; i++) {
        const v = values[i] as number;
        if (v < bins) counts[v] = ((counts[v] as number) + 1) >>> 0;
      }
      return result;
    } finally {
      rt.free(partial);
    }
  }
  const stride = Math.ceil(bins / WINDOW) * WINDOW;
  const partial = rt.alloc(Uint32Array, qpus * stride);
  try {
    const runs: LaunchResult[] = [];
    for (let base = 0; base < bins; base += WINDOW) runs.push(await rt.launch(Histogram.window, { qpus }, n, bins, base, stride, values, partial));
    addRows(partial, qpus, stride, bins, counts);
    return combineResults(runs);
  } finally {
    rt.free(partial);
  }
}

/**
 * counts[b] = Σ_r partial[r · stride + at(b)] over `rows` rows, for b < bins (u32, wrapping): the host's sum of the
 * QPUs' rows of partial counts.
 */
function addRows(partial: Uint32Array, rows: number, stride: number, bins: number, counts: Uint32Array, at: (b: number) => number = (b) => b): void {
  for (let b = 0; b < bins; b++) {
    const k = at(b);
    let c = 0;
    for (let r = 0; r < rows; r++) c += partial[r * stride + k] as number;
    counts[b] = c >>> 0;
  }
}

/**
 * counts[b] += the QPUs' counts of bin b in {@link Histogram.packed}'s rows (u32, wrapping): total k =
 * {@link packedSlot}(b) is the half (k >> 4) & 1 of word 16(k >> 5) + (k & 15) of each row. The rows hold the raw
 * counters: those of bins 8j … 8j + 7 for even j > 0 (nibble word j, which counts values of groups g < j + 1) count
 * groups j − 2 and j − 1 too, whose counts are subtracted here (the sums over the rows are exact, so the differences
 * are the counts).
 */
function addPackedRows(partial: Uint32Array, rows: number, bins: number, counts: Uint32Array): void {
  const raw = new Array<number>(PACKED_BINS).fill(0);
  for (let b = 0; b < PACKED_BINS; b++) {
    const k = packedSlot(b);
    const word = 16 * (k >> 5) + (k & 15);
    const shift = 16 * ((k >> 4) & 1);
    for (let r = 0; r < rows; r++) raw[b]! += ((partial[r * PACKED_ROW + word] as number) >>> shift) & 0xffff;
  }
  for (let b = 0; b < bins; b++) {
    const j = b >> 3;
    const own = j > 0 && j % 2 === 0 ? (raw[b] as number) - (raw[b - 16] as number) - (raw[b - 8] as number) : (raw[b] as number);
    counts[b] = ((counts[b] as number) + own) >>> 0;
  }
}

/**
 * Where bin b (< 64) sits in a row of {@link Histogram.packed}: source j = 2(b >> 2) + (b & 1), half h = (b >> 1) &
 * 1, at word 16(2(j >> 4) + h) + rev4(j mod 16).
 */
function packedSlot(bin: number): number {
  // Word b = 2(bin >> 3) + (bin & 1), byte m = (bin >> 1) & 3 = p + 2h.
  const j = 4 * (bin >> 3) + 2 * (bin & 1) + ((bin >> 1) & 1);
  const h = (bin >> 2) & 1;
  const q = j & 15;
  const rev = ((q & 1) << 3) | ((q & 2) << 1) | ((q & 4) >> 1) | ((q & 8) >> 3);
  return 16 * (2 * (j >> 4) + h) + rev;
}
