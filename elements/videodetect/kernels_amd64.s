#include "textflag.h"

// func lumaBlocksAVX2(cur, prev, ref *byte, n, stride, darkT, bright int, o *lumaOut)
//
// Per 32 samples: VPSADBW against zero sums them; min(v,darkT)==v and
// max(v,bright)==v mark dark and bright samples (0xff), two such masks per
// block are added as bytes (-1, -2) and negated into counts 0…2, which
// VPSADBW sums again; VPSADBW of cur and ref is Σ|cur−ref|, and the OR of
// cur^prev says whether anything changed.
TEXT ·lumaBlocksAVX2(SB), NOSPLIT, $0-64
	MOVQ cur+0(FP), SI
	MOVQ prev+8(FP), DI
	MOVQ ref+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ stride+32(FP), BX
	MOVQ darkT+40(FP), AX
	MOVQ AX, X14
	VPBROADCASTB X14, Y14
	MOVQ bright+48(FP), AX
	MOVQ AX, X13
	VPBROADCASTB X13, Y13
	VPXOR Y15, Y15, Y15
	VPXOR Y1, Y1, Y1 // sum
	VPXOR Y2, Y2, Y2 // dark
	VPXOR Y3, Y3, Y3 // bright
	VPXOR Y4, Y4, Y4 // sad
	VPXOR Y5, Y5, Y5 // changed
	TESTQ CX, CX
	JLE   done
	TESTQ DI, DI
	JZ    luma
	TESTQ DX, DX
	JNZ   freeze
	MOVQ  DI, DX

freeze:
	VMOVDQU (SI), Y6
	VMOVDQU 32(SI), Y7
	VPSADBW Y15, Y6, Y8
	VPADDQ  Y8, Y1, Y1
	VPSADBW Y15, Y7, Y8
	VPADDQ  Y8, Y1, Y1
	VPMINUB  Y14, Y6, Y8
	VPCMPEQB Y6, Y8, Y8
	VPMINUB  Y14, Y7, Y9
	VPCMPEQB Y7, Y9, Y9
	VPADDB   Y9, Y8, Y8
	VPSUBB   Y8, Y15, Y8
	VPSADBW  Y15, Y8, Y8
	VPADDQ   Y8, Y2, Y2
	VPMAXUB  Y13, Y6, Y8
	VPCMPEQB Y6, Y8, Y8
	VPMAXUB  Y13, Y7, Y9
	VPCMPEQB Y7, Y9, Y9
	VPADDB   Y9, Y8, Y8
	VPSUBB   Y8, Y15, Y8
	VPSADBW  Y15, Y8, Y8
	VPADDQ   Y8, Y3, Y3
	VMOVDQU (DI), Y8
	VMOVDQU 32(DI), Y9
	VPXOR   Y6, Y8, Y8
	VPXOR   Y7, Y9, Y9
	VPOR    Y8, Y5, Y5
	VPOR    Y9, Y5, Y5
	VMOVDQU (DX), Y8
	VMOVDQU 32(DX), Y9
	VPSADBW Y8, Y6, Y8
	VPADDQ  Y8, Y4, Y4
	VPSADBW Y9, Y7, Y9
	VPADDQ  Y9, Y4, Y4
	ADDQ BX, SI
	ADDQ BX, DI
	ADDQ BX, DX
	DECQ CX
	JNZ  freeze
	JMP  done

luma:
	VMOVDQU (SI), Y6
	VMOVDQU 32(SI), Y7
	VPSADBW Y15, Y6, Y8
	VPADDQ  Y8, Y1, Y1
	VPSADBW Y15, Y7, Y8
	VPADDQ  Y8, Y1, Y1
	VPMINUB  Y14, Y6, Y8
	VPCMPEQB Y6, Y8, Y8
	VPMINUB  Y14, Y7, Y9
	VPCMPEQB Y7, Y9, Y9
	VPADDB   Y9, Y8, Y8
	VPSUBB   Y8, Y15, Y8
	VPSADBW  Y15, Y8, Y8
	VPADDQ   Y8, Y2, Y2
	VPMAXUB  Y13, Y6, Y8
	VPCMPEQB Y6, Y8, Y8
	VPMAXUB  Y13, Y7, Y9
	VPCMPEQB Y7, Y9, Y9
	VPADDB   Y9, Y8, Y8
	VPSUBB   Y8, Y15, Y8
	VPSADBW  Y15, Y8, Y8
	VPADDQ   Y8, Y3, Y3
	ADDQ BX, SI
	DECQ CX
	JNZ  luma

done:
	MOVQ o+56(FP), R8
	VEXTRACTI128 $1, Y1, X0
	VPADDQ  X0, X1, X1
	VPSHUFD $0x4e, X1, X0
	VPADDQ  X0, X1, X1
	MOVQ    X1, AX
	ADDQ    AX, 0(R8)
	VEXTRACTI128 $1, Y2, X0
	VPADDQ  X0, X2, X2
	VPSHUFD $0x4e, X2, X0
	VPADDQ  X0, X2, X2
	MOVQ    X2, AX
	ADDQ    AX, 8(R8)
	VEXTRACTI128 $1, Y3, X0
	VPADDQ  X0, X3, X3
	VPSHUFD $0x4e, X3, X0
	VPADDQ  X0, X3, X3
	MOVQ    X3, AX
	ADDQ    AX, 16(R8)
	VEXTRACTI128 $1, Y4, X0
	VPADDQ  X0, X4, X4
	VPSHUFD $0x4e, X4, X0
	VPADDQ  X0, X4, X4
	MOVQ    X4, AX
	ADDQ    AX, 24(R8)
	VPTEST  Y5, Y5
	SETNE   AL
	MOVBQZX AL, AX
	ORQ     AX, 32(R8)
	VZEROUPPER
	RET
