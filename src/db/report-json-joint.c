/*
 * "joint":{"ks_statistic":T,"ks_p_value":p,"ks_q_value":q,
 *          "psi_statistic":T,"psi_p_value":p,"psi_q_value":q,
 *          "t2":T2,"t2_p_value":p,"t2_q_value":q,"drift":bool}
 * and, under the calibrated policy, "means":{feature: mean} (the batch's
 * mean vector Hotelling's T^2 reads; report-json.c).
 */
#include "db/report-json-joint.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "core/monitor.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "db/report-json-internal.h"

/* The block's numbers, in their order. */
struct joint_num {
	const char	*key;
	size_t		 off;	/* of the double in struct feature_report */
};

static const struct joint_num joint_nums[] = {
	{ "ks_statistic", offsetof(struct feature_report, joint_ks_stat) },
	{ "ks_p_value", offsetof(struct feature_report, joint_ks_p) },
	{ "ks_q_value", offsetof(struct feature_report, joint_ks_q) },
	{ "psi_statistic", offsetof(struct feature_report, joint_psi_stat) },
	{ "psi_p_value", offsetof(struct feature_report, joint_psi_p) },
	{ "psi_q_value", offsetof(struct feature_report, joint_psi_q) },
	{ "t2", offsetof(struct feature_report, joint_t2) },
	{ "t2_p_value", offsetof(struct feature_report, joint_t2_p) },
	{ "t2_q_value", offsetof(struct feature_report, joint_t2_q) },
};
#define JOINT_NUMS	(sizeof joint_nums / sizeof joint_nums[0])

static double *
joint_at(struct feature_report *r, size_t i)
{
	return (double *)(void *)((char *)r + joint_nums[i].off);
}

void
report_json_joint_encode(struct strbuf *b, bool *first,
    const struct feature_report *r)
{
	bool jfirst = true;
	size_t i;

	if (!r->calibrated || isnan(r->joint_ks_p))
		return;
	json_key(b, first, "joint");
	JSON_LIT(b, "{");
	for (i = 0; i < JOINT_NUMS; i++) {
		json_member_number(b, &jfirst, joint_nums[i].key,
		    *joint_at((struct feature_report *)r, i));
	}
	json_member_bool(b, &jfirst, "drift", r->joint_drift);
	JSON_LIT(b, "}");
}

int
report_json_joint_decode(const cJSON *root, struct feature_report *r,
    char **cause)
{
	const cJSON *j = get(root, "joint");
	size_t i;

	for (i = 0; i < JOINT_NUMS; i++)
		*joint_at(r, i) = NAN;
	r->joint_drift = false;
	if (j == NULL || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsObject(j)) {
		*cause = xstrdup("\"joint\" is not an object");
		return -1;
	}
	for (i = 0; i < JOINT_NUMS; i++)
		if (get_double(j, joint_nums[i].key, true, joint_at(r, i),
		    cause) == -1)
			return -1;
	return get_bool(j, "drift", &r->joint_drift, cause);
}
