/**
 * Freed GPU memory as the host sees it: every typed-array view of it becomes
 * unusable. Used by the drivers and the emulators alike; no Node module and no
 * koffi here, so the emulators still bundle for a browser.
 */

/**
 * Make every view of `bytes`' memory unusable: the ArrayBuffer is detached
 * (length 0), so typed-array methods throw a TypeError and element reads give
 * undefined — instead of reading memory that was unmapped (a crash) or handed
 * to someone else. Buffers that cannot be detached are left as they are.
 */
export function detachView(bytes: Uint8Array): void {
  const ab = bytes.buffer;
  if (!(ab instanceof ArrayBuffer) || ab.byteLength === 0) return;
  try {
    structuredClone(ab, { transfer: [ab] });
  } catch {
    // not detachable (e.g. shared or non-transferable memory): nothing to do
  }
}
