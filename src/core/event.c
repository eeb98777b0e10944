/*
 * Event ids and event times from their protocol text. See event.h for the
 * representation (int64 microseconds since the epoch, cut towards the
 * past) and the ranges.
 *
 * The RFC 3339 reader walks the fixed layout field by field and names the
 * first field that is wrong; the number reader turns the decimal digits
 * and exponent into microseconds with integer arithmetic only.
 */
#include "core/event.h"

#include <string.h>

#include "core/xalloc.h"

#define DAY_US	(INT64_C(86400) * EVENT_US)

/* A cursor over the ts text. */
struct scan {
	const char	*s;
	size_t		 len;
	size_t		 pos;
};

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
month_days(int64_t y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	bool	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Exactly n digits at the cursor into *v; false if not all digits. */
static bool
scan_digits(struct scan *sc, size_t n, int *v)
{
	size_t	i;
	int	x = 0;

	if (sc->len - sc->pos < n)
		return false;
	for (i = 0; i < n; i++) {
		char	c = sc->s[sc->pos + i];

		if (c < '0' || c > '9')
			return false;
		x = x * 10 + (c - '0');
	}
	/* Exactly n: a further digit means the field is too long. */
	if (sc->pos + n < sc->len && sc->s[sc->pos + n] >= '0' &&
	    sc->s[sc->pos + n] <= '9')
		return false;
	sc->pos += n;
	*v = x;
	return true;
}

static bool
scan_char(struct scan *sc, const char *set)
{
	if (sc->pos < sc->len && sc->s[sc->pos] != '\0' &&
	    strchr(set, sc->s[sc->pos]) != NULL) {
		sc->pos++;
		return true;
	}
	return false;
}

/* YYYY-MM-DD into days since the epoch. */
static bool
scan_date(struct scan *sc, int64_t *days, char **cause)
{
	int	y, m, d;

	if (!scan_digits(sc, 4, &y)) {
		*cause = xstrdup("ts year must be 4 digits "
		    "(YYYY-MM-DDTHH:MM:SSZ)");
		return false;
	}
	if (!scan_char(sc, "-") || !scan_digits(sc, 2, &m)) {
		*cause = xstrdup("ts month must be -MM after the year");
		return false;
	}
	if (m < 1 || m > 12) {
		*cause = xasprintf("ts month %02d is out of range", m);
		return false;
	}
	if (!scan_char(sc, "-") || !scan_digits(sc, 2, &d)) {
		*cause = xstrdup("ts day must be -DD after the month");
		return false;
	}
	if (d < 1 || d > month_days(y, m)) {
		*cause = xasprintf("ts day %02d is out of range for "
		    "%04d-%02d", d, y, m);
		return false;
	}
	*days = days_from_civil(y, m, d);
	return true;
}

/* One two-digit time field after sep (or none when sep is NULL). */
static bool
scan_field(struct scan *sc, const char *sep, const char *name, int max,
    int *v, char **cause)
{
	if ((sep != NULL && !scan_char(sc, sep)) || !scan_digits(sc, 2, v)) {
		*cause = xasprintf("ts %s must be 2 digits%s%s", name,
		    sep != NULL ? " after " : "", sep != NULL ? sep : "");
		return false;
	}
	if (*v > max) {
		*cause = xasprintf("ts %s %02d is out of range", name, *v);
		return false;
	}
	return true;
}

/* HH:MM:SS[.frac] into microseconds of the day (second may be 60). */
static bool
scan_time(struct scan *sc, int64_t *us, bool *leap, char **cause)
{
	int	h, mi, se;
	int64_t	frac = 0, scale = 100000;

	if (!scan_field(sc, NULL, "hour", 23, &h, cause) ||
	    !scan_field(sc, ":", "minute", 59, &mi, cause) ||
	    !scan_field(sc, ":", "second", 60, &se, cause))
		return false;
	if (scan_char(sc, ".")) {
		if (sc->pos >= sc->len || sc->s[sc->pos] < '0' ||
		    sc->s[sc->pos] > '9') {
			*cause = xstrdup("ts fraction needs a digit after .");
			return false;
		}
		while (sc->pos < sc->len && sc->s[sc->pos] >= '0' &&
		    sc->s[sc->pos] <= '9') {
			/* Digits past the microsecond are cut. */
			frac += (sc->s[sc->pos++] - '0') * scale;
			scale /= 10;
		}
	}
	*leap = se == 60;
	*us = ((int64_t)h * 3600 + mi * 60 + (se == 60 ? 59 : se)) *
	    EVENT_US + (se == 60 ? EVENT_US - 1 : frac);
	return true;
}

/* Z or +HH:MM / -HH:MM into microseconds east of UTC. */
static bool
scan_zone(struct scan *sc, int64_t *off, char **cause)
{
	int	sign, h, m;

	if (scan_char(sc, "Zz")) {
		*off = 0;
		return true;
	}
	if (sc->pos >= sc->len) {
		*cause = xstrdup("ts has no time zone (end it with Z or "
		    "+HH:MM)");
		return false;
	}
	if (!scan_char(sc, "+-")) {
		*cause = xstrdup("ts time zone must be Z or +HH:MM");
		return false;
	}
	sign = sc->s[sc->pos - 1] == '-' ? -1 : 1;
	if (!scan_digits(sc, 2, &h) || !scan_char(sc, ":") ||
	    !scan_digits(sc, 2, &m)) {
		*cause = xstrdup("ts time zone must be Z or +HH:MM");
		return false;
	}
	if (h > 23 || m > 59) {
		*cause = xasprintf("ts zone offset %c%02d:%02d is out of "
		    "range", sign < 0 ? '-' : '+', h, m);
		return false;
	}
	*off = sign * ((int64_t)h * 3600 + m * 60) * EVENT_US;
	return true;
}

bool
event_ts_from_text(const char *s, size_t len, int64_t *us, char **cause)
{
	struct scan	sc = { s, len, 0 };
	int64_t		days, tod, off, t;
	bool		leap;

	if (!scan_date(&sc, &days, cause))
		return false;
	if (!scan_char(&sc, "Tt ")) {
		*cause = xstrdup("ts needs T between date and time");
		return false;
	}
	if (!scan_time(&sc, &tod, &leap, cause) ||
	    !scan_zone(&sc, &off, cause))
		return false;
	if (sc.pos != len) {
		*cause = xstrdup("ts has characters after the time zone");
		return false;
	}
	t = days * DAY_US + tod - off;
	if (leap && (t % DAY_US + DAY_US) % DAY_US != DAY_US - 1) {
		*cause = xstrdup("ts second 60 is only valid at 23:59:60 UTC");
		return false;
	}
	if (t < EVENT_TS_MIN) {
		*cause = xstrdup("ts is before 1970-01-01T00:00:00Z");
		return false;
	}
	if (t > EVENT_TS_MAX) {
		*cause = xstrdup("ts is after 9999-12-31T23:59:59Z");
		return false;
	}
	*us = t;
	return true;
}

/* A JSON number's parts: significant digits and the decimal exponent. */
struct decimal {
	bool		 negative;
	bool		 is_int;	/* no fraction, no exponent */
	const char	*digits[2];	/* integer part, fraction part */
	size_t		 n[2];
	int64_t		 exp;		/* saturated at +-1e6 */
};

/* Split a JSON number token; false if it is not one. */
static bool
decimal_split(const char *t, size_t len, struct decimal *d)
{
	size_t	i = 0, k;
	int64_t	e = 0;
	bool	eneg = false;

	memset(d, 0, sizeof *d);
	d->negative = i < len && t[i] == '-';
	i += d->negative;
	for (k = 0; k < 2; k++) {
		d->digits[k] = t + i;
		while (i < len && t[i] >= '0' && t[i] <= '9')
			i++, d->n[k]++;
		if (d->n[k] == 0 || (k == 0 && d->n[0] > 1 &&
		    d->digits[0][0] == '0'))
			return false;
		if (k == 1 || i >= len || t[i] != '.')
			break;
		i++;
	}
	d->is_int = d->n[1] == 0;
	if (i < len && (t[i] == 'e' || t[i] == 'E')) {
		d->is_int = false;
		i++;
		if (i < len && (t[i] == '+' || t[i] == '-'))
			eneg = t[i++] == '-';
		if (i >= len || t[i] < '0' || t[i] > '9')
			return false;
		for (; i < len && t[i] >= '0' && t[i] <= '9'; i++)
			if (e < 1000000)
				e = e * 10 + (t[i] - '0');
	}
	d->exp = eneg ? -e : e;
	return i == len;
}

/* decimal_split of the value of field what; false with *cause. */
static bool
decimal_parse(const char *t, size_t len, const char *what, struct decimal *d,
    char **cause)
{
	if (decimal_split(t, len, d))
		return true;
	*cause = xasprintf("%s is not a valid number", what);
	return false;
}

/* Digit j of the significand (integer digits, then fraction digits). */
static int
decimal_digit(const struct decimal *d, size_t j)
{
	return j < d->n[0] ? d->digits[0][j] - '0' :
	    d->digits[1][j - d->n[0]] - '0';
}

static bool
decimal_is_zero(const struct decimal *d)
{
	size_t	j;

	for (j = 0; j < d->n[0] + d->n[1]; j++)
		if (decimal_digit(d, j) != 0)
			return false;
	return true;
}

/*
 * floor(|value| * 10^shift) when it is at most INT64_MAX: true and *out;
 * false if it is larger. Exact integer arithmetic.
 */
static bool
decimal_scaled(const struct decimal *d, int64_t shift, int64_t *out)
{
	size_t	nd = d->n[0] + d->n[1], first = 0, j;
	int64_t	point, v = 0, digit;

	while (first < nd && decimal_digit(d, first) == 0)
		first++;
	if (first == nd) {
		*out = 0;
		return true;
	}
	/* Digits before the decimal point of value * 10^shift. */
	point = (int64_t)d->n[0] + d->exp + shift - (int64_t)first;
	if (point > 19)
		return false;
	for (j = first; point > 0 && (int64_t)(j - first) < point; j++) {
		digit = j < nd ? decimal_digit(d, j) : 0;
		if (v > (INT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*out = v;
	return true;
}

/*
 * A JSON number that stands for a whole count of some unit: the field's
 * name (in every cause), the power of ten to its unit (floor(value *
 * 10^shift) is kept), whether it must be written as an integer, its
 * largest value and the causes for a negative value and for one above
 * the largest.
 */
struct decimal_field {
	const char	*name;
	int64_t		 shift;
	bool		 integer;
	int64_t		 max;
	const char	*negative;
	const char	*too_large;
};

static const struct decimal_field ts_field = { "ts", 6, false,
	EVENT_TS_MAX, "ts is before 1970-01-01T00:00:00Z",
	"ts is after 9999-12-31T23:59:59Z" };
static const struct decimal_field id_field = { "id", 0, true, INT64_MAX,
	"id is negative", "id is larger than 9223372036854775807" };

/*
 * The token as field f's count (0..f->max); false with *cause. A value
 * below 0 (by however little, however far) is negative before it is
 * too large.
 */
static bool
decimal_field_parse(const char *tok, size_t len,
    const struct decimal_field *f, int64_t *out, char **cause)
{
	struct decimal	d;
	int64_t		v;

	if (!decimal_parse(tok, len, f->name, &d, cause))
		return false;
	if (f->integer && !d.is_int) {
		*cause = xasprintf("%s is not an integer (a number %s must be "
		    "written as one)", f->name, f->name);
		return false;
	}
	if (d.negative && !decimal_is_zero(&d)) {
		*cause = xstrdup(f->negative);
		return false;
	}
	if (!decimal_scaled(&d, f->shift, &v) || v > f->max) {
		*cause = xstrdup(f->too_large);
		return false;
	}
	*out = v;
	return true;
}

bool
event_ts_from_number(const char *tok, size_t len, int64_t *us,
    char **cause)
{
	return decimal_field_parse(tok, len, &ts_field, us, cause);
}

void
event_ts_minute(int64_t us, char out[17])
{
	int64_t	z, era, doe, yoe, y, doy, mp, d, m, secs;

	z = us / DAY_US + 719468;
	secs = (us % DAY_US) / EVENT_US;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	/* The range of ts keeps every field within its width. */
	out[0] = (char)('0' + y / 1000 % 10);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = ' ';
	out[11] = (char)('0' + secs / 36000);
	out[12] = (char)('0' + secs / 3600 % 10);
	out[13] = ':';
	out[14] = (char)('0' + secs % 3600 / 600);
	out[15] = (char)('0' + secs % 600 / 60);
	out[16] = '\0';
}

bool
event_id_check_text(const char *s, size_t len, char **cause)
{
	if (len == 0) {
		*cause = xstrdup("id is empty");
		return false;
	}
	if (len > EVENT_ID_MAX) {
		*cause = xasprintf("id is %zu bytes, more than %d", len,
		    EVENT_ID_MAX);
		return false;
	}
	if (memchr(s, '\0', len) != NULL) {
		*cause = xstrdup("id contains U+0000");
		return false;
	}
	return true;
}

bool
event_id_from_number(const char *tok, size_t len, int64_t *id,
    char **cause)
{
	return decimal_field_parse(tok, len, &id_field, id, cause);
}
