/*
 * The models of one ingest process (fleet.h): a member per model, each a
 * pipeline with its own settings and alert engine, all on one store
 * handle whose model is switched to the member called (select). A member
 * is active once a record of its model arrived (the primary from the
 * start, until another model's record comes before any of its own): only
 * active members tick, commit and end, so a model nobody sends is never
 * stored.
 *
 * The commit (flush) is the pipelines' three steps (pipeline.h) around
 * one store_flush: every active member's work is prepared into the open
 * transaction, committed at once, then counted; a failure loses every
 * member's work (they shared the transaction) and the cause names each
 * one's lines. With an input position to store, every active member
 * stores it in every commit, so that all of them always say the same.
 */
#include "ingest/fleet.h"

#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "core/xalloc.h"
#include "db/store.h"
#include "ingest/config.h"
#include "ingest/follow.h"
#include "ingest/pages.h"
#include "ingest/proto.h"

/* One model's pipeline and what it owns. */
struct fleet_member {
	struct pipeline		*p;
	struct ingest_config	*cfg;	/* owned; NULL: the primary's */
	struct alert_engine	*alert;
	bool			 active;	/* ticks, commits, ends */
	bool			 started;	/* pipeline_start done */
	bool			 resumed;	/* the input's position was its */
	bool			 had;	/* work in the commit being made */
};

struct fleet {
	struct store		*s;
	const struct ingest_config *cfg;	/* the primary's */
	fleet_config_fn		 config_for;
	void			*config_arg;
	FILE			*log;
	FILE			*err;
	struct proto_parser	 parser;
	struct fleet_member	**m;	/* m[0]: the primary; owned */
	size_t			 n, cap;
	struct fleet_member	*cur;	/* the handle's model's member */
	size_t			 n_active;
	char			 source[256];
	struct follow		*follow;
	char			*pos_key;	/* NULL: no position stored */
	uint64_t		 last_line;
};

/* Point the store handle at m's model. 0 or -1 (*cause). */
static int
fleet_select(struct fleet *f, struct fleet_member *m, char **cause)
{
	if (f->cur == m)
		return 0;
	f->cur = m;
	return pipeline_select(m->p, cause);
}

/* m takes part from now on; lines name the model once there are two. */
static void
fleet_activate(struct fleet *f, struct fleet_member *m)
{
	size_t	i;

	if (m->active)
		return;
	m->active = true;
	f->n_active++;
	for (i = 0; i < f->n; i++)
		pipeline_name_model(f->m[i]->p, f->n_active > 1);
}

static void
member_destroy(struct fleet_member *m)
{
	if (m == NULL)
		return;
	/* The engine goes before its log, the pipeline's. */
	alert_engine_destroy(m->alert);
	pipeline_destroy(m->p);
	if (m->cfg != NULL) {
		config_finish(m->cfg);
		free(m->cfg);
	}
	free(m);
}

/*
 * A member for the store handle's model now, with settings cfg (taken;
 * NULL: the primary's): its pipeline and alert engine. NULL with *cause.
 */
static struct fleet_member *
member_create(struct fleet *f, struct ingest_config *cfg, char **cause)
{
	struct fleet_member	*m = xcalloc(1, sizeof *m);
	const struct ingest_config *c = cfg != NULL ? cfg : f->cfg;
	char			*why = NULL;

	m->cfg = cfg;
	m->p = pipeline_create(f->s, c, NULL, f->log, f->err, cause);
	if (m->p == NULL) {
		member_destroy(m);
		return NULL;
	}
	pipeline_set_source(m->p, f->source);
	pipeline_set_follow(m->p, f->follow);
	/* Decisions are printed once the commit holding them succeeded. */
	m->alert = alert_engine_create(f->s, c->alert, pipeline_log(m->p),
	    &why);
	if (m->alert == NULL) {
		*cause = xasprintf("alerting: %s", why);
		free(why);
		member_destroy(m);
		return NULL;
	}
	pipeline_set_alert(m->p, m->alert);
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 4;
		f->m = xreallocarray(f->m, f->cap, sizeof *f->m);
	}
	f->m[f->n++] = m;
	f->cur = m;
	return m;
}

struct fleet *
fleet_create(const struct fleet_opts *o, char **cause)
{
	struct fleet	*f = xcalloc(1, sizeof *f);

	f->s = o->s;
	f->cfg = o->cfg;
	f->config_for = o->config_for;
	f->config_arg = o->config_arg;
	f->log = o->log;
	f->err = o->err;
	snprintf(f->source, sizeof f->source, "%s", o->source);
	proto_parser_init(&f->parser);
	if (member_create(f, NULL, cause) == NULL) {
		fleet_destroy(f);
		return NULL;
	}
	fleet_activate(f, f->m[0]);
	return f;
}

void
fleet_destroy(struct fleet *f)
{
	size_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		member_destroy(f->m[i]);
	free(f->m);
	free(f->pos_key);
	proto_parser_finish(&f->parser);
	free(f);
}

/* Whether the handle's model is stored (else nothing is pending for it). */
static int
model_stored(struct fleet *f, bool *stored, char **cause)
{
	char	**names;
	size_t	  n, i;

	*stored = false;
	if (store_models(f->s, &names, &n, cause) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], store_model(f->s)) == 0)
			*stored = true;
	store_models_free(names, n);
	return 0;
}

int
fleet_start(struct fleet *f, char **cause)
{
	bool	stored;

	if (fleet_select(f, f->m[0], cause) != 0 ||
	    model_stored(f, &stored, cause) != 0)
		return -1;
	/* A model not stored yet starts after its first commit. */
	if (stored) {
		f->m[0]->started = true;
		if (pipeline_start(f->m[0]->p, cause) != 0)
			return -1;
	}
	/* The other models' pages, whether their records come or not. */
	f->cur = NULL;	/* the handle visits them */
	return pages_deliver_others(f->s, pipeline_model(f->m[0]->p),
	    f->config_for, f->config_arg, f->log, f->err, cause);
}

void
fleet_set_source(struct fleet *f, const char *source)
{
	size_t	i;

	if (strcmp(f->source, source) == 0)
		return;
	snprintf(f->source, sizeof f->source, "%s", source);
	for (i = 0; i < f->n; i++)
		pipeline_set_source(f->m[i]->p, source);
}

/* The member of model name, NULL when it has none yet. */
static struct fleet_member *
member_find(const struct fleet *f, const char *name)
{
	size_t	i;

	if (f->cur != NULL && strcmp(pipeline_model(f->cur->p), name) == 0)
		return f->cur;
	for (i = 0; i < f->n; i++)
		if (strcmp(pipeline_model(f->m[i]->p), name) == 0)
			return f->m[i];
	return NULL;
}

/*
 * A member for model name's first record (its settings, its position
 * under the input's key): selected. NULL with *cause.
 */
static struct fleet_member *
member_add(struct fleet *f, const char *name, int64_t now_ms, char **cause)
{
	struct ingest_config	*cfg;
	struct fleet_member	*m;
	struct follow_pos	 pos;
	bool			 found;

	if ((cfg = f->config_for(f->config_arg, name, cause)) == NULL)
		return NULL;
	if (store_model_set(f->s, name, cause) != 0) {
		config_finish(cfg);
		free(cfg);
		return NULL;
	}
	f->cur = NULL;
	if ((m = member_create(f, cfg, cause)) == NULL)
		return NULL;
	if (f->pos_key != NULL && pipeline_resume(m->p, f->pos_key, now_ms,
	    &pos, &found, cause) != 0)
		return NULL;
	return m;
}

/*
 * The member of a record's model (records without one are the
 * primary's), made active and selected. NULL with *cause.
 */
static struct fleet_member *
member_of(struct fleet *f, const char *model, int64_t now_ms, char **cause)
{
	struct fleet_member	*m = f->m[0];

	if (model != NULL && (m = member_find(f, model)) == NULL &&
	    (m = member_add(f, model, now_ms, cause)) == NULL)
		return NULL;
	/* The primary had nothing yet: this input is other models'. */
	if (m != f->m[0] && f->m[0]->active && f->n_active == 1 &&
	    !f->m[0]->resumed && pipeline_stats(f->m[0]->p)->lines == 0 &&
	    !pipeline_dirty(f->m[0]->p)) {
		f->m[0]->active = false;
		f->n_active--;
	}
	fleet_activate(f, m);
	return fleet_select(f, m, cause) != 0 ? NULL : m;
}

static bool
blank(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

enum pipeline_result
fleet_reject(struct fleet *f, uint64_t lineno, const char *reason,
    const char *text, size_t len, char **cause)
{
	struct fleet_member	*m;

	f->last_line = lineno;
	if ((m = member_of(f, NULL, 0, cause)) == NULL)
		return PIPELINE_FATAL;
	return pipeline_reject(m->p, lineno, reason, text, len, cause);
}

enum pipeline_result
fleet_line(struct fleet *f, const char *line, size_t len, uint64_t lineno,
    int64_t now_ms, char **cause)
{
	struct proto_record	 r;
	struct fleet_member	*m;
	enum pipeline_result	 res;
	char			 reason[PROTO_REASON_MAX];

	if (blank(line, len)) {
		f->last_line = lineno;
		return PIPELINE_OK;
	}
	if (len > PIPELINE_LINE_MAX) {
		snprintf(reason, sizeof reason, "line longer than %d bytes",
		    PIPELINE_LINE_MAX);
		return fleet_reject(f, lineno, reason, line, len, cause);
	}
	if (!proto_parse_line(&f->parser, line, len, &r, reason))
		return fleet_reject(f, lineno, reason, line, len, cause);
	f->last_line = lineno;
	/* Most records are the selected model's. */
	m = f->cur;
	if ((m == NULL || !m->active || (r.model == NULL ? m != f->m[0] :
	    strcmp(r.model, pipeline_model(m->p)) != 0)) &&
	    (m = member_of(f, r.model, now_ms, cause)) == NULL)
		return PIPELINE_FATAL;
	res = pipeline_record(m->p, &r, line, len, lineno, now_ms, cause);
	if (res != PIPELINE_FATAL && res != PIPELINE_STOP &&
	    pipeline_dirty(m->p) && store_pending(f->s) >= f->cfg->flush_rows &&
	    fleet_flush(f, cause) != 0)
		return PIPELINE_FATAL;
	return res;
}

/* Append c (taken) to *all as "; c". */
static void
cause_add(char **all, char *c)
{
	char	*both;

	if (c == NULL)
		return;
	if (*all == NULL) {
		*all = c;
		return;
	}
	both = xasprintf("%s; %s", *all, c);
	free(*all);
	free(c);
	*all = both;
}

/*
 * The shared transaction is lost (why, taken; file: the DB file is gone):
 * every active member's work with it. *cause is why and each model's
 * lines to send again. -1.
 */
static int
fleet_lost(struct fleet *f, char *why, bool file, char **cause)
{
	struct fleet_member	*m;
	char			*c, *all = NULL;
	size_t			 i;

	for (i = 0; i < f->n; i++) {
		m = f->m[i];
		if (!m->active)
			continue;
		f->cur = NULL;	/* the handle's model is left as it is */
		if (f->n_active == 1) {
			pipeline_commit_lost(m->p, why, file, cause);
			return -1;
		}
		c = NULL;
		if (pipeline_commit_lost(m->p, xasprintf("model %s",
		    pipeline_model(m->p)), file, &c) != 0)
			cause_add(&all, c);
		else
			free(c);
	}
	*cause = all != NULL ? xasprintf("%s; %s", why, all) : why;
	if (all != NULL)
		free(why);
	free(all);
	return -1;
}

/* Every active member's work into the open transaction. 0 or -1. */
static int
fleet_prepare(struct fleet *f, bool *any, char **cause)
{
	struct fleet_member	*m;
	char			*why = NULL;
	bool			 dirty = false;
	size_t			 i;
	int			 rc;

	for (i = 0; i < f->n; i++)
		if (f->m[i]->active && pipeline_dirty(f->m[i]->p))
			dirty = true;
	/* One position for all: each member stores it in this commit. */
	for (i = 0; i < f->n && dirty && f->pos_key != NULL; i++)
		if (f->m[i]->active)
			pipeline_mark_dirty(f->m[i]->p);
	*any = false;
	for (i = 0; i < f->n; i++) {
		m = f->m[i];
		m->had = false;
		if (!m->active)
			continue;
		if (fleet_select(f, m, &why) != 0 ||
		    (rc = pipeline_commit_prepare(m->p, &why)) < 0)
			return fleet_lost(f, why, false, cause);
		m->had = rc == 1;
		*any = *any || m->had;
	}
	return 0;
}

/* After the commit: retention, pages (a new member's start). 0 or -1. */
static int
fleet_after(struct fleet *f, char **cause)
{
	struct fleet_member	*m;
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < f->n && rc == 0; i++) {
		m = f->m[i];
		if (!m->active)
			continue;
		if (fleet_select(f, m, cause) != 0)
			return -1;
		if (m->started) {
			rc = pipeline_commit_after(m->p, m->had, cause);
		} else {
			m->started = true;
			rc = pipeline_start(m->p, cause);
		}
	}
	return rc;
}

int
fleet_flush(struct fleet *f, char **cause)
{
	char	*why = NULL, *lost;
	bool	 any;
	size_t	 i;

	if (fleet_prepare(f, &any, cause) != 0)
		return -1;
	if (any && store_flush(f->s, &why) != 0) {
		lost = xasprintf("committing: %s", why != NULL ? why :
		    "failed");
		free(why);
		return fleet_lost(f, lost, false, cause);
	}
	for (i = 0; i < f->n; i++)
		if (f->m[i]->active)
			pipeline_commit_done(f->m[i]->p, f->m[i]->had);
	if (any && store_file_check(f->s, &why) != 0)
		return fleet_lost(f, why, true, cause);
	for (i = 0; i < f->n; i++)
		if (f->m[i]->active)
			pipeline_commit_counted(f->m[i]->p, f->m[i]->had);
	return fleet_after(f, cause);
}

int
fleet_tick(struct fleet *f, int64_t now_ms, char **cause)
{
	struct fleet_member	*m;
	bool			 fired = false, due = false;
	size_t			 i;
	int			 rc;

	for (i = 0; i < f->n; i++) {
		if (!(m = f->m[i])->active)
			continue;
		if (fleet_select(f, m, cause) != 0 ||
		    (rc = pipeline_tick_watch(m->p, now_ms, cause)) < 0)
			return -1;
		fired = fired || rc > 0;
	}
	/* A page fired goes out now, not at the next flush deadline. */
	if (fired && fleet_flush(f, cause) != 0)
		return -1;
	for (i = 0; i < f->n; i++) {
		if (!(m = f->m[i])->active)
			continue;
		if (fleet_select(f, m, cause) != 0 ||
		    pipeline_tick_windows(m->p, cause) != 0)
			return -1;
		due = due || pipeline_flush_due(m->p, now_ms);
	}
	if (due && fleet_flush(f, cause) != 0)
		return -1;
	for (i = 0; i < f->n; i++) {
		if (!(m = f->m[i])->active)
			continue;
		if (fleet_select(f, m, cause) != 0)
			return -1;
		pipeline_tick_refresh(m->p);
	}
	return 0;
}

int
fleet_timeout(const struct fleet *f, int64_t now_ms)
{
	int	left = -1, t;
	size_t	i;

	for (i = 0; i < f->n; i++) {
		if (!f->m[i]->active)
			continue;
		t = pipeline_timeout(f->m[i]->p, now_ms);
		if (t >= 0 && (left < 0 || t < left))
			left = t;
	}
	return left;
}

int
fleet_end(struct fleet *f, char **cause)
{
	struct fleet_member	*m;
	size_t			 i;
	int			 rc;

	for (i = 0; i < f->n; i++) {
		if (!(m = f->m[i])->active)
			continue;
		if (fleet_select(f, m, cause) != 0)
			return -1;
		if ((rc = pipeline_end(m->p, cause)) != 0)
			return rc;
	}
	return fleet_flush(f, cause);
}

int
fleet_interrupt(struct fleet *f, char *left, size_t size, char **cause)
{
	struct fleet_member	*m;
	size_t			 i, used = 0;
	int64_t			 batch;

	left[0] = '\0';
	for (i = 0; i < f->n; i++) {
		if (!(m = f->m[i])->active)
			continue;
		if (fleet_select(f, m, cause) != 0 ||
		    pipeline_interrupt(m->p, &batch, cause) != 0)
			return -1;
		if (batch < 0 || used >= size)
			continue;
		if (f->n_active > 1)
			used += (size_t)snprintf(left + used, size - used,
			    "; %s's batch %lld is left unjudged (judged at "
			    "the next start)", pipeline_model(m->p),
			    (long long)batch);
		else
			used += (size_t)snprintf(left + used, size - used,
			    "; batch %lld is left unjudged (judged at the "
			    "next start)", (long long)batch);
	}
	return 0;
}

/*
 * --follow: the other stored models with a position under key (the
 * input carried them), each resumed now (member_add); the first one's
 * position in *pos when the primary has none. Every commit stores the
 * same position for all of them. 0 or -1.
 */
static int
resume_others(struct fleet *f, const char *key, int64_t now_ms,
    struct follow_pos *pos, bool *found, char **cause)
{
	struct fleet_member	*m;
	struct store_position	 sp;
	char			**names;
	size_t			  n, i;
	int			  rc = 0;

	if (store_models(f->s, &names, &n, cause) != 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		if (strcmp(names[i], pipeline_model(f->m[0]->p)) == 0)
			continue;
		f->cur = NULL;
		if ((rc = store_model_set(f->s, names[i], cause)) != 0 ||
		    (rc = store_position_get(f->s, key, &sp, cause)) < 0)
			break;
		if (rc == 1) {
			rc = 0;
			continue;
		}
		if ((m = member_of(f, names[i], now_ms, cause)) == NULL) {
			rc = -1;
			break;
		}
		m->resumed = true;
		if (!*found)
			*pos = sp.file;
		*found = true;
	}
	store_models_free(names, n);
	return rc < 0 ? -1 : 0;
}

int
fleet_resume(struct fleet *f, const char *key, bool eager, int64_t now_ms,
    struct follow_pos *pos, bool *found, char **cause)
{
	free(f->pos_key);
	f->pos_key = xstrdup(key);
	if (fleet_select(f, f->m[0], cause) != 0 ||
	    pipeline_resume(f->m[0]->p, key, now_ms, pos, found, cause) != 0)
		return -1;
	f->m[0]->resumed = *found;
	if (!eager)
		return 0;
	return resume_others(f, key, now_ms, pos, found, cause);
}

void
fleet_set_follow(struct fleet *f, struct follow *r)
{
	size_t	i;

	f->follow = r;
	for (i = 0; i < f->n; i++)
		pipeline_set_follow(f->m[i]->p, r);
}

void
fleet_unselect(struct fleet *f)
{
	f->cur = NULL;
}

int
fleet_take_over(struct fleet *f, const struct fleet *old, int64_t now_ms,
    char **cause)
{
	struct fleet_member	*m, *o;
	size_t			 i;

	f->pos_key = old->pos_key != NULL ? xstrdup(old->pos_key) : NULL;
	fleet_set_follow(f, old->follow);
	fleet_set_source(f, old->source);
	f->last_line = old->last_line;
	f->m[0]->active = false;
	f->n_active = 0;
	for (i = 0; i < old->n; i++) {
		o = old->m[i];
		if (i > 0 && member_add(f, pipeline_model(o->p), now_ms,
		    cause) == NULL)
			return -1;
		m = f->m[i];
		pipeline_take_over(m->p, o->p);
		m->resumed = o->resumed;
		if (o->active)
			fleet_activate(f, m);
		/* As a restart would: pages left pending, retention. */
		m->started = o->started;
		if (m->started && (fleet_select(f, m, cause) != 0 ||
		    pipeline_start(m->p, cause) != 0))
			return -1;
	}
	return 0;
}

uint64_t
fleet_last_line(const struct fleet *f)
{
	return f->last_line;
}

uint64_t
fleet_first_uncommitted(const struct fleet *f)
{
	uint64_t	first = f->last_line + 1, l;
	size_t		i;

	if (f->n == 1) {
		l = pipeline_uncommitted_line(f->m[0]->p);
		return l > 0 ? l : first;
	}
	for (i = 0; i < f->n; i++) {
		l = pipeline_uncommitted_line(f->m[i]->p);
		if (l > 0 && l < first)
			first = l;
	}
	return first;
}

uint64_t
fleet_lines(const struct fleet *f, bool committed)
{
	uint64_t	n = 0;
	size_t		i;

	for (i = 0; i < f->n; i++)
		n += committed ? pipeline_committed(f->m[i]->p)->lines :
		    pipeline_stats(f->m[i]->p)->lines;
	return n;
}

void
fleet_stats(const struct fleet *f, struct pipeline_stats *st)
{
	const struct pipeline_stats	*ms;
	size_t				 i;

	memset(st, 0, sizeof *st);
	for (i = 0; i < f->n; i++) {
		ms = pipeline_stats(f->m[i]->p);
		st->lines += ms->lines;
		st->accepted += ms->accepted;
		st->rows += ms->rows;
		st->late += ms->late;
		st->skipped += ms->skipped;
		st->rejected += ms->rejected;
		st->batches += ms->batches;
		st->labelled += ms->labelled;
		st->flushes += ms->flushes;
		st->pruned_rows += ms->pruned_rows;
		st->pruned_batches += ms->pruned_batches;
		st->pruned_reports += ms->pruned_reports;
		st->pruned_alerts += ms->pruned_alerts;
		st->missing += ms->missing;
		st->bare_missing += ms->bare_missing;
	}
}

/* The i-th member that took part. */
static const struct fleet_member *
member_at(const struct fleet *f, size_t i)
{
	size_t	k;

	for (k = 0; k < f->n; k++)
		if ((f->m[k]->active || k > 0) && i-- == 0)
			return f->m[k];
	return f->m[0];
}

size_t
fleet_models(const struct fleet *f)
{
	return f->m[0]->active ? f->n : f->n - 1;
}

const char *
fleet_model(const struct fleet *f, size_t i)
{
	return pipeline_model(member_at(f, i)->p);
}

const struct pipeline_stats *
fleet_model_stats(const struct fleet *f, size_t i)
{
	return pipeline_stats(member_at(f, i)->p);
}

void
fleet_set_progress_shown(struct fleet *f, bool shown)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		pipeline_set_progress_shown(f->m[i]->p, shown);
}
