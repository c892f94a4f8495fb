import test from 'ava';
import {
  V3D_IOCTL, packSubmitCsd, packCreateBo, unpackCreateBo, packWaitBo, versionFromIdent1, qpusFromCoreIdent1,
} from '../../../runtime/drivers/v3d-uapi.ts';

// Expected request numbers: measured with gcc against the kernel's uapi headers
// (shared/docs/hardware-interface.md 1.2), independent of our _IOC arithmetic.
test('ioctl request numbers match the kernel headers', (t) => {
  t.is(V3D_IOCTL.GEM_CLOSE, 0x40086409);
  t.is(V3D_IOCTL.WAIT_BO, 0xc0106441);
  t.is(V3D_IOCTL.CREATE_BO, 0xc0106442);
  t.is(V3D_IOCTL.MMAP_BO, 0xc0106443);
  t.is(V3D_IOCTL.GET_PARAM, 0xc0106444);
  t.is(V3D_IOCTL.SUBMIT_CSD, 0x40586447);
});

test('submit_csd is 88 bytes with cfg words first and bo_handles at 48', (t) => {
  const b = packSubmitCsd([1, 2, 3, 4, 5, 6, 7], 0x1122334455667788n, 3);
  t.is(b.length, 88);
  const v = new DataView(b.buffer);
  t.deepEqual([0, 1, 2, 3, 4, 5, 6].map((k) => v.getUint32(4 * k, true)), [1, 2, 3, 4, 5, 6, 7]);
  t.is(v.getBigUint64(48, true), 0x1122334455667788n);
  t.is(v.getUint32(56, true), 3);
  // in_sync, out_sync, perfmon, extensions, flags, pad must be zero or the kernel rejects the job.
  for (let off = 60; off < 88; off += 4) t.is(v.getUint32(off, true), 0, `offset ${off}`);
  t.throws(() => packSubmitCsd([1, 2, 3], 0n, 0), { message: /7 config words/ });
});

test('create_bo and wait_bo layouts', (t) => {
  const c = packCreateBo(4096);
  t.is(new DataView(c.buffer).getUint32(0, true), 4096);
  new DataView(c.buffer).setUint32(8, 7, true);
  new DataView(c.buffer).setUint32(12, 0x40000, true);
  t.deepEqual(unpackCreateBo(c), { handle: 7, offset: 0x40000 });
  const w = packWaitBo(9, 5_000_000_000n);
  t.is(new DataView(w.buffer).getUint32(0, true), 9);
  t.is(new DataView(w.buffer).getBigUint64(8, true), 5_000_000_000n);
});

test('identification registers decode to the boards’ known values', (t) => {
  // Pi 4: V3D 4.2 (TVER 4, REV 2), 2 slices x 4 QPUs; Pi 5: 7.1, 3 x 4.
  t.is(versionFromIdent1(0x24), 42);
  t.is(versionFromIdent1(0x17), 71);
  t.is(qpusFromCoreIdent1(0x420), 8);
  t.is(qpusFromCoreIdent1(0x430), 12);
});

// Expected numbers: Linux include/uapi/drm/v3d_drm.h (_IOWR('d', 0x40 + nr, struct) with the struct sizes 40, 4, 16).
test('perfmon request numbers and the perfmon_id field of submit_csd', async (t) => {
  const { packPerfmonCreate, packPerfmonGetValues } = await import('../../../runtime/drivers/v3d-uapi.ts');
  t.is(V3D_IOCTL.PERFMON_CREATE, 0xc0286448);
  t.is(V3D_IOCTL.PERFMON_DESTROY, 0xc0046449);
  t.is(V3D_IOCTL.PERFMON_GET_VALUES, 0xc010644a);
  const c = packPerfmonCreate([32]);
  t.is(c.length, 40);
  t.is(new DataView(c.buffer).getUint32(4, true), 1);
  t.is(c[8], 32);
  const g = packPerfmonGetValues(3, 0x1234n);
  t.is(new DataView(g.buffer).getBigUint64(8, true), 0x1234n);
  t.is(new DataView(packSubmitCsd([0, 0, 0, 0, 0, 0, 0], 0n, 1, 7).buffer).getUint32(68, true), 7);
});

// The kernel's rule (v3d_sched.c): cfg4 = batches - 1 when ver < 71 || (ver == 71 && rev < 6).
test('cfg4 holds batches minus one before V3D 7.1.6 only; the revision is HUB_IDENT3 bits 15:8', async (t) => {
  const { cfg4SubtractsOne, revisionFromIdent3 } = await import('../../../runtime/drivers/v3d-uapi.ts');
  t.true(cfg4SubtractsOne(42, 0));
  t.true(cfg4SubtractsOne(71, 5));
  t.false(cfg4SubtractsOne(71, 6));
  t.false(cfg4SubtractsOne(71, 7));
  t.is(revisionFromIdent3(0x0000_0642), 6);
});
