/*
 * "joint":{"ks_statistic":T,"ks_p_value":p,"ks_q_value":q,
 *          "psi_statistic":T,"psi_p_value":p,"psi_q_value":q,
 *          "t2":T2,"t2_p_value":p,"t2_q_value":q,"drift":bool}
 * and, under the calibrated policy, "means":{feature: mean} (the batch's
 * mean vector Hotelling's T^2 reads; report-json.c).
 */
#include "db/report-json-joint.h"

#include <math.h>
#include <stdlib.h>

#include "core/monitor.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "db/report-json-internal.h"

void
report_json_joint_encode(struct strbuf *b, bool *first,
    const struct feature_report *r)
{
	bool jfirst = true;

	if (!r->calibrated || isnan(r->joint_ks_p))
		return;
	json_key(b, first, "joint");
	JSON_LIT(b, "{");
	json_key(b, &jfirst, "ks_statistic");
	json_number(b, r->joint_ks_stat);
	json_key(b, &jfirst, "ks_p_value");
	json_number(b, r->joint_ks_p);
	json_key(b, &jfirst, "ks_q_value");
	json_number(b, r->joint_ks_q);
	json_key(b, &jfirst, "psi_statistic");
	json_number(b, r->joint_psi_stat);
	json_key(b, &jfirst, "psi_p_value");
	json_number(b, r->joint_psi_p);
	json_key(b, &jfirst, "psi_q_value");
	json_number(b, r->joint_psi_q);
	json_key(b, &jfirst, "t2");
	json_number(b, r->joint_t2);
	json_key(b, &jfirst, "t2_p_value");
	json_number(b, r->joint_t2_p);
	json_key(b, &jfirst, "t2_q_value");
	json_number(b, r->joint_t2_q);
	json_key(b, &jfirst, "drift");
	json_bool(b, r->joint_drift);
	JSON_LIT(b, "}");
}

int
report_json_joint_decode(const cJSON *root, struct feature_report *r,
    char **cause)
{
	const cJSON *j = get(root, "joint");

	r->joint_ks_stat = r->joint_psi_stat = NAN;
	r->joint_ks_p = r->joint_psi_p = NAN;
	r->joint_ks_q = r->joint_psi_q = NAN;
	r->joint_t2 = r->joint_t2_p = r->joint_t2_q = NAN;
	r->joint_drift = false;
	if (j == NULL || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsObject(j)) {
		*cause = xstrdup("\"joint\" is not an object");
		return -1;
	}
	if (get_double(j, "ks_statistic", true, &r->joint_ks_stat,
	    cause) == -1 ||
	    get_double(j, "ks_p_value", true, &r->joint_ks_p, cause) == -1 ||
	    get_double(j, "ks_q_value", true, &r->joint_ks_q, cause) == -1 ||
	    get_double(j, "psi_statistic", true, &r->joint_psi_stat,
	    cause) == -1 ||
	    get_double(j, "psi_p_value", true, &r->joint_psi_p,
	    cause) == -1 ||
	    get_double(j, "psi_q_value", true, &r->joint_psi_q,
	    cause) == -1 ||
	    get_double(j, "t2", false, &r->joint_t2, cause) == -1 ||
	    get_double(j, "t2_p_value", false, &r->joint_t2_p, cause) == -1 ||
	    get_double(j, "t2_q_value", false, &r->joint_t2_q, cause) == -1 ||
	    get_bool(j, "drift", &r->joint_drift, cause) == -1)
		return -1;
	return 0;
}
