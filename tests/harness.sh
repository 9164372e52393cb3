#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# harness.sh — the harness contract of `morpheus run`, under every engine
# available here: the soft engine always, kvm where /dev/kvm works (else
# only its part is skipped, with a "SKIP: kvm part: <reason>" line). The
# echo guest (tests/guests/echo16.asm: echoes serial input; q = debug-exit
# 0x11, r = reset through port 0x92, k = reset through the i8042, h = halt)
# checks serial input from a pipe, a regular file and /dev/null; --timeout;
# guest resets with --on-reset exit and restart; SIGTERM/SIGINT/SIGHUP;
# --stats (per engine: kvm's table of exits by port, soft's retired
# instructions) and --trace post; --serial none and file:PATH; and, where
# script(1) gives us a pseudo-terminal, raw mode, Ctrl-A x and the terminal
# restored at exit. Every case checks the exit status and the output.
# It does not compare the engines with each other (tests/soft-guests.sh).
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

ECHO16=$GUESTS/echo16.bin
ENGINE=
PID=
INPUT_FROM=pipe
trap '[ -z "$PID" ] || kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT

# lib.sh's fail, naming the engine whose part failed.
fail() {
	echo "FAIL${ENGINE:+ (engine $ENGINE)}: $*"
	exit 1
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# show: prints the last run's status, serial output and stderr, for the log.
show() {
	echo "exit status $STATUS after ${ELAPSED_MS} ms; serial output:"
	sed 's/^/| /' "$OUT"
	if [ -s "$ERR" ]; then
		echo "stderr:"
		sed 's/^/! /' "$ERR"
	fi
}

# run_echo NAME INPUT ARGS...: `morpheus run` of the echo guest on ENGINE
# with the serial port on stdio and INPUT on stdin, through a pipe (or, with
# INPUT_FROM=regular-file, from a regular file). Sets STATUS, OUT (serial
# output, CR removed), ERR (stderr) and ELAPSED_MS.
run_echo() {
	name=$ENGINE-$1
	input=$2
	shift 2
	OUT=$WORK/$name.out
	ERR=$WORK/$name.err
	printf '%s' "$input" >"$WORK/$name.in"
	echo "+ morpheus run --accel $ENGINE --kernel echo16.bin --load 0x7c00 --serial stdio $*" \
		"<$INPUT_FROM: '$input'"
	start=$(now_ms)
	set +e
	if [ "$INPUT_FROM" = regular-file ]; then
		"$MORPHEUS" run --accel "$ENGINE" --kernel "$ECHO16" --load 0x7c00 --memory 16M \
			--serial stdio "$@" <"$WORK/$name.in" >"$WORK/$name.raw" 2>"$ERR"
	else
		printf '%s' "$input" | "$MORPHEUS" run --accel "$ENGINE" --kernel "$ECHO16" \
			--load 0x7c00 --memory 16M --serial stdio "$@" >"$WORK/$name.raw" 2>"$ERR"
	fi
	STATUS=$?
	set -e
	ELAPSED_MS=$(($(now_ms) - start))
	tr -d '\r' <"$WORK/$name.raw" >"$OUT"
	show
}

# start_echo NAME ARGS...: starts the echo guest on ENGINE in the background
# with its stdin a FIFO that `send` writes to, so that input can follow
# output.
start_echo() {
	name=$ENGINE-$1
	shift
	OUT=$WORK/$name.out
	ERR=$WORK/$name.err
	RAW=$WORK/$name.raw
	mkfifo "$WORK/$name.fifo"
	: >"$RAW"
	echo "+ morpheus run --accel $ENGINE --kernel echo16.bin --load 0x7c00 --serial stdio $* <fifo &"
	start=$(now_ms)
	"$MORPHEUS" run --accel "$ENGINE" --kernel "$ECHO16" --load 0x7c00 --memory 16M \
		--serial stdio "$@" <"$WORK/$name.fifo" >"$RAW" 2>"$ERR" &
	PID=$!
	exec 3>"$WORK/$name.fifo"
}

send() {
	echo "  send '$1'"
	printf '%s' "$1" >&3
}

# wait_lines TEXT N: waits (at most 20 s) until N lines of the serial output
# are TEXT.
wait_lines() {
	tries=0
	while [ "$(tr -d '\r' <"$RAW" | grep -F -x -c -- "$1")" -lt "$2" ]; do
		if ! kill -0 "$PID" 2>/dev/null; then
			tr -d '\r' <"$RAW" | sed 's/^/| /'
			fail "morpheus ended before printing \"$1\" $2 time(s)"
		fi
		tries=$((tries + 1))
		[ "$tries" -le 200 ] || fail "no \"$1\" line $2 time(s) after 20 s"
		sleep 0.1
	done
}

# finish_echo: closes the guest's input and waits for morpheus to end.
finish_echo() {
	exec 3>&-
	set +e
	wait "$PID"
	STATUS=$?
	set -e
	PID=
	ELAPSED_MS=$(($(now_ms) - start))
	tr -d '\r' <"$RAW" >"$OUT"
	show
}

count_lines() {
	grep -F -x -c -- "$1" "$OUT" || true
}

expect_count() {
	n=$(count_lines "$1")
	[ "$n" -eq "$2" ] || fail "\"$1\" is $n line(s) of the serial output, expected $2"
}

expect_no_stderr() {
	[ ! -s "$ERR" ] || fail "unexpected output on stderr: $(head -n 1 "$ERR")"
}

# --- serial input through a pipe: every byte echoed, then 'q' ends the run
# with debug-exit 0x11 (status 0x23).
case_pipe_input() {
	run_echo input 'abcq' --timeout 20
	expect_status 35 "debug-exit value 0x11"
	printf 'echo16: ready\nabcq\necho16: bye\n' >"$WORK/expected"
	cmp -s "$WORK/expected" "$OUT" || fail "the serial output is not exactly: ready, abcq, bye"
	expect_no_stderr
	echo "ok: serial input from a pipe"
}

# --- serial input from a regular file; the run must not spin on its end.
case_file_input() {
	INPUT_FROM=regular-file
	run_echo file-input 'xyzq' --timeout 20
	INPUT_FROM=pipe
	expect_status 35 "debug-exit value 0x11"
	expect_exact_line "xyzq"
	expect_exact_line "echo16: bye"
	echo "ok: serial input from a regular file"
}

# --- --timeout: the guest halts for ever; morpheus ends with 124 after about
# the time limit. Its stdin is a regular file, which poll() always reports
# readable, also at its end: the event loop must then stop polling it. With
# the vCPU halted (kvm: HLT costs no host CPU with the in-kernel irqchip;
# soft: HLT sleeps until a kick) and the loop idle, morpheus takes next to
# no CPU time while it waits.
case_timeout() {
	printf 'h' >"$WORK/timeout.in"
	echo "+ morpheus run --accel $ENGINE --kernel echo16.bin --load 0x7c00 --serial stdio" \
		"--timeout 1 <file: 'h'"
	OUT=$WORK/$ENGINE-timeout.out
	ERR=$WORK/$ENGINE-timeout.err
	start=$(now_ms)
	"$MORPHEUS" run --accel "$ENGINE" --kernel "$ECHO16" --load 0x7c00 --memory 16M \
		--serial stdio --timeout 1 <"$WORK/timeout.in" >"$WORK/$ENGINE-timeout.raw" 2>"$ERR" &
	PID=$!
	sleep 0.8
	cpu_ticks=
	if [ -r "/proc/$PID/stat" ]; then
		# utime + stime (fields 14 and 15; the name has no spaces), in ticks
		cpu_ticks=$(awk '{ print $14 + $15 }' "/proc/$PID/stat")
	fi
	set +e
	wait "$PID"
	STATUS=$?
	set -e
	PID=
	ELAPSED_MS=$(($(now_ms) - start))
	tr -d '\r' <"$WORK/$ENGINE-timeout.raw" >"$OUT"
	show
	expect_status 124 "--timeout"
	printf '%s\n' "echo16: ready" h "echo16: halt" >"$WORK/expected"
	cmp -s "$WORK/expected" "$OUT" || fail "the serial output is not: ready, h, halt"
	[ "$ELAPSED_MS" -ge 900 ] || fail "--timeout 1 ended the run after only $ELAPSED_MS ms"
	[ "$ELAPSED_MS" -lt 10000 ] || fail "--timeout 1 took $ELAPSED_MS ms"
	if [ -n "$cpu_ticks" ]; then
		hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
		echo "CPU time in the first 0.8 s: $cpu_ticks ticks of 1/$hz s"
		[ "$cpu_ticks" -lt $((hz / 4)) ] ||
			fail "morpheus used $cpu_ticks/$hz s of CPU in 0.8 s with the guest halted"
	fi
	echo "ok: --timeout"
}

# --- a guest reset ends the run with status 0 (--on-reset exit, the default).
case_reset_exit() {
	run_echo reset92 'r' --timeout 20
	expect_status 0 "reset through port 0x92"
	expect_count "echo16: ready" 1
	expect_exact_line "echo16: reset 0x92"
	run_echo reset8042 'k' --timeout 20 --on-reset exit
	expect_status 0 "reset through the i8042"
	expect_count "echo16: ready" 1
	expect_exact_line "echo16: reset i8042"
	echo "ok: --on-reset exit"
}

# --- --on-reset restart: the guest boots again after each reset. Input sent
# after a restart reaches the new guest.
case_reset_restart() {
	start_echo restart --timeout 30 --on-reset restart
	wait_lines "echo16: ready" 1
	send r
	wait_lines "echo16: ready" 2
	send k
	wait_lines "echo16: ready" 3
	send q
	finish_echo
	expect_status 35 "debug-exit value 0x11 after two restarts"
	printf '%s\n' "echo16: ready" r "echo16: reset 0x92" "echo16: ready" k \
		"echo16: reset i8042" "echo16: ready" q "echo16: bye" >"$WORK/expected"
	cmp -s "$WORK/expected" "$OUT" || fail "the serial output across the restarts is not as expected"
	expect_no_stderr

	# Input given before the reset and not yet taken by the guest survives
	# the restart: morpheus holds it while the UART (in 16450 mode, one
	# byte) is full. At most the byte in the old UART's receive register is
	# lost with the reset, as on a real machine; 'q' must arrive.
	run_echo restart-pending 'rXq' --timeout 20 --on-reset restart
	expect_status 35 "the 'q' sent with the 'r' reached the restarted guest"
	expect_count "echo16: ready" 2
	expect_line "echo16: bye"
	echo "ok: --on-reset restart"
}

# --- signals: morpheus ends with 128+n, promptly, after the guest's output.
case_signals() {
	for sig in TERM:143 INT:130 HUP:129; do
		start_echo "signal-${sig%:*}" --timeout 30
		send h
		wait_lines "echo16: halt" 1
		echo "  kill -${sig%:*}"
		kill "-${sig%:*}" "$PID"
		finish_echo
		expect_status "${sig#*:}" "SIG${sig%:*}"
		printf '%s\n' "echo16: ready" h "echo16: halt" >"$WORK/expected"
		cmp -s "$WORK/expected" "$OUT" || fail "the serial output is not intact after SIG${sig%:*}"
		expect_no_stderr
		[ "$ELAPSED_MS" -lt 20000 ] || fail "SIG${sig%:*} took $ELAPSED_MS ms"
	done
	echo "ok: signals"
}

# expect_kvm_stats: the table of VM exits, IO exits counted (every byte
# printed is an LSR read and a THR write), and by port.
expect_kvm_stats() {
	grep -q '^kvm exits ' "$ERR" || fail "--stats printed no table of kvm exits"
	io=$(sed -n 's/^  IO  *\([0-9][0-9]*\) .*/\1/p' "$ERR")
	[ -n "$io" ] || fail "--stats: no IO line with a count"
	[ "$io" -ge 60 ] || fail "--stats: $io IO exits, expected at least 60"
	thr=$(sed -n 's/^  0x03f8  *\([0-9][0-9]*\) .*/\1/p' "$ERR")
	if [ -z "$thr" ] || [ "$thr" -lt 30 ]; then
		fail "--stats: port 0x03f8 (COM1 data) counted ${thr:-nowhere}, expected at least 30"
	fi
	post=$(sed -n 's/^  0x0080  *\([0-9][0-9]*\) .*/\1/p' "$ERR")
	[ "$post" = 1 ] || fail "--stats: port 0x0080 counted ${post:-nowhere}, expected 1"
	grep -q '^  total  *[0-9]' "$ERR" || fail "--stats: no total line"
}

# expect_soft_stats: the "soft engine" block, with guest instructions
# retired and blocks translated (the echo guest runs a few hundred
# instructions per byte it prints, and polls the UART while it waits).
expect_soft_stats() {
	grep -F -x -q 'soft engine' "$ERR" || fail "--stats printed no \"soft engine\" block"
	retired=$(sed -n 's/^  retired instructions  *\([0-9][0-9]*\) .*/\1/p' "$ERR")
	[ -n "$retired" ] || fail "--stats: no retired instructions line with a count"
	[ "$retired" -gt 0 ] || fail "--stats: $retired retired instructions"
	blocks=$(sed -n 's/^  blocks translated  *\([0-9][0-9]*\)$/\1/p' "$ERR")
	[ -n "$blocks" ] || fail "--stats: no blocks translated line with a count"
	[ "$blocks" -gt 0 ] || fail "--stats: $blocks blocks translated"
	if grep -q '^kvm exits ' "$ERR"; then
		fail "--stats printed kvm's exit table under the soft engine"
	fi
}

# --- --stats: the engine's statistics on stderr at exit; --trace post: the
# POST code, on both engines.
case_stats() {
	run_echo stats 'abcq' --timeout 20 --stats --trace post
	expect_status 35 "debug-exit value 0x11"
	expect_exact_line "echo16: bye"
	case $ENGINE in
	kvm) expect_kvm_stats ;;
	soft) expect_soft_stats ;;
	*) fail "no --stats check for engine $ENGINE" ;;
	esac
	grep -F -x -q '[post] 0x42' "$ERR" || fail "--trace post did not show \"[post] 0x42\""
	[ "$(grep -c '^\[post\]' "$ERR")" -eq 1 ] || fail "--trace post: not exactly one POST line"
	echo "ok: --stats and --trace post"
}

# --- --serial none: the guest's output goes nowhere (no file, nothing on
# stdout) and stdin is not read: the 'q' never reaches the echo guest.
case_serial_none() {
	mkdir "$WORK/$ENGINE-none"
	echo "+ (cd none && morpheus run --accel $ENGINE --kernel flat16.bin --load 0x7c00 --serial none)"
	set +e
	(cd "$WORK/$ENGINE-none" && printf 'q' | "$MORPHEUS" run --accel "$ENGINE" \
		--kernel "$GUESTS/flat16.bin" --load 0x7c00 --memory 16M --serial none --timeout 20 \
		>"$WORK/$ENGINE-none.stdout" 2>"$WORK/$ENGINE-none.err")
	STATUS=$?
	set -e
	echo "exit status $STATUS"
	expect_status 67 "flat16's debug-exit value 0x21"
	[ ! -s "$WORK/$ENGINE-none.stdout" ] || fail "--serial none: output on stdout"
	[ ! -s "$WORK/$ENGINE-none.err" ] || fail "--serial none: output on stderr"
	[ -z "$(ls -A "$WORK/$ENGINE-none")" ] ||
		fail "--serial none wrote files: $(ls -A "$WORK/$ENGINE-none")"
	run_echo none-input 'q' --timeout 1 --serial none
	expect_status 124 "no input reaches the guest with --serial none"
	[ ! -s "$OUT" ] || fail "--serial none: serial output on stdout"
	echo "ok: --serial none"
}

# --- --serial file:PATH: the output in PATH (truncated first), none on stdout.
case_serial_file() {
	serial=$WORK/$ENGINE-serial.txt
	printf 'old contents that must go away\n' >"$serial"
	echo "+ morpheus run --accel $ENGINE --kernel flat16.bin --load 0x7c00 --serial file:serial.txt"
	set +e
	"$MORPHEUS" run --accel "$ENGINE" --kernel "$GUESTS/flat16.bin" --load 0x7c00 --memory 16M \
		--serial "file:$serial" --timeout 20 </dev/null >"$WORK/$ENGINE-file.stdout" \
		2>"$WORK/$ENGINE-file.err"
	STATUS=$?
	set -e
	echo "exit status $STATUS"
	expect_status 67 "flat16's debug-exit value 0x21"
	OUT=$WORK/$ENGINE-file.out
	tr -d '\r' <"$serial" >"$OUT"
	sed 's/^/| /' "$OUT"
	printf '%s\n' "flat16: hello" "flat16: real mode" "flat16: loaded at 00007C00" \
		"flat16: sum=0x0B36" >"$WORK/expected"
	cmp -s "$WORK/expected" "$OUT" || fail "--serial file: the file does not hold exactly flat16's output"
	[ ! -s "$WORK/$ENGINE-file.stdout" ] || fail "--serial file: output on stdout"
	echo "ok: --serial file:PATH"
}

# --- a terminal (a pseudo-terminal from script(1), where there is one): raw
# mode while the guest runs, Ctrl-A x quits (status 0, the keys do not reach
# the guest), and the terminal settings are restored at exit, after SIGTERM
# too.
case_terminal() {
	if ! command -v script >/dev/null 2>&1 ||
		! script -qec true /dev/null </dev/null >/dev/null 2>&1; then
		echo "note: no script(1) with a pseudo-terminal here: terminal cases not run"
		return 0
	fi
	cmd="$MORPHEUS run --accel $ENGINE --kernel $ECHO16 --load 0x7c00 --memory 16M --timeout 20"
	echo "+ script: morpheus run --accel $ENGINE ... on a pseudo-terminal; type 'ab', then Ctrl-A x"
	(sleep 0.3; printf 'ab'; sleep 0.3; printf '\001x'; sleep 0.5) |
		script -qec "stty -g; $cmd; echo status=\$?; stty -g" /dev/null \
			>"$WORK/$ENGINE-tty.raw" 2>&1 || true
	OUT=$WORK/$ENGINE-tty.out
	tr -d '\r' <"$WORK/$ENGINE-tty.raw" >"$OUT"
	sed 's/^/| /' "$OUT"
	expect_line "echo16: ready"
	grep -q 'status=0$' "$OUT" || fail "Ctrl-A x: morpheus did not end with status 0"
	if grep -q 'abx' "$OUT"; then
		fail "Ctrl-A x: the 'x' reached the guest"
	fi
	settings=$(grep -c '^[0-9a-f]*:[0-9a-f:]*$' "$OUT" || true)
	[ "$settings" -eq 2 ] || fail "cannot read the terminal settings before and after"
	[ "$(grep '^[0-9a-f]*:[0-9a-f:]*$' "$OUT" | sort -u | wc -l)" -eq 1 ] ||
		fail "Ctrl-A x: the terminal settings were not restored"

	echo "+ script: morpheus run --accel $ENGINE ... & on a pseudo-terminal; type 'h', then kill -TERM"
	(sleep 0.3; printf 'h'; sleep 1.5) |
		script -qec "stty -g; $cmd </dev/tty & pid=\$!; sleep 1; stty -g; kill -TERM \$pid;
			wait \$pid; echo status=\$?; stty -g" /dev/null >"$WORK/$ENGINE-tty-term.raw" 2>&1 || true
	OUT=$WORK/$ENGINE-tty-term.out
	tr -d '\r' <"$WORK/$ENGINE-tty-term.raw" >"$OUT"
	sed 's/^/| /' "$OUT"
	expect_line "echo16: halt"
	grep -q 'status=143$' "$OUT" || fail "SIGTERM on a terminal: not status 143"
	grep '^[0-9a-f]*:[0-9a-f:]*$' "$OUT" >"$WORK/settings"
	[ "$(wc -l <"$WORK/settings")" -eq 3 ] || fail "cannot read the terminal settings"
	before=$(sed -n 1p "$WORK/settings")
	during=$(sed -n 2p "$WORK/settings")
	after=$(sed -n 3p "$WORK/settings")
	[ "$before" != "$during" ] || fail "the terminal was not in raw mode while the guest ran"
	[ "$before" = "$after" ] || fail "SIGTERM: the terminal settings were not restored"
	echo "ok: terminal raw mode, Ctrl-A x, restored after SIGTERM"
}

# run_cases ENGINE: every case above, with `morpheus run --accel ENGINE`.
run_cases() {
	ENGINE=$1
	echo "=== engine $ENGINE"
	case_pipe_input
	case_file_input
	case_timeout
	case_reset_exit
	case_reset_restart
	case_signals
	case_stats
	case_serial_none
	case_serial_file
	case_terminal
	echo "=== engine $ENGINE: every case passed"
	ENGINE=
}

run_cases soft
engines=soft
kvm_check
if [ -n "$KVM_UNUSABLE" ]; then
	echo "SKIP: kvm part: $KVM_UNUSABLE"
else
	run_cases kvm
	engines="$engines kvm"
fi

echo "PASS ($engines): serial input, --timeout, resets, restarts, signals, --stats, --serial"
