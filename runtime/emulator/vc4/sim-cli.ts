/**
 * `qpuc sim --target vc4`: run a raw memory image through execute_qpu.
 *
 *   qpuc sim --target vc4 --memory IMAGE --base ADDR --execute-qpu N@CONTROL_ADDR
 *            [--out IMAGE] [--report json] [--max-cycles N] [--hazards error|warn]
 *
 * Exit 0 when the run finished (and, with --hazards error, no error-level
 * hazard), 1 on a fault, timeout or hazard error, 2 on misuse.
 */
import { CliError, UsageError, optionValue, parseArgs, parseCount, parseInteger, type CliIo } from '../../../cli/command.ts';
import { readInput, writeOutput } from '../../../cli/fs.ts';
import { runExecuteQpu } from './execute.ts';
import { Vc4EmulatorError } from './memory.ts';

/** Usage text of the vc4 simulator. */
export const VC4_SIM_USAGE = `usage: qpuc sim --target vc4 --memory IMAGE --base ADDR --execute-qpu N@CONTROL_ADDR
                [--out IMAGE] [--report json] [--max-cycles N] [--hazards error|warn]
  IMAGE is raw memory starting at bus address ADDR (alias bits 0x40000000/0x80000000/0xC0000000 allowed)
  holding code, uniforms, data and the control list of N (uniforms address, code address) pairs.`;

const SPEC = {
  target: { flag: false }, memory: { flag: false }, base: { flag: false }, 'execute-qpu': { flag: false }, out: { flag: false },
  report: { flag: false }, 'max-cycles': { flag: false }, hazards: { flag: false }, help: { flag: true, short: 'h' },
} as const;

/** Run the vc4 simulator CLI; resolves to the exit code. */
export async function runVc4SimCli(args: string[], io: CliIo): Promise<number> {
  try {
    return await simulate(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`qpuc sim: ${e.message}\n${VC4_SIM_USAGE}\n`);
      return 2;
    }
    if (e instanceof CliError) {
      io.err(`qpuc sim: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

async function simulate(args: string[], io: CliIo): Promise<number> {
  const p = parseArgs(args, SPEC);
  if (p.flags.has('help')) {
    io.out(VC4_SIM_USAGE + '\n');
    return 0;
  }
  if (p.positionals.length) throw new UsageError(`unexpected argument '${p.positionals[0]}'`);
  const target = optionValue(p, 'target') ?? 'vc4';
  if (target !== 'vc4') throw new UsageError(`this simulator runs --target vc4, not '${target}'`);
  const image = optionValue(p, 'memory');
  if (!image) throw new UsageError('--memory IMAGE is required');
  const baseText = optionValue(p, 'base');
  if (!baseText) throw new UsageError('--base ADDR is required');
  const base = parseInteger(baseText, '--base');
  if (base < 0 || base > 0xffffffff) throw new UsageError('--base must be a 32-bit bus address');
  const eq = optionValue(p, 'execute-qpu');
  const m = eq ? /^(\d+)@(0x[0-9a-f]+|\d+)$/i.exec(eq) : null;
  if (!m) throw new UsageError('--execute-qpu N@CONTROL_ADDR is required (e.g. 12@0xc0008000)');
  // VideoCore IV has 12 QPUs (3 slices of 4).
  const numQpus = parseCount(m[1] as string, '--execute-qpu N', 1, 12);
  const control = parseInteger(m[2] as string, '--execute-qpu CONTROL_ADDR');
  const report = optionValue(p, 'report');
  if (report !== undefined && report !== 'json') throw new UsageError(`--report takes 'json', not '${report}'`);
  const hazardMode = optionValue(p, 'hazards') ?? 'warn';
  if (hazardMode !== 'error' && hazardMode !== 'warn') throw new UsageError(`--hazards takes error or warn, not '${hazardMode}'`);
  const maxText = optionValue(p, 'max-cycles');
  const maxCycles = maxText === undefined ? undefined : parseCount(maxText, '--max-cycles', 1, 2e12);
  const bytes = new Uint8Array(readInput('sim', image));
  if (base + bytes.length > 0x1_0000_0000) throw new UsageError(`--base 0x${base.toString(16)}: the ${bytes.length}-byte image would end past the 4 GiB bus address space`);
  let result;
  try {
    result = runExecuteQpu({ bytes, base }, { numQpus, controlAddress: control, maxCycles });
  } catch (e) {
    if (e instanceof Vc4EmulatorError) throw new CliError(e.message);
    throw e;
  }
  const out = optionValue(p, 'out');
  if (out) {
    writeOutput('sim', out, bytes);
  }
  const hazards = result.hazards.map((h) => ({ ...h, severity: hazardMode === 'error' ? h.severity : 'warning' as const }));
  if (report === 'json') {
    io.out(JSON.stringify({ target: 'vc4', profile: result.profile, hazards, hostInterrupts: result.hostInterrupts }, null, 2) + '\n');
  } else {
    const pr = result.profile;
    io.out(`vc4: ${numQpus} QPU(s), ${pr.instructions} instructions, ${pr.cycles} cycles = ${(pr.seconds * 1e6).toFixed(3)} µs at ${pr.clockHz / 1e6} MHz\n`);
    for (const h of hazards) io.err(`${h.severity}: QPU ${h.qpu} at 0x${h.address.toString(16)}: ${h.message} [${h.rule}]\n`);
  }
  return hazards.some((h) => h.severity === 'error') ? 1 : 0;
}
