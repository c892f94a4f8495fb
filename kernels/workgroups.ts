import { kernel, qpu, type f32, type u32, type Ptr } from 'qpuc';

/** Matrix tile edge of Matmul.tiled8 (an 8 x 8 workgroup computes an 8 x 8 block of C; kernels/matmul-tiled.ts has 16 x 16). */
const TILE8 = 8;
/** Work items per workgroup of the reductions. */
const RED = 128;

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

/** Sums of RED-element blocks: sums[g] = x[g*RED] + … + x[g*RED + RED-1], one workgroup per block. */
export class Reduce {
  /** Tree reduction in workgroup-shared memory. */
  @kernel({ workgroupSize: RED })
  static shared(x: Ptr<f32>, sums: Ptr<f32>): void {
    const t = qpu.shared<f32>(RED);
    const l = qpu.localId();
    t[l] = x[qpu.globalId()];
    qpu.workgroupBarrier();
    for (let s: u32 = RED / 2; s > 0; s >>= 1) {
      if (l < s) t[l] = t[l] + t[l + s];
      qpu.workgroupBarrier();
    }
    if (l == 0) sums[qpu.groupId()] = t[0];
  }

  /** The same tree in global memory (`tmp`, as long as x): what a kernel without shared memory does. */
  @kernel({ workgroupSize: RED })
  static global(x: Ptr<f32>, tmp: Ptr<f32>, sums: Ptr<f32>): void {
    const l = qpu.localId();
    const base = qpu.groupId() * RED;
    tmp[base + l] = x[qpu.globalId()];
    qpu.workgroupBarrier();
    for (let s: u32 = RED / 2; s > 0; s >>= 1) {
      if (l < s) tmp[base + l] = tmp[base + l] + tmp[base + l + s];
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

  /** 8 x 8 blocks of A and B staged in shared memory (64 work items: fits every target); grid [n / 8, n / 8]. */
  @kernel({ workgroupSize: 64 })
  static tiled8(n: u32, a: Ptr<f32>, b: Ptr<f32>, c: Ptr<f32>): void {
    const as = qpu.shared<f32>(64);
    const bs = qpu.shared<f32>(64);
    const l = qpu.localId();
    const tx = l % TILE8;
    const ty = l / TILE8;
    const row = qpu.groupId(1) * TILE8 + ty;
    const col = qpu.groupId(0) * TILE8 + tx;
    let acc: f32 = 0;
    for (let t: u32 = 0; t < n; t += TILE8) {
      as[l] = a[row * n + t + tx];
      bs[l] = b[(t + ty) * n + col];
      qpu.workgroupBarrier();
      for (let k: u32 = 0; k < TILE8; k++) acc += as[ty * TILE8 + k] * bs[k * TILE8 + tx];
      qpu.workgroupBarrier();
    }
    c[row * n + col] = acc;
  }
}
