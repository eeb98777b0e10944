#!/bin/sh
# mlmon-ingest and mlmon-top at the edges (issue 11): escapes in feature
# names and in the FILE argument never reach stderr raw; files that are
# not what they seem (FIFO, directory, a store from a newer mlmon) are
# refused with their name; a 1 MiB line is the same with LF and CRLF; a
# leading UTF-8 BOM is accepted.
#
# usage: run-edges.sh MLMON-INGEST MLMON-TOP
set -u
. "$(dirname "$0")/../lib.sh"
ingest=$(abspath "$1")
top=$(abspath "$2")
sandbox edges

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
"$ingest" --db e.db evil.ndjson 2>e.err
check "evil names exit" $? 0
check "evil batch line" "$(grep -c '^batch 1: 200 rows, max PSI' e.err)" 1
yes_if "evil names not raw on stderr" raw_free e.err
check "evil names shown clean" "$(grep -c \
    '^batch 1: .*KS-confirmed: a\]52;c;aGFja2Vk,b\[2J,c31m,' e.err)" 1

# 2. A FILE argument with escapes, in rejection lines and open errors.
name="in$(printf '\033]0;pwned\007').ndjson"
echo 'not json' >"$name"
"$ingest" --db f.db "$name" 2>f.err
check "evil file name exit" $? 65
yes_if "evil file name not raw" raw_free f.err
check "evil file name shown" "$(grep -c '^in\]0;pwned\.ndjson:1: ' f.err)" 1
"$ingest" --db f.db "missing$(printf '\033[2J').ndjson" 2>g.err
check "missing evil file exit" $? 2
yes_if "missing evil file not raw" raw_free g.err

finish
