#!/bin/sh
# Installs the Debian packages that building (MODE=build) or testing
# (MODE=test) capsuled needs, and only those that are missing. Prints
# nothing when everything is already there.
set -eu

mode=${1:-build}
pkgs="libssl-dev libmagic-dev libevent-dev pkg-config gcc make openssl"
# The fuzzer runtime; only some releases ship it as a package of its own.
optional=
case $mode in
build)
	;;
test)
	# procps: pgrep and ps, which the integration harness uses.
	pkgs="$pkgs clang curl lynx mandoc openssl iproute2 procps"
	# iso-codes: the country list the capsule suite checks names against.
	pkgs="$pkgs iso-codes"
	# socat: raw PROXY headers and a syslog socket; haproxy: the
	# load-balancer suite; gophernicus serves an export, to prove it
	# works with another server.
	pkgs="$pkgs socat haproxy gophernicus"
	# valgrind: the release build's memory check (valgrind.sh).
	pkgs="$pkgs valgrind"
	optional=libclang-rt-14-dev
	;;
*)
	echo "usage: sh tests/deps.sh build|test" >&2
	exit 2
	;;
esac

is_installed()
{
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null |
	    grep -q 'install ok installed'
}

# apt-cache knows the package (an installable version exists).
is_known()
{
	apt-cache show "$1" >/dev/null 2>&1
}

missing=
for p in $pkgs; do
	is_installed "$p" || missing="${missing:+$missing }$p"
done
later=
for p in $optional; do
	is_installed "$p" && continue
	if is_known "$p"; then
		missing="${missing:+$missing }$p"
	else
		later="${later:+$later }$p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "capsuled: missing packages: $missing; run as root or:" \
	    "apt-get install $missing" >&2
	exit 1
fi
apt-get update -qq
# Fresh package lists may know what the old ones did not.
for p in $later; do
	is_known "$p" && missing="$missing $p"
done
# shellcheck disable=SC2086 # the list is meant to split into words
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends $missing
