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
#			by spaces (qrows).
# qrows DB SQL		SQL's rows on DB, one a line, columns separated by
#			'|', NULL as nothing: the sqlite3 CLI on a file, psql
#			-At on a PostgreSQL URI.
# qcopy STORE SQL FILE TABLE(COLUMNS)
#			SQL's rows on STORE, byte for byte, into the table
#			TABLE, made again, of the SQLite file FILE (sqlite3's
#			.import in ascii mode: any text, '|' and newlines
#			too; NULL as ''): SQLite's JSON functions then read
#			the store's payloads and rows, the same SQL on either
#			backend (PostgreSQL 15 and SQLite 3.40 share no
#			JSON path syntax); declare the COLUMNS' types so
#			that numbers compare and sort as numbers
# rmdb DB		removes DB and its -wal, -shm, -wait and -journal.
#
# The backend under test. A test written for both backends names its
# stores with `store`, reads them with q and qrows, and runs twice: as it
# is (SQLite) and under tests/pg/with-pg (PostgreSQL: $backend is pg
# when MLMON_TEST_PG is set as this file is sourced; sandbox then unsets
# it, as every MLMON_* variable).
# backend		sqlite or pg
# store NAME		prints the store NAME of the backend, new and empty:
#			sqlite: the file NAME.db in the cwd (its absolute
#			path: a console in tmux runs elsewhere); pg: the URI of
#			the database NAME, created on the with-pg server
#			(dropped first if it is there); if it cannot, the
#			test ends
# store_reset STORE	STORE empty again (the file gone; the database
#			dropped and created again)
# store_copy STORE NAME	prints the store NAME, a copy of STORE as it is
#			(no process may have it open): the file copied; the
#			database created from STORE's as its template
# store_absent NAME	prints the store NAME of the backend, not there: no
#			file NAME.db; no database NAME on the server
# store_version STORE [V]
#			the schema version STORE says it has (SQLite: the
#			file's user_version; PostgreSQL: meta's
#			schema_version of model 0), set to V first if given
# three_models		the three models of the multi-model tests (their
#			names, feature and class counts differ): sets
#			$models (NAME:SCENARIO:FEATURES:CLASSES:SEED ...),
#			writes the config every later ingest reads (Slack
#			dry-run; churn.eu pages on warnings too, the others
#			on critical only), each one's stream to NAME.ndjson,
#			and ingests it alone into alone-NAME.db (its stderr
#			in alone-NAME.err), checking the exit; uses $gen
#			and $ingest.
# model_stream NAME [FLAG...]
#			model NAME's stream (of three_models) on stdout,
#			mlmon-gen given FLAGs too (e.g. --rate 3000).
# webhook_start RECEIVER DIR
#			the webhook receiver (tests/alert/webhook-receiver.py,
#			run by /usr/bin/python3) on a free port, answering
#			200, its requests in DIR; sets rpid and port.

backend=sqlite
lib_pg=${MLMON_TEST_PG:-}
lib_psql=${MLMON_TEST_PG_BIN:-/usr/bin}/psql
[ -n "$lib_pg" ] && backend=pg

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

qrows() {
	case $1 in
	postgres://*|postgresql://*)
		"$lib_psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" ;;
	*)	sqlite3 "$1" "$2" ;;
	esac
}

q() {
	qrows "$1" "$2" | tr '\n' ' ' | sed 's/ $//'
}

qcopy() {
	sqlite3 "$3" "DROP TABLE IF EXISTS ${4%%(*}; CREATE TABLE $4" ||
	    return 1
	lib_rs=$(printf '\036')
	case $1 in
	postgres://*|postgresql://*)
		# Records end in RS but the last, which ends in a newline
		# ($(...) drops it, and any a last value would end in).
		lib_rows=$("$lib_psql" -X -q -A -t -F "$(printf '\037')" \
		    -R "$lib_rs" -v ON_ERROR_STOP=1 -d "$1" -c "$2") ;;
	*)	lib_rows=$(sqlite3 -ascii "$1" "$2") ;;
	esac || return 1
	lib_rows=${lib_rows%"$lib_rs"}
	[ -n "$lib_rows" ] || return 0
	printf '%s%s' "$lib_rows" "$lib_rs" >"$3.rows"
	sqlite3 "$3" ".import --ascii '$3.rows' ${4%%(*}"
}

rmdb() {
	rm -f "$1" "$1-wal" "$1-shm" "$1-wait" "$1-journal"
}

# The with-pg server's database $1 (the test database's URI, renamed).
lib_pg_uri() {
	echo "$lib_pg" | sed "s|/mlmon_test?|/$1?|"
}

# psql on the server's maintenance database.
lib_pg_admin() {
	"$lib_psql" -X -q -v ON_ERROR_STOP=1 -d "$(lib_pg_uri postgres)" \
	    -c "$1" >/dev/null
}

# The database NAME on the with-pg server made again, empty or (given
# TEMPLATE, a database name) a copy of TEMPLATE; its URI. If it cannot,
# the test itself ends (in $(...) too: its traps run).
lib_pg_create() {
	if ! lib_pg_admin "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" ||
	    ! lib_pg_admin "CREATE DATABASE \"$1\"${2:+ TEMPLATE \"$2\"}"
	then
		echo "FAIL store $1: cannot create the database" >&2
		kill -TERM $$
		exit 1
	fi
	lib_pg_uri "$1"
}

# The name of the database of the URI $1.
lib_pg_name() {
	echo "$1" | sed 's|.*/\([^/?]*\)?.*|\1|'
}

store() {
	if [ "$backend" = pg ]; then
		lib_pg_create "$1"
	else
		rmdb "$1.db"
		echo "$(pwd)/$1.db"
	fi
}

store_reset() {
	case $1 in
	postgres://*|postgresql://*)
		lib_pg_create "$(lib_pg_name "$1")" >/dev/null ;;
	*)	rmdb "$1" ;;
	esac
}

store_copy() {
	if [ "$backend" = pg ]; then
		lib_pg_create "$2" "$(lib_pg_name "$1")"
	else
		rmdb "$2.db"
		cp "$1" "$2.db"
		echo "$(pwd)/$2.db"
	fi
}

store_absent() {
	if [ "$backend" = pg ]; then
		lib_pg_admin "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"
		lib_pg_uri "$1"
	else
		rmdb "$1.db"
		echo "$(pwd)/$1.db"
	fi
}

store_version() {
	if [ "$backend" = pg ]; then
		[ $# -lt 2 ] || qrows "$1" "UPDATE meta SET value = '$2'
		    WHERE key = 'schema_version' AND model_id = 0"
		qrows "$1" "SELECT value FROM meta WHERE key =
		    'schema_version' AND model_id = 0"
	else
		[ $# -lt 2 ] || sqlite3 "$1" "PRAGMA user_version = $2"
		sqlite3 "$1" "PRAGMA user_version"
	fi
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

model_stream() {
	spec=$(echo " $models " | sed "s/.* \($1:[^ ]*\) .*/\1/")
	IFS=: read -r ms_name ms_scn ms_nf ms_nc ms_seed <<EOF
$spec
EOF
	shift
	"$gen" --scenario "$ms_scn" --features "$ms_nf" --classes "$ms_nc" \
	    --seed "$ms_seed" --batches 10 --batch-size 150 \
	    --reference-rows 400 --label-delay 2 "$@"
}

three_models() {
	mkdir -p xdg/mlmon
	cat >xdg/mlmon/mlmon.conf <<'EOF'
[slack]
webhook_url = https://hooks.slack.com/services/T000/B000/test
[model "churn.eu"]
min_severity_slack = warning
EOF
	chmod 600 xdg/mlmon/mlmon.conf
	models="fraud-v3:abrupt:7:2:11 churn.eu:gradual:3:4:12"
	models="$models ranker_2:label_shift:5:3:13"
	for tm in $models; do
		tm=${tm%%:*}
		model_stream "$tm" >"$tm.ndjson"
		"$ingest" --db "alone-$tm.db" --model "$tm" <"$tm.ndjson" \
		    2>"alone-$tm.err"
		check "$tm alone exit" $? 0
	done
}
