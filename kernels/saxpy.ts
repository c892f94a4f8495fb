import { kernel, qpu, type f32, type u32, type Ptr } from 'qpuc';

/** Single-precision BLAS level-1 kernels. */
export class Blas {
  /** y[i] = a * x[i] + y[i] for i < n, grid-stride over all lanes of all QPUs. */
  @kernel
  static saxpy(n: u32, a: f32, x: Ptr<f32>, y: Ptr<f32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) {
      y[i] = a * x[i] + y[i];
    }
  }
}
