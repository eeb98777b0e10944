#!/bin/sh
# Faults: a DB the process cannot write (another user; a read-only
# mount), a full disk (a 2 MiB tmpfs), the DB deleted under a running
# console and under a running ingest. Each must give a clear error that
# names the DB path once, exit status 1 for ingest, an intact DB, and
# nothing acknowledged lost: every row ingest counted as accepted is in
# the DB, a batch line is printed only for a batch whose commit
# succeeded, and a replay once the fault is gone gives the uninterrupted
# result.
#
# Needs root (mount, setpriv); parts that cannot run say SKIP. Exit 77
# (meson: skipped) when nothing could run.
#
# usage: faults.sh MLMON-INGEST MLMON-GEN MLMON-TOP
set -u
. "$(dirname "$0")/lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
top=$(abspath "$3")
sandbox rel
ran=0
mounts=""
cleanup_mounts() {
	for m in $mounts; do
		umount "$m" 2>/dev/null
	done
}
on_exit=cleanup_mounts
chmod 755 "$tmp"

# tmpfs DIR SIZE: mount a size-limited tmpfs, or fail.
tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1" 2>/dev/null ||
	    return 1
	mounts="$1 $mounts"
}

"$gen" --batches 5 >small.ndjson
"$gen" --batches 100 --label-delay 2 --scenario abrupt >big.ndjson
"$ingest" --quiet --db base.db small.ndjson
check "setup: base DB" $? 0
"$ingest" --quiet --db ref.db big.ndjson
check "setup: uninterrupted run" $? 0
dump ref.db >ref.txt

# 1. A file the process cannot write: root's 0644 file, ingest as nobody.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	ran=$((ran + 1))
	mkdir ro
	cp base.db ro/x.db
	chmod 755 ro
	chmod 644 ro/x.db
	before=$(count ro/x.db 'SELECT count(*) FROM predictions')
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$ingest" --quiet --db ro/x.db big.ndjson 2>ro.err
	check "not writable (setpriv nobody): ingest exit" $? 1
	echo "     stderr: $(head -c 300 ro.err)"
	check "not writable: message says read-only" \
	    "$(grep -c 'read-only' ro.err)" 1
	check "not writable: message names the path once" \
	    "$(grep -o 'ro/x\.db' ro.err | wc -l)" 1
	check "not writable: DB unchanged" \
	    "$(count ro/x.db 'SELECT count(*) FROM predictions')" "$before"
	check "not writable: integrity_check" "$(integrity ro/x.db)" ok
else
	echo "SKIP not writable: needs root and setpriv"
fi

# 2. A read-only mount.
if tmpfs romnt 16m; then
	ran=$((ran + 1))
	cp base.db romnt/x.db
	if mount -o remount,ro romnt 2>/dev/null; then
		"$ingest" --quiet --db romnt/x.db big.ndjson 2>rom.err
		check "read-only mount: ingest exit" $? 1
		echo "     stderr: $(head -c 300 rom.err)"
		check "read-only mount: message says read-only" \
		    "$(grep -c 'read-only' rom.err)" 1
		check "read-only mount: message names the path once" \
		    "$(grep -o 'romnt/x\.db' rom.err | wc -l)" 1
		# (sqlite3 needs immutable=1 to read it without a -shm)
		check "read-only mount: DB unchanged" "$(count \
		    "file:$tmp/romnt/x.db?immutable=1" \
		    'SELECT count(*) FROM predictions')" 1000
		# The console cannot create the -shm it needs here: it must
		# say so, not crash (--once: exit 1, the reason on stderr).
		"$top" --once --db romnt/x.db --width 100 --height 30 \
		    >romtop.txt 2>&1
		check "read-only mount: console exit" $? 1
		echo "     console: $(head -c 300 romtop.txt)"
		yes_if "read-only mount: console names the problem" \
		    grep -q -- '-shm file is missing.*read-only file system' \
		    romtop.txt
	else
		echo "SKIP read-only mount: remount,ro refused"
	fi
else
	echo "SKIP read-only mount: cannot mount a tmpfs (not root?)"
fi

# 3. Disk full: the stream does not fit in 2 MiB. Every row ingest counts
# as accepted must be in the DB, batch lines only for batches whose
# commit succeeded, the error names the input lines not stored; after the
# space comes back a replay gives the uninterrupted result.
if tmpfs full 2m; then
	ran=$((ran + 1))
	"$ingest" --db full/x.db big.ndjson 2>full.err
	check "disk full: ingest exit" $? 1
	grep -v -e '^batch ' -e '^alert: ' full.err | head -n 3 |
	    sed 's/^/     stderr: /'
	check "disk full: message says so" \
	    "$(grep -c 'database or disk is full' full.err)" 1
	check "disk full: integrity_check" "$(integrity full/x.db)" ok
	acc=$(sed -n 's/^mlmon-ingest: .*[0-9] accepted (\([0-9]*\) rows).*/\1/p' \
	    full.err)
	nb=$(sed -n 's/^mlmon-ingest: .* rejected, \([0-9]*\) batches.*/\1/p' \
	    full.err)
	lost=$(sed -n 's/.* \([0-9]*\) rows since the last flush are not stored.*/\1/p' \
	    full.err)
	got=$(count full/x.db 'SELECT count(*) FROM predictions')
	echo "     accepted ${acc:-?} rows, reported lost ${lost:-0}," \
	    "in the DB $got"
	# The summary counts committed rows only: exactly what is stored.
	check "disk full: accepted rows are the stored rows" "${acc:-?}" "$got"
	check "disk full: summary batches are the closed ones" "${nb:-?}" \
	    "$(count full/x.db 'SELECT count(*) FROM batches
	    WHERE closed_at IS NOT NULL')"
	re='not stored: big\.ndjson lines [0-9]*-[0-9]* (2000 rows'
	re="$re of batches [0-9]*-[0-9]*)"
	yes_if "disk full: error names the input lines not stored" \
	    grep -q "$re" full.err
	# A batch line is printed only once its commit succeeded.
	sed -n 's/^batch \([0-9]*\): \([0-9]*\) rows,.*/\1|\2/p' full.err |
	    sort >lines.txt
	count full/x.db 'SELECT batch_id, n_rows FROM batches
	    WHERE closed_at IS NOT NULL' | sort >closed.txt
	yes_if "disk full: batch lines are the committed batches" \
	    cmp -s lines.txt closed.txt
	sed -n 's/^batch \([0-9]*\): labelled .*/\1/p' full.err | sort >lab.txt
	count full/x.db 'SELECT batch_id FROM batches
	    WHERE labelled_at IS NOT NULL' | sort >labdb.txt
	yes_if "disk full: labelled lines are the committed labels" \
	    cmp -s lab.txt labdb.txt
	echo "     $(wc -l <lines.txt) batch lines, $(wc -l <closed.txt)" \
	    "closed batches, $(wc -l <lab.txt) labelled lines"
	check "disk full: ledger matches the rows" "$(count full/x.db \
	    'SELECT count(*) FROM batches b WHERE closed_at IS NOT NULL AND
	    n_rows <> (SELECT count(*) FROM predictions p
	    WHERE p.batch_id = b.batch_id)')" 0
	mount -o remount,size=64m full
	"$ingest" --quiet --db full/x.db big.ndjson 2>full2.err
	check "disk full: replay after freeing space exit" $? 0
	dump full/x.db >full.txt
	yes_if "disk full: replay equals the uninterrupted run" \
	    cmp -s ref.txt full.txt

	# The same with a pipe and delayed labels in flight.
	umount full
	mount -t tmpfs -o size=2m,mode=0755 tmpfs full
	"$gen" --batches 100 --label-delay 2 --scenario abrupt |
	    "$ingest" --quiet --db full/y.db 2>fullp.err
	check "disk full (pipe): ingest exit" $? 1
	check "disk full (pipe): integrity_check" "$(integrity full/y.db)" ok
	mount -o remount,size=64m full
	"$ingest" --quiet --db full/y.db big.ndjson
	check "disk full (pipe): replay exit" $? 0
	dump full/y.db >fullp.txt
	yes_if "disk full (pipe): replay equals the uninterrupted run" \
	    cmp -s ref.txt fullp.txt
else
	echo "SKIP disk full: cannot mount a tmpfs (not root?)"
fi

# 4. The DB deleted under a running console (in a private tmux server):
# a clear message, no crash, data again once ingest recreates the file.
if command -v tmux >/dev/null 2>&1; then
	ran=$((ran + 1))
	cp base.db c.db
	sock=mlmon-rel-$$
	tmux -L "$sock" -f /dev/null new-session -d -x 100 -y 30 \
	    "$top --db $tmp/c.db -d 0.2; echo \$? >$tmp/top.rc"
	pane() {
		tmux -L "$sock" capture-pane -p 2>/dev/null
	}
	# wait_for TEXT: up to 5 s for TEXT on screen.
	wait_for() {
		n=0
		while [ $n -lt 50 ]; do
			pane | grep -q "$1" && return 0
			sleep 0.1
			n=$((n + 1))
		done
		return 1
	}
	yes_if "deleted DB: console shows data first" wait_for 'rows 1,000'
	rm -f c.db c.db-wal c.db-shm
	yes_if "deleted DB: console says the store was deleted" \
	    wait_for 'was deleted'
	pane | grep 'deleted' | head -n 2 | sed 's/^ */     console: /'
	"$ingest" --quiet --db c.db big.ndjson
	yes_if "deleted DB: console shows the new data" \
	    wait_for 'rows 20,000'
	tmux -L "$sock" send-keys q
	n=0
	while [ ! -e top.rc ] && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	check "deleted DB: console exit" "$(cat top.rc 2>/dev/null)" 0
	tmux -L "$sock" kill-server 2>/dev/null
else
	echo "SKIP deleted DB under the console: no tmux"
fi

# 5. The DB deleted, then replaced, under a running ingest of a throttled
# stream (no root needed): ingest must stop with exit 1 and say how many
# rows are not stored, not write on into a file nobody sees and exit 0.
# wait_rows DB N: up to 10 s for N predictions in DB.
wait_rows() {
	n=0
	while [ $n -lt 100 ]; do
		[ "$(count "$1" 'SELECT count(*) FROM predictions')" \
		    -ge "$2" ] 2>/dev/null && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}
ran=$((ran + 1))
for how in deleted replaced; do
	rmdb live.db
	t0=$(date +%s)
	{ "$gen" --batches 30 --rate 1000 | "$ingest" --db live.db \
	    2>live-$how.err; echo $? >live-$how.rc; } &
	job=$!
	yes_if "DB $how under ingest: rows arrive first" wait_rows live.db 400
	if [ $how = deleted ]; then
		rm -f live.db live.db-wal live.db-shm
	else
		cp base.db other.db
		mv other.db live.db
		rm -f live.db-wal live.db-shm
	fi
	wait "$job"
	check "DB $how under ingest: ingest exit" "$(cat live-$how.rc)" 1
	grep '^mlmon-ingest: live' live-$how.err | head -n 1 |
	    sed 's/^/     stderr: /'
	re='^mlmon-ingest: live\.db was deleted or replaced .*; ingest'
	re="$re stopped: [0-9]* rows since line [0-9]* of stdin are not"
	re="$re stored\$"
	check "DB $how under ingest: message" \
	    "$(grep -c "$re" live-$how.err)" 1
	check "DB $how under ingest: path named once" \
	    "$(grep 'deleted or replaced' live-$how.err | grep -o 'live\.db' |
	    wc -l)" 1
	# 30 batches at 1000 rows/s take 6 s; the error stops it at once.
	yes_if "DB $how under ingest: stopped early" \
	    test $(($(date +%s) - t0)) -lt 5
done
check "DB replaced under ingest: the new file untouched" \
    "$(count live.db 'SELECT count(*) FROM predictions')" 1000
check "DB replaced under ingest: integrity_check" "$(integrity live.db)" ok

if [ "$ran" -eq 0 ]; then
	echo "nothing could run"
	exit 77
fi
finish
