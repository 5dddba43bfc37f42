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
# Needs root: it installs the Debian packages that are missing
# (molly-brown, gophernicus, socat, valgrind) and creates network
# namespaces. The run takes about 17 minutes on 2 cores with the
# defaults; it exits 0 once it completed, whatever the figures.
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

# shellcheck source=tests/bench/servers.sh
. "$TOP/tests/bench/servers.sh"
# shellcheck source=tests/bench/report.sh
. "$TOP/tests/bench/report.sh"
# shellcheck source=tests/bench/instr.sh
. "$TOP/tests/bench/instr.sh"

if [ "${1:-}" = --block ]; then
	block "$2" "$3" "$4"
fi

# bench.sh --instr DIR: the instruction counts, inside a namespace.
if [ "${1:-}" = --instr ]; then
	W=$2
	# shellcheck source=/dev/null
	. "$W/env"
	trap block_cleanup EXIT
	ip link set lo up || exit 0
	instr_block
	exit 0
fi

# ---------------------------------------------------------------------
# The run
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
	local n r
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
	# The same bytes every run (AES-CTR of zeros), typed the same way.
	head -c 1048576 /dev/zero | openssl enc -aes-128-ctr -nosalt \
	    -K 000102030405060708090a0b0c0d0e0f \
	    -iv 00000000000000000000000000000000 >"$W/www/big.bin"
	# All the load comes from one address: per-address limits off.
	printf 'max-per-ip 0\nrate-per-ip 0\n' >"$W/conf/bench.conf"
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
	# runs of about 20 s, the handshake runs, about 4 minutes of
	# callgrind.
	say "bench: $RUNS runs of ${SECS}s per scenario, ports $GEM and" \
	    "$GOPH in private namespaces, scratch $W; about" \
	    "$(( (32 * RUNS * (SECS + WARM + 1) + 320 + RUNS * SECS) / 60 + 1 ))" \
	    "minutes"

	# The runs are interleaved, each server's first, then each one's
	# second, so that a change in the machine's load during the quarter
	# hour touches every server alike.
	run_block capsuled 1
	make_maps
	for n in $SERVERS; do
		[ "$n" = capsuled ] || run_block "$n" 1
	done
	for r in $(seq 2 "$RUNS"); do
		for n in $SERVERS; do
			run_block "$n" "$r"
		done
	done
	run_hsbench
	run_instr
	report >"$W/BENCHMARKS.md"
	mv "$W/BENCHMARKS.md" "$OUT"
	say "bench: wrote $OUT"
	exit 0
}

main "$@"
