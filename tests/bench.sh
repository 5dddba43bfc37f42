#!/usr/bin/env bash
# Runs the benchmark behind "make bench" and writes BENCHMARKS.md.
#
# capsuled and the servers it is compared with serve one copy of the
# capsule, each in a network namespace of its own that holds only the
# loopback interface, listening on 127.0.0.1; the load generator runs in
# the same namespace. Every server is stopped by PID when its part is
# over, and the trap stops whatever is left, pass or fail.
#
#	BENCH_RUNS	runs of each scenario (default 3): median, min, max
#	BENCH_SECONDS	measured seconds of each run, after 1 s of warmup
#			(default 5)
#	GMID		path to a gmid binary (gmid is not in Debian 12)
#	GEOMYIDAE	path to a geomyidae binary (nor is geomyidae)
#	BENCH_KEEP	1: keep the scratch directory (logs, raw results);
#			"bash tests/bench.sh --report DIR" prints the report
#			again from it
#	LOADGEN, HSBENCH	other builds of the tools (default build/)
#
# Needs root: it installs the Debian peers that are missing (molly-brown,
# gophernicus, socat) and creates network namespaces. The run takes about
# 13 minutes on 2 cores with the defaults; it exits 0 once it completed,
# whatever the figures.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd) || exit 1
SELF=$TOP/tests/bench.sh
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-5}
WARM=1
LOADGEN=${LOADGEN:-$TOP/build/loadgen}
HSBENCH=${HSBENCH:-$TOP/build/hsbench}
CAPSULED=$TOP/build/capsuled
CAPGET=$TOP/build/capget
OUT=$TOP/BENCHMARKS.md
# Concurrency levels, and the idle connections held against capsuled.
CONCS="1 64"
IDLE_CONNS=10000
IDLE_SECONDS=10

# Scenarios: what each server is measured on.
ALL_SCEN="gem_small gem_big gem_resume goph_menu goph_big gem_index"
SERVERS="capsuled molly-brown gmid gophernicus geomyidae"

server_scens()
{
	case $1 in
	capsuled)		echo "$ALL_SCEN" ;;
	molly-brown|gmid)	echo "gem_small gem_big gem_resume" ;;
	gophernicus|geomyidae)	echo "goph_menu goph_big" ;;
	esac
}

scen_title()
{
	case $1 in
	gem_small)	echo "Gemini, small page (/)" ;;
	gem_big)	echo "Gemini, 1 MiB file (/big.bin)" ;;
	gem_resume)	echo "Gemini, small page (/) with TLS session resumption" ;;
	goph_menu)	echo "Gopher, menu rendered from gemtext (selector /)" ;;
	goph_big)	echo "Gopher, 1 MiB file (/big.bin)" ;;
	gem_index)	echo "Gemini, generated index page" \
			    "(/destinations/sweden.gmi, capsuled only)" ;;
	esac
}

scen_short()
{
	case $1 in
	gem_small)	echo "Gemini small page" ;;
	gem_big)	echo "Gemini 1 MiB file" ;;
	gem_resume)	echo "Gemini small page, resumed session" ;;
	goph_menu)	echo "Gopher menu" ;;
	goph_big)	echo "Gopher 1 MiB file" ;;
	gem_index)	echo "Gemini generated index" ;;
	esac
}

scen_url()
{
	case $1 in
	gem_small|gem_resume)	echo "gemini://localhost:$GEM/" ;;
	gem_big)		echo "gemini://localhost:$GEM/big.bin" ;;
	gem_index)	echo "gemini://localhost:$GEM/destinations/sweden.gmi" ;;
	goph_menu)		echo "gopher://localhost:$GOPH/1/" ;;
	goph_big)		echo "gopher://localhost:$GOPH/9/big.bin" ;;
	esac
}

scen_port()
{
	case $1 in
	goph_*)	echo "$GOPH" ;;
	*)	echo "$GEM" ;;
	esac
}

say()
{
	printf '%s\n' "$*"
}

# ---------------------------------------------------------------------
# Processes

# Prints PID and its descendants, parents first.
tree_pids()
{
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
	{
		pid = $1
		sub(/^.*\) /, "")
		kids[$2] = kids[$2] " " pid
	}
	END {
		q[1] = root; n = 1
		for (i = 1; i <= n; i++) {
			print q[i]
			m = split(kids[q[i]], k, " ")
			for (j = 1; j <= m; j++)
				q[++n] = k[j]
		}
	}'
}

# "CPU_SECONDS RSS_KB" of PID and its descendants. The CPU time counts
# the children they have reaped, so a server that forks per connection
# is charged for its children.
tree_usage()
{
	local pids
	pids=" $(tree_pids "$1" | tr '\n' ' ')"
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v pids="$pids" \
	    -v hz="$(getconf CLK_TCK)" -v pg="$(getconf PAGESIZE)" '
	{
		pid = $1
		sub(/^.*\) /, "")
		if (index(pids, " " pid " ") == 0)
			next
		t += $12 + $13 + $14 + $15
		r += $22 * pg / 1024
	}
	END { printf "%.2f %d\n", t / hz, r }'
}

tree_rss_kb()
{
	tree_usage "$1" | awk '{ print $2 }'
}

# Stops PID and what it started: TERM, then KILL after 5 seconds.
kill_tree()
{
	local pid=$1 pids p _
	[ -n "$pid" ] && [ -d "/proc/$pid" ] || return 0
	pids=$(tree_pids "$pid")
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 50); do
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	for p in $pids; do
		[ -d "/proc/$p" ] && kill -TERM "$p" 2>/dev/null
	done
	sleep 0.2
	for p in $pids; do
		[ -d "/proc/$p" ] && kill -KILL "$p" 2>/dev/null
	done
	wait "$pid" 2>/dev/null
	return 0
}

# Waits up to 10 s for something to listen on 127.0.0.1:PORT while PID
# lives.
wait_listen()
{
	local port=$1 pid=$2 _
	for _ in $(seq 100); do
		[ -d "/proc/$pid" ] || return 1
		ss -ltnH "sport = :$port" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------------
# Inside a namespace: one server's part of the run

SPID=
CHILD=

block_cleanup()
{
	[ -n "$CHILD" ] && kill_tree "$CHILD"
	[ -n "$SPID" ] && kill_tree "$SPID"
	SPID=
}

# Runs "$@" in the background and waits for it, so that a signal to
# this shell is acted on at once.
run_child()
{
	local rc
	"$@" &
	CHILD=$!
	wait "$CHILD"
	rc=$?
	CHILD=
	return $rc
}

start_capsuled()
{
	local log=$W/log/capsuled$1.log _
	shift
	"$CAPSULED" --host localhost --gemini "127.0.0.1:$GEM" \
	    --gopher "127.0.0.1:$GOPH" --certs "$W/certs" --workers 2 \
	    "$@" "$W/www" 2>"$log" &
	SPID=$!
	for _ in $(seq 100); do
		grep -q '^ready:' "$log" 2>/dev/null && return 0
		[ -d "/proc/$SPID" ] || return 1
		sleep 0.1
	done
	return 1
}

start_server()
{
	local n=$1
	case $n in
	capsuled)
		start_capsuled "" || return 1
		;;
	molly-brown)
		cat >"$W/conf/molly.conf" <<-EOF
		Port = $GEM
		Hostname = "localhost"
		CertPath = "$W/conf/cert.pem"
		KeyPath = "$W/conf/key.pem"
		DocBase = "$W/www"
		AccessLog = "$W/log/molly-brown-access.log"
		ErrorLog = "$W/log/molly-brown-error.log"
		EOF
		molly-brown -c "$W/conf/molly.conf" \
		    >"$W/log/molly-brown.log" 2>&1 &
		SPID=$!
		wait_listen "$GEM" "$SPID" || return 1
		;;
	gmid)
		# In the foreground (-f: its processes stay one tree) gmid
		# writes each access-log line to standard error, as capsuled
		# does; an "access" file would log every request twice.
		cat >"$W/conf/gmid.conf" <<-EOF
		prefork 2
		log {
			syslog off
			style legacy
		}
		server "localhost" {
			listen on 127.0.0.1 port $GEM
			cert "$W/conf/cert.pem"
			key "$W/conf/key.pem"
			root "$W/www"
		}
		EOF
		"$GMID_BIN" -f -c "$W/conf/gmid.conf" >"$W/log/gmid.log" 2>&1 &
		SPID=$!
		wait_listen "$GEM" "$SPID" || return 1
		;;
	gophernicus)
		# inetd style: socat accepts, and each connection's child
		# executes gophernicus on the socket (nofork: no relay).
		local cmd="gophernicus -h localhost -p $GOPH -r $W/www"
		cmd="$cmd -ns -nf -nh -i 2000000000 -k 2000000000"
		cmd="$cmd -l $W/log/gophernicus-access.log"
		local su=
		if [ "$(id -u)" -eq 0 ] && id _gophernicus >/dev/null 2>&1; then
			su=,su=_gophernicus
		else
			cmd="$cmd -nr"
		fi
		socat "TCP-LISTEN:$GOPH,bind=127.0.0.1,reuseaddr,fork,backlog=4096" \
		    "EXEC:$cmd,nofork$su" >"$W/log/gophernicus.log" 2>&1 &
		SPID=$!
		wait_listen "$GOPH" "$SPID" || return 1
		;;
	geomyidae)
		local drop=
		[ "$(id -u)" -eq 0 ] && drop="-u nobody -g nogroup"
		# shellcheck disable=SC2086 # drop is meant to split
		"$GEOM_BIN" -d -4 -n -e -b "$W/www" -p "$GOPH" -o "$GOPH" \
		    -h localhost -i 127.0.0.1 $drop \
		    -l "$W/log/geomyidae-access.log" \
		    >"$W/log/geomyidae.log" 2>&1 &
		SPID=$!
		wait_listen "$GOPH" "$SPID" || return 1
		;;
	esac
	return 0
}

# Fetches each scenario's URL once, keeps the response's size and
# digest (Gemini: the body, after the header line) and the header.
check_content()
{
	local n=$1 s url f hdr
	for s in $(server_scens "$n"); do
		[ "$s" = gem_resume ] && continue
		url=$(scen_url "$s")
		f=$W/check/$n.$s
		timeout 30 "$CAPGET" -t 10 -c "127.0.0.1:$(scen_port "$s")" \
		    "$url" >"$f.raw" 2>/dev/null
		case $s in
		gem_*)
			hdr=$(head -n 1 "$f.raw" | tr -d '\r')
			tail -c +"$(($(head -n 1 "$f.raw" | wc -c) + 1))" \
			    "$f.raw" >"$f.body"
			;;
		*)
			hdr=-
			cp "$f.raw" "$f.body"
			;;
		esac
		printf '%s %s %s %s\n' "$s" "$(wc -c <"$f.body")" \
		    "$(sha256sum <"$f.body" | cut -c1-16)" "$hdr" \
		    >>"$W/res/$n.check"
	done
}

# run_load SERVER SCEN CONC RUN. Besides the load generator's figures,
# keeps the server's CPU time as taken here over about the same window
# (from the end of the warmup to the generator's exit), counting the
# children the server reaped: win_cpu_s.
run_load()
{
	local n=$1 s=$2 c=$3 r=$4 port url th extra="" u0 u1 line rc
	local tmp=$W/tmp.$n.$s.$c.$r
	url=$(scen_url "$s")
	port=$(scen_port "$s")
	th=$NPROC
	[ "$c" -lt "$th" ] && th=$c
	[ "$s" = gem_resume ] && extra=-r
	# shellcheck disable=SC2086 # extra is meant to split
	timeout -k 5 $((SECS + WARM + 60)) "$LOADGEN" -u "$url" -c "$c" \
	    -d "$SECS" -w "$WARM" -t "$th" -C "127.0.0.1:$port" -p "$SPID" \
	    $extra >"$tmp.out" 2>"$tmp.err" &
	CHILD=$!
	sleep "$WARM"
	u0=$(tree_usage "$SPID" | awk '{ print $1 }')
	wait "$CHILD"
	rc=$?
	CHILD=
	u1=$(tree_usage "$SPID" | awk '{ print $1 }')
	line=$(grep -m 1 '^requests=' "$tmp.out")
	if [ -z "$line" ]; then
		line="failed rc=$rc $(head -c 200 "$tmp.err" | tr '\n' ' ')"
	fi
	line="run=$r $line win_cpu_s=$(awk -v a="$u0" -v b="$u1" \
	    'BEGIN { printf "%.2f", b - a }')"
	echo "$line" >>"$W/res/$n.$s.c$c"
	rm -f "$tmp.out" "$tmp.err"
	say "  $n $s c=$c run $r/$RUNS: $(echo "$line" | awk '{
	    for (i = 1; i <= NF; i++)
		if ($i ~ /^(ok|rps|p50_ms|rps_per_server_cpu|win_cpu_s|failed)=?/)
			printf "%s ", $i }')"
	[ -d "/proc/$SPID" ] || return 1
	sleep 0.5
	return 0
}

# The idle connections against capsuled, on a fresh instance for each
# protocol: first with its limits raised (max-connections 10240 per
# worker, timeout 120 s, which outlasts the hold), then with its
# defaults.
idle_test()
{
	local cfg proto url port line
	printf 'timeout 120\nmax-connections 10240\n' >"$W/conf/idle.conf"
	# The defaults of this build, as its configuration check prints them.
	"$CAPSULED" -n --host localhost --gemini "127.0.0.1:$GEM" \
	    --gopher "127.0.0.1:$GOPH" --certs "$W/certs" "$W/www" 2>/dev/null |
	    awk '$1 == "max-connections" || $1 == "timeout" { print "limit", $1, $2 }' \
	    >>"$W/res/capsuled.idle"
	for cfg in raised default; do
		for proto in gemini gopher; do
			kill_tree "$SPID"
			SPID=
			if [ $cfg = raised ]; then
				start_capsuled ".idle-$cfg-$proto" \
				    -c "$W/conf/idle.conf"
			else
				start_capsuled ".idle-$cfg-$proto"
			fi || {
				echo "$cfg $proto failed to start" \
				    >>"$W/res/capsuled.idle"
				continue
			}
			sleep 1
			echo "$cfg $proto before $(tree_rss_kb "$SPID")" \
			    >>"$W/res/capsuled.idle"
			if [ $proto = gemini ]; then
				url="gemini://localhost:$GEM/"
				port=$GEM
			else
				url="gopher://localhost:$GOPH/1/"
				port=$GOPH
			fi
			run_child timeout -k 5 $((IDLE_SECONDS + 120)) \
			    "$LOADGEN" -u "$url" -i "$IDLE_CONNS" \
			    -d "$IDLE_SECONDS" -C "127.0.0.1:$port" -p "$SPID" \
			    >"$W/tmp.idle.out" 2>"$W/tmp.idle.err"
			line=$(grep -m 1 '^idle=' "$W/tmp.idle.out")
			[ -z "$line" ] && line="failed $(head -c 200 \
			    "$W/tmp.idle.err" | tr '\n' ' ')"
			echo "$cfg $proto $line" >>"$W/res/capsuled.idle"
			say "  capsuled idle, $cfg limits, $proto: $line"
		done
	done
}

block()
{
	local n=$1 s c r
	W=$2
	# shellcheck source=/dev/null
	. "$W/env"
	trap block_cleanup EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	ip link set lo up || { echo "no loopback" >"$W/res/$n.status"; exit 0; }
	if ! start_server "$n"; then
		echo "did not start: $(tail -n 3 "$W"/log/"$n"*.log 2>/dev/null |
		    tr '\n' ' ' | cut -c1-200)" >"$W/res/$n.status"
		exit 0
	fi
	sleep 1
	echo "ran" >"$W/res/$n.status"
	echo "start $(tree_rss_kb "$SPID") $(tree_pids "$SPID" | wc -l)" \
	    >"$W/res/$n.mem"
	if [ "$n" = capsuled ]; then
		for s in $(tree_pids "$SPID"); do
			echo "proc $s $(awk '/^VmRSS/ { print $2 }' \
			    "/proc/$s/status") $( [ "$s" = "$SPID" ] &&
			    echo master || echo worker)"
		done >>"$W/res/$n.mem"
		# The menu the Gopher peers serve as a gophermap.
		timeout 30 curl -s "gopher://127.0.0.1:$GOPH/1/" >"$W/menu.raw"
	fi
	check_content "$n"
	for s in $(server_scens "$n"); do
		for c in $CONCS; do
			for r in $(seq "$RUNS"); do
				run_load "$n" "$s" "$c" "$r" && continue
				echo "died during $s c=$c" >"$W/res/$n.status"
				exit 0
			done
		done
	done
	[ "$n" = capsuled ] && idle_test
	block_cleanup
	exit 0
}

if [ "${1:-}" = --block ]; then
	block "$2" "$3"
fi

# ---------------------------------------------------------------------
# The run

W=
BLOCK=

# shellcheck disable=SC2317 # run by the trap
cleanup()
{
	[ -n "$BLOCK" ] && kill_tree "$BLOCK"
	BLOCK=
	if [ -n "$W" ] && [ -d "$W" ]; then
		if [ "${BENCH_KEEP:-0}" = 1 ]; then
			say "scratch directory kept: $W"
		else
			rm -rf "$W"
		fi
	fi
}

is_installed()
{
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null |
	    grep -q 'install ok installed'
}

# Installs the Debian packages that are missing, as root.
install_peers()
{
	local p missing=
	for p in molly-brown gophernicus socat iproute2 curl openssl; do
		is_installed "$p" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		say "bench: not root, cannot install:$missing"
		return 0
	fi
	say "bench: installing:$missing"
	apt-get update -qq >/dev/null 2>&1
	# shellcheck disable=SC2086 # the list is meant to split
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null 2>&1 ||
	    say "bench: apt-get install failed for some of:$missing"
	# Debian's package enables a socket unit that serves /srv/gopher on
	# port 70 of every address; the benchmark wants no such thing.
	case " $missing " in
	*" gophernicus "*)
		if [ -d /run/systemd/system ]; then
			systemctl disable --now gophernicus.socket \
			    >/dev/null 2>&1 &&
			    say "bench: disabled gophernicus.socket (port 70)"
		fi ;;
	esac
}

# A TCP port nothing listens on here.
free_port()
{
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		[ "$p" = "${1:-}" ] && continue
		ss -ltnH "sport = :$p" 2>/dev/null | grep -q . || break
	done
	echo "$p"
}

# How a server runs here, or why it does not.
peer_state()
{
	case $1 in
	capsuled)
		echo ok ;;
	molly-brown|gophernicus)
		if ! command -v "$1" >/dev/null 2>&1; then
			echo "not installed (apt-get install $1)"
		elif [ "$1" = gophernicus ] &&
		    ! command -v socat >/dev/null 2>&1; then
			echo "not run: socat not installed (apt-get install socat)"
		else
			echo ok
		fi ;;
	gmid)
		if [ -n "${GMID:-}" ] && [ -x "$GMID" ]; then
			echo ok
		else
			echo "not found (set GMID=/path/to/gmid)"
		fi ;;
	geomyidae)
		if [ -n "${GEOMYIDAE:-}" ] && [ -x "$GEOMYIDAE" ]; then
			echo ok
		else
			echo "not found (set GEOMYIDAE=/path/to/geomyidae)"
		fi ;;
	esac
}

run_block()
{
	local n=$1 st
	st=$(peer_state "$n")
	if [ "$st" != ok ]; then
		echo "$st" >"$W/res/$n.status"
		say "$n: $st"
		return
	fi
	case $n in
	gophernicus|geomyidae)
		if [ ! -s "$W/www/gophermap" ]; then
			echo "not run: no menu exported from capsuled" \
			    >"$W/res/$n.status"
			return
		fi ;;
	esac
	say "$n:"
	$NS bash "$SELF" --block "$n" "$W" &
	BLOCK=$!
	wait "$BLOCK"
	BLOCK=
	[ -f "$W/res/$n.status" ] ||
	    echo "did not finish" >"$W/res/$n.status"
}

# The Gopher peers' menus, from the one capsuled rendered: a gophermap
# for Gophernicus and an index.gph for geomyidae, with the same lines.
make_maps()
{
	[ -s "$W/menu.raw" ] || return
	tr -d '\r' <"$W/menu.raw" | sed '/^\.$/d' >"$W/www/gophermap"
	awk -F '\t' '{
		t = substr($1, 1, 1)
		d = substr($1, 2)
		gsub(/\|/, "\\|", d)
		printf "[%s|%s|%s|%s|%s]\n", t, d, $2, $3, $4
	}' "$W/www/gophermap" >"$W/www/index.gph"
	chmod a+r "$W/www/gophermap" "$W/www/index.gph"
}

run_hsbench()
{
	local r line
	if [ ! -x "$HSBENCH" ]; then
		echo "missing" >"$W/res/hsbench.status"
		return
	fi
	say "hsbench:"
	echo ran >"$W/res/hsbench.status"
	for r in $(seq "$RUNS"); do
		timeout -k 5 $((SECS + 60)) "$HSBENCH" -d "$SECS" -k 1 \
		    >"$W/tmp.hs" 2>"$W/tmp.hs.err" &
		BLOCK=$!
		wait "$BLOCK"
		BLOCK=
		line=$(grep -m 1 '^handshakes=' "$W/tmp.hs")
		[ -z "$line" ] && line="failed $(head -c 200 "$W/tmp.hs.err" |
		    tr '\n' ' ')"
		echo "run=$r $line" >>"$W/res/hsbench"
		say "  run $r/$RUNS: $line"
	done
}

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
			    "processes); access log on standard error, to a" \
			    "file" ;;
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
	  median (min-max) over the runs.

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
	fi
	echo

	echo "## Memory"
	echo
	f=$W/res/capsuled.mem
	if [ -f "$f" ]; then
		echo "capsuled at rest, before any request: $(fmt_kb "$(awk \
		    '/^start/ { print $2 }' "$f")") RSS in" \
		    "$(awk '/^start/ { print $3 }' "$f") processes:"
		echo
		awk '/^proc/ { printf "- %s (pid %d): %.1f MiB\n", $4, $2,
		    $3 / 1024 }' "$f"
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
		    "(\`max-connections 10240\` per worker and \`timeout 120\`," \
		    "which outlasts the hold), then with its defaults" \
		    "($(awk '$1 == "limit" && $2 == "max-connections" { print $3 }' \
		    "$f") connections per worker, $(awk '$1 == "limit" &&
		    $2 == "timeout" { print $3 }' "$f") s to complete a" \
		    "request)."
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

# ---------------------------------------------------------------------

# bench.sh --report DIR: the report again, on standard output, from a
# scratch directory kept with BENCH_KEEP=1.
if [ "${1:-}" = --report ]; then
	W=$2
	# shellcheck source=/dev/null
	. "$W/env"
	report
	exit 0
fi

main()
{
	local n
	case $RUNS$SECS in
	*[!0-9]*|'')
		say "bench: BENCH_RUNS and BENCH_SECONDS are whole numbers"
		exit 2 ;;
	esac
	if [ "$RUNS" -lt 1 ] || [ "$SECS" -lt 1 ]; then
		say "bench: BENCH_RUNS and BENCH_SECONDS start at 1"
		exit 2
	fi
	STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	for n in "$CAPSULED" "$CAPGET" "$LOADGEN"; do
		if [ ! -x "$n" ]; then
			say "bench: $n is missing: run make bench"
			exit 1
		fi
	done
	install_peers
	if unshare -n true 2>/dev/null; then
		NS="unshare -n"
	elif unshare -rn true 2>/dev/null; then
		NS="unshare -rn"
	else
		say "bench: cannot create a network namespace (run as root)"
		exit 1
	fi
	command -v ss >/dev/null || { say "bench: ss missing (iproute2)"; exit 1; }
	ulimit -n "$(ulimit -Hn)" 2>/dev/null
	if [ "$(ulimit -n)" != unlimited ] &&
	    [ "$(ulimit -n)" -lt $((IDLE_CONNS + 200)) ]; then
		say "bench: open files limited to $(ulimit -n)"
	fi
	NPROC=$(nproc)

	trap cleanup EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	W=$(mktemp -d /tmp/capsuled-bench.XXXXXX) || exit 1
	chmod 755 "$W"
	mkdir -p "$W/res" "$W/log" "$W/conf" "$W/check" "$W/certs"
	chmod 1777 "$W/log"
	cp -R "$TOP/capsule" "$W/www"
	head -c 1048576 /dev/urandom >"$W/www/big.bin"
	chmod -R a+rX "$W/www"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout "$W/conf/key.pem" -out "$W/conf/cert.pem" \
	    -days 30 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
	    >/dev/null 2>&1
	chmod a+r "$W/conf/key.pem"
	# One port per protocol, the same for every server, each alone in
	# its namespace: the exported menu names it.
	GEM=$(free_port)
	GOPH=$(free_port "$GEM")
	GMID_BIN=
	[ -n "${GMID:-}" ] && GMID_BIN=$(readlink -f "$GMID")
	GEOM_BIN=
	[ -n "${GEOMYIDAE:-}" ] && GEOM_BIN=$(readlink -f "$GEOMYIDAE")
	cat >"$W/env" <<-EOF
	TOP='$TOP'
	RUNS=$RUNS
	SECS=$SECS
	WARM=$WARM
	LOADGEN='$LOADGEN'
	CAPSULED='$CAPSULED'
	CAPGET='$CAPGET'
	GEM=$GEM
	GOPH=$GOPH
	NPROC=$NPROC
	GMID_BIN='$GMID_BIN'
	GEOM_BIN='$GEOM_BIN'
	STARTED='$STARTED'
	LOAD0='$LOAD0'
	EOF
	# 32 scenario-concurrency pairs when every peer is there, 4 idle
	# runs of about 20 s, the handshake runs.
	say "bench: $RUNS runs of ${SECS}s per scenario, ports $GEM and" \
	    "$GOPH in private namespaces, scratch $W; about" \
	    "$(( (32 * RUNS * (SECS + WARM + 1) + 80 + RUNS * SECS) / 60 + 1 ))" \
	    "minutes"

	run_block capsuled
	make_maps
	for n in $SERVERS; do
		[ "$n" = capsuled ] || run_block "$n"
	done
	run_hsbench
	report >"$W/BENCHMARKS.md"
	mv "$W/BENCHMARKS.md" "$OUT"
	say "bench: wrote $OUT"
	exit 0
}

main "$@"
