import { kernel, qpu, type f32, type u32, type Ptr } from 'qpuc';

/** Memory-bound kernels: the workloads of py-videocore6's scopy, memset and summation examples, as qpuc users write them. */
export class Mem {
  /** dst[i] = src[i] for i < n. */
  @kernel
  static copy(n: u32, src: Ptr<f32>, dst: Ptr<f32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      dst[i] = src[i];
    }
  }

  /** dst[i] = value for i < n. */
  @kernel
  static fill(n: u32, value: u32, dst: Ptr<u32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      dst[i] = value;
    }
  }

  /** partial[globalId] = the sum of src[i] over this work item's grid-stride elements (the host adds the partials). */
  @kernel
  static sum(n: u32, src: Ptr<u32>, partial: Ptr<u32>): void {
    let s: u32 = 0;
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      s += src[i];
    }
    partial[qpu.globalId()] = s;
  }
}
