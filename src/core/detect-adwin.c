/*
 * The window is an exponential histogram: row r holds up to
 * ADWIN_MAX_BUCKETS buckets, each summarising 2^r consecutive values by
 * their total and their sum of squared deviations from the bucket mean.
 * Within a row bucket 0 is the oldest; higher rows are older. When a row
 * reaches max + 1 buckets its two oldest merge into one bucket of the next
 * row. width, total and variance (sum of squared deviations of the whole
 * window) are kept incrementally as river does.
 *
 * Text form, one line:
 *   adwin/1 delta=.. clock=32 maxb=5 minlen=5 grace=10 width=.. total=..
 *   var=.. tick=.. det=.. rows=R {n t v t v ..} x R
 */
#include "detect-adwin.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "strbuf.h"
#include "xalloc.h"

#define ADWIN_MAX_ROWS	62	/* 2^62 values: far beyond any stream */

/* A bucket's total and sum of squared deviations from its mean. */
struct adwin_bucket {
	double	total;
	double	var;
};

/* Buckets past count are zero: a shift moves the whole array. */
struct adwin_row {
	int			count;
	struct adwin_bucket	b[ADWIN_MAX_BUCKETS + 1];
};

struct adwin {
	double			 delta;
	uint64_t		 width;
	double			 total;
	double			 variance;
	uint64_t		 tick;
	uint64_t		 detections;
	int			 n_rows;	/* rows in use, >= 1 */
	struct adwin_row	 rows[ADWIN_MAX_ROWS];
};

struct adwin *
adwin_create(double delta)
{
	struct adwin *a = xcalloc(1, sizeof *a);

	a->delta = delta;
	a->n_rows = 1;
	return a;
}

void
adwin_destroy(struct adwin *a)
{
	free(a);
}

uint64_t
adwin_width(const struct adwin *a)
{
	return a->width;
}

double
adwin_mean(const struct adwin *a)
{
	return a->width ? a->total / (double)a->width : 0.0;
}

uint64_t
adwin_detections(const struct adwin *a)
{
	return a->detections;
}

double
adwin_total(const struct adwin *a)
{
	return a->total;
}

double
adwin_variance(const struct adwin *a)
{
	return a->variance;
}

static void
row_push(struct adwin_row *r, double total, double var)
{
	r->b[r->count].total = total;
	r->b[r->count].var = var;
	r->count++;
}

/* Values per bucket of row i: 2^i, exactly what ldexp(1.0, i) gives. */
static double
row_size(int i)
{
	return (double)((uint64_t)1 << i);
}

/*
 * Drop the n oldest buckets of a row (n is 1 or 2, known where it is
 * called): the whole array moves down n places through a copy of fixed
 * size (inlined loads and stores, not a memmove call) and the n places
 * freed at its end are zeroed (those past count were zero).
 */
static inline void
row_shift(struct adwin_row *r, int n)
{
	enum { ALL = ADWIN_MAX_BUCKETS + 1 };
	struct adwin_bucket keep[ALL];

	memcpy(keep, r->b + n, (size_t)(ALL - n) * sizeof keep[0]);
	memcpy(r->b, keep, (size_t)(ALL - n) * sizeof keep[0]);
	memset(r->b + ALL - n, 0, (size_t)n * sizeof r->b[0]);
	r->count -= n;
}

/* Merge the two oldest buckets of each overfull row into the next row. */
static void
adwin_compress(struct adwin *a)
{
	struct adwin_row *r, *next;
	double n, mu1, mu2, t, v;
	int i;

	for (i = 0; i < a->n_rows; i++) {
		r = &a->rows[i];
		if (r->count <= ADWIN_MAX_BUCKETS)
			break;
		if (i + 1 == a->n_rows) {
			if (a->n_rows == ADWIN_MAX_ROWS)
				break;
			a->n_rows++;
			memset(&a->rows[i + 1], 0, sizeof a->rows[i + 1]);
		}
		next = &a->rows[i + 1];
		n = row_size(i);
		mu1 = r->b[0].total / n;
		mu2 = r->b[1].total / n;
		t = r->b[0].total + r->b[1].total;
		v = r->b[0].var + r->b[1].var + n * n * (mu1 - mu2) *
		    (mu1 - mu2) / (n + n);
		row_push(next, t, v);
		row_shift(r, 2);
	}
}

/* Remove the oldest bucket; returns its size. */
static double
adwin_drop_oldest(struct adwin *a)
{
	struct adwin_row *r = &a->rows[a->n_rows - 1];
	double n = row_size(a->n_rows - 1);
	double u = r->b[0].total, v = r->b[0].var, mu = u / n, muw;

	a->width -= (uint64_t)n;
	a->total -= u;
	if (a->width > 0) {
		muw = a->total / (double)a->width;
		a->variance -= v + n * (double)a->width * (mu - muw) *
		    (mu - muw) / (n + (double)a->width);
	} else {
		a->variance = 0.0;
	}
	row_shift(r, 1);
	if (r->count == 0 && a->n_rows > 1)
		a->n_rows--;
	return n;
}

/* log(2 ln(width) / delta): the same for every cut of one pass. */
static double
adwin_dp(const struct adwin *a)
{
	return log(2.0 * log((double)a->width) / a->delta);
}

static bool
adwin_cut(const struct adwin *a, double dp, double n0, double n1,
    double diff)
{
	double w = (double)a->width;
	double m = 1.0 / (n0 - ADWIN_MIN_WINDOW + 1) +
	    1.0 / (n1 - ADWIN_MIN_WINDOW + 1);
	double var = a->variance / w;
	double eps = sqrt(2.0 * m * var * dp) + 2.0 / 3.0 * dp * m;

	return fabs(diff) > eps;
}

/* One pass over the cuts, oldest first; true if the oldest was dropped. */
static bool
adwin_reduce(struct adwin *a)
{
	const struct adwin_row *r;
	double n0 = 0.0, n1 = (double)a->width, u0 = 0.0, u1 = a->total;
	double size, dp = 0.0;
	bool have_dp = false;
	int i, k;

	for (i = a->n_rows - 1; i >= 0; i--) {
		r = &a->rows[i];
		size = row_size(i);
		for (k = 0; k < r->count; k++) {
			n0 += size;
			n1 -= size;
			u0 += r->b[k].total;
			u1 -= r->b[k].total;
			if (n1 <= 0.0)
				return false;
			if (n0 < ADWIN_MIN_WINDOW || n1 < ADWIN_MIN_WINDOW)
				continue;
			/* The width changes only when a cut drops rows. */
			if (!have_dp) {
				dp = adwin_dp(a);
				have_dp = true;
			}
			if (adwin_cut(a, dp, n0, n1, u0 / n0 - u1 / n1)) {
				adwin_drop_oldest(a);
				return true;
			}
		}
	}
	return false;
}

bool
adwin_update(struct adwin *a, double value)
{
	double w, d;
	bool change = false;

	row_push(&a->rows[0], value, 0.0);
	a->width++;
	if (a->width > 1) {
		w = (double)a->width;
		d = value - a->total / (w - 1.0);
		a->variance += (w - 1.0) * d * d / w;
	}
	a->total += value;
	adwin_compress(a);

	a->tick++;
	if (a->tick % ADWIN_CLOCK == 0 && a->width > ADWIN_GRACE) {
		while (a->width > 0 && adwin_reduce(a))
			change = true;
	}
	if (change)
		a->detections++;
	return change;
}

char *
adwin_encode(const struct adwin *a)
{
	struct strbuf b = STRBUF_INIT;
	int i, k;

	strbuf_addf(&b, "adwin/1 delta=");
	codec_put_double(&b, a->delta);
	strbuf_addf(&b, " clock=%d maxb=%d minlen=%d grace=%d width=%llu"
	    " total=", ADWIN_CLOCK, ADWIN_MAX_BUCKETS, ADWIN_MIN_WINDOW,
	    ADWIN_GRACE, (unsigned long long)a->width);
	codec_put_double(&b, a->total);
	strbuf_addf(&b, " var=");
	codec_put_double(&b, a->variance);
	strbuf_addf(&b, " tick=%llu det=%llu rows=%d",
	    (unsigned long long)a->tick, (unsigned long long)a->detections,
	    a->n_rows);
	for (i = 0; i < a->n_rows; i++) {
		strbuf_addf(&b, " {%d", a->rows[i].count);
		for (k = 0; k < a->rows[i].count; k++) {
			strbuf_add(&b, " ", 1);
			codec_put_double(&b, a->rows[i].b[k].total);
			strbuf_add(&b, " ", 1);
			codec_put_double(&b, a->rows[i].b[k].var);
		}
		strbuf_add(&b, "}", 1);
	}
	return strbuf_take(&b);
}

static bool
expect_u64(const char **s, const char *lit, uint64_t *v)
{
	return codec_expect(s, lit) && codec_parse_u64(s, v);
}

static bool
expect_double(const char **s, const char *lit, double *v)
{
	return codec_expect(s, lit) && codec_parse_double(s, v) &&
	    isfinite(*v);
}

/* Parse and check everything into a; false on any inconsistency. */
static bool
adwin_parse(const char *s, struct adwin *a)
{
	uint64_t clock, maxb, minlen, grace, rows, count, width = 0;
	struct adwin_row *r;
	uint64_t i, k;

	if (!codec_expect(&s, "adwin/1") ||
	    !expect_double(&s, " delta=", &a->delta) ||
	    !expect_u64(&s, " clock=", &clock) ||
	    !expect_u64(&s, " maxb=", &maxb) ||
	    !expect_u64(&s, " minlen=", &minlen) ||
	    !expect_u64(&s, " grace=", &grace) ||
	    !expect_u64(&s, " width=", &a->width) ||
	    !expect_double(&s, " total=", &a->total) ||
	    !expect_double(&s, " var=", &a->variance) ||
	    !expect_u64(&s, " tick=", &a->tick) ||
	    !expect_u64(&s, " det=", &a->detections) ||
	    !expect_u64(&s, " rows=", &rows))
		return false;
	if (!(a->delta > 0.0 && a->delta < 1.0) || clock != ADWIN_CLOCK ||
	    maxb != ADWIN_MAX_BUCKETS || minlen != ADWIN_MIN_WINDOW ||
	    grace != ADWIN_GRACE || rows < 1 || rows > ADWIN_MAX_ROWS)
		return false;
	a->n_rows = (int)rows;
	for (i = 0; i < rows; i++) {
		r = &a->rows[i];
		if (!expect_u64(&s, " {", &count) || count > ADWIN_MAX_BUCKETS)
			return false;
		for (k = 0; k < count; k++) {
			if (!expect_double(&s, " ", &r->b[k].total) ||
			    !expect_double(&s, " ", &r->b[k].var))
				return false;
		}
		r->count = (int)count;
		if (!codec_expect(&s, "}"))
			return false;
		if (count > (UINT64_MAX - width) >> i)
			return false;
		width += count << i;
	}
	if (*s == '\n')
		s++;
	if (*s != '\0')
		return false;
	/* The last row is never empty unless the window is. */
	if (rows > 1 && a->rows[rows - 1].count == 0)
		return false;
	/*
	 * A width near 2^64 would wrap on the next updates and leave a
	 * state that no longer decodes; 2^53 values is beyond any stream.
	 */
	return width == a->width && width <= (UINT64_C(1) << 53);
}

struct adwin *
adwin_decode(const char *s)
{
	struct adwin *a;

	if (s == NULL)
		return NULL;
	a = xcalloc(1, sizeof *a);
	if (!adwin_parse(s, a)) {
		free(a);
		return NULL;
	}
	return a;
}
