#!/bin/sh
# The bad-input corpus: every tests/ingest/bad/<case>.ndjson has one
# malformed line (line 13) among good ones. For each case: exit status 65,
# exactly one "stdin:<line>: <reason>" line on stderr equal to
# <case>.expect, the line kept in the rejected table with that reason, and
# all 6 good predictions logged with both batches' monitor reports.
#
# usage: run-bad.sh MLMON-INGEST CORPUS-DIR
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
corpus=$(cd "$2" && pwd)
sandbox bad
n=0

for input in "$corpus"/*.ndjson; do
	name=$(basename "$input" .ndjson)
	want=$(cat "$corpus/$name.expect")
	dir="$tmp/$name"
	mkdir "$dir"
	n=$((n + 1))
	(cd "$dir" && env -i PATH="$PATH" HOME="$dir" "$ingest" --quiet \
	    --db t.db <"$input" 2>err)
	rc=$?
	problem=""
	if [ "$rc" -ne 65 ]; then
		problem="exit status $rc, want 65"
	elif [ "$(grep -c '^stdin:' "$dir/err")" -ne 1 ]; then
		problem="want exactly one stdin: line"
	elif ! grep -Fqx -- "$want" "$dir/err"; then
		problem="message differs"
	else
		reason=${want#stdin:13: }
		got=$(sqlite3 "$dir/t.db" "SELECT count(*) FROM predictions;
		    SELECT count(*) FROM monitor_reports WHERE report_type
		      IN ('feature', 'prediction') AND batch_id IN (0, 1);
		    SELECT line || '|' || source FROM rejected;" | tr '\n' ' ')
		if [ "$got" != "6 4 13|stdin " ]; then
			problem="store has '$got', want '6 4 13|stdin '"
		elif [ "$(sqlite3 "$dir/t.db" "SELECT reason FROM rejected")" \
		    != "$reason" ]; then
			problem="rejected.reason differs"
		fi
	fi
	if [ -n "$problem" ]; then
		echo "FAIL $name: $problem"
		echo "  want: $want"
		sed 's/^/  got:  /' "$dir/err"
		fails=$((fails + 1))
	else
		echo "ok   $name"
	fi
done
echo "$n cases, $fails failed"
[ "$n" -ge 30 ] || { echo "corpus has fewer than 30 cases"; exit 1; }
[ "$fails" -eq 0 ]
