/**
 * The compiler mutation fuzzer with fixed seeds (`npm run fuzz -- frontend`
 * runs it for as many seeds as asked): kernels with random token edits give
 * machine code or diagnostics, never an exception or an internal error.
 */
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkMutantKernel, mutateKernel } from '../../../compiler/testing/frontend-fuzz.ts';
import { rng } from '../../../compiler/testing/rng.ts';

const e2e = fileURLToPath(new URL('../../fixtures/e2e/', import.meta.url));
const corpus = readdirSync(e2e).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(e2e, f), 'utf8'));

test('60 mutated kernels: no exception, no QPU9001', (t) => {
  const counts = { compiled: 0, diagnostics: 0, crash: 0 };
  const crashes: string[] = [];
  for (let seed = 1; seed <= 60; seed++) {
    const r = checkMutantKernel(seed, corpus);
    counts[r.outcome]++;
    if (r.outcome === 'crash') crashes.push(r.message ?? String(seed));
  }
  t.log(`compiled ${counts.compiled}, diagnostics ${counts.diagnostics}`);
  t.deepEqual(crashes.slice(0, 2), []);
  t.true(counts.diagnostics > 0, 'the mutations do break kernels');
});

test('mutations are token edits: same seed, same mutant; the text changes', (t) => {
  const src = 'const a = b + 1;\n';
  const m1 = mutateKernel(src, rng(7), 2);
  t.is(mutateKernel(src, rng(7), 2), m1);
  t.not(m1, src);
});
