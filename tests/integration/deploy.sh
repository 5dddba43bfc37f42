#!/usr/bin/env bash
# Running capsuled for real: --syslog, make install and uninstall into a
# DESTDIR, and the systemd unit's command lines. Run as root (CI is):
# the syslog case needs a private mount namespace.
. "$(dirname "$0")/lib.sh"

R=$TMP/root
mkdir -p "$R"
printf '# Deployed\n' >"$R/index.gmi"
chmod -R a+rX "$R"

# ---- --syslog ---------------------------------------------------------
# A private mount namespace sees $TMP/dev as /dev: the usual device nodes
# bound in, and /dev/log a datagram socket whose messages socat keeps.
mkdir -p "$TMP/dev"
socat -u "UNIX-RECV:$TMP/dev/log" "OPEN:$TMP/syslog.out,creat,append" &
SOCAT=$!
cat >"$TMP/ns.sh" <<EOF
for n in null zero random urandom; do
	touch "$TMP/dev/\$n" && mount --bind "/dev/\$n" "$TMP/dev/\$n" || exit 97
done
mount --rbind "$TMP/dev" /dev || exit 97
exec "\$@"
EOF
for _ in $(seq 50); do [ -S "$TMP/dev/log" ] && break; sleep 0.1; done

NAME=syslog
LOG=$TMP/syslog.log
PORT=$(free_port)
unshare -m bash "$TMP/ns.sh" "$CAPSULED" --syslog --gemini "127.0.0.1:$PORT" \
    --certs "$TMP/certs" --workers 1 "$R" >"$LOG" 2>&1 </dev/null &
PID=$!
echo "syslog $PID" >>"$SERVERS"
for _ in $(seq 100); do
	grep -q 'ready:' "$TMP/syslog.out" 2>/dev/null && break
	is_alive "$PID" || break
	sleep 0.1
done
# <30> is facility daemon (3), priority info (6): 3 * 8 + 6.
expect_match "--syslog: start-up lines reach syslog, daemon.info" \
    "$(tr '<' '\n' <"$TMP/syslog.out" 2>/dev/null)" \
    "30>.*capsuled\\[$PID\\]: ready: 1 worker"
get "$TMP/s.out" "gemini://localhost:$PORT/"
expect_eq "--syslog: request served" "$HDR" $'20 text/gemini\r\n'
sleep 0.3
expect_match "--syslog: access log line from the worker" \
    "$(tr '<' '\n' <"$TMP/syslog.out" | grep -v "capsuled\\[$PID\\]")" \
    "30>.*capsuled\\[[0-9]+\\]: .*gemini://localhost:$PORT/\" 20"
expect_nomatch "--syslog: nothing of it on standard error" \
    "$(cat "$LOG")" 'ready:|gemini://'
stop_server
kill "$SOCAT" 2>/dev/null
wait "$SOCAT" 2>/dev/null

# ---- make install / uninstall ------------------------------------------
D=$TMP/dest
make -s -C "$TOP" install DESTDIR="$D" PREFIX=/opt/cd >"$TMP/inst.log" 2>&1
expect_eq "make install: exit 0" "$?" 0
expect_eq "make install: what it installs, with modes" \
    "$(cd "$D" && find . -type f -printf '%m %p\n' | sort)" \
    "644 ./opt/cd/lib/systemd/system/capsuled.service
644 ./opt/cd/share/doc/capsuled/capsuled.conf.example
644 ./opt/cd/share/man/man5/capsuled-site.5
644 ./opt/cd/share/man/man5/capsuled.conf.5
644 ./opt/cd/share/man/man8/capsuled.8
755 ./opt/cd/sbin/capsuled"
expect_eq "make install: the unit runs the installed binary" \
    "$(grep -c '/opt/cd/sbin/capsuled' \
    "$D/opt/cd/lib/systemd/system/capsuled.service")" 2
expect_eq "make install: the binary runs" \
    "$("$D/opt/cd/sbin/capsuled" --version)" \
    "$("$TOP/build/capsuled" --version)"
make -s -C "$TOP" uninstall DESTDIR="$D" PREFIX=/opt/cd >>"$TMP/inst.log" 2>&1
expect_eq "make uninstall: every file removed" \
    "$(find "$D" -type f | wc -l)" 0

# ---- the systemd unit ------------------------------------------------
# Each command line of the unit, with a test config instead of /etc's,
# is one capsuled accepts.
U=$TOP/doc/capsuled.service
printf 'certs "%s"\nhost localhost {\n\troot "%s"\n}\n' "$TMP/certs" "$R" \
    >"$TMP/unit.conf"
for key in ExecStartPre ExecStart; do
	line=$(sed -n "s/^$key=//p" "$U")
	# shellcheck disable=SC2086 # the unit's words, split as systemd does
	set -- ${line//\/etc\/capsuled.conf/$TMP/unit.conf}
	case $key in
	ExecStart) set -- "$@" --check ;;
	esac
	"$TOP/build/capsuled" "${@:2}" >"$TMP/unit.out" 2>&1
	expect_eq "unit: $key accepted (--check)" "$?" 0
done
if command -v systemd-analyze >/dev/null; then
	sed "s|/usr/local/sbin/capsuled|$TOP/build/capsuled|" "$U" \
	    >"$TMP/capsuled.service"
	systemd-analyze verify --man=no "$TMP/capsuled.service" >"$TMP/verify.out" 2>&1
	expect_eq "unit: systemd-analyze verify" "$?" 0
fi
