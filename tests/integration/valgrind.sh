#!/usr/bin/env bash
# The release build under valgrind (no sanitizer in the way): one
# worker, a few requests of every kind on both protocols, a reload, a
# failed reload, a client that resets, then SIGTERM. Master and workers
# must end with no memory error and nothing definitely lost.
# shellcheck source-path=SCRIPTDIR
SUITE=valgrind
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null; then
	fail "valgrind installed" "no valgrind (sh tests/deps.sh test)"
	exit 1
fi
# Exit status valgrind gives a process with errors.
VG_ERR=97

C=$TMP/capsule
cp -r "$TOP/capsule" "$C"
mkdir -p "$C/files/sub" "$C/map"
printf 'plain text\n' >"$C/files/a.txt"
noise 65536 >"$C/files/blob"
printf '# sub\n' >"$C/files/sub/index.gmi"
printf 'A map\n1Home\t/\n' >"$C/map/gophermap"
noise 1048576 >"$C/big.bin"
chmod -R u=rwX,go=rX "$C"
printf 'max-per-ip 0\nrate-per-ip 0\n' >"$TMP/server.conf"

GPORT=$(free_port)
CAPSULED=$TOP/build/capsuled SERVER_WRAP="valgrind --trace-children=yes \
--leak-check=full --errors-for-leak-kinds=definite \
--error-exitcode=$VG_ERR --log-file=$TMP/vg.%p.log" start_server main \
    -c "$TMP/server.conf" --workers 1 --host localhost \
    --gopher "127.0.0.1:$GPORT" "$C" || exit 1
U=gemini://localhost:$PORT
G=gopher://127.0.0.1:$GPORT

# Gemini: WANT status, then the request (a URL, or -r raw bytes).
gem_cases=(
	"20 $U/"
	"20 $U/files/a.txt"
	"20 $U/files/blob"
	"20 $U/files/"
	"31 $U/files"
	"20 $U/destinations/"
	"20 $U/sitemap.gmi"
	"10 $U/search"
	"20 $U/search?karolinska"
	"51 $U/missing.gmi"
	"53 gemini://elsewhere.test:$PORT/"
	"59 -r gemini://localhost/\\0\\r\\n $U/"
	"20 $U/big.bin"
)
# Gopher: WANT first bytes, then the selector.
gop_cases=(
	"i /"
	"i /index.gmi"
	"i /destinations/"
	"i /sitemap.gmi"
	"i /files/"
	"iA /map/"
	"plain /files/a.txt"
	"7 /search"
	"i /search\\tkarolinska"
	"CAPS /caps.txt"
	"3 /missing"
	"<!DOCTYPE URL:gemini://example.org/"
	"HTTP GET / HTTP/1.0\\r\\n"
)

# requests TAG: every case once; one PASS or FAIL for each protocol.
requests()
{
	local c want got bad=

	for c in "${gem_cases[@]}"; do
		want=${c%% *}
		# shellcheck disable=SC2086 # the request is words
		get "$TMP/r" ${c#* }
		[ "${HDR:0:2}" = "$want" ] || bad="$bad [$c: '${HDR:0:20}']"
	done
	expect_eq "$1: Gemini answers" "$bad" ""
	bad=
	for c in "${gop_cases[@]}"; do
		want=${c%% *}
		"$CAPGET" -t 20 -r "${c#* }\\r\\n" "$G/" >"$TMP/r" 2>/dev/null
		got=$(head -c ${#want} "$TMP/r")
		[ "$got" = "$want" ] || bad="$bad [$c: '$got']"
	done
	expect_eq "$1: Gopher answers" "$bad" ""
}

requests "first worker"
# A reset mid-response, and one who leaves before asking.
"$CAPGET" -t 20 "$U/big.bin" 2>/dev/null | head -c 1000 >/dev/null
(exec 3<>"/dev/tcp/127.0.0.1/$GPORT")
n=$(grep -c '^reloaded:' "$LOG")
kill -HUP "$PID"
for _ in $(seq 1 300); do
	[ "$(grep -c '^reloaded:' "$LOG")" -gt "$n" ] && break
	sleep 0.1
done
check "reload under valgrind" grep -q '^reloaded:' "$LOG"
# A reload that fails must free what it had built.
cp "$TMP/server.conf" "$TMP/good.conf"
printf 'workers "2\n' >>"$TMP/server.conf"
kill -HUP "$PID"
for _ in $(seq 1 300); do
	grep -q '^reload failed' "$LOG" && break
	sleep 0.1
done
check "failed reload under valgrind" grep -q '^reload failed' "$LOG"
cp "$TMP/good.conf" "$TMP/server.conf"
requests "after reload"

# Valgrind's leak check at exit is slow: up to 60 s, not stop_server's 10.
echo "$PID" >>"$TMP/stopped"
kill -TERM "$PID"
wait_gone "$PID" 60 || kill -KILL "$PID"
wait "$PID"
expect_eq "master exits 0 on SIGTERM" "$?" 0
sleep 1

nlogs=0
nworkers=0
for f in "$TMP"/vg.*.log; do
	[ -f "$f" ] || continue
	nlogs=$((nlogs + 1))
	# The master's parent is this shell; the others are its workers.
	if grep -q "Parent PID: $$\$" "$f"; then
		who=master
	else
		nworkers=$((nworkers + 1))
		who="worker $nworkers"
	fi
	sum=$(grep -o 'ERROR SUMMARY: [0-9]* errors' "$f")
	if [ "$sum" = "ERROR SUMMARY: 0 errors" ] && grep -Eq \
	    'definitely lost: 0 bytes|no leaks are possible' "$f"; then
		pass "$who: no error, nothing definitely lost"
	else
		fail "$who: no error, nothing definitely lost" \
		    "${sum:-no summary}; $(grep -m 3 -E \
		    'definitely lost|Invalid|uninitialised' "$f")"
	fi
done
# The master, the first worker, the one forked by the reload.
check "three processes checked" test "$nlogs" -ge 3
