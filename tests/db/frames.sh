# What the console prints of a store of several models, as the fixtures
# under tests/fixtures/store-vN/MODEL/ hold it (sourced by the migration
# tests and by the scripts that write those fixtures): for each model and
# tab, `--once --format csv`, and the text frame (`TZ=UTC`, 400 x 40)
# without its second line (the store's last write) and with alert ages
# normalised to AGO.
#
# frames MLMON-TOP DB PREFIX MODEL...: writes PREFIX.MODEL.TAB.csv and
# PREFIX.MODEL.TAB.txt for the tabs overview, drift, calibration, alerts.
frames_tabs="overview drift calibration alerts"
frames() {
	_top=$1 _db=$2 _prefix=$3
	shift 3
	for _m in "$@"; do
		for _t in $frames_tabs; do
			"$_top" --db "$_db" --model "$_m" --once --tab "$_t" \
			    --format csv >"$_prefix.$_m.$_t.csv"
			TZ=UTC "$_top" --db "$_db" --model "$_m" --once \
			    --tab "$_t" --format text --width 400 --height 40 |
			    sed '2d' | sed -E 's/[0-9]+[dhms]( [0-9]+[dhms])?'\
' ago +/AGO /g; s/ +$//' >"$_prefix.$_m.$_t.txt"
		done
	done
}
