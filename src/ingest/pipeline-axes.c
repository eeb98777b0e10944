/*
 * The pipeline's axes and its reference window: how many features and
 * classes there are, their names (the schema), and the reference rows the
 * monitors compare each batch with.
 *
 * Axes: the feature and class counts are fixed by the first of the stored
 * schema, a schema record, the reference, or the first row; a schema is
 * stored as soon as both are known from this stream's own schema,
 * reference or prediction records (names from a schema record, default
 * names otherwise). A stream without any (a labeler) never stores or pins
 * a schema: it reads the stored schema and reference when a record needs
 * them, again whenever another process has committed since it last found
 * none (PRAGMA data_version), so a labeler started before the predictions
 * writer picks up that writer's schema.
 *
 * Reference: reference records are collected in memory; at the first
 * record of any other kind (or at end of input) the reference "settles":
 * collected rows are stored (identical: accepted; different: refused
 * unless replace_reference), or the stored one is loaded. A reference
 * record after that is rejected.
 *
 * Calibration: with the reference comes its calibration map
 * (core/calibrate.h), for performance estimation. The stored map of the
 * stored reference is used; a writer that settles a reference without
 * one fits it on the reference's labelled rows and stores it beside the
 * reference; a process that only loads the reference fits it in memory
 * (the fit is deterministic: the same map).
 *
 * PSI nulls: the calibrated policy's nulls fitted on the reference
 * (core/monitor-judge.h) are stored beside it the same way, by the
 * writer that fits one when a batch closes (pipeline-monitors.c), and
 * loaded with the reference, so a restarted ingest or another writer
 * judges with the stored null instead of fitting it again.
 */
#include "ingest/pipeline-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calibrate.h"
#include "core/monitor-judge.h"
#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/store.h"
#include "ingest/config.h"
#include "ingest/proto.h"

char **
pl_copy_names(const char *const *v, size_t n)
{
	char	**out = xcalloc(n, sizeof *out);
	size_t	  i;

	for (i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

/* Do the names of this stream's schema record agree with sc? */
static bool
pending_names_match(const struct pipeline *p, const struct store_schema *sc)
{
	size_t	i;

	if ((p->n_pend_features > 0 && p->n_pend_features != sc->n_features) ||
	    (p->n_pend_classes > 0 &&
	    p->n_pend_classes != (size_t)sc->n_classes))
		return false;
	for (i = 0; i < p->n_pend_features; i++)
		if (strcmp(p->pend_features[i], sc->feature_names[i]) != 0)
			return false;
	for (i = 0; i < p->n_pend_classes; i++)
		if (strcmp(p->pend_classes[i], sc->class_names[i]) != 0)
			return false;
	return true;
}

/*
 * Read the stored schema while this process has none: at the first need,
 * then only after another process has committed (the data_version moved).
 * Found, it fixes the axes; it must agree with what this stream has set.
 */
int
pl_schema_refresh(struct pipeline *p, char **cause)
{
	struct store_schema	 sc;
	char			*why = NULL;
	int64_t			 v;
	int			 rc;

	if (p->schema_stored)
		return 0;
	v = store_version(p->s);
	if (p->schema_looked && v >= 0 && v == p->schema_version)
		return 0;
	rc = store_schema_get(p->s, &sc, &why);
	if (rc < 0) {
		pl_fatal(cause, why, "loading the schema");
		return -1;
	}
	p->schema_looked = true;
	p->schema_version = v;
	if (rc == 1)
		return 0;
	if ((p->n_features != 0 && p->n_features != sc.n_features) ||
	    (p->n_classes != 0 && p->n_classes != sc.n_classes) ||
	    !pending_names_match(p, &sc)) {
		*cause = xasprintf("another process stored a different schema "
		    "(%zu features, %d classes) than this stream's (%zu "
		    "features, %d classes, or other names)", sc.n_features,
		    sc.n_classes, p->n_features, p->n_classes);
		store_schema_finish(&sc);
		return -1;
	}
	if (pl_types_stored(p, &sc, cause) != 0) {
		store_schema_finish(&sc);
		return -1;
	}
	p->schema = sc;
	p->schema_stored = true;
	p->n_features = sc.n_features;
	p->n_classes = sc.n_classes;
	return 0;
}

/*
 * Store the schema once both axes are known from this stream's records
 * (never for a stream of labels alone), unless one is stored already.
 */
int
pl_schema_settle(struct pipeline *p, char **cause)
{
	struct store_schema	 sc;
	char			*why = NULL;
	size_t			 i;

	if (p->schema_stored || p->n_features == 0 || p->n_classes == 0)
		return 0;
	if (pl_schema_refresh(p, cause) != 0)
		return -1;
	/* Feature types wait for the first row (pipeline-types.c). */
	if (p->schema_stored || !p->types_fixed)
		return 0;
	store_schema_default(&sc, p->n_features, p->n_classes);
	if (p->any_cat)
		sc.categorical = pl_types_copy(p->types, p->n_features);
	for (i = 0; i < p->n_pend_features; i++) {
		free(sc.feature_names[i]);
		sc.feature_names[i] = xstrdup(p->pend_features[i]);
	}
	for (i = 0; i < p->n_pend_classes; i++) {
		free(sc.class_names[i]);
		sc.class_names[i] = xstrdup(p->pend_classes[i]);
	}
	if (store_schema_put(p->s, &sc, &why) != 0) {
		store_schema_finish(&sc);
		pl_fatal(cause, why, "storing the schema");
		return -1;
	}
	pl_mark_dirty(p);
	p->schema = sc;
	p->schema_stored = true;
	return 0;
}

/*
 * A schema record's names while no schema is stored: they fix the axes
 * and wait for pl_schema_settle (called here). 0 or -1.
 */
int
pl_schema_names(struct pipeline *p, const struct proto_record *r,
    char **cause)
{
	if (r->n_feature_names > 0) {
		xfree_strings(p->pend_features, p->n_pend_features);
		p->pend_features = pl_copy_names(r->feature_names,
		    r->n_feature_names);
		p->n_pend_features = r->n_feature_names;
		p->n_features = r->n_feature_names;
	}
	if (r->n_class_names > 0) {
		xfree_strings(p->pend_classes, p->n_pend_classes);
		p->pend_classes = pl_copy_names(r->class_names,
		    r->n_class_names);
		p->n_pend_classes = r->n_class_names;
		p->n_classes = (int)r->n_class_names;
	}
	return pl_schema_settle(p, cause);
}

/* Check a row's axes (setting them when unknown); reason on mismatch. */
bool
pl_check_axes(struct pipeline *p, const struct proto_record *r, char *reason,
    char **cause, bool *failed)
{
	size_t	i;

	*failed = false;
	if (r->kind != PROTO_PREDICTION && r->kind != PROTO_REFERENCE)
		goto labels;
	if (p->n_features != 0 && r->n_features != p->n_features) {
		snprintf(reason, PROTO_REASON_MAX, "features has %zu values, "
		    "expected %zu", r->n_features, p->n_features);
		return false;
	}
	if (p->n_classes != 0 && r->n_scores != (size_t)p->n_classes) {
		snprintf(reason, PROTO_REASON_MAX, "scores has %zu values, "
		    "expected %d classes", r->n_scores, p->n_classes);
		return false;
	}
labels:
	for (i = 0; i < r->n_labels; i++) {
		if (p->n_classes != 0 && r->labels[i] >= p->n_classes) {
			snprintf(reason, PROTO_REASON_MAX, "true_class[%zu] "
			    "is %d, out of range for %d classes", i,
			    r->labels[i], p->n_classes);
			return false;
		}
	}
	if (r->kind == PROTO_PREDICTION || r->kind == PROTO_REFERENCE) {
		p->n_features = r->n_features;
		p->n_classes = (int)r->n_scores;
		pl_types_fix(p, r);
		if (pl_schema_settle(p, cause) != 0)
			*failed = true;
	}
	return true;
}

/* Append one reference row to the collected window. */
void
pl_collect_reference(struct pipeline *p, const struct proto_record *r)
{
	struct store_reference	*c = &p->col;
	size_t			 nf = r->n_features, nc = r->n_scores;

	if (c->n_rows == p->col_cap) {
		p->col_cap = p->col_cap ? p->col_cap * 2 : 256;
		c->features = xreallocarray(c->features, p->col_cap * nf,
		    sizeof *c->features);
		c->scores = xreallocarray(c->scores, p->col_cap * nc,
		    sizeof *c->scores);
		c->predicted = xreallocarray(c->predicted, p->col_cap,
		    sizeof *c->predicted);
		c->confidence = xreallocarray(c->confidence, p->col_cap,
		    sizeof *c->confidence);
		c->true_class = xreallocarray(c->true_class, p->col_cap,
		    sizeof *c->true_class);
	}
	memcpy(c->features + c->n_rows * nf, r->features, nf * sizeof(double));
	memcpy(c->scores + c->n_rows * nc, r->scores, nc * sizeof(double));
	c->predicted[c->n_rows] = r->predicted_class;
	c->confidence[c->n_rows] = r->confidence;
	c->true_class[c->n_rows] = r->true_class;
	c->n_features = nf;
	c->n_classes = (int)nc;
	c->n_rows++;
}

/*
 * Say how calibrated the reference's scores were, on the log with the
 * work it belongs to; a reference without labels is warned about.
 */
static void
calib_say(struct pipeline *p)
{
	const struct calib *c = p->calib;
	FILE *log = p->log;

	if (c == NULL) {
		pl_warn(p, "no estimate: the reference has no labels");
		return;
	}
	if (log != NULL)
		fprintf(log, "reference calibration: ECE %.3f raw, %.3f "
		    "calibrated (isotonic, cross-fitted on %zu labelled "
		    "rows): estimates use %s scores\n", c->ece_raw,
		    c->ece_calibrated, c->n_rows,
		    c->enabled ? "calibrated" : "the raw");
}

/*
 * The calibration map of reference r: the stored one, else fitted (and
 * stored when store is set). -1 on a store error or a stored map that
 * does not decode.
 */
static int
reference_calibrate(struct pipeline *p, const struct store_reference *r,
    bool store, char **cause)
{
	char *text = NULL, *why = NULL;
	int rc;

	calib_destroy(p->calib);
	p->calib = NULL;
	rc = store_fitted_get(p->s, STORE_FIT_CALIBRATION, &text, &why);
	if (rc == 0) {
		p->calib = calib_decode(text, &why);
		free(text);
		if (p->calib == NULL) {
			pl_fatal(cause, why, "the stored calibration map");
			return -1;
		}
	} else if (rc == 1) {
		p->calib = calib_fit(r->scores, r->predicted, r->true_class,
		    r->n_rows, r->n_classes);
		if (store && p->calib != NULL) {
			text = calib_encode(p->calib);
			rc = store_fitted_put(p->s, STORE_FIT_CALIBRATION, text,
			    &why);
			free(text);
		}
	}
	if (rc < 0) {
		pl_fatal(cause, why, "the calibration map");
		return -1;
	}
	calib_say(p);
	return 0;
}

/*
 * The PSI nulls and the joint tests' nulls stored with the reference
 * (core/monitor-judge.h), into the reference's cache: judging then fits
 * only the batch sizes not fitted before. -1 on a store error or stored
 * nulls that do not parse.
 */
static int
reference_nulls(struct pipeline *p, char **cause)
{
	char *text = NULL, *why = NULL;
	int rc;

	rc = store_fitted_get(p->s, STORE_FIT_PSI_NULLS, &text, &why);
	if (rc == 0 && !monitor_judge_nulls_parse(&p->ref, text, &why))
		rc = -1;
	free(text);
	text = NULL;
	if (rc < 0) {
		pl_fatal(cause, why, "the stored PSI nulls");
		return -1;
	}
	rc = store_fitted_get(p->s, STORE_FIT_JOINT_NULLS, &text, &why);
	if (rc == 0 && !monitor_judge_joint_parse(&p->ref, text, &why))
		rc = -1;
	free(text);
	if (rc < 0) {
		pl_fatal(cause, why, "the stored joint nulls");
		return -1;
	}
	return 0;
}

/*
 * Load the stored reference while this process has none (after the
 * stream's own reference records, if any, are settled): at the first
 * need, then only after another process has committed. It never stores
 * a schema: the axes it sets stay in memory.
 */
static int
reference_load(struct pipeline *p, char **cause)
{
	struct store_reference	 sr;
	char			*why = NULL;
	int64_t			 v;
	int			 rc;

	if (p->have_ref || !p->settled)
		return 0;
	v = store_version(p->s);
	if (p->ref_looked && v >= 0 && v == p->ref_version)
		return 0;
	rc = store_reference_get(p->s, &sr, &why);
	if (rc < 0) {
		pl_fatal(cause, why, "loading the reference");
		return -1;
	}
	p->ref_looked = true;
	p->ref_version = v;
	if (rc == 1)
		return 0;
	if ((p->n_features != 0 && sr.n_features != p->n_features) ||
	    (p->n_classes != 0 && sr.n_classes != p->n_classes)) {
		*cause = xasprintf("the stored reference has %zu features and "
		    "%d classes, the schema %zu and %d", sr.n_features,
		    sr.n_classes, p->n_features, p->n_classes);
		store_reference_finish(&sr);
		return -1;
	}
	p->n_features = sr.n_features;
	p->n_classes = sr.n_classes;
	monitor_reference_init(&p->ref, sr.features, sr.n_rows,
	    sr.n_features, sr.n_classes, sr.predicted, sr.confidence,
	    sr.true_class);
	monitor_reference_categorize(&p->ref, sr.features, sr.categorical,
	    p->dict, p->cfg->monitor.cat_top);
	p->have_ref = true;
	rc = reference_calibrate(p, &sr, false, cause);
	store_reference_finish(&sr);
	return rc != 0 ? rc : reference_nulls(p, cause);
}

/* The first non-reference record (or end of input): fix the reference. */
int
pl_reference_settle(struct pipeline *p, char **cause)
{
	char			*why = NULL;

	if (p->settled)
		return 0;
	p->settled = true;
	if (p->col.n_rows > 0) {
		if (p->any_cat)
			p->col.categorical = pl_types_copy(p->types,
			    p->col.n_features);
		if (store_reference_put(p->s, &p->col,
		    p->cfg->replace_reference, &why) != 0) {
			*cause = xasprintf("reference refused: %s%s",
			    why != NULL ? why : "store error",
			    p->cfg->replace_reference ? "" :
			    " (--replace-reference replaces it)");
			free(why);
			return -1;
		}
		if (reference_calibrate(p, &p->col, true, cause) != 0)
			return -1;
		pl_mark_dirty(p);
		monitor_reference_init(&p->ref, p->col.features,
		    p->col.n_rows, p->col.n_features, p->col.n_classes,
		    p->col.predicted, p->col.confidence, p->col.true_class);
		monitor_reference_categorize(&p->ref, p->col.features,
		    p->col.categorical, p->dict, p->cfg->monitor.cat_top);
		p->have_ref = true;
		store_reference_finish(&p->col);
		p->col_cap = 0;
		return reference_nulls(p, cause);
	}
	return reference_load(p, cause);
}

/*
 * The reference and schema the monitors need, read from the store when
 * this stream did not bring them (another process may have stored them
 * since the last look). 0 also when they are still missing: that is
 * warned about once.
 */
int
pl_stored_axes(struct pipeline *p, char **cause)
{
	if (reference_load(p, cause) != 0 || pl_schema_refresh(p, cause) != 0)
		return -1;
	if (!p->have_ref) {
		if (!p->warned_no_ref)
			pl_warn(p, "no reference window (send reference "
			    "records first): batches are logged, monitors do "
			    "not run");
		p->warned_no_ref = true;
	} else if (!p->schema_stored) {
		if (!p->warned_no_schema)
			pl_warn(p, "no schema is stored yet: monitors do not "
			    "run until one is");
		p->warned_no_schema = true;
	}
	return 0;
}

void
pl_axes_finish(struct pipeline *p)
{
	if (p->schema_stored)
		store_schema_finish(&p->schema);
	xfree_strings(p->pend_features, p->n_pend_features);
	xfree_strings(p->pend_classes, p->n_pend_classes);
	if (p->have_ref)
		monitor_reference_finish(&p->ref);
	calib_destroy(p->calib);
	store_reference_finish(&p->col);
}
