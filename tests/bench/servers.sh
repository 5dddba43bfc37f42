# Sourced by tests/bench.sh: starting, loading and stopping the servers
# (inside their namespaces), and the run's set-up. Uses the variables
# bench.sh sets.
# shellcheck shell=bash
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

# start_capsuled LOGSUFFIX [CONFIG]: the default config is bench.conf.
start_capsuled()
{
	local log=$W/log/capsuled$1.log _
	shift
	"$CAPSULED" --host localhost --gemini "127.0.0.1:$GEM" \
	    --gopher "127.0.0.1:$GOPH" --certs "$W/certs" --workers 2 \
	    -c "${1:-$W/conf/bench.conf}" "$W/www" 2>"$log" &
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
# protocol: first with its limits raised (max-connections 20480, timeout
# 120 s, which outlasts the hold), then with its defaults; per-address
# limits are off in both, as everywhere in the benchmark.
idle_test()
{
	local cfg proto url port line
	printf 'timeout 120\nmax-connections 20480\nmax-per-ip 0\n'\
'rate-per-ip 0\n' >"$W/conf/idle.conf"
	# The defaults of this build, as its configuration check prints them.
	"$CAPSULED" -n --host localhost --gemini "127.0.0.1:$GEM" \
	    --gopher "127.0.0.1:$GOPH" --certs "$W/certs" \
	    -c "$W/conf/bench.conf" "$W/www" 2>/dev/null |
	    awk '$1 == "max-connections" || $1 == "timeout" { print "limit", $1, $2 }' \
	    >>"$W/res/capsuled.idle"
	for cfg in raised default; do
		for proto in gemini gopher; do
			kill_tree "$SPID"
			SPID=
			if [ $cfg = raised ]; then
				start_capsuled ".idle-$cfg-$proto" \
				    "$W/conf/idle.conf"
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

# block NAME W RUN: one server's run number RUN of every scenario, in
# its namespace; the first run also records its memory at rest and
# checks its content, capsuled's last run also holds the idle
# connections.
block()
{
	local n=$1 r=$3 s c
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
	[ "$r" = 1 ] && block_first "$n"
	for s in $(server_scens "$n"); do
		for c in $CONCS; do
			run_load "$n" "$s" "$c" "$r" && continue
			echo "died during $s c=$c" >"$W/res/$n.status"
			exit 0
		done
	done
	[ "$n" = capsuled ] && [ "$r" = "$RUNS" ] && idle_test
	block_cleanup
	exit 0
}

# The first run's extras: memory at rest, the menu, the content check.
block_first()
{
	local n=$1 s
	echo "ran" >"$W/res/$n.status"
	echo "start $(tree_rss_kb "$SPID") $(tree_pids "$SPID" | wc -l)" \
	    >"$W/res/$n.mem"
	if [ "$n" = capsuled ]; then
		# RSS, and PSS: pages shared by the processes (libcrypto,
		# libc, what the workers inherit) counted once in all.
		for s in $(tree_pids "$SPID"); do
			echo "proc $s $(awk '/^VmRSS/ { print $2 }' \
			    "/proc/$s/status") $( [ "$s" = "$SPID" ] &&
			    echo master || echo worker) $(awk '/^Pss:/ {
			    print $2 }' "/proc/$s/smaps_rollup")"
		done >>"$W/res/$n.mem"
		# The menu the Gopher peers serve as a gophermap.
		timeout 30 curl -s "gopher://127.0.0.1:$GOPH/1/" >"$W/menu.raw"
	fi
	check_content "$n"
}


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
	for p in molly-brown gophernicus socat iproute2 curl openssl \
	    valgrind; do
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

# run_block NAME RUN: the server's run number RUN; from the second on,
# only if it started and lived through the ones before.
run_block()
{
	local n=$1 r=$2
	if [ "$r" = 1 ]; then
		run_block_check "$n" || return
	else
		[ "$(cat "$W/res/$n.status" 2>/dev/null)" = ran ] || return
	fi
	say "$n, run $r:"
	$NS bash "$SELF" --block "$n" "$W" "$r" &
	BLOCK=$!
	wait "$BLOCK"
	BLOCK=
	[ -f "$W/res/$n.status" ] ||
	    echo "did not finish" >"$W/res/$n.status"
}

# Whether the server can run here at all; if not, says why (status).
run_block_check()
{
	local n=$1 st
	st=$(peer_state "$n")
	if [ "$st" != ok ]; then
		echo "$st" >"$W/res/$n.status"
		say "$n: $st"
		return 1
	fi
	case $n in
	gophernicus|geomyidae)
		if [ ! -s "$W/www/gophermap" ]; then
			echo "not run: no menu exported from capsuled" \
			    >"$W/res/$n.status"
			return 1
		fi ;;
	esac
	return 0
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
