# mlmon-gen output -> a real producer's stream: each prediction of batch b,
# row r gets {"id":"<b>-<r>","ts":T0 + (b * N + r) * STEP} in place of its
# batch_id and row_in_batch (N = rows per batch, default 200). With
# NOLABEL=1 the inline true_class is dropped; with LABELS=1 only label
# records by id are printed, one per prediction that had a true_class.
/"batch_id":/ && !/"type":/ {
	match($0, /"batch_id":[0-9]+/)
	b = substr($0, RSTART + 11, RLENGTH - 11)
	match($0, /"row_in_batch":[0-9]+/)
	r = substr($0, RSTART + 15, RLENGTH - 15)
	sub(/"batch_id":[0-9]+,"row_in_batch":[0-9]+,/, "")
	sub(/^\{/, sprintf("{\"id\":\"%s-%s\",\"ts\":%.3f,", b, r,
	    T0 + (b * (N ? N : 200) + r) * STEP))
	if (LABELS) {
		if (match($0, /"true_class":[0-9]+/))
			printf "{\"type\":\"label\",\"id\":\"%s-%s\",%s}\n", b, r,
			    substr($0, RSTART, RLENGTH)
		next
	}
	if (NOLABEL)
		sub(/,"true_class":[0-9]+}/, "}")
}
LABELS { next }
{ print }
