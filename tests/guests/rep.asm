; SPDX-License-Identifier: GPL-3.0-or-later
; rep.asm — string instructions in 16-bit real mode, for
; tests/soft-guests.sh: a flat binary for `morpheus run --load 0x7c00`.
; MOVS STOS LODS CMPS SCAS with REP/REPE/REPNE, element sizes 1/2/4,
; DF = 0 and 1, address size 16 and 32 (the 67 prefix: ESI/EDI/ECX), counts
; 0, 1 and large, a segment override on the source (and on STOS, where it
; must be ignored), 16-bit offsets wrapping at 64 KiB, and a 16-bit count
; in CX leaving the upper half of ECX alone. After each case it logs ESI,
; EDI, ECX, EAX and the flags (string ops other than CMPS/SCAS change
; none); each family line (isa.inc's REPORT) carries a checksum of the
; destination area. Ends with "rep: done" and debug-exit value 0.
; Source data is in SRC_SEG (through DS) and ALT_SEG (through FS), the
; destination in DST_SEG (ES); our own data stays at DS = CS between cases.

        bits    16
        org     0

        %include "isa.inc"

SRC_SEG         equ 0x2000
DST_SEG         equ 0x3000
ALT_SEG         equ 0x4000
AREA_SIZE       equ 0x1000          ; bytes used at the start of each segment

start:
        cli
        cld
        mov     ax, cs
        mov     ds, ax
        mov     ss, ax
        mov     sp, 0xfffe
        call    serial_init
        call    isa_init
        call    fill_areas
        println 'rep: start'
        FAMILY  fam_movs, 'movs', M_ALL
        FAMILY  fam_stos, 'stos', M_ALL
        FAMILY  fam_lods, 'lods', M_ALL
        FAMILY  fam_cmps, 'cmps', M_ALL
        FAMILY  fam_scas, 'scas', M_ALL
        FAMILY  fam_edges, 'edges', M_ALL
        println 'rep: done'
        debug_exit 0

; RC insn, flags, ecx, esi, edi: one case. DS = SRC_SEG, ES = DST_SEG,
; FS = ALT_SEG while insn runs.
%macro RC 5
        mov     ecx, %3
        mov     esi, %4
        mov     edi, %5
        SETF    %2
        push    word SRC_SEG
        pop     ds
        %1
        push    cs
        pop     ds
        LOGF    M_ALL
        LOG     esi
        LOG     edi
        LOG     ecx
        LOG     eax
        cld
%endmacro

UP      equ 0x0002                  ; DF = 0
DOWN    equ 0x0402                  ; DF = 1
UPF     equ 0x08d7                  ; DF = 0, every status flag set

fam_movs:
        call    segs_on
        mov     eax, 0x11223344
        RC      {rep movsb}, UP, 300, 0x0100, 0x0100
        RC      {rep movsw}, DOWN, 100, 0x0500, 0x0700
        RC      {rep movsd}, UPF, 1, 0x0003, 0x0801
        RC      {rep movsd}, UP, 0, 0x0010, 0x0810
        RC      {a32 rep movsd}, UP, 200, 0x0200, 0x0900
        RC      {a32 rep movsb}, DOWN, 77, 0x0380, 0x0c80
        RC      {rep fs movsb}, UP, 40, 0x0020, 0x0d00
        RC      {rep fs movsd}, DOWN, 9, 0x0060, 0x0d80
        RC      {a32 rep gs movsw}, UP, 5, 0x0004, 0x0e00
        RC      {movsw}, UP, 1234, 0x0030, 0x0e40      ; no REP: once
        RC      {rep es movsb}, UP, 16, 0x0e00, 0x0e80  ; ES as the source
        jmp     dest_sum

fam_stos:
        call    segs_on
        mov     eax, 0xa1b2c3d4
        RC      {rep stosb}, UP, 100, 0, 0x0010
        RC      {rep stosw}, DOWN, 50, 0, 0x0200
        RC      {rep stosd}, UPF, 0, 0, 0x0300
        RC      {a32 rep stosd}, DOWN, 33, 0, 0x0400
        RC      {rep fs stosb}, UP, 8, 0, 0x0480     ; FS ignored: ES:DI
        RC      {stosd}, UP, 99, 0, 0x0490
        jmp     dest_sum

fam_lods:
        call    segs_on
        mov     eax, 0x99999999
        RC      {rep lodsb}, UP, 5, 0x0010, 0
        RC      {rep lodsw}, DOWN, 3, 0x0100, 0
        RC      {rep lodsd}, UP, 0, 0x0200, 0
        RC      {a32 rep fs lodsd}, UP, 4, 0x0300, 0
        RC      {lodsb}, DOWN, 7, 0x0050, 0
        jmp     dest_sum

fam_cmps:
        call    segs_on
        ; DST 0x100.. holds a copy of SRC 0x100.. (fam_movs); break it at +77
        mov     byte [es:0x0100 + 77], 0xee
        mov     eax, 0x12121212
        RC      {repe cmpsb}, UP, 300, 0x0100, 0x0100
        RC      {repe cmpsb}, UP, 60, 0x0100, 0x0100   ; all equal
        RC      {repne cmpsw}, UP, 50, 0x0100, 0x0000  ; the first match
        RC      {repe cmpsd}, UPF, 0, 0x0100, 0x0100   ; count 0: flags kept
        RC      {a32 repe cmpsw}, DOWN, 100, 0x0100 + 100, 0x0100 + 100
        RC      {repe fs cmpsb}, UP, 10, 0x0100, 0x0100 ; FS: another source
        RC      {cmpsd}, UP, 5, 0x0100, 0x0100
        jmp     dest_sum

fam_scas:
        call    segs_on
        mov     eax, 0xa1b2c3d4     ; STOS put these at 0x10.. (fam_stos)
        RC      {repne scasb}, UP, 200, 0, 0x0000
        RC      {repe scasb}, UP, 200, 0, 0x0010
        RC      {repne scasw}, DOWN, 40, 0, 0x0200
        RC      {a32 repne scasd}, UP, 64, 0, 0x0400
        RC      {repe scasd}, UPF, 0, 0, 0x0400
        RC      {fs scasb}, UP, 3, 0, 0x0010       ; FS ignored
        jmp     dest_sum

fam_edges:
        call    segs_on
        mov     eax, 0x5a5a5a5a
        ; 16-bit offsets wrap at 64 KiB inside the segment
        ; (no element crosses the 64 KiB limit: that would be #GP)
        RC      {rep movsb}, UP, 6, 0xfffd, 0xfffe
        RC      {rep stosw}, DOWN, 3, 0, 0x0002
        RC      {rep movsw}, UP, 3, 0xfffc, 0xfff0
        RC      {rep movsd}, UP, 3, 0xfff8, 0xfff4
        ; the count is CX (upper half of ECX kept), ESI/EDI's upper halves
        ; kept too
        RC      {rep movsb}, UP, 0x00010003, 0x12340040, 0x56780f00
        ; a32: ECX counts in full
        RC      {a32 rep stosb}, UP, 0x00000102, 0, 0x0f10
        jmp     dest_sum

; segs_on: ES = DST_SEG, FS = ALT_SEG, GS = SRC_SEG.
segs_on:
        push    word DST_SEG
        pop     es
        push    word ALT_SEG
        pop     fs
        push    word SRC_SEG
        pop     gs
        ret

; dest_sum: logs a checksum of DST_SEG's area and of its last 16 bytes,
; then ES = FS = GS = DS. Clobbers EAX, ECX, EDX, ESI.
dest_sum:
        xor     eax, eax
        xor     edx, edx
        xor     si, si
        mov     ecx, AREA_SIZE / 4
        call    .add
        mov     si, 0xfff0
        mov     ecx, 4
        call    .add
        rol     edx, 16
        xor     eax, edx
        LOG     eax
        push    ds
        pop     es
        push    ds
        pop     fs
        push    ds
        pop     gs
        ret
.add:   add     eax, [es:si]
        add     edx, eax
        add     si, 4
        dec     ecx
        jnz     .add
        ret

; fill_areas: distinct patterns in SRC_SEG and ALT_SEG, zeros in DST_SEG
; (its area and its last 16 bytes).
fill_areas:
        push    es
        mov     eax, 0x03020100
        push    word SRC_SEG
        pop     es
        call    .pattern
        mov     eax, 0x83828180
        push    word ALT_SEG
        pop     es
        call    .pattern
        push    word DST_SEG
        pop     es
        xor     eax, eax
        xor     di, di
        mov     cx, AREA_SIZE / 4
        rep stosd
        mov     di, 0xfff0
        mov     cx, 4
        rep stosd
        pop     es
        ret
.pattern:
        xor     di, di
        mov     cx, AREA_SIZE / 4
.next:  stosd
        add     eax, 0x04040404
        loop    .next
        ret

        SERIAL_ROUTINES
        ISA_ROUTINES
        ISA_DATA
