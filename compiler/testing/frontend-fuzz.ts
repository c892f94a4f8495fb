/**
 * A mutation fuzzer for the compiler: a valid kernel (a generated one, or one
 * of the example and fixture kernels) with a few random token edits —
 * deleted, duplicated, swapped or replaced tokens — compiled for vc6/vc7.
 * The only acceptable outcomes are machine code or diagnostics; an exception
 * escaping `compileFile` or an internal error (QPU9001) is a crash.
 *
 * Used with fixed seeds by test/compiler/frontend/mutation-fuzz.test.ts and
 * for long runs by `npm run fuzz -- frontend`.
 */
import { ts } from 'ts-morph';
import { compileFile } from '../compile.ts';
import { generateKernel, printKernel } from './generate.ts';
import { rng } from './rng.ts';

/** Tokens inserted or substituted by mutations: operators, keywords, odd literals, the kernel API. */
const TOKEN_POOL = [
  '+', '-', '*', '/', '%', '**', '&', '|', '^', '~', '!', '<<', '>>', '>>>', '<', '<=', '>', '>=', '==', '===', '!=', '&&', '||', '??',
  '=', '+=', '-=', '*=', '/=', '%=', '<<=', '++', '--', '?', ':', '?.', '.', ',', ';', '(', ')', '[', ']', '{', '}', '=>', '...',
  'let', 'const', 'var', 'if', 'else', 'for', 'while', 'do', 'switch', 'case', 'default', 'break', 'continue', 'return', 'new', 'this',
  'typeof', 'void', 'in', 'of', 'as', 'function', 'class', 'static', '@kernel', '@device', 'throw', 'try', 'null', 'undefined',
  '0', '1', '-1', '2.5', '1e40', '-0', '0x7fffffff', '2147483648', '4294967296', 'NaN', 'Infinity', '1e-45', "'s'", '`t`',
  'qpu', 'Math', 'f32', 'i32', 'u32', 'Ptr', 'qpu.globalId()', 'qpu.laneId()', 'Math.sqrt', 'Math.max', 'x', 'y', 'i', 'k', 'K',
];

/** The tokens of `source` with their positions (TypeScript's scanner). */
function tokens(source: string): { start: number; end: number }[] {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, source);
  const out: { start: number; end: number }[] = [];
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) out.push({ start: scanner.getTokenStart(), end: scanner.getTokenEnd() });
  return out;
}

/** `source` with `edits` random token edits. */
export function mutateKernel(source: string, r: () => number, edits: number): string {
  let s = source;
  for (let e = 0; e < edits; e++) {
    const toks = tokens(s);
    if (toks.length === 0) break;
    const pick = () => toks[Math.floor(r() * toks.length)]!;
    const t = pick();
    const text = s.slice(t.start, t.end);
    const other = TOKEN_POOL[Math.floor(r() * TOKEN_POOL.length)]!;
    const op = r();
    if (op < 0.25) s = s.slice(0, t.start) + s.slice(t.end); // delete
    else if (op < 0.45) s = `${s.slice(0, t.end)} ${text}${s.slice(t.end)}`; // duplicate
    else if (op < 0.8) s = `${s.slice(0, t.start)}${other}${s.slice(t.end)}`; // replace
    else if (op < 0.9) s = `${s.slice(0, t.start)}${other} ${s.slice(t.start)}`; // insert
    else {
      // swap with another token of the file
      const u = pick();
      if (u.start === t.start) continue;
      const [a, b] = u.start < t.start ? [u, t] : [t, u];
      s = s.slice(0, a.start) + s.slice(b.start, b.end) + s.slice(a.end, b.start) + s.slice(a.start, a.end) + s.slice(b.end);
    }
  }
  return s;
}

/** Outcome of compiling one mutant. */
export interface MutantResult {
  seed: number;
  outcome: 'compiled' | 'diagnostics' | 'crash';
  /** Milliseconds the compile took. */
  ms: number;
  /** For a crash: what happened, with the mutated source. */
  message?: string;
  source: string;
}

/** The base kernel of a seed: a generated kernel most of the time, else one of `corpus`. */
function baseKernel(seed: number, r: () => number, corpus: readonly string[]): string {
  if (corpus.length > 0 && r() < 0.3) return corpus[Math.floor(r() * corpus.length)]!;
  return printKernel(generateKernel(seed));
}

/** Mutates and compiles one seed. Never throws. */
export function checkMutantKernel(seed: number, corpus: readonly string[] = []): MutantResult {
  const r = rng(seed ^ 0x2545f491);
  const source = mutateKernel(baseKernel(seed, r, corpus), r, 1 + Math.floor(r() * 3));
  const target = seed % 2 === 0 ? 'vc6' : 'vc7';
  const t0 = performance.now();
  try {
    const res = compileFile(`/fuzz/mutant${seed}.ts`, { target, source });
    const ms = performance.now() - t0;
    const internal = res.diagnostics.find((d) => d.code >= 9000);
    if (internal) return { seed, outcome: 'crash', ms, source, message: `seed ${seed} (${target}): QPU${internal.code} ${internal.message}\n--- source ---\n${source}` };
    return { seed, outcome: res.diagnostics.length > 0 ? 'diagnostics' : 'compiled', ms, source };
  } catch (e) {
    const ms = performance.now() - t0;
    return { seed, outcome: 'crash', ms, source, message: `seed ${seed} (${target}): ${e instanceof Error ? e.stack ?? e.message : String(e)}\n--- source ---\n${source}` };
  }
}
