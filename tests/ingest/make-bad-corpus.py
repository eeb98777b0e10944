#!/usr/bin/python3
# Author the bad-input corpus (tests/ingest/bad/): run once by hand when a
# case is added; the tests read the files and need no Python.
#
# Every case is the same stream with one malformed line at line 13:
#   1      schema (3 features a,b,c; classes x,y)
#   2-7    6 reference rows
#   8-10   batch 0, rows 0..2, labelled inline
#   11     end_batch 0
#   12     batch 1 row 0
#   13     THE BAD LINE
#   14-15  batch 1 rows 1..2 (batch 1 closes at end of input)
# so 6 good predictions must survive. <name>.expect holds the one stderr
# line the case must produce.
import os
import sys

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad")

def pred(b, f, s, extra=""):
    return ('{"batch_id":%d,"features":[%s],"scores":[%s]%s}'
            % (b, f, s, extra))

PREFIX = [
    '{"type":"schema","feature_names":["a","b","c"],"class_names":["x","y"]}',
    '{"type":"reference","features":[0.1,1.5,-2],"scores":[0.9,0.1],"true_class":0}',
    '{"type":"reference","features":[0.4,1.1,-1.5],"scores":[0.2,0.8],"true_class":1}',
    '{"type":"reference","features":[0.3,1.9,-2.5],"scores":[0.7,0.3],"true_class":0}',
    '{"type":"reference","features":[0.8,1.2,-1],"scores":[0.4,0.6],"true_class":1}',
    '{"type":"reference","features":[0.2,1.7,-2.2],"scores":[0.95,0.05],"true_class":0}',
    '{"type":"reference","features":[0.6,1.3,-1.2],"scores":[0.1,0.9],"true_class":1}',
    pred(0, "0.15,1.4,-2.1", "0.85,0.15", ',"true_class":0'),
    pred(0, "0.45,1.2,-1.4", "0.25,0.75", ',"true_class":1'),
    pred(0, "0.35,1.8,-2.4", "0.6,0.4", ',"true_class":0'),
    '{"type":"end_batch","batch_id":0}',
    pred(1, "0.5,1.0,-1.9", "0.3,0.7"),
]
SUFFIX = [
    pred(1, "0.25,1.6,-2.0", "0.8,0.2"),
    pred(1, "0.7,1.1,-1.1", "0.15,0.85"),
]
OK = '"features":[1,2,3],"scores":[0.5,0.5]'

CASES = [
    ("not-json", b'hello', "line is not a JSON object"),
    ("json-array", b'[1,2,3]', "line is not a JSON object"),
    ("truncated", b'{"batch_id":1,"features":[1,2', "expected , or ] in features"),
    ("unterminated-string", b'{"batch_id":1,"x":"abc', "unterminated string"),
    ("trailing-data", b'{"batch_id":1,' + OK.encode() + b'} extra', "trailing data after object"),
    ("two-objects", b'{"batch_id":1,' + OK.encode() + b'}{}', "trailing data after object"),
    ("missing-batch-id", b'{' + OK.encode() + b'}', "missing field batch_id"),
    ("missing-features", b'{"batch_id":1,"scores":[0.5,0.5]}', "missing field features"),
    ("missing-scores", b'{"batch_id":1,"features":[1,2,3]}', "missing field scores"),
    ("duplicate-key", b'{"batch_id":1,"batch_id":1,' + OK.encode() + b'}', 'duplicate key "batch_id"'),
    ("unknown-type", b'{"type":"foo","batch_id":1}', 'unknown type "foo"'),
    ("batch-id-string", b'{"batch_id":"1",' + OK.encode() + b'}', "batch_id is not an integer"),
    ("batch-id-float", b'{"batch_id":1.5,' + OK.encode() + b'}', "batch_id is not an integer"),
    ("batch-id-negative", b'{"batch_id":-3,' + OK.encode() + b'}', "batch_id is negative"),
    ("row-negative", b'{"batch_id":1,"row_in_batch":-1,' + OK.encode() + b'}', "row_in_batch is negative"),
    ("feature-object", b'{"batch_id":1,"features":[1,{"v":2},3],"scores":[0.5,0.5]}', "features[1] is an object, not a number, a string or null"),
    ("feature-array", b'{"batch_id":1,"features":[1,2,[3]],"scores":[0.5,0.5]}', "features[2] is an array, not a number, a string or null"),
    ("score-nan", b'{"batch_id":1,"features":[1,2,3],"scores":[NaN,0.5]}', "scores[0] is not a finite number"),
    ("feature-overflow", b'{"batch_id":1,"features":[1,2,1e999],"scores":[0.5,0.5]}', "features[2] is not a finite number"),
    ("feature-string", b'{"batch_id":1,"features":["1",2,3],"scores":[0.5,0.5]}', "features[0] is a string, but the schema says numeric"),
    ("category-long", b'{"batch_id":1,"features":[1,"' + b'x' * 257 + b'",3],"scores":[0.5,0.5]}', "features[1] is a category of 257 bytes, more than 256"),
    ("category-empty", b'{"batch_id":1,"features":[1,"",3],"scores":[0.5,0.5]}', "features[1] is an empty string (a missing value is null)"),
    ("feature-types-length", b'{"type":"schema","feature_types":["numeric","categorical"]}', "feature_types has 2 values, the stream 3 features"),
    ("feature-types-word", b'{"type":"schema","feature_types":["numeric","text","numeric"]}', 'feature_types[1] is not "numeric" or "categorical"'),
    ("feature-types-differ", b'{"type":"schema","feature_types":["numeric","categorical","numeric"]}', "feature_types differ from the stream's (fixed by an earlier schema or the first row)"),
    ("feature-leading-zero", b'{"batch_id":1,"features":[01,2,3],"scores":[0.5,0.5]}', "expected , or ] in features"),
    ("feature-count", b'{"batch_id":1,"features":[1,2],"scores":[0.5,0.5]}', "features has 2 values, expected 3"),
    ("score-count", b'{"batch_id":1,"features":[1,2,3],"scores":[0.5,0.25,0.25]}', "scores has 3 values, expected 2 classes"),
    ("one-score", b'{"batch_id":1,"features":[1,2,3],"scores":[1]}', "scores has 1 value, need at least 2 classes"),
    ("score-range", b'{"batch_id":1,"features":[1,2,3],"scores":[1.2,-0.2]}', "scores[0] is not in [0, 1]"),
    ("score-sum", b'{"batch_id":1,"features":[1,2,3],"scores":[0.6,0.5]}', "scores sum to 1.1, not 1 within 1e-3"),
    ("predicted-range", b'{"batch_id":1,' + OK.encode() + b',"predicted_class":2}', "predicted_class 2 is out of range for 2 classes"),
    ("true-class-range", b'{"batch_id":1,' + OK.encode() + b',"true_class":5}', "true_class 5 is out of range for 2 classes"),
    ("confidence-range", b'{"batch_id":1,' + OK.encode() + b',"confidence":1.5}', "confidence is not in [0, 1]"),
    ("invalid-utf8", b'{"batch_id":1,"note":"caf\xe9",' + OK.encode() + b'}', "line is not valid UTF-8"),
    ("binary-garbage", b'\x00\x01\x02\xff\xfe\x7f\x80garbage', "line is not valid UTF-8"),
    ("nul-bytes", b'\x00\x00\x00', "line is not a JSON object"),
    ("lone-surrogate", b'{"batch_id":1,"note":"\\ud800",' + OK.encode() + b'}', "lone high surrogate in \\u escape"),
    ("bad-escape", b'{"batch_id":1,"note":"\\q",' + OK.encode() + b'}', "invalid escape in string"),
    ("control-char", b'{"batch_id":1,"note":"a\tb",' + OK.encode() + b'}', "control character in string"),
    ("deep-nesting", b'{"batch_id":1,"x":' + b'[' * 100 + b']' * 100 + b',' + OK.encode() + b'}', "nesting deeper than 64 levels"),
    ("field-not-allowed", b'{"type":"end_batch","batch_id":1,"features":[1]}', "field features is not allowed in end_batch records"),
    ("closed-batch-conflict", b'{"batch_id":0,"row_in_batch":0,' + OK.encode() + b'}', "batch 0 row_in_batch 0 is logged already with different content (writers sharing a batch must send distinct row_in_batch values)"),
    ("late-row-no-index", b'{"batch_id":0,' + OK.encode() + b'}', "late row for batch 0, which is judged already, without row_in_batch (needed to tell it from a replay)"),
    ("duplicate-row", b'{"batch_id":1,"row_in_batch":0,' + OK.encode() + b'}', "batch 1 row_in_batch 0 is logged already with different content (writers sharing a batch must send distinct row_in_batch values)"),
    ("reference-late", b'{"type":"reference",' + OK.encode() + b'}', "reference record after the first prediction"),
    ("end-batch-unknown", b'{"type":"end_batch","batch_id":42}', "end_batch for batch 42, which has no logged predictions"),
    ("labels-length", b'{"type":"labels","batch_id":0,"true_class":[1,0]}', "labels for batch 0 have 2 values but 3 predictions are logged"),
    ("labels-unknown-batch", b'{"type":"labels","batch_id":9,"true_class":[1]}', "labels for batch 9: no predictions are logged for it"),
    ("labels-class-range", b'{"type":"labels","batch_id":0,"true_class":[0,1,2]}', "true_class[2] is 2, out of range for 2 classes"),
    ("labels-conflict", b'{"type":"labels","batch_id":0,"true_class":[1,1,0]}', "labels for batch 0 differ from the stored ones at 1 of 3 rows (first: row 0 has 0, new 1)"),
    ("labels-not-array", b'{"type":"labels","batch_id":0,"true_class":1}', "true_class of a labels record is not an array"),
    ("schema-size", b'{"type":"schema","feature_names":["a","b"]}', "schema has 2 feature and 0 class names, the stream 3 features and 2 classes"),
    ("schema-differs", b'{"type":"schema","feature_names":["p","q","r"]}', "t.db: a different schema is stored (3 features, 2 classes; given 3 features, 2 classes or other names)"),
]

def main():
    os.makedirs(here, exist_ok=True)
    names = set()
    for name, line, reason in CASES:
        assert name not in names, name
        names.add(name)
        with open(os.path.join(here, name + ".ndjson"), "wb") as f:
            for l in PREFIX:
                f.write(l.encode() + b"\n")
            f.write(line + b"\n")
            for l in SUFFIX:
                f.write(l.encode() + b"\n")
        with open(os.path.join(here, name + ".expect"), "w") as f:
            f.write("stdin:13: %s\n" % reason)
    print("%d cases" % len(CASES), file=sys.stderr)

main()
