/*
 * rules_helpers.h: what the rule-engine tests share: temporary rule
 * directories written from inline YAML, steplogs built from text, and a
 * one-call "run this rule set over this text".
 */
#ifndef CF_TESTS_RULES_HELPERS_H
#define CF_TESTS_RULES_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ciforensics/rules.h"

/* A fresh directory under $TMPDIR (or /tmp); caller frees the path. */
static inline char *tmpdir_new(void) {
  const char *base = getenv("TMPDIR");
  char tmpl[512];
  snprintf(tmpl, sizeof tmpl, "%s/cfrules-XXXXXX", base && *base ? base : "/tmp");
  char *d = mkdtemp(tmpl);
  if (!d) {
    perror("mkdtemp");
    exit(2);
  }
  return cf_xstrdup(d);
}

static inline void write_file(const char *dir, const char *name, const char *text) {
  char *p = cf_path_join(dir, name);
  FILE *f = fopen(p, "wb");
  if (!f) {
    perror(p);
    exit(2);
  }
  fputs(text, f);
  fclose(f);
  free(p);
}

/* Remove a directory of plain files (what these tests create). */
static inline void tmpdir_remove(char *dir) {
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  free(dir);
}

/* Load one rule file's text; on error returns NULL and copies the message
 * into msg (at least 1024 bytes). */
static inline cf_ruleset *load_text(const char *yaml, char *msg) {
  cf_ruleset *rs = NULL;
  cf_err err = {0};
  msg[0] = '\0';
  if (cf_ruleset_load_buffer("t.yaml", yaml, strlen(yaml), &rs, &err)) {
    snprintf(msg, 1024, "%s", err.msg);
    return NULL;
  }
  return rs;
}

/* Run rs over text as one step (no tiers unless given). */
static inline void run_text(cf_matcher *m, const char *step, const char *text,
                     const cf_tier_span *spans, size_t n_spans, cf_step_matches *sm) {
  cf_steplog log;
  cf_rules_textlog(text, strlen(text), &log);
  cf_matcher_run(m, step, &log, spans, n_spans, sm);
  cf_rules_textlog_free(&log);
}

/* The hit of rule id in sm, or NULL. */
static inline const cf_rule_hit *hit_of(const cf_ruleset *rs, const cf_step_matches *sm,
                                 const char *id) {
  long ri = cf_ruleset_find(rs, id);
  for (size_t i = 0; i < sm->n_hits; i++)
    if ((long)sm->hits[i].rule == ri) return &sm->hits[i];
  return NULL;
}

#endif
