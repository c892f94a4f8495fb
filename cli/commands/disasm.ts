/** `qpuc disasm`: QPU machine words → assembly text, one line per instruction. */
import { CliError, UsageError, optionValue, parseArgs, parseTarget, type Command } from '../command.ts';
import { getIsaTools } from '../../compiler/isa/targets.ts';
import { disassemblyLine } from '../../compiler/isa/isa.ts';
import { readInput } from '../fs.ts';

const usage = `usage: qpuc disasm --target vc4|vc6|vc7 [--addr] (--hex "W1 W2 ..." | FILE)

Disassemble QPU instructions in Mesa's syntax (what V3D_DEBUG=qpu prints).

  --target T   instruction set: vc6 (V3D 4.2, Pi 4) or vc7 (V3D 7.1, Pi 5); default vc6
  --hex WORDS  64-bit words in hex (0x optional), separated by spaces or commas
  --addr       prefix each line with the instruction's byte address
  FILE         raw instructions: little-endian 64-bit words

A word that is not a valid instruction prints as '.word 0x...  # invalid: reason',
and one whose text would not assemble back to it (non-zero unused fields) as
'.word 0x...  # text (bits the text does not show)': every line 'qpuc asm'
reads back gives the same word.
`;

/** Parse the --hex list; a bad word is a usage error naming its position. */
function parseHexWords(text: string): bigint[] {
  const words: bigint[] = [];
  const re = /[^\s,]+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const digits = m[0].replace(/^0x/i, '');
    if (!/^[0-9a-f]{1,16}$/i.test(digits)) {
      throw new CliError(`qpuc disasm: --hex: '${m[0]}' at column ${m.index + 1} is not a 64-bit hex word`, 2);
    }
    words.push(BigInt('0x' + digits));
  }
  if (words.length === 0) throw new UsageError('--hex needs at least one word');
  return words;
}

async function readWords(file: string): Promise<bigint[]> {
  const buf = readInput('disasm', file);
  if (buf.length % 8 !== 0) {
    throw new CliError(`qpuc disasm: '${file}' is ${buf.length} bytes, not a whole number of 64-bit instructions (multiple of 8)`, 2);
  }
  const words: bigint[] = [];
  for (let i = 0; i < buf.length; i += 8) words.push(buf.readBigUInt64LE(i));
  return words;
}

/** The disasm command. */
export const disasmCommand: Command = {
  name: 'disasm',
  usage,
  async run(args, io) {
    const p = parseArgs(args, { target: { flag: false }, hex: { flag: false }, addr: { flag: true } });
    const hex = optionValue(p, 'hex');
    const files = [...p.positionals, ...p.rest];
    if (hex !== undefined && files.length > 0) throw new UsageError('give either --hex or a FILE, not both');
    if (hex === undefined && files.length !== 1) throw new UsageError(files.length ? 'one FILE at a time' : 'nothing to disassemble: give --hex or a FILE');
    const tools = await getIsaTools(parseTarget(optionValue(p, 'target')));
    const words = hex !== undefined ? parseHexWords(hex) : await readWords(files[0] as string);
    const lines = words.map((w, i) => {
      const text = disassemblyLine(tools, w, i * 8);
      return p.flags.has('addr') ? `0x${(i * 8).toString(16).padStart(8, '0')}: ${text}` : text;
    });
    io.out(lines.join('\n') + '\n');
    return 0;
  },
};
