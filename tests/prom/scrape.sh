#!/bin/sh
# The metrics file in the real ops stack: Debian's prometheus-node-exporter
# serves it with its textfile collector, Debian's prometheus scrapes that
# every second, and the values read back through Prometheus's HTTP API
# equal the store's (exact double equality in SQLite), for each of the two
# models of the store (two ingests rewriting one file, each rewrite every
# model's series, labelled with its model). Both run as
# private instances on free loopback ports with private data dirs and are
# stopped at the end. The example alert rules load into that Prometheus
# and pass promtool's rule tests; every query of the example Grafana
# dashboard runs on it and returns data.
#
# usage: scrape.sh MLMON-INGEST MLMON-GEN DIST-DIR
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
gen=$(abspath "$2")
rules=$(cd "$3/prometheus" && pwd)
dash=$(abspath "$3/grafana/mlmon-dashboard.json")
py=/usr/bin/python3
sandbox prom-scrape
for p in prometheus promtool prometheus-node-exporter curl "$py"; do
	if ! command -v "$p" >/dev/null 2>&1; then
		echo "FAIL $p not found (run scripts/install-deps)"
		exit 1
	fi
done

# Two free loopback ports (bound, read, released: a race only with a
# process that grabs the same port within milliseconds).
set -- $("$py" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))
')
ne_port=$1 prom_port=$2

# count QUERY: how many series QUERY returns ("" on an error).
count() {
	curl -s --max-time 5 -G "http://127.0.0.1:$prom_port/api/v1/query" \
	    --data-urlencode "query=$1" | "$py" -c '
import json, sys
try:
    r = json.load(sys.stdin)
    print(len(r["data"]["result"]) if r["status"] == "success" else "")
except Exception:
    print("")
'
}
# api QUERY: the value of the single series QUERY returns, or "".
api() {
	curl -s --max-time 5 -G "http://127.0.0.1:$prom_port/api/v1/query" \
	    --data-urlencode "query=$1" | "$py" -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if len(r) == 1 else "")
except Exception:
    print("")
'
}
# same NAME QUERY SQL: Prometheus's value equals the store's: the same
# double, read back from its shortest text. Within one unit in the last
# place, because SQLite 3.40's text-to-REAL conversion is not correctly
# rounded on every input (1 of 20,000 random timestamps comes back one
# ulp off, e.g. '1765135536.569224'), and closed_at is a clock's value.
same() {
	v=$(api "$2")
	check "$1" "$v:$(sqlite3 m.db "SELECT abs(($3) - CAST('$v' AS REAL))
	    <= abs(($3)) * 2.3e-16")" "$v:1"
}

# Two models in the store, one ingest each, both rewriting the one file
# (each rewrite holds every model of the store).
mkdir textfile
"$gen" --scenario abrupt --batches 8 --label-delay 1 |
    "$ingest" --db m.db --quiet --metrics-file textfile/mlmon.prom
check "ingest exit" $? 0
"$gen" --scenario gradual --features 3 --classes 4 --seed 12 --batches 6 \
    --label-delay 1 | "$ingest" --db m.db --quiet --model churn.eu \
    --metrics-file textfile/mlmon.prom
check "second model's ingest exit" $? 0

prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" \
    --collector.disable-defaults --collector.textfile \
    --collector.textfile.directory="$tmp/textfile" >ne.log 2>&1 &
ne_pid=$!
cp "$rules/mlmon-rules.yml" .
cat >prometheus.yml <<EOC
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [mlmon-rules.yml]
scrape_configs:
  - job_name: mlmon
    static_configs:
      - targets: ['127.0.0.1:$ne_port']
EOC
prometheus --config.file=prometheus.yml --storage.tsdb.path="$tmp/data" \
    --web.listen-address="127.0.0.1:$prom_port" >prom.log 2>&1 &
prom_pid=$!
on_exit="kill $ne_pid $prom_pid 2>/dev/null; wait $ne_pid $prom_pid 2>/dev/null"

# Up to 30 s for the first scrape that carries the file.
i=0
while [ $i -lt 300 ] && [ -z "$(api 'mlmon_rows_total{model="default"}')" ]
do
	sleep 0.1
	i=$((i + 1))
done
check "scraped through node_exporter" "$(api 'up{job="mlmon"}')" 1
check "textfile read without error" "$(api node_textfile_scrape_error)" 0
check "a rows series per model" "$(count mlmon_rows_total)" 2
# Each model's series against its rows: model:last batch:features.
for m in default:8:f0,f3 churn.eu:6:f0,f2; do
	IFS=: read -r name last feats <<EOF
$m
EOF
	id=$(q m.db "SELECT model_id FROM models WHERE name = '$name'")
	L="model=\"$name\""
	W="model_id = $id AND batch_id = $last"
	check "$name rows" "$(api "mlmon_rows_total{$L}")" \
	    "$(q m.db "SELECT count(*) FROM predictions WHERE model_id = $id")"
	check "$name labelled rows" "$(api "mlmon_labelled_rows_total{$L}")" \
	    "$(q m.db "SELECT count(*) FROM predictions WHERE model_id = $id
	    AND true_class IS NOT NULL")"
	check "$name last batch" "$(api "mlmon_last_batch_id{$L}")" "$last"
	same "$name last batch time" "mlmon_last_batch_timestamp_seconds{$L}" \
	    "SELECT closed_at FROM batches WHERE $W"
	check "$name critical conditions" \
	    "$(api "mlmon_open_conditions{$L,severity=\"critical\"}")" \
	    "$(q m.db "SELECT count(*) FROM alert_conditions WHERE open = 1
	    AND severity = 'critical' AND model_id = $id")"
	for f in $(echo "$feats" | tr , ' '); do
		same "$name $f PSI" "mlmon_feature_psi{$L,feature=\"$f\"}" \
		    "SELECT json_extract(payload, '\$.psi_values.$f') FROM
		    monitor_reports WHERE $W AND report_type = 'feature'"
		same "$name $f KS p" \
		    "mlmon_feature_ks_pvalue{$L,feature=\"$f\"}" \
		    "SELECT json_extract(payload, '\$.ks_p_values.$f') FROM
		    monitor_reports WHERE $W AND report_type = 'feature'"
	done
	same "$name label-shift p" "mlmon_label_shift_pvalue{$L}" \
	    "SELECT json_extract(payload, '\$.label_shift_p_value') FROM
	    monitor_reports WHERE $W AND report_type = 'prediction'"
	same "$name accuracy" "mlmon_accuracy_ratio{$L}" \
	    "SELECT json_extract(payload, '\$.accuracy') FROM monitor_reports
	    WHERE $W AND report_type = 'performance'"
	same "$name ECE" "mlmon_expected_calibration_error_ratio{$L}" \
	    "SELECT json_extract(payload, '\$.ece') FROM monitor_reports
	    WHERE $W AND report_type = 'performance'"
done
check "churn.eu has no feature f3" \
    "$(count 'mlmon_feature_psi{model="churn.eu",feature="f3"}')" 0

# The example rules: loaded, healthy, and right on synthetic series.
# rules: "name:health" of each loaded rule.
rules() {
	curl -s --max-time 5 "http://127.0.0.1:$prom_port/api/v1/rules" |
	    "$py" -c '
import json, sys
try:
    g = json.load(sys.stdin)["data"]["groups"]
    print(" ".join(r["name"] + ":" + r["health"]
        for x in g for r in x["rules"]))
except Exception:
    print("")
'
}
i=0
while [ $i -lt 50 ] && [ "$(rules)" != \
    "MlmonModelStale:ok MlmonMetricsFileStale:ok" ]; do
	sleep 0.1
	i=$((i + 1))
done
rules_state=$(rules)
check "rules loaded" "$rules_state" \
    "MlmonModelStale:ok MlmonMetricsFileStale:ok"
check "a fresh model is not stale" "$(api 'ALERTS{alertname="MlmonModelStale"}')" ""
out=$(cd "$rules" && promtool test rules mlmon-rules.test.yml 2>&1)
check "promtool test rules" "$?" 0

# The dashboard's queries, its variables set to this store's model.
"$py" -c '
import json, sys
for p in json.load(open(sys.argv[1]))["panels"]:
    for t in p["targets"]:
        print(t["expr"].replace("$model", "default").replace("$feature", ".*"))
' "$dash" >exprs.txt
check "dashboard queries" "$(wc -l <exprs.txt)" 13
while read -r e; do
	i=0
	# rate() needs two scrapes of the file.
	while [ $i -lt 50 ] && [ "$(count "$e")" = 0 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	n=$(count "$e")
	yes_if "dashboard: $e ($n series)" [ "${n:-0}" -ge 1 ]
done <exprs.txt
finish
