#!/usr/bin/env bash
# Files replaced by rename(2) while clients download them: every
# download is one version whole, never a mix, on both protocols, and a
# Gemini header's type is that version's. The same for a gemtext page
# rendered as a Gopher menu. Versions differ from their first byte, and
# each version's bytes are its own (a distinct slice of the noise), so a
# response stitched from two versions matches none.
# shellcheck source-path=SCRIPTDIR disable=SC2119 # stop_server: the last one
SUITE=rename
. "$(dirname "$0")/lib.sh"

SIZES="0 1 4095 16384 1048576 104857600"
# Version prefixes libmagic tells apart: GIF, PDF, PNG.
PREFIX=('GIF89a' '%PDF-1.4\n' '\211PNG\r\n\032\n\0\0\0\rIHDR')
NV=${#PREFIX[@]}
# Downloads per size and protocol (two loops of half as many), and of
# the 100 MiB file, two at a time.
NDL=16
NBIG=2

R=$TMP/root		# the capsule
V=$TMP/versions		# every version, hard-linked in by the renamer
S=$TMP/stage		# where a link waits for its rename
mkdir -p "$R/ref" "$R/pages" "$V" "$S"

# version SIZE K: prefix K, then noise from offset 4096 * K, SIZE bytes.
version()
{
	{ printf '%b' "${PREFIX[$2]}"; noise $(($1 + 4096 * $2)) |
	    tail -c +$((4096 * $2 + 1)); } | head -c "$1"
}

for size in $SIZES; do
	for k in $(seq 0 $((NV - 1))); do
		version "$size" "$k" >"$V/s$size.$k"
		# What libmagic sees of it (its first 4096 bytes), to learn
		# the Gemini header of version K with no rename going on.
		head -c 4096 "$V/s$size.$k" >"$R/ref/s$size.$k"
	done
	ln "$V/s$size.0" "$R/s$size"
done

# The page: NV versions of one gemtext page, each a menu of many writes.
for k in $(seq 0 $((NV - 1))); do
	{
		printf '# Version %d of the page\n\n' "$k"
		# Versions differ in length too: a stitched menu shows.
		for i in $(seq 1 $((250 + 50 * k))); do
			printf 'Line %d of version %d, long enough ' "$i" "$k"
			printf 'to be wrapped onto a second menu line.\n'
			[ $((i % 50)) -eq 0 ] &&
			    printf '=> ref%d.gmi Link %d\n' "$k" "$i"
		done
	} >"$V/page.gmi.$k"
	cp "$V/page.gmi.$k" "$R/pages/ref$k.gmi"
done
ln "$V/page.gmi.0" "$R/pages/page.gmi"
chmod -R u=rwX,go=rX "$R" "$V"

printf 'max-per-ip 0\nrate-per-ip 0\n' >"$TMP/server.conf"
GPORT=$(free_port)
start_server main -c "$TMP/server.conf" --host localhost \
    --gopher "127.0.0.1:$GPORT" "$R" || exit 1
U=gemini://localhost:$PORT
G=gopher://127.0.0.1:$GPORT

# The allowed results: "header sha" for Gemini, "sha" for Gopher.
: >"$TMP/want.gem"
: >"$TMP/want.gop"
for size in $SIZES; do
	for k in $(seq 0 $((NV - 1))); do
		get "$TMP/ref" "$U/ref/s$size.$k"
		sha=$(sha256sum <"$V/s$size.$k")
		printf '%s %s\n' "${HDR%$'\r\n'}" "${sha%% *}" >>"$TMP/want.gem"
		printf '%s\n' "${sha%% *}" >>"$TMP/want.gop"
	done
done

# renamer NAME FILE...: until $TMP/stop exists, links the next version
# of each FILE (a path under $R) in by rename(2); counts rounds in
# $TMP/NAME.rounds.
renamer()
{
	local name=$1 i=0 f

	shift
	while [ ! -e "$TMP/stop" ]; do
		for f in "$@"; do
			ln -f "$V/${f##*/}.$((i % NV))" "$S/${f##*/}"
			# rename(2) of a file onto itself does nothing.
			[ "$S/${f##*/}" -ef "$R/$f" ] ||
			    mv -f "$S/${f##*/}" "$R/$f"
		done
		i=$((i + 1))
	done
	echo "$i" >"$TMP/$name.rounds"
}

# dl_gem SIZE N OUT: N Gemini downloads; "header sha rc N" lines to OUT,
# each in one write (two loops share OUT).
dl_gem()
{
	local _ line

	for _ in $(seq 1 "$2"); do
		line=$("$CAPGET" -N -t 120 -c "127.0.0.1:$PORT" "$U/s$1" | {
			IFS= read -r hdr
			sha=$(sha256sum)
			printf '%s %s' "${hdr%$'\r'}" "${sha%% *}"
		}
		echo " rc ${PIPESTATUS[0]}")
		echo "$line" >>"$3"
	done
}

# dl_gop SIZE N OUT: N Gopher downloads; "sha rc N" lines to OUT.
dl_gop()
{
	local _ sha

	for _ in $(seq 1 "$2"); do
		sha=$(curl -s --max-time 120 "$G/9/s$1" | sha256sum
		    exit "${PIPESTATUS[0]}")
		echo "${sha%% *} rc $?" >>"$3"
	done
}

# expect_whole NAME OUT WANT N: OUT has N lines, each a line of WANT
# followed by "rc 0".
expect_whole()
{
	local n bad

	n=$(wc -l <"$2")
	bad=$(sed 's/ rc 0$//' "$2" | grep -vxF -f "$3" | head -n 1)
	if [ "$n" -ne "$4" ]; then
		fail "$1" "$n downloads of $4"
	elif grep -qv ' rc 0$' "$2"; then
		fail "$1" "a client failed: $(grep -v ' rc 0$' "$2" |
		    head -n 1)"
	elif [ -n "$bad" ]; then
		fail "$1" "no version is '$bad' ($(grep -cvxF -f "$3" \
		    <(sed 's/ rc 0$//' "$2")) of $n)"
	else
		pass "$1 ($n downloads)"
	fi
}

# ---- files of every size, renamed over while downloaded --------------

# One renamer per file, so that each changes many times a second.
rens=
for size in $SIZES; do
	renamer "s$size" "s$size" &
	rens="$rens $!"
done
pids=
for size in $SIZES; do
	n=$((NDL / 2))
	[ "$size" -ge 104857600 ] && n=$((NBIG / 2))
	for _ in 1 2; do
		dl_gem "$size" "$n" "$TMP/gem.$size" &
		pids="$pids $!"
		dl_gop "$size" "$n" "$TMP/gop.$size" &
		pids="$pids $!"
	done
done
# shellcheck disable=SC2086 # one word per PID
wait $pids
touch "$TMP/stop"
# shellcheck disable=SC2086 # one word per PID
wait $rens
for size in $SIZES; do
	rounds=$(cat "$TMP/s$size.rounds")
	check "s$size renamed over ${rounds:-0} times (at least 20)" \
	    test "${rounds:-0}" -ge 20

	n=$NDL
	[ "$size" -ge 104857600 ] && n=$NBIG
	expect_whole "$size bytes, Gemini: header and body of one version" \
	    "$TMP/gem.$size" "$TMP/want.gem" "$n"
	expect_whole "$size bytes, Gopher: one version whole" \
	    "$TMP/gop.$size" "$TMP/want.gop" "$n"
done

# ---- a gemtext page renamed over while Gopher clients read its menu --

# menu_ok FILE: every line CR LF-terminated with four TAB-separated
# fields, then "." alone.
menu_ok()
{
	[ "$(tail -c 3 "$1" | od -An -c | tr -d ' ')" = '.\r\n' ] &&
	    [ -z "$(head -n -1 "$1" | awk -F'\t' '!/\r$/ || NF != 4' |
	    head -n 1)" ]
}

: >"$TMP/want.menu"
for k in $(seq 0 $((NV - 1))); do
	curl -s "$G/1/pages/ref$k.gmi" >"$TMP/menu.$k"
	check "page version $k: a whole menu" menu_ok "$TMP/menu.$k"
	sha=$(sha256sum <"$TMP/menu.$k")
	echo "${sha%% *}" >>"$TMP/want.menu"
done
check "page versions: three distinct menus" test \
    "$(sort -u "$TMP/want.menu" | wc -l)" -eq "$NV"

# menus N OUT: N menus of the page; "sha rc N" lines to OUT.
menus()
{
	local _ sha

	for _ in $(seq 1 "$1"); do
		sha=$(curl -s --max-time 20 "$G/1/pages/page.gmi" | sha256sum
		    exit "${PIPESTATUS[0]}")
		echo "${sha%% *} rc $?" >>"$2"
	done
}

rm -f "$TMP/stop"
renamer page pages/page.gmi &
ren=$!
load "$TMP/page.lg" "$G/1/pages/page.gmi" 8 5 &
lg=$!
pids=
for _ in 1 2 3 4; do
	menus 20 "$TMP/page.menus" &
	pids="$pids $!"
done
# shellcheck disable=SC2086 # one word per PID
wait $pids "$lg"
touch "$TMP/stop"
wait "$ren"
expect_whole "page renamed over: every menu is one version's, whole" \
    "$TMP/page.menus" "$TMP/want.menu" 80
n=$(lg_field "$TMP/page.lg" requests)
if [ "$(lg_failed "$TMP/page.lg")" = 0 ] && [ "${n:-0}" -gt 0 ]; then
	pass "page renamed over under Gopher load: no failure ($n requests)"
else
	fail "page renamed over under Gopher load: no failure" \
	    "$(cat "$TMP/page.lg")"
fi
check "page renamer ran" test "$(cat "$TMP/page.rounds")" -ge 20

stop_server
