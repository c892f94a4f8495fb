/** `qpuc asm`: assembly text → raw QPU machine code. */
import { readFile, writeFile } from 'node:fs/promises';
import { CliError, UsageError, optionValue, parseArgs, parseTarget, type Command } from '../command.ts';
import { getIsaTools } from '../../compiler/isa/targets.ts';
import { AsmError } from '../../compiler/isa/isa.ts';

const usage = `usage: qpuc asm --target vc4|vc6|vc7 FILE.s -o FILE.bin

Assemble QPU instructions written in Mesa's syntax (what 'qpuc disasm' prints),
plus labels ('name:'), comments ('#' or '//'), '.uniform v, ...' data and
'.word 0x...' raw words. Writes little-endian 64-bit words.

  --target T   vc6 (V3D 4.2, Pi 4) or vc7 (V3D 7.1, Pi 5); default vc6
  -o, --output FILE   where to write the machine code (required)
`;

/** The asm command. */
export const asmCommand: Command = {
  name: 'asm',
  usage,
  async run(args) {
    const p = parseArgs(args, { target: { flag: false }, output: { flag: false, short: 'o' } });
    const files = [...p.positionals, ...p.rest];
    if (files.length !== 1) throw new UsageError(files.length ? 'one source FILE at a time' : 'missing source FILE');
    const out = optionValue(p, 'output');
    if (out === undefined) throw new UsageError('missing -o FILE.bin');
    const tools = await getIsaTools(parseTarget(optionValue(p, 'target')));
    const file = files[0] as string;
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(`qpuc asm: cannot read '${file}': ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 2);
    }
    let words: bigint[];
    try {
      words = tools.assemble(source, file).words;
    } catch (e) {
      if (e instanceof AsmError) throw new CliError(e.message, 2);
      throw e;
    }
    const buf = Buffer.alloc(words.length * 8);
    words.forEach((w, i) => buf.writeBigUInt64LE(w, i * 8));
    try {
      await writeFile(out, buf);
    } catch (e) {
      throw new CliError(`qpuc asm: cannot write '${out}': ${(e as Error).message}`, 1);
    }
    return 0;
  },
};
