#!/bin/sh
# mlmon-ingest and mlmon-top at the edges (issue 11): escapes in feature
# names and in the FILE argument never reach stderr raw; files that are
# not what they seem (FIFO, directory, a store from a newer mlmon) are
# refused with their name; a 1 MiB line is the same with LF and CRLF; a
# leading UTF-8 BOM is accepted; a corrupt detector_state stops ingest
# naming the store and the lines not stored. On either backend (lib.sh's
# store) but for a FIFO as --db (a file: SQLite's alone).
#
# usage: run-edges.sh MLMON-INGEST MLMON-TOP MLMON-GEN
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
top=$(abspath "$2")
gen=$(abspath "$3")
sandbox edges
e=$(store e)
f=$(store f)
c=$(store c)
d=$(store d)
m=$(store m)
b=$(store b)

esc=$(printf '\033')
bel=$(printf '\007')
# No ESC, BEL or C1 CSI (0xc2 0x9b) byte in file $1.
raw_free() {
	! grep -q "$esc\|$bel\|$(printf '\302\233')" "$1"
}

# 1. Feature names holding OSC 52, CSI and BEL, a drifted batch so the
# batch line names them (max PSI, KS-confirmed).
evil='\u001b]52;c;aGFja2Vk\u0007'
{
	printf '{"type":"schema","feature_names":["a%s","b\\u001b[2J","c\\u009b31m"],"class_names":["n","y"]}\n' "$evil"
	i=0
	while [ $i -lt 200 ]; do
		printf '{"type":"reference","features":[%d,%d,%d],"scores":[0.4,0.6]}\n' \
		    $((i % 10)) $((i % 7)) $((i % 5))
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 200 ]; do
		printf '{"batch_id":1,"features":[%d,%d,%d],"scores":[0.4,0.6]}\n' \
		    $((i % 10 + 50)) $((i % 7 + 50)) $((i % 5 + 50))
		i=$((i + 1))
	done
	echo '{"type":"end_batch","batch_id":1}'
} >evil.ndjson
"$ingest" --db "$e" evil.ndjson 2>e.err
check "evil names exit" $? 0
check "evil batch line" "$(grep -c '^batch 1: 200 rows, max PSI' e.err)" 1
yes_if "evil names not raw on stderr" raw_free e.err
check "evil names shown clean" "$(grep -c \
    '^batch 1: .*KS-confirmed: a\]52;c;aGFja2Vk,b\[2J,c31m,' e.err)" 1

# 2. A FILE argument with escapes, in rejection lines and open errors.
name="in$(printf '\033]0;pwned\007').ndjson"
echo 'not json' >"$name"
"$ingest" --db "$f" "$name" 2>f.err
check "evil file name exit" $? 65
yes_if "evil file name not raw" raw_free f.err
check "evil file name shown" "$(grep -c '^in\]0;pwned\.ndjson:1: ' f.err)" 1
"$ingest" --db "$f" "missing$(printf '\033[2J').ndjson" 2>g.err
check "missing evil file exit" $? 2
yes_if "missing evil file not raw" raw_free g.err
# mlmon-gen quotes its arguments in errors too.
"$gen" --scenario "x$(printf '\033]0;t\007')" >/dev/null 2>g.err
check "gen evil scenario exit" $? 2
yes_if "gen evil scenario not raw" raw_free g.err
"$gen" --batches "$(printf '\033[2J')" >/dev/null 2>g.err
check "gen evil flag exit" $? 2
yes_if "gen evil flag not raw" raw_free g.err

# 3. Files that are not what they seem: FIFOs, a directory, a missing
# store, a store from a newer mlmon or with a negative version. Each is
# refused at once, by name (timeout: a FIFO used to block in open()).
mkfifo fifo
if [ "$backend" = sqlite ]; then	# --db a file that is no store
	timeout 10 "$ingest" --db fifo </dev/null 2>h.err
	check "ingest --db FIFO exit" $? 1
	check "ingest --db FIFO named" \
	    "$(grep -c 'fifo: not a regular file' h.err)" 1
	timeout 10 "$top" --once --db fifo >/dev/null 2>h.err
	check "console --db FIFO exit" $? 1
	check "console --db FIFO named" \
	    "$(grep -c 'fifo: not a regular file' h.err)" 1
fi
absent=$(store_absent nonexistent)
timeout 10 "$top" --once --format csv --db "$absent" >h.out 2>h.err
check "console missing store exit" $? 1
check "console missing store named" "$(grep -cF "$absent" h.err)" 1
check "console missing store prints nothing" "$(wc -c <h.out)" 0
timeout 10 "$ingest" --config fifo --db "$c" </dev/null 2>h.err
check "ingest --config FIFO exit" $? 2
check "ingest --config FIFO named" "$(grep -c 'fifo: not a regular file' h.err)" 1
mkdir adir
"$ingest" --db "$d" adir 2>h.err
check "directory as FILE exit" $? 2
check "directory as FILE named" "$(grep -c '^mlmon-ingest: adir: is a directory' h.err)" 1

# The console reads the current schema (7) and the ones before it down to
# 2 (real stores of those releases: tests/db/migrate.sh, db-migrate-v4,
# db-migrate-v5, db-migrate-v6 and tests/db/test-verdicts.c); version 1 is refused. The
# version is lib.sh's store_version: SQLite's user_version, PostgreSQL's
# meta row.
v=$(store_copy "$e" v)
timeout 10 "$top" --once --format csv --db "$v" >h.out 2>h.err
check "console schema 7 exit" $? 0
check "console schema 7 rows" "$(grep -c '^default,1,' h.out)" 1
store_version "$v" 1 >/dev/null
timeout 10 "$top" --once --format csv --db "$v" >h.out 2>h.err
check "console schema 1 exit" $? 1
check "console schema 1 message" "$(grep -cF "$v has schema 1, older" h.err)" 1
for ver in 99 -1; do
	v=$(store_copy "$e" v)
	store_version "$v" "$ver" >/dev/null
	echo '{"batch_id":5,"features":[1,2,3],"scores":[0.5,0.5]}' |
	    "$ingest" --db "$v" 2>h.err
	check "ingest schema $ver exit" $? 1
	check "ingest schema $ver untouched" "$(store_version "$v")" "$ver"
	check "ingest schema $ver rows" "$(q "$v" 'SELECT count(*) FROM
	    predictions')" 200
	timeout 10 "$top" --once --db "$v" >h.out 2>h2.err
	check "console schema $ver exit" $? 1
	if [ "$ver" = 99 ]; then
		want='made by a newer mlmon (schema 99)'
	else
		want='schema version -1: not an mlmon store'
	fi
	check "ingest schema $ver message" "$(grep -F "$v" h.err |
	    grep -c "$want")" 1
	check "console schema $ver message" "$(grep -F "$v" h2.err |
	    grep -c "$want")" 1
done

# 4. The 1 MiB line limit is the same with LF and CRLF; a leading BOM is
# accepted. A line of exactly 1048576 bytes is accepted, one more byte
# is rejected, whatever the terminator.
line() {	# a prediction padded with blanks to $1 bytes
	pre='{"batch_id":0,"features":[1,2,3],"scores":[0.5,0.5]'
	printf "%s" "$pre"
	head -c $(($1 - ${#pre} - 1)) /dev/zero | tr '\0' ' '
	printf '}'
}
for eol in lf crlf; do
	[ $eol = lf ] && t='\n' || t='\r\n'
	{ line 1048576; printf "$t"; } >max.ndjson
	check "1 MiB line $eol bytes" "$(wc -c <max.ndjson)" \
	    $((1048576 + ${#t} / 2))
	store_reset "$m"
	"$ingest" --quiet --db "$m" max.ndjson 2>h.err
	check "1 MiB line $eol accepted" $? 0
	check "1 MiB line $eol stored" \
	    "$(q "$m" 'SELECT count(*) FROM predictions')" 1
	{ line 1048577; printf "$t"; line 60; printf "$t"; } >over.ndjson
	store_reset "$m"
	"$ingest" --quiet --db "$m" over.ndjson 2>h.err
	check "1 MiB + 1 line $eol exit" $? 65
	check "1 MiB + 1 line $eol reason" "$(grep -c '^over.ndjson:1: line longer than 1048576 bytes' h.err)" 1
	check "1 MiB + 1 line $eol next line stored" \
	    "$(q "$m" 'SELECT count(*) FROM predictions')" 1
done
printf '\357\273\277{"batch_id":0,"features":[1,2,3],"scores":[0.5,0.5]}\r\n' >bom.ndjson
"$ingest" --quiet --db "$b" bom.ndjson 2>h.err
check "BOM accepted" $? 0
check "BOM row stored" "$(q "$b" 'SELECT count(*) FROM predictions')" 1

# 5. A corrupt detector_state stops ingest naming the store and the input
# lines not stored; nothing of the open transaction is committed.
labels() {	# labels record for batch $1: 200 classes
	printf '{"type":"labels","batch_id":%d,"true_class":[0' "$1"
	i=1
	while [ $i -lt 200 ]; do printf ',%d' $((i % 2)); i=$((i + 1)); done
	printf ']}\n'
}
labels 1 | "$ingest" --quiet --db "$e"
check "labels exit" $? 0
check "detector state stored" "$(q "$e" 'SELECT count(*) FROM
    detector_state')" 1
qrows "$e" "UPDATE detector_state SET state = '{corrupt'"
{
	i=0
	while [ $i -lt 200 ]; do
		printf '{"batch_id":2,"features":[%d,%d,%d],"scores":[0.4,0.6]}\n' \
		    $((i % 10)) $((i % 7)) $((i % 5))
		i=$((i + 1))
	done
	labels 2
} >more.ndjson
"$ingest" --db "$e" more.ndjson 2>h.err
check "corrupt state exit" $? 1
check "corrupt state message" "$(grep -cxF "mlmon-ingest: $e: the stored detector state (detector_state row 'detectors') is corrupt; reading stopped at more.ndjson line 201; not stored: more.ndjson lines 1-201 (200 rows of batch 2), send them again" h.err)" 1
check "corrupt state nothing committed" "$(q "$e" 'SELECT count(*) FROM
    predictions WHERE batch_id = 2')" 0

finish
