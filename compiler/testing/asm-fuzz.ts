/**
 * Property checks and a fuzzer for the text tools of every target:
 *
 *  - word round trip: any 64-bit word, disassembled the way `qpuc disasm`
 *    prints it (an instruction, or `.word 0x…` for an undecodable word),
 *    assembles back to the same word;
 *  - program round trip: a random program (decodable and undecodable words,
 *    labels, comments, blank lines) assembles to exactly its words;
 *  - mutation: random edits of such a program's text either assemble or fail
 *    with an AsmError — never another exception.
 *
 * Used by test/compiler/isa/roundtrip-property.test.ts with fixed seeds, and
 * by `npm run fuzz` (tools/fuzz.ts) for long runs.
 */
import { AsmError, disassemblyLine, type IsaTextTools } from '../isa/isa.ts';
import { rng } from './rng.ts';

/** A random 64-bit word: uniformly random bits, or a mostly-zero word with a few random fields (nearer valid encodings). */
export function randomWord(r: () => number): bigint {
  const lo = BigInt(Math.floor(r() * 2 ** 32));
  const hi = BigInt(Math.floor(r() * 2 ** 32));
  const w = (hi << 32n) | lo;
  if (r() < 0.5) return w;
  // Keep a random subset of 16-bit chunks: sparse words decode more often.
  let mask = 0n;
  for (let k = 0; k < 4; k++) if (r() < 0.5) mask |= 0xffffn << BigInt(16 * k);
  return w & mask;
}

/** One word's round trip; undefined when it holds, else a description of the failure. */
export function checkWord(tools: IsaTextTools, word: bigint): string | undefined {
  const line = disassemblyLine(tools, word, 0);
  let back: bigint[];
  try {
    back = tools.assemble(line, 'word.s').words;
  } catch (e) {
    return `0x${word.toString(16).padStart(16, '0')}: '${line}' does not assemble: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (back.length !== 1 || back[0] !== word) {
    return `0x${word.toString(16).padStart(16, '0')}: '${line}' assembles to [${back.map((w) => `0x${w.toString(16)}`).join(', ')}]`;
  }
  return undefined;
}

/** A random program: its source text and the words it must assemble to. */
export function randomProgram(tools: IsaTextTools, seed: number, length = 24): { source: string; words: bigint[] } {
  const r = rng(seed);
  const words: bigint[] = [];
  const lines: string[] = [];
  for (let k = 0; k < length; k++) {
    const w = randomWord(r);
    const roll = r();
    // Branches print relative offsets, so the address matters: disassemble at the word's own address.
    const text = disassemblyLine(tools, w, k * 8);
    if (roll < 0.1) lines.push(`L${seed}_${k}:`);
    else if (roll < 0.15) lines.push('');
    else if (roll < 0.2) lines.push(`# comment ${k}`);
    lines.push(roll > 0.9 ? `L${seed}_x${k}: ${text}` : text);
    words.push(w);
  }
  return { source: `${lines.join('\n')}\n`, words };
}

/** A program's round trip; undefined when it holds. */
export function checkProgram(tools: IsaTextTools, seed: number): string | undefined {
  const { source, words } = randomProgram(tools, seed);
  let got: bigint[];
  try {
    got = tools.assemble(source, `p${seed}.s`).words;
  } catch (e) {
    return `seed ${seed}: does not assemble: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (got.length !== words.length) return `seed ${seed}: ${got.length} words, expected ${words.length}`;
  const k = got.findIndex((w, i) => w !== words[i]);
  return k < 0 ? undefined : `seed ${seed}: word ${k} is 0x${got[k]!.toString(16)}, expected 0x${words[k]!.toString(16)}`;
}

const EDIT_PIECES = ['', ' ', ',', ';', ':', '.', 'rf63', 'rf64', 'r5', '-1', '0x', '.word', '.uniform', 'b', 'lri', '#', '//', '(', ')', '99999999999999999999', 'nop', 'thrsw', 'ldtmu', '.if', '.rep', '.macro', 'L0:', '\n', '\t', 'é', '\u0000'];

/** The source text with `n` random edits (delete, insert or replace a piece or a token). */
export function mutateText(text: string, r: () => number, n: number): string {
  let s = text;
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (s.length + 1));
    const len = Math.floor(r() * 6);
    const piece = EDIT_PIECES[Math.floor(r() * EDIT_PIECES.length)] as string;
    const op = r();
    if (op < 0.33) s = s.slice(0, at) + s.slice(at + len);
    else if (op < 0.66) s = s.slice(0, at) + piece + s.slice(at);
    else s = s.slice(0, at) + piece + s.slice(at + len);
  }
  return s;
}

/** Assembling a mutated program: undefined when it assembles or fails with an AsmError, else the crash. */
export function checkMutant(tools: IsaTextTools, seed: number): string | undefined {
  const r = rng(seed ^ 0x5bd1e995);
  const { source } = randomProgram(tools, seed, 12);
  const text = mutateText(source, r, 1 + Math.floor(r() * 4));
  try {
    tools.assemble(text, `m${seed}.s`);
  } catch (e) {
    if (e instanceof AsmError) return undefined;
    return `seed ${seed}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n--- source ---\n${text}`;
  }
  return undefined;
}
