/** The qpuc version (package.json's; a test keeps the two equal). Part of every compile-cache key. */
export const QPUC_VERSION = '0.1.0';
