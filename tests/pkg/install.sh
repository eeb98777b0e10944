#!/bin/sh
# meson install --destdir into a private tree, then everything from the
# installed files only: the file list; the demo pipeline (mlmon-gen |
# mlmon-ingest, then mlmon-top --once) under env -i with PATH on the
# installed bindir, compared number for number with the build tree's
# binaries; --version (git describe, and the schema version ingest really
# writes); the example config changes nothing; scenarios found after the
# tree is moved elsewhere; bash completion; systemd-analyze verify on the
# units, their man: references resolved against the installed pages.
#
# usage: install.sh MESON BUILD-ROOT SOURCE-ROOT PREFIX BINDIR DATADIR
#        MANDIR VERSION BUILD-INGEST BUILD-TOP BUILD-GEN
set -u
. "$(dirname "$0")/../lib.sh"
meson=$1
build=$(cd "$2" && pwd)
source=$(cd "$3" && pwd)
prefix=$4 bindir=$5 datadir=$6 mandir=$7 version=$8
b_ingest=$(abspath "$9")
b_top=$(abspath "${10}")
b_gen=$(abspath "${11}")
sandbox install

case $bindir in /*) ;; *) bindir=$prefix/$bindir ;; esac
case $datadir in /*) ;; *) datadir=$prefix/$datadir ;; esac
case $mandir in /*) ;; *) mandir=$prefix/$mandir ;; esac

"$meson" install -C "$build" --destdir "$tmp/dest" --no-rebuild --quiet \
    >install.log 2>&1
check "meson install --destdir" $? 0
bin=$tmp/dest$bindir
share=$tmp/dest$datadir

# 1. The files.
missing=""
for f in "$bin/mlmon-ingest" "$bin/mlmon-top" "$bin/mlmon-gen" \
    "$bin/mlmon-backtest"; do
	[ -x "$f" ] || missing="$missing $f"
done
for f in man1/mlmon-ingest.1 man1/mlmon-top.1 man1/mlmon-gen.1 \
    man1/mlmon-backtest.1 man5/mlmon-protocol.5; do
	cmp -s "$tmp/dest$mandir/$f" "$source/man/$(basename "$f")" ||
	    missing="$missing $f"
done
for f in mlmon/scenarios/stable.scn mlmon/scenarios/abrupt.scn \
    mlmon/scenarios/gradual.scn mlmon/scenarios/label_shift.scn \
    mlmon/scenarios/stable_overlap.scn mlmon/scenarios/covariate_shift.scn \
    doc/mlmon/examples/mlmon.conf \
    doc/mlmon/examples/mlmon-rules.yml \
    doc/mlmon/examples/mlmon-rules.test.yml \
    doc/mlmon/examples/mlmon-dashboard.json \
    bash-completion/completions/mlmon-ingest \
    bash-completion/completions/mlmon-top \
    bash-completion/completions/mlmon-gen; do
	[ -f "$share/$f" ] || missing="$missing $f"
done
units=$(find "$tmp/dest" -path '*/systemd/system/*' -type f | sort)
check "units" "$(echo "$units" | sed 's,.*/,,' | tr '\n' ' ')" \
    "mlmon-follow.service mlmon-ingest.service mlmon-ingest.socket mlmon-labeler.service mlmon-labeler.socket mlmon-metrics.service mlmon-metrics.timer "
[ -f "$tmp/dest$prefix/lib/sysusers.d/mlmon.conf" ] ||
    missing="$missing sysusers.d/mlmon.conf"
check "installed files" "$missing" ""

# 2. The demo from the installed files only: a clean environment whose
# PATH starts at the installed bindir, in a directory of its own.
mkdir run
cd run || exit 1
inst() {
	env -i PATH="$bin:/usr/bin:/bin" HOME="$tmp" LANG=C.UTF-8 \
	    MLMON_NOW=2000000000 "$@"
}
check "PATH finds the installed mlmon-gen" \
    "$(inst sh -c 'command -v mlmon-gen')" "$bin/mlmon-gen"
inst sh -c 'mlmon-gen --scenario abrupt --batches 8 --label-delay 2 |
    mlmon-ingest --db demo.db --quiet'
check "installed demo exit" $? 0
check "installed demo rows" "$(q demo.db 'SELECT count(*) FROM predictions
    WHERE true_class IS NOT NULL')" 1600
check "installed demo reports" "$(q demo.db "SELECT report_type || ':' ||
    count(*) FROM monitor_reports GROUP BY report_type ORDER BY 1")" \
    "detectors:8 estimated_performance:8 feature:8 performance:8 prediction:8"
inst mlmon-gen --scenario abrupt --batches 8 --label-delay 2 >inst.ndjson
"$b_gen" --scenario abrupt --batches 8 --label-delay 2 >build.ndjson
check "installed mlmon-gen = build mlmon-gen" \
    "$(cmp -s inst.ndjson build.ndjson && echo same)" same
for tab in overview drift calibration alerts; do
	inst mlmon-top --db demo.db --once --tab $tab --format json \
	    >"inst-$tab.json"
	st=$?
	MLMON_NOW=2000000000 "$b_top" --db demo.db --once --tab $tab \
	    --format json >"build-$tab.json"
	check "installed mlmon-top --once $tab = build (exit $st)" \
	    "$(cmp -s "inst-$tab.json" "build-$tab.json" && echo same)" same
done
inst mlmon-top --db demo.db --once --width 100 >frame.txt
check "installed mlmon-top frame" \
    "$(grep -c 'Latest batch 8 .*rows 1,600' frame.txt)" 1
inst mlmon-gen --scenario nope 2>nope.err
check "unknown scenario exit" $? 2
check "only installed dirs are searched" "$(cat nope.err)" \
    "mlmon-gen: unknown scenario 'nope' (looked in $bin/../share/mlmon/scenarios, $datadir/mlmon/scenarios; try --list)"

# 3. --version: the build's git describe; the schema ingest writes.
if git -C "$source" rev-parse --git-dir >/dev/null 2>&1; then
	describe=$(git -C "$source" describe --dirty=+ --always)
else
	describe=unknown
fi
schema=$(q demo.db 'PRAGMA user_version')
check "mlmon-ingest --version" "$(inst mlmon-ingest --version | tr '\n' '|')" \
    "mlmon-ingest $version (git $describe)|store schema version $schema|"
check "mlmon-top --version" "$(inst mlmon-top --version | tr '\n' '|')" \
    "mlmon-top $version (git $describe)|store schema version $schema|"
check "mlmon-gen --version" "$(inst mlmon-gen -V)" \
    "mlmon-gen $version (git $describe)"

# 4. The example config, as shipped, changes nothing.
inst mlmon-ingest --config "$share/doc/mlmon/examples/mlmon.conf" \
    --db conf.db --quiet <inst.ndjson
check "example config loads" $? 0
check "example config = defaults" "$(sqlite3 conf.db "SELECT batch_id,
    report_type, payload FROM monitor_reports ORDER BY 1, 2" | cksum)" \
    "$(sqlite3 demo.db "SELECT batch_id, report_type, payload FROM
    monitor_reports ORDER BY 1, 2" | cksum)"
cd "$tmp" || exit 1

# The metrics timer's command as systemd runs it (its $$ is a $), with the
# installed mlmon-top: the textfile the collector would read.
metrics_unit=$(echo "$units" | grep '/mlmon-metrics.service$')
cmd=$(sed -n 's/^ExecStart=//p' "$metrics_unit" | sed "s,$bindir/,$bin/,g" |
    sed 's/\$\$/$/g')
(cd run && export MLMON_DB=demo.db MLMON_METRICS_FILE=textfile.prom \
    MLMON_NOW=2000000000 && eval "$cmd")
check "mlmon-metrics.service command" $? 0
inst mlmon-top --db run/demo.db --once --format prometheus >expected.prom
check "mlmon-metrics.service writes the store's metrics" \
    "$(cmp -s run/textfile.prom expected.prom && echo same)" same
check "mlmon-metrics.service leaves no temporary file" \
    "$(ls run | grep -c 'textfile.prom.tmp')" 0

# 5. Relocated: the tree moved elsewhere still finds its scenarios.
mkdir -p moved
mv "$tmp/dest$prefix" moved/tree
rel=${bindir#"$prefix"}
check "moved tree lists its scenarios" \
    "$(env -i PATH=/usr/bin:/bin "moved/tree$rel/mlmon-gen" --list |
    cut -d' ' -f1 | tr '\n' ' ')" "abrupt covariate_shift gradual label_shift missing missing_stable stable stable_overlap tabular tabular_stable "
mv moved/tree "$tmp/dest$prefix"

# 6. Bash completion, each installed file for its command.
comp() {	# comp FILE FUNCTION WORD... : COMPREPLY for the last word
	file=$1 fn=$2
	shift 2
	(cd "$tmp/run" && env -i PATH="$bin:/usr/bin:/bin" bash -c '
	    . "$0"; fn=$1; shift; COMP_WORDS=("$@")
	    COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
	    "$fn" "$1"; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	    complete -p "$1" >/dev/null || echo "not registered"' \
	    "$share/bash-completion/completions/$file" "$fn" "$@")
}
check "complete mlmon-gen --scenario" \
    "$(comp mlmon-gen _mlmon_gen mlmon-gen --scenario '')" \
    "abrupt covariate_shift gradual label_shift missing missing_stable stable stable_overlap tabular tabular_stable "
check "complete mlmon-gen --sc" "$(comp mlmon-gen _mlmon_gen mlmon-gen --sc)" \
    "--scenario --scenario-dir "
check "complete mlmon-gen --mean-shift" \
    "$(comp mlmon-gen _mlmon_gen mlmon-gen --mean-shift r)" "ramp "
check "complete mlmon-gen --rng" \
    "$(comp mlmon-gen _mlmon_gen mlmon-gen --rng '')" "mlmon numpy "
check "complete mlmon-gen --true-class" \
    "$(comp mlmon-gen _mlmon_gen mlmon-gen --true-class p)" "posterior "
check "complete mlmon-top --tab" \
    "$(comp mlmon-top _mlmon_top mlmon-top --tab '')" \
    "alerts calibration drift overview "
check "complete mlmon-top --format" \
    "$(comp mlmon-top _mlmon_top mlmon-top --once --format '')" \
    "csv json prometheus text "
check "complete mlmon-ingest --fl" \
    "$(comp mlmon-ingest _mlmon_ingest mlmon-ingest --fl)" \
    "--flush-ms --flush-rows "
check "complete mlmon-ingest --flush-rows (a number)" \
    "$(comp mlmon-ingest _mlmon_ingest mlmon-ingest --flush-rows '')" " "
check "complete mlmon-ingest --metrics-file (files)" \
    "$(comp mlmon-ingest _mlmon_ingest mlmon-ingest --metrics-file inst.)" \
    "inst.ndjson "
check "complete mlmon-ingest --db (files)" \
    "$(comp mlmon-ingest _mlmon_ingest mlmon-ingest --db inst.)" \
    "inst.ndjson "

# 7. The units: systemd-analyze verify, with ExecStart pointed at the
# DESTDIR tree (verify wants the binary to exist) and man: links resolved
# against the installed pages.
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "FAIL systemd-analyze not found (Debian package systemd: run" \
	    "scripts/install-deps)"
	fails=$((fails + 1))
else
	mkdir units
	for u in $units; do
		sed "s,$bindir/,$bin/," "$u" >"units/$(basename "$u")"
	done
	check "units run $bindir/mlmon-ingest" \
	    "$(grep -h '^ExecStart=/' $units | cut -d' ' -f1 | sort -u)" \
	    "ExecStart=/bin/sh
ExecStart=$bindir/mlmon-ingest"
	out=$(MANPATH="$tmp/dest$mandir" systemd-analyze verify units/* 2>&1)
	check "systemd-analyze verify" "$?:$out" "0:"
	printf '[Service]\nExecStart=%s/mlmon-ingest\nBogus=1\n' "$bin" \
	    >units/bad.service
	out=$(systemd-analyze verify units/bad.service 2>&1)
	check "verify flags a bad unit" \
	    "$(echo "$out" | grep -c "Unknown key 'Bogus'")" 1
fi
finish
