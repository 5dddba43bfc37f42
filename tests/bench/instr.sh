# Sourced by tests/bench.sh: instructions counted by callgrind. Timings on
# a shared machine drift by a quarter between runs; an instruction count
# does not, so it can weigh one trim of a few per cent, and it shows how
# much of capsuled's own (user-space) work per request is the handshake.
# Kernel time is not counted: callgrind sees user space only.
# shellcheck shell=bash

# Requests before the counted ones (start-up, first-use allocations),
# then the counted ones: per request = (I(N1 + N) - I(N1)) / N.
INSTR_N1=20
INSTR_N=200
INSTR_N_BIG=40
# hsbench handshakes counted per set of options.
INSTR_HS=200
# The trims measured in hsbench: label, then hsbench's options.
INSTR_TRIMS="capsuled:-k1 no-ticket:-k0 two-tickets:-k2
    keep-buffers:-k1,-B reuse-ssl:-k1,-r"
INSTR_SCENS="gem_small gem_resume gem_index gem_big goph_menu goph_big"

# The server's instructions per handshake, for each trim.
instr_hsbench()
{
	local t label opts ir
	for t in $INSTR_TRIMS; do
		label=${t%%:*}
		opts=$(echo "${t#*:}" | tr ',' ' ')
		# shellcheck disable=SC2086 # opts is meant to split
		timeout -k 5 600 valgrind --tool=callgrind \
		    --toggle-collect='hs_srv_*' \
		    --callgrind-out-file="$W/cg/hs.out" "$HSBENCH" \
		    -n "$INSTR_HS" $opts >/dev/null 2>"$W/cg/hs.err" &
		BLOCK=$!
		wait "$BLOCK"
		BLOCK=
		ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$W/cg/hs.err")
		echo "hs $label $(awk -v i="${ir:-0}" -v n="$INSTR_HS" \
		    'BEGIN { printf "%d", i / n }')" >>"$W/res/instr"
		say "  hsbench $label: ${ir:-no count} instructions in" \
		    "$INSTR_HS server handshakes"
	done
}

# Writes to $W/cg/count the worker's instruction total after N requests
# of scenario s, from a fresh capsuled (one worker) under callgrind; 1
# when something failed.
instr_capsuled_once()
{
	local s=$1 n=$2 extra='' wpid f _
	rm -f "$W"/cg/cs.* "$W/cg/count"
	valgrind --tool=callgrind --callgrind-out-file="$W/cg/cs.%p" \
	    "$CAPSULED" --host localhost --gemini "127.0.0.1:$GEM" \
	    --gopher "127.0.0.1:$GOPH" --certs "$W/certs" --workers 1 \
	    -c "$W/conf/bench.conf" "$W/www" 2>"$W/log/instr.log" &
	SPID=$!
	for _ in $(seq 600); do
		grep -q '^ready:' "$W/log/instr.log" 2>/dev/null && break
		sleep 0.1
	done
	wait_listen "$(scen_port "$s")" "$SPID" || return 1
	wpid=$(tree_pids "$SPID" | sed -n 2p)
	[ "$s" = gem_resume ] && extra=-r
	# shellcheck disable=SC2086 # extra is meant to split
	timeout -k 5 600 "$LOADGEN" -u "$(scen_url "$s")" -c 1 -t 1 \
	    -n "$n" -d 600 -C "127.0.0.1:$(scen_port "$s")" $extra \
	    >"$W/cg/lg.out" 2>&1 &
	CHILD=$!
	wait "$CHILD"
	CHILD=
	kill_tree "$SPID"
	SPID=
	grep -q "ok=$n " "$W/cg/lg.out" || return 1
	f=$W/cg/cs.$wpid
	[ -n "$wpid" ] && [ -s "$f" ] || return 1
	sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$f" | head -n 1 \
	    >"$W/cg/count"
	[ -s "$W/cg/count" ]
}

# Inside a namespace: each scenario's instructions per request.
instr_block()
{
	local s n i1 i2
	for s in $INSTR_SCENS; do
		n=$INSTR_N
		case $s in *_big) n=$INSTR_N_BIG ;; esac
		i1=
		i2=
		instr_capsuled_once "$s" "$INSTR_N1" && i1=$(cat "$W/cg/count")
		instr_capsuled_once "$s" $((INSTR_N1 + n)) &&
		    i2=$(cat "$W/cg/count")
		if [ -z "$i1" ] || [ -z "$i2" ]; then
			echo "cs $s failed" >>"$W/res/instr"
			say "  capsuled $s: no count (see $W/log/instr.log)"
			continue
		fi
		echo "cs $s $(awk -v a="$i1" -v b="$i2" -v n="$n" \
		    'BEGIN { printf "%d", (b - a) / n }')" >>"$W/res/instr"
		say "  capsuled $s: $(tail -n 1 "$W/res/instr" |
		    cut -d' ' -f3) instructions per request"
	done
}

run_instr()
{
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "valgrind not installed" >"$W/res/instr.status"
		say "instructions: valgrind not installed"
		return
	fi
	say "instructions (callgrind):"
	echo ran >"$W/res/instr.status"
	mkdir -p "$W/cg"
	# The workers run as nobody and write their profiles at exit.
	chmod 1777 "$W/cg"
	[ -x "$HSBENCH" ] && instr_hsbench
	$NS bash "$SELF" --instr "$W" &
	BLOCK=$!
	wait "$BLOCK"
	BLOCK=
}

# Looks up one figure of the results: instr_get hs|cs LABEL.
instr_get()
{
	awk -v k="$1" -v l="$2" '$1 == k && $2 == l && $3 ~ /^[0-9]+$/ {
	    print $3 }' "$W/res/instr" 2>/dev/null | tail -n 1
}

# Part of BENCHMARKS.md.
instr_report()
{
	local base t label v
	[ "$(cat "$W/res/instr.status" 2>/dev/null)" = ran ] || {
		echo "## Instructions per request"
		echo
		echo "Not measured: $(cat "$W/res/instr.status" 2>/dev/null ||
		    echo "not run")."
		echo
		return
	}
	base=$(instr_get hs capsuled)
	cat <<-EOF
	## Instructions per request

	User-space instructions counted by callgrind (valgrind), which other
	work on the machine cannot change, unlike the timings above: one
	figure, no spread. The kernel's work (TCP, system calls, scheduling)
	is not in it.

	First, one server TLS 1.3 handshake in \`build/hsbench\` (the server
	object made, the handshake, the object freed; callgrind counting
	only the server side's functions, \`--toggle-collect='hs_srv_*'\`),
	$INSTR_HS handshakes each, set up as capsuled's and then with one
	thing changed:

	| server set-up | instructions per handshake | against capsuled's |
	| --- | --- | --- |
	EOF
	for t in $INSTR_TRIMS; do
		label=${t%%:*}
		v=$(instr_get hs "$label")
		printf '| %s | %s | %s |\n' "$(instr_trim_title "$label")" \
		    "${v:-failed}" "$(instr_pct "$v" "$base")"
	done
	cat <<-EOF

	Then capsuled's one worker, under callgrind, serving one client's
	requests one after another: the instructions of $INSTR_N1 + N
	requests less those of $INSTR_N1, divided by N ($INSTR_N, or
	$INSTR_N_BIG for the 1 MiB files). For Gemini, against one handshake
	above, set up as capsuled's:

	| scenario | instructions per request | against one handshake |
	| --- | --- | --- |
	EOF
	instr_scen_rows "$base"
	cat <<-EOF

	Under valgrind, OpenSSL sees the CPU valgrind emulates, not this one,
	and may choose other code (for the AES-GCM of the 1 MiB file most of
	all); hsbench and capsuled are counted on the same emulated CPU, so
	the comparisons between them hold.

	EOF
}

# The table's rows: each scenario, against the handshake base.
instr_scen_rows()
{
	local s v
	for s in $INSTR_SCENS; do
		v=$(instr_get cs "$s")
		case $s in
		gem_*)	printf '| %s | %s | %s |\n' "$(scen_short "$s")" \
			    "${v:-failed}" "$(instr_pct "$v" "$1")" ;;
		*)	printf '| %s | %s | - |\n' "$(scen_short "$s")" \
			    "${v:-failed}" ;;
		esac
	done
}

instr_trim_title()
{
	case $1 in
	capsuled)	echo "capsuled's: one session ticket, buffers" \
			    "released when empty, a new SSL object per" \
			    "connection" ;;
	no-ticket)	echo "no session ticket (-k 0)" ;;
	two-tickets)	echo "two tickets, OpenSSL's default (-k 2)" ;;
	keep-buffers)	echo "buffers kept for the connection's life (-B)" ;;
	reuse-ssl)	echo "one SSL object reused through SSL_clear() (-r)" ;;
	esac
}

# "103.2%": a as a percentage of b, or "-".
instr_pct()
{
	if [ -z "$1" ] || [ -z "$2" ] || [ "$2" = 0 ]; then
		echo "-"
		return
	fi
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", 100 * a / b }'
}

# A line for the ceiling's section: what the gap to it is made of.
instr_gap()
{
	local v base
	v=$(instr_get cs gem_small)
	base=$(instr_get hs capsuled)
	[ -n "$v" ] && [ -n "$base" ] || return 0
	echo "- In user-space instructions (see below), capsuled's worker" \
	    "runs $(instr_pct "$v" "$base") of one server handshake per" \
	    "small page. The rest of the gap is CPU time those instructions" \
	    "do not show: the kernel's (TCP set-up and teardown, system" \
	    "calls, wake-ups), which hsbench does not pay, and the same" \
	    "instructions run on CPUs shared with the load generator."
}
