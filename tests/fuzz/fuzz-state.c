/*
 * Fuzz the saved-state decoders: detectors_decode, ddm_decode,
 * adwin_decode, calib_decode (the reference's calibration map) and the
 * codec number parsers under them. A restarted mlmon-ingest reads this
 * text back from the store, so it is untrusted.
 *
 * The input is the state text, optionally followed by a NUL and the error
 * stream to feed after decoding, one bit per update (without a NUL the
 * text's own bits are fed, FUZZ_UPDATES of them).
 *
 * Invariants: whatever decodes re-encodes to text that decodes again and
 * re-encodes to the same text (the encoding is exact, so equal text means
 * equal state); a decoded state survives further updates without undefined
 * behaviour, and the state after them is still decodable (for ADWIN:
 * unless absurd decoded sums overflowed to a non-finite number); a decoded
 * calibration map gives probabilities in [0, 1] and CBPE numbers in
 * [0, 1] for any scores in [0, 1]; every double goes through format and
 * parse with its bits unchanged.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/calibrate.h"
#include "core/cbpe.h"
#include "core/codec.h"
#include "core/detect-adwin.h"
#include "core/detect-ddm.h"
#include "core/monitor.h"

#include "fuzz.h"

#define FUZZ_STATE_MAX	(64 * 1024)	/* bytes of input looked at */
#define FUZZ_UPDATES	80		/* updates without a stream */
#define FUZZ_STREAM_MAX	4096		/* updates with one */

/* The error stream fed after a decode: n_updates bits of data. */
struct stream {
	const uint8_t	*data;
	size_t		 size;
	size_t		 n_updates;
};

/* Bit i of the stream, cycling. */
static bool
input_bit(const struct stream *st, size_t i)
{
	if (st->size == 0)
		return (i % 3) == 0;
	return (st->data[(i / 8) % st->size] >> (i % 8)) & 1;
}

static bool
has_nonfinite(const char *s)
{
	return strstr(s, "nan") != NULL || strstr(s, "inf") != NULL;
}

static void
fuzz_ddm(const char *s, const struct stream *st)
{
	struct ddm d, d2;
	char *e1, *e2;
	size_t i;

	if (!ddm_decode(s, &d))
		return;
	e1 = ddm_encode(&d);
	FUZZ_CHECK(ddm_decode(e1, &d2));
	e2 = ddm_encode(&d2);
	FUZZ_CHECK(strcmp(e1, e2) == 0);
	free(e2);
	free(e1);

	for (i = 0; i < st->n_updates; i++)
		FUZZ_CHECK(ddm_update(&d, input_bit(st, i)) <=
		    DDM_DRIFT);
	/* p and s stay in [0, 1] and n does not wrap: always decodable. */
	e1 = ddm_encode(&d);
	FUZZ_CHECK(ddm_decode(e1, &d2));
	free(e1);
}

static void
fuzz_adwin(const char *s, const struct stream *st)
{
	struct adwin *a, *a2;
	char *e1, *e2;
	size_t i;

	if ((a = adwin_decode(s)) == NULL)
		return;
	e1 = adwin_encode(a);
	FUZZ_CHECK((a2 = adwin_decode(e1)) != NULL);
	e2 = adwin_encode(a2);
	FUZZ_CHECK(strcmp(e1, e2) == 0);
	FUZZ_CHECK(adwin_width(a) == adwin_width(a2));
	free(e2);
	free(e1);
	adwin_destroy(a2);

	for (i = 0; i < st->n_updates; i++)
		adwin_update(a, input_bit(st, i) ? 1.0 : 0.0);
	(void)adwin_mean(a);
	e1 = adwin_encode(a);
	a2 = adwin_decode(e1);
	FUZZ_CHECK(a2 != NULL || has_nonfinite(e1));
	adwin_destroy(a2);
	free(e1);
	adwin_destroy(a);
}

static void
fuzz_detectors(const char *s, const struct stream *st)
{
	struct detectors d, d2;
	struct detector_report rep;
	struct monitor_batch b;
	int predicted[FUZZ_STREAM_MAX], truth[FUZZ_STREAM_MAX];
	char *e1, *e2;
	size_t i;

	if (!detectors_decode(s, &d))
		return;
	e1 = detectors_encode(&d);
	FUZZ_CHECK(detectors_decode(e1, &d2));
	e2 = detectors_encode(&d2);
	FUZZ_CHECK(strcmp(e1, e2) == 0);
	free(e2);
	free(e1);
	detectors_finish(&d2);

	/*
	 * One batch through detectors_feed, as ingest does after resuming:
	 * per row a predicted class, then right (bit set) or not (wrong, or
	 * unlabelled every third row).
	 */
	for (i = 0; i < st->n_updates / 2; i++) {
		predicted[i] = input_bit(st, 2 * i);
		if (input_bit(st, 2 * i + 1))
			truth[i] = predicted[i];
		else
			truth[i] = i % 3 == 0 ? -1 : 1 - predicted[i];
	}
	memset(&b, 0, sizeof b);
	b.batch_id = 1;
	b.n_rows = st->n_updates / 2;
	b.predicted = predicted;
	b.true_class = truth;
	detectors_feed(&d, &b, &rep);
	FUZZ_CHECK(rep.n_fed <= b.n_rows);
	FUZZ_CHECK((unsigned)rep.ddm_state <= DDM_DRIFT);
	e1 = detectors_encode(&d);
	if (detectors_decode(e1, &d2))
		detectors_finish(&d2);
	else
		FUZZ_CHECK(has_nonfinite(e1));
	free(e1);
	detectors_finish(&d);
}

/*
 * A decoded map re-encodes exactly; a batch of a few rows with scores in
 * [0, 1] taken from the stream maps and estimates inside [0, 1].
 */
static void
fuzz_calib(const char *s, const struct stream *st)
{
	enum { ROWS = 4 };
	struct cbpe_estimate e;
	struct calib *c, *c2;
	char *e1, *e2, *cause = NULL;
	double *scores, *p;
	int pred[ROWS], j;
	size_t i, k;

	if ((c = calib_decode(s, &cause)) == NULL) {
		FUZZ_CHECK(cause != NULL);
		free(cause);
		return;
	}
	e1 = calib_encode(c);
	FUZZ_CHECK((c2 = calib_decode(e1, &cause)) != NULL);
	e2 = calib_encode(c2);
	FUZZ_CHECK(strcmp(e1, e2) == 0);
	free(e1);
	free(e2);
	calib_destroy(c2);

	k = (size_t)c->k;
	scores = calloc(ROWS * k, sizeof *scores);
	p = calloc(k, sizeof *p);
	if (scores == NULL || p == NULL)
		abort();
	for (i = 0; i < ROWS * k; i++)
		scores[i] = input_bit(st, 3 * i) * 0.5 +
		    input_bit(st, 3 * i + 1) * 0.25 +
		    input_bit(st, 3 * i + 2) * 0.25;
	for (i = 0; i < ROWS; i++) {
		pred[i] = (int)(i % k);
		calib_apply(c, scores + i * k, p);
		for (j = 0; j < c->k; j++)
			FUZZ_CHECK(p[j] >= 0.0 && p[j] <= 1.0);
	}
	cbpe_estimate(c, scores, pred, ROWS, c->k, &e);
	FUZZ_CHECK(e.accuracy_lower >= 0.0 && e.accuracy_upper <= 1.0);
	FUZZ_CHECK(e.f1_lower >= 0.0 && e.f1_upper <= 1.0);
	FUZZ_CHECK(isfinite(e.accuracy_se) && isfinite(e.f1_se));
	cbpe_estimate_finish(&e);
	free(scores);
	free(p);
	calib_destroy(c);
}

/* Parse doubles and integers at every offset where one may start. */
static void
fuzz_codec(const char *s, const uint8_t *data, size_t size)
{
	char buf[CODEC_DOUBLE_MAX];
	const char *p, *q;
	double v, w;
	uint64_t u, bits;
	size_t i, len = strlen(s);

	for (i = 0; i < len && i < 256; i++) {
		p = s + i;
		if (codec_parse_double(&p, &v)) {
			FUZZ_CHECK(p > s + i && p <= s + len);
			FUZZ_CHECK(!isnan(v));
			codec_format_double(v, buf);
			q = buf;
			FUZZ_CHECK(codec_parse_double(&q, &w));
			FUZZ_CHECK(*q == '\0');
			FUZZ_CHECK(memcmp(&v, &w, sizeof v) == 0);
		}
		p = s + i;
		if (codec_parse_u64(&p, &u))
			FUZZ_CHECK(p > s + i && p <= s + len);
	}

	/* Every 8 input bytes as the bits of a double. */
	for (i = 0; i + 8 <= size && i < 8 * 32; i += 8) {
		memcpy(&bits, data + i, sizeof bits);
		memcpy(&v, &bits, sizeof v);
		codec_format_double(v, buf);
		FUZZ_CHECK(memchr(buf, '\0', sizeof buf) != NULL);
		q = buf;
		if (isnan(v)) {
			FUZZ_CHECK(!codec_parse_double(&q, &w));
			continue;
		}
		FUZZ_CHECK(codec_parse_double(&q, &w));
		FUZZ_CHECK(*q == '\0');
		FUZZ_CHECK(memcmp(&v, &w, sizeof v) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream st;
	const uint8_t *nul;
	char *s;

	if (size > FUZZ_STATE_MAX)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';

	st.data = data;
	st.size = size;
	st.n_updates = FUZZ_UPDATES;
	if ((nul = memchr(data, '\0', size)) != NULL) {
		st.data = nul + 1;
		st.size = size - (size_t)(nul + 1 - data);
		st.n_updates = 8 * st.size;
		if (st.n_updates > FUZZ_STREAM_MAX)
			st.n_updates = FUZZ_STREAM_MAX;
	}

	fuzz_detectors(s, &st);
	fuzz_ddm(s, &st);
	fuzz_adwin(s, &st);
	fuzz_calib(s, &st);
	fuzz_codec(s, data, size);

	free(s);
	return 0;
}
