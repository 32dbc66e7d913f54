/*
 * tiermap.c: testcase-to-tier mapping, per-tier aggregates, JUnit-derived
 * tier spans and the implied level (see tiermap.h for the rules).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ciforensics/tiermap.h"

static const char *const tier_names[CF_N_TIERS] = {
    "install", "upgrade", "backup", "restore", "custom", "lint"};

const char *cf_tier_name(cf_tier_id t) {
  return t >= 0 && t < CF_N_TIERS ? tier_names[t] : NULL;
}

int cf_tier_rung(cf_tier_id t) {
  static const int rung[CF_N_TIERS] = {1, 2, 3, 3, 4, 5};
  return t >= 0 && t < CF_N_TIERS ? rung[t] : 0;
}

cf_tier_id cf_tier_parse(const char *name) {
  if (!name) return CF_TIERID_NONE;
  for (int i = 0; i < CF_N_TIERS; i++)
    if (cf_str_ieq(name, tier_names[i])) return (cf_tier_id)i;
  if (cf_str_ieq(name, "functional") || cf_str_ieq(name, "smoke"))
    return CF_TIERID_CUSTOM;
  static const cf_tier_id by_rung[] = {CF_TIERID_INSTALL, CF_TIERID_UPGRADE,
                                       CF_TIERID_BACKUP, CF_TIERID_CUSTOM,
                                       CF_TIERID_LINT};
  if ((name[0] == 'L' || name[0] == 'l') && name[1] >= '1' && name[1] <= '5' &&
      !name[2])
    return by_rung[name[1] - '1'];
  return CF_TIERID_NONE;
}

/* Keyword at text[i] only at a word start: after a non-letter, or where a
 * lower-case letter is followed by an upper-case one (camelCase). */
static int word_start(const char *text, size_t i) {
  if (i == 0) return 1;
  unsigned char prev = (unsigned char)text[i - 1];
  unsigned char cur = (unsigned char)text[i];
  if (!isalpha(prev)) return 1;
  return islower(prev) && isupper(cur);
}

cf_tier_id cf_tiermap_text(const char *text) {
  static const struct {
    const char *kw;
    cf_tier_id tier;
  } kws[] = {
      {"install", CF_TIERID_INSTALL}, {"upgrade", CF_TIERID_UPGRADE},
      {"backup", CF_TIERID_BACKUP},   {"restore", CF_TIERID_RESTORE},
      {"custom", CF_TIERID_CUSTOM},   {"functional", CF_TIERID_CUSTOM},
      {"smoke", CF_TIERID_CUSTOM},    {"lint", CF_TIERID_LINT},
  };
  if (!text) return CF_TIERID_NONE;
  for (size_t i = 0; text[i]; i++) {
    if (!word_start(text, i)) continue;
    for (size_t k = 0; k < sizeof kws / sizeof kws[0]; k++) {
      size_t n = strlen(kws[k].kw);
      if (!strncasecmp(text + i, kws[k].kw, n)) return kws[k].tier;
    }
  }
  return CF_TIERID_NONE;
}

cf_tier_id cf_tiermap_case(const cf_junit *j, const cf_junit_case *c) {
  const char *base = NULL;
  if (j && j->path) {
    base = strrchr(j->path, '/');
    base = base ? base + 1 : j->path;
  }
  const char *texts[] = {c->name, c->classname, c->suite, base};
  for (size_t i = 0; i < 4; i++) {
    cf_tier_id t = cf_tiermap_text(texts[i]);
    if (t != CF_TIERID_NONE) return t;
  }
  return CF_TIERID_NONE;
}

void cf_tiermap_aggregate(const cf_junit *files, size_t n,
                          cf_tier_agg out[CF_N_TIERS], size_t *n_unmapped) {
  memset(out, 0, CF_N_TIERS * sizeof *out);
  for (int t = 0; t < CF_N_TIERS; t++) out[t].start = out[t].end = NAN;
  if (n_unmapped) *n_unmapped = 0;
  for (size_t f = 0; f < n; f++) {
    for (size_t i = 0; i < files[f].n_cases; i++) {
      const cf_junit_case *c = &files[f].cases[i];
      cf_tier_id t = cf_tiermap_case(&files[f], c);
      if (t == CF_TIERID_NONE) {
        if (n_unmapped) (*n_unmapped)++;
        continue;
      }
      cf_tier_agg *a = &out[t];
      a->tests++;
      switch (c->outcome) {
      case CF_JUNIT_PASS: a->passed++; break;
      case CF_JUNIT_FAILURE: a->failures++; break;
      case CF_JUNIT_ERROR: a->errors++; break;
      case CF_JUNIT_SKIPPED: a->skipped++; break;
      }
      double secs = c->time > 0 ? c->time : 0;
      a->seconds += secs;
      if (isnan(c->start)) {
        a->n_untimed++;
        continue;
      }
      if (isnan(a->start) || c->start < a->start) a->start = c->start;
      if (isnan(a->end) || c->start + secs > a->end) a->end = c->start + secs;
    }
  }
}

cf_tier_status cf_tier_agg_status(const cf_tier_agg *a) {
  if (a->failures || a->errors) return CF_TIER_FAIL;
  if (a->passed) return CF_TIER_PASS;
  if (a->skipped) return CF_TIER_SKIP;
  return CF_TIER_UNKNOWN;
}

size_t cf_junit_tier_spans(const cf_junit *files, size_t n, cf_tier_span **out) {
  cf_tier_agg agg[CF_N_TIERS];
  cf_tiermap_aggregate(files, n, agg, NULL);
  *out = NULL;
  size_t count = 0, cap = 0;
  for (int t = 0; t < CF_N_TIERS; t++) {
    if (isnan(agg[t].start)) continue;
    cf_tier_span s = {0};
    s.name = cf_xstrdup(tier_names[t]);
    s.start = (cf_time)llround(agg[t].start);
    s.end = (cf_time)llround(agg[t].end);
    s.source = "junit";
    CF_PUSH(*out, count, cap, s);
  }
  return count;
}

void cf_tier_spans_map_lines(cf_tier_span *spans, size_t n,
                             const cf_steplog *log, cf_time step_started) {
  if (!log || step_started == CF_TIME_NONE) return;
  for (size_t s = 0; s < n; s++) {
    cf_tier_span *sp = &spans[s];
    if (sp->start == CF_TIME_NONE || sp->end == CF_TIME_NONE) continue;
    size_t first = 0, last = 0;
    for (size_t i = 0; i < log->n_lines; i++) {
      cf_time at = step_started + log->lines[i].time;
      if (at < sp->start || at > sp->end) continue;
      size_t line = (size_t)log->lines[i].pos + 1;
      if (!first) first = line;
      last = line;
    }
    sp->first_line = first;
    sp->last_line = last;
  }
}

int cf_tier_level(const cf_tier_status st[CF_N_TIERS],
                  const int intentional[CF_N_TIERS], cf_tier_id *blocking) {
  /* Tiers of each rung L1..L5. */
  static const cf_tier_id rungs[5][2] = {
      {CF_TIERID_INSTALL, CF_TIERID_NONE}, {CF_TIERID_UPGRADE, CF_TIERID_NONE},
      {CF_TIERID_BACKUP, CF_TIERID_RESTORE}, {CF_TIERID_CUSTOM, CF_TIERID_NONE},
      {CF_TIERID_LINT, CF_TIERID_NONE}};
  int level = 0;
  if (blocking) *blocking = CF_TIERID_NONE;
  for (int r = 0; r < 5; r++) {
    int passed = 0;
    for (int k = 0; k < 2; k++) {
      cf_tier_id t = rungs[r][k];
      if (t == CF_TIERID_NONE) continue;
      if (st[t] == CF_TIER_PASS) {
        passed = 1;
      } else if (!(st[t] == CF_TIER_SKIP && intentional && intentional[t])) {
        if (blocking) *blocking = t;
        return level;
      }
    }
    if (passed) level = r + 1;
  }
  return level;
}
