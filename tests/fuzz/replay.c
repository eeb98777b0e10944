/*
 * main() for the regression build of a harness: replay every file named
 * on the command line, or every regular file of a named directory, through
 * LLVMFuzzerTestOneInput. Each input gets an exactly sized heap copy, as
 * libFuzzer gives, so a sanitizer build sees any read past the end. A
 * directory that does not exist is skipped (git keeps no empty ones); no
 * input at all is an error, so a wrong path cannot pass silently.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int
replay_file(const char *path)
{
	FILE *f;
	uint8_t *buf = NULL, *copy;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	if ((copy = malloc(len ? len : 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(copy, buf, len);
	free(buf);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay a directory's regular files in name order; returns the count. */
static int
replay_dir(const char *dir, int *failed)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char **names = NULL, *path;
	size_t n = 0, i;
	int count = 0;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		(*failed)++;
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((names = realloc(names, (n + 1) * sizeof *names)) == NULL ||
		    (names[n] = strdup(de->d_name)) == NULL)
			abort();
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, name_cmp);
	for (i = 0; i < n; i++) {
		if ((path = malloc(strlen(dir) + strlen(names[i]) + 2)) == NULL)
			abort();
		sprintf(path, "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) == 0)
				count++;
			else
				(*failed)++;
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return count;
}

int
main(int argc, char **argv)
{
	struct stat st;
	int i, count = 0, failed = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			count += replay_dir(argv[i], &failed);
		else if (replay_file(argv[i]) == 0)
			count++;
		else
			failed++;
	}
	if (failed > 0 || count == 0) {
		fprintf(stderr, "replay: %d inputs replayed, %d unreadable\n",
		    count, failed);
		return 1;
	}
	printf("replay: %d inputs ok\n", count);
	return 0;
}
