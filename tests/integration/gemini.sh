#!/usr/bin/env bash
# Gemini end to end: the real binary on loopback, driven by build/capget
# and openssl s_client. Response headers are compared byte for byte.
# shellcheck source-path=SCRIPTDIR disable=SC2119 # stop_server: the last one
SUITE=gemini
. "$(dirname "$0")/lib.sh"

# ---- the test capsule ------------------------------------------------

R=$TMP/root
O=$TMP/other
mkdir -p "$R/withindex" "$R/listing/adir" "$R/listing/zdir/sub" \
    "$R/listing/.hdir" "$R/.git" "$O"
printf '# capsuled test capsule\n\n=> file.txt a text file\n' \
    >"$R/index.gmi"
printf 'plain text file\n' >"$R/file.txt"
printf '# a .gemini page\n' >"$R/page.gemini"
printf 'This is plain text in a file with no extension.\n' >"$R/README"
# A complete 1x1 PNG: typed by extension as image.png, by libmagic as
# picture.
printf '\211PNG\r\n\032\n\0\0\0\rIHDR\0\0\0\001\0\0\0\001\010\006\0\0\0'\
'\037\025\304\211\0\0\0\rIDATx\234c\0\001\0\0\005\0\001\r\n-\264\0\0\0\0'\
'IEND\256B`\202' >"$R/image.png"
cp "$R/image.png" "$R/picture"
printf '# with index\n' >"$R/withindex/index.gmi"
printf 'page in withindex\n' >"$R/withindex/other.txt"
head -c 321 /dev/zero | tr '\0' 'b' >"$R/listing/b.txt"
printf '# seventeen bytes' >"$R/listing/a.gmi"
printf 'x\n' >"$R/listing/adir/x.txt"
printf 'y\n' >"$R/listing/zdir/sub/y.txt"
printf 'hidden\n' >"$R/listing/.hidden"
printf 'hidden\n' >"$R/listing/.hdir/h.txt"
printf 'secret\n' >"$R/.secret"
printf '[core]\n' >"$R/.git/config"
ln -s /etc/passwd "$R/escape"
ln -s /etc "$R/etcdir"
ln -s index.gmi "$R/link.gmi"
noise 3145728 >"$R/big.bin"
printf 'locked\n' >"$R/locked.txt"
chmod 000 "$R/locked.txt"
printf '# other host\n' >"$O/index.gmi"

U=				# gemini://localhost:PORT, set per server
INDEX=$(cat "$R/index.gmi")

# ---- one server, most cases ------------------------------------------

start_server main --host localhost --timeout 2 "$R"
U=gemini://localhost:$PORT

check "log says listening" grep -q "listening: gemini://.*:$PORT/" "$LOG"
check "log prints the fingerprint" grep -q \
    'fingerprint: localhost SHA256:' "$LOG"

expect_header "root /" "20 text/gemini" "$U/"
expect_eq "root / body" "$(body "$TMP/resp")" "$INDEX"
expect_header "empty path is 20, not 31" "20 text/gemini" "$U"
expect_header_re "text file" $'20 text/plain(; charset=(us-ascii|utf-8))?\r\n' \
    "$U/file.txt"
expect_header ".gemini is text/gemini" "20 text/gemini" "$U/page.gemini"
expect_header ".png is image/png" "20 image/png" "$U/image.png"
expect_header "PNG without extension via libmagic" "20 image/png" \
    "$U/picture"
expect_header_re "text without extension" \
    $'20 text/plain(; charset=(us-ascii|utf-8))?\r\n' "$U/README"
# Workers remember what libmagic said per version of a file: asked
# again (both workers), then after the file changed in place and after
# a rename over it, the type follows the bytes at once.
for i in 1 2 3 4; do
	expect_header "PNG without extension, asked again ($i)" \
	    "20 image/png" "$U/picture"
done
cp "$R/picture" "$TMP/picture.png"
printf 'Now the picture is words.\n' >"$R/picture"
for i in 1 2 3 4; do
	expect_header_re "file rewritten as text, libmagic asked again ($i)" \
	    $'20 text/plain(; charset=(us-ascii|utf-8))?\r\n' "$U/picture"
done
cp "$TMP/picture.png" "$R/picture.new"
mv "$R/picture.new" "$R/picture"
for i in 1 2; do
	expect_header "PNG renamed over it: image/png again ($i)" \
	    "20 image/png" "$U/picture"
done
expect_header_re "directory without slash redirects" \
    "31 (gemini://localhost:$PORT)?/listing/"$'\r\n' "$U/listing"
expect_header "directory with index.gmi" "20 text/gemini" "$U/withindex/"
expect_eq "directory index body" "$(body "$TMP/resp")" "# with index"

# The automatic listing: dirs first, each group sorted, sizes, no dots.
expect_header "automatic listing" "20 text/gemini" "$U/listing/"
body "$TMP/resp" >"$TMP/listing"
names=
while IFS= read -r t; do
	n=${t%/}
	n=${n##*/}
	case $n in ""|.|..) continue ;; esac
	[ "${t%/}" != "$t" ] && n="$n/"
	names="$names $n"
done < <(sed -nE 's/^=>[ \t]*([^ \t]+).*/\1/p' "$TMP/listing")
expect_eq "listing order: dirs first, sorted" "$names" \
    " adir/ zdir/ a.gmi b.txt"
expect_nomatch "listing hides dotfiles" "$(cat "$TMP/listing")" \
    '\.hidden|\.hdir'
sizes="$(grep -E '^=>.*b\.txt' "$TMP/listing")|$(grep -E '^=>.*a\.gmi' \
    "$TMP/listing")"
expect_match "listing shows sizes" "$sizes" \
    '^=>.*[^0-9]321([^0-9].*)?\|=>.*[^0-9]17([^0-9].*)?$'

# The whole page, against a readable golden copy.
if cmp -s "$TMP/listing" "$(dirname "$0")/golden/listing.gmi"; then
	pass "listing matches golden/listing.gmi"
else
	fail "listing matches golden/listing.gmi" "got '$(cat "$TMP/listing")'"
fi

expect_header_re "dotfile" $'51 .*\r\n' "$U/.secret"
expect_header_re "dot-directory" $'51 .*\r\n' "$U/.git/config"
expect_header_re "dotfile in listing dir" $'51 .*\r\n' "$U/listing/.hidden"
expect_header_re "symlink out of the root" $'51 .*\r\n' "$U/escape"
expect_header_re "through a symlinked dir out of the root" $'5[0-9] .*\r\n' \
    "$U/etcdir/passwd"
expect_header "symlink inside the root" "20 text/gemini" "$U/link.gmi"
expect_header_re "nonexistent" $'51 .*\r\n' "$U/nonexistent"
expect_nomatch "5x meta hides the root path" "$HDR" "$TMP"

for p in /../etc/passwd /a/../../x /%2e%2e/x /..%2fetc%2fpasswd \
    /%2e%2e%2f%2e%2e%2fetc/passwd /%c0%ae%c0%ae/etc/passwd; do
	expect_header_re "traversal $p" $'5[0-9] .*\r\n' "$U$p"
	expect_nomatch "traversal $p leaks nothing" "$(cat "$TMP/resp")" \
	    'root:|'"$TMP"
done

# Workers never keep root by default, so this holds when started as root.
expect_header_re "mode-000 file" $'51 .*\r\n' "$U/locked.txt"

# Request-line limits and malformed requests.
base="$U/"
long=$(printf '%*s' $((1024 - ${#base})) '' | tr ' ' a)
get "$TMP/resp" "$base$long"
if [[ $HDR =~ ^[1-6][0-9]\ .*$'\r\n'$ && ! $HDR =~ ^59 ]]; then
	pass "exactly 1024-byte URL is not 59"
else
	fail "exactly 1024-byte URL is not 59" "got '$HDR'"
fi
expect_header_re "1025-byte URL" $'59 .*\r\n' -r "${base}a$long\\r\\n" "$U/"
expect_header_re "NUL byte" $'59 .*\r\n' -r "$U/\\0x\\r\\n" "$U/"
expect_header_re "userinfo" $'59 .*\r\n' "gemini://user@localhost:$PORT/"
expect_header_re "fragment" $'59 .*\r\n' "$U/#frag"
expect_header_re "bad UTF-8" $'59 .*\r\n' -r "$U/\\xff\\xfe\\r\\n" "$U/"
expect_header_re "relative URL" $'59 .*\r\n' -r '/foo\r\n' "$U/"
expect_header_re "missing scheme" $'59 .*\r\n' -r \
    "//localhost:$PORT/\\r\\n" "$U/"
expect_header_re "empty line" $'59 .*\r\n' -r '\r\n' "$U/"
expect_header_re "https:// is refused" $'53 .*\r\n' -r \
    "https://localhost:$PORT/\\r\\n" "$U/"
expect_header_re "unknown host" $'53 .*\r\n' "gemini://unknown.test:$PORT/"
expect_header_re "wrong port" $'53 .*\r\n' \
    "gemini://localhost:$((PORT + 1))/"
expect_header "IP literal without SNI: default host" "20 text/gemini" \
    "gemini://127.0.0.1:$PORT/"
expect_header_re "bare LF inside the line" $'59 .*\r\n' -r \
    "$U/\\nX\\r\\n" "$U/"
get "$TMP/resp" -t 6 -r "$U/\\n" "$U/"
expect_nomatch "bare LF alone is not a request" "$HDR" '^2'

# TLS versions, as another client sees them.
s_client()
{
	printf '%s\r\n' "$U/" | timeout 10 openssl s_client \
	    -connect "127.0.0.1:$PORT" -servername localhost -quiet "$@" \
	    >"$TMP/sc.out" 2>"$TMP/sc.err"
}
s_client -tls1_3
expect_eq "s_client TLS 1.3" "$(head -n 1 "$TMP/sc.out")" \
    $'20 text/gemini\r'
s_client -tls1_2
expect_eq "s_client TLS 1.2" "$(head -n 1 "$TMP/sc.out")" \
    $'20 text/gemini\r'
# Level 0 lets the client offer TLS 1.1: the refusal must be the server's.
if s_client -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' ||
    [ -s "$TMP/sc.out" ]; then
	fail "TLS 1.1 refused" "got '$(head -c 100 "$TMP/sc.out")'"
else
	pass "TLS 1.1 refused"
fi
get "$TMP/resp" -T tls1.1 "$U/"
expect_eq "capget TLS 1.1 refused" "$RC" 1
get "$TMP/resp" -v "$U/"
expect_match "TLS 1.3 by default" "$(cat "$TMP/resp.err")" 'tls: TLSv1\.3 '
get "$TMP/resp" -N -T tls1.2 "$U/"
expect_eq "close_notify after TLS 1.2" "$RC" 0
get "$TMP/resp" -N "$U/"
expect_eq "close_notify after TLS 1.3" "$RC" 0

# Access log: one line per request, after the connection ends.
lre='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z '
lre+='127\.0\.0\.1:[0-9]+ localhost "gemini://localhost:'$PORT'/" 20 '
lre+='[0-9]+$'
for _ in 1 2 3 4 5 6 7 8 9 10; do
	grep -Eq "$lre" "$LOG" && break
	sleep 0.2
done
check "access log line" grep -Eq "$lre" "$LOG"

# Streaming a file larger than any buffer, ending with close_notify.
get "$TMP/big.out" -N -t 20 "$U/big.bin"
expect_eq "3 MiB file header" "$HDR" $'20 application/octet-stream\r\n'
expect_eq "3 MiB file, close_notify" "$RC" 0
expect_eq "3 MiB file body" "$(body "$TMP/big.out" | sha256sum)" \
    "$(sha256sum <"$R/big.bin")"

# Deadlines (--timeout 2): silence, or a byte a second, is dropped.
t0=$(date +%s%N)
get "$TMP/resp" -t 5 -r '' "$U/"
el=$((($(date +%s%N) - t0) / 1000000))
if [ "$RC" != 4 ] && [ "$el" -lt 5000 ]; then
	pass "silent client dropped after the handshake"
else
	fail "silent client dropped after the handshake" \
	    "capget $RC after $el ms"
fi
t0=$(date +%s%N)
timeout 6 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT && cat <&3 >/dev/null"
rc=$?
el=$((($(date +%s%N) - t0) / 1000000))
if [ "$rc" != 124 ] && [ "$el" -lt 5000 ]; then
	pass "silent client dropped before the handshake"
else
	fail "silent client dropped before the handshake" \
	    "still open after $el ms"
fi
t0=$(date +%s%N)
(for c in g e m i n i : / / l o c a l h o s t / x y z; do
	printf %s "$c"
	sleep 1
done) 2>/dev/null | timeout 15 openssl s_client -connect "127.0.0.1:$PORT" \
    -servername localhost -quiet >/dev/null 2>&1
el=$((($(date +%s%N) - t0) / 1000000))
# Deadline plus 3 s, plus up to 1 s for the trickler to notice.
if [ "$el" -lt 6000 ]; then
	pass "trickling client dropped"
else
	fail "trickling client dropped" "connection lasted $el ms"
fi

# A worker killed by SIGKILL is replaced; the server goes on answering.
kids=$(children "$PID" | tr '\n' ' ')
victim=${kids%% *}
if [ -z "$victim" ]; then
	fail "worker restarted after kill -9" "no worker processes"
else
	kill -KILL "$victim" 2>/dev/null
	ok=
	for _ in $(seq 1 50); do
		now=$(children "$PID" | tr '\n' ' ')
		n=$(wc -w <<<"$now")
		if [ "$n" -eq 2 ] && ! [[ " $now" == *" $victim "* ]]; then
			ok=1
			break
		fi
		sleep 0.1
	done
	if [ -n "$ok" ]; then
		pass "worker restarted after kill -9"
	else
		fail "worker restarted after kill -9" "before: $kids; now: $now"
	fi
	expect_header "answers after a worker was killed" "20 text/gemini" "$U/"
fi

# SIGHUP mid-way through 200 requests: not one of them may fail.
nbad=0
first=
for i in $(seq 1 200); do
	[ "$i" -eq 100 ] && kill -HUP "$PID" 2>/dev/null
	# A broken server would make this loop take minutes.
	[ "$nbad" -ge 5 ] && break
	get "$TMP/resp" "$U/"
	if [ "$HDR" != $'20 text/gemini\r\n' ]; then
		nbad=$((nbad + 1))
		[ -z "$first" ] && first="request $i: '$HDR' $(head -c 200 \
		    "$TMP/resp.err")"
	fi
done
if [ "$nbad" -eq 0 ]; then
	pass "SIGHUP during 200 requests: none failed"
else
	fail "SIGHUP during 200 requests: none failed" \
	    "$nbad failed by request $i; $first"
fi
check "log says reloaded" grep -q 'reloaded' "$LOG"
expect_header "answers after SIGHUP" "20 text/gemini" "$U/"

# Command line: --version, --check, a bad flag, a port in use.
expect_eq "--version" "$("$CAPSULED" --version 2>&1)" "capsuled 0.1.0"
"$CAPSULED" --check --certs "$TMP/certs" --host localhost "$R" \
    >"$TMP/check.out" 2>"$TMP/check.err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q "$R" "$TMP/check.out"; then
	pass "--check on a good root"
else
	fail "--check on a good root" "exit $rc: $(cat "$TMP/check.out" \
	    "$TMP/check.err")"
fi
"$CAPSULED" --check --certs "$TMP/certs" "$TMP/missing" \
    >/dev/null 2>"$TMP/check.err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/check.err")" -eq 1 ]; then
	pass "--check on a missing root: exit 1, one line"
else
	fail "--check on a missing root: exit 1, one line" \
	    "exit $rc: $(cat "$TMP/check.err")"
fi
"$CAPSULED" --no-such-flag >"$TMP/flag.out" 2>"$TMP/flag.err"
rc=$?
if [ "$rc" -ne 0 ] && [ "$(wc -l <"$TMP/flag.err")" -eq 1 ]; then
	pass "bad flag: non-zero exit, one line"
else
	fail "bad flag: non-zero exit, one line" \
	    "exit $rc: $(cat "$TMP/flag.err")"
fi
timeout 10 "$CAPSULED" --gemini "127.0.0.1:$PORT" --certs "$TMP/certs" \
    --workers 1 --host localhost "$R" >/dev/null 2>"$TMP/inuse.err"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q 'in use' "$TMP/inuse.err"
then
	pass "port in use: non-zero exit, says 'in use'"
else
	fail "port in use: non-zero exit, says 'in use'" \
	    "exit $rc: $(cat "$TMP/inuse.err")"
fi

stop_server

# ---- two virtual hosts from a config file ----------------------------

cat >"$TMP/two.conf" <<EOF
host "localhost" {
	root "$R"
	lang "en"
}
host "other.test" {
	root "$O"
}
EOF
if start_server two -c "$TMP/two.conf"; then
	U=gemini://localhost:$PORT
	expect_header "config: lang=en" "20 text/gemini; lang=en" "$U/"
	expect_eq "config: localhost root" "$(body "$TMP/resp")" "$INDEX"
	expect_header_re "config: no lang on text/plain" \
	    $'20 text/plain(; charset=(us-ascii|utf-8))?\r\n' "$U/file.txt"
	expect_header "config: SNI other.test" "20 text/gemini" \
	    "gemini://other.test:$PORT/"
	expect_eq "config: other.test root" "$(body "$TMP/resp")" \
	    "# other host"
	expect_header_re "config: SNI other.test, URL localhost" \
	    $'53 .*\r\n' -s other.test "$U/"
	expect_header_re "config: SNI localhost, URL other.test" \
	    $'53 .*\r\n' -s localhost "gemini://other.test:$PORT/"
	stop_server
fi
"$CAPSULED" --check -c "$TMP/two.conf" --certs "$TMP/certs" \
    >"$TMP/check.out" 2>"$TMP/check.err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q other.test "$TMP/check.out" &&
    grep -q "$O" "$TMP/check.out"; then
	pass "config: --check prints both hosts"
else
	fail "config: --check prints both hosts" "exit $rc: $(cat \
	    "$TMP/check.out" "$TMP/check.err")"
fi

# ---- unprivileged: a mode-000 file is not served ---------------------

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	mkdir -p "$TMP/certs-nobody"
	chown 65534:65534 "$TMP/certs-nobody"
	if CERTS=$TMP/certs-nobody SERVER_WRAP="setpriv --reuid=65534 \
	    --regid=65534 --clear-groups" start_server nobody \
	    --host localhost "$R"; then
		U=gemini://localhost:$PORT
		expect_header "unprivileged: root /" "20 text/gemini" "$U/"
		expect_header_re "unprivileged: mode-000 file" $'51 .*\r\n' \
		    "$U/locked.txt"
		stop_server
	fi
fi

# ---- IPv6 loopback ---------------------------------------------------

if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	if LISTEN_ADDR='[::1]' start_server v6 --host localhost "$R"; then
		CONNECT_ADDR='[::1]' expect_header "IPv6 loopback" \
		    "20 text/gemini" "gemini://localhost:$PORT/"
		stop_server
	fi
fi
