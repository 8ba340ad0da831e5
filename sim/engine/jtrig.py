"""Java's Math.sin, Math.cos and Math.tan as HotSpot computes them on x86-64, bit for bit, compiled.

OpenJDK 17's HotSpot replaces Math.sin/cos/tan with Intel LIBM stubs (flag UseLibmIntrinsic, on by
default; the interpreter calls the same stubs, so interpreted and compiled Java agree). They differ
from the C library's results in the last bit for ~0.2 % (sin, cos) and ~0.4 % (tan) of angles, and
from StrictMath for ~3 %. Robocode moves robots and bullets with Math.sin/cos of their headings and
pushes robots out of walls with Math.tan, so one ulp there moves a robot, and rounds later can change
a round's length (docs/architecture.md, "Java's arithmetic").

Each function below performs the stub's own sequence of double operations on its main path, with its
tables (OpenJDK src/hotspot/cpu/x86/macroAssembler_x86_sin.cpp, _cos.cpp and _tan.cpp: Ctable, SC_1..4,
P_1..3, PI32INV; Ctable_tan, Q_3..11, QQ_2, MASK_35):

- sin, cos: x = N pi/32 + r (r in three parts), a 64-entry table of sin/cos(M pi/32), M = N mod 64
  (cos uses M + 16) and polynomials in r, for 2^-252 <= |x| < 90112; below that the stubs' own
  small-argument paths (sin: 2^-55 (2^55 x - x), or x times 1 - 2^-53 when subnormal; cos: 1 - |x|).
- tan: the same reduction with 32 blocks of per-interval polynomials and a reciprocal near the poles,
  for 0.1015625 <= |x| < 12800; below that an odd polynomial (|x| >= 2^-29) or 2^-55 (x + 2^55 x).

Larger arguments (the stubs reduce them with a 1/pi table in integer arithmetic) fall back to the C
library, whose result may differ in the last bit; no angle in a battle comes near (headings are
normalised to [0, 2 pi)). NaN and infinities give NaN as in Java. tests/test_jmath.py checks all three
against Java's output (golden and live).
"""
import math

import numpy as np
from numba import njit

from sim.engine.constants import I64
from sim.engine.jmath import _f2i, _i2f

# LLVM-inlined into the turn loop like jmath's functions; forceinline explicit so callers never impose theirs
NB = dict(cache=True, error_model="numpy", forceinline=True)


def _doubles(bits):
    return np.array(bits, dtype=np.uint64).view(np.float64)


# sin/cos: per M = 0..63, (C_hl = cos(B) - sigma, S_hi, S_lo, sigma) with B = M pi / 32
_SC_CTABLE = _doubles((
    0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x3ff0000000000000,
    0xbf73b92e176d6d31, 0x3fb917a6bc29b42c, 0xbc3e2718e0000000, 0x3ff0000000000000,
    0xbf93ad06011469fb, 0x3fc8f8b83c69a60b, 0xbc626d19c0000000, 0x3ff0000000000000,
    0xbfa60bea939d225a, 0x3fd294062ed59f06, 0xbc75d28da0000000, 0x3ff0000000000000,
    0xbfb37ca1866b95cf, 0x3fd87de2a6aea963, 0xbc672cede0000000, 0x3ff0000000000000,
    0xbfbe3a6873fa1279, 0x3fde2b5d3806f63b, 0x3c5e0d8920000000, 0x3ff0000000000000,
    0xbfc592675bc57974, 0x3fe1c73b39ae68c8, 0x3c8b25dd20000000, 0x3ff0000000000000,
    0xbfcd0dfe53aba2fd, 0x3fe44cf325091dd6, 0x3c68076a20000000, 0x3ff0000000000000,
    0x3fca827999fcef32, 0x3fe6a09e667f3bcd, 0xbc8bdd3420000000, 0x3fe0000000000000,
    0x3fc133cc94247758, 0x3fe8bc806b151741, 0xbc82c5e120000000, 0x3fe0000000000000,
    0x3fac73b39ae68c87, 0x3fea9b66290ea1a3, 0x3c39f630e0000000, 0x3fe0000000000000,
    0xbf9d4a2c7f909c4e, 0x3fec38b2f180bdb1, 0xbc76e0b180000000, 0x3fe0000000000000,
    0xbfbe087565455a75, 0x3fed906bcf328d46, 0x3c7457e620000000, 0x3fe0000000000000,
    0x3fa4a03176acf82d, 0x3fee9f4156c62dda, 0x3c8760b1e0000000, 0x3fd0000000000000,
    0xbfac1d1f0e5967d5, 0x3fef6297cff75cb0, 0x3c75621720000000, 0x3fd0000000000000,
    0xbf9ba1650f592f50, 0x3fefd88da3d12526, 0xbc887df640000000, 0x3fc0000000000000,
    0x0000000000000000, 0x3ff0000000000000, 0x0000000000000000, 0x0000000000000000,
    0x3f9ba1650f592f50, 0x3fefd88da3d12526, 0xbc887df640000000, 0xbfc0000000000000,
    0x3fac1d1f0e5967d5, 0x3fef6297cff75cb0, 0x3c75621720000000, 0xbfd0000000000000,
    0xbfa4a03176acf82d, 0x3fee9f4156c62dda, 0x3c8760b1e0000000, 0xbfd0000000000000,
    0x3fbe087565455a75, 0x3fed906bcf328d46, 0x3c7457e620000000, 0xbfe0000000000000,
    0x3f9d4a2c7f909c4e, 0x3fec38b2f180bdb1, 0xbc76e0b180000000, 0xbfe0000000000000,
    0xbfac73b39ae68c87, 0x3fea9b66290ea1a3, 0x3c39f630e0000000, 0xbfe0000000000000,
    0xbfc133cc94247758, 0x3fe8bc806b151741, 0xbc82c5e120000000, 0xbfe0000000000000,
    0xbfca827999fcef32, 0x3fe6a09e667f3bcd, 0xbc8bdd3420000000, 0xbfe0000000000000,
    0x3fcd0dfe53aba2fd, 0x3fe44cf325091dd6, 0x3c68076a20000000, 0xbff0000000000000,
    0x3fc592675bc57974, 0x3fe1c73b39ae68c8, 0x3c8b25dd20000000, 0xbff0000000000000,
    0x3fbe3a6873fa1279, 0x3fde2b5d3806f63b, 0x3c5e0d8920000000, 0xbff0000000000000,
    0x3fb37ca1866b95cf, 0x3fd87de2a6aea963, 0xbc672cede0000000, 0xbff0000000000000,
    0x3fa60bea939d225a, 0x3fd294062ed59f06, 0xbc75d28da0000000, 0xbff0000000000000,
    0x3f93ad06011469fb, 0x3fc8f8b83c69a60b, 0xbc626d19c0000000, 0xbff0000000000000,
    0x3f73b92e176d6d31, 0x3fb917a6bc29b42c, 0xbc3e2718e0000000, 0xbff0000000000000,
    0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0xbff0000000000000,
    0x3f73b92e176d6d31, 0xbfb917a6bc29b42c, 0x3c3e2718e0000000, 0xbff0000000000000,
    0x3f93ad06011469fb, 0xbfc8f8b83c69a60b, 0x3c626d19c0000000, 0xbff0000000000000,
    0x3fa60bea939d225a, 0xbfd294062ed59f06, 0x3c75d28da0000000, 0xbff0000000000000,
    0x3fb37ca1866b95cf, 0xbfd87de2a6aea963, 0x3c672cede0000000, 0xbff0000000000000,
    0x3fbe3a6873fa1279, 0xbfde2b5d3806f63b, 0xbc5e0d8920000000, 0xbff0000000000000,
    0x3fc592675bc57974, 0xbfe1c73b39ae68c8, 0xbc8b25dd20000000, 0xbff0000000000000,
    0x3fcd0dfe53aba2fd, 0xbfe44cf325091dd6, 0xbc68076a20000000, 0xbff0000000000000,
    0xbfca827999fcef32, 0xbfe6a09e667f3bcd, 0x3c8bdd3420000000, 0xbfe0000000000000,
    0xbfc133cc94247758, 0xbfe8bc806b151741, 0x3c82c5e120000000, 0xbfe0000000000000,
    0xbfac73b39ae68c87, 0xbfea9b66290ea1a3, 0xbc39f630e0000000, 0xbfe0000000000000,
    0x3f9d4a2c7f909c4e, 0xbfec38b2f180bdb1, 0x3c76e0b180000000, 0xbfe0000000000000,
    0x3fbe087565455a75, 0xbfed906bcf328d46, 0xbc7457e620000000, 0xbfe0000000000000,
    0xbfa4a03176acf82d, 0xbfee9f4156c62dda, 0xbc8760b1e0000000, 0xbfd0000000000000,
    0x3fac1d1f0e5967d5, 0xbfef6297cff75cb0, 0xbc75621720000000, 0xbfd0000000000000,
    0x3f9ba1650f592f50, 0xbfefd88da3d12526, 0x3c887df640000000, 0xbfc0000000000000,
    0x0000000000000000, 0xbff0000000000000, 0x0000000000000000, 0x0000000000000000,
    0xbf9ba1650f592f50, 0xbfefd88da3d12526, 0x3c887df640000000, 0x3fc0000000000000,
    0xbfac1d1f0e5967d5, 0xbfef6297cff75cb0, 0xbc75621720000000, 0x3fd0000000000000,
    0x3fa4a03176acf82d, 0xbfee9f4156c62dda, 0xbc8760b1e0000000, 0x3fd0000000000000,
    0xbfbe087565455a75, 0xbfed906bcf328d46, 0xbc7457e620000000, 0x3fe0000000000000,
    0xbf9d4a2c7f909c4e, 0xbfec38b2f180bdb1, 0x3c76e0b180000000, 0x3fe0000000000000,
    0x3fac73b39ae68c87, 0xbfea9b66290ea1a3, 0xbc39f630e0000000, 0x3fe0000000000000,
    0x3fc133cc94247758, 0xbfe8bc806b151741, 0x3c82c5e120000000, 0x3fe0000000000000,
    0x3fca827999fcef32, 0xbfe6a09e667f3bcd, 0x3c8bdd3420000000, 0x3fe0000000000000,
    0xbfcd0dfe53aba2fd, 0xbfe44cf325091dd6, 0xbc68076a20000000, 0x3ff0000000000000,
    0xbfc592675bc57974, 0xbfe1c73b39ae68c8, 0xbc8b25dd20000000, 0x3ff0000000000000,
    0xbfbe3a6873fa1279, 0xbfde2b5d3806f63b, 0xbc5e0d8920000000, 0x3ff0000000000000,
    0xbfb37ca1866b95cf, 0xbfd87de2a6aea963, 0x3c672cede0000000, 0x3ff0000000000000,
    0xbfa60bea939d225a, 0xbfd294062ed59f06, 0x3c75d28da0000000, 0x3ff0000000000000,
    0xbf93ad06011469fb, 0xbfc8f8b83c69a60b, 0x3c626d19c0000000, 0x3ff0000000000000,
    0xbf73b92e176d6d31, 0xbfb917a6bc29b42c, 0x3c3e2718e0000000, 0x3ff0000000000000,
))

_TAN_CTABLE = _doubles((
    0x0000000000000000, 0x0000000000000000, 0x3f9664f4882c10fa, 0x0000000000000000,
    0x0000000000000000, 0x0000000000000000, 0x3f8226e355e6c23d, 0x3fd5555555555555,
    0x0000000000000000, 0x0000000000000000, 0x3f6d6d3d0e157de0, 0x3fc1111111111111,
    0x0000000000000000, 0x0000000000000000, 0x3f57da36452b75e3, 0x3faba1ba1ba1ba1c,
    0x0000000000000000, 0x0000000000000000, 0x3ff0000000000000, 0x0000000000000000,
    0x0000000000000000, 0x0000000000000000, 0x3f953f834e435f9b, 0x0000000000000000,
    0x3f9b74ea3c6e8e46, 0x0000000000000000, 0x3f85ad63da5b7511, 0x3fb97558dc230b9b,
    0x3f88130826cb3788, 0x3fd62ac976fc4985, 0x3f757c8577bb08ba, 0x3fb1381eb6247521,
    0x3f754e955922170c, 0x3fc27f838746482d, 0x3f64e39111055b30, 0x3fa3e6093e666320,
    0x3f6301df0de9dae3, 0x3fafa8ae1f1dca06, 0x3fb936bb8c5b2da2, 0x3c587d054e88f7a5,
    0x3ff0000000000000, 0x3f83dde2a8935dd9, 0x0000000000000000, 0x0000000000000000,
    0x3faa34075a279ea3, 0x0000000000000000, 0x3fa70153432d65fa, 0x0000000000000000,
    0x3f9d03ef891a4602, 0x3fca77d9d62ca5f8, 0x3f97a265b35f4628, 0x3fd8cf51433258fa,
    0x3f8f88e3b58fd909, 0x3fc2b15401771cea, 0x3f888f57f3562f8e, 0x3fc7370fc028a723,
    0x3f80f44c20b7f9f0, 0x3fb6dfaa214368e9, 0x3f79b4b628891863, 0x3fb6cb8e172dbbf0,
    0x3fc975f5e0553158, 0x3c2ef5d3593fe814, 0x3ff0000000000000, 0x3fa4420303dec550,
    0x0000000000000000, 0x0000000000000000, 0x3fbb8ec59314533e, 0x0000000000000000,
    0x3fb6d3f409aa36d0, 0x0000000000000000, 0x3fb13950dcb427fd, 0x3fd5335ed87ab0bb,
    0x3fabb382ce0ae8a5, 0x3fddba4179143126, 0x3fa552f15f2b28d4, 0x3fd015ab59f21a6d,
    0x3fa0e98422c27d95, 0x3fd0576ce19fc6aa, 0x3f9a48988f2c2950, 0x3fc59462c0b3f22c,
    0x3f94b61c1883a4b8, 0x3fc30eb83f838640, 0x3fd36a08355c63dc, 0xbc6d704d1dce993d,
    0x3ff0000000000000, 0x3fb78e922b82ab63, 0x0000000000000000, 0x0000000000000000,
    0x3fccfc5656f37042, 0x0000000000000000, 0x3fc90125aa563951, 0x0000000000000000,
    0x3fc505333d0e7c5d, 0x3fdf0ed99bed9b2e, 0x3fc1f2505fe7c47c, 0x3fe2edd996c125e5,
    0x3fbe5c715a02bbd8, 0x3fda08b786362c20, 0x3fb9d3424b4435ed, 0x3fd911bd4b494091,
    0x3fb5e4c7b56658be, 0x3fd3c09293a2fd76, 0x3fb29910da271794, 0x3fd189be3303df2b,
    0x3fda827999fcef32, 0x3c708b2fb68c1467, 0x3ff0000000000000, 0x3fc5f619980c4337,
    0x0000000000000000, 0x0000000000000000, 0x3fdff10fcc03e501, 0x0000000000000000,
    0x3fddb63b44a4e845, 0x0000000000000000, 0x3fdb72a43768ad9f, 0x3fe5fdb93dd01cca,
    0x3fd972b2a61d2811, 0x3fe977f95645ad0b, 0x3fd78ca3d013b3ab, 0x3fe4f192bf0bf914,
    0x3fd5d0604d53e730, 0x3fe499333f8b9000, 0x3fd4322ae2b82f08, 0x3fe27ae15936a835,
    0x3fd2b3fbb1c61c9b, 0x3fe1659eef478605, 0x3fe11ab7190834ec, 0xbc8e564bcdb625ea,
    0x3ff0000000000000, 0x3fd248f1b07217e3, 0x0000000000000000, 0x0000000000000000,
    0x3ff2de9c2b2c49d0, 0x0000000000000000, 0x3ff33e582655bc98, 0x0000000000000000,
    0x3ff3972eff691fa2, 0x3feeed87e93463bd, 0x3ff3f5b2070e10a0, 0x3ff20c10f4d790a4,
    0x3ff4541aa04e8ea3, 0x3ff1369e386accd3, 0x3ff4b521222a66dd, 0x3ff2081722a9777e,
    0x3ff5178f52a04a6e, 0x3ff22137ddaa0031, 0x3ff57c014447d47c, 0x3ff293111e9c7f1d,
    0x3fe561b82ab7f990, 0x3c87a8c5209c7df1, 0x3ff0000000000000, 0x3fdc92d84170bcc6,
    0x0000000000000000, 0x0000000000000000, 0x40085e24c7ab4d5a, 0x0000000000000000,
    0x400b963de93ea75d, 0x0000000000000000, 0x400f37e294a7f25a, 0x3ff5f9844b6261cb,
    0x4011aab05a9dd812, 0x3ffaf5a574c30018, 0x4013fe8b7f2ce8e3, 0x3ffd7334fe8e54fa,
    0x4016a10c670d618d, 0x4000e0124db97058, 0x40199c5f24df44dd, 0x4003006e697d6ece,
    0x401cfc4d83298b82, 0x40058c1919d490d6, 0x3fea43002ae42850, 0xbc7a6db8118e20e6,
    0x4000000000000000, 0xbfd4e526e33345b8, 0x0000000000000000, 0x0000000000000000,
    0x4021965965965966, 0x0000000000000000, 0x402664f4882c10fa, 0x0000000000000000,
    0x402c834283cd3723, 0x4000000000000000, 0x403226e355e6c23d, 0x4005555555555555,
    0x40371c9634451939, 0x400aaaaaaaaaaaab, 0x403d6d3d0e157de0, 0x4011111111111111,
    0x4042bbcea738201f, 0x4015b05b05b05b06, 0x4047da36452b75e3, 0x401ba1ba1ba1ba1c,
    0x3ff0000000000000, 0x0000000000000000, 0x4000000000000000, 0x0000000000000000,
    0x0000000000000000, 0x0000000000000000, 0xbf33eaf94f48b8d3, 0x0000000000000000,
    0x3f20b8ea0cf7586f, 0x0000000000000000, 0xbf0abaf3d0258911, 0xbfab5a8c23e49fe9,
    0x3ef60d152d53222e, 0x3fa172b221169451, 0xbee1d3b5bb254dbc, 0xbf84c7dbdbf93b8e,
    0x3ecd336405b4630b, 0x3f743924ee9aada7, 0xbeb7b7b9794a8297, 0xbf5d41f5e015f797,
    0x3ea35dfbe41a4a56, 0x3f49a2abe4c2a251, 0xbfce49ce5af9e000, 0x3d1eb8608c743719,
    0x0000000000000000, 0x3fd782941b4863cf, 0x3ff0000000000000, 0xfffffff800000000,
    0xbf2b9320535ad890, 0x0000000000000000, 0x3f16d61d018fdf1f, 0x0000000000000000,
    0xbf0139e40359f1be, 0xbfa67e17a4317c6d, 0x3eebb40582672d0f, 0x3f9f455b2f1b621e,
    0xbed5531751ccf238, 0xbf804beef437b9ac, 0x3ec0e993c791a2b5, 0x3f7080c2919a1db2,
    0xbeaa48a2336a5b0e, 0xbf55a4430a268358, 0x3e94b61fdfd978e4, 0x3f431806d7767a58,
    0xbfc9bbe82aea0000, 0xbd3a23697723ea61, 0x0000000000000000, 0x3fd6e642df7796ff,
    0x3ff0000000000000, 0xfffffff800000000, 0xbf231c78b9ff07ce, 0x0000000000000000,
    0x3f0ff0e0a5517182, 0x0000000000000000, 0xbef66191790b4cbc, 0xbfa21ac0848a46c6,
    0x3ee1d3ecb16435fa, 0x3f9c71ea2a1aa832, 0xbec9dd1afdd299ef, 0xbf7933633f8dbaaf,
    0x3eb415d6309fc6ea, 0x3f6b83babee60471, 0xbe9dae1194a0a697, 0xbf4fd07b3e5c67b3,
    0x3e86bd759a8f3e3e, 0x3f3d1eb1a4beb7a4, 0xbfc549ce29cfc000, 0xbd397b33bf159358,
    0x0000000000000000, 0x3fd666f0871fee6c, 0x3ff0000000000000, 0xfffffff800000000,
    0xbf1a39587d98a556, 0x0000000000000000, 0x3f0704c29d88dc01, 0x0000000000000000,
    0xbeed054a73742a2b, 0xbf9c2a1358844587, 0x3ed7a32655688a79, 0x3f9a48f4ee33f1d6,
    0xbebf8939a8dc9888, 0xbf72f746aad4b5b8, 0x3ea88f829102efa1, 0x3f678228dabc29cf,
    0xbe90f4569289afb8, 0xbf46f3a3741fb4ed, 0x3e79b4bfa97f6663, 0x3f36db70ca89ff3f,
    0xbfc0ee13a8a2a000, 0xbd338b9f3da24be1, 0x0000000000000000, 0x3fd601fd11cd6c69,
    0x3ff0000000000000, 0xfffffff800000000, 0xbf116b011a154b97, 0x0000000000000000,
    0x3f0147bf2d427630, 0x0000000000000000, 0xbee264d4b93820c8, 0xbf94ab8cbb6cbb18,
    0x3ed0568b888d4d92, 0x3f98b19b60730f7c, 0xbeb2f950e4b1fb11, 0xbf6b21cd22cf9f74,
    0x3e9f499e4a3ff0a6, 0x3f64aad7fd2b83ce, 0xbe83487c637b73af, 0xbf3fc092e522591a,
    0x3e6e3aaea158e8bc, 0x3f329d2fe5e82ffa, 0xbfb9477fd636a000, 0xbd135ef9c2c2d2bc,
    0x0000000000000000, 0x3fd5b566f2fdb123, 0x3ff0000000000000, 0xfffffff800000000,
    0xbf05448dc41acb64, 0x0000000000000000, 0x3efb7ad2dbb03d6f, 0x0000000000000000,
    0xbed5aea59e42962d, 0xbf8b23982579f8ef, 0x3ec81441288a1ed9, 0x3f979a3ab0198dc5,
    0xbea57cd32fdfe253, 0xbf617caa5766336f, 0x3e954ed6600944c3, 0x3f62c646a4e0aaf8,
    0xbe74e3a36b8fb29c, 0xbf33f952dc4c0409, 0x3e6301ec9bffe365, 0x3f2fc566b8869e44,
    0xbfb0cc62e1e04000, 0xbd119cbc016b907f, 0x0000000000000000, 0x3fd57fb3e6b9d8fa,
    0x3ff0000000000000, 0xfffffff800000000, 0xbef429d75daf22a6, 0x0000000000000000,
    0x3ef7a27d06bca545, 0x0000000000000000, 0xbec41c3e7211c19a, 0xbf7ae3f4956ed53e,
    0x3ec3901bee750e72, 0x3f96f71391d443f5, 0xbe936e0936661e6c, 0xbf5122e8506f9381,
    0x3e9041b9cb6dd43f, 0x3f61b0c76698b2ff, 0xbe625a8a576bf12b, 0xbf23499de5a0e9dc,
    0x3e5b1c2c110384dd, 0x3f2cb89968d43db6, 0xbfa0c4146ecac000, 0x3d13500fcd7dd58c,
    0x0000000000000000, 0x3fd55fe085a2c8fb, 0x3ff0000000000000, 0xfffffff800000000,
    0x0000000000000000, 0x0000000000000000, 0x3ef66a8f2bf70ebe, 0x0000000000000000,
    0x0000000000000000, 0x0000000000000000, 0x3ec22805d644267f, 0x3f96c16c16c16c17,
    0x0000000000000000, 0x0000000000000000, 0x3e8d6db2c4e09162, 0x3f61566abc011567,
    0x0000000000000000, 0x0000000000000000, 0x3e57da4e1f79955c, 0x3f2bbd779334ef0b,
    0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x3fd5555555555555,
    0x3ff0000000000000, 0xfffffff800000000, 0x3ef429d75daf22a6, 0x0000000000000000,
    0x3ef7a27d06bca545, 0x0000000000000000, 0x3ec41c3e7211c19a, 0x3f7ae3f4956ed53e,
    0x3ec3901bee750e72, 0x3f96f71391d443f5, 0x3e936e0936661e6c, 0x3f5122e8506f9381,
    0x3e9041b9cb6dd43f, 0x3f61b0c76698b2ff, 0x3e625a8a576bf12b, 0x3f23499de5a0e9dc,
    0x3e5b1c2c110384dd, 0x3f2cb89968d43db6, 0x3fa0c4146ecac000, 0xbd13500fcd7dd58c,
    0x0000000000000000, 0x3fd55fe085a2c8fb, 0x3ff0000000000000, 0xfffffff800000000,
    0x3f05448dc41acb64, 0x0000000000000000, 0x3efb7ad2dbb03d6f, 0x0000000000000000,
    0x3ed5aea59e42962d, 0x3f8b23982579f8ef, 0x3ec81441288a1ed9, 0x3f979a3ab0198dc5,
    0x3ea57cd32fdfe253, 0x3f617caa5766336f, 0x3e954ed6600944c3, 0x3f62c646a4e0aaf8,
    0x3e74e3a36b8fb29c, 0x3f33f952dc4c0409, 0x3e6301ec9bffe365, 0x3f2fc566b8869e44,
    0x3fb0cc62e1e04000, 0x3d119cbc016b907f, 0x0000000000000000, 0x3fd57fb3e6b9d8fa,
    0x3ff0000000000000, 0xfffffff800000000, 0x3f116b011a154b97, 0x0000000000000000,
    0x3f0147bf2d427630, 0x0000000000000000, 0x3ee264d4b93820c8, 0x3f94ab8cbb6cbb18,
    0x3ed0568b888d4d92, 0x3f98b19b60730f7c, 0x3eb2f950e4b1fb11, 0x3f6b21cd22cf9f74,
    0x3e9f499e4a3ff0a6, 0x3f64aad7fd2b83ce, 0x3e83487c637b73af, 0x3f3fc092e522591a,
    0x3e6e3aaea158e8bc, 0x3f329d2fe5e82ffa, 0x3fb9477fd636a000, 0x3d135ef9c2c2d2bc,
    0x0000000000000000, 0x3fd5b566f2fdb123, 0x3ff0000000000000, 0xfffffff800000000,
    0x3f1a39587d98a556, 0x0000000000000000, 0x3f0704c29d88dc01, 0x0000000000000000,
    0x3eed054a73742a2b, 0x3f9c2a1358844587, 0x3ed7a32655688a79, 0x3f9a48f4ee33f1d6,
    0x3ebf8939a8dc9888, 0x3f72f746aad4b5b8, 0x3ea88f829102efa1, 0x3f678228dabc29cf,
    0x3e90f4569289afb8, 0x3f46f3a3741fb4ed, 0x3e79b4bfa97f6663, 0x3f36db70ca89ff3f,
    0x3fc0ee13a8a2a000, 0x3d338b9f3da24be1, 0x0000000000000000, 0x3fd601fd11cd6c69,
    0x3ff0000000000000, 0xfffffff800000000, 0x3f231c78b9ff07ce, 0x0000000000000000,
    0x3f0ff0e0a5517182, 0x0000000000000000, 0x3ef66191790b4cbc, 0x3fa21ac0848a46c6,
    0x3ee1d3ecb16435fa, 0x3f9c71ea2a1aa832, 0x3ec9dd1afdd299ef, 0x3f7933633f8dbaaf,
    0x3eb415d6309fc6ea, 0x3f6b83babee60471, 0x3e9dae1194a0a697, 0x3f4fd07b3e5c67b3,
    0x3e86bd759a8f3e3e, 0x3f3d1eb1a4beb7a4, 0x3fc549ce29cfc000, 0x3d397b33bf159358,
    0x0000000000000000, 0x3fd666f0871fee6c, 0x3ff0000000000000, 0xfffffff800000000,
    0x3f2b9320535ad890, 0x0000000000000000, 0x3f16d61d018fdf1f, 0x0000000000000000,
    0x3f0139e40359f1be, 0x3fa67e17a4317c6d, 0x3eebb40582672d0f, 0x3f9f455b2f1b621e,
    0x3ed5531751ccf238, 0x3f804beef437b9ac, 0x3ec0e993c791a2b5, 0x3f7080c2919a1db2,
    0x3eaa48a2336a5b0e, 0x3f55a4430a268358, 0x3e94b61fdfd978e4, 0x3f431806d7767a58,
    0x3fc9bbe82aea0000, 0x3d3a23697723ea61, 0x0000000000000000, 0x3fd6e642df7796ff,
    0x3ff0000000000000, 0xfffffff800000000, 0x3f33eaf94f48b8d3, 0x0000000000000000,
    0x3f20b8ea0cf7586f, 0x0000000000000000, 0x3f0abaf3d0258911, 0x3fab5a8c23e49fe9,
    0x3ef60d152d53222e, 0x3fa172b221169451, 0x3ee1d3b5bb254dbc, 0x3f84c7dbdbf93b8e,
    0x3ecd336405b4630b, 0x3f743924ee9aada7, 0x3eb7b7b9794a8297, 0x3f5d41f5e015f797,
    0x3ea35dfbe41a4a56, 0x3f49a2abe4c2a251, 0x3fce49ce5af9e000, 0xbd1eb8608c743719,
    0x0000000000000000, 0x3fd782941b4863cf, 0x3ff0000000000000, 0xfffffff800000000,
    0xc021965965965966, 0x0000000000000000, 0x402664f4882c10fa, 0x0000000000000000,
    0xc02c834283cd3723, 0xc000000000000000, 0x403226e355e6c23d, 0x4005555555555555,
    0xc0371c9634451939, 0xc00aaaaaaaaaaaab, 0x403d6d3d0e157de0, 0x4011111111111111,
    0xc042bbcea738201f, 0xc015b05b05b05b06, 0x4047da36452b75e3, 0x401ba1ba1ba1ba1c,
    0xbff0000000000000, 0x0000000000000000, 0x4000000000000000, 0x0000000000000000,
    0x0000000000000000, 0x0000000000000000, 0xc0085e24c7ab4d5a, 0x0000000000000000,
    0x400b963de93ea75d, 0x0000000000000000, 0xc00f37e294a7f25a, 0xbff5f9844b6261cb,
    0x4011aab05a9dd812, 0x3ffaf5a574c30018, 0xc013fe8b7f2ce8e3, 0xbffd7334fe8e54fa,
    0x4016a10c670d618d, 0x4000e0124db97058, 0xc0199c5f24df44dd, 0xc003006e697d6ece,
    0x401cfc4d83298b82, 0x40058c1919d490d6, 0xbfea43002ae42850, 0x3c7a6db8118e20e6,
    0x4000000000000000, 0xbfd4e526e33345b8, 0x0000000000000000, 0x0000000000000000,
    0xbff2de9c2b2c49d0, 0x0000000000000000, 0x3ff33e582655bc98, 0x0000000000000000,
    0xbff3972eff691fa2, 0xbfeeed87e93463bd, 0x3ff3f5b2070e10a0, 0x3ff20c10f4d790a4,
    0xbff4541aa04e8ea3, 0xbff1369e386accd3, 0x3ff4b521222a66dd, 0x3ff2081722a9777e,
    0xbff5178f52a04a6e, 0xbff22137ddaa0031, 0x3ff57c014447d47c, 0x3ff293111e9c7f1d,
    0xbfe561b82ab7f990, 0xbc87a8c5209c7df1, 0x3ff0000000000000, 0x3fdc92d84170bcc6,
    0x0000000000000000, 0x0000000000000000, 0xbfdff10fcc03e501, 0x0000000000000000,
    0x3fddb63b44a4e845, 0x0000000000000000, 0xbfdb72a43768ad9f, 0xbfe5fdb93dd01cca,
    0x3fd972b2a61d2811, 0x3fe977f95645ad0b, 0xbfd78ca3d013b3ab, 0xbfe4f192bf0bf914,
    0x3fd5d0604d53e730, 0x3fe499333f8b9000, 0xbfd4322ae2b82f08, 0xbfe27ae15936a835,
    0x3fd2b3fbb1c61c9b, 0x3fe1659eef478605, 0xbfe11ab7190834ec, 0x3c8e564bcdb625ea,
    0x3ff0000000000000, 0x3fd248f1b07217e3, 0x0000000000000000, 0x0000000000000000,
    0xbfccfc5656f37042, 0x0000000000000000, 0x3fc90125aa563951, 0x0000000000000000,
    0xbfc505333d0e7c5d, 0xbfdf0ed99bed9b2e, 0x3fc1f2505fe7c47c, 0x3fe2edd996c125e5,
    0xbfbe5c715a02bbd8, 0xbfda08b786362c20, 0x3fb9d3424b4435ed, 0x3fd911bd4b494091,
    0xbfb5e4c7b56658be, 0xbfd3c09293a2fd76, 0x3fb29910da271794, 0x3fd189be3303df2b,
    0xbfda827999fcef32, 0xbc708b2fb68c1467, 0x3ff0000000000000, 0x3fc5f619980c4337,
    0x0000000000000000, 0x0000000000000000, 0xbfbb8ec59314533e, 0x0000000000000000,
    0x3fb6d3f409aa36d0, 0x0000000000000000, 0xbfb13950dcb427fd, 0xbfd5335ed87ab0bb,
    0x3fabb382ce0ae8a5, 0x3fddba4179143126, 0xbfa552f15f2b28d4, 0xbfd015ab59f21a6d,
    0x3fa0e98422c27d95, 0x3fd0576ce19fc6aa, 0xbf9a48988f2c2950, 0xbfc59462c0b3f22c,
    0x3f94b61c1883a4b8, 0x3fc30eb83f838640, 0xbfd36a08355c63dc, 0x3c6d704d1dce993d,
    0x3ff0000000000000, 0x3fb78e922b82ab63, 0x0000000000000000, 0x0000000000000000,
    0xbfaa34075a279ea3, 0x0000000000000000, 0x3fa70153432d65fa, 0x0000000000000000,
    0xbf9d03ef891a4602, 0xbfca77d9d62ca5f8, 0x3f97a265b35f4628, 0x3fd8cf51433258fa,
    0xbf8f88e3b58fd909, 0xbfc2b15401771cea, 0x3f888f57f3562f8e, 0x3fc7370fc028a723,
    0xbf80f44c20b7f9f0, 0xbfb6dfaa214368e9, 0x3f79b4b628891863, 0x3fb6cb8e172dbbf0,
    0xbfc975f5e0553158, 0xbc2ef5d3593fe814, 0x3ff0000000000000, 0x3fa4420303dec550,
    0x0000000000000000, 0x0000000000000000, 0xbf953f834e435f9b, 0x0000000000000000,
    0x3f9b74ea3c6e8e46, 0x0000000000000000, 0xbf85ad63da5b7511, 0xbfb97558dc230b9b,
    0x3f88130826cb3788, 0x3fd62ac976fc4985, 0xbf757c8577bb08ba, 0xbfb1381eb6247521,
    0x3f754e955922170c, 0x3fc27f838746482d, 0xbf64e39111055b30, 0xbfa3e6093e666320,
    0x3f6301df0de9dae3, 0x3fafa8ae1f1dca06, 0xbfb936bb8c5b2da2, 0xbc587d054e88f7a5,
    0x3ff0000000000000, 0x3f83dde2a8935dd9, 0x0000000000000000, 0x0000000000000000,
))

# tan: per interval 0..31, 22 doubles: polynomial pairs (c8|c0 .. c15|c7), T_hi, T_lo, Sigma, T_hl, Tau, Mask
TAN_BLOCK = 22
_TAN_MASK = _TAN_CTABLE.view(np.uint64)[TAN_BLOCK - 1::TAN_BLOCK].copy()   # bits to AND with the reciprocal

_SC_1 = _doubles((0xbfc5555555555555, 0xbfe0000000000000))
_SC_2 = _doubles((0x3f81111111111111, 0x3fa5555555555555))
_SC_3 = _doubles((0xbf2a01a01a01a01a, 0xbf56c16c16c16c17))
_SC_4 = _doubles((0x3ec71de3a556c734, 0x3efa01a01a01a01a))
_P_1, _P_2, _P_3, _PI32INV, _ALL_ONES, _TWO_POW_55, _TWO_POW_M55 = _doubles((
    0x3fb921fb54400000, 0x3d90b4611a600000, 0x3b63198a2e037073, 0x40245f306dc9c883, 0x3fefffffffffffff,
    0x4360000000000000, 0x3c80000000000000))
_T_PI32INV = _doubles((0x3fe45f306dc9c883, 0x40245f306dc9c883))
_T_P_1 = _doubles((0x3fb921fb54444000, 0x3fb921fb54440000))
_T_P_2 = _doubles((0xbd32e7b967674000, 0x3d468c234c4c0000))
_T_P_3 = _doubles((0x3aa8a2e03707344a, 0x3ae98a2e03707345))
_T_QQ_2 = _doubles((0x3d32e7b9676733af,))[0]
_T_MASK_35 = np.int64(-0x40000)     # 0xfffffffffffc0000: keeps the reduced argument's top 35 bits
_T_Q_11, _T_Q_9, _T_Q_7, _T_Q_5, _T_Q_3 = _doubles((0x3f82609ab8fe4d77, 0x3f9664a0bf847a43, 0x3faba1ba52c4c8ab,
                                                    0x3fc1111111092746, 0x3fd5555555555612))
# table offsets of sin and cos, typed so that _sin_cos_main is compiled once (docs/architecture.md, "Compile time")
SIN_QUARTER = I64(0)
COS_QUARTER = I64(16)
SIN_COS_LIMIT = 90112.0   # main path bound (high word 0x40F5FFFF); the stubs' own range
TAN_LIMIT = 12800.0       # main path bound (high word 0x40C8FFFF)


@njit(**NB)
def _sin_cos_main(x, quarter):
    """The stubs' main path: sin(x) for quarter 0, cos(x) = sin(x + pi/2) for quarter 16 (table index + 16).
    Each line is one SSE operation of the stub, in its order (lanes written out)."""
    y = _PI32INV * x + math.copysign(0.5, x)
    n = int(y)                       # cvttsd2si: towards zero
    fn = float(n)
    k = ((n + quarter) & 63) * 4
    c_hl = _SC_CTABLE[k]
    s_hi = _SC_CTABLE[k + 1]
    s_lo = _SC_CTABLE[k + 2]
    sigma = _SC_CTABLE[k + 3]
    p1n = _P_1 * fn
    p2n = _P_2 * fn
    p3n = fn * _P_3
    r1 = x - p1n
    r = r1 - p2n
    m_a = (_SC_4[0] * r1) * r
    m_b = (_SC_4[1] * r1) * r
    r2 = r * r
    minus_d = s_hi * r - (c_hl + sigma)
    minus_c = p3n - ((r1 - r) - p2n)
    p_a = _SC_2[0] * r2
    p_b = _SC_2[1] * r2
    h_a = ((c_hl + sigma) * r) * r2
    h_b = s_hi * r2
    r4 = r2 * r2
    m_a = (m_a + _SC_3[0]) * r4
    m_b = (m_b + _SC_3[1]) * r4
    p_a = p_a + _SC_1[0]
    p_b = p_b + _SC_1[1]
    sigma_r = sigma * r
    res_int = sigma_r + s_hi
    corr = minus_c * minus_d
    c_r = r * c_hl
    res_hi = c_r + res_int
    p_a = (p_a + m_a) * h_a
    p_b = (p_b + m_b) * h_b
    k_1 = (s_hi - res_int) + sigma_r
    k_3 = (res_int - res_hi) + c_r
    res_lo = corr + s_lo
    res_lo = res_lo + k_1
    res_lo = res_lo + k_3
    res_lo = res_lo + p_a
    res_lo = res_lo + p_b
    return res_hi + res_lo


@njit(**NB)
def _high_word(x):
    return (_f2i(x) >> 32) & 0x7FFFFFFF


@njit(**NB)
def sin(x):
    """Math.sin(x) as HotSpot computes it on x86-64 (see the module docstring)."""
    top = _high_word(x) & 0x7FFF0000
    if 0x30300000 <= top <= 0x40F50000:
        return _sin_cos_main(x, SIN_QUARTER)
    if top < 0x30300000:                     # |x| < 2^-252
        if top < 0x00100000:                 # zero or subnormal
            return x * _ALL_ONES
        return _TWO_POW_M55 * (_TWO_POW_55 * x - x)
    if top >= 0x7FF00000:
        return x * -0.0                      # NaN for NaN and infinities, as the stub's
    return math.sin(x)                       # |x| >= 90112: never an angle in a battle


@njit(**NB)
def cos(x):
    """Math.cos(x) as HotSpot computes it on x86-64 (see the module docstring)."""
    top = _high_word(x) & 0x7FFF0000
    if 0x30300000 <= top <= 0x40F50000:
        return _sin_cos_main(x, COS_QUARTER)
    if top < 0x30300000:                     # |x| < 2^-252
        return 1.0 - abs(x)
    if top >= 0x7FF00000:
        return x * -0.0
    return math.cos(x)


@njit(**NB)
def _tan_main(x):
    """The tan stub's main path: the lanes of its SSE registers written out, in its order of operations.
    Lane 0 reduces modulo pi/2 (n4 quadrants) for the reciprocal near the poles, lane 1 modulo pi/32."""
    half = math.copysign(0.5, x)
    y0 = x * _T_PI32INV[0] + half
    y1 = x * _T_PI32INV[1] + half
    n32 = int(y1)
    f0 = float(int(y0)) * 16.0
    f1 = float(n32)
    b = (n32 & 31) * TAN_BLOCK
    m0 = _T_P_1[0] * f0
    m1 = _T_P_1[1] * f1
    rq = _T_QQ_2 * f0
    p20 = _T_P_2[0] * f0
    p21 = _T_P_2[1] * f1
    x0 = x - m0
    x1 = x - m1
    p30 = f0 * _T_P_3[0]
    p31 = f1 * _T_P_3[1]
    rq = _i2f(_f2i(rq + x0) & _T_MASK_35)
    a0 = x0 - p20
    a1 = x1 - p21
    c0 = x0 - a0
    c1 = x1 - a1
    recip = 1.0 / rq
    c0 = c0 - p20
    c1 = c1 - p21
    s0 = a0 - rq
    u0 = _TAN_CTABLE[b + 2] * a1
    u1 = _TAN_CTABLE[b + 3] * a1
    c0 = c0 - p30
    c1 = c1 - p31
    v0 = _TAN_CTABLE[b + 6] * a1
    v1 = _TAN_CTABLE[b + 7] * a1
    w0 = _TAN_CTABLE[b + 12] * a1
    w1 = _TAN_CTABLE[b + 13] * a1
    c0 = c0 + s0
    a2 = a1 * a1
    u0 = u0 + _TAN_CTABLE[b]
    u1 = u1 + _TAN_CTABLE[b + 1]
    v0 = (v0 + _TAN_CTABLE[b + 4]) * a2
    v1 = (v1 + _TAN_CTABLE[b + 5]) * a2
    w0 = w0 + _TAN_CTABLE[b + 10]
    w1 = w1 + _TAN_CTABLE[b + 11]
    u0 = u0 + v0
    u1 = u1 + v1
    w0 = w0 + _TAN_CTABLE[b + 14] * a2
    w1 = w1 + _TAN_CTABLE[b + 15] * a2
    a4 = a2 * a2
    u0 = u0 + _TAN_CTABLE[b + 8] * a4
    u1 = u1 + _TAN_CTABLE[b + 9] * a4
    a5 = a1 * a4
    a8 = a4 * a4
    g0 = a1 * _TAN_CTABLE[b + 18]             # Sigma r
    g1 = a1 * _TAN_CTABLE[b + 19]             # T_hl r
    u0 = u0 + w0 * a5
    u1 = u1 + w1 * a5
    pol = a8 * u0 + u1
    med = g0 + g1
    med_lo = g1 + (g0 - med)
    low = (_TAN_CTABLE[b + 18] + _TAN_CTABLE[b + 19]) * c1
    low = low + _TAN_CTABLE[b + 17]           # T_lo
    low = low + med_lo
    pol = pol + low
    err = c0 * recip
    masked = _i2f(np.int64(_TAN_MASK[n32 & 31]) & _f2i(recip))
    tau = recip * _TAN_CTABLE[b + 20]
    rest = ((1.0 - rq * masked) - err) * tau
    masked = masked - _TAN_CTABLE[b + 16]     # T_hi
    high = med - masked
    masked = masked + high
    pol = pol + (med - masked)
    pol = pol - rest
    return pol + high


@njit(**NB)
def tan(x):
    """Math.tan(x) as HotSpot computes it on x86-64 (see the module docstring)."""
    top = (_high_word(x) >> 16) & 0x7FFF
    if 16314 <= top <= 16584:
        return _tan_main(x)
    if top < 16314:                          # |x| < ~0.1
        if top & 0x7FF0 == 0:
            return x                         # zero or subnormal
        if top < 15904:                      # |x| < 2^-29
            return (x + _TWO_POW_55 * x) * _TWO_POW_M55
        x2 = x * x
        x3 = x * x2
        p = ((((_T_Q_11 * x2 + _T_Q_9) * x2 + _T_Q_7) * x2 + _T_Q_5) * x2 + _T_Q_3) * x3
        return x + p
    if top >= 0x7FF0:
        return x * -0.0
    return math.tan(x)
