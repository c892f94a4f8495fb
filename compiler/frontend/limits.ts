/**
 * Size and nesting limits of the frontend. Lowering recurses over the syntax
 * tree, and device functions are inlined at every call, so pathological input
 * (thousands of nested parentheses, a device function calling the next one
 * twice at each of 20 levels) would otherwise overflow the stack or take
 * minutes. Each limit is reported as a diagnostic at the construct.
 */
import type { ts } from 'ts-morph';

/** Deepest syntax-tree nesting accepted inside a kernel or device function (expressions, statements, parentheses). */
export const MAX_NESTING = 400;

/**
 * Most source characters inlined from device functions into one kernel (each
 * call inlines its callee's whole body). About 15 000 lines of typical code.
 */
export const MAX_INLINED_CHARS = 600_000;

/**
 * Private arrays (compiler/frontend/arrays.ts): up to SMALL_ARRAY elements
 * always live in registers (a run-time index costs a compare and a select
 * per element); up to MAX_REGISTER_ARRAY when every index is static; any
 * other lives in per-work-item memory, up to MAX_PRIVATE_ARRAY elements.
 */
export const SMALL_ARRAY = 16;
/** See {@link SMALL_ARRAY}. */
export const MAX_REGISTER_ARRAY = 64;
/** See {@link SMALL_ARRAY}: 16 KiB per work item. */
export const MAX_PRIVATE_ARRAY = 4096;

/** Most iterations of a `for` loop over a private array that the frontend unrolls (so its indices become constants). */
export const MAX_UNROLL = 64;

/**
 * The first node of `root`'s subtree lying deeper than {@link MAX_NESTING}
 * levels below it, or undefined: the outermost-leftmost one (the first in
 * preorder). The walk recurses, but never deeper than `limit` + 1 levels, so
 * it cannot overflow the stack however deep the tree is.
 */
export function tooDeep(root: ts.Node, limit = MAX_NESTING): ts.Node | undefined {
  const visit = (n: ts.Node, d: number): ts.Node | undefined => {
    if (d > limit) return n;
    return n.forEachChild((c) => visit(c, d + 1));
  };
  return visit(root, 0);
}

/**
 * Where to blame a parser stack overflow in `text`: the first bracket
 * (`( [ {`) at the deepest nesting when that is deep, else the start of the
 * longest line (a long ternary chain). Strings and comments are skipped
 * roughly (quotes and comment markers).
 */
export function deepestBracket(text: string): number {
  let depth = 0;
  let max = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      i = j;
    } else if (c === '(' || c === '[' || c === '{') {
      if (++depth > max) {
        max = depth;
        at = i;
      }
    } else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  if (max >= MAX_NESTING / 2) return at;
  let best = 0;
  let bestLen = -1;
  for (let start = 0; start <= text.length; ) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    if (end - start > bestLen) {
      bestLen = end - start;
      best = start + (text.slice(start, end).length - text.slice(start, end).trimStart().length);
    }
    start = end + 1;
  }
  return best;
}
