/*
 * drone.h: reads builds, stages, steps and step logs from a Drone 1.x/2.x
 * sqlite database (drone-schema.md) without ever writing to it.
 *
 * The database is opened read-only through a URI ("file:PATH?mode=ro") and
 * read in short transactions (one per build, one statement per log), so a
 * live Drone server is never blocked. With snapshot=1 the file is first
 * copied into memory with SQLite's backup API and closed. The columns
 * repo_secret and repo_signer are never read: every query names its columns.
 *
 * Errors: every function returns 0 or -1; on -1 err holds one message that
 * starts with the database path ("PATH: ...").
 */
#ifndef CIFORENSICS_DRONE_H
#define CIFORENSICS_DRONE_H

#include <stddef.h>
#include <stdint.h>

#include "ciforensics/model.h"
#include "ciforensics/util.h"

typedef struct cf_drone cf_drone; /* an open database; opaque */

/* Open the sqlite file at path read-only and check that it looks like a
 * Drone 1.x/2.x database (tables and the columns this module reads). With
 * snapshot != 0 the whole database is copied into memory first and the file
 * closed. On success *out is owned by the caller: cf_drone_close. */
int cf_drone_open(const char *path, int snapshot, cf_drone **out, cf_err *err);

/* Build an in-memory database from a SQL text dump (at most
 * CF_DRONE_MAX_DUMP bytes), as the regression corpus stores Drone data, and
 * check it like cf_drone_open. ATTACH is refused, so a dump cannot touch
 * other files. Errors name the file and the line of the failing statement. */
int cf_drone_open_dump(const char *sql_path, cf_drone **out, cf_err *err);
#define CF_DRONE_MAX_DUMP ((size_t)256 << 20)

/* cf_drone_open_dump when path ends in ".sql", else cf_drone_open. */
int cf_drone_open_any(const char *path, int snapshot, cf_drone **out,
                      cf_err *err);

void cf_drone_close(cf_drone *db); /* accepts NULL */

/* The path given when opening (for messages); owned by db. */
const char *cf_drone_path(const cf_drone *db);

/* Look up a repository by its slug "owner/name". An unknown slug is an error
 * listing up to 10 known slugs. */
int cf_drone_find_repo(cf_drone *db, const char *slug, int64_t *repo_id,
                       cf_err *err);

/* Which builds to select: numbers from..to inclusive (0 and LONG_MAX for open
 * ends) and build_created in since..until inclusive (CF_TIME_NONE = open). */
typedef struct cf_build_sel {
  long from, to;
  cf_time since, until;
} cf_build_sel;

/* The build numbers of repo_id matching sel, ascending, in a new array the
 * caller frees with free(). No match is an error ("PATH: repository x/y has
 * no builds in #A..#B"). */
int cf_drone_list_builds(cf_drone *db, int64_t repo_id, const cf_build_sel *sel,
                         long **numbers, size_t *n, cf_err *err);

/* Load build `number` of repo_id with its stages and steps (in one short
 * transaction) into *out, which the caller frees with cf_build_free, also on
 * failure. Fills tested from build_params or build_ref, machine and
 * failed_step (model.h). Orphan stages/steps are never seen: the reader
 * joins down from builds. */
int cf_drone_load_build(cf_drone *db, int64_t repo_id, long number,
                        cf_build *out, cf_err *err);

/* Free what cf_drone_load_build filled and zero *b. Accepts NULL, a zeroed
 * or a half-built build. */
void cf_build_free(cf_build *b);

/* The raw logs.log_data of step_id (at most CF_STEPLOG_MAX_BLOB bytes).
 * *found = 0 when there is no logs row (log kept outside the database, or the
 * step never ran); then *blob is NULL. A NULL log_data is returned as an empty
 * blob. The caller frees *blob with free(). */
int cf_drone_read_log(cf_drone *db, int64_t step_id, char **blob, size_t *len,
                      int *found, cf_err *err);

/* How many log blobs this handle has read (0 for NULL): lets tests prove
 * that a cached build's logs were not read again. */
size_t cf_drone_blobs_read(const cf_drone *db);

/* Number of stages of other builds (any repository; orphans excluded) on
 * `machine` running at time t: started <= t < stopped, or started <= t and
 * still running (stopped 0). The derived host load of DESIGN.md "Inputs". */
int cf_drone_concurrent_stages(cf_drone *db, const char *machine, cf_time t,
                               int64_t exclude_build_id, int *count,
                               cf_err *err);

/* Fill b->tested from b->params / b->ref / b->sha (DESIGN.md "Identity"):
 * params RECIPE, REF, PR (source "params"); else a pull-request ref
 * refs/pull/N/head, refs/merge-requests/N/head, refs/pull-requests/N/from
 * (source "ref", sha = build_after); else source "none", sha = build_after.
 * Replaces any previous tested strings. Exposed for tests and the corpus. */
void cf_drone_derive_tested(cf_build *b);

/* Add a build's fields that need no analysis to the JSON object obj, in
 * this order: number, status, event, ref, sha, tested {recipe, sha, pr,
 * source}, params {key: value}, started, finished, machine, failed_step
 * (DESIGN.md "Command line"); absent values are null, times UTC ISO 8601.
 * Shared by `builds`, `show` and the report so they agree byte for byte. */
struct cJSON;
void cf_drone_build_json(const cf_build *b, struct cJSON *obj);

#endif
