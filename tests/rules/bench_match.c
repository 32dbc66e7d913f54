/*
 * bench_match.c: matching throughput of the rule engine (not a test: timing
 * never decides pass/fail). Synthesises ~8 MB of step text — ordinary
 * build, deploy and pytest output with, every few hundred lines, a real
 * failure string from real-signatures.md — and times cf_matcher_run over it
 * with rule sets of 10, 50 and 200 rules built from those signature strings
 * (plus the shipped library as it is), with and without the literal
 * prefilter. Beside each, `rg -P -c -f` and `rg -c -f` on the same text
 * with the same patterns. Figures go to docs/performance.md.
 *
 * usage: bench_match RULES_DIR REAL_SIGNATURES_MD [MBYTES]
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "ciforensics/rules.h"
#include "rules_helpers.h"

#define STEP_BYTES ((size_t)512 << 10) /* many realistic steps, not one blob */

static uint64_t rng = 88172645463325252ull;
static uint32_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- signatures from real-signatures.md ---- */

typedef struct {
  char **sig;     /* as text, format verbs filled in */
  char **re;      /* as regex, same index */
  size_t n, cap_sig, n_re, cap_re;
} sigs_t;

static void add_sig(sigs_t *s, const char *q, size_t len) {
  cf_buf text = {0}, re = {0};
  cf_buf_append(&text, "", 0);
  cf_buf_append(&re, "", 0);
  for (size_t i = 0; i < len; i++) {
    char c = q[i];
    if (c == '%') {
      size_t j = i + 1;
      while (j < len && strchr("-.0123456789", q[j])) j++;
      if (j < len && strchr("sdvqx", q[j])) {
        cf_buf_puts(&text, q[j] == 'd' ? "42" : "x8k2j4h5");
        cf_buf_puts(&re, q[j] == 'd' ? "\\d+" : "\\S+");
        i = j;
        continue;
      }
    }
    cf_buf_putc(&text, c);
    if (strchr("\\.^$|?*+()[]{}", c)) cf_buf_putc(&re, '\\');
    cf_buf_putc(&re, c);
  }
  if (text.len >= 8) {
    char *t = cf_buf_steal(&text), *r = cf_buf_steal(&re);
    CF_PUSH(s->sig, s->n, s->cap_sig, t);
    CF_PUSH(s->re, s->n_re, s->cap_re, r);
  } else {
    cf_buf_free(&text);
    cf_buf_free(&re);
  }
}

static void load_sigs(const char *path, sigs_t *s) {
  char *doc = NULL;
  size_t len = 0;
  cf_err err = {0};
  if (cf_read_file(path, 1 << 22, &doc, &len, &err)) {
    fprintf(stderr, "bench_match: %s\n", err.msg);
    exit(77);
  }
  for (char *line = strtok(doc, "\n"); line; line = strtok(NULL, "\n")) {
    if (!strstr(line, "**String")) continue;
    for (char *p = line; (p = strstr(p, "`\"")); ) {
      char *e = strstr(p + 2, "\"`");
      if (!e) break;
      if (!memchr(p + 2, '`', (size_t)(e - p - 2))) add_sig(s, p + 2, (size_t)(e - p - 2));
      p = e + 2;
    }
  }
  free(doc);
}

/* ---- text ---- */

static void ordinary_line(cf_buf *b) {
  static const char *const words[] = {"install", "upgrade", "backup", "restore", "custom"};
  const char *w = words[next_rand() % 5];
  unsigned a = next_rand() % 60, c = next_rand() % 1000;
  switch (next_rand() % 12) {
  case 0: cf_buf_printf(b, "Step %u/12 : RUN apk add --no-cache curl\n", a % 12 + 1); break;
  case 1: cf_buf_printf(b, "tests/ghost/test_%s.py::test_%s_%u PASSED [ %u%%]\n", w, w, c, a); break;
  case 2:
    cf_buf_printf(b, "2026-06-13T06:%02u:%02uZ INFO ghost: request GET /ghost/api/admin/site/ 200 %ums\n",
                  a, c % 60, c);
    break;
  case 3: cf_buf_printf(b, "npm WARN deprecated left-pad@1.%u.%u: use String.padStart\n", a, c); break;
  case 4: cf_buf_printf(b, "%08x%04x: Pulling fs layer\n", next_rand(), c); break;
  case 5: cf_buf_printf(b, "+ docker service ps --no-trunc ghost_%s\n", w); break;
  case 6:
    cf_buf_printf(b, "x%08x ghost_app.1 ghost:6.44.1 ci-1 Running Running %u minutes ago\n",
                  next_rand(), a);
    break;
  case 7: cf_buf_printf(b, "[harness] ==> tier %s: start (pytest tests/ghost/test_%s.py)\n", w, w); break;
  case 8:
    cf_buf_printf(b, "mysql_1 | 2026-06-13 06:%02u:00 0 [Note] InnoDB: Buffer pool(s) load completed at %u\n",
                  a, c);
    break;
  case 9:
    cf_buf_printf(b, "time=\"2026-06-13T06:%02u:00Z\" level=info msg=\"node %s ready\" module=node node.id=%x\n",
                  a, w, next_rand());
    break;
  case 10: cf_buf_printf(b, "  Compiling %s v0.%u.%u\n", w, a, c); break;
  default: cf_buf_printf(b, "ghost_app.1.x%07x@ci-1 | [%u] \"GET /favicon.ico HTTP/1.1\" 404 %u\n",
                         next_rand(), c, a); break;
  }
}

static void make_text(const sigs_t *s, size_t bytes, cf_buf *all) {
  size_t since = 0;
  while (all->len < bytes) {
    if (++since > 300 + next_rand() % 400) {
      cf_buf_printf(all, "Error: %s\n", s->sig[next_rand() % s->n]);
      since = 0;
    } else {
      ordinary_line(all);
    }
  }
}

/* ---- rule sets ---- */

static char *yaml_quote(const char *re) {
  cf_buf b = {0};
  cf_buf_putc(&b, '\'');
  for (const char *p = re; *p; p++) {
    if (*p == '\'') cf_buf_putc(&b, '\'');
    cf_buf_putc(&b, *p);
  }
  cf_buf_putc(&b, '\'');
  return cf_buf_steal(&b);
}

/* n rules from the signatures: most a plain `match`, every 4th case-
 * insensitive, every 5th an `all` of two, every 7th with an `unless`. */
static char *synth_dir(const sigs_t *s, size_t n, const char *patterns_path) {
  char *dir = tmpdir_new();
  cf_buf y = {0};
  FILE *pf = fopen(patterns_path, "w");
  for (size_t i = 0; i < n; i++) {
    const char *re = s->re[i % s->n];
    char *q = yaml_quote(re);
    cf_buf_printf(&y, "- id: r%zu\n  title: t\n  class: infra\n", i);
    if (i % 5 == 4) {
      char *q2 = yaml_quote(s->re[(i * 7 + 3) % s->n]);
      cf_buf_printf(&y, "  all:\n    - %s\n    - %s\n", q, q2);
      fprintf(pf, "%s\n%s\n", re, s->re[(i * 7 + 3) % s->n]);
      free(q2);
    } else if (i % 4 == 3) {
      cf_buf_printf(&y, "  match: '(?i)%s\n", q + 1);
      fprintf(pf, "(?i)%s\n", re);
    } else {
      cf_buf_printf(&y, "  match: %s\n", q);
      fprintf(pf, "%s\n", re);
    }
    if (i % 7 == 6) cf_buf_printf(&y, "  unless: ['manually requested rollback']\n");
    free(q);
  }
  fclose(pf);
  write_file(dir, "bench.yaml", y.data);
  cf_buf_free(&y);
  return dir;
}

typedef struct {
  cf_steplog *steps;
  size_t n_steps, bytes, lines;
} corpus_t;

static double time_set(const cf_ruleset *rs, const corpus_t *c, int no_prefilter,
                       size_t *hits) {
  double best = 1e30;
  for (int rep = 0; rep < 3; rep++) {
    cf_matcher_opts o = {0, no_prefilter};
    cf_matcher *m = cf_matcher_new(rs, &o);
    size_t h = 0;
    double t0 = now();
    for (size_t i = 0; i < c->n_steps; i++) {
      cf_step_matches sm;
      cf_matcher_run(m, NULL, &c->steps[i], NULL, 0, &sm);
      h += sm.n_hits;
      cf_step_matches_free(&sm);
    }
    double t = now() - t0;
    if (t < best) best = t;
    *hits = h;
    cf_matcher_free(m);
  }
  return best;
}

static double time_cmd(const char *cmd) {
  double best = 1e30;
  for (int rep = 0; rep < 3; rep++) {
    double t0 = now();
    int rc = system(cmd);
    double t = now() - t0;
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) > 1) return -1;
    if (t < best) best = t;
  }
  return best;
}

static void report(const char *name, size_t n_rules, const corpus_t *c, const cf_ruleset *rs,
                   const char *text_path, const char *pat_path) {
  size_t hits = 0, hits2 = 0;
  double t = time_set(rs, c, 0, &hits), t2 = time_set(rs, c, 1, &hits2);
  double mb = (double)c->bytes / 1e6;
  printf("%-10s %4zu rules  prefilter %7.1f MB/s %9.0f lines/s  |  no prefilter %6.1f MB/s"
         "  |  hits %zu%s\n",
         name, n_rules, mb / t, (double)c->lines / t, mb / t2, hits,
         hits == hits2 ? "" : " (MISMATCH without prefilter)");
  if (pat_path) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rg -P -c -f '%s' '%s' >/dev/null 2>&1", pat_path, text_path);
    double rp = time_cmd(cmd);
    snprintf(cmd, sizeof cmd, "rg -c -f '%s' '%s' >/dev/null 2>&1", pat_path, text_path);
    double rr = time_cmd(cmd);
    printf("%-10s %4s        rg -P -f  %7.1f MB/s  |  rg -f (Rust engine) %7.1f MB/s\n", "", "",
           rp > 0 ? mb / rp : 0.0, rr > 0 ? mb / rr : 0.0);
  }
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_match RULES_DIR REAL_SIGNATURES_MD [MBYTES]\n");
    return 2;
  }
  size_t mbytes = argc > 3 ? (size_t)atoi(argv[3]) : 8;
  sigs_t s = {0};
  load_sigs(argv[2], &s);
  if (s.n < 20) {
    fprintf(stderr, "bench_match: only %zu signature strings in %s\n", s.n, argv[2]);
    return 77;
  }
  cf_buf all = {0};
  make_text(&s, mbytes << 20, &all);
  char *work = tmpdir_new();
  char *text_path = cf_path_join(work, "text.log"), *pat_path = cf_path_join(work, "pat.txt");
  write_file(work, "text.log", all.data);
  corpus_t c = {0};
  size_t cap = 0;
  for (size_t off = 0; off < all.len;) {
    size_t end = off + STEP_BYTES < all.len ? off + STEP_BYTES : all.len;
    while (end < all.len && all.data[end - 1] != '\n') end++;
    cf_steplog log;
    cf_rules_textlog(all.data + off, end - off, &log);
    c.lines += log.n_lines;
    CF_PUSH(c.steps, c.n_steps, cap, log);
    off = end;
  }
  c.bytes = all.len;
  printf("text: %.1f MB, %zu lines, %zu steps; %zu signature strings\n", all.len / 1e6, c.lines,
         c.n_steps, s.n);
  size_t sizes[] = {10, 50, 200};
  for (size_t k = 0; k < 3; k++) {
    char *dir = synth_dir(&s, sizes[k], pat_path);
    cf_ruleset *rs = NULL;
    cf_err err = {0};
    const char *dirs[] = {dir};
    if (cf_ruleset_load(dirs, 1, &rs, &err)) {
      fprintf(stderr, "bench_match: %s\n", err.msg);
      return 2;
    }
    report("synthetic", sizes[k], &c, rs, text_path, pat_path);
    cf_ruleset_free(rs);
    tmpdir_remove(dir);
  }
  cf_ruleset *lib = NULL;
  cf_err err = {0};
  const char *dirs[] = {argv[1]};
  if (cf_ruleset_load(dirs, 1, &lib, &err) == 0) {
    FILE *pf = fopen(pat_path, "w");
    for (size_t i = 0; i < cf_ruleset_count(lib); i++) {
      const cf_rule *r = cf_ruleset_rule(lib, i);
      for (size_t k = 0; k < r->n_patterns; k++)
        if (r->patterns[k].kind <= CF_PAT_ALL) fprintf(pf, "%s\n", r->patterns[k].text);
    }
    fclose(pf);
    report("library", cf_ruleset_count(lib), &c, lib, text_path, pat_path);
    cf_ruleset_free(lib);
  } else {
    printf("library: not loaded (%s)\n", err.msg);
  }
  for (size_t i = 0; i < c.n_steps; i++) cf_rules_textlog_free(&c.steps[i]);
  free(c.steps);
  for (size_t i = 0; i < s.n; i++) {
    free(s.sig[i]);
    free(s.re[i]);
  }
  free(s.sig);
  free(s.re);
  cf_buf_free(&all);
  free(text_path);
  free(pat_path);
  tmpdir_remove(work);
  return 0;
}
