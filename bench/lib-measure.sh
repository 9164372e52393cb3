# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash disable=SC2154
# (SC2154: the variables the sourcing script sets, listed below)
# bench/lib-measure.sh — what bench/jit and bench/paging share: building
# 32-bit workloads as Multiboot guests (bench/boot32.asm) and as native
# programs, running them natively, under morpheus soft (--jit off and on),
# morpheus kvm (only where it runs supervisor code at hardware speed) and
# QEMU TCG, interleaved, and printing medians [min .. max] and ratios.
# Sourced, not run. Only defines functions; the script sets, before
# measure_setup:
#   bench          its name, for messages ("bench/jit")
#   runs           interleaved runs
#   use_qemu       yes or no
#   memory_mib     guest RAM (morpheus --memory, QEMU -m)
#   workloads      (names), and for each name, associative arrays:
#   source         its file in bench/
#   prefix         the prefix of its result line ("workload32")
#   rounds         its ROUNDS
#   what           a description for the header
#   bss_at         a linker-script line placed before .bss ("" or ". = 0x400000;")
# and optionally show_walks=yes: bench_report also prints the page walks
# and page faults of --stats. Scripts using it: set -euo pipefail.

die() { echo "$bench: $*" >&2; exit 1; }

# apt_install PACKAGE...: installs them when we are root; fails otherwise.
apt_install() {
	[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null || return 1
	echo "installing $* ..."
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "$@" >"$tmp/apt.log" 2>&1 && return 0
	apt-get update -q >>"$tmp/apt.log" 2>&1 &&
		apt-get install -y -q --no-install-recommends "$@" >>"$tmp/apt.log" 2>&1 && return 0
	cat "$tmp/apt.log" >&2
	return 1
}

# symbol ELF NAME: the symbol's address, as a number.
symbol() { echo $((0x$(nm "$1" | awk -v s="$2" '$3 == s { print $1 }'))); }

# build_guest WORKLOAD: $tmp/WORKLOAD.kernel, a Multiboot kernel.
build_guest() {
	local w=$1 elf=$tmp/$1.elf
	gcc "${cflags[@]}" -DWORKLOAD_GUEST -DROUNDS="${rounds[$w]}" -c -o "$tmp/$w.o" \
		"$srcdir/bench/${source[$w]}"
	ld "${ld_flags[@]}" -T "$tmp/$w.ld" -o "$elf" "$tmp/$w.o"
	[ "$(symbol "$elf" workload_guest_entry)" -eq $((0x101000)) ] ||
		die "$w: workload_guest_entry is not at 0x101000"
	[ "$(symbol "$elf" workload_bss_end)" -le $((memory_mib << 20)) ] ||
		die "$w: the guest does not fit in $memory_mib MiB"
	objcopy -O binary "$elf" "$tmp/$w.bin"
	nasm -f bin -DWORKLOAD_BIN="'$tmp/$w.bin'" -o "$tmp/$w.kernel" "$srcdir/bench/boot32.asm"
}

# build_native OUTPUT WORKLOAD ROUNDS: the same 32-bit code as a static Linux
# program (measure_setup replaces it with a 64-bit build where the kernel
# cannot run 32-bit programs).
build_native() {
	gcc "${cflags[@]}" -DWORKLOAD_LINUX32 -DROUNDS="$3" -nostdlib -static -no-pie \
		-o "$1" "$srcdir/bench/${source[$2]}"
}

# measure_setup: checks the tools, builds every workload both ways and gets
# the native checksums, finds out whether kvm and QEMU take part.
measure_setup() {
	srcdir=$(cd "$(dirname "$0")/.." && pwd)
	MORPHEUS=${MORPHEUS:-./morpheus}
	timeout_s=${timeout_s:-900}
	[ -x "$MORPHEUS" ] || die "no morpheus at $MORPHEUS (run from the build directory or set MORPHEUS)"
	"$MORPHEUS" --help 2>&1 | grep -q -- '--jit' || die "$MORPHEUS has no --jit option"
	local tool w
	for tool in gcc ld nm objcopy nasm; do
		command -v "$tool" >/dev/null || die "$tool is missing (apt-get install gcc binutils nasm)"
	done

	tmp=$(mktemp -d "${TMPDIR:-/tmp}/morpheus-bench-${bench#bench/}.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT

	cflags=(-m32 -march=i686 -mgeneral-regs-only -ffreestanding -fno-pic
		-fno-stack-protector -fno-asynchronous-unwind-tables -O2 -Wall -Wextra)
	for w in "${workloads[@]}"; do
		cat >"$tmp/$w.ld" <<EOF
ENTRY(workload_guest_entry)
SECTIONS {
	. = 0x101000; /* WORKLOAD_ADDR in bench/boot32.asm */
	.text : { *(.text.entry) *(.text .text.*) }
	.rodata : { *(.rodata .rodata.*) }
	.data : { *(.data .data.*) }
	${bss_at[$w]}
	.bss (NOLOAD) : {
		workload_bss_start = .;
		*(.bss .bss.*) *(COMMON)
		workload_bss_end = .;
	}
	/DISCARD/ : { *(.comment) *(.note*) *(.eh_frame*) }
}
EOF
	done
	ld_flags=(-m elf_i386 -nostdlib)
	# (not `ld --help | grep -q`: grep leaving early would fail the pipe)
	local ld_help
	ld_help=$(ld --help 2>/dev/null || true)
	[[ $ld_help != *--no-warn-rwx-segments* ]] || ld_flags+=(--no-warn-rwx-segments)

	native_kind="32-bit static (the guest's instructions)"
	build_native "$tmp/native_probe" "${workloads[0]}" 0
	if ! "$tmp/native_probe" >/dev/null 2>&1; then
		native_kind="64-bit (this kernel does not run 32-bit programs): other instructions"
		build_native() {
			gcc -O2 -DWORKLOAD_HOSTED -DROUNDS="$3" -o "$1" "$srcdir/bench/${source[$2]}"
		}
	fi
	declare -gA expected=()
	for w in "${workloads[@]}"; do
		build_guest "$w"
		build_native "$tmp/native_$w" "$w" "${rounds[$w]}"
		expected[$w]=$("$tmp/native_$w")
		[[ ${expected[$w]} == "${prefix[$w]}: rounds=${rounds[$w]} checksum="* ]] ||
			die "the native $w workload printed \"${expected[$w]}\""
	done

	# morpheus: soft with tier 0 and tier 1; kvm only where it runs
	# supervisor code fast
	use_kvm=no
	kvm_note=
	local info
	info=$("$MORPHEUS" info 2>&1 || true)
	if grep -q '^kvm supervisor code at hardware speed: yes' <<<"$info"; then
		use_kvm=yes
	else
		kvm_note=$(grep -m1 '^auto chooses:' <<<"$info" | sed 's/^auto chooses: //' || true)
		[ -n "$kvm_note" ] || kvm_note=$(head -n 1 <<<"$info")
	fi

	if [ "$use_qemu" = yes ] && ! command -v qemu-system-i386 >/dev/null; then
		apt_install qemu-system-x86 || { echo "note: qemu-system-i386 is missing and cannot be installed: no QEMU column"; use_qemu=no; }
	fi
	qemu=(qemu-system-i386 -accel tcg -m "$memory_mib" -display none -no-reboot
		-monitor none -nic none -device "isa-debug-exit,iobase=0xf4,iosize=0x04")

	engines=(native off on)
	[ "$use_kvm" = no ] || engines+=(kvm)
	[ "$use_qemu" = no ] || engines+=(qemu)
	declare -gA label=([native]="native" [off]="jit off" [on]="jit on" [kvm]="morpheus kvm"
		[qemu]="QEMU TCG")
	declare -gA wall=() retired=() running=() share=() waiting=() compiled=() compiling=()
	declare -gA walks=() faults=()
}

now_us() { echo "${EPOCHREALTIME/./}"; }

# run_one ENGINE WORKLOAD: runs it; checks its checksum; prints "<wall s>
# <retired> <s running> <tier-1 share %> <s waiting> <blocks compiled>
# <s compiling> <page walks> <page faults>", "-" for what the engine does
# not report.
run_one() {
	local engine=$1 w=$2 status=0 t0 t1 out=$tmp/$1.$2.out err=$tmp/$1.$2.err
	local n_retired=- n_running=- n_share=- n_waiting=- n_compiled=- n_compiling=- n_walks=- n_faults=- result line
	rm -f "$out"
	t0=$(now_us)
	case $engine in
	native) "$tmp/native_$w" >"$out" 2>"$err" || status=$? ;;
	off|on|kvm)
		local accel=(--accel soft --jit off)
		[ "$engine" != on ] || accel=(--accel soft --jit on)
		[ "$engine" != kvm ] || accel=(--accel kvm)
		"$MORPHEUS" run "${accel[@]}" --memory "${memory_mib}M" --serial "file:$out" \
			--timeout "$timeout_s" --stats --kernel "$tmp/$w.kernel" >/dev/null 2>"$err" ||
			status=$? ;;
	qemu) timeout "$timeout_s" "${qemu[@]}" -serial "file:$out" -kernel "$tmp/$w.kernel" \
		>/dev/null 2>"$err" || status=$? ;;
	esac
	t1=$(now_us)
	case $engine in
	native) [ "$status" -eq 0 ] || { cat "$err" >&2; die "native $w: exit status $status"; } ;;
	*) [ "$status" -eq 99 ] || { cat "$err" "$out" >&2 2>/dev/null || true
		die "${label[$engine]} $w: guest ended with status $status, expected 99 (debug exit)"; } ;;
	esac
	result=$(tr -d '\r' <"$out" | grep -a -o "${prefix[$w]}: .*" | head -n 1 || true)
	[ "$result" = "${expected[$w]}" ] ||
		die "${label[$engine]} $w computed \"$result\", natively \"${expected[$w]}\""
	if [ "$engine" != native ] && [ "$engine" != qemu ]; then
		# e.g. "retired instructions 442116395  (215.3 MIPS over 2.054 s)"
		line=$(grep -m1 -i 'retired instructions' "$err" || true)
		if [[ $line =~ retired[^0-9]*([0-9]+) ]]; then n_retired=${BASH_REMATCH[1]}; fi
		if [[ $line =~ over\ +([0-9.]+)\ *s ]]; then n_running=${BASH_REMATCH[1]}; fi
		# "tier-1 share  97.3 % of retired instructions"
		line=$(grep -m1 -iE 'tier[- ]1 share' "$err" || true)
		if [[ $line =~ share[^0-9]*([0-9.]+) ]]; then n_share=${BASH_REMATCH[1]}; fi
		# "waiting for it  0.000 s"
		line=$(grep -m1 -i 'waiting for it' "$err" || true)
		if [[ $line =~ waiting\ for\ it[^0-9]*([0-9.]+) ]]; then n_waiting=${BASH_REMATCH[1]}; fi
		# "blocks compiled  312 (0.812 s, 2.60 ms per block, 9 batches)"
		line=$(grep -m1 -i 'blocks compiled' "$err" || true)
		if [[ $line =~ compiled[^0-9]*([0-9]+) ]]; then n_compiled=${BASH_REMATCH[1]}; fi
		if [[ $line =~ \(\ *([0-9.]+)\ *s ]]; then n_compiling=${BASH_REMATCH[1]}; fi
		# "page walks  37025781 (page faults 0)"
		line=$(grep -m1 -i 'page walks' "$err" || true)
		if [[ $line =~ walks[^0-9]*([0-9]+) ]]; then n_walks=${BASH_REMATCH[1]}; fi
		if [[ $line =~ faults[^0-9]*([0-9]+) ]]; then n_faults=${BASH_REMATCH[1]}; fi
	fi
	echo "$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.4f", d / 1e6 }') $n_retired $n_running $n_share $n_waiting $n_compiled $n_compiling $n_walks $n_faults"
}

# stats VALUES...: "median min max" of the values that are not "-"; "- - -"
# when none is.
stats() {
	printf '%s\n' "$@" | { grep -v '^-$' || true; } | sort -g | awk '{ v[NR] = $1 }
		END { if (!NR) { print "- - -"; exit }
		      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      print m, v[1], v[NR] }'
}
median() { stats "$@" | cut -d' ' -f1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
# range DECIMALS UNIT VALUES...: "median UNIT [min .. max]", or "n/a".
range() {
	local d=$1 u=$2
	shift 2
	stats "$@" | awk -v d="$d" -v u="$u" '$1 == "-" { print "n/a"; exit }
		{ f = "%." d "f"; printf f "%s [" f " .. " f "]\n", $1, u, $2, $3 }'
}

# measure_header: what runs, on what.
measure_header() {
	local w
	echo "morpheus: $MORPHEUS ($("$MORPHEUS" --version 2>/dev/null | head -n 1 || true)): run --accel soft --jit off | --jit on"
	[ "$use_kvm" = yes ] || echo "morpheus kvm: skipped: $kvm_note"
	[ "$use_qemu" = no ] || echo "QEMU: $(qemu-system-i386 --version | head -n 1), -accel tcg"
	echo "native: $native_kind"
	for w in "${workloads[@]}"; do
		echo "$w: bench/${source[$w]}, ${rounds[$w]} rounds: ${what[$w]}; ${expected[$w]#*: }"
	done
	echo "runs: $runs, interleaved; guest RAM $memory_mib MiB"
	echo
}

# measure_runs: every engine on every workload, runs times, interleaved.
measure_runs() {
	local i w e t r s sh wt bc ct pw pf
	for ((i = 0; i < runs; i++)); do
		for w in "${workloads[@]}"; do
			for e in "${engines[@]}"; do
				[ ! -t 2 ] || printf '\rrun %d of %d: %s, %-14s' $((i + 1)) "$runs" "$w" "${label[$e]} ..." >&2
				# Not in a subshell: a failure in run_one ends the script.
				run_one "$e" "$w" >"$tmp/result"
				read -r t r s sh wt bc ct pw pf <"$tmp/result"
				wall[$e.$w]+="$t "
				retired[$e.$w]+="$r "
				running[$e.$w]+="$s "
				share[$e.$w]+="$sh "
				waiting[$e.$w]+="$wt "
				compiled[$e.$w]+="$bc "
				compiling[$e.$w]+="$ct "
				walks[$e.$w]+="$pw "
				faults[$e.$w]+="$pf "
			done
		done
	done
	[ ! -t 2 ] || printf '\r%50s\r' "" >&2
}

# mips ENGINE WORKLOAD: the guest MIPS of each run, "-" without a count.
mips() {
	local r s k
	read -r -a r <<<"${retired[$1.$2]}"
	read -r -a s <<<"${running[$1.$2]}"
	for k in "${!r[@]}"; do
		if [ "${r[$k]}" = - ] || [ "${s[$k]}" = - ]; then echo -; continue; fi
		awk -v r="${r[$k]}" -v t="${s[$k]}" 'BEGIN { if (t > 0) printf "%.1f\n", r / t / 1e6; else print "-" }'
	done
}

# millions VALUES...: each value / 1e6 ("-" stays).
millions() {
	local v
	for v in "$@"; do
		if [ "$v" = - ]; then echo -; else awk -v v="$v" 'BEGIN { printf "%.4f\n", v / 1e6 }'; fi
	done
}

# measure_report WORKLOAD: its table; sets on_qemu[WORKLOAD] (jit on / QEMU
# TCG) and off_on[WORKLOAD] (jit off / jit on), "n/a" when missing.
declare -A on_qemu=() off_on=()
measure_report() {
	local w=$1 e count
	local -A med=()
	for e in "${engines[@]}"; do
		# shellcheck disable=SC2086
		med[$e]=$(median ${wall[$e.$w]})
	done
	echo "$w: bench/${source[$w]}, ${rounds[$w]} rounds"
	printf '  wall time, process start to exit (compile time included), s\n'
	for e in "${engines[@]}"; do
		# shellcheck disable=SC2086
		printf '    %-14s %-28s %7sx native\n' "${label[$e]}" "$(range 3 " s" ${wall[$e.$w]})" \
			"$(ratio "${med[$e]}" "${med[native]}")"
	done
	off_on[$w]=$(ratio "${med[off]}" "${med[on]}")
	if [ "$use_qemu" = yes ]; then
		on_qemu[$w]=$(ratio "${med[on]}" "${med[qemu]}")
		printf '  %s / QEMU TCG: %s;  jit off / %s: %s (the speed-up)\n' "${label[on]}" \
			"${on_qemu[$w]}" "${label[on]}" "${off_on[$w]}"
	else
		on_qemu[$w]=n/a
		printf '  jit off / %s: %s (the speed-up)\n' "${label[on]}" "${off_on[$w]}"
	fi
	printf '  guest MIPS (retired instructions / time running, from --stats)\n'
	for e in off on kvm; do
		[ "$e" != kvm ] || [ "$use_kvm" = yes ] || continue
		# shellcheck disable=SC2086
		count=$(median ${retired[$e.$w]})
		[ "$count" = - ] || count="($count retired instructions)"
		# shellcheck disable=SC2046
		printf '    %-14s %-28s %s\n' "${label[$e]}" "$(range 1 "" $(mips "$e" "$w"))" "$count"
	done
	if [ "${show_walks:-no}" = yes ]; then
		printf '  page walks, millions (from --stats)\n'
		for e in off on; do
			# shellcheck disable=SC2046,SC2086
			printf '    %-14s %-28s (page faults %s)\n' "${label[$e]}" \
				"$(range 2 "" $(millions ${walks[$e.$w]}))" "$(median ${faults[$e.$w]})"
		done
	fi
	printf '  tier 1 (%s, from --stats)\n' "${label[on]}"
	# shellcheck disable=SC2086
	{
		printf '    %-16s %s\n' "tier-1 share" "$(range 1 " %" ${share[on.$w]})"
		printf '    %-16s %s\n' "blocks compiled" "$(range 0 "" ${compiled[on.$w]})"
		printf '    %-16s %s\n' "compile time" "$(range 3 " s" ${compiling[on.$w]})"
		printf '    %-16s %s\n' "waiting for it" "$(range 3 " s" ${waiting[on.$w]})"
	}
	echo
}

# verdict VALUE OP LIMIT: "met" or "not met" ("n/a" without a value).
verdict() {
	[ "$1" != n/a ] || { echo "n/a"; return; }
	if awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { exit !(op == "<=" ? v + 0 <= l : v + 0 >= l) }'; then
		echo met
	else
		echo "not met"
	fi
}
