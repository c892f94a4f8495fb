// The target table and what derives from it: backend and ISA-tool lookup by family, V3D version mapping, launchers.
import test from 'ava';
import { TARGETS, TARGET_NAMES, isTarget, isV3dTarget, v3dTargetOf, v3dVersion } from '../../../compiler/target/targets.ts';
import { backendFor, hasBackend } from '../../../compiler/backend/index.ts';
import { getIsaTools } from '../../../compiler/isa/targets.ts';
import { launcherFor } from '../../../runtime/launchers/index.ts';
import { Runtime, RuntimeError } from '../../../runtime/index.ts';

test('the table holds the three generations of DESIGN.md, with their published sizes', (t) => {
  t.deepEqual(TARGET_NAMES, ['vc4', 'vc6', 'vc7']);
  // V3D 4.2 on the Pi 4, 7.1 on the Pi 5 (DESIGN.md targets); 8 and 12 QPUs (v3d-semantics-notes §1).
  t.is(v3dVersion('vc6'), 42);
  t.is(v3dVersion('vc7'), 71);
  t.is(TARGETS.vc6.qpus, 8);
  t.is(TARGETS.vc7.qpus, 12);
  // VC4: 12 QPUs, 32-entry files A and B, no SFU sine (vc4-isa-notes §3, §5).
  t.is(TARGETS.vc4.qpus, 12);
  t.deepEqual(TARGETS.vc4.registerFiles, { a: 32, b: 32 });
  t.false((TARGETS.vc4.sfu as readonly string[]).includes('sin'));
  t.true(isTarget('vc6'));
  t.false(isTarget('vc5'));
  t.false(isTarget('toString'));
  t.true(isV3dTarget('vc7'));
  t.false(isV3dTarget('vc4'));
});

test('a V3D hardware version maps to the row of its encoding', (t) => {
  t.is(v3dTargetOf(42), 'vc6');
  t.is(v3dTargetOf(71), 'vc7');
  t.is(v3dTargetOf(72), 'vc7');
  t.is(v3dTargetOf(41), 'vc6');
});

test('backends, ISA tools and launchers are found through the family column', async (t) => {
  t.true(hasBackend('vc6'));
  t.true(hasBackend('vc7'));
  t.is(backendFor('vc6'), backendFor('vc7'));
  t.is(backendFor('vc6')?.family, 'v3d');
  for (const target of TARGET_NAMES) {
    t.is((await getIsaTools(target)).target, target);
    const family = TARGETS[target].family;
    t.is(launcherFor(target).perQpuUniforms, family === 'vc4');
  }
});

test('the VC4 launcher refuses more programs than QPUs, as a RuntimeError naming the call', async (t) => {
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => {} });
  const code = new Uint8Array(8);
  await t.throwsAsync(rt.launchRaw({ code, uniforms: new Uint32Array(1) }, { qpus: 13 }), {
    instanceOf: RuntimeError,
    message: 'launchRaw: VideoCore IV has 12 QPUs, asked for 13',
  });
  rt.close();
});
