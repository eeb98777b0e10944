/*
 * The calibrated policy on a closed batch (policy.h, judge.h): each
 * feature's PSI gets a p-value from its null at the reference's and the
 * batch's sizes, then KS, PSI and the label-shift homogeneity test are
 * judged as one family and the reports' verdicts are set from that
 * judgement. A categorical feature takes part with its chi-squared
 * homogeneity p-value in the place of KS and its PSI's chi-squared
 * approximation (monitor-cat.c): confirmed drift is the same two kinds
 * of evidence agreeing. Under the seed policy nothing here runs and the monitors'
 * fixed-threshold verdicts stand.
 *
 * The nulls are cached on the reference, one per feature and batch size
 * (the present values of each: with missing values a feature's sizes are
 * its own). Batch sizes are taken to a grid first: exact up to 32 rows,
 * above that rounded down to 16 steps per octave (at most 6% smaller),
 * so time windows of varying size share a few fits; a smaller size has
 * a wider null, so the rounding only makes the test conservative. Each
 * fit's seed is fixed by the feature and the grid size, so a restarted
 * ingest computes the same null.
 *
 * The joint tests' nulls (judge-joint.h) are cached beside them, one
 * pair per grid batch size, and stored with the reference too, in a text
 * of their own ("joint-nulls 1"): each is fixed by the reference, the grid
 * size and its seed, so a restarted ingest or the backtest reads what it
 * would fit again (the fit is most of a first judgement's work). A text of
 * another version is not read (the nulls are fitted again); one fitted
 * with other draws or another seed is passed over the same way.
 */
#include "monitor-judge.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drift-missing.h"
#include "drift-psi.h"
#include "judge.h"
#include "judge-joint.h"
#include "monitor-internal.h"
#include "psi-null.h"
#include "strbuf.h"
#include "xalloc.h"

#define JUDGE_NULL_SEED		0x6d6c6d6f6e2d3137ULL	/* "mlmon-17" */
#define JUDGE_CACHE_SIZES	16	/* batch sizes kept per feature */
#define JUDGE_NULLS_TAG		"psi-nulls 1"
#define JUDGE_JOINT_TAG		"joint-nulls 1"
#define JUDGE_JOINT_SEED	0x6a6f696e742d3137ULL	/* "joint-17" */
#define JUDGE_JOINT_NAME	0.05	/* a feature named behind a joint */
					/* confirmation: both p <= this */

struct monitor_psi_entry {
	size_t		 feature;
	size_t		 size;		/* grid batch size */
	struct psi_null	 null;
};

struct monitor_joint_entry {
	size_t		 size;		/* grid batch size */
	struct psi_null	 ks, psi;	/* T_KS's and T_PSI's */
};

struct monitor_psi_cache {
	size_t			 n, cap;
	size_t			 next;	/* slot replaced when full */
	bool			 dirty;	/* fitted since the last take */
	struct monitor_psi_entry *e;	/* cap entries */
	size_t			 nj, jnext;	/* joint nulls, */
	struct monitor_joint_entry j[JUDGE_CACHE_SIZES];	/* a ring */
	bool			 cov_tried;	/* Hotelling's reference */
	bool			 cov_ok;	/* side, computed once */
	struct joint_cov	 cov;
};

size_t
monitor_judge_grid(size_t rows)
{
	size_t step = 1, r = rows;

	if (rows <= 32)
		return rows;
	while (r >= 32) {	/* step = 2^(floor(log2 rows) - 4) */
		r >>= 1;
		step <<= 1;
	}
	return rows / step * step;
}

/*
 * The null of feature f's PSI for batches of `rows` present values (taken
 * to the grid), against the reference column's present values.
 */
static struct monitor_psi_cache *
cache_of(const struct monitor_reference *ref)
{
	struct monitor_reference *mref = (struct monitor_reference *)ref;
	struct monitor_psi_cache *c = mref->psi_cache;

	if (c == NULL) {
		c = mref->psi_cache = xcalloc(1, sizeof *c);
		c->cap = JUDGE_CACHE_SIZES * (ref->n_features ?
		    ref->n_features : 1);
		c->e = xreallocarray(NULL, c->cap, sizeof *c->e);
	}
	return c;
}

/* The entry of (f, grid size m), or a slot for it (found: false). */
static struct monitor_psi_entry *
cache_slot(struct monitor_psi_cache *c, size_t f, size_t m, bool *found)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->e[i].feature == f && c->e[i].size == m) {
			*found = true;
			return &c->e[i];
		}
	*found = false;
	if (c->n < c->cap)
		i = c->n++;
	else {
		i = c->next;
		c->next = (c->next + 1) % c->cap;
	}
	c->e[i].feature = f;
	c->e[i].size = m;
	return &c->e[i];
}

static const struct psi_null *
psi_null_of(const struct monitor_reference *ref, size_t f, size_t rows)
{
	struct monitor_psi_cache *c = cache_of(ref);
	size_t m = monitor_judge_grid(rows);
	struct monitor_psi_entry *e;
	bool found;

	e = cache_slot(c, f, m, &found);
	if (!found) {
		psi_null_fit(ref->sorted + f * ref->n_rows,
		    ref->n_present[f], m, PSI_NULL_DRAWS, JUDGE_NULL_SEED ^
		    ((uint64_t)f << 32) ^ (uint64_t)m, &e->null);
		c->dirty = true;
	}
	return &e->null;
}

bool
monitor_judge_nulls_take(const struct monitor_reference *ref)
{
	struct monitor_psi_cache *c = ref->psi_cache;
	bool d = c != NULL && c->dirty;

	if (c != NULL)
		c->dirty = false;
	return d;
}

char *
monitor_judge_nulls_format(const struct monitor_reference *ref)
{
	const struct monitor_psi_cache *c = ref->psi_cache;
	struct strbuf b = STRBUF_INIT;
	char *t;
	size_t i;

	strbuf_addf(&b, "%s\n", JUDGE_NULLS_TAG);
	for (i = 0; c != NULL && i < c->n; i++) {
		t = psi_null_format(&c->e[i].null);
		strbuf_addf(&b, "%zu %zu %s\n", c->e[i].feature,
		    c->e[i].size, t);
		free(t);
	}
	return strbuf_take(&b);
}

/* One line "feature size <psi-null text>" of the stored nulls. */
static bool
nulls_line(const struct monitor_reference *ref, const char *line,
    size_t *f, size_t *m, struct psi_null *n, char **cause)
{
	char *end, *why = NULL;
	unsigned long long a, b;

	errno = 0;
	a = strtoull(line, &end, 10);
	if (end == line || *end != ' ' || errno != 0)
		return (*cause = xstrdup("no feature index")), false;
	line = end + 1;
	b = strtoull(line, &end, 10);
	if (end == line || *end != ' ' || errno != 0)
		return (*cause = xstrdup("no batch size")), false;
	if (a >= ref->n_features || b == 0 || b != monitor_judge_grid(b))
		return (*cause = xasprintf("feature %llu or batch size %llu"
		    " out of range", a, b)), false;
	if (!psi_null_parse(end + 1, n, &why))
		return (*cause = why), false;
	if (n->nref != ref->n_present[a] || n->nbatch != b)
		return (*cause = xstrdup("fitted for other sizes")), false;
	*f = (size_t)a;
	*m = (size_t)b;
	return true;
}

/* One line of stored nulls into the cache; false with *why. */
typedef bool	nulls_line_fn(const struct monitor_reference *, const char *,
		    char **);

/*
 * Each line of text after the first, which is tag, to fn; false with
 * *cause ("<what>: line N: reason") at the first line refused.
 */
static bool
nulls_lines(const struct monitor_reference *ref, const char *text,
    const char *tag, const char *what, nulls_line_fn *fn, char **cause)
{
	char *copy = xstrdup(text), *line, *nl, *why = NULL;
	size_t no = 1;
	bool ok = true;

	nl = strchr(copy, '\n');
	if (nl == NULL || (*nl = '\0', strcmp(copy, tag) != 0)) {
		*cause = xasprintf("%s: line 1: not %s", what, tag);
		free(copy);
		return false;
	}
	for (line = nl + 1; ok && *line != '\0'; line = nl + 1) {
		no++;
		if ((nl = strchr(line, '\n')) == NULL) {
			*cause = xasprintf("%s: line %zu: no newline", what,
			    no);
			ok = false;
			break;
		}
		*nl = '\0';
		if (!(ok = fn(ref, line, &why))) {
			*cause = xasprintf("%s: line %zu: %s", what, no, why);
			free(why);
		}
	}
	free(copy);
	return ok;
}

static bool
psi_nulls_line(const struct monitor_reference *ref, const char *line,
    char **why)
{
	struct monitor_psi_entry *e;
	struct psi_null n;
	size_t f, m;
	bool found;

	if (!nulls_line(ref, line, &f, &m, &n, why))
		return false;
	e = cache_slot(cache_of(ref), f, m, &found);
	e->null = n;
	return true;
}

bool
monitor_judge_nulls_parse(const struct monitor_reference *ref,
    const char *text, char **cause)
{
	return nulls_lines(ref, text, JUDGE_NULLS_TAG, "PSI nulls",
	    psi_nulls_line, cause);
}

/* The joint nulls of grid size m in the cache, or NULL. */
static struct monitor_joint_entry *
joint_find(struct monitor_psi_cache *c, size_t m)
{
	size_t i;

	for (i = 0; i < c->nj; i++)
		if (c->j[i].size == m)
			return &c->j[i];
	return NULL;
}

/* The slot for new joint nulls: a free one, else the ring's oldest. */
static struct monitor_joint_entry *
joint_slot(struct monitor_psi_cache *c)
{
	return &c->j[c->nj < JUDGE_CACHE_SIZES ? c->nj : c->jnext];
}

/* The slot of joint_slot filled: keep it. */
static void
joint_keep(struct monitor_psi_cache *c)
{
	if (c->nj < JUDGE_CACHE_SIZES)
		c->nj++;
	else
		c->jnext = (c->jnext + 1) % JUDGE_CACHE_SIZES;
}

char *
monitor_judge_joint_format(const struct monitor_reference *ref)
{
	const struct monitor_psi_cache *c = ref->psi_cache;
	struct strbuf b = STRBUF_INIT;
	char *k, *p;
	size_t i;

	strbuf_addf(&b, "%s\n", JUDGE_JOINT_TAG);
	for (i = 0; c != NULL && i < c->nj; i++) {
		if (c->j[i].size == 0)
			continue;	/* a fit a stop request cut short */
		k = psi_null_format(&c->j[i].ks);
		p = psi_null_format(&c->j[i].psi);
		strbuf_addf(&b, "%zu %s;%s\n", c->j[i].size, k, p);
		free(k);
		free(p);
	}
	return strbuf_take(&b);
}

/* "size <T_KS null>;<T_PSI null>" */
static bool
joint_nulls_line(const struct monitor_reference *ref, const char *line,
    char **why)
{
	struct monitor_psi_cache *c = cache_of(ref);
	struct monitor_joint_entry *e;
	struct psi_null ks, psi;
	unsigned long long m;
	char *end, *copy, *semi;
	bool ok;

	errno = 0;
	m = strtoull(line, &end, 10);
	if (end == line || *end != ' ' || errno != 0 || m == 0 ||
	    m != monitor_judge_grid(m))
		return (*why = xstrdup("no batch size of the grid")), false;
	copy = xstrdup(end + 1);
	if ((semi = strchr(copy, ';')) != NULL)
		*semi = '\0';
	ok = semi != NULL && psi_null_parse(copy, &ks, why) &&
	    psi_null_parse(semi + 1, &psi, why);
	free(copy);
	if (semi == NULL)
		return (*why = xstrdup("not two nulls")), false;
	if (!ok)
		return false;
	if (ks.nref != ref->n_rows || psi.nref != ref->n_rows ||
	    ks.nbatch != m || psi.nbatch != m)
		return (*why = xstrdup("fitted for other sizes")), false;
	if (ks.draws != JOINT_DRAWS || psi.draws != JOINT_DRAWS ||
	    ks.seed != (JUDGE_JOINT_SEED ^ m) || psi.seed != ks.seed)
		return true;	/* fitted otherwise: fitted again */
	if ((e = joint_find(c, m)) == NULL) {
		e = joint_slot(c);
		joint_keep(c);
	}
	e->size = m;
	e->ks = ks;
	e->psi = psi;
	return true;
}

bool
monitor_judge_joint_parse(const struct monitor_reference *ref,
    const char *text, char **cause)
{
	size_t n = strlen(JUDGE_JOINT_TAG);

	if (strncmp(text, JUDGE_JOINT_TAG, n) != 0 || text[n] != '\n')
		return true;	/* another version's: not read */
	return nulls_lines(ref, text, JUDGE_JOINT_TAG, "joint nulls",
	    joint_nulls_line, cause);
}

void
monitor_judge_cache_free(struct monitor_psi_cache *c)
{
	if (c == NULL)
		return;
	if (c->cov_ok)
		joint_cov_finish(&c->cov);
	free(c->e);
	free(c);
}

/*
 * The numeric features into idx, when the joint tests can run on this
 * batch (judge-joint.h: whole rows on both sides, two features or
 * more); else 0.
 */
static size_t
joint_features(const struct monitor_reference *ref,
    const struct feature_report *fr, size_t rows, size_t *idx)
{
	size_t f, k = 0, cols = ref->categorical != NULL ? ref->n_mmd_cols :
	    ref->n_features;

	if (ref->n_mmd_rows != ref->n_rows || cols < 2)
		return 0;
	for (f = 0; f < ref->n_features; f++) {
		if (fr->categorical != NULL && fr->categorical[f])
			continue;
		if (isnan(fr->ks_statistic[f]) || isnan(fr->psi[f]) ||
		    ref->n_present[f] != ref->n_rows || (fr->missing_seen &&
		    (size_t)fr->n_used[f] != rows))
			return 0;
		idx[k++] = f;
	}
	return k == cols ? k : 0;
}

/*
 * The joint nulls for batches of `rows` rows over the features idx[k];
 * NULL when a stop request cut the fit short.
 */
static const struct monitor_joint_entry *
joint_null_of(const struct monitor_reference *ref, const size_t *idx,
    size_t k, size_t rows)
{
	struct monitor_psi_cache *c = cache_of(ref);
	size_t m = monitor_judge_grid(rows), i;
	struct monitor_joint_entry *e;
	struct psi_null *nulls;
	const struct psi_null **np;

	if ((e = joint_find(c, m)) != NULL)
		return e;
	nulls = xreallocarray(NULL, k, sizeof *nulls);
	np = xreallocarray(NULL, k, sizeof *np);
	for (i = 0; i < k; i++) {	/* copies: a fit may reuse a slot */
		nulls[i] = *psi_null_of(ref, idx[i], rows);
		np[i] = &nulls[i];
	}
	e = joint_slot(c);
	e->size = m;
	if (!joint_null_fit(ref->rows, ref->n_rows, k, m, np, JOINT_DRAWS,
	    JUDGE_JOINT_SEED ^ (uint64_t)m, &e->ks, &e->psi)) {
		e->size = 0;	/* stopped: not kept (no batch has 0 rows) */
		e = NULL;
	} else {
		joint_keep(c);
		c->dirty = true;
	}
	free(nulls);
	free(np);
	return e;
}

/* Hotelling's T^2 of the batch's means of the features idx[k]. */
static void
joint_t2(const struct monitor_reference *ref, struct feature_report *fr,
    const size_t *idx, size_t k, size_t rows)
{
	struct monitor_psi_cache *c = cache_of(ref);
	double *mean;
	size_t i;

	if (!c->cov_tried) {
		c->cov_tried = true;
		c->cov_ok = joint_cov_init(&c->cov, ref->rows, ref->n_rows, k);
	}
	if (!c->cov_ok || fr->mean == NULL)
		return;
	mean = xreallocarray(NULL, k, sizeof *mean);
	for (i = 0; i < k; i++)
		mean[i] = fr->mean[idx[i]];
	fr->joint_t2_p = joint_hotelling(&c->cov, mean, rows, &fr->joint_t2);
	free(mean);
	if (isnan(fr->joint_t2_p))
		fr->joint_t2 = NAN;
}

/* The joint statistics and p-values of the batch into fr (NaN: none). */
static void
joint_test(const struct monitor_reference *ref, struct feature_report *fr,
    size_t rows)
{
	size_t *idx = xcalloc(fr->n_features, sizeof *idx), k, i, f;
	const struct monitor_joint_entry *e;
	double tk = 0.0, tp = 0.0;

	fr->joint_ks_stat = fr->joint_psi_stat = NAN;
	fr->joint_ks_p = fr->joint_psi_p = NAN;
	fr->joint_ks_q = fr->joint_psi_q = NAN;
	fr->joint_t2 = fr->joint_t2_p = fr->joint_t2_q = NAN;
	fr->joint_drift = false;
	if ((k = joint_features(ref, fr, rows, idx)) > 0) {
		for (i = 0; i < k; i++) {
			f = idx[i];
			tk += joint_ks_term(joint_lambda(fr->ks_statistic[f],
			    ref->n_present[f], rows));
			tp += joint_p_term(fr->psi_p_value[f]);
		}
		if ((e = joint_null_of(ref, idx, k, rows)) == NULL) {
			free(idx);
			return;
		}
		fr->joint_ks_stat = tk;
		fr->joint_psi_stat = tp;
		fr->joint_ks_p = psi_null_p_value(&e->ks, tk);
		fr->joint_psi_p = psi_null_p_value(&e->psi, tp);
		joint_t2(ref, fr, idx, k, rows);
	}
	free(idx);
}

/*
 * The joint tests confirmed each other: name the numeric features where
 * KS and PSI both point the same way at JUDGE_JOINT_NAME (raw p-values),
 * or, when none does, the one whose larger p-value is smallest.
 */
static void
joint_name(struct feature_report *fr)
{
	size_t f, best = SIZE_MAX, named = 0;
	double worst, best_worst = 2.0;

	fr->any_drift = true;
	for (f = 0; f < fr->n_features; f++) {
		if (fr->categorical != NULL && fr->categorical[f])
			continue;
		worst = fmax(fr->ks_p_value[f], fr->psi_p_value[f]);
		if (worst < best_worst) {
			best_worst = worst;
			best = f;
		}
		if (worst <= JUDGE_JOINT_NAME) {
			fr->drift_ks[f] = fr->drift_psi[f] = true;
			fr->investigate_psi[f] = false;
			named++;
		}
	}
	if (named == 0 && best != SIZE_MAX) {
		fr->drift_ks[best] = fr->drift_psi[best] = true;
		fr->investigate_psi[best] = false;
	}
}

/*
 * Set the feature report's verdicts from the judgement, in the terms the
 * rules read (rules.h): a confirmed feature has both flags; otherwise a
 * test's flag is its own critical verdict, so PSI critical alone is the
 * unconfirmed warning and KS critical alone is recorded in the report.
 */
static void
judge_features(struct feature_report *fr, const struct judge_report *j)
{
	size_t f;
	bool test;

	fr->any_drift = false;
	for (f = 0; f < fr->n_features; f++) {
		fr->ks_q[f] = j->ks_q[f];
		fr->psi_q[f] = j->psi_q[f];
		test = j->confirmed[f] || j->ks[f] == DRIFT_CRITICAL;
		/* A categorical feature's test is chi-squared (monitor.h). */
		if (fr->categorical != NULL && fr->categorical[f]) {
			fr->cat[f].drift_chisq = test;
			test = false;
		}
		fr->drift_ks[f] = test;
		fr->drift_psi[f] = j->confirmed[f] ||
		    j->psi[f] == DRIFT_CRITICAL;
		/* The investigate band: PSI at the warning level only. */
		fr->investigate_psi[f] = !fr->drift_psi[f] &&
		    j->psi[f] == DRIFT_WARNING;
		if (feature_test_drift(fr, f) || fr->drift_psi[f])
			fr->any_drift = true;
	}
}

/*
 * A categorical feature's two p-values: chi-squared homogeneity (in the
 * place of KS) and its PSI's (monitor-cat.c). No values: 1, as above.
 */
static void
judge_cat_p(const struct monitor_reference *ref, struct feature_report *fr,
    size_t f, double *test_p)
{
	const struct cat_feature *c = &fr->cat[f];

	*test_p = c->d.no_values || isnan(c->d.p_value) ? 1.0 :
	    c->d.p_value;
	fr->psi_p_value[f] = monitor_cat_psi_p(c, ref->n_present[f]);
}

/*
 * The missingness tests in the family: each feature with a missing value
 * in the batch or the reference (NULL when none has one).
 */
static double *
missing_family(const struct feature_report *fr)
{
	double *p;
	size_t f;

	if (!fr->missing_seen || fr->missing_p_value == NULL)
		return NULL;
	p = xreallocarray(NULL, fr->n_features ? fr->n_features : 1,
	    sizeof *p);
	for (f = 0; f < fr->n_features; f++)
		p[f] = fr->missing_share[f] > 0.0 ||
		    fr->ref_missing_share[f] > 0.0 ? fr->missing_p_value[f] :
		    NAN;
	return p;
}

/*
 * Missingness verdicts from the family: q at the warning level (the rule
 * is a warning) and the effect size as large as configured.
 */
static void
missing_verdicts(struct feature_report *fr, const struct judge_report *j,
    const struct policy_levels *lv)
{
	size_t f, nf = fr->n_features;

	if (!fr->missing_seen || fr->drift_missing == NULL)
		return;
	free(fr->missing_q);
	fr->missing_q = xreallocarray(NULL, nf ? nf : 1, sizeof *fr->missing_q);
	fr->any_missing_drift = false;
	for (f = 0; f < nf; f++) {
		fr->missing_q[f] = j->missing_q[f];
		fr->drift_missing[f] = !isnan(j->missing_q[f]) &&
		    j->missing_q[f] <= lv->warning &&
		    fabs(fr->missing_effect[f]) >= fr->missing_min_effect;
		if (fr->drift_missing[f])
			fr->any_missing_drift = true;
	}
}

/* The seed's missingness verdicts at c's levels (a report judged again). */
static void
missing_seed_verdicts(const struct monitor_config *c,
    struct feature_report *fr)
{
	struct missing_drift m;
	size_t f;

	if (!fr->missing_seen || fr->drift_missing == NULL)
		return;
	fr->any_missing_drift = false;
	fr->missing_alpha = c->missing_alpha;
	fr->missing_min_effect = c->missing_effect;
	for (f = 0; f < fr->n_features; f++) {
		memset(&m, 0, sizeof m);
		m.p_value = fr->missing_p_value[f];
		m.effect = fr->missing_effect[f];
		fr->drift_missing[f] = drift_missing_verdict(&m,
		    c->missing_alpha, c->missing_effect);
		if (fr->drift_missing[f])
			fr->any_missing_drift = true;
	}
	free(fr->missing_q);
	fr->missing_q = NULL;
}

void
monitor_judge(const struct monitor_reference *ref,
    const struct monitor_config *c, size_t rows, struct feature_report *fr,
    struct prediction_report *pr)
{
	size_t nf = fr->n_features, f, m;
	struct policy_levels lv;
	struct judge_input in;
	struct judge_report j;
	double *ks_p, *missing_p;

	if (c->policy != POLICY_CALIBRATED || nf != ref->n_features ||
	    ref->n_rows == 0 || rows == 0)
		return;
	policy_levels(c->false_page_rate, &lv);
	fr->calibrated = true;
	/* A report judged before (decoded from the store) is judged anew. */
	free(fr->psi_p_value);
	free(fr->ks_q);
	free(fr->psi_q);
	fr->psi_p_value = xcalloc(nf ? nf : 1, sizeof *fr->psi_p_value);
	fr->ks_q = xcalloc(nf ? nf : 1, sizeof *fr->ks_q);
	fr->psi_q = xcalloc(nf ? nf : 1, sizeof *fr->psi_q);
	ks_p = xcalloc(nf ? nf : 1, sizeof *ks_p);
	for (f = 0; f < nf; f++) {
		if (fr->categorical != NULL && fr->categorical[f]) {
			judge_cat_p(ref, fr, f, &ks_p[f]);
			continue;
		}
		/* No present value on one side: no evidence either way. */
		m = fr->missing_seen ? (size_t)fr->n_used[f] : rows;
		ks_p[f] = isnan(fr->ks_p_value[f]) ? 1.0 : fr->ks_p_value[f];
		fr->psi_p_value[f] = isnan(fr->psi[f]) || m == 0 ||
		    ref->n_present[f] == 0 ? 1.0 :
		    psi_null_p_value(psi_null_of(ref, f, m), fr->psi[f]);
	}
	joint_test(ref, fr, rows);
	missing_p = missing_family(fr);
	in.missing_p = missing_p;
	in.n_features = nf;
	in.ks_p = ks_p;
	in.psi_p = fr->psi_p_value;
	in.label_shift_p = pr != NULL && pr->n_classes >= 2 ?
	    pr->label_shift_homog_p_value : NAN;
	in.joint_ks_p = fr->joint_ks_p;
	in.joint_psi_p = fr->joint_psi_p;
	in.joint_t2_p = fr->joint_t2_p;
	judge_batch(&in, &lv, &j);
	free(ks_p);
	judge_features(fr, &j);
	fr->joint_ks_q = j.joint_ks_q;
	fr->joint_psi_q = j.joint_psi_q;
	fr->joint_t2_q = j.joint_t2_q;
	missing_verdicts(fr, &j, &lv);
	free(missing_p);
	if ((fr->joint_drift = j.joint_confirmed))
		joint_name(fr);
	if (pr != NULL) {
		pr->calibrated = true;
		pr->label_shift_q = j.label_shift_q;
		pr->label_shift_drift = j.label_shift != DRIFT_NONE;
		pr->label_shift_homog_drift = pr->label_shift_drift;
	}
	judge_report_finish(&j);
}

/* Errors among n rows at accuracy acc (acc = correct / n exactly). */
static uint64_t
errors_of(double acc, size_t n)
{
	double e = (double)n - nearbyint(acc * (double)n);

	return e <= 0.0 ? 0 : (uint64_t)e;
}

void
monitor_judge_performance(const struct monitor_reference *ref,
    const struct monitor_config *c, struct performance_report *perf)
{
	struct policy_levels lv;
	double a, ar;
	size_t nb = perf->n_rows, nr = ref->n_labelled;

	if (c->policy != POLICY_CALIBRATED || nb == 0 || !ref->has_labels ||
	    nr == 0)
		return;
	policy_levels(c->false_page_rate, &lv);
	a = perf->accuracy;
	ar = ref->accuracy;
	perf->calibrated = true;
	perf->acc_p_value = policy_error_rise_p(errors_of(a, nb), nb,
	    errors_of(ar, nr), nr);
	perf->acc_se = sqrt(a * (1.0 - a) / (double)nb +
	    ar * (1.0 - ar) / (double)nr);
	perf->any_decay = perf->acc_p_value <= lv.page;
	perf->acc_warning = perf->acc_p_value <= lv.warning;
}

void
monitor_judge_detectors(const struct monitor_config *c,
    const struct performance_report *perf, struct detector_report *d)
{
	bool corroborated = perf != NULL && perf->calibrated &&
	    perf->acc_warning;

	if (c->policy != POLICY_CALIBRATED)
		return;
	d->calibrated = true;
	d->ddm_signal = d->ddm_drift;
	d->adwin_signal = d->adwin_drift;
	d->acc_p_value = perf != NULL && perf->calibrated ?
	    perf->acc_p_value : NAN;
	d->ddm_drift = d->ddm_signal && corroborated;
	d->adwin_drift = d->adwin_signal && corroborated;
}

void
monitor_rejudge(const struct monitor_reference *ref,
    const struct monitor_config *c, size_t rows, struct feature_report *fr,
    struct prediction_report *pr, struct performance_report *perf,
    struct detector_report *dr)
{
	monitor_seed_verdicts(c, fr, pr, perf);
	missing_seed_verdicts(c, fr);
	if (dr != NULL && dr->calibrated) {	/* back to the signals */
		dr->ddm_drift = dr->ddm_signal;
		dr->adwin_drift = dr->adwin_signal;
		dr->calibrated = false;
	}
	monitor_judge(ref, c, rows, fr, pr);
	if (perf != NULL)
		monitor_judge_performance(ref, c, perf);
	if (dr != NULL)
		monitor_judge_detectors(c, perf, dr);
}
