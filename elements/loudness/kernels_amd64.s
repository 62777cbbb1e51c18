#include "textflag.h"

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
	VEXTRACTF128 $1, Y0, X2
	VMAXPD       X2, X0, X0
	VPERMILPD    $1, X0, X2
	VMAXPD       X2, X0, X0
	VEXTRACTF128 $1, Y1, X3
	VMAXPD       X3, X1, X1
	VPERMILPD    $1, X1, X3
	VMAXPD       X3, X1, X1
	VMOVSD       X0, pk+16(FP)
	VMOVSD       X1, dmax+24(FP)
	VZEROUPPER
	RET
