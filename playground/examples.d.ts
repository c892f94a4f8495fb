/** The examples menu: kernel files of examples/ and kernels/, put in the bundle by playground/build.js. */
declare module 'qpuc:examples' {
  /** Each file's path in the repository and its text. */
  export const EXAMPLES: readonly { name: string; source: string }[];
}
