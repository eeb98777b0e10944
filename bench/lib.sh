# Helpers for bench/run-all (POSIX sh, sourced).

# Seconds since the epoch, with nanoseconds (GNU date).
now() {
	date +%s.%N
}

# stats FILE: "median min max" of the numbers in FILE, one a line.
stats() {
	sort -g "$1" | awk '
	{ v[NR] = $1 }
	END {
		if (NR == 0) { print "nan nan nan"; exit }
		if (NR % 2) m = v[(NR + 1) / 2]
		else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m, v[1], v[NR]
	}'
}

# med FILE: the median only.
med() {
	stats "$1" | cut -d' ' -f1
}

# field NAME LINE: the value of NAME=value in a "k=v k=v" line.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# int N: an integer with thousands separators (1,234,567).
int() {
	printf '%.0f\n' "$1" | awk '{
		s = $1; neg = ""
		if (substr(s, 1, 1) == "-") { neg = "-"; s = substr(s, 2) }
		o = ""
		while (length(s) > 3) {
			o = "," substr(s, length(s) - 2) o
			s = substr(s, 1, length(s) - 3)
		}
		print neg s o
	}'
}

# irange FILE: "median (min-max)" as integers with separators.
irange() {
	set -- $(stats "$1")
	echo "$(int "$1") ($(int "$2")–$(int "$3"))"
}

# frange FILE DIGITS: "median (min-max)" with DIGITS decimals.
frange() {
	set -- $(stats "$1") "$2"
	printf "%.${4}f (%.${4}f–%.${4}f)\n" "$1" "$2" "$3"
}

# mib BYTES: megabytes (10^6, as the seed article counts them), 2 decimals.
mb() {
	awk -v b="$1" 'BEGIN { printf "%.2f MB\n", b / 1e6 }'
}

# calc EXPR: floating point arithmetic through awk.
calc() {
	awk "BEGIN { printf \"%.6g\n\", $1 }"
}

# size_of DB: bytes of the DB file plus its -wal, if any.
size_of() {
	a=$(stat -c %s "$1" 2>/dev/null || echo 0)
	b=$(stat -c %s "$1-wal" 2>/dev/null || echo 0)
	echo $((a + b))
}

rmdb() {
	rm -f "$1" "$1-wal" "$1-shm" "$1-wait" "$1-journal"
}

# The machine, for the header of every table.
machine() {
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' \
	    /proc/meminfo)
	echo "$(nproc) cores ($cpu), $mem RAM, Linux $(uname -r)"
}

# cg_begin NAME: valgrind and callgrind_annotate are there (else exit 1
# naming NAME), and $tmp is a new directory, removed at exit.
cg_begin() {
	command -v valgrind >/dev/null &&
	    command -v callgrind_annotate >/dev/null ||
	    { echo "$1: valgrind missing (scripts/install-deps --dev)" >&2;
	    exit 1; }
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-$1.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT INT TERM
}

# cg_total FILE: PROGRAM TOTALS of a callgrind_annotate listing.
cg_total() {
	sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' "$1" | tr -d ,
}

# cg_incl FILE FUNCTION: its inclusive Ir in a callgrind_annotate
# --inclusive=yes listing of mlmon-ingest (0: absent).
cg_incl() {
	v=$(sed -n "s/^ *\([0-9,]*\) .*:$2[.a-z0-9]* \[.*\]\$/\1/p" "$1" |
	    head -n 1 | tr -d ,)
	echo "${v:-0}"
}

# event_streams DIR: from DIR/plain.ndjson (mlmon-gen predictions with
# batch_id), the same rows with ",id,ts" at the end: DIR/seq.ndjson with
# sequential integer ids, DIR/rand.ndjson with UUIDv4-like random string
# ids (issue 14's benchmarks). The closing brace is cut with substr: mawk's
# sub(/}$/) on these lines took minutes for 100,000 rows.
event_streams() {
	awk 'BEGIN { n = 0 } /^{"batch_id"/ {
	    $0 = substr($0, 1, length($0) - 1) sprintf(",\"id\":%d," \
	    "\"ts\":%.3f}", n, 1796541000 + n * 0.15); n++ } { print }' \
	    "$1/plain.ndjson" >"$1/seq.ndjson"
	awk 'function h(k,   s, i) { s = ""; for (i = 0; i < k; i++)
		s = s substr("0123456789abcdef", int(rand() * 16) + 1, 1)
		return s }
	BEGIN { srand(7); n = 0 }
	/^{"batch_id"/ { $0 = substr($0, 1, length($0) - 1) \
	    sprintf(",\"id\":\"%s-%s-4%s-%s%s-%s\",\"ts\":%.3f}", h(8), h(4),
	    h(3), substr("89ab", int(rand() * 4) + 1, 1), h(3), h(12),
	    1796541000 + n * 0.15); n++ } { print }' "$1/plain.ndjson" \
	    >"$1/rand.ndjson"
}

# pg_ticks: the CPU ticks (getconf CLK_TCK a second) of the PostgreSQL
# server of tests/pg/with-pg so far: the postmaster's reaped children
# (cutime + cstime: backends that ended) and its live children's own
# (utime + stime: a running backend, the WAL writer, the checkpointer).
# A backend whose client just left may be neither for a moment (exited,
# not yet reaped): first wait, up to 2 s, until the postmaster has no
# more children than its steady ones (PG_STEADY, counted by pg_steady
# once the last client's backend, psql's, has had 0.3 s to go).
pg_steady() {
	sleep 0.3
	_pm=$(head -1 "${MLMON_TEST_PG_DIR:?}/data/postmaster.pid")
	PG_STEADY=$(wc -w <"/proc/$_pm/task/$_pm/children")
}
pg_ticks() {
	_pm=$(head -1 "${MLMON_TEST_PG_DIR:?}/data/postmaster.pid")
	_i=0
	while [ "$(wc -w <"/proc/$_pm/task/$_pm/children")" -gt \
	    "${PG_STEADY:-0}" ] && [ $_i -lt 40 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	{
		awk '{ sub(/.*\) /, ""); print $14 + $15 }' "/proc/$_pm/stat"
		for _c in $(cat "/proc/$_pm/task/$_pm/children"); do
			awk '{ sub(/.*\) /, ""); print $12 + $13 }' \
			    "/proc/$_c/stat" 2>/dev/null
		done
	} | awk '{ s += $1 } END { print s }'
}
