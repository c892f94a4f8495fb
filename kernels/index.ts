export * from './reduce.js';
export * from './scan.js';
export * from './histogram.js';
export * from './sort.js';
export * from './compact.js';
export * from './fft.js';
export * from './image.js';
