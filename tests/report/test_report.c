/*
 * Unit tests for report/json.c and report/markdown.c on a constructed
 * analysis: valid JSON even from invalid UTF-8, secrets redacted in both
 * formats, table cells that cannot be broken by log text, no control bytes,
 * and byte-identical output for the same analysis.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ciforensics/report.h"

static void build(cf_analysis *a) {
  memset(a, 0, sizeof *a);
  a->repo = cf_xstrdup("cc/recipe-ci");
  a->from = 1;
  a->to = 2;
  a->as_of = 1781329080;
  a->rules_hash = cf_xstrdup("0123456789abcdef");
  a->builds = cf_xcalloc(1, sizeof *a->builds);
  a->n_builds = 1;
  cf_facts *f = &a->builds[0];
  f->number = 7;
  f->status = cf_xstrdup("failure");
  f->machine = cf_xstrdup("ci-1");
  f->tested.recipe = cf_xstrdup("ghost");
  f->tested.sha = cf_xstrdup("d88f5801aaaabbbbccccddddeeeeffff00001111");
  f->tested.pr = 4;
  f->tested.source = "params";
  f->started = f->finished = f->created = 1781329000;
  f->failing_moment = 1781329050;
  f->level = 1;
  f->verdict = CF_VERDICT_UNKNOWN;
  f->reasons = cf_xcalloc(1, sizeof *f->reasons);
  f->reasons[0] = cf_xstrdup("error line test:3: DB_PASSWORD=hunter2 | broken \xff\xfe cell \033[31m");
  f->n_reasons = 1;
  f->hits = cf_xcalloc(1, sizeof *f->hits);
  f->n_hits = 1;
  cf_hitfact *h = &f->hits[0];
  h->rule = cf_xstrdup("some-rule");
  h->title = cf_xstrdup("a title");
  h->cls = CF_CLS_TIMING;
  h->step = cf_xstrdup("test");
  h->line = 3;
  h->first_line = 3;
  h->time = 1781329050;
  h->excerpt = cf_xstrdup("Authorization: Bearer abc.def.ghi \xc3\x28 `tick`");
  a->events = cf_xcalloc(2, sizeof *a->events);
  a->n_events = 2;
  for (int i = 0; i < 2; i++) {
    cf_event *e = &a->events[i];
    e->kind = CF_EVENT_INCIDENT;
    e->title = cf_xstrdup(i ? "everywhere" : "on ci-2");
    e->is_window = 1;
    e->at = CF_TIME_NONE;
    e->from = 1781329000;
    e->to = 1781329100;
  }
  a->events[0].machines = cf_xcalloc(1, sizeof(char *));
  a->events[0].machines[0] = cf_xstrdup("ci-2");
  a->events[0].n_machines = 1;
}

static void json_is_valid_and_redacted(void) {
  cf_analysis a;
  build(&a);
  char *j = cf_report_json(&a, "1.2.3");
  cJSON *root = cJSON_Parse(j);
  CHECK(root != NULL);
  CHECK(strstr(j, "hunter2") == NULL);
  CHECK(strstr(j, "abc.def.ghi") == NULL);
  CHECK(strstr(j, "\xff") == NULL);
  CHECK_CONTAINS(j, "d88f5801aaaabbbbccccddddeeeeffff00001111"); /* shas survive */
  cJSON *builds = cJSON_GetObjectItem(root, "builds");
  CHECK_INT(cJSON_GetArraySize(builds), 1);
  cJSON *b0 = cJSON_GetArrayItem(builds, 0);
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(b0, "verdict")), "unknown");
  CHECK(cJSON_IsNull(cJSON_GetObjectItem(root, "verdict")));
  CHECK(cJSON_IsNull(cJSON_GetObjectItem(root, "target")));
  char *again = cf_report_json(&a, "1.2.3");
  CHECK_STR(again, j);
  /* an event's scope is in the JSON; an unscoped event has none */
  cJSON *evs = cJSON_GetObjectItem(root, "events");
  CHECK_INT(cJSON_GetArraySize(evs), 2);
  cJSON *sc = cJSON_GetObjectItem(cJSON_GetArrayItem(evs, 0), "scope");
  CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(sc, "machines"), 0)), "ci-2");
  CHECK(cJSON_GetObjectItem(sc, "recipes") == NULL);
  CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(evs, 1), "scope") == NULL);
  free(again);
  cJSON_Delete(root);
  free(j);
  cf_analysis_free(&a);
}

static void markdown_is_safe(void) {
  cf_analysis a;
  build(&a);
  char *m = cf_report_markdown(&a, "1.2.3", 0);
  CHECK(strstr(m, "hunter2") == NULL);
  CHECK(strstr(m, "\033") == NULL);      /* no control bytes from log text */
  CHECK(strstr(m, "\xff") == NULL);
  CHECK_CONTAINS(m, "\\| broken");        /* a pipe cannot split the table cell */
  CHECK_CONTAINS(m, "| #7 |");
  CHECK_CONTAINS(m, "No target given");
  char *again = cf_report_markdown(&a, "1.2.3", 0);
  CHECK_STR(again, m);
  free(again);
  char *color = cf_report_markdown(&a, "1.2.3", 1);
  CHECK(strstr(color, "\033[") != NULL); /* colour only when asked */
  free(color);
  free(m);
  cf_analysis_free(&a);
}

/* The input-problem banner names each file once, whether or not the
 * reader's message already starts with it; evidence notes are listed. */
static void problems_and_notes_said(void) {
  cf_analysis a;
  build(&a);
  a.problems = cf_xcalloc(2, sizeof *a.problems);
  a.n_problems = 2;
  a.problems[0] = (cf_input_problem){7, cf_xstrdup("runs/7/results.json"),
                                     cf_xstrdup("runs/7/results.json: line 12: malformed JSON")};
  a.problems[1] = (cf_input_problem){7, cf_xstrdup("runs/7/junit.xml"),
                                     cf_xstrdup("XML entity declarations are refused")};
  a.builds[0].evidence_notes = cf_xcalloc(1, sizeof(char *));
  a.builds[0].evidence_notes[0] = cf_xstrdup("results.json says PR #5, the build parameters PR #4");
  a.builds[0].n_evidence_notes = 1;
  char *m = cf_report_markdown(&a, "1.2.3", 0);
  /* and the JSON's notes are said in the Markdown too */
  CHECK_CONTAINS(m, "Notes on the evidence:\n\n- #7: results.json says PR #5, the build parameters PR #4\n");
  CHECK_CONTAINS(m, "> - #7: runs/7/results.json: line 12: malformed JSON\n");
  CHECK_CONTAINS(m, "> - #7: runs/7/junit.xml: XML entity declarations are refused\n");
  free(m);
  cf_analysis_free(&a);
}

/* One finding "F2" with the given title and evidence (step may be NULL). */
static cf_finding *add_finding(cf_analysis *a, const char *title) {
  a->findings = cf_xrealloc(a->findings, (a->n_findings + 1) * sizeof *a->findings);
  cf_finding *fd = &a->findings[a->n_findings++];
  memset(fd, 0, sizeof *fd);
  snprintf(fd->id, sizeof fd->id, "F%zu", a->n_findings + 1);
  fd->kind = "failure-mode";
  fd->title = cf_xstrdup(title);
  return fd;
}

static void add_ev(cf_finding *fd, long build, const char *step, long line, cf_time t,
                   const char *excerpt) {
  fd->evidence = cf_xrealloc(fd->evidence, (fd->n_evidence + 1) * sizeof *fd->evidence);
  fd->evidence[fd->n_evidence++] =
      (cf_evidence){build, step ? cf_xstrdup(step) : NULL, line, t, cf_xstrdup(excerpt)};
}

/* Evidence excerpts in bullets are quoted verbatim ("|" and padding as the
 * log has them), still on one line, with backticks, control bytes, secrets
 * and the length cap handled; a table cell keeps its escaping. */
static void markdown_excerpts_verbatim(void) {
  cf_analysis a;
  build(&a);
  cf_finding *fd = add_finding(&a, "install failures fail the same way");
  add_ev(fd, 519, "test", 60, CF_TIME_NONE,
         "ghost_app.1.a35tfdk6b5l3@ci-1    | [2026-06-12 09:07:00] ERROR connect");
  add_ev(fd, 519, "test", 61, CF_TIME_NONE, "  a `b`\nc \033[31m DB_PASSWORD=hunter2 | x  ");
  /* a padded task row: the padding does not use up the cap */
  add_ev(fd, 515, "test", 31, CF_TIME_NONE,
         "547mnxrmn0irb8occoq80hvbi   ghost_app.1   ghost:6.40.0-alpine@sha256:b10a86f1a5348f808e59"
         "730fbc9e926ff6beb173d39fa515a6de5da6a9ed30de          Running         New 5 minutes ago");
  char long_line[400];
  memset(long_line, 'y', sizeof long_line - 1);
  long_line[sizeof long_line - 1] = 0;
  add_ev(fd, 516, "test", 9, CF_TIME_NONE, long_line);
  /* the cap never cuts a UTF-8 character in two */
  char utf[400] = "x";
  for (int i = 0; i < 100; i++) strcat(utf, "\xc3\xa9");
  add_ev(fd, 517, "test", 9, CF_TIME_NONE, utf);
  char *m = cf_report_markdown(&a, "1.2.3", 0);
  CHECK_CONTAINS(m, "- #519 test:60: `ghost_app.1.a35tfdk6b5l3@ci-1    | [2026-06-12 09:07:00] "
                    "ERROR connect`\n");
  CHECK_CONTAINS(m, "- #519 test:61: `a 'b' c \\x1b[31m DB_PASSWORD=");
  CHECK_CONTAINS(m, " | x`\n");
  CHECK_CONTAINS(m, "   Running         New 5 minutes ago`\n");
  char want[200] = "- #516 test:9: `";
  memset(want + strlen(want), 'y', 160);
  strcpy(want + 16 + 160, "…`\n");
  CHECK_CONTAINS(m, want);
  strcpy(want, "- #517 test:9: `x");
  for (int i = 0; i < 79; i++) strcat(want, "\xc3\xa9");
  strcat(want, "…`\n");
  CHECK_CONTAINS(m, want);
  CHECK(strstr(m, "hunter2") == NULL);
  CHECK(strstr(m, "\033") == NULL);
  CHECK_CONTAINS(m, "\\| broken"); /* the table cell still escapes its pipe */
  free(m);
  cf_analysis_free(&a);
}

/* Evidence with a step and no line is Drone's own error field, and says so;
 * evidence with neither is the analysis' prose, as before. */
static void markdown_drone_error_evidence(void) {
  cf_analysis a;
  build(&a);
  cf_finding *fd = add_finding(&a, "config errors");
  add_ev(fd, 1403, "test", 0, 1781329050, "yaml: line 14: did not find <key> | *x*");
  add_ev(fd, 1404, "(build)", 0, CF_TIME_NONE, "linter: untrusted repositories cannot mount host volumes");
  add_ev(fd, 1405, NULL, 0, 1781329050, "failed at 2026-06-13T05:37:30Z with load 4 on ci-1");
  char *m = cf_report_markdown(&a, "1.2.3", 0);
  CHECK_CONTAINS(m, "- #1403 test (Drone's step error, 2026-06-13T05:37:30Z): "
                    "`yaml: line 14: did not find <key> | *x*`\n");
  CHECK_CONTAINS(m, "- #1404 (Drone's build error): "
                    "`linter: untrusted repositories cannot mount host volumes`\n");
  CHECK_CONTAINS(m, "- #1405 (2026-06-13T05:37:30Z): failed at 2026-06-13T05:37:30Z with load 4 on ci-1\n");
  free(m);
  cf_analysis_free(&a);
}

/* The "why" cell shows every reason, joined with "; ", redacted and escaped
 * each, cut at a total cap; the row stays one valid table row. */
static void markdown_why_all_reasons(void) {
  cf_analysis a;
  build(&a);
  cf_facts *f = &a.builds[0];
  free(f->reasons[0]);
  free(f->reasons);
  f->reasons = cf_xcalloc(4, sizeof *f->reasons);
  f->reasons[0] = cf_xstrdup("no rule decides the failure of step test, tier install");
  f->reasons[1] = cf_xstrdup("Drone says: yaml: line 14: did not find expected key | x");
  f->reasons[2] = cf_xstrdup("error line test:3: DB_PASSWORD=hunter2 failed");
  f->reasons[3] = cf_xstrdup("error line test:9: "
                             "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
                             "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
                             "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
  f->n_reasons = 4;
  char *m = cf_report_markdown(&a, "1.2.3", 0);
  CHECK_CONTAINS(m, "| no rule decides the failure of step test, tier install; Drone says: yaml: "
                    "line 14: did not find expected key \\| x; error line test:3: DB_PASSWORD=");
  CHECK(strstr(m, "hunter2") == NULL);
  /* whole reasons up to the cap, then a count; the row is closed */
  CHECK_CONTAINS(m, " failed; +1 more |\n");
  CHECK(strstr(m, "zzz") == NULL);
  const char *row = strstr(m, "| #7 |");
  CHECK(row != NULL);
  if (row) {
    const char *eol = strchr(row, '\n');
    size_t pipes = 0;
    for (const char *p = row; p < eol; p++)
      if (*p == '|' && (p == row || p[-1] != '\\')) pipes++;
    CHECK_INT(pipes, 8); /* 7 columns */
    CHECK((size_t)(eol - row) < 500);
  }
  free(m);
  /* a first reason longer than the cap alone is cut with an ellipsis */
  char *first = f->reasons[0];
  f->reasons[0] = cf_xmalloc(600);
  memset(f->reasons[0], 'w', 599);
  f->reasons[0][599] = 0;
  m = cf_report_markdown(&a, "1.2.3", 0);
  CHECK_CONTAINS(m, "www…; +3 more |\n");
  CHECK(strstr(m, "Drone says") == NULL);
  free(m);
  free(f->reasons[0]);
  f->reasons[0] = first;
  cf_analysis_free(&a);
}

/* A title (or verdict reason) that ends a sentence gets no second full
 * stop. */
static void markdown_title_full_stop(void) {
  cf_analysis a;
  build(&a);
  add_finding(&a, "Containers killed by the OOM killer.");
  add_finding(&a, "Install failures fail the same way");
  char *m = cf_report_markdown(&a, "1.2.3", 0);
  CHECK_CONTAINS(m, "**F2 — Containers killed by the OOM killer.**\n");
  CHECK_CONTAINS(m, "**F3 — Install failures fail the same way.**\n");
  CHECK(strstr(m, "..**") == NULL);
  free(m);
  cf_analysis_free(&a);
}

CF_TEST_MAIN(T(json_is_valid_and_redacted), T(markdown_is_safe), T(problems_and_notes_said),
             T(markdown_excerpts_verbatim), T(markdown_drone_error_evidence),
             T(markdown_why_all_reasons), T(markdown_title_full_stop))
