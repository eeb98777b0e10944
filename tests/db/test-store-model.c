/*
 * What the store keeps per model beside the rows: two models in one store
 * sharing nothing, the reference sample, the schema's names, rejected
 * lines (cut at a UTF-8 boundary), detector state and monitor reports.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/store.h"
#include "fixture.h"

/* Two models in one store: same batch ids, nothing shared. */
START_TEST(test_models_isolated)
{
	static const int labels[4] = { 0, 1, 2, 0 };
	struct detector_report dr;
	struct store *s, *r;
	char *cause = NULL, *payload, *state, **names;
	int64_t last;
	size_t n;

	s = open_rw();
	ck_assert_str_eq(store_model(s), "default");
	add_batch(s, 1, 10, false);
	ck_assert_int_eq(store_batch_close(s, 1, &cause), 0);
	memset(&dr, 0, sizeof dr);
	dr.n_fed = 10;
	ck_assert_int_eq(store_report_put_detectors(s, 1, &dr, &cause), 0);
	ck_assert_int_eq(store_detector_put(s, "ddm", 1, "d1", &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);

	ck_assert_int_eq(store_model_set(s, "m2", &cause), 0);
	ck_assert_int_eq(store_batch_state(s, 1), STORE_BATCH_UNKNOWN);
	ck_assert_int_eq(store_report_get(s, 1, "detectors", &payload,
	    &cause), 1);
	ck_assert_int_eq(store_detector_get(s, "ddm", &last, &state, &cause),
	    1);
	add_batch(s, 1, 4, false);
	ck_assert_int_eq(store_batch_close(s, 1, &cause), 0);
	ck_assert_int_eq(store_label_batch(s, 1, labels, 4, false, &cause),
	    STORE_LABEL_APPLIED);
	dr.n_fed = 4;
	ck_assert_int_eq(store_report_put_detectors(s, 1, &dr, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 14);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"
	    " WHERE true_class IS NOT NULL"), 4);

	ck_assert_int_eq(store_model_set(s, "default", &cause), 0);
	ck_assert_int_eq(store_batch_rows(s, 1), 10);
	ck_assert_int_eq(store_report_get(s, 1, "detectors", &payload,
	    &cause), 0);
	ck_assert_ptr_nonnull(strstr(payload, "\"n_fed\":10"));
	free(payload);
	ck_assert_int_eq(store_detector_get(s, "ddm", &last, &state, &cause),
	    0);
	ck_assert_str_eq(state, "d1");
	free(state);
	ck_assert_int_eq(store_models(s, &names, &n, &cause), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "default");
	ck_assert_str_eq(names[1], "m2");
	store_models_free(names, n);

	ck_assert_int_eq(store_model_set(s, "bad name", &cause), -1);
	ck_assert_str_eq(cause, "model \"bad name\": byte 4 of a model name "
	    "is 0x20, not one of A-Z a-z 0-9 . _ : -");
	free(cause);
	cause = NULL;
	ck_assert_str_eq(store_model(s), "default");
	store_close(s);

	/* A reader: the model asked for, or nothing for an unknown one. */
	r = store_open(db_target, STORE_READ_ONLY, &cause);
	ck_assert_msg(r != NULL, "%s", cause);
	ck_assert_int_eq(store_model_set(r, "m2", &cause), 0);
	ck_assert_int_eq(store_batch_rows(r, 1), 4);
	ck_assert_int_eq(store_model_set(r, "nobody", &cause), 0);
	ck_assert_int_eq(store_batch_state(r, 1), STORE_BATCH_UNKNOWN);
	ck_assert_int_eq(store_batch_rows(r, 1), 0);
	store_close(r);
	ck_assert_int_eq(q_int("SELECT count(*) FROM models"), 2);
}
END_TEST

/* Rows of model name's batch in the ledger, and logged. */
static long long
model_rows(const char *name, int64_t batch, bool logged)
{
	char *sql;
	long long n;

	sql = xasprintf(logged ? "SELECT count(*) FROM predictions JOIN models"
	    " USING (model_id) WHERE name = '%s' AND batch_id = %lld" :
	    "SELECT n_rows FROM batches JOIN models USING (model_id)"
	    " WHERE name = '%s' AND batch_id = %lld", name, (long long)batch);
	n = q_int(sql);
	free(sql);
	return n;
}

/*
 * One handle switching between models inside its write transaction (one
 * ingest carrying several): a model not stored yet is stored at the
 * switch, each keeps its own open batch and counts across switches, and
 * a rollback forgets what the other models' kept state said.
 */
START_TEST(test_models_one_transaction)
{
	static const struct {
		const char	*model;
		int64_t		 batch;
		int		 rows;
	} steps[] = {
		{ "a", 1, 5 }, { "b", 1, 3 }, { "a", 2, 4 }, { "c", 1, 1 },
		{ "b", 2, 2 }, { "a", 2, 0 },
	};
	struct store *s;
	char *cause = NULL;
	size_t i;

	s = open_rw();
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		ck_assert_int_eq(store_model_set(s, steps[i].model, &cause), 0);
		add_batch(s, steps[i].batch, steps[i].rows, false);
	}
	ck_assert_int_eq(store_batch_close(s, 1, &cause), 0);
	ck_assert_int_eq(store_batch_close(s, 2, &cause), 0);
	ck_assert_int_eq(store_model_set(s, "b", &cause), 0);
	ck_assert_int_eq(store_batch_close(s, 1, &cause), 0);
	ck_assert_int_eq(store_batch_close(s, 2, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM models"), 3);
	ck_assert_int_eq(model_rows("a", 1, false), 5);
	ck_assert_int_eq(model_rows("a", 2, false), 4);
	ck_assert_int_eq(model_rows("b", 1, false), 3);
	ck_assert_int_eq(model_rows("b", 2, false), 2);
	ck_assert_int_eq(model_rows("c", 1, true), 1);

	/* Rolled back: batch 3 of a and b is gone, their ledger rows too. */
	ck_assert_int_eq(store_model_set(s, "a", &cause), 0);
	add_batch(s, 3, 2, false);
	ck_assert_int_eq(store_model_set(s, "b", &cause), 0);
	add_batch(s, 3, 2, false);
	store_discard(s);
	add_batch(s, 3, 1, false);
	ck_assert_int_eq(store_model_set(s, "a", &cause), 0);
	add_batch(s, 3, 3, false);
	ck_assert_int_eq(store_batch_close(s, 3, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(model_rows("a", 3, false), 3);
	ck_assert_int_eq(model_rows("a", 3, true), 3);
	ck_assert_int_eq(model_rows("b", 3, true), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions p WHERE NOT"
	    " EXISTS (SELECT 1 FROM batches b WHERE b.model_id = p.model_id"
	    " AND b.batch_id = p.batch_id)"), 0);
	store_close(s);
}
END_TEST

static void
ref_make(struct store_reference *r, size_t rows, double shift)
{
	size_t i, j;

	memset(r, 0, sizeof *r);
	r->n_rows = rows;
	r->n_features = 3;
	r->n_classes = 2;
	r->features = xcalloc(rows * 3, sizeof *r->features);
	r->predicted = xcalloc(rows, sizeof *r->predicted);
	r->confidence = xcalloc(rows, sizeof *r->confidence);
	r->scores = xcalloc(rows * 2, sizeof *r->scores);
	r->true_class = xcalloc(rows, sizeof *r->true_class);
	for (i = 0; i < rows; i++) {
		for (j = 0; j < 3; j++)
			r->features[i * 3 + j] = sin((double)(i * 3 + j)) +
			    shift;
		r->predicted[i] = (int)(i % 2);
		r->scores[i * 2] = 0.1 + (double)i / (double)(rows * 2);
		r->scores[i * 2 + 1] = 1 - r->scores[i * 2];
		r->confidence[i] = fmax(r->scores[i * 2], r->scores[i * 2 + 1]);
		r->true_class[i] = i % 5 == 0 ? -1 : (int)(i % 2);
	}
}

START_TEST(test_reference)
{
	struct store_reference a, b, c, got;
	struct store *s;
	char *cause = NULL;

	ref_make(&a, 50, 0);
	ref_make(&b, 50, 0);
	ref_make(&c, 40, 1e-9);
	s = open_rw();
	ck_assert_int_eq(store_reference_get(s, &got, &cause), 1);
	ck_assert_int_eq(store_reference_put(s, &a, false, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	/* Identical content: silently accepted. */
	ck_assert_int_eq(store_reference_put(s, &b, false, &cause), 0);
	/* Different: refused, both sizes named. */
	ck_assert_int_eq(store_reference_put(s, &c, false, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "50 rows"));
	ck_assert_ptr_nonnull(strstr(cause, "40 rows"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(store_reference_get(s, &got, &cause), 0);
	ck_assert_uint_eq(got.n_rows, 50);
	ck_assert_uint_eq(store_reference_digest(&got, NULL),
	    store_reference_digest(&a, NULL));
	ck_assert(memcmp(got.features, a.features, 150 * sizeof(double)) ==
	    0);
	ck_assert(memcmp(got.scores, a.scores, 100 * sizeof(double)) == 0);
	ck_assert(memcmp(got.true_class, a.true_class, 50 * sizeof(int)) ==
	    0);
	store_reference_finish(&got);
	/* Replace. */
	ck_assert_int_eq(store_reference_put(s, &c, true, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM reference"), 40);
	ck_assert_int_eq(store_reference_get(s, &got, &cause), 0);
	ck_assert_uint_eq(got.n_rows, 40);
	ck_assert(got.features[0] == c.features[0]);
	store_reference_finish(&got);
	store_close(s);
	store_reference_finish(&a);
	store_reference_finish(&b);
	store_reference_finish(&c);
}
END_TEST

START_TEST(test_schema_names)
{
	char *fn[] = { "age", "income" }, *cn[] = { "no", "yes" };
	char *dup[] = { "age", "age" }, *cn2[] = { "n", "y" };
	struct store_schema sc = { 2, 2, fn, cn, NULL }, got;
	struct store_schema bad = { 2, 2, dup, cn, NULL };
	struct store_schema other = { 2, 2, fn, cn2, NULL };
	struct store *s;
	char *cause = NULL;

	s = open_rw();
	ck_assert_int_eq(store_schema_get(s, &got, &cause), 1);
	ck_assert_int_eq(store_schema_put(s, &bad, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "appears twice"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(store_schema_put(s, &sc, &cause), 0);
	ck_assert_int_eq(store_schema_put(s, &sc, &cause), 0);
	ck_assert_int_eq(store_schema_put(s, &other, &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(store_schema_get(s, &got, &cause), 0);
	ck_assert_uint_eq(got.n_features, 2);
	ck_assert_str_eq(got.feature_names[1], "income");
	ck_assert_str_eq(got.class_names[1], "yes");
	store_schema_finish(&got);
	ck_assert_int_eq(store_schema_replace(s, &other, &cause), 0);
	ck_assert_int_eq(store_schema_get(s, &got, &cause), 0);
	ck_assert_str_eq(got.class_names[0], "n");
	store_schema_finish(&got);
	store_schema_default(&got, 3, 2);
	ck_assert_str_eq(got.feature_names[2], "feature_2");
	ck_assert_str_eq(got.class_names[1], "1");
	store_schema_finish(&got);
	store_close(s);
}
END_TEST

START_TEST(test_rejected_truncation)
{
	static const struct {
		size_t	len;
		int	truncated;
		size_t	stored;
	} cases[] = {
		{ 0, 0, 0 },
		{ 10, 0, 10 },
		{ STORE_REJECT_TEXT_MAX, 0, STORE_REJECT_TEXT_MAX },
		{ STORE_REJECT_TEXT_MAX + 1, 1, STORE_REJECT_TEXT_MAX },
		{ 100000, 1, STORE_REJECT_TEXT_MAX },
	};
	struct store *s;
	char *cause = NULL, *text, *sql;
	const char *bytes;
	size_t i;

	text = xmalloc(100000);
	memset(text, 'x', 100000);
	s = open_rw();
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_int_eq(store_reject_add(s, "stdin", i + 1,
		    "malformed JSON", text, cases[i].len, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sql = xasprintf("SELECT length(text) * 2 + truncated FROM "
		    "rejected WHERE line = %zu", i + 1);
		ck_assert_int_eq(q_int(sql), (long long)(cases[i].stored * 2 +
		    (size_t)cases[i].truncated));
		free(sql);
	}
	/* A cut never splits a UTF-8 sequence: é is 2 bytes. */
	for (i = 0; i + 1 < 100000; i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	ck_assert_int_eq(store_reject_add(s, "f.ndjson", 77, "bad", text + 1,
	    9000, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	bytes = fixture_pg ? "SELECT octet_length(text) FROM rejected"
	    " WHERE line = 77" : "SELECT length(CAST(text AS BLOB)) FROM"
	    " rejected WHERE line = 77";
	ck_assert_int_le(q_int(bytes), STORE_REJECT_TEXT_MAX);
	ck_assert_int_eq(q_int(bytes) % 2, 1);
	store_close(s);
	free(text);
}
END_TEST

/*
 * The bytes of a rejected line as stored: SQLite keeps them raw;
 * PostgreSQL's TEXT takes no NUL and no invalid UTF-8, so each such byte
 * is stored as U+FFFD and the rest (a tab too) as sent.
 */
START_TEST(test_rejected_bytes)
{
	struct store *s;
	char *cause = NULL;

	s = open_rw();
	ck_assert_msg(store_reject_add(s, "stdin", 1, "not UTF-8",
	    "x\t\xff\0y\xc3\xa9", 7, &cause) == 0, "%s", cause);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	store_close(s);
	if (fixture_pg)
		ck_assert_str_eq(q_text("SELECT encode(convert_to(text,"
		    " 'UTF8'), 'hex') || ' ' || truncated FROM rejected"),
		    "7809efbfbdefbfbd79c3a9 0");
	else
		ck_assert_str_eq(q_text("SELECT hex(text) || ' ' || truncated"
		    " FROM rejected"), "7809FF0079C3A9 0");
}
END_TEST

START_TEST(test_detector_state)
{
	struct store *s;
	char *cause = NULL, *state;
	int64_t last;

	s = open_rw();
	ck_assert_int_eq(store_detector_get(s, "ddm", &last, &state, &cause),
	    1);
	ck_assert_int_eq(store_detector_put(s, "ddm", 4, "n=1 p=0x1p-3\n",
	    &cause), 0);
	ck_assert_int_eq(store_detector_put(s, "adwin", 4, "w=7", &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	store_close(s);
	s = open_rw();
	ck_assert_int_eq(store_detector_get(s, "ddm", &last, &state, &cause),
	    0);
	ck_assert_int_eq(last, 4);
	ck_assert_str_eq(state, "n=1 p=0x1p-3\n");
	free(state);
	ck_assert_int_eq(store_detector_put(s, "ddm", 5, "n=2", &cause), 0);
	ck_assert_int_eq(store_detector_get(s, "ddm", &last, &state, &cause),
	    0);
	ck_assert_int_eq(last, 5);
	ck_assert_str_eq(state, "n=2");
	free(state);
	store_close(s);
}
END_TEST

START_TEST(test_reports)
{
	struct detector_report dr;
	struct store *s;
	char *cause = NULL, *payload;

	s = open_rw();
	ck_assert_int_eq(store_report_get(s, 1, "performance", &payload,
	    &cause), 1);
	memset(&dr, 0, sizeof dr);
	dr.n_fed = 5;
	ck_assert_int_eq(store_report_put_detectors(s, 1, &dr, &cause), 0);
	dr.n_fed = 75;
	dr.adwin_drift = true;
	ck_assert_int_eq(store_report_put_detectors(s, 2, &dr, &cause), 0);
	dr.n_fed = 7;
	ck_assert_int_eq(store_report_put_detectors(s, 1, &dr, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	ck_assert_int_eq(store_report_get(s, 1, "detectors", &payload,
	    &cause), 0);
	ck_assert_ptr_nonnull(strstr(payload, "\"n_fed\":7,"));
	free(payload);
	/* The seed's reader query works on our file. */
	ck_assert_int_eq(q_int("SELECT count(payload) FROM monitor_reports "
	    "WHERE report_type='detectors'"), 2);
	ck_assert_int_eq(q_int(fixture_pg ? "SELECT CAST(payload AS json)"
	    " ->> 'n_fed' FROM monitor_reports WHERE"
	    " report_type='detectors' AND batch_id = 2" :
	    "SELECT json_extract(payload, '$.n_fed') FROM monitor_reports"
	    " WHERE report_type='detectors' AND batch_id = 2"), 75);
	store_close(s);
}
END_TEST

int
main(int argc, char **argv)
{
	const struct fixture_case cases[] = {
		{ test_models_isolated, NULL },
		{ test_models_one_transaction, NULL },
		{ test_reference, NULL },
		{ test_schema_names, NULL },
		{ test_rejected_truncation, NULL },
		{ test_rejected_bytes, NULL },
		{ test_detector_state, NULL },
		{ test_reports, NULL },
	};

	return fixture_main(argc, argv, "store-model", cases,
	    sizeof cases / sizeof cases[0], 60);
}
