import { kernel, qpu, type f32, type u32, type Ptr } from 'qpuc';

/** Matrix tile edge: a TILE x TILE workgroup (256 work items) computes a TILE x TILE block of C. */
const TILE = 16;

/**
 * C = A B for n x n row-major matrices (n a multiple of 16) with 16 x 16 tiles in workgroup-shared memory, one
 * element of C per work item (the textbook tiled product). 256-item workgroups fit vc6 and vc7 (vc4 keeps at
 * most 192 resident). Matmul.tiled in workgroups.ts computes four elements per work item.
 */
export class MatmulTiled {
  /** TILE x TILE blocks of A and B staged in shared memory: grid [n / TILE, n / TILE]. */
  @kernel({ workgroupSize: 256 })
  static tiled16(n: u32, a: Ptr<f32>, b: Ptr<f32>, c: Ptr<f32>): void {
    const as = qpu.shared<f32>(256);
    const bs = qpu.shared<f32>(256);
    const l = qpu.localId();
    const tx = l % TILE;
    const ty = l / TILE;
    const row = qpu.groupId(1) * TILE + ty;
    const col = qpu.groupId(0) * TILE + tx;
    let acc: f32 = 0;
    for (let t: u32 = 0; t < n; t += TILE) {
      as[l] = a[row * n + t + tx];
      bs[l] = b[(t + ty) * n + col];
      qpu.workgroupBarrier();
      for (let k: u32 = 0; k < TILE; k++) acc += as[ty * TILE + k] * bs[k * TILE + tx];
      qpu.workgroupBarrier();
    }
    c[row * n + col] = acc;
  }
}
