#include "textflag.h"

// func hasAVX2() bool
// AVX, OSXSAVE and POPCNT (CPUID 1, ECX bits 28, 27 and 23), the OS saving
// SSE and AVX state (XCR0 bits 1 and 2), and AVX2 (CPUID 7.0, EBX bit 5).
TEXT ·hasAVX2(SB), NOSPLIT, $0-1
	MOVL $1, AX
	XORL CX, CX
	CPUID
	ANDL $0x18800000, CX
	CMPL CX, $0x18800000
	JNE  no
	XORL CX, CX
	XGETBV
	ANDL $6, AX
	CMPL AX, $6
	JNE  no
	MOVL $7, AX
	XORL CX, CX
	CPUID
	ANDL $0x20, BX
	JZ   no
	MOVB $1, ret+0(FP)
	RET
no:
	MOVB $0, ret+0(FP)
	RET
