#!/usr/bin/env bash
# Hostile clients: connection limits (max-per-ip, rate-per-ip, a worker's
# share of max-connections), thousands of idle connections, a reader that
# never drains, malformed and obsolete TLS, overlong lines, and running out
# of file descriptors. Each case checks what the client sees, then that
# the server is still healthy: the same worker PIDs, the next normal
# request answered, and no sanitizer report when it stops.
# shellcheck source-path=SCRIPTDIR disable=SC2119
SUITE=hostile
. "$(dirname "$0")/lib.sh"

LOADGEN=${LOADGEN:-$TOP/build/loadgen}
R=$TMP/root
mkdir -p "$R"
printf '# Hostile test capsule\n' >"$R/index.gmi"
# Far more than the socket buffers of both ends hold.
BIG=33554432
head -c "$BIG" /dev/zero >"$R/big.bin"

# conf NAME LINES...: writes a config file $TMP/NAME.conf.
conf()
{
	local f=$TMP/$1.conf

	shift
	printf '%s\n' "$@" >"$f"
	echo "$f"
}

# serve NAME CONFIG-LINES...: a server with Gemini on $PORT and Gopher on
# $GPORT, the given directives, and its worker PIDs in KIDS.
serve()
{
	local name=$1 c

	shift
	c=$(conf "$name" "$@")
	GPORT=$(free_port)
	# shellcheck disable=SC2086 # SERVE_ARGS: several words
	start_server "$name" -c "$c" --host localhost \
	    --gopher "127.0.0.1:$GPORT" ${SERVE_ARGS:-} "$R" || return 1
	for _ in $(seq 1 50); do
		KIDS=$(children "$PID" | sort | tr '\n' ' ')
		[ -n "$KIDS" ] && break
		sleep 0.1
	done
}

# healthy CASE: the workers are the ones started, and both protocols
# still answer a normal request.
healthy()
{
	local now

	now=$(children "$PID" | sort | tr '\n' ' ')
	expect_eq "$1: same worker PIDs" "$now" "$KIDS"
	expect_header "$1: then a Gemini request is served" \
	    "20 text/gemini" "gemini://localhost:$PORT/"
	"$CAPGET" -t 5 "gopher://127.0.0.1:$GPORT/" >"$TMP/g" 2>&1
	expect_match "$1: then a Gopher request is served" \
	    "$(head -n 1 "$TMP/g")" "^iHostile test capsule"
}

# ms: milliseconds on a monotonic-enough clock.
ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# HELD: descriptors of connections the test holds open from 127.0.0.1.
HELD=()
hold()
{
	local i fd

	for i in $(seq 1 "$2"); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$1" && HELD+=("$fd")
	done
}
release()
{
	local fd

	for fd in "${HELD[@]}"; do
		exec {fd}>&-
	done
	HELD=()
}

# silent_close NAME PORT: a connection that sends nothing is closed by
# the server at once: EOF (or a reset) within 2 s, no byte received.
silent_close()
{
	local fd t0 rc out

	t0=$(ms)
	exec {fd}<>"/dev/tcp/127.0.0.1/$2"
	out=$(timeout 5 od -An -tx1 <&"$fd" 2>/dev/null)
	rc=$?
	exec {fd}>&-
	if [ "$rc" != 124 ] && [ -z "$out" ] && [ $(($(ms) - t0)) -lt 2000 ]
	then
		pass "$1"
	else
		fail "$1" "rc $rc, got '$out' after $(($(ms) - t0)) ms"
	fi
}

# ---- max-per-ip -------------------------------------------------------

if serve perip "max-per-ip 3" "rate-per-ip 0"; then
	hold "$GPORT" 3
	sleep 0.5
	t0=$(ms)
	"$CAPGET" -t 5 "gopher://127.0.0.1:$GPORT/" >"$TMP/r" 2>"$TMP/r.err"
	rc=$?
	if [ "$rc" != 4 ] && [ ! -s "$TMP/r" ] &&
	    [ $(($(ms) - t0)) -lt 2000 ]; then
		pass "max-per-ip 3: the fourth Gopher client is closed at once"
	else
		fail "max-per-ip 3: the fourth Gopher client is closed at \
once" "rc $rc: $(head -c 100 "$TMP/r")"
	fi
	silent_close "max-per-ip 3: the fourth, on the TLS port, gets no \
handshake" "$PORT"
	check "max-per-ip 3: the refusal is logged" \
	    grep -q 'over max-per-ip (3): closed' "$LOG"
	"$CAPGET" -b 127.0.0.2 -t 5 "gopher://127.0.0.1:$GPORT/" >"$TMP/r" \
	    2>&1
	expect_match "max-per-ip 3: 127.0.0.2 is still served" \
	    "$(head -n 1 "$TMP/r")" "^iHostile"
	expect_header "max-per-ip 3: so is 127.0.0.2 on Gemini" \
	    "20 text/gemini" -b 127.0.0.2 "gemini://localhost:$PORT/"
	release
	sleep 0.5
	expect_header "max-per-ip 3: once the three close, 127.0.0.1 is \
served again" "20 text/gemini" "gemini://localhost:$PORT/"
	healthy "max-per-ip 3"
	# A worker killed outright leaves no count behind: its row is
	# zeroed before its successor starts.
	hold "$GPORT" 3
	sleep 0.5
	# shellcheck disable=SC2086 # one PID a word
	kill -KILL $KIDS
	release
	for _ in $(seq 1 50); do
		[ "$(children "$PID" | wc -l)" = 2 ] && break
		sleep 0.1
	done
	sleep 0.5
	KIDS=$(children "$PID" | sort | tr '\n' ' ')
	hold "$GPORT" 2
	expect_header "max-per-ip 3: workers SIGKILLed holding three \
leave no count behind" "20 text/gemini" "gemini://localhost:$PORT/"
	release
	# A reload keeps the counts: the retiring workers' connections
	# still count until they end.
	hold "$GPORT" 3
	sleep 0.5
	kill -HUP "$PID"
	for _ in $(seq 1 50); do
		grep -q 'reloaded:' "$LOG" && break
		sleep 0.1
	done
	sleep 0.5
	silent_close "max-per-ip 3: after a reload, connections held across \
it still count" "$PORT"
	release
	sleep 1
	expect_header "max-per-ip 3: and once they end, 127.0.0.1 is served" \
	    "20 text/gemini" "gemini://localhost:$PORT/"
	stop_server
fi

# ---- rate-per-ip ------------------------------------------------------

# burst N ERE CLIENT...: N Gemini requests from 127.0.0.1, then CLIENT,
# its output in $TMP/burst. A burst may straddle the server's one-second
# windows: a few tries, each in a fresh second, until the first line of
# the output matches ERE.
burst()
{
	local n=$1 re=$2 i

	shift 2
	for _ in 1 2 3; do
		sleep 1.1
		for i in $(seq 1 "$n"); do
			"$CAPGET" -t 5 "gemini://localhost:$PORT/" \
			    >/dev/null 2>&1
		done
		"$@" >"$TMP/burst" 2>/dev/null
		[[ $(head -n 1 "$TMP/burst") =~ $re ]] && return 0
	done
}

# burst_got: the output of the last burst's client, exactly.
burst_got()
{
	cat "$TMP/burst"
	printf x
}

if serve rate "max-per-ip 0" "rate-per-ip 2"; then
	burst 2 '^44' "$CAPGET" -t 5 "gemini://localhost:$PORT/"
	expect_eq "rate-per-ip 2: the third Gemini request (capget) gets \
44 SLOW DOWN" "$(burst_got)" $'44 1\r\nx'
	burst 2 '^44' sh -c "echo gemini://localhost:$PORT/ | timeout 5 \
openssl s_client -quiet -crlf -ign_eof -connect 127.0.0.1:$PORT \
-servername localhost"
	expect_eq "rate-per-ip 2: the third (openssl s_client) gets 44" \
	    "$(burst_got)" $'44 1\r\nx'
	burst 2 '^3' curl -s -m 5 "gopher://127.0.0.1:$GPORT/"
	expect_eq "rate-per-ip 2: the third (curl, Gopher) gets a type-3 menu" \
	    "$(burst_got)" \
	    $'3Too many connections; slow down\t\tnull.host\t0\r\n.\r\nx'
	check "rate-per-ip 2: slowing down is logged" \
	    grep -q 'over rate-per-ip (2): slow down' "$LOG"
	# More than twice the rate: closed without a handshake.
	for _ in 1 2 3; do
		sleep 1.1
		for i in 1 2 3 4 5 6; do
			"$CAPGET" -t 5 "gopher://127.0.0.1:$GPORT/" 2>/dev/null
		done >/dev/null
		"$CAPGET" -t 5 "gopher://127.0.0.1:$GPORT/" >"$TMP/r" \
		    2>/dev/null
		[ -s "$TMP/r" ] || break
	done
	expect_eq "rate-per-ip 2: far over the rate, closed with nothing \
sent" "$(head -c 40 "$TMP/r")" ""
	sleep 1.1
	healthy "rate-per-ip 2: after a second"
	stop_server
fi

# ---- 2,000 idle connections -------------------------------------------

if serve idle "max-per-ip 0" "rate-per-ip 0" "timeout 30"; then
	"$LOADGEN" -u "gopher://127.0.0.1:$GPORT/" -i 1000 -d 8 -n 0 \
	    -b 127.0.0.2 >"$TMP/lg1" 2>&1 &
	lg1=$!
	# Plain TCP on the TLS port: never even a ClientHello.
	"$LOADGEN" -u "gopher://127.0.0.1:$PORT/" -i 1000 -d 8 -n 0 \
	    -b 127.0.0.2 >"$TMP/lg2" 2>&1 &
	lg2=$!
	for _ in $(seq 1 100); do
		n=$(ss -Htn state established "( sport = :$PORT or \
sport = :$GPORT )" | grep -c ' 127\.0\.0\.2:')
		[ "$n" -ge 2000 ] && break
		sleep 0.1
	done
	sleep 1
	t0=$(ms)
	get "$TMP/r" "gemini://localhost:$PORT/"
	"$CAPGET" -t 5 "gopher://127.0.0.1:$GPORT/" >"$TMP/g" 2>&1
	took=$(($(ms) - t0))
	expect_eq "2000 idle connections held from 127.0.0.2" "$n" 2000
	if [ "$HDR" = $'20 text/gemini\r\n' ] && [ -s "$TMP/g" ] &&
	    [ "$took" -lt 1000 ]; then
		pass "2000 idle connections: 127.0.0.1 served on both \
protocols within a second ($took ms)"
	else
		fail "2000 idle connections: 127.0.0.1 served within a second" \
		    "$took ms, header '$HDR'"
	fi
	wait "$lg1" "$lg2"
	expect_eq "2000 idle connections: none dropped before their \
deadline" "$(cat "$TMP/lg1" "$TMP/lg2" | grep -o 'idle_open=[0-9]*' |
	    tr '\n' ' ')" "idle_open=1000 idle_open=1000 "
	healthy "2000 idle connections"
	stop_server
fi

# ---- a reader that never drains ---------------------------------------

if serve slowread "max-per-ip 0" "rate-per-ip 0" "write-timeout 2"; then
	for p in gopher gemini; do
		if [ $p = gopher ]; then
			u="gopher://127.0.0.1:$GPORT/9/big.bin"
		else
			u="gemini://localhost:$PORT/big.bin"
		fi
		t0=$(ms)
		"$CAPGET" -z 6 -t 60 "$u" 2>"$TMP/r.err" | wc -c >"$TMP/n"
		took=$(($(ms) - t0))
		n=$(tr -d ' ' <"$TMP/n")
		if [ "$n" -lt "$BIG" ] && [ "$took" -lt 20000 ]; then
			pass "$p: 1 byte a second: dropped at the write \
deadline ($n of $BIG bytes, $took ms)"
		else
			fail "$p: 1 byte a second: dropped at the write \
deadline" "$n of $BIG bytes in $took ms"
		fi
		# A reset: what the client left unread is discarded, not
		# kept in the server's kernel for it.
		expect_match "$p: the slow reader sees a reset" \
		    "$(cat "$TMP/r.err")" 'reset by peer'
	done
	expect_eq "slow readers: the access log shows both responses cut" \
	    "$(grep -Ec '/big.bin" 20 [0-9]{1,7}$' "$LOG")" 2
	healthy "slow readers"
	stop_server
fi

# ---- malformed, obsolete and oversized ---------------------------------

# hello VERSION: a TLS ClientHello record of that version byte (0 SSLv3,
# 1 TLS 1.0, 2 TLS 1.1) with two RSA suites and no extensions.
hello()
{
	# shellcheck disable=SC2059 # the version digit completes an escape
	printf '\x16\x03\x0'"$1"'\x00\x2f\x01\x00\x00\x2b\x03\x0'"$1"
	head -c 32 /dev/zero
	printf '\x00\x00\x04\x00\x2f\x00\x35\x01\x00'
}
mkdir -p "$TMP/in"
hello 0 >"$TMP/in/ssl3"
hello 1 >"$TMP/in/tls10"
hello 2 >"$TMP/in/tls11"
# SSL 2.0 CLIENT-HELLO framing (RFC 6101 E.2) offering TLS 1.0.
{ printf '\x80\x1c\x01\x03\x01\x00\x03\x00\x00\x00\x10\x01\x00\x80'
  head -c 16 /dev/zero; } >"$TMP/in/sslv2"
noise 4096 >"$TMP/in/garbage"
printf 'gemini://localhost/\r\n' >"$TMP/in/plain"
head -c 1048576 /dev/zero | tr '\0' a >"$TMP/in/mega"

# flood NAME PORT INPUT ERE: 20 clients at once send INPUT; each must see
# the connection end within 5 s, having received nothing or bytes whose
# hex form matches ERE.
flood()
{
	local name=$1 port=$2 in=$TMP/in/$3 re=$4 i bad=0 got kids=()

	for i in $(seq 1 20); do
		(
			exec {fd}<>"/dev/tcp/127.0.0.1/$port" || exit
			cat "$in" 2>/dev/null 1>&"$fd" &
			timeout 5 od -An -tx1 -v <&"$fd" 2>/dev/null |
			    tr -d ' \n' |
			    head -c 40 >"$TMP/fl.$i"
			echo "${PIPESTATUS[0]}" >"$TMP/fl.$i.rc"
			kill $! 2>/dev/null
		) &
		kids+=($!)
	done
	# Not a bare "wait": the server is a background job too.
	wait "${kids[@]}"
	for i in $(seq 1 20); do
		got=$(cat "$TMP/fl.$i")
		if [ "$(cat "$TMP/fl.$i.rc" 2>/dev/null)" = 124 ] ||
		    { [ -n "$got" ] && ! [[ $got =~ $re ]]; }; then
			bad=$((bad + 1))
			detail="rc $(cat "$TMP/fl.$i.rc" 2>/dev/null), got $got"
		fi
	done
	if [ "$bad" = 0 ]; then
		pass "$name: answered or dropped, 20 at once"
	else
		fail "$name" "$bad of 20 wrong, e.g. $detail"
	fi
}

SERVE_ARGS="--timeout 2"
if serve flood "max-per-ip 0" "rate-per-ip 0"; then
	# A TLS alert record (21), or nothing.
	alert='^1503'
	flood "TLS port: random bytes" "$PORT" garbage "$alert"
	flood "TLS port: SSLv2-format ClientHello" "$PORT" sslv2 \
	    '^1503..00020246'
	flood "TLS port: SSLv3-only ClientHello" "$PORT" ssl3 "$alert"
	flood "TLS port: TLS 1.0-only ClientHello" "$PORT" tls10 \
	    '^1503..00020246'
	flood "TLS port: TLS 1.1-only ClientHello" "$PORT" tls11 \
	    '^1503..00020246'
	flood "TLS port: a plain-text request" "$PORT" plain "$alert"
	flood "TLS port: a 1 MB line before any handshake" "$PORT" mega \
	    "$alert"
	# The Gopher port speaks TLS too (gophers://): an obsolete
	# ClientHello gets the same protocol_version alert.
	flood "Gopher port: a TLS 1.0-only ClientHello" "$GPORT" tls10 \
	    '^1503..00020246'
	flood "Gopher port: a 1 MB line" "$GPORT" mega '^33'
	for v in tls1 tls1.1; do
		"$CAPGET" -T $v -t 5 "gemini://localhost:$PORT/" >/dev/null \
		    2>"$TMP/v.err"
		msg=$(cat "$TMP/v.err")
		if [[ $msg =~ "no protocols available" ]]; then
			pass "capget -T $v: this OpenSSL will not send it \
(the handcrafted hello covers it)"
		else
			expect_match "capget -T $v: refused with an alert" \
			    "$msg" 'alert protocol version'
		fi
	done
	head -c 1048576 /dev/zero | tr '\0' a | timeout 10 openssl s_client \
	    -quiet -connect "127.0.0.1:$PORT" -servername localhost \
	    >"$TMP/r" 2>/dev/null
	expect_match "TLS: a 1 MB request line gets 59 or a close" \
	    "$(head -c 40 "$TMP/r")" $'^(59 Request too long\r)?$'
	healthy "floods"
	stop_server
fi
SERVE_ARGS=

# ---- a worker's share of max-connections ------------------------------

if serve share "max-connections 4" "max-per-ip 0" "rate-per-ip 0"; then
	"$LOADGEN" -u "gopher://127.0.0.1:$GPORT/" -i 4 -d 3 -n 0 \
	    -b 127.0.0.2 >"$TMP/lg" 2>&1 &
	lg=$!
	sleep 1
	t0=$(ms)
	"$CAPGET" -t 10 "gopher://127.0.0.1:$GPORT/" >"$TMP/r" 2>&1
	took=$(($(ms) - t0))
	wait "$lg"
	expect_match "max-connections 4, 2 workers full: a fifth client \
waits for a free slot, then is served (after $took ms)" \
	    "$(head -n 1 "$TMP/r")" "^iHostile"
	check "max-connections: a full worker says it stops accepting" \
	    grep -q 'holds its share (2); not accepting' "$LOG"
	healthy "max-connections 4"
	stop_server
fi

# ---- out of file descriptors ------------------------------------------

# The worker's CPU time (utime + stime) in clock ticks.
cpu_ticks()
{
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# main.c raises the soft limit to the hard one: lower both.
SERVER_WRAP="prlimit --nofile=40:40" SERVE_ARGS="--workers 1"
if serve emfile "max-per-ip 0" "rate-per-ip 0"; then
	w=${KIDS% }
	"$LOADGEN" -u "gopher://127.0.0.1:$GPORT/" -i 100 -d 5 -n 0 \
	    -b 127.0.0.2 >"$TMP/lg" 2>&1 &
	lg=$!
	sleep 1
	c0=$(cpu_ticks "$w")
	sleep 3
	c1=$(cpu_ticks "$w")
	hz=$(getconf CLK_TCK)
	wait "$lg"
	check "EMFILE: the worker logs that it paused accepting" \
	    grep -q 'pausing: Too many open files' "$LOG"
	used=$(((c1 - c0) * 1000 / hz))
	if [ "$used" -lt 500 ]; then
		pass "EMFILE: no spinning ($used ms of CPU in 3 s)"
	else
		fail "EMFILE: no spinning" "$used ms of CPU in 3 s"
	fi
	sleep 1.5
	healthy "EMFILE"
	stop_server
fi
SERVER_WRAP='' SERVE_ARGS=''
