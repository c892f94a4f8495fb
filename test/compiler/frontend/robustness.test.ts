/**
 * Robustness: randomly mutated kernel sources (deleted characters, inserted
 * tokens, duplicated fragments) must never crash the frontend nor produce an
 * internal-error diagnostic; every problem is a user diagnostic.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { loadKernels } from '../../../compiler/frontend/index.ts';
import { rng } from '../../../compiler/testing/generate.ts';

const sources = ['../../fixtures/kernels/features.ts', '../../../bench/fixtures/fifty.ts'].map((p) => readFileSync(new URL(p, import.meta.url), 'utf8'));
const TOKENS = ['+', '-', '*', '/', '(', ')', '{', '}', ';', 'x', '1', '1.5', 'return', 'break', 'continue', 'if', 'let', 'const', '?', ':', '[', ']', '!', '&&', '=', '==', 'qpu.', 'Math.', 'u32', 'f32(', '.'];

test('400 mutated kernels: no exception, no internal error, diagnostics well formed', (t) => {
  const r = rng(7);
  let semantic = 0;
  for (let k = 0; k < 400; k++) {
    let s = sources[k % sources.length]!;
    for (let m = 0; m < 1 + Math.floor(r() * 3); m++) {
      const at = Math.floor(r() * s.length);
      const c = Math.floor(r() * 3);
      if (c === 0) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 5));
      else if (c === 1) s = s.slice(0, at) + TOKENS[Math.floor(r() * TOKENS.length)] + s.slice(at);
      else {
        const b = Math.floor(r() * s.length);
        s = s.slice(0, at) + s.slice(b, b + 8) + s.slice(at);
      }
    }
    const m = loadKernels(new URL('../../fixtures/kernels/mutant.ts', import.meta.url).pathname, { source: s });
    const internal = m.diagnostics.filter((d) => d.code >= 9000);
    if (internal.length > 0) t.fail(`${internal[0]!.message}\n${s}`);
    for (const d of m.diagnostics) t.true(d.line >= 1 && d.col >= 1 && d.message.length > 0);
    if (!m.diagnostics.some((d) => d.code === 3008)) semantic++;
  }
  // Enough mutants get past the parser to exercise the type checker and lowering.
  t.true(semantic > 40, `${semantic} mutants without syntax errors`);
});
