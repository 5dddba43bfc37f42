#!/usr/bin/env bash
# PROXY protocol end to end: v1 and v2 headers (built with printf and
# capget -P) before Gopher selectors and Gemini TLS handshakes; the access
# log must name the header's client. Untrusted peers, bad headers and
# missing headers are closed; listeners without proxy-protocol ignore it.
# shellcheck source-path=SCRIPTDIR
SUITE=proxy
. "$(dirname "$0")/lib.sh"

R=$TMP/root
mkdir -p "$R"
printf '# Proxy test\n' >"$R/index.gmi"
printf 'hello\n' >"$R/a.txt"

# v2 signature, and blocks: TCP4 198.51.100.9:4386 -> 127.0.0.1:70,
# TCP6 [2001:db8::1]:65535 -> [::1]:1965 (printf escapes).
SIG='\r\n\r\n\0\r\nQUIT\n'
B4='\xc6\x33\x64\x09\x7f\x00\x00\x01\x11\x22\x00\x46'
B6='\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01'
B6=$B6'\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\xff\xff\x07\xad'

# log_has NAME ERE: the server log gets a matching line within 5 s (the
# access log is written when the connection closes).
log_has()
{
	local _

	for _ in $(seq 1 50); do
		grep -Eq -- "$2" "$LOG" && { pass "$1"; return 0; }
		sleep 0.1
	done
	fail "$1" "no line matching /$2/ in the log: $(tail -n 3 "$LOG")"
}

# send OUT PORT PRINTF-FORMAT: one write of the bytes to PORT, then
# whatever comes back until the server closes (at most 8 s).
send()
{
	# shellcheck disable=SC2059 # the format is the data
	printf "$3" | timeout 10 socat -t 8 -T 8 - "TCP:127.0.0.1:$2" \
	    >"$1" 2>"$1.err"
	RC=$?
}

GP=$(free_port)
PP=$(free_port)
OP=$(free_port)
start_server main -v --timeout 3 --host localhost \
    --gemini-proxy "127.0.0.1:$GP" --gopher-proxy "127.0.0.1:$PP" \
    --gopher "127.0.0.1:$OP" --proxy-from 127.0.0.0/8 \
    --proxy-from 2001:db8::/32 "$R" || exit 1

# ---- Gopher behind a proxy -------------------------------------------

send "$TMP/o" "$PP" 'PROXY TCP4 192.0.2.7 127.0.0.1 5555 70\r\n/a.txt\r\n'
expect_eq "gopher: v1 TCP4 header and selector in one write" \
    "$(cat "$TMP/o")" "hello"
log_has "gopher: v1: access log names the header's client" \
    '192\.0\.2\.7:5555 localhost "/a\.txt"'

send "$TMP/o" "$PP" "$SIG"'\x21\x11\x00\x0c'"$B4"'/a.txt\r\n'
expect_eq "gopher: v2 TCP4 header and selector in one write" \
    "$(cat "$TMP/o")" "hello"
log_has "gopher: v2: access log names the header's client" \
    '198\.51\.100\.9:4386 localhost "/a\.txt"'

out=$( { printf 'PROXY TCP4 192.0.2'; sleep 0.3; printf '.8 127.0.0.1 1 70'
    sleep 0.3; printf '\r'; sleep 0.3; printf '\n/a.txt\r\n'; } |
    timeout 10 socat -t 8 - "TCP:127.0.0.1:$PP" 2>/dev/null)
expect_eq "gopher: a header that trickles in, four writes" "$out" "hello"
log_has "gopher: trickled header: its client is logged" \
    '192\.0\.2\.8:1 localhost "/a\.txt"'

send "$TMP/o" "$PP" 'PROXY UNKNOWN\r\n/a.txt\r\n'
expect_eq "gopher: v1 UNKNOWN is served" "$(cat "$TMP/o")" "hello"
log_has "gopher: v1 UNKNOWN keeps the connection's own address" \
    '127\.0\.0\.1:[0-9]+ localhost "/a\.txt"'

# ---- Gemini behind a proxy: the ClientHello right after the header ---

G=gemini://localhost:$GP/
get "$TMP/o" -c "127.0.0.1:$GP" \
    -P 'PROXY TCP4 203.0.113.5 127.0.0.1 1234 1965\r\n' "$G"
expect_eq "gemini: v1 header, then TLS: served" "$HDR" $'20 text/gemini\r\n'
log_has "gemini: v1: access log names the header's client" \
    '203\.0\.113\.5:1234 localhost "gemini://localhost:[0-9]+/"'

get "$TMP/o" -c "127.0.0.1:$GP" -P "$SIG"'\x21\x21\x00\x24'"$B6" "$G"
expect_eq "gemini: v2 TCP6 header, then TLS: served" "$HDR" \
    $'20 text/gemini\r\n'
log_has "gemini: v2 TCP6: access log names the header's client" \
    '\[2001:db8::1\]:65535 localhost "gemini:'

TLVS='\x01\x00\x06gemini\x04\x00\x03\0\0\0'
get "$TMP/o" -c "127.0.0.1:$GP" -P "$SIG"'\x21\x11\x00\x1b'"$B4$TLVS" "$G"
expect_eq "gemini: v2 header with TLVs: served" "$HDR" \
    $'20 text/gemini\r\n'

get "$TMP/o" -c "127.0.0.1:$GP" -P "$SIG"'\x20\x00\x00\x00' "$G"
expect_eq "gemini: v2 LOCAL (a health check) is served" "$HDR" \
    $'20 text/gemini\r\n'

# ---- refused: bad header, no header, the wrong peer ------------------

send "$TMP/o" "$PP" 'PROXY TCP4 192.0.2.7 127.0.0.1 05555 70\r\n/a.txt\r\n'
expect_eq "gopher: a port with a leading zero: closed, nothing sent" \
    "$(cat "$TMP/o")" ""
log_has "gopher: bad header: logged with its reason" \
    '127\.0\.0\.1:[0-9]+: bad PROXY header: v1: bad address or port'

send "$TMP/o" "$PP" "$SIG"'\x22\x11\x00\x0c'"$B4"'/a.txt\r\n'
expect_eq "gopher: v2 command 2: closed, nothing sent" "$(cat "$TMP/o")" ""
log_has "gopher: v2 bad command: logged" \
    'bad PROXY header: v2: command not LOCAL or PROXY'

send "$TMP/o" "$PP" '/a.txt\r\n'
expect_eq "gopher: a selector without header: closed, nothing sent" \
    "$(cat "$TMP/o")" ""
log_has "gopher: no header: refused at the first byte" \
    'bad PROXY header: not a PROXY header'

start=$(date +%s)
get "$TMP/o" -c "127.0.0.1:$GP" "$G"
expect_eq "gemini: a ClientHello without header: TLS fails" "$RC" 1
check "gemini: ... at once, not at the deadline" \
    test $(($(date +%s) - start)) -lt 3

# A client that sends nothing: closed by the deadline (--timeout 3).
start=$(date +%s)
out=$(timeout 15 socat -u "TCP:127.0.0.1:$PP" STDOUT 2>&1)
el=$(($(date +%s) - start))
check "gopher: silent client closed by the deadline (${el} s)" \
    test "$el" -ge 2 -a "$el" -lt 12 -a -z "$out"
log_has "gopher: silent client: 'deadline passed' logged" \
    'deadline passed'

# ---- listeners without proxy-protocol are unaffected -----------------

send "$TMP/o" "$OP" '/a.txt\r\n'
expect_eq "plain gopher listener: served without header" \
    "$(cat "$TMP/o")" "hello"
send "$TMP/o" "$OP" 'PROXY TCP4 192.0.2.66 127.0.0.1 1 70\r\n'
log_has "plain gopher listener: a header is only a selector" \
    '127\.0\.0\.1:[0-9]+ localhost "PROXY TCP4 192\.0\.2\.66'
check "plain gopher listener: the header's address is never logged" \
    bash -c "! grep -q '192\.0\.2\.66:1 ' '$LOG'"
expect_header "plain gemini listener: served without header" \
    "20 text/gemini" "gemini://localhost:$PORT/"
stop_server

# ---- a peer that is not in proxy-from ---------------------------------

PP2=$(free_port)
start_server untrusted --host localhost --gopher-proxy "127.0.0.1:$PP2" \
    --proxy-from 192.0.2.0/24 "$R" || exit 1
send "$TMP/o" "$PP2" 'PROXY TCP4 192.0.2.7 127.0.0.1 5555 70\r\n/a.txt\r\n'
expect_eq "untrusted peer: closed, nothing sent" "$(cat "$TMP/o")" ""
log_has "untrusted peer: logged" \
    '127\.0\.0\.1:[0-9]+: not in proxy-from, closed'
check "untrusted peer: no access log line" \
    bash -c "! grep -q '\"/a\.txt\"' '$LOG'"
stop_server

# ---- IPv6: a proxy on ::1 is trusted, the same host on IPv4 is not ------

if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	P6=$(free_port)
	P4=$(free_port)
	LISTEN_ADDR='[::1]' start_server v6 --host localhost \
	    --gopher-proxy "[::1]:$P6" --gopher-proxy "127.0.0.1:$P4" \
	    --proxy-from ::1 "$R" || exit 1
	out=$(printf 'PROXY TCP4 192.0.2.9 127.0.0.1 9 70\r\n/a.txt\r\n' |
	    timeout 10 socat -t 8 - "TCP6:[::1]:$P6" 2>/dev/null)
	expect_eq "IPv6: a header from ::1 (in proxy-from) is served" \
	    "$out" "hello"
	log_has "IPv6: the header's client is logged" \
	    '192\.0\.2\.9:9 localhost "/a\.txt"'
	send "$TMP/o" "$P4" 'PROXY TCP4 192.0.2.9 127.0.0.1 9 70\r\n/a.txt\r\n'
	expect_eq "IPv6: 127.0.0.1 is not ::1: closed" "$(cat "$TMP/o")" ""
	log_has "IPv6: ... and logged" \
	    '127\.0\.0\.1:[0-9]+: not in proxy-from, closed'
	stop_server
fi

# ---- configuration -----------------------------------------------------

out=$("$CAPSULED" --check --gopher-proxy 127.0.0.1:7070 "$R" 2>&1)
expect_eq "config: proxy listener without proxy-from: exit 1" "$?" 1
expect_match "config: ... says why" "$out" "needs proxy-from"
printf 'gopher 127.0.0.1:7070 proxy-protocol\nproxy-from ::1\n' \
    >"$TMP/c.conf"
out=$("$CAPSULED" --check -c "$TMP/c.conf" --proxy-from 10.0.0.0/8 "$R" \
    2>/dev/null)
expect_match "config: --check prints proxy-protocol" "$out" \
    $'gopher 127.0.0.1:7070 proxy-protocol\n'
expect_match "config: --proxy-from replaces the file's list" "$out" \
    $'\nproxy-from 10.0.0.0/8\n'
expect_nomatch "config: ... the file's proxy-from is gone" "$out" \
    'proxy-from ::1'
out=$("$CAPSULED" --check --proxy-from 10.0.0.1/8 "$R" 2>&1)
expect_eq "config: --proxy-from with host bits: exit 2" "$?" 2

# ---- the per-address limits count the header's client ------------------
# A burst of 5 from one client (over rate-per-ip 2 within a second,
# wherever the second boundary falls) is slowed down or closed; right
# after, another client behind the same proxy is served.
printf 'rate-per-ip 2\n' >"$TMP/rate.conf"
PP=$(free_port)
start_server rate -c "$TMP/rate.conf" --gopher-proxy "127.0.0.1:$PP" \
    --proxy-from 127.0.0.1 "$R" || exit 1
refused=0
for i in 1 2 3 4 5; do
	send "$TMP/r$i" "$PP" 'PROXY TCP4 192.0.2.50 127.0.0.1 5000 70\r\n/a.txt\r\n'
	[ "$(cat "$TMP/r$i")" = hello ] || refused=$((refused + 1))
done
expect_match "limits: a burst from one client behind the proxy is limited" \
    "$refused" '^[1-3]$'
send "$TMP/o" "$PP" 'PROXY TCP4 192.0.2.51 127.0.0.1 5001 70\r\n/a.txt\r\n'
expect_eq "limits: another client behind the same proxy is served" \
    "$(cat "$TMP/o")" "hello"
stop_server
