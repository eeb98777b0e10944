/*
 * The detector cache of the ingest pipeline (pipeline-detectors.h): the
 * stored row "detectors" of detector_state, decoded once and compared
 * with what this process last read or wrote once per write transaction.
 */
#include "ingest/pipeline-detectors.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/store.h"

#define DETECTORS_NAME		"detectors"

void
pl_detectors_forget(struct pl_detectors *d)
{
	if (d->loaded)
		detectors_finish(&d->det);
	free(d->text);
	d->text = NULL;
	d->loaded = false;
	d->checked = false;
	d->dirty = false;
}

/*
 * Once per write transaction the stored row is read and compared with
 * what this process last read or wrote: equal keeps the cache, different
 * (another process fed them, or our last write was lost) decodes the
 * stored one.
 */
int
pl_detectors_load(struct pl_detectors *d, struct store *s,
    const struct monitor_config *c, char **cause)
{
	int64_t	 last = -1;
	char	*text = NULL, *why = NULL;
	int	 rc;

	if (d->loaded && d->checked)
		return 0;
	rc = store_detector_get(s, DETECTORS_NAME, &last, &text, &why);
	if (rc < 0) {
		*cause = xasprintf("loading detector state: %s",
		    why != NULL ? why : "failed");
		free(why);
		return -1;
	}
	if (d->loaded && !d->dirty && (rc == 1 ? d->text == NULL :
	    d->text != NULL && last == d->last &&
	    strcmp(text, d->text) == 0)) {
		free(text);
		d->checked = true;
		return 0;
	}
	pl_detectors_forget(d);
	if (rc == 0) {
		if (!detectors_decode(text, &d->det)) {
			free(text);
			*cause = xasprintf("%s: the stored detector state "
			    "(detector_state row '%s') is corrupt",
			    store_path(s), DETECTORS_NAME);
			return -2;
		}
		d->text = text;	/* d owns it */
	} else {
		detectors_init(&d->det, c);
		last = -1;
	}
	d->last = last;
	d->loaded = true;
	d->checked = true;
	return 0;
}

void
pl_detectors_fed(struct pl_detectors *d, int64_t batch)
{
	d->last = batch;
	d->dirty = true;
}

int
pl_detectors_store(struct pl_detectors *d, struct store *s, char **cause)
{
	char	*text, *why = NULL;

	if (!d->loaded || !d->dirty)
		return 0;
	text = detectors_encode(&d->det);
	if (store_detector_put(s, DETECTORS_NAME, d->last, text, &why) != 0) {
		free(text);
		pl_detectors_forget(d);
		*cause = xasprintf("storing detector state: %s",
		    why != NULL ? why : "failed");
		free(why);
		return -1;
	}
	free(d->text);
	d->text = text;	/* d owns it */
	d->dirty = false;
	return 0;
}

void
pl_detectors_recheck(struct pl_detectors *d)
{
	d->checked = false;
}
