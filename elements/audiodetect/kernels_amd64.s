#include "textflag.h"

// func convF32AVX2(dst *float64, src *float32, quads int)
// sane(): NaN (unordered with itself) to 0, then clamp to ±64; both exact,
// so the results are the Go loop's.
TEXT ·convF32AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ quads+16(FP), CX
	MOVQ $0x4050000000000000, AX // 64.0
	VMOVQ AX, X14
	VBROADCASTSD X14, Y14
	MOVQ $0xc050000000000000, AX // -64.0
	VMOVQ AX, X13
	VBROADCASTSD X13, Y13
	TESTQ CX, CX
	JLE  cdone

cloop:
	VCVTPS2PD (SI), Y0
	VCMPPD  $3, Y0, Y0, Y1 // unordered: NaN
	VANDNPD Y0, Y1, Y0
	VMAXPD  Y13, Y0, Y0
	VMINPD  Y14, Y0, Y0
	VMOVUPD Y0, (DI)
	ADDQ $16, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  cloop

cdone:
	VZEROUPPER
	RET

// func levelsAVX2(x *float64, quads int, lvl float64) (ss, pk float64, clip bool)
TEXT ·levelsAVX2(SB), NOSPLIT, $0-41
	MOVQ x+0(FP), SI
	MOVQ quads+8(FP), CX
	VBROADCASTSD lvl+16(FP), Y14
	VPCMPEQQ Y15, Y15, Y15
	VPSRLQ   $1, Y15, Y15 // |·|
	VXORPD Y0, Y0, Y0 // Σx²
	VXORPD Y1, Y1, Y1 // max|x|
	VXORPD Y2, Y2, Y2 // |x| >= lvl anywhere
	TESTQ CX, CX
	JLE  ldone

lloop:
	VMOVUPD (SI), Y3
	VMULPD  Y3, Y3, Y4
	VADDPD  Y4, Y0, Y0
	VANDPD  Y15, Y3, Y3
	VMAXPD  Y3, Y1, Y1
	VCMPPD  $0x1d, Y14, Y3, Y4 // |x| >= lvl (ordered)
	VORPD   Y4, Y2, Y2
	ADDQ $32, SI
	DECQ CX
	JNZ  lloop

ldone:
	VEXTRACTF128 $1, Y0, X3
	VADDPD       X3, X0, X0
	VPERMILPD    $1, X0, X3
	VADDSD       X3, X0, X0
	VMOVSD       X0, ss+24(FP)
	VEXTRACTF128 $1, Y1, X3
	VMAXPD       X3, X1, X1
	VPERMILPD    $1, X1, X3
	VMAXPD       X3, X1, X1
	VMOVSD       X1, pk+32(FP)
	VPTEST       Y2, Y2
	SETNE        AL
	MOVB         AL, clip+40(FP)
	VZEROUPPER
	RET
