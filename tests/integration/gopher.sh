#!/usr/bin/env bash
# Gopher end to end: the real binary on loopback, read by curl, lynx and
# build/capget. Menus are checked line by line (four TAB-separated
# fields, CR LF, a final ".") and files byte for byte.
# shellcheck source-path=SCRIPTDIR disable=SC2119
SUITE=gopher
. "$(dirname "$0")/lib.sh"

# ---- the test capsule ------------------------------------------------

R=$TMP/root
mkdir -p "$R/mapdir" "$R/plain/sub" "$R/.git"
long="Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do"
long="$long eiusmod tempor incididunt ut labore et dolore magna aliqua."
cat >"$R/index.gmi" <<GMI
# Gopher test capsule

$long

=> page.gmi A gemtext page
=> notes.txt Some notes
=> image.png A picture
=> plain/ A plain directory
=> gemini://example.org/ A Gemini link
=> https://example.org/x An HTTP link
=> gopher://example.org:7071/0/about.txt A Gopher link
* one item
> a quote

\`\`\`
pre	formatted   line
\`\`\`
GMI
printf '# A page\n\nKöln and Zürich.\n\n=> index.gmi Home\n' >"$R/page.gmi"
printf 'notes\r\nwith CRLF\n' >"$R/notes.txt"
noise 1048576 >"$R/image.png"
printf 'Hand-written map\n1Up\t/\n0Notes\t/notes.txt\n# comment\n' \
    >"$R/mapdir/gophermap"
printf '# ignored: the gophermap wins\n' >"$R/mapdir/index.gmi"
printf 'x\n' >"$R/plain/a.txt"
printf 'y\n' >"$R/plain/.hidden"
printf 'secret\n' >"$R/.secret"

GPORT=$(free_port)
start_server main --host localhost --timeout 2 --gopher "127.0.0.1:$GPORT" \
    "$R"
G=gopher://127.0.0.1:$GPORT

check "log says listening on gopher" grep -q \
    "listening: gopher://localhost:$GPORT/" "$LOG"

# raw OUT LINE: sends LINE (C escapes) on the Gopher port; RC set.
raw()
{
	"$CAPGET" -t 5 -r "$2" "$G/" >"$1" 2>"$1.err"
	RC=$?
}

# menu_ok FILE: every line has four fields and CR LF; ends with ".".
menu_ok()
{
	local f=$1 bad

	[ "$(tail -c 3 "$f" | od -An -c | tr -d ' ')" = '.\r\n' ] || return 1
	bad=$(head -n -1 "$f" | awk -F'\t' '!/\r$/ || NF != 4' | head -n 1)
	[ -z "$bad" ]
}

# Every display string fits 67 columns (bytes are columns for ASCII).
menu_width_ok()
{
	head -n -1 "$1" | cut -f1 | cut -c2- | LC_ALL=C.UTF-8 awk \
	    '{ if (length($0) > 67) bad = 1 } END { exit bad }'
}

curl -s "$G/" >"$TMP/root.menu"
check "root menu: four fields, CR LF, final ." menu_ok "$TMP/root.menu"
check "root menu: lines fit 67 columns" menu_width_ok "$TMP/root.menu"
expect_eq "title is an info line" "$(head -n 1 "$TMP/root.menu")" \
    $'iGopher test capsule\t\tnull.host\t0\r'
check "long paragraph wrapped" test "$(grep -c '^iLorem\|^ieiusmod\|^iincididunt\|^ised do' \
    "$TMP/root.menu")" -ge 2
m=$(cat "$TMP/root.menu")
expect_match "local .gmi link is type 1" "$m" \
    $'1A gemtext page\t/page.gmi\tlocalhost\t'"$GPORT"
expect_match "local text link is type 0" "$m" \
    $'0Some notes\t/notes.txt\tlocalhost\t'"$GPORT"
expect_match "local image link is type I" "$m" $'IA picture\t/image.png\t'
expect_match "local directory link is type 1" "$m" \
    $'1A plain directory\t/plain/\t'
expect_match "gemini link is h with URL:" "$m" \
    $'hA Gemini link\tURL:gemini://example.org/\tlocalhost\t'"$GPORT"
expect_match "http link is h with URL:" "$m" \
    $'hAn HTTP link\tURL:https://example.org/x\t'
expect_match "gopher link is native" "$m" \
    $'0A Gopher link\t/about.txt\texample.org\t7071'
expect_match "list item keeps its marker" "$m" $'i\\* one item\t'
expect_match "quote keeps its marker" "$m" $'i> a quote\t'
expect_match "preformatted line kept, TAB made a space" "$m" \
    $'ipre formatted   line\t'
expect_nomatch "blank lines collapse to one" "$m" \
    $'i\t\tnull.host\t0\r\ni\t\tnull.host\t0\r\n'

curl -s "$G/1/page.gmi" >"$TMP/page.menu"
check "page menu well formed" menu_ok "$TMP/page.menu"
expect_match "UTF-8 text kept" "$(cat "$TMP/page.menu")" 'Köln and Zürich'

# Menus are cached per worker and must follow the file at once.
for _ in 1 2 3 4; do curl -s "$G/1/page.gmi"; done >"$TMP/page4.menu"
check "cached menu served whole, again and again" test \
    "$(grep -c 'Köln and Zürich' "$TMP/page4.menu")" = 4
printf '# A page\n\nRewritten text.\n' >"$R/page.gmi"
expect_match "changed page re-rendered at once" \
    "$(curl -s "$G/1/page.gmi")$(curl -s "$G/1/page.gmi")" \
    'Rewritten text.*Rewritten text'
printf '# A page\n\nKöln and Zürich.\n\n=> index.gmi Home\n' >"$R/page.gmi"

curl -s "$G/0/notes.txt" >"$TMP/notes"
check "text file byte-identical (curl)" cmp -s "$TMP/notes" "$R/notes.txt"
curl -s "$G/I/image.png" >"$TMP/image"
check "1 MiB binary byte-identical (curl)" cmp -s "$TMP/image" \
    "$R/image.png"

# Gopher over TLS on the same port (gophers://, as curl speaks it).
GS=gophers://127.0.0.1:$GPORT
curl -sk "$GS/" >"$TMP/tls.menu"
check "gophers://: the same menu over TLS" cmp -s "$TMP/tls.menu" \
    "$TMP/root.menu"
curl -sk "$GS/I/image.png" >"$TMP/tls.image"
check "gophers://: 1 MiB binary byte-identical" cmp -s "$TMP/tls.image" \
    "$R/image.png"
expect_match "gophers://: TLS 1.3 with the host's certificate" \
    "$(printf '/notes.txt\r\n' | timeout 5 openssl s_client -quiet \
    -connect "127.0.0.1:$GPORT" -servername localhost -tls1_3 2>&1)" \
    'CN = localhost.*with CRLF'

curl -s "$G/1/mapdir/" >"$TMP/map.menu"
check "gophermap menu well formed" menu_ok "$TMP/map.menu"
expect_match "gophermap wins over index.gmi" "$(cat "$TMP/map.menu")" \
    $'0Notes\t/notes.txt\tlocalhost\t'"$GPORT"
expect_nomatch "gophermap comment dropped" "$(cat "$TMP/map.menu")" \
    'comment|ignored'

curl -s "$G/1/plain/" >"$TMP/plain.menu"
check "automatic menu well formed" menu_ok "$TMP/plain.menu"
expect_match "automatic menu lists files with sizes" \
    "$(cat "$TMP/plain.menu")" $'0a.txt \\(2 B\\)\t/plain/a.txt\t'
expect_match "automatic menu lists subdirectories" \
    "$(cat "$TMP/plain.menu")" $'1sub/\t/plain/sub/\t'
expect_nomatch "automatic menu hides dotfiles" "$(cat "$TMP/plain.menu")" \
    'hidden'

# Errors: one type-3 line and ".", nothing else.
err_re=$'^3[^\t]*\t\tnull.host\t0\r\n\\.\r\n$'
raw "$TMP/e1" '/nonexistent\r\n'
expect_match "missing selector: error menu" "$(cat "$TMP/e1"; printf x)" \
    "${err_re%\$}x\$"
raw "$TMP/e2" '/.secret\r\n'
expect_match "dotfile: error menu" "$(cat "$TMP/e2"; printf x)" \
    "${err_re%\$}x\$"
raw "$TMP/e3" '/../etc/passwd\r\n'
expect_match "climbing selector: error menu" "$(cat "$TMP/e3"; printf x)" \
    "${err_re%\$}x\$"
sel=$(printf '/%0255d' 0)
raw "$TMP/e4" "$sel\\r\\n"
expect_match "256-byte selector: error menu" "$(cat "$TMP/e4"; printf x)" \
    "${err_re%\$}x\$"
raw "$TMP/e5" '/index\0.gmi\r\n'
expect_match "NUL in selector: error menu" "$(cat "$TMP/e5"; printf x)" \
    "${err_re%\$}x\$"

# Line ends: CR LF, bare LF (bombadillo), "" and "/" are the root.
raw "$TMP/lf" '/notes.txt\n'
check "bare LF ends a request" cmp -s "$TMP/lf" "$R/notes.txt"
raw "$TMP/empty" '\r\n'
check "empty selector is the root" cmp -s "$TMP/empty" "$TMP/root.menu"
raw "$TMP/slash" '/\r\n'
check "/ is the root" cmp -s "$TMP/slash" "$TMP/root.menu"
raw "$TMP/plus" '/\t+\r\n'
check "Gopher+ request gets the plain menu" cmp -s "$TMP/plus" \
    "$TMP/root.menu"
raw "$TMP/dollar" '/\t$\r\n'
check "Gopher+ \$ request gets the plain menu" cmp -s "$TMP/dollar" \
    "$TMP/root.menu"

raw "$TMP/url" 'URL:https://example.org/a?b=c&d\r\n'
expect_match "URL: selector answers HTML with the link" "$(cat "$TMP/url")" \
    'href="https://example.org/a\?b=c&amp;d"'
raw "$TMP/caps" '/caps.txt\r\n'
expect_match "caps.txt generated" "$(cat "$TMP/caps")" \
    $'CAPS\r\n.*CapsVersion=1.*PathDelimeter=/.*ServerDefaultEncoding=UTF-8'

curl -s -i "http://127.0.0.1:$GPORT/" >"$TMP/http"
expect_match "HTTP on the Gopher port: valid HTTP status line" \
    "$(head -n 1 "$TMP/http")" $'^HTTP/1\\.[01] [0-9]{3} '
expect_match "HTTP answer names both URLs" "$(cat "$TMP/http")" \
    "gopher://localhost:$GPORT/.*gemini://localhost:$PORT/"

# No line end within the deadline (--timeout 2): the server hangs up.
t0=$(date +%s%N)
timeout 6 bash -c "exec 3<>/dev/tcp/127.0.0.1/$GPORT; printf /x >&3; \
    cat <&3 >/dev/null"
rc=$?
el=$((($(date +%s%N) - t0) / 1000000))
if [ "$rc" != 124 ] && [ "$el" -lt 5000 ]; then
	pass "request without line end dropped at the deadline"
else
	fail "request without line end dropped at the deadline" \
	    "rc $rc after $el ms"
fi

# lynx, a real Gopher client, reads the rendered page.
if command -v lynx >/dev/null; then
	lynx -dump -nolist "$G/1/page.gmi" >"$TMP/lynx" 2>&1
	expect_match "lynx shows the rendered page" "$(cat "$TMP/lynx")" \
	    'A page'
	lynx -dump "$G/" >"$TMP/lynx2" 2>&1
	expect_match "lynx lists the links" "$(cat "$TMP/lynx2")" \
	    'gopher://127.0.0.1:'"$GPORT"'/1/page.gmi|gopher://localhost:'"$GPORT"'/1/page.gmi'
fi

# The access log names Gopher requests too.
check "access log line for a selector" grep -Eq \
    '127\.0\.0\.1:[0-9]+ localhost "/notes.txt" 20 [0-9]+$' "$LOG"

stop_server

# The shipped capsule: lynx renders the home page, and every Gopher link
# it lists leads to a page, not to an error.
GPORT=$(free_port)
start_server capsule --host localhost --gopher "127.0.0.1:$GPORT" \
    "$TOP/capsule"
if command -v lynx >/dev/null; then
	lynx -dump "gopher://127.0.0.1:$GPORT/" >"$TMP/home" 2>&1
	expect_match "lynx renders the capsule home page" "$(cat "$TMP/home")" \
	    'Study abroad as an LUMC student'
	links=$(grep -oE "gopher://localhost:$GPORT/[^ ]*" "$TMP/home" | sort -u)
	n=0 bad=
	for l in $links; do
		n=$((n + 1))
		out=$(curl -s "gopher://127.0.0.1:$GPORT/${l#*:$GPORT/}")
		[[ -z $out || $out == 3* ]] && bad="$bad $l"
	done
	if [ "$n" -ge 4 ] && [ -z "$bad" ]; then
		pass "every home page link works ($n links)"
	else
		fail "every home page link works" "$n links, broken:$bad"
	fi
fi
stop_server

# Behind a proxy: gopher-port names the port clients really use;
# gopher-tls 0 leaves TLS off the Gopher listener.
printf 'gopher-port 70\ngopher-tls 0\nhost "localhost" {\n\troot "%s"\n}\n' "$R" \
    >"$TMP/proxy.conf"
GPORT=$(free_port)
start_server proxied -c "$TMP/proxy.conf" --gopher "127.0.0.1:$GPORT"
curl -s "gopher://127.0.0.1:$GPORT/" >"$TMP/proxied.menu"
expect_match "gopher-port is written into menu items" \
    "$(cat "$TMP/proxied.menu")" $'1A gemtext page\t/page.gmi\tlocalhost\t70\r'
curl -sk "gophers://127.0.0.1:$GPORT/" >"$TMP/notls.menu"
expect_eq "gopher-tls 0: no TLS on the Gopher port" \
    "$(grep -c '1A gemtext page' "$TMP/notls.menu")" 0
stop_server
