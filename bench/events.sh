#!/bin/sh
# Producer events (issue 14): ingest throughput with an id and an event
# time on every row, against the previous commit's ingest on the same
# rows without them, in one run; random (UUIDv4-like) ids; time windows;
# and --follow's row-to-store latency.
#
#	bench/events.sh PREV_INGEST INGEST MLMON_GEN [ROWS [RUNS]]
#
# PREV_INGEST is a release build of the commit before (e.g. a worktree of
# it: meson setup -Dbuildtype=release). Each number is the median of RUNS
# runs (default 5), interleaved, with the range; CPU time is user+system
# of ingest alone (steadier than wall time on a shared box).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
prev=$1
cur=$2
gen=$3
rows=${4:-200000}
RUNS=${5:-5}
W=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-bench-events.XXXXXX")
trap 'kill $fpid 2>/dev/null; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
fpid=
export HOME="$W" XDG_CONFIG_HOME="$W/xdg"
unset MLMON_DB MLMON_CONFIG

batches=$((rows / 200))
"$gen" --batches $batches --no-end-batch > "$W/plain.ndjson"
# The same rows with ",id,ts" at the end: sequential integer ids, and
# UUIDv4-like random string ids; and without batch_id for time windows.
event_streams "$W"
sed 's/^{"batch_id":[0-9]*,"row_in_batch":[0-9]*,/{/' "$W/seq.ndjson" > "$W/win.ndjson"

# run NAME BINARY FILE [FLAGS]: one timed ingest into a fresh store.
run() {
	name=$1 bin=$2 file=$3
	shift 3
	rm -f "$W/db" "$W/db-wal" "$W/db-shm" "$W/db-wait"
	/usr/bin/time -f '%e %U %S' -o "$W/t" "$bin" --db "$W/db" -q "$@" \
	    "$file" || { echo "events.sh: $name failed" >&2; exit 1; }
	n=$(sqlite3 "$W/db" "SELECT count(*) FROM predictions")
	[ "$n" -eq "$rows" ] || { echo "events.sh: $name stored $n" >&2;
	    exit 1; }
	read -r e u s < "$W/t"
	awk -v n="$n" -v e="$e" 'BEGIN { printf "%.0f\n", n / e }' >> "$W/$name.wall"
	awk -v n="$n" -v c="$u" -v d="$s" 'BEGIN { printf "%.0f\n", n / (c + d) }' \
	    >> "$W/$name.cpu"
}
i=0
while [ $i -lt "$RUNS" ]; do
	run prev "$prev" "$W/plain.ndjson"
	run plain "$cur" "$W/plain.ndjson"
	run seq "$cur" "$W/seq.ndjson"
	run rand "$cur" "$W/rand.ndjson"
	run win "$cur" "$W/win.ndjson" --window time:30s
	i=$((i + 1))
done
base=$(med "$W/prev.cpu")
echo "| run ($rows rows, $RUNS runs) | rows/s wall (range) | CPU rows/s (range) | CPU vs previous commit |"
echo "|---|---|---|---|"
for r in prev plain seq rand win; do
	case $r in
	prev) what="previous commit, batch_id rows" ;;
	plain) what="this commit, the same rows" ;;
	seq) what="this commit, + sequential integer id and ts" ;;
	rand) what="this commit, + random UUIDv4-like id and ts" ;;
	win) what="this commit, ids and ts, --window time:30s" ;;
	esac
	set -- $(stats "$W/$r.wall")
	wall="$(int "$1") ($(int "$2")–$(int "$3"))"
	set -- $(stats "$W/$r.cpu")
	echo "| $what | $wall | $(int "$1") ($(int "$2")–$(int "$3")) | $(awk -v a="$1" -v b="$base" 'BEGIN { printf "%.2f", a / b }') |"
done

# --follow latency: a line appended (one write) until it is committed in
# the store, as a reader polling the store every 2 ms sees it.
rm -f "$W/db"*
grep -v '^{"batch_id"' "$W/seq.ndjson" > "$W/app.log"
"$cur" --db "$W/db" -q --follow "$W/app.log" 2>/dev/null &
fpid=$!
sleep 1
grep '^{"batch_id"' "$W/seq.ndjson" | head -n 200 > "$W/lines"
: > "$W/lat"
k=0
while read -r line; do
	t0=$(now)
	printf '%s\n' "$line" >> "$W/app.log"
	id=$k
	while [ "$(sqlite3 "$W/db" "SELECT count(*) FROM predictions WHERE
	    event_id = $id" 2>/dev/null)" != 1 ]; do
		sleep 0.002
	done
	awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >> "$W/lat"
	k=$((k + 1))
	sleep 0.05
done < "$W/lines"
kill $fpid
wait $fpid 2>/dev/null
fpid=
sort -g "$W/lat" | awk '{ v[NR] = $1 } END {
	printf "\n--follow, row appended to row committed (%d rows, --flush-ms 200): median %.0f ms, p99 %.0f ms, max %.0f ms\n",
	    NR, v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)], v[NR] }'
