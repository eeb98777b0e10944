# Helpers for the shell tests (POSIX sh, sourced). A test script takes
# the binaries as arguments, works in a private temp dir, prints one line
# per check ("ok   NAME" or "FAIL NAME: ...") and last "N failed"; its
# exit status is 0 only when nothing failed.
#
# Source it relative to the script, before any cd:
#	. "$(dirname "$0")/../lib.sh"
#
# abspath PATH		PATH made absolute (its directory must exist); take
#			the arguments through it before sandbox changes cwd.
# sandbox NAME		a private temp dir $tmp, made from
#			${TMPDIR:-/tmp}/mlmon-NAME.XXXXXX, becomes the cwd;
#			HOME=$tmp, XDG_CONFIG_HOME=$tmp/xdg and every
#			exported MLMON_* variable unset: no user config, DB
#			or alert sink. Sets fails=0. On exit it evals
#			$on_exit (kill background pids, umount, ...), then
#			removes $tmp, or with KEEP=1 keeps it and prints
#			"kept $tmp". INT and TERM exit 130.
# check NAME GOT WANT	ok when the strings GOT and WANT are equal.
# yes_if NAME CMD...	ok when CMD succeeds.
# finish		prints "N failed"; true when none did. Call it last.
# q DB SQL		the result of SQL on DB on one line, rows separated
#			by spaces (sqlite3 CLI).
# rmdb DB		removes DB and its -wal, -shm, -wait and -journal.
# webhook_start RECEIVER DIR
#			the webhook receiver (tests/alert/webhook-receiver.py,
#			run by /usr/bin/python3) on a free port, answering
#			200, its requests in DIR; sets rpid and port.

abspath() {
	echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
}

sandbox() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-$1.XXXXXX") || exit 1
	trap sandbox_exit EXIT
	trap 'exit 130' INT TERM
	cd "$tmp" || exit 1
	export HOME="$tmp" XDG_CONFIG_HOME="$tmp/xdg"
	for v in $(env | sed -n 's/^\(MLMON_[A-Za-z0-9_]*\)=.*/\1/p'); do
		unset "$v"
	done
	fails=0
}

# The EXIT trap of sandbox.
sandbox_exit() {
	eval "${on_exit:-}"
	if [ -n "${KEEP:-}" ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}

check() {
	if [ "$2" = "$3" ]; then
		echo "ok   $1"
	else
		echo "FAIL $1: got '$2', want '$3'"
		fails=$((fails + 1))
	fi
}

yes_if() {
	name=$1
	shift
	if "$@"; then
		echo "ok   $name"
	else
		echo "FAIL $name"
		fails=$((fails + 1))
	fi
}

finish() {
	echo "$fails failed"
	[ "$fails" -eq 0 ]
}

q() {
	sqlite3 "$1" "$2" | tr '\n' ' ' | sed 's/ $//'
}

rmdb() {
	rm -f "$1" "$1-wal" "$1-shm" "$1-wait" "$1-journal"
}

webhook_start() {
	mkdir -p "$2"
	/usr/bin/python3 "$1" "$2" 200 >"$2.port" &
	rpid=$!
	n=0
	while [ ! -s "$2.port" ] && [ $n -lt 100 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	port=$(cat "$2.port")
}
