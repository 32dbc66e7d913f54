/*
 * json.c: the JSON report, the contract other tools rely on (DESIGN.md
 * "Outputs"; field by field in docs/report-json.md). Built with cJSON in a
 * fixed key order; every string from the inputs is redacted before it is
 * added, so the printed document never needs a second pass.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/logdecode.h"
#include "ciforensics/redact.h"
#include "ciforensics/report.h"

/* Input text made fit for the report: redacted, and invalid UTF-8 replaced
 * (cJSON would pass it through and the document would not be valid JSON).
 * Caller frees. */
static char *clean(const char *value) {
  char *redacted = cf_redact(value, NULL);
  cf_buf b = {0};
  cf_steplog_safe_append(&b, redacted, strlen(redacted), 0);
  free(redacted);
  return cf_buf_steal(&b);
}

static void add_str(cJSON *o, const char *key, const char *value) {
  if (!value) {
    cJSON_AddNullToObject(o, key);
    return;
  }
  char *safe = clean(value);
  cJSON_AddStringToObject(o, key, safe);
  free(safe);
}

static void add_time(cJSON *o, const char *key, cf_time t) {
  if (t == CF_TIME_NONE) {
    cJSON_AddNullToObject(o, key);
    return;
  }
  char buf[CF_TIME_BUFSZ];
  cJSON_AddStringToObject(o, key, cf_time_format(t, buf, sizeof buf));
}

static void add_int_or_null(cJSON *o, const char *key, long v, int known) {
  if (known) cJSON_AddNumberToObject(o, key, (double)v);
  else cJSON_AddNullToObject(o, key);
}

static cJSON *str_array(char **v, size_t n) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; i < n; i++) {
    char *safe = clean(v[i]);
    cJSON_AddItemToArray(arr, cJSON_CreateString(safe));
    free(safe);
  }
  return arr;
}

static cJSON *tested_json(const cf_tested *t) {
  cJSON *o = cJSON_CreateObject();
  add_str(o, "recipe", t->recipe);
  add_str(o, "sha", t->sha);
  add_int_or_null(o, "pr", t->pr, t->pr > 0);
  add_str(o, "source", t->source ? t->source : "none");
  return o;
}

static cJSON *event_json(const cf_event *e) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "kind", cf_event_kind_name(e->kind));
  add_str(o, "title", e->title);
  if (e->at != CF_TIME_NONE) {
    add_time(o, "at", e->at);
  } else {
    add_time(o, "from", e->from);
    add_time(o, "to", e->to);
  }
  if (e->n_resolves) cJSON_AddItemToObject(o, "resolves", str_array(e->resolves, e->n_resolves));
  /* the scope, so a reader sees why a build inside the window was not
   * confounded; absent = every build */
  if (e->n_machines || e->n_recipes || e->n_tiers) {
    cJSON *sc = cJSON_CreateObject();
    if (e->n_machines) cJSON_AddItemToObject(sc, "machines", str_array(e->machines, e->n_machines));
    if (e->n_recipes) cJSON_AddItemToObject(sc, "recipes", str_array(e->recipes, e->n_recipes));
    if (e->n_tiers) cJSON_AddItemToObject(sc, "tiers", str_array(e->tiers, e->n_tiers));
    cJSON_AddItemToObject(o, "scope", sc);
  }
  return o;
}

static cJSON *build_json(const cf_analysis *a, const cf_facts *f) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "number", (double)f->number);
  add_str(o, "status", f->status);
  add_str(o, "event", f->event);
  add_str(o, "sha", f->sha);
  add_str(o, "ref", f->ref);
  cJSON_AddItemToObject(o, "tested", tested_json(&f->tested));
  add_time(o, "started", f->started);
  add_time(o, "finished", f->finished);
  add_str(o, "machine", f->machine);
  add_int_or_null(o, "level", f->level, f->level >= 0);
  add_str(o, "failed_tier", f->failed_tier);
  add_str(o, "failed_step", f->failed_step);
  add_time(o, "failing_moment",
           cf_status_failed(f->status) ? f->failing_moment : CF_TIME_NONE);
  if (f->load_known) cJSON_AddNumberToObject(o, "load", f->load);
  else cJSON_AddNullToObject(o, "load");
  cJSON_AddBoolToObject(o, "load_elevated", f->load_known && f->elevated);
  cJSON_AddStringToObject(o, "verdict", cf_verdict_name(f->verdict));
  cJSON_AddStringToObject(o, "confidence", cf_confidence_name(f->confidence));
  cJSON_AddItemToObject(o, "reasons", str_array(f->reasons, f->n_reasons));
  if (f->verdict == CF_VERDICT_PASS) {
    if (f->genuine >= 0) cJSON_AddBoolToObject(o, "genuine", f->genuine == 1);
    else cJSON_AddNullToObject(o, "genuine");
  }
  cJSON_AddBoolToObject(o, "in_target", a->target.kind && f->in_target);
  cJSON *hits = cJSON_AddArrayToObject(o, "hits");
  for (size_t i = 0; i < f->n_hits; i++) {
    const cf_hitfact *h = &f->hits[i];
    cJSON *jh = cJSON_CreateObject();
    add_str(jh, "rule", h->rule);
    cJSON_AddStringToObject(jh, "class", cf_class_name(h->cls) ? cf_class_name(h->cls) : "none");
    add_str(jh, "step", h->step);
    add_str(jh, "tier", h->tier);
    cJSON_AddNumberToObject(jh, "line", (double)h->line);
    if (h->first_line != h->line)
      cJSON_AddNumberToObject(jh, "first_line", (double)h->first_line);
    add_time(jh, "time", h->time);
    cJSON_AddBoolToObject(jh, "deciding", h->deciding);
    add_str(jh, "excerpt", h->excerpt);
    cJSON_AddItemToObject(jh, "captures", str_array(h->captures, h->n_captures));
    cJSON_AddItemToArray(hits, jh);
  }
  cJSON *lists[3];
  lists[CF_RIVAL_RULED_OUT] = cJSON_AddArrayToObject(o, "ruled_out");
  lists[CF_RIVAL_NOT_OBSERVABLE] = cJSON_AddArrayToObject(o, "not_observable");
  lists[CF_RIVAL_ALSO_MATCHED] = cJSON_AddArrayToObject(o, "also_matched");
  for (size_t i = 0; i < f->n_rivals; i++) {
    cJSON *r = cJSON_CreateObject();
    add_str(r, "rule", f->rivals[i].rule);
    add_str(r, "why", f->rivals[i].why);
    cJSON_AddItemToArray(lists[f->rivals[i].state], r);
  }
  if (f->n_errlines) {
    cJSON *el = cJSON_AddArrayToObject(o, "error_lines");
    for (size_t i = 0; i < f->n_errlines; i++) {
      cJSON *e = cJSON_CreateObject();
      add_str(e, "step", f->errlines[i].step);
      cJSON_AddNumberToObject(e, "line", (double)f->errlines[i].line);
      add_str(e, "text", f->errlines[i].text);
      add_str(e, "fingerprint", f->errlines[i].fingerprint);
      cJSON_AddItemToArray(el, e);
    }
  }
  if (f->n_evidence_notes)
    cJSON_AddItemToObject(o, "notes", str_array(f->evidence_notes, f->n_evidence_notes));
  return o;
}

static cJSON *finding_json(const cf_analysis *a, const cf_finding *fd) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "id", fd->id);
  cJSON_AddStringToObject(o, "kind", fd->kind);
  add_str(o, "title", fd->title);
  add_str(o, "text", fd->text);
  if (cf_class_name(fd->cls)) cJSON_AddStringToObject(o, "class", cf_class_name(fd->cls));
  cJSON *b = cJSON_AddArrayToObject(o, "builds");
  for (size_t i = 0; i < fd->n_builds; i++)
    cJSON_AddItemToArray(b, cJSON_CreateNumber((double)fd->builds[i]));
  if (fd->n_prs) {
    cJSON *p = cJSON_AddArrayToObject(o, "prs");
    for (size_t i = 0; i < fd->n_prs; i++)
      cJSON_AddItemToArray(p, cJSON_CreateNumber((double)fd->prs[i]));
  }
  if (fd->n_events) {
    cJSON *e = cJSON_AddArrayToObject(o, "events");
    for (size_t i = 0; i < fd->n_events; i++)
      cJSON_AddItemToArray(e, event_json(&a->events[fd->events[i]]));
  }
  if (fd->stats) {
    cJSON *s = cJSON_Parse(fd->stats);
    if (s) cJSON_AddItemToObject(o, "stats", s);
  }
  if (fd->n_evidence) {
    cJSON *ev = cJSON_AddArrayToObject(o, "evidence");
    for (size_t i = 0; i < fd->n_evidence; i++) {
      const cf_evidence *e = &fd->evidence[i];
      cJSON *j = cJSON_CreateObject();
      cJSON_AddNumberToObject(j, "build", (double)e->build);
      add_str(j, "step", e->step);
      if (e->line > 0) cJSON_AddNumberToObject(j, "line", (double)e->line);
      else cJSON_AddNullToObject(j, "line");
      add_time(j, "time", e->time);
      add_str(j, "excerpt", e->excerpt);
      cJSON_AddItemToArray(ev, j);
    }
  }
  return o;
}

/* The builds array is the part that grows with the range: it is written
 * one build at a time (each build's tree is printed and dropped), inside
 * the rest of the document, which cJSON prints around a placeholder. The
 * text is the same as printing one whole tree. */
#define BUILDS_PLACEHOLDER "\"@@ciforensics-builds@@\""

static void write_indented(FILE *out, const char *text, const char *indent) {
  for (const char *p = text; *p; p++) {
    fputc(*p, out);
    if (*p == '\n') fputs(indent, out);
  }
}

int cf_report_json_write(const cf_analysis *a, const char *version, FILE *out) {
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "tool", "ciforensics");
  cJSON_AddStringToObject(root, "version", version);
  add_time(root, "as_of", a->as_of);
  add_str(root, "rules_hash", a->rules_hash);
  cJSON_AddNumberToObject(root, "rules", (double)a->n_rules);
  cJSON *range = cJSON_AddObjectToObject(root, "range");
  add_str(range, "repo", a->repo);
  cJSON_AddNumberToObject(range, "from", (double)a->from);
  cJSON_AddNumberToObject(range, "to", (double)a->to);
  add_str(range, "recipe", a->recipe);
  if (a->target.kind) {
    cJSON *t = cJSON_AddObjectToObject(root, "target");
    if (a->target.kind == 'p') cJSON_AddNumberToObject(t, "pr", (double)a->target.pr);
    if (a->target.kind == 's') add_str(t, "sha", a->target.value);
    if (a->target.kind == 'r') add_str(t, "ref", a->target.value);
  } else {
    cJSON_AddNullToObject(root, "target");
  }
  cJSON *inputs = cJSON_AddArrayToObject(root, "inputs");
  for (size_t i = 0; i < a->n_inputs; i++)
    cJSON_AddItemToArray(inputs, cJSON_CreateString(a->inputs[i]));
  cJSON *probs = cJSON_AddArrayToObject(root, "input_problems");
  for (size_t i = 0; i < a->n_problems; i++) {
    cJSON *p = cJSON_CreateObject();
    add_int_or_null(p, "build", a->problems[i].build, a->problems[i].build > 0);
    add_str(p, "file", a->problems[i].file);
    add_str(p, "problem", a->problems[i].problem);
    cJSON_AddItemToArray(probs, p);
  }
  cJSON_AddItemToObject(root, "warnings", str_array(a->warnings, a->n_warnings));
  cJSON *events = cJSON_AddArrayToObject(root, "events");
  for (size_t i = 0; i < a->n_events; i++)
    cJSON_AddItemToArray(events, event_json(&a->events[i]));
  cJSON_AddRawToObject(root, "builds", BUILDS_PLACEHOLDER);
  cJSON *findings = cJSON_AddArrayToObject(root, "findings");
  for (size_t i = 0; i < a->n_findings; i++)
    cJSON_AddItemToArray(findings, finding_json(a, &a->findings[i]));
  if (a->verdict.present) {
    cJSON *v = cJSON_AddObjectToObject(root, "verdict");
    add_str(v, "target", a->verdict.target);
    cJSON_AddBoolToObject(v, "operator_ready", a->verdict.operator_ready);
    add_int_or_null(v, "build", a->verdict.build, a->verdict.build > 0);
    add_str(v, "reason", a->verdict.reason);
  } else {
    cJSON_AddNullToObject(root, "verdict");
  }
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  char *mark = strstr(text, BUILDS_PLACEHOLDER);
  fwrite(text, 1, (size_t)(mark - text), out);
  int first = 1;
  fputc('[', out);
  for (size_t i = 0; i < a->n_builds; i++) {
    if (a->builds[i].excluded) continue;
    cJSON *b = build_json(a, &a->builds[i]);
    char *bt = cJSON_Print(b);
    cJSON_Delete(b);
    if (!first) fputs(", ", out);
    write_indented(out, bt, "\t\t"); /* the array sits two levels deep */
    cJSON_free(bt);
    first = 0;
  }
  fputc(']', out);
  fputs(mark + strlen(BUILDS_PLACEHOLDER), out);
  fputc('\n', out);
  cJSON_free(text);
  return ferror(out) ? -1 : 0;
}

char *cf_report_json(const cf_analysis *a, const char *version) {
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (!mem) return cf_xstrdup("");
  cf_report_json_write(a, version, mem);
  fclose(mem);
  return buf;
}
