#include "textflag.h"

// func lumaBlocksAVX2(cur, prev, ref *byte, n, stride, darkT, bright int, o *lumaOut)
//
// Per 32 samples: VPSADBW against zero sums them; min(v,darkT)==v and
// max(v,bright)==v mark dark and bright samples (0xff), two such masks per
// block are added as bytes (-1, -2) and negated into counts 0…2, which
// VPSADBW sums again; VPSADBW of cur and ref is Σ|cur−ref|, and the OR of
// cur^prev says whether anything changed.
// LUMA: the luma statistics of the 64 samples in Y6, Y7 into Y1 (sum),
// Y2 (dark) and Y3 (bright).
#define LUMA \
	VPSADBW  Y15, Y6, Y8; \
	VPADDQ   Y8, Y1, Y1; \
	VPSADBW  Y15, Y7, Y8; \
	VPADDQ   Y8, Y1, Y1; \
	VPMINUB  Y14, Y6, Y8; \
	VPCMPEQB Y6, Y8, Y8; \
	VPMINUB  Y14, Y7, Y9; \
	VPCMPEQB Y7, Y9, Y9; \
	VPADDB   Y9, Y8, Y8; \
	VPSUBB   Y8, Y15, Y8; \
	VPSADBW  Y15, Y8, Y8; \
	VPADDQ   Y8, Y2, Y2; \
	VPMAXUB  Y13, Y6, Y8; \
	VPCMPEQB Y6, Y8, Y8; \
	VPMAXUB  Y13, Y7, Y9; \
	VPCMPEQB Y7, Y9, Y9; \
	VPADDB   Y9, Y8, Y8; \
	VPSUBB   Y8, Y15, Y8; \
	VPSADBW  Y15, Y8, Y8; \
	VPADDQ   Y8, Y3, Y3

// ADDLANES: adds the four 64-bit lanes of y (x its low half) to off(R8).
#define ADDLANES(y, x, off) \
	VEXTRACTI128 $1, y, X0; \
	VPADDQ       X0, x, x; \
	VPSHUFD      $0x4e, x, X0; \
	VPADDQ       X0, x, x; \
	MOVQ         x, AX; \
	ADDQ         AX, off(R8)

TEXT ·lumaBlocksAVX2(SB), NOSPLIT, $0-64
	MOVQ cur+0(FP), SI
	MOVQ prev+8(FP), DI
	MOVQ ref+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ stride+32(FP), BX
	MOVQ darkT+40(FP), AX
	VMOVQ AX, X14
	VPBROADCASTB X14, Y14
	MOVQ bright+48(FP), AX
	VMOVQ AX, X13
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
	LUMA
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
	LUMA
	ADDQ BX, SI
	DECQ CX
	JNZ  luma

done:
	MOVQ o+56(FP), R8
	ADDLANES(Y1, X1, 0)
	ADDLANES(Y2, X2, 8)
	ADDLANES(Y3, X3, 16)
	ADDLANES(Y4, X4, 24)
	VPTEST  Y5, Y5
	SETNE   AL
	MOVBQZX AL, AX
	ORQ     AX, 32(R8)
	VZEROUPPER
	RET

// Block-edge cues (cues.go) for lane groups, several at once. Word r of
// four (two) consecutive groups is gathered into one vector; the byte
// arithmetic is native here, so the SWAR tricks of cues.go become plain
// saturating ops. A step at g between ga and gb: g >= 3 and ceil(g/2)
// (VPAVGB with 0) > max(ga, gb), i.e. min(g -sat 2, ceil(g/2) -sat max)
// is nonzero. A line's activity, the sum of its gradients, only meets
// thresholds below 16, so a saturating byte sum stands in for it.

// LOADW: word off/8 of the four groups at base (96 bytes apart) into dst.
#define LOADW(base, off, dst) \
	VMOVQ   off(base), X6; \
	VPINSRQ $1, 96+off(base), X6, X6; \
	VMOVQ   192+off(base), X7; \
	VPINSRQ $1, 288+off(base), X7, X7; \
	VINSERTI128 $1, X7, Y6, dst

// ABSD: dst = |a - b| per byte.
#define ABSD(a, b, dst) \
	VPSUBUSB b, a, Y6; \
	VPSUBUSB a, b, dst; \
	VPOR     Y6, dst, dst

// COUNTSET / COUNTCLEAR: cnt += the lanes of the byte mask m that are set
// / clear.
#define COUNTSET(m, cnt) \
	VPMOVMSKB m, AX; \
	POPCNTL   AX, AX; \
	ADDQ      AX, cnt

#define COUNTCLEAR(m, cnt) \
	VPMOVMSKB m, AX; \
	POPCNTL   AX, AX; \
	ADDQ      $32, cnt; \
	SUBQ      AX, cnt

// STEP: cnt += how many lanes have a picture step at g between ga and gb.
#define STEP(ga, g, gb, cnt) \
	VPMAXUB  ga, gb, Y6; \
	VPAVGB   Y15, g, Y7; \
	VPSUBUSB Y6, Y7, Y7; \
	VPSUBUSB Y14, g, Y6; \
	VPMINUB  Y6, Y7, Y7; \
	VPCMPEQB Y15, Y7, Y7; \
	COUNTCLEAR(Y7, cnt)

// LINES: gradients, steps and activity (Y2) of one kind of probe line.
#define LINES(base) \
	LOADW(base, 0, Y0); \
	LOADW(base, 8, Y1); ABSD(Y1, Y0, Y3); VMOVDQU Y3, Y2; \
	LOADW(base, 16, Y0); ABSD(Y0, Y1, Y4); VPADDUSB Y4, Y2, Y2; \
	LOADW(base, 24, Y1); ABSD(Y1, Y0, Y5); VPADDUSB Y5, Y2, Y2; \
	STEP(Y3, Y4, Y5, R8); \
	LOADW(base, 32, Y0); ABSD(Y0, Y1, Y3); VPADDUSB Y3, Y2, Y2; \
	LOADW(base, 40, Y1); ABSD(Y1, Y0, Y4); VPADDUSB Y4, Y2, Y2; \
	STEP(Y5, Y3, Y4, R9); \
	LOADW(base, 48, Y0); ABSD(Y0, Y1, Y5); VPADDUSB Y5, Y2, Y2; \
	LOADW(base, 56, Y1); ABSD(Y1, Y0, Y3); VPADDUSB Y3, Y2, Y2; \
	LOADW(base, 64, Y0); ABSD(Y0, Y1, Y4); VPADDUSB Y4, Y2, Y2; \
	LOADW(base, 72, Y1); ABSD(Y1, Y0, Y5); VPADDUSB Y5, Y2, Y2; \
	STEP(Y3, Y4, Y5, R9); \
	LOADW(base, 80, Y0); ABSD(Y0, Y1, Y3); VPADDUSB Y3, Y2, Y2; \
	LOADW(base, 88, Y1); ABSD(Y1, Y0, Y4); VPADDUSB Y4, Y2, Y2; \
	STEP(Y5, Y3, Y4, R8)

// LT: dst = 0xff where the activity Y2 is below k+1 (kc holds k).
#define LT(kc, dst) \
	VPSUBUSB kc, Y2, dst; \
	VPCMPEQB Y15, dst, dst

// func pictureCuesAVX2(rows, cols *byte, quads int, o *picOut)
TEXT ·pictureCuesAVX2(SB), NOSPLIT, $0-32
	MOVQ rows+0(FP), SI
	MOVQ cols+8(FP), DI
	MOVQ quads+16(FP), CX
	VPXOR Y15, Y15, Y15
	MOVL $0x02020202, AX
	VMOVQ AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x0f0f0f0f, AX
	VMOVQ AX, X13
	VPBROADCASTD X13, Y13
	MOVL $0x03030303, AX
	VMOVQ AX, X12
	VPBROADCASTD X12, Y12
	MOVL $0x01010101, AX
	VMOVQ AX, X11
	VPBROADCASTD X11, Y11
	XORQ R8, R8  // grid
	XORQ R9, R9  // ctrl
	XORQ R10, R10 // vHits
	XORQ R11, R11 // hHits
	XORQ R12, R12 // rowTex
	XORQ R13, R13 // colTex
	XORQ BX, BX   // active
	TESTQ CX, CX
	JLE  picdone

picloop:
	LINES(SI)
	LT(Y13, Y8)        // rows: activity < 16 (not textured)
	LT(Y11, Y9)        // rows: < 2 (flat)
	LT(Y12, Y10)       // rows: < 4 (not active)
	COUNTCLEAR(Y8, R12)
	COUNTCLEAR(Y10, BX)
	LINES(DI)
	LT(Y13, Y10)       // columns: not textured
	LT(Y11, Y5)        // columns: flat
	LT(Y12, Y3)        // columns: not active
	COUNTCLEAR(Y10, R13)
	COUNTCLEAR(Y3, BX)
	VPANDN Y5, Y8, Y6  // textured row over a flat column
	COUNTSET(Y6, R10)
	VPANDN Y9, Y10, Y6 // textured column beside a flat row
	COUNTSET(Y6, R11)
	ADDQ $384, SI
	ADDQ $384, DI
	DECQ CX
	JNZ  picloop

picdone:
	MOVQ o+24(FP), DX
	MOVQ R8, 0(DX)
	MOVQ R9, 8(DX)
	MOVQ R10, 16(DX)
	MOVQ R11, 24(DX)
	MOVQ R12, 32(DX)
	MOVQ R13, 40(DX)
	MOVQ BX, 48(DX)
	VZEROUPPER
	RET

// The difference's cues (diffCues) for pairs of groups: c − p needs nine
// bits, so word r of two groups is widened to sixteen 16-bit lanes. A step
// at g between ga and gb: g > 3 and g > 2·max(ga, gb).

// LOADD: dst = word off/8 of the two groups at SI minus the same at DI.
#define LOADD(off, dst) \
	VMOVQ   off(SI), X6; \
	VPINSRQ $1, 96+off(SI), X6, X6; \
	VPMOVZXBW X6, Y6; \
	VMOVQ   off(DI), X7; \
	VPINSRQ $1, 96+off(DI), X7, X7; \
	VPMOVZXBW X7, Y7; \
	VPSUBW  Y7, Y6, dst

// GRAD: dst = |b - a| per 16-bit lane.
#define GRAD(a, b, dst) \
	VPSUBW a, b, dst; \
	VPABSW dst, dst

// STEP16: cnt += the lanes with a difference step at g between ga and gb
// (VPMOVMSKB gives two bits per 16-bit lane).
#define STEP16(ga, g, gb, cnt) \
	VPMAXSW  ga, gb, Y6; \
	VPSLLW   $1, Y6, Y6; \
	VPCMPGTW Y6, g, Y7; \
	VPCMPGTW Y13, g, Y6; \
	VPAND    Y6, Y7, Y7; \
	VPMOVMSKB Y7, AX; \
	POPCNTL  AX, AX; \
	SHRL     $1, AX; \
	ADDQ     AX, cnt

// func diffCuesAVX2(c, p *byte, pairs int) (grid, ctrl int)
TEXT ·diffCuesAVX2(SB), NOSPLIT, $0-40
	MOVQ c+0(FP), SI
	MOVQ p+8(FP), DI
	MOVQ pairs+16(FP), CX
	MOVL $0x00030003, AX
	VMOVQ AX, X13
	VPBROADCASTD X13, Y13
	XORQ R8, R8
	XORQ R9, R9
	TESTQ CX, CX
	JLE  difdone

difloop:
	LOADD(0, Y0)
	LOADD(8, Y1)
	GRAD(Y0, Y1, Y3)
	LOADD(16, Y0)
	GRAD(Y1, Y0, Y4)
	LOADD(24, Y1)
	GRAD(Y0, Y1, Y5)
	STEP16(Y3, Y4, Y5, R8)
	LOADD(48, Y0)
	LOADD(56, Y1)
	GRAD(Y0, Y1, Y3)
	LOADD(64, Y0)
	GRAD(Y1, Y0, Y4)
	LOADD(72, Y1)
	GRAD(Y0, Y1, Y5)
	STEP16(Y3, Y4, Y5, R9)
	LOADD(80, Y0)
	GRAD(Y1, Y0, Y3)
	LOADD(88, Y1)
	GRAD(Y0, Y1, Y4)
	STEP16(Y5, Y3, Y4, R8)
	ADDQ $192, SI
	ADDQ $192, DI
	DECQ CX
	JNZ  difloop

difdone:
	MOVQ R8, grid+24(FP)
	MOVQ R9, ctrl+32(FP)
	VZEROUPPER
	RET

// func gatherRowsAVX2(rows, data *byte, rowOff *int32, masks *uint64, groups int)
//
// The row lane groups of gather (sampler.go): each line's 16 bytes (12
// used) are loaded and transposed by three rounds of unpacks (bytes,
// words, dwords), so that word r holds sample r of the group's eight
// lines; lanes outside the group's mask are zeroed. (Column lines stay
// in Go: gathering single bytes down a column with VPGATHERDD was no
// faster when the frame is in cache and slower when it is not.)
// LOADLINE loads the 16 bytes of the line whose offset is at off(R8).
#define LOADLINE(off, dst) \
	MOVLQSX off(R8), R9 \
	VMOVDQU (DX)(R9*1), dst

// MASKSTORE zeroes the lanes outside the group's mask (X15) and stores
// the two words at off(DI).
#define MASKSTORE(x, off) \
	VPAND X15, x, x \
	VMOVDQU x, off(DI)

TEXT ·gatherRowsAVX2(SB), NOSPLIT, $0-40
	MOVQ rows+0(FP), DI
	MOVQ data+8(FP), DX
	MOVQ rowOff+16(FP), R8
	MOVQ masks+24(FP), R12
	MOVQ groups+32(FP), CX
	TESTQ CX, CX
	JLE  gdone

gloop:
	LOADLINE(0, X0)
	LOADLINE(4, X1)
	LOADLINE(8, X2)
	LOADLINE(12, X3)
	LOADLINE(16, X4)
	LOADLINE(20, X5)
	LOADLINE(24, X6)
	LOADLINE(28, X7)
	VPUNPCKLBW X1, X0, X8  // lines 0,1: samples 0…7
	VPUNPCKHBW X1, X0, X9  // samples 8…15
	VPUNPCKLBW X3, X2, X10
	VPUNPCKHBW X3, X2, X11
	VPUNPCKLBW X5, X4, X12
	VPUNPCKHBW X5, X4, X13
	VPUNPCKLBW X7, X6, X14
	VPUNPCKHBW X7, X6, X15
	VPUNPCKLWD X10, X8, X0  // lines 0…3: samples 0…3
	VPUNPCKHWD X10, X8, X1  // 4…7
	VPUNPCKLWD X11, X9, X2  // 8…11
	VPUNPCKLWD X14, X12, X3 // lines 4…7: samples 0…3
	VPUNPCKHWD X14, X12, X4
	VPUNPCKLWD X15, X13, X5
	VPBROADCASTQ (R12), X15
	VPUNPCKLDQ X3, X0, X6  // words 0, 1
	VPUNPCKHDQ X3, X0, X7  // words 2, 3
	VPUNPCKLDQ X4, X1, X8  // 4, 5
	VPUNPCKHDQ X4, X1, X9  // 6, 7
	VPUNPCKLDQ X5, X2, X10 // 8, 9
	VPUNPCKHDQ X5, X2, X11 // 10, 11
	MASKSTORE(X6, 0)
	MASKSTORE(X7, 16)
	MASKSTORE(X8, 32)
	MASKSTORE(X9, 48)
	MASKSTORE(X10, 64)
	MASKSTORE(X11, 80)
	ADDQ $96, DI
	ADDQ $32, R8
	ADDQ $8, R12
	DECQ CX
	JNZ  gloop

gdone:
	RET

// func narrowAVX2(dst, src *byte, n int, shift uint64)
//
// Per 32 samples: two 32-byte loads of 16-bit words, VPSRLW by shift,
// the low byte of each word kept (VPAND 0x00ff, so VPACKUSWB never
// saturates: byte(v>>shift) as in Go), packed, and VPERMQ puts the two
// 128-bit lanes' halves back in order.
TEXT ·narrowAVX2(SB), NOSPLIT, $0-32
	MOVQ      dst+0(FP), DI
	MOVQ      src+8(FP), SI
	MOVQ      n+16(FP), CX
	MOVQ      shift+24(FP), AX
	VMOVQ     AX, X2
	VPCMPEQW  Y3, Y3, Y3
	VPSRLW    $8, Y3, Y3
narrowloop:
	VMOVDQU   (SI), Y0
	VMOVDQU   32(SI), Y1
	VPSRLW    X2, Y0, Y0
	VPSRLW    X2, Y1, Y1
	VPAND     Y3, Y0, Y0
	VPAND     Y3, Y1, Y1
	VPACKUSWB Y1, Y0, Y0
	VPERMQ    $0xD8, Y0, Y0
	VMOVDQU   Y0, (DI)
	ADDQ      $64, SI
	ADDQ      $32, DI
	SUBQ      $32, CX
	JNZ       narrowloop
	VZEROUPPER
	RET
