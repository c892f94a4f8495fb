/**
 * `qpuc doctor`: what this machine has for running QPU kernels — the board
 * (device-tree model), kernel version, koffi, DRM nodes and their drivers,
 * the V3D's version, revision and QPU count, the VC4 mailbox, permissions and
 * groups, which backend `auto` picks and why — and, on a Pi whose GPU is
 * usable, a one-word smoke test with its timing.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { arch, release, userInfo } from 'node:os';
import type { Command, CliIo } from '../command.ts';
import { UsageError, optionValue, parseArgs } from '../command.ts';
import { isV3dTarget, v3dVersion } from '../../compiler/target/targets.ts';

const usage = `usage: qpuc doctor [--no-smoke] [--root DIR]

Reports what this machine has for running QPU kernels: board, kernel,
koffi, DRM devices and their drivers, the V3D version, revision and QPU
count, the VideoCore IV mailbox, permissions and groups, and which backend
'auto' picks and why. On a Raspberry Pi whose GPU is usable it runs a tiny
kernel that writes a known value (the smoke test) and reports its time.

  --no-smoke   do not run the smoke test
  --root DIR   look for /dev, /sys and /proc under DIR (for testing)

Exit status: 0, or 1 when the smoke test ran and failed.
`;

/** Group names by id, from <root>/etc/group (falling back to /etc/group). */
function groupNames(root: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const file of [`${root}/etc/group`, '/etc/group']) {
    try {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const [name, , gid] = line.split(':');
        if (name && gid !== undefined && /^\d+$/.test(gid)) names.set(Number(gid), name);
      }
      return names;
    } catch {
      // try the next
    }
  }
  return names;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1').replace(/\0+$/, '').trim();
  } catch {
    return undefined;
  }
}

/** The facts, as label/value rows. */
interface Row {
  label: string;
  value: string;
}

export const command: Command = {
  name: 'doctor',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const p = parseArgs(args, { 'no-smoke': { flag: true }, root: { flag: false } });
    if (p.positionals.length > 0) throw new UsageError(`doctor takes no arguments, got '${p.positionals[0]}'`);
    const system = await import('../../runtime/drivers/system.ts');
    const rootOption = optionValue(p, 'root');
    const prev = rootOption !== undefined ? system.configureSystem({ ...system.systemConfig(), root: rootOption }) : undefined;
    try {
      return await diagnose(io, !p.flags.has('no-smoke'));
    } finally {
      if (prev) system.configureSystem(prev);
    }
  },
};

async function diagnose(io: CliIo, smoke: boolean): Promise<number> {
  const { systemConfig, systemPath } = await import('../../runtime/drivers/system.ts');
  const { probeHardware } = await import('../../runtime/drivers/probe.ts');
  const root = systemConfig().root;
  const rows: Row[] = [];
  const add = (label: string, value: string) => rows.push({ label, value });
  const probe = probeHardware(root);

  add('board', probe.board ? `${probe.board}${probe.boardTarget ? ` (GPU: ${probe.boardTarget === 'vc4' ? 'VideoCore IV' : probe.boardTarget === 'vc6' ? 'VideoCore VI, V3D 4.2' : 'VideoCore VII, V3D 7.1'})` : ''}` : 'no device-tree model: not a Raspberry Pi');
  add('kernel', `Linux ${readText(systemPath('proc/sys/kernel/osrelease')) ?? release()} (${arch()} userland)`);
  add('node', `${process.version}`);

  // koffi: the prebuilt 32-bit ARM binary is ARMv7; Pi Zero/1 (ARMv6) cannot load it.
  let koffiOk = false;
  try {
    const koffi = (await import('koffi')).default;
    koffi.sizeof('void *');
    koffiOk = true;
    add('koffi', `${koffi.version} loaded (${koffi.sizeof('void *') * 8}-bit pointers)`);
  } catch (e) {
    const armv6 = /Raspberry Pi (Zero( W)?|Model [AB]( Plus)?|Compute Module)( Rev|$)/i.test(probe.board ?? '') && !/Zero 2/i.test(probe.board ?? '');
    add('koffi', `cannot be loaded: ${(e as Error).message}${armv6 ? ' (its 32-bit ARM build needs ARMv7: a Pi Zero/1 can compile and emulate, not drive the GPU)' : ''}`);
  }

  // DRM nodes, with access.
  const groups = groupNames(root);
  const drm = probe.drm.map((n) => {
    let access = 'read-write';
    try {
      accessSync(n.path, constants.R_OK | constants.W_OK);
    } catch {
      access = 'no access';
    }
    let group = '';
    try {
      const st = statSync(n.path);
      group = `, group ${groups.get(st.gid) ?? st.gid}`;
    } catch {
      // gone meanwhile
    }
    return `${n.path} (driver ${n.driver ?? 'unknown'}${group}, ${access})`;
  });
  add('DRM devices', drm.length > 0 ? drm.join('\n') : 'none');

  // V3D details straight from the driver.
  if (probe.v3d && koffiOk) {
    try {
      const { V3dDrmDevice } = await import('../../runtime/drivers/v3d-drm.ts');
      const d = new V3dDrmDevice(probe.v3d.node);
      add('V3D', `${Math.floor(d.ident.version / 10)}.${d.ident.version % 10} revision ${d.ident.revision}, ${d.numQpus} QPUs (${d.target}); ` +
        `reset counter: ${d.resetCounter === undefined ? 'none (compiled kernels carry a completion word instead)' : 'yes'}; perfmon cycles: ${d.perfmon ? 'yes' : 'no'}`);
      d.close();
    } catch (e) {
      add('V3D', `cannot be opened: ${(e as Error).message}`);
    }
  }
  if (probe.boardTarget === 'vc4' || probe.vc4) {
    const cma = existsSync(systemPath('dev/vcsm-cma'));
    const memory = `GPU memory through /dev/mem (root)${cma ? ', or /dev/vcsm-cma without root' : '; no /dev/vcsm-cma, so root is needed'}`;
    add('VC4 mailbox', probe.vc4 ? `${probe.vc4.mailbox} present (firmware graphics); ${memory}` : probe.reason);
  }

  const u = userInfo();
  const gids = typeof process.getgroups === 'function' ? process.getgroups() : [];
  const names = gids.map((g) => groups.get(g) ?? String(g));
  const relevant = probe.boardTarget === 'vc4' ? ['video'] : ['render', 'video'];
  const missing = probe.boardTarget ? relevant.filter((g) => !names.includes(g)) : [];
  add('user', `${u.username} (uid ${u.uid}${u.uid === 0 ? ', root' : ''}); groups: ${names.join(', ') || 'none'}` +
    (missing.length > 0 && u.uid !== 0 ? `; not in ${missing.join(', ')}: sudo usermod -aG ${missing.join(',')} $USER, then log in again` : ''));

  // What 'auto' picks, exactly as Runtime.open decides.
  const { Runtime } = await import('../../runtime/index.ts');
  const lines: string[] = [];
  let exit = 0;
  let summary: string;
  const rt = await Runtime.open({ backend: 'auto', log: (l) => lines.push(l.replace(/^qpuc: /, '')) });
  try {
    add('auto backend', `${rt.backend} (${rt.target}): ${lines.join('; ')}`);
    if (rt.backend === 'hardware') {
      summary = `Ready: kernels run on the GPU — ${rt.description}.`;
      if (smoke) {
        const r = await smokeTest(rt);
        add('smoke test', r.ok ? `ok: the GPU wrote the expected words (${r.detail})` : `FAILED: ${r.detail}`);
        if (!r.ok) {
          exit = 1;
          summary = `The GPU was found but the smoke test failed: ${r.detail}.`;
        }
      } else add('smoke test', 'not run (--no-smoke)');
    } else {
      add('smoke test', 'not run (no usable Raspberry Pi GPU)');
      const why = lines.join('; ').replace(/^no usable Raspberry Pi GPU \((.*)\); using the emulator$/, '$1');
      summary = probe.boardTarget
        ? `This ${probe.board} has a Raspberry Pi GPU that qpuc cannot use yet (${why}); kernels run on the emulator: ${rt.description}.`
        : `No Raspberry Pi GPU on this machine; kernels run on the emulator: ${rt.description}.`;
    }
  } finally {
    rt.close();
  }

  const width = Math.max(...rows.map((r) => r.label.length)) + 2;
  let out = 'qpuc doctor\n';
  for (const r of rows) {
    const [first, ...rest] = r.value.split('\n');
    out += `  ${r.label.padEnd(width)}${first}\n`;
    for (const l of rest) out += `  ${' '.repeat(width)}${l}\n`;
  }
  out += `\n${summary}\n`;
  io.out(out);
  return exit;
}

/** A tiny kernel writes 16 known words; the result and the time. */
async function smokeTest(rt: import('../../runtime/index.ts').Runtime): Promise<{ ok: boolean; detail: string }> {
  const VALUE = 0x600d;
  const out = rt.alloc(Uint32Array, 16);
  try {
    const addr = rt.addressOf(out);
    let code: Uint8Array;
    let uniforms: (q: number) => Uint32Array;
    if (rt.target === 'vc4') {
      const { assembleVc4 } = await import('../../compiler/isa/vc4/index.ts');
      // out[lane] = VALUE + lane, through the VPM and its DMA store engine.
      const src = [
        'mov r1, unif', 'mov r2, unif', 'ldi r3, 0x1a00', 'add vw_setup, r3, qpu_num', 'add r0, elem_num, r2', 'mov vpm, r0',
        'mov r3, qpu_num', 'shl r3, r3, 7', 'ldi r0, 0x80904000', 'add vw_setup, r0, r3', 'mov vw_addr, r1', 'mov.never -, vw_wait',
        'mov.never -, vw_wait', 'mov -, vr_wait', 'ldi host_int, 1', 'nop; thrend', 'nop', 'nop',
      ];
      code = bytesOf(assembleVc4(src.join('\n'), 'smoke.qasm').words);
      uniforms = () => Uint32Array.of(addr, VALUE);
    } else {
      const { assembleV3d } = await import('../../compiler/isa/v3d/index.ts');
      // out[lane] = VALUE + lane, one TMU write per lane.
      const src = [
        'nop ; nop ; ldunifrf.rf1', 'nop ; nop ; ldunifrf.rf2', 'eidx rf3 ; nop', 'add rf4, rf3, rf2 ; nop', 'shl rf3, rf3, 2 ; nop',
        'add rf1, rf1, rf3 ; nop', 'or tmud, rf4, rf4 ; nop', 'or tmua, rf1, rf1 ; nop',
        'nop ; nop ; thrsw', 'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'nop ; nop',
      ];
      code = bytesOf(assembleV3d(src.join('\n'), 'smoke.s', isV3dTarget(rt.target) ? v3dVersion(rt.target) : 42).words);
      uniforms = () => Uint32Array.of(addr, VALUE);
    }
    const start = process.hrtime.bigint();
    await rt.launchRaw({ code, uniforms }, { qpus: 1, timeoutMs: 2000 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const got = Array.from(out);
    const bad = got.findIndex((w, i) => w !== VALUE + i);
    return bad < 0
      ? { ok: true, detail: `${ms.toFixed(2)} ms for the launch` }
      : { ok: false, detail: `word ${bad} is 0x${(got[bad] ?? 0).toString(16)}, expected 0x${(VALUE + bad).toString(16)}` };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  } finally {
    rt.free(out);
  }
}

function bytesOf(w: readonly bigint[]): Uint8Array {
  const b = new Uint8Array(w.length * 8);
  const v = new DataView(b.buffer);
  w.forEach((x, i) => v.setBigUint64(8 * i, x, true));
  return b;
}
