#!/usr/bin/env bash
# Faults and reloads under load, as clients see them: a worker killed
# with SIGKILL is replaced and costs at most the connections it held;
# SIGHUP, again and again, while pages, files and the data file change,
# costs nothing and shows the change on both protocols; a broken config
# file is refused with its file:line and the running one keeps serving.
# The load is build/loadgen: a fresh connection per request, 16 at once.
# shellcheck source-path=SCRIPTDIR disable=SC2119 # stop_server: the last one
SUITE=faults
. "$(dirname "$0")/lib.sh"

# Connections each load keeps in flight.
CONNS=16

# ---- the capsule and its configuration -------------------------------

# The shipped capsule (it has a data file), readable by any user.
C=$TMP/capsule
cp -r "$TOP/capsule" "$C"
noise 262144 >"$C/big.bin"
chmod -R u=rwX,go=rX "$C"

CONF=$TMP/server.conf
# write_conf ROOT LANG [broken]: the configuration, host block last;
# "broken" leaves the string on line 6 unterminated.
write_conf()
{
	local q='"'

	[ "${3:-}" = broken ] && q=
	cat >"$CONF.new" <<EOF
# capsuled test configuration
max-per-ip 0
rate-per-ip 0
host "localhost" {
	root "$1"
	lang "$2$q
}
EOF
	mv "$CONF.new" "$CONF"
}
write_conf "$C" en

GPORT=$(free_port)
start_server main -c "$CONF" --gopher "127.0.0.1:$GPORT" || exit 1
U=gemini://localhost:$PORT
G=gopher://127.0.0.1:$GPORT

# nlog ERE: how many log lines match.
nlog()
{
	grep -Ec "$1" "$LOG"
}

# wait_log ERE N: up to 10 s for N lines matching ERE.
wait_log()
{
	local _

	for _ in $(seq 1 100); do
		[ "$(nlog "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_workers NOT: up to 10 s for two workers, PID NOT not among them.
wait_workers()
{
	local _ now

	for _ in $(seq 1 100); do
		now=$(children "$PID" | tr '\n' ' ')
		if [ "$(wc -w <<<"$now")" -eq 2 ] &&
		    ! [[ " $now" == *" $1 "* ]]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# expect_loaded NAME FILE MAXFAIL: the load ran, and at most MAXFAIL of
# its requests failed.
expect_loaded()
{
	local n bad

	n=$(lg_field "$2" requests)
	bad=$(lg_failed "$2")
	if [ "$bad" = "?" ] || [ "${n:-0}" -eq 0 ]; then
		fail "$1" "no load result: $(head -c 300 "$2")"
	elif [ "$bad" -gt "$3" ]; then
		fail "$1" "$bad of $n failed (at most $3): $(cat "$2")"
	else
		pass "$1 ($bad of $n failed)"
	fi
}

# gem PATH: a Gemini response, header line first.
gem()
{
	get "$TMP/g" "$U$1"
	cat "$TMP/g"
}

# gopher PATH: a Gopher response.
gopher()
{
	curl -s --max-time 10 "$G$1"
}

# ---- 1. a worker killed under load -----------------------------------

kids=$(children "$PID" | tr '\n' ' ')
victim=${kids%% *}
load "$TMP/kill.gem" "$U/" "$CONNS" 4 &
lg1=$!
load "$TMP/kill.gop" "$G/9/big.bin" "$CONNS" 4 &
lg2=$!
sleep 1.5
kill -KILL "$victim"
wait "$lg1" "$lg2"
if wait_workers "$victim"; then
	pass "killed worker replaced by a new PID"
else
	fail "killed worker replaced by a new PID" \
	    "before: $kids; now: $(children "$PID" | tr '\n' ' ')"
fi
check "log names the killed worker" grep -q \
    "^worker $victim killed by signal 9; restarting" "$LOG"
expect_loaded "kill -9 under Gemini load: failures at most $CONNS" \
    "$TMP/kill.gem" "$CONNS"
expect_loaded "kill -9 under Gopher load: failures at most $CONNS" \
    "$TMP/kill.gop" "$CONNS"
load "$TMP/after.gem" "$U/" "$CONNS" 3 &
lg1=$!
load "$TMP/after.gop" "$G/9/big.bin" "$CONNS" 3 &
lg2=$!
wait "$lg1" "$lg2"
expect_loaded "Gemini load after the kill: no failure" "$TMP/after.gem" 0
expect_loaded "Gopher load after the kill: no failure" "$TMP/after.gop" 0

# ---- 2. SIGHUP again and again while the capsule changes -------------

MARK="edited under load $RANDOM$RANDOM"
nrel=$(nlog '^reloaded:')
load "$TMP/hup.gem" "$U/" "$CONNS" 8 &
lg1=$!
load "$TMP/hup.gop" "$G/1/" "$CONNS" 8 &
lg2=$!
sleep 1
kill -HUP "$PID"
sleep 1
# An edit as editors save: a new file renamed over the old one.
{ cat "$C/index.gmi"; printf '\n%s\n' "$MARK"; } >"$C/.index.new"
chmod 644 "$C/.index.new"
mv "$C/.index.new" "$C/index.gmi"
printf '# Added under load\n\nA page added while the server was busy.\n' \
    >"$C/added.gmi"
chmod 644 "$C/added.gmi"
kill -HUP "$PID"
sleep 1
# A row with a destination the data file had not named.
{ cat "$C/opportunities.tsv"; awk -F'\t' -v OFS='\t' \
    '$1 == "F01" { $1 = "F99"; $7 = "Norway"; print }' \
    "$C/opportunities.tsv"; } >"$C/.data.new"
chmod 644 "$C/.data.new"
mv "$C/.data.new" "$C/opportunities.tsv"
kill -HUP "$PID"
sleep 1.5
kill -HUP "$PID"
wait "$lg1" "$lg2"
if wait_log '^reloaded:' $((nrel + 4)); then
	pass "four SIGHUPs, four reloads"
else
	fail "four SIGHUPs, four reloads" \
	    "$(($(nlog '^reloaded:') - nrel)) reloads"
fi
# roots_held: for each worker, the descriptors it holds on the capsule
# root, once the retired workers have gone.
roots_held()
{
	local w f _

	for _ in $(seq 1 50); do
		[ "$(children "$PID" | wc -l)" -eq 2 ] && break
		sleep 0.1
	done
	for w in $(children "$PID"); do
		for f in "/proc/$w/fd/"*; do
			readlink "$f"
		done | grep -cxF "$C" | tr '\n' ' '
	done
}
expect_eq "after reloads: each worker holds the root once" "$(roots_held)" \
    "1 1 "
expect_loaded "SIGHUP x4 and edits under Gemini load: no failure" \
    "$TMP/hup.gem" 0
expect_loaded "SIGHUP x4 and edits under Gopher load: no failure" \
    "$TMP/hup.gop" 0
expect_match "edited page, Gemini" "$(gem /)" "$MARK"
expect_match "edited page, Gopher" "$(gopher /1/)" "i$MARK"$'\t'
expect_match "added page, Gemini" "$(gem /added.gmi)" \
    $'^20 text/gemini; lang=en\r\n# Added under load'
expect_match "added page, Gopher" "$(gopher /1/added.gmi)" \
    $'^iAdded under load\t'
expect_match "site map lists the added page, Gemini" \
    "$(gem /sitemap.gmi)" '=> /added\.gmi Added under load'
expect_match "site map lists the added page, Gopher" \
    "$(gopher /1/sitemap.gmi)" $'\n1Added under load\t/added\\.gmi\t'
expect_match "new data row on the generated index, Gemini" \
    "$(gem /destinations/)" 'Norway'
expect_match "new data row on the generated index, Gopher" \
    "$(gopher /1/destinations/)" $'\n1Norway'

# ---- 2b. a broken config file is refused, the running one serves ----

# lang_ok WANT: six requests (both workers) all carry lang=WANT.
lang_ok()
{
	local _

	for _ in 1 2 3 4 5 6; do
		get "$TMP/l" "$U/"
		[ "$HDR" = "20 text/gemini; lang=$1"$'\r\n' ] || return 1
		[ -n "$(gopher /1/)" ] || return 1
	done
}

write_conf "$C" fr broken
nbad=$(nlog '^reload failed')
nrel=$(nlog '^reloaded:')
load "$TMP/bad.gem" "$U/" "$CONNS" 3 &
lg1=$!
load "$TMP/bad.gop" "$G/1/" "$CONNS" 3 &
lg2=$!
sleep 0.5
kill -HUP "$PID"
wait "$lg1" "$lg2"
wait_log '^reload failed' $((nbad + 1))
want="reload failed: $CONF:6: unterminated string"
expect_eq "broken config: one line with file:line and why" \
    "$(grep '^reload failed' "$LOG" | tail -n +$((nbad + 1)))" \
    "$want; keeping the running configuration"
expect_eq "broken config: no reload" "$(nlog '^reloaded:')" "$nrel"
expect_loaded "broken config under Gemini load: no failure" \
    "$TMP/bad.gem" 0
expect_loaded "broken config under Gopher load: no failure" \
    "$TMP/bad.gop" 0
check "broken config: the old settings serve (lang=en)" lang_ok en
# The tree watch (every 2 s) must not retry the same bad reload forever.
nbad=$(nlog '^reload failed')
printf '\nOne more line.\n' >>"$C/added.gmi"
sleep 5
expect_eq "broken config, tree changed: one failed reload in 5 s" \
    "$(($(nlog '^reload failed') - nbad))" 1
kids=$(children "$PID" | tr '\n' ' ')
victim=${kids%% *}
kill -KILL "$victim"
wait_workers "$victim"
check "broken config: a restarted worker has the old settings" lang_ok en

# A root that does not exist is refused too.
write_conf "$TMP/missing" fr
nbad=$(nlog '^reload failed')
kill -HUP "$PID"
wait_log '^reload failed' $((nbad + 1))
expect_match "missing root: refused, said why" \
    "$(grep '^reload failed' "$LOG" | tail -n 1)" \
    "^reload failed: $TMP/missing: No such file or directory; keeping"
check "missing root: the old settings serve (lang=en)" lang_ok en

write_conf "$C" fr
kill -HUP "$PID"
if wait_log '^reloaded:' $((nrel + 1)); then
	pass "fixed config reloads"
else
	fail "fixed config reloads" "no 'reloaded:' line"
fi
# Old workers stop accepting once they handle their SIGTERM.
sleep 0.5
check "fixed config: new settings serve (lang=fr)" lang_ok fr

stop_server
