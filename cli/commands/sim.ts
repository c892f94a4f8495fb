/**
 * `qpuc sim`: run a raw V3D program image on the emulator, exactly as
 * SUBMIT_CSD would run it on a Pi 4 (vc6) or Pi 5 (vc7), for code from any
 * assembler. VC4 images run through the VC4 emulator's `--execute-qpu`
 * (runtime/emulator/vc4/sim-cli.ts).
 */
import { CliError, UsageError, optionValue, parseArgs, parseCount, parseInteger, parseTarget, type CliIo, type Command } from '../command.ts';
import { readInput, writeOutput } from '../fs.ts';
import { DecodeError } from '../../compiler/isa/isa.ts';
import { GpuMemory, MemoryFaultError } from '../../runtime/emulator/memory.ts';
import { runCsd, type EmulatorResult } from '../../runtime/emulator/v3d/run.ts';
import { CycleLimitError } from '../../runtime/errors.ts';
import { HazardError } from '../../runtime/emulator/v3d/hazards.ts';
import { ExecutionError } from '../../runtime/emulator/v3d/qpu.ts';
import { isV3dTarget, v3dVersion } from '../../compiler/target/targets.ts';
import { UnsupportedInstrError } from '../../runtime/emulator/v3d/compile.ts';
import type { CsdConfig } from '../../runtime/emulator/v3d/dispatch.ts';

/** Exit codes besides 0 (normal end) and 2 (usage). */
export const SIM_EXIT = { ERROR: 1, HAZARD: 3, FAULT: 4, CYCLE_LIMIT: 5 } as const;

/** Largest --qpus accepted: the V3D QPU-count field is 4 bits per slice, 16 QPUs per core at most. */
const MAX_QPUS = 16;
/** Largest --max-cycles accepted (about an hour of emulated time at 500 MHz; more would never finish anyway). */
const MAX_CYCLES_LIMIT = 2e12;

const USAGE = `usage: qpuc sim --target vc6|vc7 --memory IMAGE --base ADDR --csd C0,C1,C2,C3,C4,C5,C6 [options]
       qpuc sim --target vc4 --memory IMAGE --base ADDR --execute-qpu N@CONTROL_ADDR [options]

Run a raw GPU memory image on the V3D emulator. IMAGE holds code, uniforms and
data starting at bus address ADDR; C0..C6 are the seven SUBMIT_CSD cfg words
(decimal or 0x-hex; cfg4 counts batches minus 1 on vc6, batches on vc7).

options:
  --out IMAGE          write memory after the run (may be the input path)
  --report json        print the profile and hazards as JSON (default: text)
  --max-cycles N       stop after N GPU cycles (default 1e9)
  --hazards MODE       error (default): stop at the first hazard; warn: report all and go on
  --qpus N             QPUs of the emulated core (default 8 on vc6, 12 on vc7)
  --exact-sfu          exact SFU results instead of the hardware-like approximation

exit codes: 0 normal end, 1 invalid or unsupported instruction or other failure,
2 usage or unreadable/unwritable file, 3 hazard, 4 access outside the image,
5 cycle limit (the README's exit-code table).
`;

function parseCsd(text: string): CsdConfig {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== 7) throw new UsageError(`--csd needs 7 comma-separated words, got ${parts.length}`);
  const words = parts.map((p, i) => {
    const n = parseInteger(p, `--csd word ${i}`);
    if (n < 0 || n > 0xffffffff) throw new UsageError(`--csd word ${i}: ${p} is not a 32-bit value`);
    return n >>> 0;
  });
  return words as unknown as CsdConfig;
}

function textReport(r: EmulatorResult): string {
  const p = r.profile;
  const lines = [
    `cycles ${p.cycles} (${(p.seconds * 1e6).toFixed(3)} us at ${p.clockHz / 1e6} MHz)`,
    `instructions ${p.instructions}, flops ${p.flops}`,
    `bytes read ${p.bytesRead}, written ${p.bytesWritten}`,
    `stalls ${Object.entries(p.stalls).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ') || 'none'}`,
    ...r.hazards.map((h) => h.message),
  ];
  return lines.join('\n') + '\n';
}

/** The `sim` subcommand. */
export const simCommand: Command = {
  name: 'sim',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    // VC4 programs launch the way the mailbox does (--execute-qpu), with options of their own.
    const t = args.indexOf('--target');
    if ((t >= 0 && args[t + 1] === 'vc4') || args.includes('--target=vc4')) {
      const { runVc4SimCli } = await import('../../runtime/emulator/vc4/sim-cli.ts');
      return runVc4SimCli(args, io);
    }
    const p = parseArgs(args, {
      target: { flag: false }, memory: { flag: false }, base: { flag: false }, csd: { flag: false }, out: { flag: false },
      report: { flag: false }, 'max-cycles': { flag: false }, hazards: { flag: false }, qpus: { flag: false }, 'exact-sfu': { flag: true },
    });
    if (p.positionals.length > 0) throw new UsageError(`unexpected argument '${p.positionals[0]}'`);
    const target = parseTarget(optionValue(p, 'target'));
    if (!isV3dTarget(target)) throw new UsageError(`qpuc sim runs V3D images here; '${target}' images run with --target vc4`);
    const need = (name: string): string => {
      const v = optionValue(p, name);
      if (v === undefined) throw new UsageError(`--${name} is required`);
      return v;
    };
    const imagePath = need('memory');
    const base = parseInteger(need('base'), '--base');
    if (base < 0 || base > 0xffffffff) throw new UsageError(`--base ${base} is not a 32-bit address`);
    const cfg = parseCsd(need('csd'));
    const report = optionValue(p, 'report');
    if (report !== undefined && report !== 'json') throw new UsageError(`--report takes 'json', got '${report}'`);
    const hazards = optionValue(p, 'hazards') ?? 'error';
    if (hazards !== 'error' && hazards !== 'warn') throw new UsageError(`--hazards takes error or warn, got '${hazards}'`);
    const mc = optionValue(p, 'max-cycles');
    const maxCycles = mc === undefined ? undefined : parseCount(mc, '--max-cycles', 1, MAX_CYCLES_LIMIT);
    const q = optionValue(p, 'qpus');
    const numQpus = q === undefined ? undefined : parseCount(q, '--qpus', 1, MAX_QPUS);

    const image = new Uint8Array(readInput('sim', imagePath));
    if (image.length === 0) throw new CliError(`qpuc sim: '${imagePath}' is empty: there is no program to run`, SIM_EXIT.ERROR);
    if (base + image.length > 0x1_0000_0000) {
      throw new UsageError(`--base 0x${base.toString(16)}: the ${image.length}-byte image would end past the 4 GiB bus address space (0x${(base + image.length).toString(16)})`);
    }
    const mem = new GpuMemory();
    mem.map(base, image);
    let result: EmulatorResult;
    try {
      result = runCsd(mem, cfg, {
        version: v3dVersion(target), hazards, exactSfu: p.flags.has('exact-sfu'),
        ...(maxCycles !== undefined ? { maxCycles } : {}), ...(numQpus !== undefined ? { numQpus } : {}),
      });
    } catch (e) {
      const m = (e as Error).message;
      if (e instanceof HazardError) throw new CliError(`qpuc sim: ${m}`, SIM_EXIT.HAZARD);
      if (e instanceof MemoryFaultError) throw new CliError(`qpuc sim: ${m} (image covers 0x${base.toString(16)}..0x${(base + image.length).toString(16)})`, SIM_EXIT.FAULT);
      if (e instanceof CycleLimitError) throw new CliError(`qpuc sim: ${m}`, SIM_EXIT.CYCLE_LIMIT);
      if (e instanceof ExecutionError && /r26-/.test(m)) throw new CliError(`qpuc sim: ${m}`, SIM_EXIT.HAZARD);
      if (e instanceof ExecutionError || e instanceof UnsupportedInstrError) throw new CliError(`qpuc sim: ${m}`, SIM_EXIT.ERROR);
      if (e instanceof DecodeError) throw new CliError(`qpuc sim: ${m}`, SIM_EXIT.ERROR);
      throw e;
    }
    const out = optionValue(p, 'out');
    if (out !== undefined) writeOutput('sim', out, image);
    io.out(report === 'json' ? JSON.stringify({ profile: result.profile, hazards: result.hazards }, null, 2) + '\n' : textReport(result));
    return 0;
  },
};
