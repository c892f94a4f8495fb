/** `qpuc asm`: assembly text → raw QPU machine code. */
import { CliError, UsageError, optionValue, parseArgs, parseTarget, type Command } from '../command.ts';
import { getIsaTools } from '../../compiler/isa/targets.ts';
import { AsmError } from '../../compiler/isa/isa.ts';
import { readInput, writeOutput } from '../fs.ts';

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
    const source = readInput('asm', file, 'utf8');
    let words: bigint[];
    try {
      words = tools.assemble(source, file).words;
    } catch (e) {
      // An error in the assembly source is an error in the input program: exit 1 (README exit codes).
      if (e instanceof AsmError) throw new CliError(e.message, 1);
      throw e;
    }
    const buf = Buffer.alloc(words.length * 8);
    words.forEach((w, i) => buf.writeBigUInt64LE(w, i * 8));
    writeOutput('asm', out, buf, false);
    return 0;
  },
};
