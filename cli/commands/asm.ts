/** `qpuc asm`: assembly text → raw QPU machine code. */
import { CliError, UsageError, optionValue, parseArgs, parseTarget, type Command } from '../command.ts';
import { getIsaTools } from '../../compiler/isa/targets.ts';
import { AsmError, type AssembledProgram } from '../../compiler/isa/isa.ts';
import { readInput, writeOutput } from '../fs.ts';

const usage = `usage: qpuc asm --target vc4|vc6|vc7 FILE.s -o FILE.bin

Assemble QPU instructions written in Mesa's syntax (what 'qpuc disasm' prints),
plus labels ('name:'), comments ('#' or '//'), '.uniform v, ...' data and
'.word 0x...' raw words. Writes little-endian 64-bit words.

  --target T   vc6 (V3D 4.2, Pi 4) or vc7 (V3D 7.1, Pi 5); default vc6
  -o, --output FILE   where to write the machine code (required)
  --uniforms FILE     where to write the data of '.uniform' (vc6/vc7) or
                      '.long/.int/.word/.float' (vc4) lines, as little-endian
                      32-bit words in source order; required when there are any
`;

/** The asm command. */
export const asmCommand: Command = {
  name: 'asm',
  usage,
  async run(args) {
    const p = parseArgs(args, { target: { flag: false }, output: { flag: false, short: 'o' }, uniforms: { flag: false } });
    const files = [...p.positionals, ...p.rest];
    if (files.length !== 1) throw new UsageError(files.length ? 'one source FILE at a time' : 'missing source FILE');
    const out = optionValue(p, 'output');
    if (out === undefined) throw new UsageError('missing -o FILE.bin');
    const tools = await getIsaTools(parseTarget(optionValue(p, 'target')));
    const file = files[0] as string;
    const source = readInput('asm', file, 'utf8');
    let words: bigint[];
    let data: AssembledProgram['data'];
    try {
      ({ words, data } = tools.assemble(source, file));
    } catch (e) {
      // An error in the assembly source is an error in the input program: exit 1 (README exit codes).
      if (e instanceof AsmError) throw new CliError(e.message, 1);
      throw e;
    }
    const buf = Buffer.alloc(words.length * 8);
    words.forEach((w, i) => buf.writeBigUInt64LE(w, i * 8));
    const uniforms = optionValue(p, 'uniforms');
    if (data.length > 0 && uniforms === undefined) {
      // Silently dropping them would launch the program with a different uniform stream than the source says.
      const first = data[0]!;
      throw new CliError(`${file}:${first.line}:1 - error: '.${first.directive}' values are data, not machine code: give --uniforms FILE to write them`, 1);
    }
    writeOutput('asm', out, buf, false);
    if (uniforms !== undefined) {
      const values = data.flatMap((d) => d.values);
      const ubuf = Buffer.alloc(values.length * 4);
      values.forEach((v, i) => ubuf.writeUInt32LE(v >>> 0, i * 4));
      writeOutput('asm', uniforms, ubuf, false);
    }
    return 0;
  },
};
