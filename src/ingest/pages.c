/*
 * Pending pages of the models this run has not met (pages.h). The outbox
 * is per model (alerts.model_id) and an alert engine works the handle's
 * model's rows, so each model with a pending page gets, for the time of
 * its delivery, the handle and an engine of its own settings ([model
 * "NAME"] channels and gating); the engine's lines go to the run's log.
 */
#include "ingest/pages.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "core/sanitize.h"
#include "core/xalloc.h"
#include "db/alert-store.h"
#include "db/store.h"
#include "ingest/config.h"

/* One model's pending pages out and committed. 0 or -1 (store). */
static int
deliver_one(struct store *s, const char *model, pages_config_fn config_for,
    void *arg, FILE *log, FILE *err, char **cause)
{
	struct ingest_config	*cfg;
	struct alert_engine	*e;
	char			*why = NULL, *shown;
	int			 rc = 0;

	if ((cfg = config_for(arg, model, cause)) == NULL)
		return -1;
	if (store_model_set(s, model, cause) != 0 ||
	    (e = alert_engine_create(s, cfg->alert, log, cause)) == NULL) {
		config_finish(cfg);
		free(cfg);
		return -1;
	}
	if (alert_engine_deliver(e, &why) < 0) {
		shown = sanitize_dup(why != NULL ? why : "failed", SIZE_MAX);
		fprintf(err, "mlmon-ingest: %s: alert delivery: %s\n", model,
		    shown);
		free(shown);
		free(why);
	}
	rc = store_flush(s, cause);
	alert_engine_destroy(e);
	config_finish(cfg);
	free(cfg);
	return rc;
}

int
pages_deliver_others(struct store *s, const char *skip,
    pages_config_fn config_for, void *arg, FILE *log, FILE *err,
    char **cause)
{
	char	**names, *back;
	size_t	  n, i;
	int	  rc = 0;

	if (alert_store_pending_models(s, &names, &n, cause) != 0)
		return -1;
	back = xstrdup(skip);
	for (i = 0; i < n && rc == 0; i++)
		if (strcmp(names[i], back) != 0)
			rc = deliver_one(s, names[i], config_for, arg, log,
			    err, cause);
	store_models_free(names, n);
	if (rc == 0)
		rc = store_model_set(s, back, cause);
	free(back);
	return rc;
}
