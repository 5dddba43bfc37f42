# shellcheck shell=bash disable=SC2086 # $kids, $SERVER_WRAP split on purpose
# Helpers for the integration suites (bash). A suite sets SUITE (or takes
# its file name), sources this file, builds what it serves under $TMP,
# then calls start_server, the request helpers and the check helpers.
#
# Every case prints exactly one line:
#	PASS <suite>: <case>
#	FAIL <suite>: <case>: <detail>
# Servers listen on loopback only and are stopped by PID when the suite
# exits, whether it passed or not.

SUITE=${SUITE:-$(basename "$0" .sh)}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CAPSULED=${CAPSULED:-$TOP/build/san/capsuled}
CAPGET=${CAPGET:-$TOP/build/capget}
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export ASAN_OPTIONS
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Lines in a server log that mean a sanitizer found something.
SANITIZER_RE='ERROR: AddressSanitizer|runtime error:|LeakSanitizer'

TMP=$(mktemp -d "${TMPDIR:-/tmp}/capsuled-$SUITE.XXXXXX") || exit 1
# Servers may run as an unprivileged user: let it reach the capsule.
chmod 755 "$TMP"
mkdir -p "$TMP/certs"

NPASS=0
NFAIL=0
# "name pid" of every server started, one a line.
SERVERS=$TMP/servers
: >"$SERVERS"

# The last server started: its name, PID, port and log file.
NAME=
PID=
PORT=
LOG=
# Prepended to the server command (e.g. "setpriv --reuid=65534 ...").
SERVER_WRAP=${SERVER_WRAP:-}

pass()
{
	NPASS=$((NPASS + 1))
	printf 'PASS %s: %s\n' "$SUITE" "$1"
}

# fail NAME DETAIL...
fail()
{
	local name=$1

	shift
	NFAIL=$((NFAIL + 1))
	printf 'FAIL %s: %s: %s\n' "$SUITE" "$name" "$(vis "$*")"
}

# A one-line, readable rendering of bytes: CR, LF and tab made visible,
# cut at 300 characters.
vis()
{
	local s=$1

	s=${s//$'\r'/\\r}
	s=${s//$'\n'/\\n}
	s=${s//$'\t'/\\t}
	[ ${#s} -gt 300 ] && s="${s:0:300}..."
	printf '%s' "$s"
}

# check NAME COMMAND...: PASS when the command succeeds.
check()
{
	local name=$1

	shift
	if "$@" >/dev/null 2>&1; then
		pass "$name"
	else
		fail "$name" "failed: $*"
	fi
}

# expect_eq NAME GOT WANT
expect_eq()
{
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got '$2', want '$3'"
	fi
}

# expect_match NAME GOT ERE
expect_match()
{
	if [[ $2 =~ $3 ]]; then
		pass "$1"
	else
		fail "$1" "got '$2', want match of /$3/"
	fi
}

# expect_nomatch NAME GOT ERE
expect_nomatch()
{
	if [[ $2 =~ $3 ]]; then
		fail "$1" "got '$2', must not match /$3/"
	else
		pass "$1"
	fi
}

# A random TCP port in 20000-31999 that nothing listens on: below the
# ephemeral range (32768-60999), so no client socket of a load can hold it.
# noise BYTES: the same pseudo-random bytes on every machine (AES-CTR of
# zeros), so that libmagic's verdict on them cannot change from run to run.
noise()
{
    head -c "$1" /dev/zero | openssl enc -aes-128-ctr -nosalt \
        -K 000102030405060708090a0b0c0d0e0f -iv 0 2>/dev/null
}

free_port()
{
	local p

	for _ in $(seq 1 50); do
		p=$(( ((RANDOM << 15) | RANDOM) % 12000 + 20000 ))
		if [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# is_alive PID: the process exists and is not a zombie.
is_alive()
{
	local st

	kill -0 "$1" 2>/dev/null || return 1
	st=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

# start_server NAME ARGS...: starts capsuled on 127.0.0.1 and a free port
# with --certs $TMP/certs --workers 2 ARGS, and waits for "ready:".
# Sets NAME, PID, PORT and LOG; prints a FAIL line and returns 1 if the
# server does not come up. CERTS and LISTEN_ADDR override the defaults.
start_server()
{
	local name=$1

	shift
	NAME=$name
	LOG=$TMP/$name.log
	for _ in 1 2 3 4 5; do
		PORT=$(free_port) || { fail "$name: start" "no free port"; \
		    return 1; }
		# shellcheck disable=SC2086 # SERVER_WRAP is a command prefix
		$SERVER_WRAP "$CAPSULED" \
		    --gemini "${LISTEN_ADDR:-127.0.0.1}:$PORT" \
		    --certs "${CERTS:-$TMP/certs}" --workers 2 "$@" \
		    >"$LOG" 2>&1 </dev/null &
		PID=$!
		echo "$name $PID" >>"$SERVERS"
		for _ in $(seq 1 100); do
			grep -q 'ready:' "$LOG" 2>/dev/null && return 0
			is_alive "$PID" || break
			sleep 0.1
		done
		if is_alive "$PID"; then
			fail "$name: start" "no 'ready:' within 10 s:" \
			    "$(tail -n 3 "$LOG")"
			return 1
		fi
		grep -qi 'in use' "$LOG" || break
	done
	fail "$name: start" "server exited: $(grep -v "^ *#" "$LOG" | head -n 3)"
	return 1
}

# children PID: the PIDs of its child processes.
children()
{
	pgrep -P "$1" 2>/dev/null
}

# wait_gone PID SECONDS: 0 once the process has exited.
wait_gone()
{
	local _

	for _ in $(seq 1 $(($2 * 10))); do
		is_alive "$1" || return 0
		sleep 0.1
	done
	return 1
}

# sanitizer_report LOG: the first sanitizer line of a log, if any.
sanitizer_report()
{
	grep -E -m 1 "$SANITIZER_RE" "$1" 2>/dev/null
}

# stop_server [NAME PID LOG]: SIGTERM, at most 10 s to exit with status 0,
# and no sanitizer report in its log. One PASS or FAIL line.
stop_server()
{
	local name=${1:-$NAME} pid=${2:-$PID} log=${3:-$LOG} kids rc k rep

	echo "$pid" >>"$TMP/stopped"
	kids=$(children "$pid")
	kill -TERM "$pid" 2>/dev/null
	if ! wait_gone "$pid" 10; then
		kill -KILL "$pid" $kids 2>/dev/null
		wait "$pid" 2>/dev/null
		fail "$name: SIGTERM stops it" "still running after 10 s"
		return 1
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	# Workers must not outlive the master.
	for k in $kids; do
		wait_gone "$k" 5 || { kill -KILL "$k" 2>/dev/null; \
		    rc="0, but worker $k was left running"; }
	done
	# A sanitizer in an exiting worker may still be writing.
	sleep 0.2
	if rep=$(sanitizer_report "$log"); then
		fail "$name: SIGTERM stops it" "sanitizer: $rep"
	elif [ "$rc" != 0 ]; then
		fail "$name: SIGTERM stops it" "exit status $rc"
	else
		pass "$name: SIGTERM stops it, exit 0, no sanitizer report"
	fi
}

# Kills whatever is still running, then removes the temporary directory.
cleanup()
{
	local name pid kids rep

	while read -r name pid; do
		grep -qx "$pid" "$TMP/stopped" 2>/dev/null && continue
		kids=$(children "$pid")
		kill -TERM "$pid" $kids 2>/dev/null
		wait_gone "$pid" 3 || kill -KILL "$pid" $kids 2>/dev/null
		wait "$pid" 2>/dev/null
		if rep=$(sanitizer_report "$TMP/$name.log"); then
			fail "$name: no sanitizer report" "$rep"
		fi
	done <"$SERVERS"
	rm -rf "$TMP"
}

finish()
{
	local rc=$?

	cleanup
	[ "$NFAIL" -gt 0 ] && rc=1
	exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

# ---- requests --------------------------------------------------------

# get OUTFILE CAPGET-ARGS...: runs capget against the current server;
# sets RC to its exit status and HDR to the first line (CR LF included).
get()
{
	local out=$1

	shift
	"$CAPGET" -t 5 -c "${CONNECT_ADDR:-127.0.0.1}:$PORT" "$@" \
	    >"$out" 2>"$out.err"
	RC=$?
	HDR=$(head -n 1 "$out"; printf x)
	HDR=${HDR%x}
}

# expect_header NAME WANT CAPGET-ARGS...: the response header is exactly
# WANT followed by CR LF.
expect_header()
{
	local name=$1 want=$2

	shift 2
	get "$TMP/resp" "$@"
	if [ "$HDR" = "$want"$'\r\n' ]; then
		pass "$name"
	else
		fail "$name" "got '$HDR' (capget $RC: $(head -c 200 \
		    "$TMP/resp.err")), want '$want"$'\r\n'"'"
	fi
}

# expect_header_re NAME ERE CAPGET-ARGS...: the header (CR LF included)
# matches ^ERE$.
expect_header_re()
{
	local name=$1 re=$2

	shift 2
	get "$TMP/resp" "$@"
	if [[ $HDR =~ ^$re$ ]]; then
		pass "$name"
	else
		fail "$name" "got '$HDR' (capget $RC: $(head -c 200 \
		    "$TMP/resp.err")), want /^$re$/"
	fi
}

# body FILE: the response minus its header line.
body()
{
	tail -n +2 "$1"
}

# ---- load and process state ------------------------------------------

LOADGEN=${LOADGEN:-$TOP/build/loadgen}

# load OUT URL CONNS SECONDS: build/loadgen against URL, connecting to
# 127.0.0.1 at the URL's port; its one line of key=value pairs goes to
# OUT. Meant to run in the background.
load()
{
	local hp=${2#*://}

	hp=${hp%%/*}
	"$LOADGEN" -u "$2" -C "127.0.0.1:${hp##*:}" -c "$3" -d "$4" \
	    >"$1" 2>&1
}

# lg_field FILE KEY: one value of a loadgen line ("" if absent).
lg_field()
{
	sed -nE "s/.*(^| )$2=([^ ]*).*/\\2/p" "$1"
}

# lg_failed FILE: requests that did not succeed; "?" without a result.
lg_failed()
{
	local n ok

	n=$(lg_field "$1" requests)
	ok=$(lg_field "$1" ok)
	if [ -z "$n" ] || [ -z "$ok" ]; then
		echo "?"
	else
		echo $((n - ok))
	fi
}

# fd_count PID: its open descriptors.
fd_count()
{
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# rss_kb PID: its resident set size in KiB.
rss_kb()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}
