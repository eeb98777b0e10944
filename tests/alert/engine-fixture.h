/*
 * The alert engine suite's fixture (alert-engine: test-engine.c, the
 * deduplication cases, and test-engine-outbox.c, the outbox against real
 * receivers): a SQLite store and an engine in a temp dir on a fake
 * clock, synthetic feature evidence, reads on a second connection, the
 * channels pointed at local receivers.
 */
#ifndef MLMON_TESTS_ALERT_ENGINE_FIXTURE_H
#define MLMON_TESTS_ALERT_ENGINE_FIXTURE_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/monitor.h"
#include "db/store.h"

#define TOKEN		"T0001/B0002/SeCrEtToKeN42"
#define PASSWORD	"pw-SeCrEt-99"
#define NF		3

/* The engine's clock (unix seconds); fx_init sets it. */
extern double fake_now;
/* NF features: age, income, tenure; 2 classes. */
extern const struct store_schema schema;

struct fixture {
	char			 dir[256];
	char			 db[300];
	char			 logpath[300];
	FILE			*log;
	struct store		*s;
	struct alert_config	*c;
	struct alert_engine	*e;
};

/* Synthetic feature report: mask "110" drifts age and income. */
struct feat {
	double	psi[NF], d[NF], p[NF];
	bool	dpsi[NF], dks[NF];
	struct feature_report r;
};

double	 fake_clock(void *arg);
/* The real monotonic clock, seconds. */
double	 mono(void);
void	 fx_open_engine(struct fixture *fx);
void	 fx_close_engine(struct fixture *fx);
void	 fx_init(struct fixture *fx);
void	 fx_set(struct fixture *fx, const char *section, const char *key,
	    const char *value);
void	 fx_finish(struct fixture *fx);
const struct feature_report *feat(struct feat *f, const char *psi,
	    const char *ks);
/* One batch of feature evidence, then a delivery round. */
void	 run_feature(struct fixture *fx, int64_t batch, const char *psi,
	    const char *ks, bool deliver);
/* One integer from SQL on a second, read-only connection. */
long long q(struct fixture *fx, const char *sql);
/* One text from SQL; caller frees; "" when no row. */
char	*qs(struct fixture *fx, const char *sql);
void	 fx_slack(struct fixture *fx, int port);
void	 fx_email(struct fixture *fx, int port);

/* The outbox's cases (test-engine-outbox.c) into tc. */
void	 engine_outbox_tests(TCase *tc);

#endif
