/** ALU numerics against documented hardware results (VC4C's board-generated table, py-videocore tests, notes §6). */
import test from 'ava';
import { addOp, mulOp, packA, packMul, unpack, floatToBits, bitsToFloat } from '../../../../runtime/emulator/vc4/alu.ts';
import { f } from './program.ts';

test('fadd/fsub/itof round toward zero [VC4C-HW rows]', (t) => {
  t.is(addOp('fadd', f(1.0), f(-(2 ** 97))).r, 0xefffffff);
  t.is(addOp('fsub', f(2 ** 97), f(1.0)).r, 0x6fffffff);
  t.is(addOp('itof', 0x7fffffff, 0).r, 0x4effffff);
  t.is(addOp('fadd', f(1.5), f(2.25)).r, f(3.75));
});

test('fadd: NaN → ±inf, −0 → +0, denormals flush [ADD, VC4C-HW]', (t) => {
  t.is(addOp('fadd', f(0), 0x7fc00000).r, 0x7f800000);
  t.is(addOp('fadd', 0xffc00000, f(1)).r, 0xff800000);
  t.is(addOp('fadd', 0x80000000, 0x80000000).r, 0);
  t.is(addOp('fadd', 0x00000001, f(0)).r, 0);
  t.is(addOp('fadd', f(1), f(2)).c, 1); // C = result > 0
  t.is(addOp('fsub', f(1), f(2)).c, 0);
});

test('fmin/fmax compare sign-magnitude; fmin(−0, −0) keeps the sign bit', (t) => {
  t.is(addOp('fmin', 0x80000000, 0x80000000).r, 0x80000000);
  t.is(addOp('fmax', f(-1), f(2)).r, f(2));
  t.is(addOp('fmin', f(-1), f(2)).r, f(-1));
  t.is(addOp('fmin', f(3), f(2)).c, 1);
  t.is(addOp('fminabs', f(-3), f(2)).r, f(2));
  t.is(addOp('fmaxabs', f(-3), f(2)).r, f(3));
});

test('ftoi truncates; NaN and out of range give 0', (t) => {
  t.is(addOp('ftoi', f(-2.75), 0).r, 0xfffffffe);
  t.is(addOp('ftoi', f(1.6e29), 0).r, 0);
  t.is(addOp('ftoi', 0x7fc00000, 0).r, 0);
});

test('integer ops and their carry [VC4C-HW, notes §6 table]', (t) => {
  t.deepEqual(addOp('add', 0xffffffff, 2).r, 1);
  t.is(addOp('add', 0xffffffff, 2).c, 1);
  t.is(addOp('sub', 1, 2).c, 1);
  t.is(addOp('shl', 0x80000001, 1).c, 1);
  t.is(addOp('shl', 1, 33).r, 2); // shift modulo 32
  t.is(addOp('shr', 0b110, 2).c, 1);
  t.is(addOp('asr', 0x80000000, 4).r, 0xf8000000);
  t.is(addOp('ror', 1, 1).r, 0x80000000);
  t.is(addOp('min', 0xffffffff, 1).r, 0xffffffff);
  t.is(addOp('clz', 0, 0).r, 32);
  t.is(addOp('v8adds', 0x80ff0102, 0x80010203).r, 0xffff0305);
  t.is(addOp('v8subs', 0x01020304, 0x02020202).r, 0x00000102);
});

test('mul24 is unsigned 24-bit: −1 × 16 = 0x0ffffff0 [VC4C-HW, V3DLib]', (t) => {
  t.is(mulOp('mul24', 0xffffffff, 16), 0x0ffffff0);
  t.is(mulOp('mul24', 1000, 1000), 1000000);
  t.is(mulOp('v8muld', 0xff80ff00, 0xff80807f), (((255 * 255 + 127) / 255 | 0) << 24 | (((128 * 128 + 127) / 255) | 0) << 16 | (((255 * 128 + 127) / 255) | 0) << 8 | 0) >>> 0);
  t.is(mulOp('fmul', f(1.5), f(-2)), f(-3));
  t.is(mulOp('fmul', 0x7fc00000, f(0)), 0); // NaN × 0 = +0 [VC4C-HW]
  t.is(mulOp('fmul', 0x7fc00000, f(-2)), 0xff800000);
  t.is(mulOp('fmul', f(1e30), f(1e30)), 0x7f800000);
});

test('unpack and pack modes [ARG Tables 6–9, PVC-T packunpack]', (t) => {
  t.is(unpack(1, 0x3c00, true), f(1)); // half 1.0 → float
  t.is(unpack(2, 0xfffe0000, false), 0xfffffffe); // high 16 sign-extended
  t.is(unpack(3, 0xab000000, false), 0xabababab);
  t.is(unpack(5, 0x0000ff00, false), 255);
  t.is(unpack(5, 0x0000ff00, true), f(1));
  t.is(packA(1, f(1), 0x12340000, true), 0x12343c00);
  t.is(packA(5, 0x1ff, 0xaaaaaaaa, false), 0xaaaaffaa);
  t.is(packA(8, 0, 0, false, 2 ** 31 + 5), 0x7fffffff);
  t.is(packA(12, 300, 0x11111111, false), 0x111111ff);
  t.is(packMul(4, f(0.5), 0xffffff00), 0xffffff80);
  t.is(packMul(3, f(2), 0), 0xffffffff);
  t.is(bitsToFloat(floatToBits(0.25)), 0.25);
});
