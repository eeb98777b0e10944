/*
 * DDM state machine. Between resets the detector is the running mean p of
 * the error indicator over n values and the (p, s) pair at which p + s was
 * smallest. Text form, one line:
 *
 *   ddm/1 min=30 warn=0x1p+1 drift=0x1.8p+1 n=.. p=.. s=.. pmin=..
 *   smin=.. drifts=.. warnings=.. state=0
 */
#include "detect-ddm.h"

#include <math.h>
#include <stddef.h>

#include "codec.h"
#include "strbuf.h"

static void
ddm_reset(struct ddm *d)
{
	d->n = 0;
	d->p = 0.0;
	d->s = 0.0;
	d->p_min = INFINITY;
	d->s_min = INFINITY;
}

void
ddm_init(struct ddm *d)
{
	*d = (struct ddm){ .min_instances = 30, .warning_level = 2.0,
	    .drift_level = 3.0, .state = DDM_STABLE };
	ddm_reset(d);
}

enum ddm_state
ddm_update(struct ddm *d, bool error)
{
	double x = error ? 1.0 : 0.0, ps;

	d->n++;
	d->p += (x - d->p) / (double)d->n;
	d->s = sqrt(d->p * (1.0 - d->p) / (double)d->n);
	d->state = DDM_STABLE;
	if (d->n <= d->min_instances)
		return d->state;

	ps = d->p + d->s;
	if (ps <= d->p_min + d->s_min) {
		d->p_min = d->p;
		d->s_min = d->s;
	}
	if (ps > d->p_min + d->drift_level * d->s_min) {
		d->drifts++;
		d->state = DDM_DRIFT;
		ddm_reset(d);
	} else if (ps > d->p_min + d->warning_level * d->s_min) {
		d->warnings++;
		d->state = DDM_WARNING;
	}
	return d->state;
}

char *
ddm_encode(const struct ddm *d)
{
	struct strbuf b = STRBUF_INIT;

	strbuf_addf(&b, "ddm/1 min=%llu warn=",
	    (unsigned long long)d->min_instances);
	codec_put_double(&b, d->warning_level);
	strbuf_addf(&b, " drift=");
	codec_put_double(&b, d->drift_level);
	strbuf_addf(&b, " n=%llu p=", (unsigned long long)d->n);
	codec_put_double(&b, d->p);
	strbuf_addf(&b, " s=");
	codec_put_double(&b, d->s);
	strbuf_addf(&b, " pmin=");
	codec_put_double(&b, d->p_min);
	strbuf_addf(&b, " smin=");
	codec_put_double(&b, d->s_min);
	strbuf_addf(&b, " drifts=%llu warnings=%llu state=%d",
	    (unsigned long long)d->drifts, (unsigned long long)d->warnings,
	    (int)d->state);
	return strbuf_take(&b);
}

static bool
in_unit(double v)
{
	return v >= 0.0 && v <= 1.0;
}

bool
ddm_decode(const char *s, struct ddm *out)
{
	struct ddm d;
	uint64_t state;

	if (s == NULL)
		return false;
	if (!codec_expect(&s, "ddm/1 min=") ||
	    !codec_parse_u64(&s, &d.min_instances) ||
	    !codec_expect(&s, " warn=") ||
	    !codec_parse_double(&s, &d.warning_level) ||
	    !codec_expect(&s, " drift=") ||
	    !codec_parse_double(&s, &d.drift_level) ||
	    !codec_expect(&s, " n=") || !codec_parse_u64(&s, &d.n) ||
	    !codec_expect(&s, " p=") || !codec_parse_double(&s, &d.p) ||
	    !codec_expect(&s, " s=") || !codec_parse_double(&s, &d.s) ||
	    !codec_expect(&s, " pmin=") ||
	    !codec_parse_double(&s, &d.p_min) ||
	    !codec_expect(&s, " smin=") ||
	    !codec_parse_double(&s, &d.s_min) ||
	    !codec_expect(&s, " drifts=") ||
	    !codec_parse_u64(&s, &d.drifts) ||
	    !codec_expect(&s, " warnings=") ||
	    !codec_parse_u64(&s, &d.warnings) ||
	    !codec_expect(&s, " state=") || !codec_parse_u64(&s, &state))
		return false;
	if (*s == '\n')
		s++;
	if (*s != '\0')
		return false;

	/*
	 * Values a running DDM can actually hold. n is bounded so that
	 * n++ cannot wrap to 0 (a division by zero that makes p NaN for
	 * good); 2^53 values is far beyond any stream.
	 */
	if (state > DDM_DRIFT || d.n > (UINT64_C(1) << 53))
		return false;
	if (!isfinite(d.warning_level) || !isfinite(d.drift_level) ||
	    d.warning_level < 0.0 || d.drift_level < 0.0)
		return false;
	if (!in_unit(d.p) || !in_unit(d.s))
		return false;
	if (d.n == 0 && (d.p != 0.0 || d.s != 0.0))
		return false;
	if (isinf(d.p_min) != isinf(d.s_min))
		return false;
	if (!isinf(d.p_min) && (!in_unit(d.p_min) || !in_unit(d.s_min)))
		return false;
	if (isinf(d.p_min) && d.p_min < 0.0)
		return false;
	if (isinf(d.s_min) && d.s_min < 0.0)
		return false;
	d.state = (enum ddm_state)state;
	*out = d;
	return true;
}
