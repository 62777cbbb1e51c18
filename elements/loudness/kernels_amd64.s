#include "textflag.h"

// HMAX: the largest of y's four lanes into the low lane of x (x is y's low
// half; t a scratch register).
#define HMAX(y, x, t) \
	VEXTRACTF128 $1, y, t; \
	VMAXPD       t, x, x; \
	VPERMILPD    $1, x, t; \
	VMAXPD       t, x, x

// func peakSlopeAVX2(x *float64, quads int) (pk, dmax float64)
TEXT ·peakSlopeAVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ quads+8(FP), CX
	VPCMPEQQ Y15, Y15, Y15
	VPSRLQ   $1, Y15, Y15 // |·| mask: every bit but the sign
	VXORPD   Y0, Y0, Y0   // peak
	VXORPD   Y1, Y1, Y1   // slope
	TESTQ    CX, CX
	JLE      done

loop:
	VMOVUPD (SI), Y2
	VMOVUPD -8(SI), Y3
	VSUBPD  Y3, Y2, Y3
	VANDPD  Y15, Y2, Y2
	VANDPD  Y15, Y3, Y3
	VMAXPD  Y2, Y0, Y0
	VMAXPD  Y3, Y1, Y1
	ADDQ    $32, SI
	DECQ    CX
	JNZ     loop

done:
	HMAX(Y0, X0, X2)
	HMAX(Y1, X1, X3)
	VMOVSD       X0, pk+16(FP)
	VMOVSD       X1, dmax+24(FP)
	VZEROUPPER
	RET

// func truePeakAVX2(x *float64, quads int, coef *[24][4]float64) float64
//
// TruePeak's body (truepeak.go) for four consecutive outputs per step:
// lane j's window is x[j…j+15], so tap k of all four lanes is one
// unaligned load at x+8k. The sums are formed in the Go loop's order
// (pairs, then pairs of pairs, then the second half added), with separate
// multiplies and adds, so every lane's value is the Go loop's exactly.
// coef holds e0…e7, f0…f7, m0…m7, each broadcast to four lanes.

// PAIR: Ys = x[a]+x[b], Yd = x[a]−x[b] (offsets in bytes).
#define PAIR(a, b, ys, yd) \
	VMOVUPD a(SI), Y12; \
	VMOVUPD b(SI), Y13; \
	VADDPD  Y13, Y12, ys; \
	VSUBPD  Y13, Y12, yd

// TERMS: acc = c[i]*u + c[i+1]*v for coefficient byte offsets ci, cj.
#define TERMS(ci, cj, u, v, acc) \
	VMULPD ci(R8), u, acc; \
	VMULPD cj(R8), v, Y13; \
	VADDPD Y13, acc, acc

TEXT ·truePeakAVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ quads+8(FP), CX
	MOVQ coef+16(FP), R8
	VPCMPEQQ Y15, Y15, Y15
	VPSRLQ   $1, Y15, Y15 // |·|
	VXORPD   Y14, Y14, Y14 // peak
	TESTQ    CX, CX
	JLE      tdone

tloop:
	// first half: taps 0…3 (samples 7|8, 6|9, 5|10, 4|11)
	PAIR(56, 64, Y0, Y1)
	PAIR(48, 72, Y2, Y3)
	TERMS(0, 32, Y0, Y2, Y4)      // e0·s0 + e1·s1
	TERMS(256, 288, Y1, Y3, Y5)   // f0·d0 + f1·d1
	TERMS(512, 544, Y0, Y2, Y6)   // m0·s0 + m1·s1
	PAIR(40, 80, Y0, Y1)
	PAIR(32, 88, Y2, Y3)
	TERMS(64, 96, Y0, Y2, Y7)
	VADDPD Y7, Y4, Y4             // E
	TERMS(320, 352, Y1, Y3, Y7)
	VADDPD Y7, Y5, Y5             // F
	TERMS(576, 608, Y0, Y2, Y7)
	VADDPD Y7, Y6, Y6             // M
	// second half: taps 4…7 (samples 3|12, 2|13, 1|14, 0|15)
	PAIR(24, 96, Y0, Y1)
	PAIR(16, 104, Y2, Y3)
	TERMS(128, 160, Y0, Y2, Y7)
	TERMS(384, 416, Y1, Y3, Y8)
	TERMS(640, 672, Y0, Y2, Y9)
	PAIR(8, 112, Y0, Y1)
	PAIR(0, 120, Y2, Y3)
	TERMS(192, 224, Y0, Y2, Y10)
	VADDPD Y10, Y7, Y7
	VADDPD Y7, Y4, Y4             // E += …
	TERMS(448, 480, Y1, Y3, Y10)
	VADDPD Y10, Y8, Y8
	VADDPD Y8, Y5, Y5             // F += …
	TERMS(704, 736, Y0, Y2, Y10)
	VADDPD Y10, Y9, Y9
	VADDPD Y9, Y6, Y6             // M += …
	VANDPD Y15, Y4, Y4
	VANDPD Y15, Y5, Y5
	VADDPD Y5, Y4, Y4             // |E| + |F|
	VANDPD Y15, Y6, Y6            // |M|
	VMAXPD Y4, Y14, Y14
	VMAXPD Y6, Y14, Y14
	ADDQ $32, SI
	DECQ CX
	JNZ  tloop

tdone:
	HMAX(Y14, X14, X0)
	VMOVSD       X14, ret+24(FP)
	VZEROUPPER
	RET
