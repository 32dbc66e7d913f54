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

CF_TEST_MAIN(T(json_is_valid_and_redacted), T(markdown_is_safe), T(problems_and_notes_said))
