#!/usr/bin/env bash
# Two capsuled instances behind HAProxy, run with doc/haproxy.cfg moved to
# loopback ports: requests reach both, the instances log the client's
# address (127.0.0.5, not HAProxy's 127.0.0.1), and when one instance is
# killed under load, few requests fail and none once the health check has
# marked it down.
# shellcheck source-path=SCRIPTDIR
SUITE=haproxy
. "$(dirname "$0")/lib.sh"

if ! command -v haproxy >/dev/null 2>&1; then
	fail "haproxy is installed" "run: sh tests/deps.sh test"
	exit 1
fi

for n in a b; do
	mkdir -p "$TMP/$n"
	printf '# Instance %s\n' "$n" >"$TMP/$n/index.gmi"
	printf '%s\n' "$n" >"$TMP/$n/who.txt"
done

# Each instance trusts HAProxy (127.0.0.1) only. The load below is one
# client as fast as it goes: the per-address rate limit is not on test.
printf 'rate-per-ip 0\n' >"$TMP/norate.conf"
GA=$(free_port)
PA=$(free_port)
start_server a -c "$TMP/norate.conf" --host localhost --gemini-proxy "127.0.0.1:$GA" \
    --gopher-proxy "127.0.0.1:$PA" --proxy-from 127.0.0.1 "$TMP/a" || exit 1
A_PID=$PID
A_LOG=$LOG
GB=$(free_port)
PB=$(free_port)
start_server b -c "$TMP/norate.conf" --host localhost --gemini-proxy "127.0.0.1:$GB" \
    --gopher-proxy "127.0.0.1:$PB" --proxy-from 127.0.0.1 "$TMP/b" || exit 1
B_LOG=$LOG

HG=$(free_port)
HP=$(free_port)
sed -e "s/^\tbind :1965\$/\tbind 127.0.0.1:$HG/" \
    -e "s/^\tbind :70\$/\tbind 127.0.0.1:$HP/" \
    -e "s/10\.0\.0\.10:1965/127.0.0.1:$GA/" \
    -e "s/10\.0\.0\.11:1965/127.0.0.1:$GB/" \
    -e "s/10\.0\.0\.10:70\$/127.0.0.1:$PA/" \
    -e "s/10\.0\.0\.11:70\$/127.0.0.1:$PB/" \
    "$TOP/doc/haproxy.cfg" >"$TMP/haproxy.cfg"
check "doc/haproxy.cfg: haproxy -c accepts it" \
    haproxy -c -q -f "$TMP/haproxy.cfg"
check "doc/haproxy.cfg: every address moved to loopback" \
    bash -c "! grep -v '^[[:space:]]*#' '$TMP/haproxy.cfg' |
    grep -q '10\.0\.0\.1[01]\|bind :'"
haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/haproxy.log" 2>&1 </dev/null &
H_PID=$!
echo "haproxy $H_PID" >>"$SERVERS"

# gopher_get OUT: /who.txt through HAProxy, from 127.0.0.5.
gopher_get()
{
	"$CAPGET" -t 5 -b 127.0.0.5 -c "127.0.0.1:$HP" \
	    "gopher://localhost:$HP/0/who.txt" >"$1" 2>/dev/null
}

for _ in $(seq 1 50); do
	gopher_get "$TMP/o" && [ -s "$TMP/o" ] && break
	sleep 0.2
done
check "haproxy: up and forwarding within 10 s" test -s "$TMP/o"

# ---- both instances serve, and see the client --------------------------

seen=
for _ in $(seq 1 10); do
	gopher_get "$TMP/o"
	seen="$seen$(cat "$TMP/o")"
done
expect_match "gopher: ten requests reach instance a" "$seen" a
expect_match "gopher: ten requests reach instance b" "$seen" b
check "gopher: instance a logs the client, 127.0.0.5" \
    grep -Eq '127\.0\.0\.5:[0-9]+ localhost "/who\.txt" 20' "$A_LOG"
check "gopher: instance b logs the client, 127.0.0.5" \
    grep -Eq '127\.0\.0\.5:[0-9]+ localhost "/who\.txt" 20' "$B_LOG"

ok=0
for _ in 1 2 3 4; do
	"$CAPGET" -t 5 -b 127.0.0.6 -c "127.0.0.1:$HG" \
	    "gemini://localhost/" >"$TMP/o" 2>/dev/null
	[ "$(head -n 1 "$TMP/o")" = $'20 text/gemini\r' ] && ok=$((ok + 1))
done
expect_eq "gemini: TLS through HAProxy, four requests served" "$ok" 4
check "gemini: an instance logs the client, 127.0.0.6" \
    grep -Eq '127\.0\.0\.6:[0-9]+ localhost "gemini://localhost/" 20' \
    "$A_LOG" "$B_LOG"
# The checks (a Gopher menu, a Gemini page) carry HAProxy's own address.
for _ in $(seq 1 50); do
	grep -Eq '127\.0\.0\.1:[0-9]+ localhost "/" 20' "$A_LOG" && break
	sleep 0.1
done
check "health checks: instance a answers the Gopher one" \
    grep -Eq '127\.0\.0\.1:[0-9]+ localhost "/" 20' "$A_LOG"
check "health checks: instance a answers the Gemini one" \
    grep -Eq '127\.0\.0\.1:[0-9]+ localhost "gemini://localhost/" 20' \
    "$A_LOG"

# ---- one instance killed under load --------------------------------------

# Requests one after another until $TMP/stop exists: "start-ms result".
load()
{
	local t r

	while [ ! -e "$TMP/stop" ]; do
		t=$(date +%s%3N)
		if gopher_get "$TMP/l" && [ -s "$TMP/l" ]; then
			r=$(cat "$TMP/l")
		else
			r=FAIL
		fi
		echo "$t $r" >>"$TMP/load"
	done
}
: >"$TMP/load"
load &
L_PID=$!
sleep 1
# A crash, not a shutdown: the master and its workers at once.
kids=$(children "$A_PID")
echo "$A_PID" >>"$TMP/stopped"
# (bash's "Killed" notice for the job is not news here.)
{ kill -KILL "$A_PID" $kids; wait "$A_PID"; } 2>/dev/null
down=
for _ in $(seq 1 100); do
	grep -q 'Server gopher/a is DOWN' "$TMP/haproxy.log" &&
	    down=$(date +%s%3N) && break
	sleep 0.1
done
check "health check marks the killed instance down within 10 s" \
    test -n "$down"
sleep 2
touch "$TMP/stop"
wait "$L_PID"
total=$(wc -l <"$TMP/load")
failed=$(grep -c FAIL "$TMP/load")
after=$(awk -v d="${down:-0}" '$1 > d' "$TMP/load" | wc -l)
failed_after=$(awk -v d="${down:-0}" '$1 > d && $2 == "FAIL"' \
    "$TMP/load" | wc -l)
check "load: $total requests, $failed failed: at most 5" \
    test "$total" -ge 20 -a "$failed" -le 5
check "load: $after requests after the check noticed, none failed" \
    test "$after" -ge 5 -a "$failed_after" -eq 0
expect_eq "load: after that, instance b serves them all" \
    "$(awk -v d="${down:-0}" '$1 > d && $2 != "b"' "$TMP/load" | head -n 3)" \
    ""

stop_server b "$(awk '$1 == "b" { print $2 }' "$SERVERS")" "$B_LOG"
echo "$H_PID" >>"$TMP/stopped"
kill -TERM "$H_PID" 2>/dev/null
if wait_gone "$H_PID" 10; then
	pass "haproxy: stopped"
else
	kill -KILL "$H_PID" 2>/dev/null
	fail "haproxy: stopped" "still running after 10 s"
fi
# SIGTERM is how haproxy is meant to stop: its status says so, not us.
wait "$H_PID" 2>/dev/null || true
