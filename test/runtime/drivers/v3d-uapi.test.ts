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
