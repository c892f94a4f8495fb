import { kernel, qpu, type f32, type u32, type Ptr } from 'qpuc';

/** Work items per workgroup of the reductions. */
const RED = 128;
/** Elements each tree-reduction workgroup sums. */
const CHUNK = 1024;
/** Elements of each segment SegmentSums sums. */
const SEG = 4096;

/** Workgroup ids, shared memory and barriers (docs/language.md "Workgroups"). */
export class Workgroups {
  /** Every id a work item can ask for, four words per work item at its linear global id. */
  @kernel({ workgroupSize: 64 })
  static ids(out: Ptr<u32>): void {
    const g = qpu.globalId();
    out[g * 4] = qpu.localId();
    out[g * 4 + 1] = qpu.groupId(0) + 100 * qpu.groupId(1) + 10000 * qpu.groupId(2);
    out[g * 4 + 2] = qpu.globalId(0) + 1000 * qpu.globalId(1);
    out[g * 4 + 3] = qpu.numGroups(0) + 10 * qpu.numGroups(1) + 100 * qpu.numGroups(2) + 1000 * qpu.groupSize() + 100000 * qpu.globalCount(1);
  }

  /** y = x with each workgroup's 32 elements reversed, through shared memory. */
  @kernel({ workgroupSize: 32 })
  static reverse(x: Ptr<f32>, y: Ptr<f32>): void {
    const t = qpu.shared<f32>(32);
    const l = qpu.localId();
    t[l] = x[qpu.globalId()];
    qpu.workgroupBarrier();
    y[qpu.globalId()] = t[31 - l];
  }
}

/**
 * Sums of SEG-element segments (sums[g] = x[g*SEG] + … + x[g*SEG + SEG-1]) two ways: in global memory, one launch
 * of `pairs` per tree level; and in one launch of `segments`, whose workgroups combine their batches' partial
 * sums in shared memory.
 */
export class SegmentSums {
  /** One level of a pairwise tree in global memory: y[i] = x[2i] + x[2i + 1] for i < n. */
  @kernel
  static pairs(n: u32, x: Ptr<f32>, y: Ptr<f32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) y[i] = x[2 * i] + x[2 * i + 1];
  }

  /**
   * One RED-item workgroup per segment: each work item sums every RED-th element, each batch adds its lanes
   * (`reduceAdd`), and the batches' sums meet in shared memory.
   */
  @kernel({ workgroupSize: RED })
  static segments(x: Ptr<f32>, sums: Ptr<f32>): void {
    const part = qpu.shared<f32>(RED / 16);
    const l = qpu.localId();
    const base = qpu.groupId() * SEG;
    let acc: f32 = 0;
    for (let i = l; i < SEG; i += RED) acc += x[base + i];
    const batch = qpu.reduceAdd(acc);
    if (qpu.laneId() == 0) part[l / 16] = batch;
    qpu.workgroupBarrier();
    if (l == 0) {
      let s: f32 = 0;
      for (let b: u32 = 0; b < RED / 16; b++) s += part[b];
      sums[qpu.groupId()] = s;
    }
  }
}

/**
 * Sums of CHUNK-element blocks, one RED-item workgroup per block: sums[g] = x[g*CHUNK] + … + x[g*CHUNK + CHUNK-1]
 * by a tree (element i + s added into i for s = CHUNK/2, …, 1, a workgroup barrier after each level).
 */
export class Reduce {
  /** The tree in workgroup-shared memory. */
  @kernel({ workgroupSize: RED })
  static shared(x: Ptr<f32>, sums: Ptr<f32>): void {
    const t = qpu.shared<f32>(CHUNK);
    const l = qpu.localId();
    const base = qpu.groupId() * CHUNK;
    for (let i: u32 = 0; i < CHUNK; i += RED) t[i + l] = x[base + i + l];
    qpu.workgroupBarrier();
    for (let s: u32 = CHUNK / 2; s > 0; s >>= 1) {
      for (let i = l; i < s; i += RED) t[i] = t[i] + t[i + s];
      qpu.workgroupBarrier();
    }
    if (l == 0) sums[qpu.groupId()] = t[0];
  }

  /** The same tree in global memory (`tmp`, as long as x): what a kernel without shared memory does. */
  @kernel({ workgroupSize: RED })
  static global(x: Ptr<f32>, tmp: Ptr<f32>, sums: Ptr<f32>): void {
    const l = qpu.localId();
    const base = qpu.groupId() * CHUNK;
    for (let i: u32 = 0; i < CHUNK; i += RED) tmp[base + i + l] = x[base + i + l];
    qpu.workgroupBarrier();
    for (let s: u32 = CHUNK / 2; s > 0; s >>= 1) {
      for (let i = l; i < s; i += RED) tmp[base + i] = tmp[base + i] + tmp[base + i + s];
      qpu.workgroupBarrier();
    }
    if (l == 0) sums[qpu.groupId()] = tmp[base];
  }
}

/** C = A B for n x n row-major matrices (n a multiple of TILE), one work item per element of C. */
export class Matmul {
  /** Straight from the definition: grid [n / 16, n], globalId(0) the column, globalId(1) the row. */
  @kernel
  static naive(n: u32, a: Ptr<f32>, b: Ptr<f32>, c: Ptr<f32>): void {
    const col = qpu.globalId(0);
    const row = qpu.globalId(1);
    let acc: f32 = 0;
    for (let k: u32 = 0; k < n; k++) acc += a[row * n + k] * b[k * n + col];
    c[row * n + col] = acc;
  }

  /**
   * Tiled for the QPU: a 64-item workgroup computes a 16 x 64 block of C, each work item one column of it (16
   * elements, in registers). Per 16-wide step of k the workgroup stages A's 16 x 16 tile in shared memory,
   * transposed, so that one contiguous lookup gives work item `lane` the element A[row0 + lane][t + k] and
   * `qpu.broadcast` hands each row's value to every lane; B is read straight from global memory, each element
   * once for 16 products. Per product that is 1/8 of a lookup instead of the naive kernel's one (on V3D a
   * shared-memory load is a TMU lookup like any other, so tiling pays by cutting lookups and instructions per
   * product). n a multiple of 64; grid [n / 64, n / 16].
   */
  @kernel({ workgroupSize: 64 })
  static tiled(n: u32, a: Ptr<f32>, b: Ptr<f32>, c: Ptr<f32>): void {
    const at = qpu.shared<f32>(256);
    const l = qpu.localId();
    const lane = qpu.laneId();
    const row0 = qpu.groupId(1) * 16;
    const col = qpu.groupId(0) * 64 + l;
    let c0: f32 = 0;
    let c1: f32 = 0;
    let c2: f32 = 0;
    let c3: f32 = 0;
    let c4: f32 = 0;
    let c5: f32 = 0;
    let c6: f32 = 0;
    let c7: f32 = 0;
    let c8: f32 = 0;
    let c9: f32 = 0;
    let c10: f32 = 0;
    let c11: f32 = 0;
    let c12: f32 = 0;
    let c13: f32 = 0;
    let c14: f32 = 0;
    let c15: f32 = 0;
    for (let t: u32 = 0; t < n; t += 16) {
      // The tile's 256 elements, four per work item: element e is A[row0 + e / 16][t + e % 16], kept at at[(e % 16) * 16 + e / 16].
      for (let j: u32 = 0; j < 256; j += 64) {
        const e = l + j;
        at[(e % 16) * 16 + e / 16] = a[(row0 + e / 16) * n + t + e % 16];
      }
      qpu.workgroupBarrier();
      for (let k: u32 = 0; k < 16; k++) {
        const ak = at[k * 16 + lane];
        const bk = b[(t + k) * n + col];
        c0 += qpu.broadcast(ak, 0) * bk;
        c1 += qpu.broadcast(ak, 1) * bk;
        c2 += qpu.broadcast(ak, 2) * bk;
        c3 += qpu.broadcast(ak, 3) * bk;
        c4 += qpu.broadcast(ak, 4) * bk;
        c5 += qpu.broadcast(ak, 5) * bk;
        c6 += qpu.broadcast(ak, 6) * bk;
        c7 += qpu.broadcast(ak, 7) * bk;
        c8 += qpu.broadcast(ak, 8) * bk;
        c9 += qpu.broadcast(ak, 9) * bk;
        c10 += qpu.broadcast(ak, 10) * bk;
        c11 += qpu.broadcast(ak, 11) * bk;
        c12 += qpu.broadcast(ak, 12) * bk;
        c13 += qpu.broadcast(ak, 13) * bk;
        c14 += qpu.broadcast(ak, 14) * bk;
        c15 += qpu.broadcast(ak, 15) * bk;
      }
      qpu.workgroupBarrier();
    }
    c[(row0 + 0) * n + col] = c0;
    c[(row0 + 1) * n + col] = c1;
    c[(row0 + 2) * n + col] = c2;
    c[(row0 + 3) * n + col] = c3;
    c[(row0 + 4) * n + col] = c4;
    c[(row0 + 5) * n + col] = c5;
    c[(row0 + 6) * n + col] = c6;
    c[(row0 + 7) * n + col] = c7;
    c[(row0 + 8) * n + col] = c8;
    c[(row0 + 9) * n + col] = c9;
    c[(row0 + 10) * n + col] = c10;
    c[(row0 + 11) * n + col] = c11;
    c[(row0 + 12) * n + col] = c12;
    c[(row0 + 13) * n + col] = c13;
    c[(row0 + 14) * n + col] = c14;
    c[(row0 + 15) * n + col] = c15;
  }
}
