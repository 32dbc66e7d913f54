/*
 * test_corpus.c: the shipped rule library over the external corpus of real
 * CI logs ($CF_SHARED_DIR/corpus-external/logs: Travis, GitHub Actions,
 * Jenkins and Taskcluster failures of ordinary projects). Each file is one
 * step, prepared the way a Drone step is (ANSI escapes removed, only the
 * text after a progress bar's last "\r" kept). Every infra- or timing-class
 * hit must be one that was read and judged correct, listed in
 * tests/library/corpus-judged.txt ("<log path> <rule id>", '#' comments);
 * a new one means a rule became too loose (docs/rules-library.md says how
 * to judge it). The number of such hits therefore never exceeds the judged
 * list. No rule may hit the engine's match limit on these logs. Skips (77)
 * when the corpus is absent.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "ciforensics/rules.h"

#define MAX_LOG_BYTES ((size_t)64 << 20)  /* the largest corpus log is ~2 MB */
#define MAX_FILES 5000                    /* the corpus has ~450 files */
#define MAX_DEPTH 8

typedef struct {
  char **v;
  size_t n, cap;
} strvec;

static void strvec_free(strvec *s) {
  for (size_t i = 0; i < s->n; i++) free(s->v[i]);
  free(s->v);
}

/* Label files, licences and ground truth are not logs. */
static int is_log_name(const char *name) {
  size_t n = strlen(name);
  if (name[0] == '.') return 0;
  if (n >= 5 && !strcmp(name + n - 5, ".json")) return 0;
  if (n >= 6 && !strcmp(name + n - 6, ".jsonl")) return 0;
  return strncmp(name, "LICENSE", 7) && strncmp(name, "NOTICE", 6) &&
         strcmp(name, "MANIFEST.md") && strncmp(name, "groundtruth", 11);
}

/* Collect log paths under dir (relative to base) into out. */
static void walk(const char *base, const char *rel, int depth, strvec *out) {
  if (depth > MAX_DEPTH || out->n >= MAX_FILES) return;
  char *dir = rel[0] ? cf_path_join(base, rel) : cf_xstrdup(base);
  DIR *d = opendir(dir);
  if (!d) {
    free(dir);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) && out->n < MAX_FILES) {
    if (!is_log_name(e->d_name)) continue;
    char *r = rel[0] ? cf_path_join(rel, e->d_name) : cf_xstrdup(e->d_name);
    char *full = cf_path_join(base, r);
    struct stat st;
    if (!stat(full, &st) && S_ISDIR(st.st_mode))
      walk(base, r, depth + 1, out), free(r);
    else if (!stat(full, &st) && S_ISREG(st.st_mode))
      CF_PUSH(out->v, out->n, out->cap, r);
    else
      free(r);
    free(full);
  }
  closedir(d);
  free(dir);
}

/* What a Drone step's plain text would be: CSI escape sequences removed,
 * and per line only the text after the last "\r" that is not the line's
 * last character (a redrawn progress bar). In place; returns the new length. */
static size_t plain_text(char *t, size_t len) {
  size_t w = 0, line_start = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)t[i];
    if (c == 0x1b && i + 1 < len && t[i + 1] == '[') {
      i += 2;
      while (i < len && (unsigned char)t[i] >= 0x20 && (unsigned char)t[i] <= 0x3f) i++;
      continue; /* i is now on the final byte (or past the end) */
    }
    if (c == '\r' && i + 1 < len && t[i + 1] != '\n') {
      w = line_start; /* the rest of the line redraws it */
      continue;
    }
    t[w++] = (char)c;
    if (c == '\n') line_start = w;
  }
  return w;
}

static strvec judged;

static int is_judged(const char *key) {
  for (size_t i = 0; i < judged.n; i++)
    if (!strcmp(judged.v[i], key)) return 1;
  return 0;
}

/* Load "<path> <rule id>" lines; '#' starts a comment. */
static int load_judged(const char *path) {
  char *text;
  size_t len;
  cf_err err = {{0}};
  if (cf_read_file(path, 1 << 20, &text, &len, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#' || !line[0]) continue;
    CF_PUSH(judged.v, judged.n, judged.cap, cf_xstrdup(line));
  }
  free(text);
  return 0;
}

int main(void) {
  const char *shared = getenv("CF_SHARED_DIR"), *root = getenv("CF_SOURCE_ROOT");
  if (!shared || !root) {
    fprintf(stderr, "CF_SHARED_DIR/CF_SOURCE_ROOT not set (run through meson test)\n");
    return 1;
  }
  char *logs = cf_path_join(shared, "corpus-external/logs");
  if (!cf_dir_exists(logs)) {
    printf("skip: external corpus %s is absent\n", logs);
    free(logs);
    return 77;
  }
  char *rules = cf_path_join(root, "rules");
  char *judged_path = cf_path_join(root, "tests/library/corpus-judged.txt");
  const char *dirs[] = {rules};
  cf_ruleset *rs = NULL;
  cf_err err = {{0}};
  int rc = 1;
  strvec files = {0};
  cf_matcher *m = NULL;
  if (cf_ruleset_load(dirs, 1, &rs, &err)) {
    fprintf(stderr, "loading %s: %s\n", rules, err.msg);
    goto out;
  }
  if (load_judged(judged_path)) goto out;
  walk(logs, "", 0, &files);
  qsort(files.v, files.n, sizeof *files.v, cf_strptr_cmp);
  CHECK(files.n >= 300);
  m = cf_matcher_new(rs, NULL);
  size_t n_it = 0, n_recipe = 0, logs_hit = 0;
  for (size_t f = 0; f < files.n; f++) {
    char *full = cf_path_join(logs, files.v[f]), *text;
    size_t len;
    cf_err rerr = {{0}};
    int bad = cf_read_file(full, MAX_LOG_BYTES, &text, &len, &rerr);
    free(full);
    CHECK(!bad);
    if (bad) {
      fprintf(stderr, "%s\n", rerr.msg);
      continue;
    }
    len = plain_text(text, len);
    cf_steplog log;
    cf_rules_textlog(text, len, &log);
    free(text);
    cf_step_matches sm;
    cf_matcher_run(m, NULL, &log, NULL, 0, &sm);
    if (sm.n_hits) logs_hit++;
    for (size_t i = 0; i < sm.n_hits; i++) {
      const cf_rule *r = cf_ruleset_rule(rs, sm.hits[i].rule);
      printf("%s:%zu: %s (%s)\n", files.v[f], sm.hits[i].line + 1, r->id,
             cf_rule_class_name(r->cls));
      if (r->cls == CF_CLASS_RECIPE) {
        n_recipe++;
        continue;
      }
      n_it++;
      char key[1200];
      snprintf(key, sizeof key, "%s %s", files.v[f], r->id);
      if (!is_judged(key)) fprintf(stderr, "unjudged infra/timing hit: %s\n", key);
      CHECK(is_judged(key));
    }
    for (size_t i = 0; i < sm.n_limited; i++)
      fprintf(stderr, "%s: rule %s hit the match limit\n", files.v[f],
              cf_ruleset_rule(rs, sm.limited[i])->id);
    CHECK_INT(sm.n_limited, 0);
    cf_step_matches_free(&sm);
    cf_rules_textlog_free(&log);
  }
  printf("%zu logs, %zu with a hit; infra/timing hits %zu (judged list %zu), recipe hits %zu\n",
         files.n, logs_hit, n_it, judged.n, n_recipe);
  CHECK(n_it <= judged.n);
  rc = cf_check_failures ? 1 : 0;
out:
  cf_matcher_free(m);
  cf_ruleset_free(rs);
  strvec_free(&files);
  strvec_free(&judged);
  free(rules);
  free(judged_path);
  free(logs);
  return rc;
}
