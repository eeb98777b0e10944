#!/bin/sh
# mlmon-top on a store it cannot read. The case that needs explaining: a
# WAL database with no -shm file in a directory the reader cannot write
# (no writer running, read-only mount or someone else's directory).
# SQLite then fails with a bare "unable to open database file"; mlmon-top
# must say what is wrong and what to do, --once must exit 1 with that on
# stderr (nothing on stdout), and the interactive screen must show it.
#
# The directory is made unwritable for real: as root (whom chmod does not
# stop) with a read-only bind mount in a private mount namespace
# (unshare -m: the mount vanishes with the processes); otherwise with
# chmod 0555. Exit 77 (skip) when neither is possible.
#
#   readonly.sh MLMON_TOP MKFIXTURE
set -u

top=$1
mkfixture=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-ro.XXXXXX")
sock=mlmon-ro-$$
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	chmod 755 "$tmp/ro" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}

mkdir "$tmp/src" "$tmp/ro" "$tmp/ctl"
"$mkfixture" "$tmp/src/fx.db" || { echo "mkfixture failed"; exit 1; }
rm -f "$tmp/src/fx.db-wait"
# The premise: a WAL file (header bytes 18 and 19 are 2), no -shm, no -wal.
hdr=$(od -An -tu1 -j18 -N2 "$tmp/src/fx.db" | tr -s ' ')
[ "$hdr" = " 2 2" ] || bad "fixture is not in WAL mode ($hdr)"
[ ! -e "$tmp/src/fx.db-shm" ] || bad "fixture left a -shm file"

# Control: the same file in a writable directory reads fine.
cp "$tmp/src/fx.db" "$tmp/ctl/fx.db"
"$top" --db "$tmp/ctl/fx.db" --once >"$tmp/out" 2>"$tmp/err" ||
    bad "writable copy: exit $? ($(cat "$tmp/err"))"
grep -q "Latest batch 20" "$tmp/out" || bad "writable copy: no data"

if [ "$(id -u)" -eq 0 ]; then
	# run CMD...: CMD with $tmp/src mounted read-only on $tmp/ro.
	run() {
		unshare -m sh -c 'mount --bind "$1" "$2" &&
		    mount -o remount,bind,ro "$2" && shift 2 && exec "$@"' \
		    sh "$tmp/src" "$tmp/ro" "$@"
	}
	if ! run sh -c "! touch '$tmp/ro/probe'" 2>/dev/null; then
		echo "SKIP: root but no read-only bind mount (unshare -m)"
		exit 77
	fi
	reason="read-only file system"
	how="read-only bind mount"
else
	cp "$tmp/src/fx.db" "$tmp/ro/fx.db"
	chmod 555 "$tmp/ro"
	run() {
		"$@"
	}
	if touch "$tmp/ro/probe" 2>/dev/null; then
		echo "SKIP: chmod 555 does not stop this user"
		exit 77
	fi
	reason="cannot write to"
	how="chmod 555"
fi
db=$tmp/ro/fx.db

# --once: exit 1, the explanation on stderr, nothing on stdout.
run env MLMON_NOW=1700001300 "$top" --db "$db" --once >"$tmp/out" \
    2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || bad "--once on $how: exit $rc, want 1"
[ ! -s "$tmp/out" ] || bad "--once on $how: printed a frame"
for want in "mlmon-top: $db is a WAL database" "-shm file is missing" \
    "$reason" "make the directory writable" \
    "cp $db /tmp/ && mlmon-top --db /tmp/fx.db"; do
	grep -qF -- "$want" "$tmp/err" || bad "--once message lacks '$want'"
done
[ "$(wc -l <"$tmp/err")" -eq 1 ] || bad "--once: more than one line"
sed 's/^/  stderr: /' "$tmp/err"
[ ! -e "$tmp/src/fx.db-shm" ] || bad "a -shm file appeared"

# Interactive: the same, wrapped on the waiting screen (80 columns).
if command -v tmux >/dev/null 2>&1; then
	run env LC_ALL=C.UTF-8 TERM=xterm tmux -L "$sock" -f /dev/null \
	    new-session -d -x 80 -y 24 "$top --db '$db'"
	i=0
	# Wait for the line under the message: ncurses paints top down, so
	# a capture that has it has the whole message (no half frames).
	while [ $i -lt 50 ]; do
		tmux -L "$sock" capture-pane -p >"$tmp/pane" 2>/dev/null
		grep -q "This screen turns into data" "$tmp/pane" && break
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "Cannot read the store" "$tmp/pane" ||
	    bad "interactive: no 'Cannot read the store'"
	flat=$(tr -s ' \n' '  ' <"$tmp/pane")
	for want in "is a WAL database and its -shm file is missing" \
	    "$reason" "open a copy"; do
		case $flat in
		*"$want"*) ;;
		*) bad "interactive: screen lacks '$want'" ;;
		esac
	done
	tmux -L "$sock" send-keys q
	sleep 0.2
else
	echo "note: no tmux, interactive screen not checked"
fi

# Other unreadable stores: not a database. Exit 1, SQLite's reason.
printf 'this is not sqlite, just text long enough to be a header...\n' \
    >"$tmp/ctl/junk.db"
"$top" --db "$tmp/ctl/junk.db" --once >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || bad "--once on a non-database: exit $rc"
grep -q "junk.db: file is not a database" "$tmp/err" ||
    bad "--once on a non-database: $(cat "$tmp/err")"

[ "$fail" -eq 0 ] && echo "ok: unreadable store explained ($how)"
exit "$fail"
