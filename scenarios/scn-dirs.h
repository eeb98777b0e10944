/*
 * Where mlmon-gen looks for NAME.scn when neither --scenario-dir nor
 * $MLMON_SCENARIO_DIR names a directory.
 */
#ifndef MLMON_SCENARIOS_SCN_DIRS_H
#define MLMON_SCENARIOS_SCN_DIRS_H

#include <stddef.h>

/* Room scn_dirs_default needs in dirs[], the NULL included. */
#define SCN_DIRS_MAX	3

/*
 * Fill dirs[] (NULL-terminated, at most SCN_DIRS_MAX entries with the
 * NULL) with the built-in scenario directories. *own holds the storage of
 * one entry: caller frees it, after the last use of dirs.
 */
void	scn_dirs_default(const char *dirs[SCN_DIRS_MAX], char **own);

#endif
