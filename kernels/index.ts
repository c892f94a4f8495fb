// `qpuc/kernels`: the kernel library. One line per family (docs/kernels.md); each family file holds its
// @kernel classes and the host functions that launch them.
export * from './launch.js';
export * from './blas1.js';
export * from './blas2.js';
export * from './blas3.js';
export * from './reduce.js';
export * from './scan.js';
export * from './histogram.js';
export * from './sort.js';
export * from './compact.js';
export * from './fft.js';
export * from './image.js';
