#!/usr/bin/env bash
# "capsuled export DIR": the rendered capsule as static files and a
# manifest, the same bytes on every run, served again by another capsuled
# and by Gophernicus exactly as the original serves it; and the manifest
# the running server offers on both protocols.
. "$(dirname "$0")/lib.sh"

C=$TMP/capsule
cp -R "$TOP/capsule" "$C"
mkdir -p "$C/files" "$C/mapdir"
noise 70000 >"$C/files/data.bin"
printf 'plain text\n' >"$C/files/notes.txt"
printf 'Hand-written map\n1Home\t/\n0Notes\t/files/notes.txt\n' \
    >"$C/mapdir/gophermap"
printf 'hidden\n' >"$C/.secret"
chmod -R a+rX "$C"

# The original, on both protocols.
GA=$(free_port)
start_server orig --host localhost --gopher "127.0.0.1:$GA" "$C" || exit 1
PA=$PORT
GX=$(free_port "$GA")

export_to()	# DIR PORT: exports for a mirror at localhost:PORT
{
	"$CAPSULED" --host localhost --gopher "$2" export "$1" "$C" \
	    >"$1.log" 2>&1
}

export_to "$TMP/e1" "$GX"
expect_eq "export: exit 0" "$?" 0
expect_match "export: says what it wrote" "$(cat "$TMP/e1.log")" \
    "export: [0-9]+ files in $TMP/e1 for gopher://localhost:$GX/"
sleep 1.1	# a second run later must still give the same bytes
export_to "$TMP/e2" "$GX"
expect_eq "export: the same bytes on a second run" \
    "$(diff -r "$TMP/e1" "$TMP/e2" 2>&1)" ""
expect_eq "export: dotfiles stay out" \
    "$(find "$TMP/e1" -name '.*' | wc -l)" 0
export_to "$TMP/e1" "$GX"
expect_eq "export: a non-empty directory is refused" "$?" 1
expect_match "export: ... and says so" "$(cat "$TMP/e1.log")" 'not empty'

# The manifest: every file once, with its size, SHA-256 and time.
M=$TMP/e1/manifest.txt
expect_match "manifest: not empty" "$(grep -vc '^#' "$M")" '^[1-9][0-9]+$'
expect_eq "manifest: lists every file, sorted" \
    "$(grep -v '^#' "$M" | cut -f1)" \
    "$(cd "$TMP/e1" && find . -type f ! -name manifest.txt |
    sed 's|^\./||' | LC_ALL=C sort)"
bad=0
n=0
while IFS=$'\t' read -r p size sha when; do
	n=$((n + 1))
	f=$TMP/e1/$p
	[ "$(stat -c %s "$f")" = "$size" ] &&
	    [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$sha" ] &&
	    [ "$(date -u -r "$f" +%Y-%m-%dT%H:%M:%SZ)" = "$when" ] ||
	    { bad=$((bad + 1)); echo "  $p" >&2; }
done < <(grep -v '^#' "$M")
expect_eq "manifest: sizes, SHA-256 and times match the files" \
    "$bad $((n > 20))" "0 1"
expect_eq "manifest: a copied file keeps its source's time" \
    "$(stat -c %Y "$TMP/e1/gemini/files/data.bin")" \
    "$(stat -c %Y "$C/files/data.bin")"

# The running server offers the manifest of its own export.
export_to "$TMP/e3" "$GA"
expect_eq "served manifest (Gopher) = export's" \
    "$(curl -s "gopher://127.0.0.1:$GA/0/manifest.txt" | sha256sum)" \
    "$(sha256sum <"$TMP/e3/manifest.txt")"
get "$TMP/m.out" gemini://localhost/manifest.txt
expect_eq "served manifest (Gemini): text/plain" "$HDR" \
    $'20 text/plain; charset=utf-8\r\n'
expect_eq "served manifest (Gemini) = export's" \
    "$(body "$TMP/m.out" | sha256sum)" "$(sha256sum <"$TMP/e3/manifest.txt")"

# Gemini: every exported file, asked of the original, is the same bytes.
bad=0
n=0
while read -r f; do
	p=${f#"$TMP/e1/gemini"}
	case $p in */index.gmi) p=${p%index.gmi} ;; esac
	PORT=$PA get "$TMP/g.out" "gemini://localhost$p"
	n=$((n + 1))
	cmp -s <(body "$TMP/g.out") "$f" || { bad=$((bad + 1)); \
	    echo "  gemini $p" >&2; }
done < <(find "$TMP/e1/gemini" -type f | sort)
expect_eq "gemini tree: $n files equal what the original serves" \
    "$bad $((n > 20))" "0 1"

# gopher_compare NAME [menus]: every exported selector (or only the
# menus, and binary files), asked of the mirror on port GX, equals the
# original's answer with the mirror's port in it. Gophernicus ends text
# files its own way (CR LF, "."), which Gopher allows.
gopher_compare()
{
	local f sel bad=0 n=0

	while read -r f; do
		sel=${f#"$TMP/e1/gopher"}
		case $sel in
		*.gmi/gophermap)	sel=${sel%/gophermap} ;;
		*/gophermap)		sel=${sel%gophermap} ;;
		*.bin)			;;
		*)			[ "${2:-}" = menus ] && continue ;;
		esac
		n=$((n + 1))
		cmp -s <(curl -s "gopher://127.0.0.1:$GA/1$sel" |
		    sed "s/\t$GA\r\$/\t$GX\r/") \
		    <(curl -s "gopher://127.0.0.1:$GX/1$sel") ||
		    { bad=$((bad + 1)); echo "  $1 $sel" >&2; }
	done < <(find "$TMP/e1/gopher" -type f | sort)
	expect_eq "$1: $n selectors as the original serves them" \
	    "$bad $((n > 20))" "0 1"
}

# Another capsuled serving the Gopher tree.
start_server mirror --host localhost --gopher "127.0.0.1:$GX" \
    "$TMP/e1/gopher" || exit 1
gopher_compare "mirror capsuled"
stop_server

# Gophernicus serving it, one process a connection through socat.
if [ -x /usr/sbin/gophernicus ] && command -v socat >/dev/null; then
	chmod -R a+rX "$TMP/e1"
	setsid socat "TCP-LISTEN:$GX,bind=127.0.0.1,reuseaddr,fork" \
	    "EXEC:/usr/sbin/gophernicus -h localhost -p $GX -r $TMP/e1/gopher -nf -nh -nv -nl -nx -nu,su=nobody" \
	    2>/dev/null &
	SOCAT=$!
	for _ in $(seq 50); do
		curl -s "gopher://127.0.0.1:$GX/1/" >/dev/null && break
		sleep 0.1
	done
	gopher_compare "Gophernicus" menus
	kill "$SOCAT"
	wait "$SOCAT" 2>/dev/null || true
else
	fail "Gophernicus" "not installed (tests/deps.sh test installs it)"
fi
