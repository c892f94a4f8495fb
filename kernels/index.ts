export * from './reduce.js';
