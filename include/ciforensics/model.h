/*
 * model.h: the plain data that flows from the Drone reader into analysis.
 *
 * Ownership: a cf_build owns every string and array below it; free it with
 * cf_build_free (drone.h). Strings are never NULL once loaded (empty "" when
 * Drone stored nothing) unless a comment says otherwise.
 */
#ifndef CIFORENSICS_MODEL_H
#define CIFORENSICS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "ciforensics/util.h"

/* One key=value of build_params (Drone stores a JSON object of strings). */
typedef struct cf_param {
  char *key;
  char *value;
} cf_param;

/* What a build actually exercised (DESIGN.md "Identity"). */
typedef struct cf_tested {
  char *recipe;       /* NULL when unknown */
  char *sha;          /* NULL when unknown */
  long pr;            /* -1 when unknown */
  const char *source; /* static: "results", "params", "ref" or "none" */
} cf_tested;

typedef struct cf_step {
  int64_t id;        /* step_id == logs.log_id */
  int number;        /* 1-based within the stage */
  char *name;
  char *status;      /* Drone status string */
  char *error;       /* step_error, "" when none */
  int exit_code;
  int errignore;
  cf_time started;   /* CF_TIME_NONE when Drone stored 0 */
  cf_time stopped;
  int has_log_row;   /* a logs row exists (its content may still be null) */
} cf_step;

typedef struct cf_stage {
  int64_t id;
  int number;
  char *name;
  char *status;
  char *machine;     /* stage_machine, "" until a runner accepted it */
  int exit_code;
  cf_time started;
  cf_time stopped;
  cf_step *steps;    /* ordered by step_number */
  size_t n_steps;
} cf_stage;

typedef struct cf_build {
  int64_t id;        /* build_id */
  long number;       /* build_number */
  char *status;      /* success, failure, error, killed, running, ... */
  char *event;       /* push, pull_request, custom, ... */
  char *ref;         /* build_ref */
  char *sha;         /* build_after */
  char *trigger;
  char *error;       /* build_error */
  cf_param *params;  /* sorted by key */
  size_t n_params;
  cf_time created, started, finished, updated;
  cf_stage *stages;  /* ordered by stage_number */
  size_t n_stages;
  cf_tested tested;  /* from params/ref here; results.json may refine it */
  const char *machine;     /* borrowed: the first stage's machine, or "" */
  const cf_step *failed;   /* borrowed: the first failed step that counts (not
                              failure: ignore) in stage and step order, or NULL */
} cf_build;

/* One tier of a harness run as observed, from log banners (rules/tiers.yaml)
 * or from JUnit timestamps. Used by tier segmentation, artifacts and
 * analysis alike. */
typedef struct cf_tier_span {
  char *name;          /* owned: install, upgrade, backup, restore, custom, lint */
  size_t first_line;   /* 1-based line in the harness step's log; 0 if unknown */
  size_t last_line;    /* inclusive; 0 if unknown */
  cf_time start, end;  /* absolute UTC; CF_TIME_NONE if unknown */
  const char *source;  /* static: "log" or "junit" */
} cf_tier_span;
void cf_tier_spans_free(cf_tier_span *spans, size_t n);

/* Drone's notion of "failed" and "done" (drone-schema.md section 4). */
int cf_status_failed(const char *status);
int cf_status_done(const char *status);

#endif
