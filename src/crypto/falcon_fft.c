/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FFT over C for Falcon, in IEEE-754 binary64.
 *
 * A real polynomial f of degree < n = 2^logn is kept as its values at n/2
 * roots w_j of x^n + 1, one from each conjugate pair:
 *   w_j = exp(i pi (4 rev(j) + 1) / n),  rev = bit reversal over logn - 1 bits,
 * so that w_{2j+1} = -w_{2j} and w_{2j}^2 is root j of the half-size ring.
 * That ordering makes split (f -> f0(x^2) + x f1(x^2)) and merge act on
 * neighbouring values, and the FFT itself is just a recursive merge.
 * Real parts live in f[0..n/2), imaginary parts in f[n/2..n).
 *
 * Every operation is plain +, -, *, / or sqrt on doubles, which IEEE 754
 * rounds correctly, so results are identical on every conforming platform
 * (no libm transcendental is called: the roots come from the table below,
 * each the correctly rounded cos and sin, generated with 60-digit decimal
 * arithmetic).
 */
/*
 * No FMA contraction: results must be the correctly rounded products and sums.
 * GCC ignores this pragma but does not contract in ISO C mode (-std=c11).
 */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include <string.h>

#include "falcon_internal.h"

/* roots[n/4 + j] = w_{2j} for the ring of degree n (4 <= n <= 1024); entry 0 unused. */
static const double roots[512][2] = {
	{ 0.0, 0.0 },
	{ 0x1.6a09e667f3bcdp-1, 0x1.6a09e667f3bcdp-1 },
	{ 0x1.d906bcf328d46p-1, 0x1.87de2a6aea963p-2 },
	{ -0x1.87de2a6aea963p-2, 0x1.d906bcf328d46p-1 },
	{ 0x1.f6297cff75cb0p-1, 0x1.8f8b83c69a60bp-3 },
	{ -0x1.8f8b83c69a60bp-3, 0x1.f6297cff75cb0p-1 },
	{ 0x1.1c73b39ae68c8p-1, 0x1.a9b66290ea1a3p-1 },
	{ -0x1.a9b66290ea1a3p-1, 0x1.1c73b39ae68c8p-1 },
	{ 0x1.fd88da3d12526p-1, 0x1.917a6bc29b42cp-4 },
	{ -0x1.917a6bc29b42cp-4, 0x1.fd88da3d12526p-1 },
	{ 0x1.44cf325091dd6p-1, 0x1.8bc806b151741p-1 },
	{ -0x1.8bc806b151741p-1, 0x1.44cf325091dd6p-1 },
	{ 0x1.c38b2f180bdb1p-1, 0x1.e2b5d3806f63bp-2 },
	{ -0x1.e2b5d3806f63bp-2, 0x1.c38b2f180bdb1p-1 },
	{ 0x1.294062ed59f06p-2, 0x1.e9f4156c62ddap-1 },
	{ -0x1.e9f4156c62ddap-1, 0x1.294062ed59f06p-2 },
	{ 0x1.ff621e3796d7ep-1, 0x1.91f65f10dd814p-5 },
	{ -0x1.91f65f10dd814p-5, 0x1.ff621e3796d7ep-1 },
	{ 0x1.57d69348ceca0p-1, 0x1.7b5df226aafafp-1 },
	{ -0x1.7b5df226aafafp-1, 0x1.57d69348ceca0p-1 },
	{ 0x1.ced7af43cc773p-1, 0x1.b5d1009e15cc0p-2 },
	{ -0x1.b5d1009e15cc0p-2, 0x1.ced7af43cc773p-1 },
	{ 0x1.58f9a75ab1fddp-2, 0x1.e212104f686e5p-1 },
	{ -0x1.e212104f686e5p-1, 0x1.58f9a75ab1fddp-2 },
	{ 0x1.f0a7efb9230d7p-1, 0x1.f19f97b215f1bp-3 },
	{ -0x1.f19f97b215f1bp-3, 0x1.f0a7efb9230d7p-1 },
	{ 0x1.073879922ffeep-1, 0x1.b728345196e3ep-1 },
	{ -0x1.b728345196e3ep-1, 0x1.073879922ffeep-1 },
	{ 0x1.9b3e047f38741p-1, 0x1.30ff7fce17035p-1 },
	{ -0x1.30ff7fce17035p-1, 0x1.9b3e047f38741p-1 },
	{ 0x1.2c8106e8e613ap-3, 0x1.fa7557f08a517p-1 },
	{ -0x1.fa7557f08a517p-1, 0x1.2c8106e8e613ap-3 },
	{ 0x1.ffd886084cd0dp-1, 0x1.92155f7a3667ep-6 },
	{ -0x1.92155f7a3667ep-6, 0x1.ffd886084cd0dp-1 },
	{ 0x1.610b7551d2cdfp-1, 0x1.72d0837efff96p-1 },
	{ -0x1.72d0837efff96p-1, 0x1.610b7551d2cdfp-1 },
	{ 0x1.d4134d14dc93ap-1, 0x1.9ef7943a8ed8ap-2 },
	{ -0x1.9ef7943a8ed8ap-2, 0x1.d4134d14dc93ap-1 },
	{ 0x1.7088530fa459fp-2, 0x1.ddb13b6ccc23cp-1 },
	{ -0x1.ddb13b6ccc23cp-1, 0x1.7088530fa459fp-2 },
	{ 0x1.f38f3ac64e589p-1, 0x1.c0b826a7e4f63p-3 },
	{ -0x1.c0b826a7e4f63p-3, 0x1.f38f3ac64e589p-1 },
	{ 0x1.11eb3541b4b23p-1, 0x1.b090a58150200p-1 },
	{ -0x1.b090a58150200p-1, 0x1.11eb3541b4b23p-1 },
	{ 0x1.a29a7a0462782p-1, 0x1.26d054cdd12dfp-1 },
	{ -0x1.26d054cdd12dfp-1, 0x1.a29a7a0462782p-1 },
	{ 0x1.5e214448b3fc6p-3, 0x1.f8764fa714ba9p-1 },
	{ -0x1.f8764fa714ba9p-1, 0x1.5e214448b3fc6p-3 },
	{ 0x1.fc26470e19fd3p-1, 0x1.f564e56a9730ep-4 },
	{ -0x1.f564e56a9730ep-4, 0x1.fc26470e19fd3p-1 },
	{ 0x1.3affa292050b9p-1, 0x1.93a22499263fbp-1 },
	{ -0x1.93a22499263fbp-1, 0x1.3affa292050b9p-1 },
	{ 0x1.bd7c0ac6f952ap-1, 0x1.f8ba4dbf89abap-2 },
	{ -0x1.f8ba4dbf89abap-2, 0x1.bd7c0ac6f952ap-1 },
	{ 0x1.111d262b1f677p-2, 0x1.ed740e7684963p-1 },
	{ -0x1.ed740e7684963p-1, 0x1.111d262b1f677p-2 },
	{ 0x1.e6288ec48e112p-1, 0x1.4135c94176601p-2 },
	{ -0x1.4135c94176601p-2, 0x1.e6288ec48e112p-1 },
	{ 0x1.cc66e9931c45ep-2, 0x1.c954b213411f5p-1 },
	{ -0x1.c954b213411f5p-1, 0x1.cc66e9931c45ep-2 },
	{ 0x1.83b0e0bff976ep-1, 0x1.4e6cabbe3e5e9p-1 },
	{ -0x1.4e6cabbe3e5e9p-1, 0x1.83b0e0bff976ep-1 },
	{ 0x1.2d52092ce19f6p-4, 0x1.fe9cdad01883ap-1 },
	{ -0x1.fe9cdad01883ap-1, 0x1.2d52092ce19f6p-4 },
	{ 0x1.fff62169b92dbp-1, 0x1.921d1fcdec784p-7 },
	{ -0x1.921d1fcdec784p-7, 0x1.fff62169b92dbp-1 },
	{ 0x1.6591925f0783dp-1, 0x1.6e74454eaa8afp-1 },
	{ -0x1.6e74454eaa8afp-1, 0x1.6591925f0783dp-1 },
	{ 0x1.d696173c9e68bp-1, 0x1.9372a63bc93d7p-2 },
	{ -0x1.9372a63bc93d7p-2, 0x1.d696173c9e68bp-1 },
	{ 0x1.7c3a9311dcce7p-2, 0x1.db6526238a09bp-1 },
	{ -0x1.db6526238a09bp-1, 0x1.7c3a9311dcce7p-2 },
	{ 0x1.f4e603b0b2f2dp-1, 0x1.a82a025b00451p-3 },
	{ -0x1.a82a025b00451p-3, 0x1.f4e603b0b2f2dp-1 },
	{ 0x1.1734d63dedb49p-1, 0x1.ad2bc9e21d511p-1 },
	{ -0x1.ad2bc9e21d511p-1, 0x1.1734d63dedb49p-1 },
	{ 0x1.a63091b02fae2p-1, 0x1.21a799933eb59p-1 },
	{ -0x1.21a799933eb59p-1, 0x1.a63091b02fae2p-1 },
	{ 0x1.76dd9de50bf31p-3, 0x1.f7599a3a12077p-1 },
	{ -0x1.f7599a3a12077p-1, 0x1.76dd9de50bf31p-3 },
	{ 0x1.fce15fd6da67bp-1, 0x1.c3785c79ec2d5p-4 },
	{ -0x1.c3785c79ec2d5p-4, 0x1.fce15fd6da67bp-1 },
	{ 0x1.3fed9534556d4p-1, 0x1.8fbcca3ef940dp-1 },
	{ -0x1.8fbcca3ef940dp-1, 0x1.3fed9534556d4p-1 },
	{ 0x1.c08c426725549p-1, 0x1.edc1952ef78d6p-2 },
	{ -0x1.edc1952ef78d6p-2, 0x1.c08c426725549p-1 },
	{ 0x1.1d3443f4cdb3ep-2, 0x1.ebbd8c8df0b74p-1 },
	{ -0x1.ebbd8c8df0b74p-1, 0x1.1d3443f4cdb3ep-2 },
	{ 0x1.e817bab4cd10dp-1, 0x1.35410c2e18152p-2 },
	{ -0x1.35410c2e18152p-2, 0x1.e817bab4cd10dp-1 },
	{ 0x1.d79775b86e389p-2, 0x1.c678b3488739bp-1 },
	{ -0x1.c678b3488739bp-1, 0x1.d79775b86e389p-2 },
	{ 0x1.87c400fba2ebfp-1, 0x1.49a449b9b0939p-1 },
	{ -0x1.49a449b9b0939p-1, 0x1.87c400fba2ebfp-1 },
	{ 0x1.5f6d00a9aa419p-4, 0x1.fe1cafcbd5b09p-1 },
	{ -0x1.fe1cafcbd5b09p-1, 0x1.5f6d00a9aa419p-4 },
	{ 0x1.ff095658e71adp-1, 0x1.f656e79f820e0p-5 },
	{ -0x1.f656e79f820e0p-5, 0x1.ff095658e71adp-1 },
	{ 0x1.5328292a35596p-1, 0x1.7f8ece3571771p-1 },
	{ -0x1.7f8ece3571771p-1, 0x1.5328292a35596p-1 },
	{ 0x1.cc1f0f3fcfc5cp-1, 0x1.c1249d8011ee7p-2 },
	{ -0x1.c1249d8011ee7p-2, 0x1.cc1f0f3fcfc5cp-1 },
	{ 0x1.4d1e24278e76ap-2, 0x1.e426a4b2bc17ep-1 },
	{ -0x1.e426a4b2bc17ep-1, 0x1.4d1e24278e76ap-2 },
	{ 0x1.ef178a3e473c2p-1, 0x1.04fb80e37fdaep-2 },
	{ -0x1.04fb80e37fdaep-2, 0x1.ef178a3e473c2p-1 },
	{ 0x1.01cfc874c3eb7p-1, 0x1.ba5aa673590d2p-1 },
	{ -0x1.ba5aa673590d2p-1, 0x1.01cfc874c3eb7p-1 },
	{ 0x1.9777ef4c7d742p-1, 0x1.36058b10659f3p-1 },
	{ -0x1.36058b10659f3p-1, 0x1.9777ef4c7d742p-1 },
	{ 0x1.139f0cedaf577p-3, 0x1.fb5797195d741p-1 },
	{ -0x1.fb5797195d741p-1, 0x1.139f0cedaf577p-3 },
	{ 0x1.f97f924c9099bp-1, 0x1.45576b1293e5ap-3 },
	{ -0x1.45576b1293e5ap-3, 0x1.f97f924c9099bp-1 },
	{ 0x1.2bedb25faf3eap-1, 0x1.9ef43ef29af94p-1 },
	{ -0x1.9ef43ef29af94p-1, 0x1.2bedb25faf3eap-1 },
	{ 0x1.b3e4d3ef55712p-1, 0x1.0c9704d5d898fp-1 },
	{ -0x1.0c9704d5d898fp-1, 0x1.b3e4d3ef55712p-1 },
	{ 0x1.d934fe5454311p-3, 0x1.f2252f7763adap-1 },
	{ -0x1.f2252f7763adap-1, 0x1.d934fe5454311p-3 },
	{ 0x1.dfeae622dbe2bp-1, 0x1.64c7ddd3f27c6p-2 },
	{ -0x1.64c7ddd3f27c6p-2, 0x1.dfeae622dbe2bp-1 },
	{ 0x1.aa6c82b6d3fcap-2, 0x1.d17e7743e35dcp-1 },
	{ -0x1.d17e7743e35dcp-1, 0x1.aa6c82b6d3fcap-2 },
	{ 0x1.771e75f037261p-1, 0x1.5c77bbe65018cp-1 },
	{ -0x1.5c77bbe65018cp-1, 0x1.771e75f037261p-1 },
	{ 0x1.2d865759455cdp-5, 0x1.ffa72effef75dp-1 },
	{ -0x1.ffa72effef75dp-1, 0x1.2d865759455cdp-5 },
	{ 0x1.fffd8858e8a92p-1, 0x1.921f0fe670071p-8 },
	{ -0x1.921f0fe670071p-8, 0x1.fffd8858e8a92p-1 },
	{ 0x1.67cf78491af10p-1, 0x1.6c40d73c18275p-1 },
	{ -0x1.6c40d73c18275p-1, 0x1.67cf78491af10p-1 },
	{ 0x1.d7d0b02b8ecf9p-1, 0x1.8daa52ec8a4b0p-2 },
	{ -0x1.8daa52ec8a4b0p-2, 0x1.d7d0b02b8ecf9p-1 },
	{ 0x1.820e3b04eaac4p-2, 0x1.da383a9668988p-1 },
	{ -0x1.da383a9668988p-1, 0x1.820e3b04eaac4p-2 },
	{ 0x1.f58a2b1789e84p-1, 0x1.9bdcbf2dc4366p-3 },
	{ -0x1.9bdcbf2dc4366p-3, 0x1.f58a2b1789e84p-1 },
	{ 0x1.19d5a09f2b9b8p-1, 0x1.ab7325916c0d4p-1 },
	{ -0x1.ab7325916c0d4p-1, 0x1.19d5a09f2b9b8p-1 },
	{ 0x1.a7f58529fe69dp-1, 0x1.1f0f08bbc861bp-1 },
	{ -0x1.1f0f08bbc861bp-1, 0x1.a7f58529fe69dp-1 },
	{ 0x1.83366e89c64c6p-3, 0x1.f6c3f7df5bbb7p-1 },
	{ -0x1.f6c3f7df5bbb7p-1, 0x1.83366e89c64c6p-3 },
	{ 0x1.fd37914220b84p-1, 0x1.aa7b724495c03p-4 },
	{ -0x1.aa7b724495c03p-4, 0x1.fd37914220b84p-1 },
	{ 0x1.425ff178e6bb1p-1, 0x1.8dc45331698ccp-1 },
	{ -0x1.8dc45331698ccp-1, 0x1.425ff178e6bb1p-1 },
	{ 0x1.c20de3fa971b0p-1, 0x1.e83e0eaf85114p-2 },
	{ -0x1.e83e0eaf85114p-2, 0x1.c20de3fa971b0p-1 },
	{ 0x1.233bbabc3bb71p-2, 0x1.eadb2e8e7a88ep-1 },
	{ -0x1.eadb2e8e7a88ep-1, 0x1.233bbabc3bb71p-2 },
	{ 0x1.e9084361df7f2p-1, 0x1.2f422daec0387p-2 },
	{ -0x1.2f422daec0387p-2, 0x1.e9084361df7f2p-1 },
	{ 0x1.dd28f1481cc58p-2, 0x1.c5042012b6907p-1 },
	{ -0x1.c5042012b6907p-1, 0x1.dd28f1481cc58p-2 },
	{ 0x1.89c7e9a4dd4aap-1, 0x1.473b51b987347p-1 },
	{ -0x1.473b51b987347p-1, 0x1.89c7e9a4dd4aap-1 },
	{ 0x1.787586a5d5b21p-4, 0x1.fdd539ff1f456p-1 },
	{ -0x1.fdd539ff1f456p-1, 0x1.787586a5d5b21p-4 },
	{ 0x1.ff3830f8d575cp-1, 0x1.c428d12c0d7e3p-5 },
	{ -0x1.c428d12c0d7e3p-5, 0x1.ff3830f8d575cp-1 },
	{ 0x1.5581038975137p-1, 0x1.7d7836cc33db2p-1 },
	{ -0x1.7d7836cc33db2p-1, 0x1.5581038975137p-1 },
	{ 0x1.cd7d9898b32f6p-1, 0x1.bb7cf2304bd01p-2 },
	{ -0x1.bb7cf2304bd01p-2, 0x1.cd7d9898b32f6p-1 },
	{ 0x1.530d880af3c24p-2, 0x1.e31eae870ce25p-1 },
	{ -0x1.e31eae870ce25p-1, 0x1.530d880af3c24p-2 },
	{ 0x1.efe220c0b95ecp-1, 0x1.fdcdc1adfedf9p-3 },
	{ -0x1.fdcdc1adfedf9p-3, 0x1.efe220c0b95ecp-1 },
	{ 0x1.0485626ae221ap-1, 0x1.b8c38d27504e9p-1 },
	{ -0x1.b8c38d27504e9p-1, 0x1.0485626ae221ap-1 },
	{ 0x1.995cf2ed80d22p-1, 0x1.338400d0c8e57p-1 },
	{ -0x1.338400d0c8e57p-1, 0x1.995cf2ed80d22p-1 },
	{ 0x1.20116d4ec7bcfp-3, 0x1.fae8e8e46cfbbp-1 },
	{ -0x1.fae8e8e46cfbbp-1, 0x1.20116d4ec7bcfp-3 },
	{ 0x1.f9fce55adb2c8p-1, 0x1.38edbb0cd8d14p-3 },
	{ -0x1.38edbb0cd8d14p-3, 0x1.f9fce55adb2c8p-1 },
	{ 0x1.2e780e3e8ea17p-1, 0x1.9d1b1f5ea80d5p-1 },
	{ -0x1.9d1b1f5ea80d5p-1, 0x1.2e780e3e8ea17p-1 },
	{ 0x1.b5889fe921405p-1, 0x1.09e907417c5e1p-1 },
	{ -0x1.09e907417c5e1p-1, 0x1.b5889fe921405p-1 },
	{ 0x1.e56ca1e101a1bp-3, 0x1.f168f53f7205dp-1 },
	{ -0x1.f168f53f7205dp-1, 0x1.e56ca1e101a1bp-3 },
	{ 0x1.e100cca2980acp-1, 0x1.5ee27379ea693p-2 },
	{ -0x1.5ee27379ea693p-2, 0x1.e100cca2980acp-1 },
	{ 0x1.b020d6c7f4009p-2, 0x1.d02d4feb2bd92p-1 },
	{ -0x1.d02d4feb2bd92p-1, 0x1.b020d6c7f4009p-2 },
	{ 0x1.79400574f55e5p-1, 0x1.5a28d2a5d7250p-1 },
	{ -0x1.5a28d2a5d7250p-1, 0x1.79400574f55e5p-1 },
	{ 0x1.5fc00d290cd43p-5, 0x1.ff871dadb81dfp-1 },
	{ -0x1.ff871dadb81dfp-1, 0x1.5fc00d290cd43p-5 },
	{ 0x1.ffc251df1d3f8p-1, 0x1.f693731d1cf01p-6 },
	{ -0x1.f693731d1cf01p-6, 0x1.ffc251df1d3f8p-1 },
	{ 0x1.5ec3495837074p-1, 0x1.74f948da8d28dp-1 },
	{ -0x1.74f948da8d28dp-1, 0x1.5ec3495837074p-1 },
	{ 0x1.d2cb220e0ef9fp-1, 0x1.a4b4127dea1e5p-2 },
	{ -0x1.a4b4127dea1e5p-2, 0x1.d2cb220e0ef9fp-1 },
	{ 0x1.6aa9d7dc77e17p-2, 0x1.ded05f7de47dap-1 },
	{ -0x1.ded05f7de47dap-1, 0x1.6aa9d7dc77e17p-2 },
	{ 0x1.f2dc9c9089a9dp-1, 0x1.ccf8cb312b286p-3 },
	{ -0x1.ccf8cb312b286p-3, 0x1.f2dc9c9089a9dp-1 },
	{ 0x1.0f426bb2a8e7ep-1, 0x1.b23cd470013b4p-1 },
	{ -0x1.b23cd470013b4p-1, 0x1.0f426bb2a8e7ep-1 },
	{ 0x1.a0c95eabaf937p-1, 0x1.2960727629ca8p-1 },
	{ -0x1.2960727629ca8p-1, 0x1.a0c95eabaf937p-1 },
	{ 0x1.51bdf8597c5f2p-3, 0x1.f8fd5ffae41dbp-1 },
	{ -0x1.f8fd5ffae41dbp-1, 0x1.51bdf8597c5f2p-3 },
	{ 0x1.fbc1617e44186p-1, 0x1.072a047ba831dp-3 },
	{ -0x1.072a047ba831dp-3, 0x1.fbc1617e44186p-1 },
	{ 0x1.3884185dfeb22p-1, 0x1.958efe48e6dd7p-1 },
	{ -0x1.958efe48e6dd7p-1, 0x1.3884185dfeb22p-1 },
	{ 0x1.bbed7c49380eap-1, 0x1.fe2f64be71210p-2 },
	{ -0x1.fe2f64be71210p-2, 0x1.bbed7c49380eap-1 },
	{ 0x1.0b0d9cfdbdb90p-2, 0x1.ee482e25a9dbcp-1 },
	{ -0x1.ee482e25a9dbcp-1, 0x1.0b0d9cfdbdb90p-2 },
	{ 0x1.e529f04729ffcp-1, 0x1.472b8a5571054p-2 },
	{ -0x1.472b8a5571054p-2, 0x1.e529f04729ffcp-1 },
	{ 0x1.c6c7f4997000bp-2, 0x1.cabc169a0b900p-1 },
	{ -0x1.cabc169a0b900p-1, 0x1.c6c7f4997000bp-2 },
	{ 0x1.81a1b33b57accp-1, 0x1.50cc09f59a09bp-1 },
	{ -0x1.50cc09f59a09bp-1, 0x1.81a1b33b57accp-1 },
	{ 0x1.1440134d709b3p-4, 0x1.fed58ecb673c4p-1 },
	{ -0x1.fed58ecb673c4p-1, 0x1.1440134d709b3p-4 },
	{ 0x1.fe5f3af2e3940p-1, 0x1.4661179272096p-4 },
	{ -0x1.4661179272096p-4, 0x1.fe5f3af2e3940p-1 },
	{ 0x1.4c0a145ec0004p-1, 0x1.85bc51ae958ccp-1 },
	{ -0x1.85bc51ae958ccp-1, 0x1.4c0a145ec0004p-1 },
	{ 0x1.c7e8e52233cf3p-1, 0x1.d2016e8e9db5bp-2 },
	{ -0x1.d2016e8e9db5bp-2, 0x1.c7e8e52233cf3p-1 },
	{ 0x1.3b3cefa0414b7p-2, 0x1.e7227db6a9744p-1 },
	{ -0x1.e7227db6a9744p-1, 0x1.3b3cefa0414b7p-2 },
	{ 0x1.ec9b2d3c3bf84p-1, 0x1.172a0d7765177p-2 },
	{ -0x1.172a0d7765177p-2, 0x1.ec9b2d3c3bf84p-1 },
	{ 0x1.f3405963fd067p-2, 0x1.bf064e15377ddp-1 },
	{ -0x1.bf064e15377ddp-1, 0x1.f3405963fd067p-2 },
	{ 0x1.91b166fd49da2p-1, 0x1.3d78238c58344p-1 },
	{ -0x1.3d78238c58344p-1, 0x1.91b166fd49da2p-1 },
	{ 0x1.dc70ecbae9fc9p-4, 0x1.fc8646cfeb721p-1 },
	{ -0x1.fc8646cfeb721p-1, 0x1.dc70ecbae9fc9p-4 },
	{ 0x1.f7ea629e63d6ep-1, 0x1.6a81304f64ab2p-3 },
	{ -0x1.6a81304f64ab2p-3, 0x1.f7ea629e63d6ep-1 },
	{ 0x1.243d5fb98ac1fp-1, 0x1.a4678c8119ac8p-1 },
	{ -0x1.a4678c8119ac8p-1, 0x1.243d5fb98ac1fp-1 },
	{ 0x1.aee04b43c1474p-1, 0x1.14915af336cebp-1 },
	{ -0x1.14915af336cebp-1, 0x1.aee04b43c1474p-1 },
	{ 0x1.b4732ef3d6722p-3, 0x1.f43d085ff92ddp-1 },
	{ -0x1.f43d085ff92ddp-1, 0x1.b4732ef3d6722p-3 },
	{ 0x1.dc8d7cb410260p-1, 0x1.766340f2418f6p-2 },
	{ -0x1.766340f2418f6p-2, 0x1.dc8d7cb410260p-1 },
	{ 0x1.993716141bdffp-2, 0x1.d556f52e93eb1p-1 },
	{ -0x1.d556f52e93eb1p-1, 0x1.993716141bdffp-2 },
	{ 0x1.70a42b3176d7ap-1, 0x1.63503a31c1be9p-1 },
	{ -0x1.63503a31c1be9p-1, 0x1.70a42b3176d7ap-1 },
	{ 0x1.2d936bbe30efdp-6, 0x1.ffe9cb44b51a1p-1 },
	{ -0x1.ffe9cb44b51a1p-1, 0x1.2d936bbe30efdp-6 },
	{ 0x1.ffff621621d02p-1, 0x1.921f8becca4bap-9 },
	{ -0x1.921f8becca4bap-9, 0x1.ffff621621d02p-1 },
	{ 0x1.68ed1eaa19c71p-1, 0x1.6b25ced2fe29cp-1 },
	{ -0x1.6b25ced2fe29cp-1, 0x1.68ed1eaa19c71p-1 },
	{ 0x1.d86c48445a44fp-1, 0x1.8ac4b86d5ed44p-2 },
	{ -0x1.8ac4b86d5ed44p-2, 0x1.d86c48445a44fp-1 },
	{ 0x1.84f6aaaf3903fp-2, 0x1.d9a00dd8b3d46p-1 },
	{ -0x1.d9a00dd8b3d46p-1, 0x1.84f6aaaf3903fp-2 },
	{ 0x1.f5da6ed43685dp-1, 0x1.95b49e9b62afap-3 },
	{ -0x1.95b49e9b62afap-3, 0x1.f5da6ed43685dp-1 },
	{ 0x1.1b250171373bfp-1, 0x1.aa9547a2cb98ep-1 },
	{ -0x1.aa9547a2cb98ep-1, 0x1.1b250171373bfp-1 },
	{ 0x1.a8d676e545ad2p-1, 0x1.1dc1b64dc4872p-1 },
	{ -0x1.1dc1b64dc4872p-1, 0x1.a8d676e545ad2p-1 },
	{ 0x1.8961727c41804p-3, 0x1.f677556883ceep-1 },
	{ -0x1.f677556883ceep-1, 0x1.8961727c41804p-3 },
	{ 0x1.fd60d2da75c9ep-1, 0x1.9dfb6eb24a85cp-4 },
	{ -0x1.9dfb6eb24a85cp-4, 0x1.fd60d2da75c9ep-1 },
	{ 0x1.4397f5b2a4380p-1, 0x1.8cc6a75184655p-1 },
	{ -0x1.8cc6a75184655p-1, 0x1.4397f5b2a4380p-1 },
	{ 0x1.c2cd14931e3f1p-1, 0x1.e57a86d3cd825p-2 },
	{ -0x1.e57a86d3cd825p-2, 0x1.c2cd14931e3f1p-1 },
	{ 0x1.263e6995554bap-2, 0x1.ea68393e65800p-1 },
	{ -0x1.ea68393e65800p-1, 0x1.263e6995554bap-2 },
	{ 0x1.e97ec36016b30p-1, 0x1.2c41a4e954520p-2 },
	{ -0x1.2c41a4e954520p-2, 0x1.e97ec36016b30p-1 },
	{ 0x1.dfeff66a941dep-2, 0x1.c44833141c004p-1 },
	{ -0x1.c44833141c004p-1, 0x1.dfeff66a941dep-2 },
	{ 0x1.8ac871ede1d88p-1, 0x1.4605a692b32a2p-1 },
	{ -0x1.4605a692b32a2p-1, 0x1.8ac871ede1d88p-1 },
	{ 0x1.84f8712c130a1p-4, 0x1.fdafa7514538cp-1 },
	{ -0x1.fdafa7514538cp-1, 0x1.84f8712c130a1p-4 },
	{ 0x1.ff4dc54b1bed3p-1, 0x1.ab101bd5f8317p-5 },
	{ -0x1.ab101bd5f8317p-5, 0x1.ff4dc54b1bed3p-1 },
	{ 0x1.56ac35197649fp-1, 0x1.7c6b89ce2d333p-1 },
	{ -0x1.7c6b89ce2d333p-1, 0x1.56ac35197649fp-1 },
	{ 0x1.ce2b32799a060p-1, 0x1.b8a7814fd5693p-2 },
	{ -0x1.b8a7814fd5693p-2, 0x1.ce2b32799a060p-1 },
	{ 0x1.5604012f467b4p-2, 0x1.e298f4439197ap-1 },
	{ -0x1.e298f4439197ap-1, 0x1.5604012f467b4p-2 },
	{ 0x1.f045a14cf738cp-1, 0x1.f7b7480bd3802p-3 },
	{ -0x1.f7b7480bd3802p-3, 0x1.f045a14cf738cp-1 },
	{ 0x1.05df3ec31b8b7p-1, 0x1.b7f6686e792e9p-1 },
	{ -0x1.b7f6686e792e9p-1, 0x1.05df3ec31b8b7p-1 },
	{ 0x1.9a4dfa42b06b2p-1, 0x1.32421ec49a61fp-1 },
	{ -0x1.32421ec49a61fp-1, 0x1.9a4dfa42b06b2p-1 },
	{ 0x1.264994dfd3409p-3, 0x1.faafbcb0cfddcp-1 },
	{ -0x1.faafbcb0cfddcp-1, 0x1.264994dfd3409p-3 },
	{ 0x1.fa39bac7a1791p-1, 0x1.32b7bf94516a7p-3 },
	{ -0x1.32b7bf94516a7p-3, 0x1.fa39bac7a1791p-1 },
	{ 0x1.2fbc24b441015p-1, 0x1.9c2d110f075c2p-1 },
	{ -0x1.9c2d110f075c2p-1, 0x1.2fbc24b441015p-1 },
	{ 0x1.b658f14fdbc47p-1, 0x1.089112032b08cp-1 },
	{ -0x1.089112032b08cp-1, 0x1.b658f14fdbc47p-1 },
	{ 0x1.eb86b462de348p-3, 0x1.f1090bc898f5fp-1 },
	{ -0x1.f1090bc898f5fp-1, 0x1.eb86b462de348p-3 },
	{ 0x1.e18a02fdc66d9p-1, 0x1.5bee78b9db3b6p-2 },
	{ -0x1.5bee78b9db3b6p-2, 0x1.e18a02fdc66d9p-1 },
	{ 0x1.b2f971db31972p-2, 0x1.cf830e8ce467bp-1 },
	{ -0x1.cf830e8ce467bp-1, 0x1.b2f971db31972p-2 },
	{ 0x1.7a4f707bf97d2p-1, 0x1.59001d5f723dfp-1 },
	{ -0x1.59001d5f723dfp-1, 0x1.7a4f707bf97d2p-1 },
	{ 0x1.78dbaa5874686p-5, 0x1.ff753bb1b9164p-1 },
	{ -0x1.ff753bb1b9164p-1, 0x1.78dbaa5874686p-5 },
	{ 0x1.ffce09ce2a679p-1, 0x1.c454f4ce53b1dp-6 },
	{ -0x1.c454f4ce53b1dp-6, 0x1.ffce09ce2a679p-1 },
	{ 0x1.5fe7cbde56a10p-1, 0x1.73e558e079942p-1 },
	{ -0x1.73e558e079942p-1, 0x1.5fe7cbde56a10p-1 },
	{ 0x1.d36fc7bcbfbdcp-1, 0x1.a1d6543b50ac0p-2 },
	{ -0x1.a1d6543b50ac0p-2, 0x1.d36fc7bcbfbdcp-1 },
	{ 0x1.6d998638a0cb6p-2, 0x1.de4160f6d8d81p-1 },
	{ -0x1.de4160f6d8d81p-1, 0x1.6d998638a0cb6p-2 },
	{ 0x1.f33685a3aaef0p-1, 0x1.c6d90535d74ddp-3 },
	{ -0x1.c6d90535d74ddp-3, 0x1.f33685a3aaef0p-1 },
	{ 0x1.1097248d0a957p-1, 0x1.b16742a4ca2f5p-1 },
	{ -0x1.b16742a4ca2f5p-1, 0x1.1097248d0a957p-1 },
	{ 0x1.a1b26d2c0a75ep-1, 0x1.2818bef4d3cbap-1 },
	{ -0x1.2818bef4d3cbap-1, 0x1.a1b26d2c0a75ep-1 },
	{ 0x1.57f008654cbdep-3, 0x1.f8ba737cb4b78p-1 },
	{ -0x1.f8ba737cb4b78p-1, 0x1.57f008654cbdep-3 },
	{ 0x1.fbf470f0a8d88p-1, 0x1.00ee8ad6fb85bp-3 },
	{ -0x1.00ee8ad6fb85bp-3, 0x1.fbf470f0a8d88p-1 },
	{ 0x1.39c23e3d63029p-1, 0x1.94990e3ac4a6cp-1 },
	{ -0x1.94990e3ac4a6cp-1, 0x1.39c23e3d63029p-1 },
	{ 0x1.bcb54cb0d2327p-1, 0x1.fb7575c24d2dep-2 },
	{ -0x1.fb7575c24d2dep-2, 0x1.bcb54cb0d2327p-1 },
	{ 0x1.0e15b4e1749cep-2, 0x1.eddeb6a078651p-1 },
	{ -0x1.eddeb6a078651p-1, 0x1.0e15b4e1749cep-2 },
	{ 0x1.e5a9d550467d3p-1, 0x1.44310dc8936f0p-2 },
	{ -0x1.44310dc8936f0p-2, 0x1.e5a9d550467d3p-1 },
	{ 0x1.c997fc3865389p-2, 0x1.ca08f19b9c449p-1 },
	{ -0x1.ca08f19b9c449p-1, 0x1.c997fc3865389p-2 },
	{ 0x1.82a9c13f545ffp-1, 0x1.4f9cc25cca486p-1 },
	{ -0x1.4f9cc25cca486p-1, 0x1.82a9c13f545ffp-1 },
	{ 0x1.20c9674ed444dp-4, 0x1.feb9d2530410fp-1 },
	{ -0x1.feb9d2530410fp-1, 0x1.20c9674ed444dp-4 },
	{ 0x1.fe7ea85482d60p-1, 0x1.39d9f12c5a299p-4 },
	{ -0x1.39d9f12c5a299p-4, 0x1.fe7ea85482d60p-1 },
	{ 0x1.4d3bc6d589f7fp-1, 0x1.84b7111af83fap-1 },
	{ -0x1.84b7111af83fap-1, 0x1.4d3bc6d589f7fp-1 },
	{ 0x1.c89f587029c13p-1, 0x1.cf34baee1cd21p-2 },
	{ -0x1.cf34baee1cd21p-2, 0x1.c89f587029c13p-1 },
	{ 0x1.3e39be96ec271p-2, 0x1.e6a61c55d53a7p-1 },
	{ -0x1.e6a61c55d53a7p-1, 0x1.3e39be96ec271p-2 },
	{ 0x1.ed0835e999009p-1, 0x1.1423eefc69378p-2 },
	{ -0x1.1423eefc69378p-2, 0x1.ed0835e999009p-1 },
	{ 0x1.f5fdee656cda3p-2, 0x1.be41b611154c1p-1 },
	{ -0x1.be41b611154c1p-1, 0x1.f5fdee656cda3p-2 },
	{ 0x1.92aa41fc5a815p-1, 0x1.3c3c44981c518p-1 },
	{ -0x1.3c3c44981c518p-1, 0x1.92aa41fc5a815p-1 },
	{ 0x1.e8eb7fde4aa3fp-4, 0x1.fc56e3b7d9af6p-1 },
	{ -0x1.fc56e3b7d9af6p-1, 0x1.e8eb7fde4aa3fp-4 },
	{ 0x1.f830f4a40c60cp-1, 0x1.6451a831d830dp-3 },
	{ -0x1.6451a831d830dp-3, 0x1.f830f4a40c60cp-1 },
	{ 0x1.258734cbb7110p-1, 0x1.a38184a593bc6p-1 },
	{ -0x1.a38184a593bc6p-1, 0x1.258734cbb7110p-1 },
	{ 0x1.afb8fd89f57b6p-1, 0x1.133e9cfee254fp-1 },
	{ -0x1.133e9cfee254fp-1, 0x1.afb8fd89f57b6p-1 },
	{ 0x1.ba96334f15dadp-3, 0x1.f3e6bbc1bbc65p-1 },
	{ -0x1.f3e6bbc1bbc65p-1, 0x1.ba96334f15dadp-3 },
	{ 0x1.dd1fef38a915ap-1, 0x1.73763c9261092p-2 },
	{ -0x1.73763c9261092p-2, 0x1.dd1fef38a915ap-1 },
	{ 0x1.9c17d440df9f2p-2, 0x1.d4b5b1b187524p-1 },
	{ -0x1.d4b5b1b187524p-1, 0x1.9c17d440df9f2p-2 },
	{ 0x1.71bac960e41bfp-1, 0x1.622e44fec22ffp-1 },
	{ -0x1.622e44fec22ffp-1, 0x1.71bac960e41bfp-1 },
	{ 0x1.5fd4d21fab226p-6, 0x1.ffe1c6870cb77p-1 },
	{ -0x1.ffe1c6870cb77p-1, 0x1.5fd4d21fab226p-6 },
	{ 0x1.fff0943c53bd1p-1, 0x1.f6a296ab997cbp-7 },
	{ -0x1.f6a296ab997cbp-7, 0x1.fff0943c53bd1p-1 },
	{ 0x1.64715437f535bp-1, 0x1.6f8ca99c95b75p-1 },
	{ -0x1.6f8ca99c95b75p-1, 0x1.64715437f535bp-1 },
	{ 0x1.d5f7172888a7fp-1, 0x1.96555b7ab948fp-2 },
	{ -0x1.96555b7ab948fp-2, 0x1.d5f7172888a7fp-1 },
	{ 0x1.794f5e613dfaep-2, 0x1.dbf9e4395759ap-1 },
	{ -0x1.dbf9e4395759ap-1, 0x1.794f5e613dfaep-2 },
	{ 0x1.f492206bcabb4p-1, 0x1.ae4f1d5f3b9abp-3 },
	{ -0x1.ae4f1d5f3b9abp-3, 0x1.f492206bcabb4p-1 },
	{ 0x1.15e36e4dbe2bcp-1, 0x1.ae068f345ecefp-1 },
	{ -0x1.ae068f345ecefp-1, 0x1.15e36e4dbe2bcp-1 },
	{ 0x1.a54c91090f523p-1, 0x1.22f2d662c13e2p-1 },
	{ -0x1.22f2d662c13e2p-1, 0x1.a54c91090f523p-1 },
	{ 0x1.70afd8d08c4ffp-3, 0x1.f7a299c1a322ap-1 },
	{ -0x1.f7a299c1a322ap-1, 0x1.70afd8d08c4ffp-3 },
	{ 0x1.fcb4703914354p-1, 0x1.cff533b307dc1p-4 },
	{ -0x1.cff533b307dc1p-4, 0x1.fcb4703914354p-1 },
	{ 0x1.3eb33eabe0680p-1, 0x1.90b7943575efep-1 },
	{ -0x1.90b7943575efep-1, 0x1.3eb33eabe0680p-1 },
	{ 0x1.bfc9d25a1b147p-1, 0x1.f081906bff7fep-2 },
	{ -0x1.f081906bff7fep-2, 0x1.bfc9d25a1b147p-1 },
	{ 0x1.1a2f7fbe8f243p-2, 0x1.ec2cf4b1af6b2p-1 },
	{ -0x1.ec2cf4b1af6b2p-1, 0x1.1a2f7fbe8f243p-2 },
	{ 0x1.e79db29a5165ap-1, 0x1.383f5e353b6abp-2 },
	{ -0x1.383f5e353b6abp-2, 0x1.e79db29a5165ap-1 },
	{ 0x1.d4cd02ba8609dp-2, 0x1.c7315899eaad7p-1 },
	{ -0x1.c7315899eaad7p-1, 0x1.d4cd02ba8609dp-2 },
	{ 0x1.86c0a1d9aa195p-1, 0x1.4ad79516722f1p-1 },
	{ -0x1.4ad79516722f1p-1, 0x1.86c0a1d9aa195p-1 },
	{ 0x1.52e774a4d4d0ap-4, 0x1.fe3e92be9d886p-1 },
	{ -0x1.fe3e92be9d886p-1, 0x1.52e774a4d4d0ap-4 },
	{ 0x1.fef0102826191p-1, 0x1.07b614e463064p-4 },
	{ -0x1.07b614e463064p-4, 0x1.fef0102826191p-1 },
	{ 0x1.51fa81cd99aa6p-1, 0x1.8098b756e52fap-1 },
	{ -0x1.8098b756e52fap-1, 0x1.51fa81cd99aa6p-1 },
	{ 0x1.cb6e20a00da99p-1, 0x1.c3f6d47263129p-2 },
	{ -0x1.c3f6d47263129p-2, 0x1.cb6e20a00da99p-1 },
	{ 0x1.4a253d11b82f3p-2, 0x1.e4a8dff81ce5ep-1 },
	{ -0x1.e4a8dff81ce5ep-1, 0x1.4a253d11b82f3p-2 },
	{ 0x1.eeb074c50a544p-1, 0x1.0804e05eb661ep-2 },
	{ -0x1.0804e05eb661ep-2, 0x1.eeb074c50a544p-1 },
	{ 0x1.00740c82b82e1p-1, 0x1.bb249a0b6c40dp-1 },
	{ -0x1.bb249a0b6c40dp-1, 0x1.00740c82b82e1p-1 },
	{ 0x1.9683f42bd7fe1p-1, 0x1.374531b817f8dp-1 },
	{ -0x1.374531b817f8dp-1, 0x1.9683f42bd7fe1p-1 },
	{ 0x1.0d64dbcb26786p-3, 0x1.fb8d18d66adb7p-1 },
	{ -0x1.fb8d18d66adb7p-1, 0x1.0d64dbcb26786p-3 },
	{ 0x1.f93f14f85ac08p-1, 0x1.4b8b17f79fa88p-3 },
	{ -0x1.4b8b17f79fa88p-3, 0x1.f93f14f85ac08p-1 },
	{ 0x1.2aa76e87aeb58p-1, 0x1.9fdf4f13149dep-1 },
	{ -0x1.9fdf4f13149dep-1, 0x1.2aa76e87aeb58p-1 },
	{ 0x1.b3115a5f37bf3p-1, 0x1.0ded0b84bc4b6p-1 },
	{ -0x1.0ded0b84bc4b6p-1, 0x1.b3115a5f37bf3p-1 },
	{ 0x1.d31774d2cbdeep-3, 0x1.f2817fc4609cep-1 },
	{ -0x1.f2817fc4609cep-1, 0x1.d31774d2cbdeep-3 },
	{ 0x1.df5e36a9ba59cp-1, 0x1.67b949cad63cbp-2 },
	{ -0x1.67b949cad63cbp-2, 0x1.df5e36a9ba59cp-1 },
	{ 0x1.a790cd3dbf31bp-2, 0x1.d2255c6e5a4e1p-1 },
	{ -0x1.d2255c6e5a4e1p-1, 0x1.a790cd3dbf31bp-2 },
	{ 0x1.760c52c304764p-1, 0x1.5d9dee73e345cp-1 },
	{ -0x1.5d9dee73e345cp-1, 0x1.760c52c304764p-1 },
	{ 0x1.14685db42c17fp-5, 0x1.ffb55e425fdaep-1 },
	{ -0x1.ffb55e425fdaep-1, 0x1.14685db42c17fp-5 },
	{ 0x1.ff97c4208c014p-1, 0x1.46a396ff86179p-5 },
	{ -0x1.46a396ff86179p-5, 0x1.ff97c4208c014p-1 },
	{ 0x1.5b50b264f7448p-1, 0x1.782fb1b90b35bp-1 },
	{ -0x1.782fb1b90b35bp-1, 0x1.5b50b264f7448p-1 },
	{ 0x1.d0d672f59d2b9p-1, 0x1.ad473125cdc09p-2 },
	{ -0x1.ad473125cdc09p-2, 0x1.d0d672f59d2b9p-1 },
	{ 0x1.61d595c88c202p-2, 0x1.e0766d9280f54p-1 },
	{ -0x1.e0766d9280f54p-1, 0x1.61d595c88c202p-2 },
	{ 0x1.f1c7abe284708p-1, 0x1.df5163f01099ap-3 },
	{ -0x1.df5163f01099ap-3, 0x1.f1c7abe284708p-1 },
	{ 0x1.0b405878f85ecp-1, 0x1.b4b7409de7925p-1 },
	{ -0x1.b4b7409de7925p-1, 0x1.0b405878f85ecp-1 },
	{ 0x1.9e082edb42472p-1, 0x1.2d333d34e9bb8p-1 },
	{ -0x1.2d333d34e9bb8p-1, 0x1.9e082edb42472p-1 },
	{ 0x1.3f22f57db4893p-3, 0x1.f9bed7cfbde29p-1 },
	{ -0x1.f9bed7cfbde29p-1, 0x1.3f22f57db4893p-3 },
	{ 0x1.fb20dc681d54dp-1, 0x1.19d8940be24e7p-3 },
	{ -0x1.19d8940be24e7p-3, 0x1.fb20dc681d54dp-1 },
	{ 0x1.34c5252c14de1p-1, 0x1.986aef1457594p-1 },
	{ -0x1.986aef1457594p-1, 0x1.34c5252c14de1p-1 },
	{ 0x1.b98fa1fd9155ep-1, 0x1.032ae55edbd96p-1 },
	{ -0x1.032ae55edbd96p-1, 0x1.b98fa1fd9155ep-1 },
	{ 0x1.01f1806b9fdd2p-2, 0x1.ef7d6e51ca3c0p-1 },
	{ -0x1.ef7d6e51ca3c0p-1, 0x1.01f1806b9fdd2p-2 },
	{ 0x1.e3a33ec75ce85p-1, 0x1.50163dc197048p-2 },
	{ -0x1.50163dc197048p-2, 0x1.e3a33ec75ce85p-1 },
	{ 0x1.be51517ffc0d9p-2, 0x1.cccee20c2dea0p-1 },
	{ -0x1.cccee20c2dea0p-1, 0x1.be51517ffc0d9p-2 },
	{ 0x1.7e83f87b03686p-1, 0x1.5454ff5159dfcp-1 },
	{ -0x1.5454ff5159dfcp-1, 0x1.7e83f87b03686p-1 },
	{ 0x1.dd406f9808ec9p-5, 0x1.ff21614e131edp-1 },
	{ -0x1.ff21614e131edp-1, 0x1.dd406f9808ec9p-5 },
	{ 0x1.fdf9922f73307p-1, 0x1.6bf1b3e79b129p-4 },
	{ -0x1.6bf1b3e79b129p-4, 0x1.fdf9922f73307p-1 },
	{ 0x1.48703306091ffp-1, 0x1.88c66e7481ba1p-1 },
	{ -0x1.88c66e7481ba1p-1, 0x1.48703306091ffp-1 },
	{ 0x1.c5bef59fef85ap-1, 0x1.da60c5cfa10d9p-2 },
	{ -0x1.da60c5cfa10d9p-2, 0x1.c5bef59fef85ap-1 },
	{ 0x1.3241fb638baafp-2, 0x1.e89095bad6025p-1 },
	{ -0x1.e89095bad6025p-1, 0x1.3241fb638baafp-2 },
	{ 0x1.eb4cf515b8811p-1, 0x1.2038583d727bep-2 },
	{ -0x1.2038583d727bep-2, 0x1.eb4cf515b8811p-1 },
	{ 0x1.eb00695f25620p-2, 0x1.c14d9dc465e57p-1 },
	{ -0x1.c14d9dc465e57p-1, 0x1.eb00695f25620p-2 },
	{ 0x1.8ec109b486c49p-1, 0x1.41272663d108cp-1 },
	{ -0x1.41272663d108cp-1, 0x1.8ec109b486c49p-1 },
	{ 0x1.b6fa6ec38f64cp-4, 0x1.fd0d158d86087p-1 },
	{ -0x1.fd0d158d86087p-1, 0x1.b6fa6ec38f64cp-4 },
	{ 0x1.f70f6434b7eb7p-1, 0x1.7d0a7bbd2cb1cp-3 },
	{ -0x1.7d0a7bbd2cb1cp-3, 0x1.f70f6434b7eb7p-1 },
	{ 0x1.205baa17560d6p-1, 0x1.a7138de9d60f5p-1 },
	{ -0x1.a7138de9d60f5p-1, 0x1.205baa17560d6p-1 },
	{ 0x1.ac4ffbd3efac8p-1, 0x1.188591f3a46e5p-1 },
	{ -0x1.188591f3a46e5p-1, 0x1.ac4ffbd3efac8p-1 },
	{ 0x1.a203e1b1831dap-3, 0x1.f538b1faf2d07p-1 },
	{ -0x1.f538b1faf2d07p-1, 0x1.a203e1b1831dap-3 },
	{ 0x1.dacf42ce68ab9p-1, 0x1.7f24dd37341e4p-2 },
	{ -0x1.7f24dd37341e4p-2, 0x1.dacf42ce68ab9p-1 },
	{ 0x1.908ef81ef7bd1p-2, 0x1.d733f508c0dffp-1 },
	{ -0x1.d733f508c0dffp-1, 0x1.908ef81ef7bd1p-2 },
	{ 0x1.6d5afef4aafcdp-1, 0x1.66b0f3f52b386p-1 },
	{ -0x1.66b0f3f52b386p-1, 0x1.6d5afef4aafcdp-1 },
	{ 0x1.2d96b0e509703p-7, 0x1.fffa72c978c4fp-1 },
	{ -0x1.fffa72c978c4fp-1, 0x1.2d96b0e509703p-7 },
};

void falcon_merge_fft(double *f, const double *f0, const double *f1, unsigned logn)
{
	size_t n = (size_t)1 << logn, hn = n >> 1, qn = n >> 2;

	if (logn == 1) {
		f[0] = f0[0];
		f[1] = f1[0];
		return;
	}
	for (size_t j = 0; j < qn; j++) {
		double a_re = f0[j], a_im = f0[j + qn];
		double c_re = f1[j], c_im = f1[j + qn];
		double w_re = roots[qn + j][0], w_im = roots[qn + j][1];
		double b_re = c_re * w_re - c_im * w_im;
		double b_im = c_re * w_im + c_im * w_re;

		f[2 * j] = a_re + b_re;
		f[2 * j + hn] = a_im + b_im;
		f[2 * j + 1] = a_re - b_re;
		f[2 * j + 1 + hn] = a_im - b_im;
	}
}

void falcon_split_fft(double *f0, double *f1, const double *f, unsigned logn)
{
	size_t n = (size_t)1 << logn, hn = n >> 1, qn = n >> 2;

	if (logn == 1) {
		f0[0] = f[0];
		f1[0] = f[1];
		return;
	}
	for (size_t j = 0; j < qn; j++) {
		double a_re = f[2 * j], a_im = f[2 * j + hn];
		double b_re = f[2 * j + 1], b_im = f[2 * j + 1 + hn];
		double w_re = roots[qn + j][0], w_im = roots[qn + j][1];
		double d_re = a_re - b_re, d_im = a_im - b_im;

		f0[j] = (a_re + b_re) * 0.5;
		f0[j + qn] = (a_im + b_im) * 0.5;
		/* (a - b) / (2 w), and 1/w = conj(w) on the unit circle. */
		f1[j] = (d_re * w_re + d_im * w_im) * 0.5;
		f1[j + qn] = (d_im * w_re - d_re * w_im) * 0.5;
	}
}

void falcon_fft(double *f, unsigned logn, double *tmp)
{
	size_t n = (size_t)1 << logn, hn = n >> 1;

	if (logn <= 1)
		return;
	for (size_t u = 0; u < hn; u++) {
		tmp[u] = f[2 * u];
		tmp[hn + u] = f[2 * u + 1];
	}
	falcon_fft(tmp, logn - 1, f);
	falcon_fft(tmp + hn, logn - 1, f);
	falcon_merge_fft(f, tmp, tmp + hn, logn);
}

void falcon_ifft(double *f, unsigned logn, double *tmp)
{
	size_t n = (size_t)1 << logn, hn = n >> 1;

	if (logn <= 1)
		return;
	falcon_split_fft(tmp, tmp + hn, f, logn);
	falcon_ifft(tmp, logn - 1, f);
	falcon_ifft(tmp + hn, logn - 1, f);
	for (size_t u = 0; u < hn; u++) {
		f[2 * u] = tmp[u];
		f[2 * u + 1] = tmp[hn + u];
	}
}

void falcon_poly_add(double *a, const double *b, unsigned logn)
{
	size_t n = (size_t)1 << logn;

	for (size_t u = 0; u < n; u++)
		a[u] = a[u] + b[u];
}

void falcon_poly_sub(double *a, const double *b, unsigned logn)
{
	size_t n = (size_t)1 << logn;

	for (size_t u = 0; u < n; u++)
		a[u] = a[u] - b[u];
}

void falcon_poly_neg(double *a, unsigned logn)
{
	size_t n = (size_t)1 << logn;

	for (size_t u = 0; u < n; u++)
		a[u] = -a[u];
}

void falcon_poly_adj(double *a, unsigned logn)
{
	size_t n = (size_t)1 << logn;

	for (size_t u = n >> 1; u < n; u++)
		a[u] = -a[u];
}

void falcon_poly_mul(double *a, const double *b, unsigned logn)
{
	size_t hn = (size_t)1 << (logn - 1);

	for (size_t u = 0; u < hn; u++) {
		double a_re = a[u], a_im = a[u + hn], b_re = b[u], b_im = b[u + hn];

		a[u] = a_re * b_re - a_im * b_im;
		a[u + hn] = a_re * b_im + a_im * b_re;
	}
}

void falcon_poly_muladj(double *a, const double *b, unsigned logn)
{
	size_t hn = (size_t)1 << (logn - 1);

	for (size_t u = 0; u < hn; u++) {
		double a_re = a[u], a_im = a[u + hn], b_re = b[u], b_im = -b[u + hn];

		a[u] = a_re * b_re - a_im * b_im;
		a[u + hn] = a_re * b_im + a_im * b_re;
	}
}

void falcon_poly_mulselfadj(double *a, unsigned logn)
{
	size_t hn = (size_t)1 << (logn - 1);

	for (size_t u = 0; u < hn; u++) {
		double a_re = a[u], a_im = a[u + hn];

		a[u] = a_re * a_re + a_im * a_im;
		a[u + hn] = 0.0;
	}
}

void falcon_poly_mulconst(double *a, double c, unsigned logn)
{
	size_t n = (size_t)1 << logn;

	for (size_t u = 0; u < n; u++)
		a[u] = a[u] * c;
}

void falcon_poly_mul_autoadj(double *a, const double *b, unsigned logn)
{
	size_t hn = (size_t)1 << (logn - 1);

	for (size_t u = 0; u < hn; u++) {
		a[u] = a[u] * b[u];
		a[u + hn] = a[u + hn] * b[u];
	}
}

void falcon_poly_invnorm2(double *d, const double *a, const double *b, unsigned logn)
{
	size_t hn = (size_t)1 << (logn - 1);

	for (size_t u = 0; u < hn; u++) {
		double a_re = a[u], a_im = a[u + hn], b_re = b[u], b_im = b[u + hn];

		d[u] = 1.0 / ((a_re * a_re + a_im * a_im) + (b_re * b_re + b_im * b_im));
		d[u + hn] = 0.0;
	}
}

void falcon_poly_ldl(const double *g00, double *g01, double *g11, unsigned logn)
{
	size_t hn = (size_t)1 << (logn - 1);

	for (size_t u = 0; u < hn; u++) {
		double g00_re = g00[u], g00_im = g00[u + hn];
		double g01_re = g01[u], g01_im = g01[u + hn];
		double den = g00_re * g00_re + g00_im * g00_im;
		/* mu = g01 / g00 */
		double mu_re = (g01_re * g00_re + g01_im * g00_im) / den;
		double mu_im = (g01_im * g00_re - g01_re * g00_im) / den;
		/* D11 = g11 - mu * adj(g01);  L10 = adj(mu) */
		double p_re = mu_re * g01_re + mu_im * g01_im;
		double p_im = mu_im * g01_re - mu_re * g01_im;

		g11[u] = g11[u] - p_re;
		g11[u + hn] = g11[u + hn] - p_im;
		g01[u] = mu_re;
		g01[u + hn] = -mu_im;
	}
}

int64_t falcon_rint(double x)
{
	/*
	 * Adding then subtracting 2^52 rounds to an integer (ties to even) for
	 * |x| < 2^52; which of the two variants applies depends on the sign,
	 * selected with a mask rather than a branch.
	 */
	const double t52 = 4503599627370496.0;
	int64_t rp = (int64_t)((x + t52) - t52);
	int64_t rn = (int64_t)((x - t52) + t52);
	int64_t m = -(int64_t)(x < 0.0);

	return (rn & m) | (rp & ~m);
}

#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>

/*
 * IEEE-754 requires sqrt to be correctly rounded, so SSE2's sqrtsd (part of
 * every x86-64 CPU, and fixed-latency on current ones) gives the same bits
 * as the digit-by-digit version below, without libm and without errno.
 */
double falcon_sqrt(double x)
{
	__m128d v = _mm_set_sd(x);

	return _mm_cvtsd_f64(_mm_sqrt_sd(v, v));
}
#else
double falcon_sqrt(double x)
{
	uint64_t bits, m, rem = 0, root = 0, mant, rb, sticky;
	int e;

	/*
	 * Digit-by-digit square root of the significand, correctly rounded (ties
	 * to even), in integer arithmetic: the same result as IEEE-754 sqrt, but
	 * without libm and without data-dependent branches. x must be a positive
	 * normal number.
	 */
	memcpy(&bits, &x, sizeof(bits));
	e = (int)((bits >> 52) & 0x7FF) - 1075;
	m = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
	/* x = m 2^e; make e even so that sqrt(2^e) is exact. */
	m <<= (e & 1);
	e -= e & 1;
	/* root = floor(sqrt(m 2^54)), 54 bits: m supplies 27 bit pairs, then 27 zero pairs. */
	for (int i = 0; i < 54; i++) {
		uint64_t pair = i < 27 ? (m >> (52 - 2 * i)) & 3 : 0;
		uint64_t trial, ge;

		rem = (rem << 2) | pair;
		trial = (root << 2) | 1;
		ge = 0 - (uint64_t)(rem >= trial);
		rem -= trial & ge;
		root = (root << 1) | (ge & 1);
	}
	mant = root >> 1;
	rb = root & 1;
	sticky = (uint64_t)(rem != 0);
	mant += rb & (sticky | (mant & 1));
	/* value = mant 2^t with t = (e - 54) / 2 + 1; a carry into bit 53 bumps the exponent. */
	bits = ((uint64_t)((e - 54) / 2 + 1 + 1075 - 1) << 52) + mant;
	memcpy(&x, &bits, sizeof(x));
	return x;
}
#endif

int64_t falcon_floor(double x)
{
	int64_t t = (int64_t)x;

	return t - (int64_t)(x < (double)t);
}
