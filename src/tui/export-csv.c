/*
 * --once --format csv: a header line, then one row per batch (overview),
 * per feature and batch (drift), per bin, per alert or per model (fleet),
 * the model first; empty fields where the console shows "n/a", text
 * sanitised and quoted (RFC 4180, formulas defused).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/export-internal.h"
#include "tui/render.h"

/* Largest PSI of batch slot i over the features; NAN when none. */
static double
series_max_psi(const struct query_series *s, size_t i)
{
	double m = NAN, v;
	size_t f;

	for (f = 0; f < s->n_features; f++) {
		v = s->psi[i * s->n_features + f];
		if (!isnan(v) && (isnan(m) || v > m))
			m = v;
	}
	return m;
}

void
export_csv_field(FILE *out, const char *s)
{
	char *clean = export_clean(s), *p;
	size_t n = strlen(clean);
	bool quote, formula;

	/*
	 * Text that a spreadsheet would run as a formula (=, +, -, @ first)
	 * gets a leading apostrophe, quoted (OWASP "CSV injection").
	 */
	formula = n > 0 && strchr("=+-@", clean[0]) != NULL;
	quote = formula || strpbrk(clean, ",\"") != NULL || (n > 0 &&
	    (clean[0] == ' ' || clean[n - 1] == ' '));
	if (!quote) {
		fputs(clean, out);
		free(clean);
		return;
	}
	fputc('"', out);
	if (formula)
		fputc('\'', out);
	for (p = clean; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
	free(clean);
}

void
export_csv_number(FILE *out, double v)
{
	char buf[32];

	/* 15 digits, as cJSON prints: 0.79, not 0.78999999999999992. */
	if (!isfinite(v))
		return;
	snprintf(buf, sizeof buf, "%.15g", v);
	fputs(buf, out);
}

static void
csv_int(FILE *out, int64_t v)
{
	fprintf(out, "%lld", (long long)v);
}

/* The first column of every row: the model shown (a plain name). */
static void
csv_model(const struct app *a, FILE *out)
{
	fputs(query_model(a->q), out);
	fputc(',', out);
}

static void
csv_overview(const struct app *a, FILE *out)
{
	const struct query_series *s = &a->series;
	size_t i, k;

	for (i = 0; i < s->n; i++) {
		const double v[] = { s->acc[i], s->f1[i], s->ece[i],
		    series_max_psi(s, i), s->ls_p[i], s->est_acc[i],
		    s->est_acc_lo[i], s->est_acc_hi[i], s->est_f1[i] };

		csv_model(a, out);
		csv_int(out, s->lo + (int64_t)i);
		for (k = 0; k < sizeof v / sizeof v[0]; k++) {
			fputc(',', out);
			export_csv_number(out, v[k]);
		}
		fputs(s->eflags[i] & QUERY_E_AVAILABLE ? (s->eflags[i] &
		    QUERY_E_DECAY ? ",1" : ",0") : ",", out);
		fputc('\n', out);
	}
}

static void
csv_drift(const struct app *a, FILE *out)
{
	const struct query_series *s = &a->series;
	const struct query_overview *ov = query_overview(a->q);
	const char *flags[EXPORT_FLAGS_MAX];
	size_t f, i, nf = s->n_features, at;
	double psi, p;
	int k, n;

	for (f = 0; f < ov->n_features && f < nf; f++) {
		for (i = 0; i < s->n; i++) {
			psi = s->psi[i * nf + f];
			p = s->ks_p[i * nf + f];
			csv_model(a, out);
			export_csv_field(out, ov->feature_names[f]);
			fputc(',', out);
			csv_int(out, s->lo + (int64_t)i);
			fputc(',', out);
			export_csv_number(out, psi);
			fputc(',', out);
			export_csv_number(out, p);
			fputc(',', out);
			n = export_flags(s->fverdict[i * nf + f], flags);
			for (k = 0; k < n; k++)
				fprintf(out, "%s%s", k > 0 ? " " : "",
				    flags[k]);
			at = i * nf + f;
			fputc(',', out);
			export_csv_number(out, s->missing[at]);
			fprintf(out, ",%s,", s->fverdict[at] &
			    QUERY_F_CATEGORICAL ? "categorical" : "numeric");
			export_csv_number(out, s->chisq_p[at]);
			fputc(',', out);
			export_csv_number(out, s->new_share[at]);
			fputc('\n', out);
		}
	}
}

static void
csv_calibration(const struct app *a, FILE *out)
{
	const struct query_calib *q = &a->calib;
	const struct reliability_bin *b;
	int i;

	if (!q->exists || !q->labelled)
		return;
	for (i = 0; i < CALIB_BINS; i++) {
		b = &q->bins[i];
		csv_model(a, out);
		fprintf(out, "%lld,%.1f,%.1f,%llu,", (long long)q->batch_id,
		    i / (double)CALIB_BINS, (i + 1) / (double)CALIB_BINS,
		    (unsigned long long)b->count);
		if (b->count > 0) {
			export_csv_number(out, b->mean_confidence);
			fputc(',', out);
			export_csv_number(out, b->accuracy);
		} else
			fputc(',', out);
		fputc('\n', out);
	}
}

static void
csv_alerts(const struct app *a, FILE *out)
{
	const struct query_alert *al;
	size_t i;

	for (i = 0; i < a->alerts.n; i++) {
		al = &a->alerts.rows[i];
		fputs(al->model, out);	/* a plain name: no quoting */
		fputc(',', out);
		fprintf(out, "%lld,%lld,", (long long)al->id,
		    (long long)al->batch_id);
		export_csv_number(out, al->sent_at);
		fputc(',', out);
		export_csv_field(out, al->severity);
		fputc(',', out);
		export_csv_field(out, al->kind);
		fputc(',', out);
		export_csv_field(out, al->status);
		fputc(',', out);
		export_csv_field(out, al->channel);
		fprintf(out, ",%d,", al->attempts);
		export_csv_field(out, al->message);
		fputc('\n', out);
	}
}

/* One row per model shown, worst first (the frame's order). */
static void
csv_fleet(const struct app *a, FILE *out)
{
	const struct query_fleet_row *r;
	enum role role;
	size_t *idx, n, i;

	n = fleet_order(a, &idx);
	for (i = 0; i < n; i++) {
		r = &a->fleet.rows[idx[i]];
		fprintf(out, "%s,%s,", r->model, fleet_state(a, r, &role));
		if (r->latest_batch >= 0)
			csv_int(out, r->latest_batch);
		fputc(',', out);
		if (r->last_write > 0)
			export_csv_number(out, a->now - r->last_write);
		fprintf(out, ",%d,", fleet_stale(a, r));
		export_csv_number(out, r->rows_per_min);
		fputc(',', out);
		csv_int(out, r->rows);
		fputc(',', out);
		if (r->rows > 0)
			export_csv_number(out, (double)r->labelled /
			    (double)r->rows);
		fputc(',', out);
		if (r->has_perf) {
			export_csv_number(out, r->accuracy);
			fputc(',', out);
			export_csv_number(out, r->acc_delta);
		} else
			fputc(',', out);
		fprintf(out, ",%s,%lld,%lld,", fleet_drift_name(r->drift),
		    (long long)r->open_critical, (long long)r->open_warning);
		if (r->last_page > 0)
			export_csv_number(out, r->last_page);
		fputc('\n', out);
	}
	free(idx);
}

int
export_csv(const struct app *a, FILE *out)
{
	static void (*const tables[TAB_COUNT])(const struct app *, FILE *) = {
		csv_overview, csv_drift, csv_calibration, csv_alerts,
		csv_fleet,
	};
	static const char *const headers[TAB_COUNT] = {
		"model,batch,accuracy,f1,ece,max_psi,label_shift_p,"
		    "est_accuracy,est_accuracy_lower,est_accuracy_upper,est_f1,"
		    "estimated_decay\n",
		"model,feature,batch,psi,ks_p,flags,missing_share,kind,"
		    "chisq_p,new_share\n",
		"model,batch,bin_lo,bin_hi,count,mean_confidence,accuracy\n",
		"model,id,batch,sent_at,severity,kind,status,channel,attempts,"
		    "message\n",
		"model,state,latest_batch,last_write_age_s,stale,rows_per_min,"
		    "rows,labelled_share,accuracy,accuracy_delta,drift,"
		    "open_critical,open_warning,last_page\n",
	};

	/* No data yet: the header alone, so a script sees the columns. */
	fputs(headers[a->tab], out);
	if (query_state(a->q) == QUERY_OK)
		tables[a->tab](a, out);
	return ferror(out) ? -1 : 0;
}

