# Sourced by tests/bench.sh: BENCHMARKS.md from the raw results in $W.
# shellcheck shell=bash
# ---------------------------------------------------------------------
# The report

# summ FILE KEY [PATTERN]: "n median min max est" of KEY over the lines
# that match PATTERN (default: the successful loadgen lines). KEY mbs is
# bytes/seconds in MB/s, errors the sum of the err_ counters, rpc the
# requests per server CPU-second: the load generator's, unless it saw
# under half the CPU time taken here over the same window (a server
# that forks per connection, its children reaped unseen), then ok over
# that time; est counts the runs where that was done.
summ()
{
	[ -f "$1" ] || { echo 0; return; }
	awk -v k="$2" -v pat="${3:-(^| )requests=}" '
	$0 ~ pat {
		delete f
		for (i = 1; i <= NF; i++) {
			p = index($i, "=")
			if (p)
				f[substr($i, 1, p - 1)] = substr($i, p + 1)
		}
		if (k == "mbs")
			v = f["seconds"] > 0 ? f["bytes"] / f["seconds"] / 1e6 : 0
		else if (k == "errors")
			v = f["err_connect"] + f["err_tls"] + f["err_status"] + \
			    f["err_timeout"]
		else if (k == "rpc") {
			v = f["rps_per_server_cpu"]
			if (f["win_cpu_s"] > 0.1 && \
			    f["server_cpu_s"] < 0.5 * f["win_cpu_s"]) {
				v = f["ok"] / f["win_cpu_s"]
				est++
			}
		} else if (!(k in f))
			next
		else
			v = f[k]
		a[++n] = v + 0
	}
	END {
		if (n == 0) { print 0; exit }
		for (i = 2; i <= n; i++) {
			x = a[i]
			for (j = i - 1; j >= 1 && a[j] > x; j--)
				a[j + 1] = a[j]
			a[j + 1] = x
		}
		m = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		printf "%d %.6f %.6f %.6f %d\n", n, m, a[1], a[n], est
	}' "$1"
}

# med FILE KEY [PATTERN]: the median alone, empty if none.
med()
{
	summ "$@" | awk '$1 > 0 { print $2 }'
}

# cell FILE KEY DECIMALS [PATTERN]: "median (min-max)", marked with a
# "~" when some runs' value was estimated.
cell()
{
	summ "$1" "$2" "${4:-}" | awk -v d="$3" '
	$1 == 0 { print "-"; exit }
	{ mark = $5 > 0 ? "~" : "" }
	$3 == $4 { printf "%s%.*f\n", mark, d, $2; exit }
	{ printf "%s%.*f (%.*f-%.*f)\n", mark, d, $2, d, $3, d, $4 }'
}

# The error cell: per-run total as median (min-max), and the kinds.
err_cell()
{
	local f=$1 c kinds
	c=$(cell "$f" errors 0)
	kinds=$(awk '/(^| )requests=/ {
		for (i = 1; i <= NF; i++)
			if ($i ~ /^err_/) {
				split($i, kv, "=")
				s[substr(kv[1], 5)] += kv[2]
			}
	}
	END { for (k in s) if (s[k] > 0) printf " %s %d", k, s[k] }' "$f")
	[ -n "$kinds" ] && c="$c; all runs:$kinds"
	echo "$c"
}

status_of()
{
	cat "$W/res/$1.status" 2>/dev/null || echo "not run"
}

version_of()
{
	case $1 in
	capsuled)	"$CAPSULED" -V 2>&1 | head -n 1 ;;
	molly-brown|gophernicus)
		echo "$1 $(dpkg-query -W -f='${Version}' "$1" 2>/dev/null)"
		;;
	gmid)		"$GMID_BIN" -V 2>&1 | sed 's/^Version: //' | head -n 1 ;;
	geomyidae)	echo "geomyidae ($GEOM_BIN)" ;;
	esac
}

how_run()
{
	case $1 in
	capsuled)	echo "build/capsuled --workers 2 (master and 2 worker" \
			    "processes), per-address limits off" \
			    "(\`max-per-ip 0\`, \`rate-per-ip 0\`: all the load" \
			    "comes from 127.0.0.1); access log on standard" \
			    "error, to a file" ;;
	molly-brown)	echo "Debian's package, one Go process (GOMAXPROCS =" \
			    "$NPROC); access log to a file" ;;
	gmid)		echo "-f, prefork 2 (2 server processes, plus its" \
			    "parent, crypto and logger processes); access log" \
			    "on standard error, to a file" ;;
	gophernicus)	echo "inetd style: socat (backlog 4096) accepts and" \
			    "executes one gophernicus per connection on the" \
			    "socket (nofork), as user _gophernicus; -nf -nh," \
			    "throttling limits raised; access log to a file" ;;
	geomyidae)	echo "-d -n -e: one forked process per connection," \
			    "no reverse lookups; access log to a file" ;;
	esac
}

fmt_kb()
{
	awk -v k="$1" 'BEGIN { if (k == "") print "-";
	    else printf "%.1f MiB", k / 1024 }'
}

ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0)
	    print "-"; else printf "%.2f\n", a / b }'
}

report()
{
	local n s c f st rows a b pct hs x
	local cpu mem kernel ossl
	cpu=$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' \
	    /proc/meminfo)
	kernel=$(uname -r)
	ossl=$(openssl version 2>/dev/null)

	cat <<-EOF
	# capsuled benchmarks

	How fast capsuled serves the capsule over Gemini and Gopher, how much
	server CPU each request costs, and the same figures, on the same
	machine and the same files, for other Gemini and Gopher servers.

	## Machine and run

	- CPU: $cpu, $NPROC online CPUs (\`nproc\`)
	- Memory: $mem (MemTotal)
	- Kernel: $kernel
	- OpenSSL: $ossl
	- $(. /etc/os-release 2>/dev/null && echo "System: $PRETTY_NAME")
	- Date: $(date -u '+%Y-%m-%d %H:%M UTC') (run started $STARTED)
	- Load average (1, 5, 15 min): $LOAD0 at the start,
	  $(cut -d' ' -f1-3 /proc/loadavg) at the end (other work on the
	  machine during the run skews the figures)
	- Each scenario: $RUNS run$( [ "$RUNS" = 1 ] || echo s) of $SECS s,
	  each after $WARM s of warmup, at concurrency 1 and 64; figures are
	  median (min-max) over the runs. The runs are interleaved (every
	  server's first run, then every server's second, and so on, each on
	  a fresh start of the server), so that a change in the machine's
	  load during the run touches every server alike.

	To run it again (as root; about 13 minutes with the defaults):

	    make bench
	    BENCH_RUNS=5 BENCH_SECONDS=10 make bench
	    GMID=/path/to/gmid GEOMYIDAE=/path/to/geomyidae make bench

	\`make bench\` builds capsuled (the release build, \`-O2\`), the load
	generator \`build/loadgen\` and \`build/hsbench\`, then runs
	\`tests/bench.sh\`, which writes this file.

	## How it is measured

	Every server runs in a network namespace of its own that holds only
	the loopback interface, listens on 127.0.0.1, and is loaded by
	\`build/loadgen\` running in the same namespace; the load generator and
	the server share the machine's $NPROC CPUs. All servers serve one copy of
	\`capsule/\` plus \`big.bin\`, 1 MiB of random bytes; the Gopher peers
	serve, as their gophermap (\`gophermap\`, \`index.gph\`), the menu
	capsuled renders from \`index.gmi\`, so every server sends the same
	bytes. Gemini servers use an ECDSA P-256 certificate each.

	Each request is a new TCP connection (and for Gemini a new TLS
	handshake; with session resumption, the client offers the session of
	its previous connection). The columns:

	- requests/s: successful responses per second;
	- requests per server CPU-second: successful responses divided by the
	  user and system CPU time of the server's processes (all of its
	  process tree) over the same seconds: the cost of a request, whatever
	  the client's share of the CPUs;
	- MB/s: response bytes per second, in 10^6 bytes;
	- p50, p99, max: latency in ms, from connect() to the end of the
	  response;
	- errors: failed requests per run (connect, TLS, status, timeout).

	## Servers

	| server | version | how it ran | status |
	| --- | --- | --- | --- |
	EOF
	for n in $SERVERS; do
		st=$(status_of "$n")
		if [ "$st" = ran ]; then
			printf '| %s | %s | %s | ran |\n' "$n" "$(version_of "$n")" \
			    "$(how_run "$n")"
		else
			printf '| %s | - | - | %s |\n' "$n" "$st"
		fi
	done
	echo

	for s in $ALL_SCEN; do
		for c in $CONCS; do
			echo "## $(scen_title "$s"), concurrency $c"
			echo
			echo "| server | requests/s | requests per server CPU-second" \
			    "| MB/s | p50 ms | p99 ms | max ms | errors |"
			echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
			for n in $SERVERS; do
				case " $(server_scens "$n") " in
				*" $s "*) ;;
				*) continue ;;
				esac
				f=$W/res/$n.$s.c$c
				st=$(status_of "$n")
				if [ ! -s "$f" ]; then
					printf '| %s | %s | | | | | | |\n' "$n" \
					    "$( [ "$st" = ran ] && echo "no result" ||
					    echo "$st")"
					continue
				fi
				rows=$(summ "$f" rps | awk '{ print $1 }')
				if [ "$rows" = 0 ]; then
					printf '| %s | failed: %s | | | | | | |\n' \
					    "$n" "$(head -n 1 "$f" | cut -c1-120 |
					    tr '|' '/')"
					continue
				fi
				printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' \
				    "$n$( [ "$rows" -lt "$RUNS" ] &&
				    echo " ($rows of $RUNS runs)")" \
				    "$(cell "$f" rps 0)" \
				    "$(cell "$f" rpc 0)" \
				    "$(cell "$f" mbs 1)" \
				    "$(cell "$f" p50_ms 2)" \
				    "$(cell "$f" p99_ms 2)" \
				    "$(cell "$f" max_ms 1)" \
				    "$(err_cell "$f")"
			done
			echo
		done
	done

	cat <<-EOF
	## Ratios

	capsuled's requests per server CPU-second divided by the peer's, both
	medians of this run: above 1, capsuled spends less CPU per request.

	| scenario | concurrency |$(for n in $SERVERS; do
	    [ "$n" = capsuled ] || printf ' vs %s |' "$n"; done)
	| --- | --- |$(for n in $SERVERS; do
	    [ "$n" = capsuled ] || printf -- ' --- |'; done)
	EOF
	for s in $ALL_SCEN; do
		[ "$s" = gem_index ] && continue
		for c in $CONCS; do
			printf '| %s | %s |' "$(scen_short "$s")" "$c"
			a=$(med "$W/res/capsuled.$s.c$c" rpc)
			for n in $SERVERS; do
				[ "$n" = capsuled ] && continue
				case " $(server_scens "$n") " in
				*" $s "*)
					b=$(med "$W/res/$n.$s.c$c" rpc)
					printf ' %s |' "$(ratio "$a" "$b")" ;;
				*)
					printf ' n/a |' ;;
				esac
			done
			echo
		done
	done
	echo
	for n in $SERVERS; do
		st=$(status_of "$n")
		[ "$st" = ran ] || echo "- $n: $st"
	done
	echo

	echo "## The in-process OpenSSL ceiling"
	echo
	cat <<-EOF
	\`build/hsbench -d $SECS -k 1\` runs full TLS 1.3 handshakes, never
	resumed, between a client and a server joined by an in-memory BIO
	pair, in one thread: no sockets, no system calls, no event loop, no
	request. The server side is set up as capsuled's (TLS 1.2 to 1.3, any
	client certificate accepted, a self-signed ECDSA P-256 certificate, one
	session ticket per handshake: \`-k 1\`), the client as a Gemini client
	(SNI, no certificate, no verification). It counts handshakes per
	second of the CPU time spent in the server side's handshake calls
	(server handshakes per server CPU-second) and per second of the whole
	loop, both sides included. Every Gemini request on a new connection
	costs one such handshake, so the server figure is the ceiling for any
	server's small-page requests per server CPU-second with this OpenSSL on
	this CPU; capsuled's rate as a percentage of it shows how much of its
	CPU goes to the handshake itself and how much to the rest (TCP, system
	calls, the event loop, the file, the log line). Resumed sessions skip
	the full handshake and can exceed it.

	EOF
	if [ "$(status_of hsbench)" != ran ]; then
		echo "hsbench was not built: no ceiling measured."
	elif [ "$(summ "$W/res/hsbench" server_hs_per_server_cpu_s \
	    '(^| )handshakes=' | awk '{ print $1 }')" = 0 ]; then
		echo "hsbench failed: $(head -n 1 "$W/res/hsbench")"
	else
		x='(^| )handshakes='
		echo "| handshakes | seconds | handshakes per CPU-second (both sides)" \
		    "| server handshakes per server CPU-second |"
		echo "| --- | --- | --- | --- |"
		printf '| %s | %s | %s | %s |\n' \
		    "$(cell "$W/res/hsbench" handshakes 0 "$x")" \
		    "$(cell "$W/res/hsbench" seconds 2 "$x")" \
		    "$(cell "$W/res/hsbench" hs_per_cpu_s 0 "$x")" \
		    "$(cell "$W/res/hsbench" server_hs_per_server_cpu_s 0 "$x")"
		echo
		hs=$(med "$W/res/hsbench" server_hs_per_server_cpu_s "$x")
		for c in $CONCS; do
			a=$(med "$W/res/capsuled.gem_small.c$c" rpc)
			pct=$(awk -v a="$a" -v b="$hs" 'BEGIN {
			    if (a == "" || b == 0) print "-";
			    else printf "%.0f%%", 100 * a / b }')
			echo "- capsuled, Gemini small page, concurrency $c:" \
			    "${a%.*} requests per server CPU-second, $pct of" \
			    "the ceiling (${hs%.*})."
		done
		instr_gap
	fi
	echo

	instr_report

	echo "## Memory"
	echo
	f=$W/res/capsuled.mem
	if [ -f "$f" ]; then
		echo "capsuled at rest, before any request: $(fmt_kb "$(awk \
		    '/^start/ { print $2 }' "$f")") RSS in" \
		    "$(awk '/^start/ { print $3 }' "$f") processes:"
		echo
		awk '/^proc/ { printf "- %s (pid %d): %.1f MiB RSS, %.1f MiB" \
		    " PSS\n", $4, $2, $3 / 1024, $5 / 1024 }' "$f"
		echo
		echo "PSS in all: $(awk '/^proc/ { t += $5 } END {
		    printf "%.1f", t / 1024 }' "$f") MiB (proportional set" \
		    "size: each shared page divided between the processes" \
		    "that map it, so the sum is the memory the server really" \
		    "holds; summed RSS counts shared pages once per process)."
		echo
	fi
	f=$W/res/capsuled.idle
	if [ -f "$f" ]; then
		echo "$IDLE_CONNS idle connections held for $IDLE_SECONDS s" \
		    "(Gemini: TLS handshake done, no request sent; Gopher:" \
		    "connected, no selector sent) while 5 ordinary requests are" \
		    "made one after another, each protocol against a fresh" \
		    "capsuled:" \
		    "first with its limits raised by a configuration file" \
		    "(\`max-connections 20480\` in all and \`timeout 120\`," \
		    "which outlasts the hold), then with its defaults" \
		    "($(awk '$1 == "limit" && $2 == "max-connections" { print $3 }' \
		    "$f") connections in all, $(awk '$1 == "limit" &&
		    $2 == "timeout" { print $3 }' "$f") s to complete a" \
		    "request); the per-address limits are off in both, as" \
		    "everywhere here."
		echo
		echo "| limits | protocol | held open at the end | ordinary" \
		    "requests served | their p50 ms | server RSS | RSS per" \
		    "idle connection |"
		echo "| --- | --- | --- | --- | --- | --- | --- |"
		awk '$1 == "limit" { next }
		$3 == "before" { base[$1 $2] = $4; next }
		$3 == "failed" { printf "| %s | %s | failed: %s | | | | |\n", $1, $2,
		    $3 == "failed" && $4 == "to" ? "capsuled did not start" : \
		    "load generator"; next }
		{
			delete f
			for (i = 3; i <= NF; i++) {
				split($i, kv, "=")
				f[kv[1]] = kv[2]
			}
			per = f["idle_open"] > 0 ? sprintf("%.1f KiB", \
			    (f["server_rss_kb"] - base[$1 $2]) / f["idle_open"]) : "-"
			p50 = f["normal_ok"] > 0 ? \
			    sprintf("%.2f", f["normal_p50_ms"]) : "-"
			printf "| %s | %s | %d of %d | %d of 5 | %s | %.1f MiB (%.1f at rest) | %s |\n",
			    $1, $2, f["idle_open"], f["idle"], f["normal_ok"],
			    p50, f["server_rss_kb"] / 1024, base[$1 $2] / 1024, per
		}' "$f"
		echo
		echo "RSS per idle connection: (RSS with the connections held" \
		    "- RSS of the same fresh server at rest) / connections held."
		echo
	fi
	echo "| server | RSS at rest | processes at rest | largest RSS" \
	    "sampled under load |"
	echo "| --- | --- | --- | --- |"
	for n in $SERVERS; do
		[ -f "$W/res/$n.mem" ] || continue
		a=$(cat "$W"/res/"$n".*.c* 2>/dev/null | awk '
		    /(^| )requests=/ { for (i = 1; i <= NF; i++)
			if ($i ~ /^server_rss_kb=/) { split($i, kv, "=")
			    if (kv[2] > m) m = kv[2] } }
		    END { if (m) print m }')
		printf '| %s | %s | %s | %s |\n' "$n" \
		    "$(fmt_kb "$(awk '/^start/ { print $2 }' "$W/res/$n.mem")")" \
		    "$(awk '/^start/ { print $3 }' "$W/res/$n.mem")" \
		    "$(fmt_kb "$a")"
	done
	echo
	echo "The servers that fork per connection (gophernicus under socat," \
	    "geomyidae) show the listener at rest and, under load, whatever" \
	    "children were alive when the load generator sampled."
	echo

	echo "## Same content"
	echo
	echo "Each scenario's response was fetched once before the load:" \
	    "size of the body in bytes, and whether it equals capsuled's."
	echo
	echo "| server | scenario | bytes | same as capsuled | Gemini header |"
	echo "| --- | --- | --- | --- | --- |"
	for n in $SERVERS; do
		[ -f "$W/res/$n.check" ] || continue
		while read -r s sz dg hdr; do
			b=$(awk -v s="$s" '$1 == s { print $3 }' \
			    "$W/res/capsuled.check" 2>/dev/null)
			if [ "$n" = capsuled ]; then
				x=-
			elif [ "$b" = "$dg" ]; then
				x=yes
			else
				x=no
			fi
			printf '| %s | %s | %s | %s | %s |\n' "$n" "$s" "$sz" \
			    "$x" "$hdr"
		done <"$W/res/$n.check"
	done
	echo

	x=
	for n in $SERVERS; do
		for f in "$W"/res/"$n".*.c*; do
			[ -f "$f" ] || continue
			[ "$(summ "$f" rpc | awk '{ print $5 + 0 }')" -gt 0 ] &&
			    { x="$x $n"; break; }
		done
	done
	if [ -n "$x" ]; then
		echo "## Note on CPU time"
		echo
		x=${x# }
		x=${x// /, }
		echo "For $x, the load generator saw less than half the server" \
		    "CPU time that the process tree's own counters show over" \
		    "the same seconds, children that exited and were reaped" \
		    "included: the figures marked ~ are successful requests" \
		    "divided by that CPU time, taken by this script from the end" \
		    "of the warmup to the end of the run."
		echo
	fi
}
