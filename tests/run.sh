#!/bin/sh
# Runs every test of capsuled: unit programs (sanitizer build), the
# integration suites, a short smoke run of each fuzzer, and the man page
# lint. Each case prints one "PASS suite: case" or "FAIL suite: case: why"
# line; the last line is "N passed, M failed". All of it goes to
# build/test.log as well. Exits 1 on any failure, or if nothing ran.

cd "$(dirname "$0")/.." || exit 1
mkdir -p build
LOG=build/test.log

ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS
FUZZ_SMOKE_SECONDS=${FUZZ_SMOKE_SECONDS:-10}
# An integration suite that runs longer than this has hung.
SUITE_TIMEOUT=${SUITE_TIMEOUT:-600}

# run_prog SUITE NAME COMMAND...: shows the output; adds a PASS or FAIL
# line when the program printed none of its own, or failed silently.
run_prog()
{
	suite=$1
	name=$2
	shift 2
	out=$(mktemp)
	# Streamed as it comes; the status travels through a file.
	{ "$@" 2>&1; echo $? >"$out.rc"; } | tee "$out"
	rc=$(cat "$out.rc")
	if [ "$rc" -ne 0 ]; then
		grep -q '^FAIL ' "$out" ||
		    echo "FAIL $suite: $name: exit status $rc"
	elif ! grep -q '^PASS \|^FAIL ' "$out"; then
		echo "PASS $suite: $name"
	fi
	rm -f "$out" "$out.rc"
}

run_units()
{
	for t in build/san/test_*; do
		[ -x "$t" ] || continue
		run_prog unit "${t##*/}" "$t"
	done
}

run_integration()
{
	for s in tests/integration/*.sh; do
		[ -f "$s" ] || continue
		[ "${s##*/}" = lib.sh ] && continue
		run_prog integration "${s##*/}" \
		    timeout -k 10 "$SUITE_TIMEOUT" bash "$s"
	done
}

# Each fuzzer on a scratch copy of its corpus, so runs leave no files.
run_fuzzers()
{
	for f in build/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		n=${f##*/fuzz_}
		dir=$(mktemp -d)
		if [ -d "tests/fuzz/corpus/$n" ]; then
			cp -R "tests/fuzz/corpus/$n/." "$dir/"
		fi
		out=$(mktemp)
		if "$f" -max_total_time="$FUZZ_SMOKE_SECONDS" -timeout=5 \
		    -artifact_prefix=build/fuzz/ "$dir" >"$out" 2>&1; then
			echo "PASS fuzz: $n (${FUZZ_SMOKE_SECONDS} s)"
		else
			tail -n 30 "$out"
			echo "FAIL fuzz: $n: $(grep -m 1 -E \
			    'ERROR|runtime error|SUMMARY' "$out")"
		fi
		rm -rf "$dir" "$out"
	done
}

run_lint()
{
	command -v mandoc >/dev/null 2>&1 || return 0
	pages=
	for p in doc/*.8 doc/*.5; do
		[ -f "$p" ] && pages="$pages $p"
	done
	[ -n "$pages" ] || return 0
	# shellcheck disable=SC2086 # one word per page
	if out=$(mandoc -Tlint -Wwarning $pages 2>&1) && [ -z "$out" ]; then
		echo "PASS lint: mandoc$pages"
	else
		echo "$out"
		echo "FAIL lint: mandoc$pages: $(echo "$out" | head -n 1)"
	fi
}

{
	run_units
	run_integration
	run_fuzzers
	run_lint
} 2>&1 | tee "$LOG"

npass=$(grep -c '^PASS ' "$LOG")
nfail=$(grep -c '^FAIL ' "$LOG")
echo "$npass passed, $nfail failed" | tee -a "$LOG"
[ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]
