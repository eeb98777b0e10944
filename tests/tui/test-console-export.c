/*
 * The console's --once --format json and csv against the fixture store
 * (test-console, console-test.h): every tab's numbers and nulls, every
 * model's alerts, the csv tables and their fields.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "console-test.h"
#include "db/fixture.h"
#include "fixture.h"
#include "tui/app.h"
#include "tui/console.h"
#include "tui/export.h"
#include "tui/glyphs.h"
#include "tui/options.h"
#include "tui/snapshot.h"

/* ---- --format json ---- */

START_TEST(json_overview)
{
	const char *const args[] = { "--format", "json", NULL };
	cJSON *j, *ff, *al;
	char *out;
	int rc;

	write_fixture(1, 20, 16);
	j = once_json(args);
	ck_assert_str_eq(jstr(j, "tab"), "overview");
	ck_assert_str_eq(jstr(j, "state"), "ok");
	ck_assert_int_eq((int)jnum(j, "latest_batch"), 20);
	ck_assert_int_eq((int)jnum(j, "rows"), 20 * FIXTURE_ROWS);
	ck_assert_int_eq((int)jnum(j, "performance_batch"), 16);
	ck_assert(fabs(jnum(j, "accuracy") - 0.44) < 1e-9);
	ck_assert(fabs(jnum(j, "accuracy_ref") - 0.70) < 1e-9);
	ck_assert_str_eq(jstr(j, "ece_band"), "bad");
	ck_assert_int_eq((int)jnum(j, "drifted_batches_psi_0_20"), 11);
	ck_assert_int_eq((int)jnum(j, "drifted_batches_psi_0_10"), 12);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "label_shift")));
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "stale")));
	ck_assert_int_eq((int)jnum(j, "last_write_age_s"), 58);
	ff = cJSON_GetObjectItem(j, "first_fired");
	ck_assert_int_eq((int)jnum(ff, "psi"), 10);
	ck_assert(jnull(ff, "confidence"));	/* never: null, not -1 */
	ck_assert_int_eq((int)jnum(j, "alerts_total"), 14);
	ck_assert_int_gt(jlen(j, "latest_alerts"), 0);
	cJSON_ArrayForEach(al, cJSON_GetObjectItem(j, "latest_alerts")) {
		/* Escape sequences in stored text are gone. */
		ck_assert_ptr_null(strchr(jstr(al, "message"), 0x1b));
	}
	cJSON_Delete(j);

	/* No labels at all: the performance numbers are null. */
	fixture_store_drop();
	fixture_store_new();
	write_fixture(1, 5, 0);
	j = once_json(args);
	ck_assert(jnull(j, "accuracy"));
	ck_assert(jnull(j, "f1_delta"));
	ck_assert(jnull(j, "ece"));
	ck_assert(jnull(j, "ece_band"));
	ck_assert(jnull(j, "performance_batch"));
	ck_assert_int_eq((int)jnum(j, "labelled_rows"), 0);
	cJSON_Delete(j);

	/*
	 * A store that is not there is an error for a script (issue 11):
	 * exit 1, nothing on stdout (the message goes to stderr).
	 */
	fixture_store_drop();
	out = run_once(args, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

START_TEST(json_drift)
{
	const char *const args[] = { "--format", "json", "--tab", "drift",
	    NULL };
	cJSON *j, *f, *fl;
	int nb;

	write_fixture(1, 20, 16);
	j = once_json(args);
	ck_assert_str_eq(jstr(j, "tab"), "drift");
	nb = jlen(j, "batches");
	ck_assert_int_eq(nb, 20);
	ck_assert_int_eq(jlen(j, "features"), FIXTURE_FEATURES);
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "features"), 1);
	ck_assert_str_eq(jstr(f, "name"), "income");
	ck_assert(fabs(jnum(f, "psi") - (0.22 + 0.02 * 10)) < 1e-9);
	ck_assert(jnum(f, "ks_p") < 0.01);
	fl = cJSON_GetObjectItem(f, "flags");
	ck_assert_int_eq(cJSON_GetArraySize(fl), 2);
	ck_assert_str_eq(cJSON_GetArrayItem(fl, 0)->valuestring,
	    "psi_critical");
	ck_assert_str_eq(cJSON_GetArrayItem(fl, 1)->valuestring, "ks");
	ck_assert_int_eq(jlen(f, "psi_series"), nb);
	ck_assert_int_eq(jlen(f, "ks_p_series"), nb);
	/* Calm feature: no flags. */
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "features"), 3);
	ck_assert_int_eq(jlen(f, "flags"), 0);
	/* The hostile name arrives without its escape. */
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "features"), 4);
	ck_assert_str_eq(jstr(f, "name"), "z[31mred");
	ck_assert_int_eq(jlen(j, "label_shift_p"), nb);
	cJSON_Delete(j);
}
END_TEST

START_TEST(json_calibration)
{
	const char *const args[] = { "--format", "json", "--tab",
	    "calibration", NULL };
	const char *const args18[] = { "--format", "json", "--tab",
	    "calibration", "--batch", "18", NULL };
	cJSON *j, *row, *bin;
	double sum = 0;
	int bins = 0;

	write_fixture(1, 20, 16);
	j = once_json(args);
	ck_assert_int_eq((int)jnum(j, "batch"), 16);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "labelled")));
	ck_assert_int_eq(jlen(j, "classes"), FIXTURE_CLASSES);
	ck_assert_int_eq(jlen(j, "confusion"), FIXTURE_CLASSES);
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(j, "confusion")) {
		cJSON *cell;

		ck_assert_int_eq(cJSON_GetArraySize(row), FIXTURE_CLASSES);
		cJSON_ArrayForEach(cell, row)
			sum += cell->valuedouble;
	}
	ck_assert(sum == FIXTURE_ROWS);
	ck_assert_int_eq(jlen(j, "reliability"), 10);
	cJSON_ArrayForEach(bin, cJSON_GetObjectItem(j, "reliability")) {
		if (jnum(bin, "count") == 0) {
			ck_assert(jnull(bin, "accuracy"));
			ck_assert(jnull(bin, "mean_confidence"));
		} else
			bins++;
	}
	ck_assert_int_gt(bins, 0);
	ck_assert(jnum(j, "ece") > 0);
	cJSON_Delete(j);

	/* Not labelled yet: said plainly, no matrix. */
	j = once_json(args18);
	ck_assert_int_eq((int)jnum(j, "batch"), 18);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "labelled")));
	ck_assert_ptr_null(cJSON_GetObjectItem(j, "confusion"));
	ck_assert_ptr_null(cJSON_GetObjectItem(j, "ece"));
	cJSON_Delete(j);
}
END_TEST

START_TEST(json_alerts_all_of_them)
{
	/* 16 rows show 11 alerts; the export has all 14. */
	const char *const args[] = { "--format", "json", "--tab", "alerts",
	    "--height", "16", NULL };
	cJSON *j, *al;
	int n;

	write_fixture(1, 20, 16);
	j = once_json(args);
	ck_assert_int_eq((int)jnum(j, "total"), 14);
	ck_assert_int_eq(jlen(j, "alerts"), 14);
	al = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "alerts"), 0);
	ck_assert_int_eq((int)jnum(al, "batch"), 16);
	ck_assert_str_eq(jstr(al, "severity"), "warning");
	ck_assert(jnum(al, "sent_at") > FIXTURE_T0);
	/* The hostile message: escape, OSC and bell stripped. */
	n = 0;
	cJSON_ArrayForEach(al, cJSON_GetObjectItem(j, "alerts")) {
		n += strstr(jstr(al, "message"), "decay [2J]0;pwned evil "
		    "text") != NULL;
	}
	ck_assert_int_eq(n, 1);
	cJSON_Delete(j);
}
END_TEST

/* ---- --format csv ---- */

START_TEST(csv_fields_table)
{
	static const struct {
		const char	*in;
		const char	*want;
	} rows[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "\x1b[31mred\x1b[0m", "[31mred[0m" },
		{ "two\nlines", "two lines" },
		{ "end\n", "\"end \"" },
		{ " lead", "\" lead\"" },
		{ "bad \xff byte", "bad \xef\xbf\xbd byte" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"" },
		{ "+1", "\"'+1\"" }, { "-x", "\"'-x\"" }, { "@A1", "\"'@A1\"" },
		{ "a=b", "a=b" },
	};
	static const struct {
		double		 v;
		const char	*want;
	} nums[] = {
		{ NAN, "" }, { INFINITY, "" }, { 0, "0" }, { 20, "20" },
		{ 0.1, "0.1" }, { -0.26, "-0.26" },
		{ 1.0 / 3, "0.333333333333333" }, { 0.79 - 1e-17, "0.79" },
		{ 1e-300, "1e-300" }, { 1700001242.5, "1700001242.5" },
	};
	char *out = NULL;
	size_t len = 0, i;
	FILE *f;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		f = open_memstream(&out, &len);
		export_csv_field(f, rows[i].in);
		fclose(f);
		ck_assert_msg(strcmp(out, rows[i].want) == 0,
		    "row %zu: got '%s' want '%s'", i, out, rows[i].want);
		free(out);
	}
	for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		f = open_memstream(&out, &len);
		export_csv_number(f, nums[i].v);
		fclose(f);
		ck_assert_msg(strcmp(out, nums[i].want) == 0,
		    "num %zu: got '%s'", i, out);
		free(out);
	}
}
END_TEST

START_TEST(csv_tables)
{
	static const struct {
		const char	*tab;
		const char	*header;
		int		 lines;		/* with the header */
		const char	*prefix;	/* a data line starting so */
		const char	*has;		/* ... and holding this */
	} rows[] = {
		{ "overview", "model,batch,accuracy,f1,ece,max_psi,"
		    "label_shift_p,est_accuracy,est_accuracy_lower,"
		    "est_accuracy_upper,est_f1,estimated_decay\n", 21,
		    "default,18,,,,", ",0.7" },	/* unlabelled: estimated */
		{ "overview", NULL, 21, "default,16,0.44,", NULL },
		{ "drift", "model,feature,batch,psi,ks_p,flags,missing_share,"
		    "kind,chisq_p,new_share\n", 1 + 5 * 20,
		    "default,income,20,", "psi_critical ks" },
		{ "drift", NULL, 101, "default,z[31mred,1,", NULL },
		{ "calibration", "model,batch,bin_lo,bin_hi,count,"
		    "mean_confidence,accuracy\n", 11, "default,16,0.0,0.1,0,,",
		    NULL },
		{ "alerts", "model,id,batch,sent_at,severity,kind,status,"
		    "channel,attempts,message\n", 15, NULL,
		    "[2J]0;pwned evil text" },
	};
	const char *args[8], *line;
	char *out;
	size_t i;
	int rc;

	write_fixture(1, 20, 16);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		args[0] = "--format";
		args[1] = "csv";
		args[2] = "--tab";
		args[3] = rows[i].tab;
		args[4] = NULL;
		out = run_once(args, &rc);
		ck_assert_int_eq(rc, 0);
		if (rows[i].header != NULL)
			ck_assert_msg(strncmp(out, rows[i].header,
			    strlen(rows[i].header)) == 0, "row %zu: header "
			    "'%.60s'", i, out);
		ck_assert_msg(count_lines(out) == rows[i].lines,
		    "row %zu: %d lines", i, count_lines(out));
		ck_assert_ptr_null(strchr(out, 0x1b));
		if (rows[i].prefix != NULL) {
			line = line_with(out, rows[i].prefix);
			ck_assert_msg(line != NULL, "row %zu: no line '%s'", i,
			    rows[i].prefix);
			if (rows[i].has != NULL)
				ck_assert(strstr(line, rows[i].has) != NULL &&
				    strstr(line, rows[i].has) <
				    strchr(line, '\n'));
		} else if (rows[i].has != NULL)
			ck_assert_ptr_nonnull(strstr(out, rows[i].has));
		free(out);
	}
	/* Unlabelled batch: the header alone. */
	args[4] = "--batch";
	args[5] = "18";
	args[6] = NULL;
	args[3] = "calibration";
	out = run_once(args, &rc);
	ck_assert_int_eq(count_lines(out), 1);
	free(out);
}
END_TEST

size_t
console_export_cases(struct fixture_case *cases, size_t n)
{
	cases[n++] = (struct fixture_case){ json_overview, NULL };
	cases[n++] = (struct fixture_case){ json_drift, NULL };
	cases[n++] = (struct fixture_case){ json_calibration, NULL };
	cases[n++] = (struct fixture_case){ json_alerts_all_of_them, NULL };
	cases[n++] = (struct fixture_case){ csv_fields_table, NULL };
	cases[n++] = (struct fixture_case){ csv_tables, NULL };
	return n;
}
