#!/usr/bin/env bash
# TLS 1.3 session resumption, as openssl s_client sees it: one ticket per
# connection, accepted by every worker and across a reload; its key
# changes every ticket-lifetime seconds and the previous period's key
# still resumes; no ticket at all with ticket-lifetime 0.
# shellcheck source-path=SCRIPTDIR disable=SC2119 # stop_server: the last one
SUITE=tickets
. "$(dirname "$0")/lib.sh"

R=$TMP/root
mkdir -p "$R"
printf '# tickets\n' >"$R/index.gmi"

# sc ARGS...: one request by s_client; SC is "New" or "Reused" (or ""),
# SC_BODY the response's first line.
sc()
{
	printf 'gemini://localhost:%s/\r\n' "$PORT" | timeout 10 openssl \
	    s_client -connect "127.0.0.1:$PORT" -servername localhost \
	    -tls1_3 -ign_eof "$@" >"$TMP/sc.out" 2>"$TMP/sc.err"
	SC=$(grep -m 1 -oE '^(New|Reused), TLSv1\.3' "$TMP/sc.out" |
	    cut -d, -f1)
	SC_BODY=$(grep -m 1 -aE '^[0-9]{2} ' "$TMP/sc.out" | tr -d '\r')
}

# ticket_name FILE: the key name a saved session's ticket starts with
# (its first 16 bytes, as hex).
ticket_name()
{
	openssl sess_id -in "$1" -noout -text 2>/dev/null | awk '
	BEGIN { row = "^ *[0-9a-f][0-9a-f][0-9a-f][0-9a-f] - " }
	/TLS session ticket:/ { on = 1; next }
	on && $0 ~ row {
		line = $0
		sub(row, "", line); sub(/   .*$/, "", line)
		gsub(/[- ]/, "", line); hex = hex line
		next
	}
	on && hex != "" { exit }
	END { print substr(hex, 1, 32) }'
}

# The fraction of the current period of LIFETIME seconds gone, in ms.
period_ms()
{
	local ms
	ms=$(date +%s%3N)
	echo $((ms % ($1 * 1000)))
}

conf()
{
	printf 'ticket-lifetime %s\nmax-per-ip 0\nrate-per-ip 0\n' "$1" \
	    >"$TMP/$2.conf"
}

# ---- a day: every worker resumes, a reload keeps the keys ----------

conf 86400 day
if start_server day -c "$TMP/day.conf" "$R"; then
	sc -sess_out "$TMP/s1"
	expect_eq "first connection: a full handshake" "$SC" New
	expect_eq "first connection: served" "$SC_BODY" "20 text/gemini"
	check "first connection: a ticket saved" test -s "$TMP/s1"
	n=0
	for i in 1 2 3 4 5 6 7 8; do
		sc -sess_in "$TMP/s1"
		[ "$SC" = Reused ] && [ "$SC_BODY" = "20 text/gemini" ] &&
		    n=$((n + 1))
	done
	expect_eq "8 connections with the ticket: all resumed and served" \
	    "$n" 8
	# Two workers share the key: every ticket names the same one.
	names=$(for i in 1 2 3 4 5 6; do
		sc -sess_out "$TMP/s.$i"
		ticket_name "$TMP/s.$i"
	done | sort -u)
	expect_match "tickets of one period name one key" \
	    "$(echo "$names" | wc -l) $names" '^1 [0-9a-f]{32}$'
	expect_eq "that key is the first ticket's" "$names" \
	    "$(ticket_name "$TMP/s1")"
	kill -HUP "$PID"
	for _ in $(seq 50); do
		grep -q 'reload' "$LOG" && break
		sleep 0.1
	done
	sleep 1
	sc -sess_in "$TMP/s1"
	expect_eq "after a reload: the ticket still resumes" "$SC" Reused
	sc -sess_out "$TMP/s2"
	expect_eq "after a reload: new tickets name the same key" \
	    "$(ticket_name "$TMP/s2")" "$(ticket_name "$TMP/s1")"
	stop_server
fi

# ---- four seconds: the key changes, the previous one still resumes --

conf 4 short
if start_server short -c "$TMP/short.conf" "$R"; then
	# Just before a period ends: a ticket of period p, then p + 1.
	while [ "$(period_ms 4)" -lt 3300 ] || [ "$(period_ms 4)" -gt 3600 ]
	do
		sleep 0.05
	done
	sc -sess_out "$TMP/p0"
	sleep 0.8
	sc -sess_in "$TMP/p0" -sess_out "$TMP/p1"
	expect_eq "a ticket of the previous period resumes" "$SC" Reused
	a=$(ticket_name "$TMP/p0")
	b=$(ticket_name "$TMP/p1")
	check "the new period's ticket names another key" \
	    test "${#a}" = 32 -a "${#b}" = 32 -a "$a" != "$b"
	sleep 8.5
	sc -sess_in "$TMP/p0"
	expect_eq "two periods on: the old ticket gets a full handshake" \
	    "$SC" New
	expect_eq "two periods on: still served" "$SC_BODY" "20 text/gemini"
	stop_server
fi

# ---- none ------------------------------------------------------------

conf 0 none
if start_server none -c "$TMP/none.conf" "$R"; then
	sc -sess_out "$TMP/n1"
	expect_eq "ticket-lifetime 0: served" "$SC_BODY" "20 text/gemini"
	check "ticket-lifetime 0: no ticket sent" test ! -s "$TMP/n1"
	stop_server
fi
