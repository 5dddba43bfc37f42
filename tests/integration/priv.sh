#!/usr/bin/env bash
# Privilege separation, as root: the master keeps root, the workers run
# as the configured user with no_new_privs, optionally chrooted; what the
# user may not read is not served; a bad setting is one line and an exit.
# shellcheck source-path=SCRIPTDIR disable=SC2119
SUITE=priv
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	pass "SKIPPED: these cases need root"
	exit 0
fi

NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)

C=$TMP/capsule
mkdir -p "$C/sub"
printf '# Privileges\n' >"$C/index.gmi"
printf 'public\n' >"$C/pub.txt"
printf 'deeper\n' >"$C/sub/deep.txt"
printf 'root only\n' >"$C/secret.txt"
chown 0:0 "$C/secret.txt"
chmod 0600 "$C/secret.txt"
chmod -R a+rX "$C"
chmod 0600 "$C/secret.txt"

# field PID NAME: the values of NAME: in /proc/PID/status, one space apart.
field()
{
	awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' \
	    "/proc/$1/status" 2>/dev/null
}

# expect_workers WHAT UID GID: every worker of $PID runs as UID:GID (real,
# effective, saved, fs) with NoNewPrivs set; there are two of them.
expect_workers()
{
	local what=$1 uid=$2 gid=$3 w got=

	for w in $(children "$PID"); do
		got="$got$w: $(field "$w" Uid) / $(field "$w" Gid) /"
		got="$got nnp $(field "$w" NoNewPrivs); "
		[ "$(field "$w" Uid)" = "$uid $uid $uid $uid" ] &&
		    [ "$(field "$w" Gid)" = "$gid $gid $gid $gid" ] &&
		    [ "$(field "$w" NoNewPrivs)" = 1 ] || WBAD=1
	done
	if [ -z "$got" ] || [ "${WBAD:-0}" = 1 ] ||
	    [ "$(children "$PID" | wc -l)" -ne 2 ]; then
		fail "$what" "$got"
	else
		pass "$what"
	fi
	WBAD=0
}

# gopher_get SELECTOR: the Gopher response on $GPORT.
gopher_get()
{
	"$CAPGET" -t 5 "gopher://127.0.0.1:$GPORT/$1" 2>/dev/null
}

# ---- the default: workers drop to nobody -----------------------------

GPORT=$(free_port)
start_server main --host localhost --gopher "127.0.0.1:$GPORT" "$C"
U=gemini://localhost:$PORT
expect_eq "master keeps root" "$(field "$PID" Uid)" "0 0 0 0"
expect_workers "workers run as nobody, no_new_privs" "$NOBODY_UID" \
    "$NOBODY_GID"
re="workers run as nobody \\(uid $NOBODY_UID, gid $NOBODY_GID\\), chroot"
re="$re none, landlock (on \\(ABI [0-9]+\\)|off \\(this kernel lacks it\\))"
expect_match "start-up line says what workers run as" "$(cat "$LOG")" "$re"
check "start-up line comes before ready" sh -c \
    "grep -n -e 'workers run as' -e 'ready:' '$LOG' | head -n 1 |
    grep -q 'workers run as'"

expect_header "0644 file served on Gemini" "20 text/plain; charset=us-ascii" \
    "$U/pub.txt"
expect_header "0644 file in a subdirectory" "20 text/plain; charset=us-ascii" \
    "$U/sub/deep.txt"
expect_header_re "root-owned 0600 file: 51 on Gemini" $'51 .*\r\n' \
    "$U/secret.txt"
expect_eq "0644 file served on Gopher" "$(gopher_get 0/pub.txt)" "public"
expect_match "root-owned 0600 file: type-3 error on Gopher" \
    "$(gopher_get 0/secret.txt | head -n 1)" $'^3[^\t]*\t'

KEY=$TMP/certs/localhost.key
expect_eq "private key is mode 0600, owned by root" \
    "$(stat -c '%a %u' "$KEY")" "600 0"
if setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
    cat "$KEY" >/dev/null 2>&1; then
	fail "workers' uid cannot read the private key" "it can"
else
	pass "workers' uid cannot read the private key"
fi
fds=
for f in $(children "$PID" | sed 's|.*|/proc/&/fd/*|'); do
	case $(readlink "$f") in "$TMP/certs"*) fds="$fds $f";; esac
done
expect_eq "no worker holds a descriptor on the key or certificate" \
    "$fds" ""

old=$(children "$PID" | sort | tr '\n' ' ')
kill -HUP "$PID"
for _ in $(seq 1 50); do
	grep -q 'reloaded:' "$LOG" && [ "$(children "$PID" | wc -l)" -eq 2 ] &&
	    break
	sleep 0.2
done
new=$(children "$PID" | sort | tr '\n' ' ')
if grep -q 'reloaded:' "$LOG" && [ "$new" != "$old" ]; then
	pass "SIGHUP replaces the workers"
else
	fail "SIGHUP replaces the workers" "old '$old', new '$new'"
fi
expect_workers "after SIGHUP the new workers run as nobody" \
    "$NOBODY_UID" "$NOBODY_GID"
expect_header "after SIGHUP: served" "20 text/plain; charset=us-ascii" \
    "$U/pub.txt"
expect_header_re "after SIGHUP: 0600 file still 51" $'51 .*\r\n' \
    "$U/secret.txt"
stop_server

# ---- a reload with a bad user keeps the running workers ------------------

conf=$TMP/reload.conf
printf 'user nobody\nhost localhost {\n\troot "%s"\n}\n' "$C" >"$conf"
start_server reload -c "$conf"
old=$(children "$PID" | sort | tr '\n' ' ')
sed -i 's/^user nobody$/user no-such-user-here/' "$conf"
kill -HUP "$PID"
for _ in $(seq 1 50); do
	grep -q 'reload failed' "$LOG" && break
	sleep 0.1
done
check "reload with an unknown user: refused in one line" grep -qx \
    "reload failed: user no-such-user-here: no such user; keeping the \
running configuration" "$LOG"
expect_eq "reload with an unknown user: the workers stay" \
    "$(children "$PID" | sort | tr '\n' ' ')" "$old"
expect_header "reload with an unknown user: still served" \
    "20 text/plain; charset=us-ascii" "gemini://localhost:$PORT/pub.txt"
stop_server

# ---- the parent-death signal survives the drop -------------------------

start_server orphaned --host localhost "$C"
kids=$(children "$PID")
# (Braces: bash's "Killed" notice goes to /dev/null too.)
{ kill -KILL "$PID"; wait "$PID"; } 2>/dev/null
echo "$PID" >>"$TMP/stopped"
left=
for w in $kids; do
	wait_gone "$w" 10 || { left="$left $w"; kill -KILL "$w"; }
done
expect_eq "workers exit when the master is killed" "$left" ""
sleep 0.2
expect_eq "orphaned: no sanitizer report" "$(sanitizer_report "$LOG")" ""

# ---- --user root: kept, with a warning --------------------------------

GPORT=$(free_port)
start_server asroot --host localhost --user root \
    --gopher "127.0.0.1:$GPORT" "$C"
expect_workers "--user root: workers keep uid 0, no_new_privs" 0 0
check "--user root: a warning says so" grep -qx \
    'workers keep running as root, as configured (user root)' "$LOG"
expect_header "--user root: served" "20 text/plain; charset=us-ascii" \
    "gemini://localhost:$PORT/pub.txt"
stop_server

# ---- a root the user cannot read: said at start-up ----------------------

mkdir -p "$TMP/closed"
printf '# closed\n' >"$TMP/closed/index.gmi"
chmod 0700 "$TMP/closed"
start_server closed --host localhost "$TMP/closed"
check "unreadable root: a warning names it" grep -qx "$TMP/closed: user \
nobody cannot read this directory: nothing in it will be served" "$LOG"
expect_header_re "unreadable root: not served" $'5[0-9] .*\r\n' \
    "gemini://localhost:$PORT/"
stop_server
check "readable root: no such warning" sh -c "! grep -q 'cannot read this' \
    '$TMP/main.log'"

# ---- bad settings: one line, non-zero exit, no workers -----------------

# expect_refusal NAME WANT ARGS...: capsuled ARGS exits non-zero within
# 10 s, saying only WANT on stderr.
expect_refusal()
{
	local name=$1 want=$2 rc

	shift 2
	timeout 10 "$@" --gemini "127.0.0.1:$(free_port)" \
	    --certs "$TMP/certs" "$C" >"$TMP/refusal.out" 2>&1 </dev/null
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
	    [ "$(cat "$TMP/refusal.out")" = "$want" ]; then
		pass "$name"
	else
		fail "$name" "exit $rc: $(head -c 300 "$TMP/refusal.out")"
	fi
}

expect_refusal "unknown user: one line, exit non-zero" \
    "capsuled: user no-such-user-here: no such user" \
    "$CAPSULED" --user no-such-user-here
expect_refusal "missing chroot directory: one line, exit non-zero" \
    "capsuled: chroot $TMP/missing: No such file or directory" \
    "$CAPSULED" --chroot "$TMP/missing"
expect_refusal "--chroot without root: one line, exit non-zero" \
    "capsuled: chroot $TMP: needs root, and capsuled runs as uid $NOBODY_UID" \
    setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
    "$CAPSULED" --chroot "$TMP"

# ---- --chroot: the workers' root directory -----------------------------

J=$TMP/jail
mkdir -p "$J"
chmod 755 "$J"
GPORT=$(free_port)
# The leak checker reads /proc/PID/task, which the chroot hides.
ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 start_server jailed \
    --host localhost --chroot "$J" --gopher "127.0.0.1:$GPORT" "$C"
roots=
for w in $(children "$PID"); do
	roots="$roots$(readlink "/proc/$w/root") "
done
expect_eq "--chroot: each worker's root is the directory" "$roots" "$J $J "
expect_eq "--chroot: the master's root is /" "$(readlink "/proc/$PID/root")" \
    "/"
expect_workers "--chroot: workers run as nobody" "$NOBODY_UID" "$NOBODY_GID"
check "--chroot: the start-up line names it" grep -q \
    "workers run as nobody (uid $NOBODY_UID, gid $NOBODY_GID), chroot $J," \
    "$LOG"
expect_header "--chroot: served on Gemini" "20 text/plain; charset=us-ascii" \
    "gemini://localhost:$PORT/pub.txt"
expect_header "--chroot: a page on Gemini" "20 text/gemini" \
    "gemini://localhost:$PORT/"
expect_eq "--chroot: served on Gopher" "$(gopher_get 0/sub/deep.txt)" \
    "deeper"
expect_match "--chroot: a menu on Gopher" "$(gopher_get 1/ | head -n 1)" \
    $'^iPrivileges\t'
stop_server
