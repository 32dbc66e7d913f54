/*
 * prs.h: the pull-request list (--prs FILE), as the Gitea or GitHub REST API
 * returns it: a JSON array of objects with number, state, title,
 * head {sha, ref}, created_at, updated_at, closed_at, merged_at and, on
 * Gitea, merged. Other fields are ignored.
 *
 * The file is a snapshot taken at export time; questions are asked "as of"
 * the review moment. What the snapshot cannot show is stated per function
 * (an updated_at after as_of hides earlier activity; the head sha is the
 * head at export time).
 *
 * Ownership: a cf_prs owns every PR and string below it; free it with
 * cf_prs_free (NULL and half-built are fine).
 */
#ifndef CIFORENSICS_PRS_H
#define CIFORENSICS_PRS_H

#include <stddef.h>

#include "ciforensics/util.h"

#define CF_PRS_MAX_BYTES (16u << 20)
#define CF_PRS_MAX_PRS 100000

typedef enum {
  CF_PR_NOT_YET, /* created after the moment asked about */
  CF_PR_OPEN,
  CF_PR_CLOSED,  /* closed without merging */
  CF_PR_MERGED
} cf_pr_state;

typedef struct cf_pr {
  long number;
  char *state;      /* as exported: "open" or "closed" */
  char *title;      /* "" when absent */
  char *head_sha;   /* NULL when absent */
  char *head_ref;   /* NULL when absent */
  char *repo;       /* the repository's name ("ghost"): base.repo.name, else
                       from html_url/url (".../OWNER/NAME/pulls/N"); NULL
                       when neither says */
  cf_time created, updated, closed, merged; /* CF_TIME_NONE when null */
  int index;        /* position in the file's array */
} cf_pr;

typedef struct cf_prs {
  cf_pr *items;     /* file order */
  size_t n;
  char **warnings;  /* messages naming file and JSON path */
  size_t n_warnings;
  char *path;
} cf_prs;

/* Read a PR list. 0, or -1 with err naming the file and the JSON path
 * ("prs.json: [2].head.sha: expected a string") or line of a syntax error.
 * Free *out with cf_prs_free. */
int cf_prs_load(const char *path, cf_prs *out, cf_err *err);
int cf_prs_load_mem(const char *data, size_t len, const char *name,
                    cf_prs *out, cf_err *err);
void cf_prs_free(cf_prs *p);

/* The PR with this number, or NULL (borrowed). */
const cf_pr *cf_prs_find(const cf_prs *p, long number);

/* State as of a moment: not yet created, open, closed or merged. A PR
 * closed or merged after as_of was open then. as_of CF_TIME_NONE means
 * "now" (the export). A PR whose exported state is "open" but that has a
 * closed_at was reopened: it counts as open from creation (the snapshot
 * does not say when it was closed and reopened). */
cf_pr_state cf_pr_state_at(const cf_pr *pr, cf_time as_of);
const char *cf_pr_state_name(cf_pr_state s); /* "not yet created", ... */

/* Latest of created, updated, closed and merged that is <= as_of
 * (CF_TIME_NONE = no limit); CF_TIME_NONE if the PR did not exist yet.
 * updated_at holds only the newest update, so when it is after as_of the
 * updates before as_of are unseen and activity falls back to the creation
 * (or a close/merge at or before as_of). */
cf_time cf_pr_last_activity(const cf_pr *pr, cf_time as_of);

/* 1 when a and b are the same commit by prefix: both at least 7 hex
 * digits and one a prefix of the other (case-insensitive). */
int cf_sha_prefix_match(const char *a, const char *b);
/* cf_sha_prefix_match(pr->head_sha, sha); 0 when the head is unknown. */
int cf_pr_head_matches(const cf_pr *pr, const char *sha);

#endif
