/*
 * markdown.c: the Markdown report (the default format), written to paste
 * cleanly into a Gitea/GitHub issue: the bottom line first, then the
 * findings with their evidence, then one table row per build, then the
 * inputs. Every claim carries its evidence, every time is UTC. Colour (ANSI)
 * only when asked, for a terminal. Every piece from the inputs is redacted.
 */
#include <stdlib.h>
#include <string.h>

#include "ciforensics/logdecode.h"
#include "ciforensics/redact.h"
#include "ciforensics/report.h"

/* Input text made fit to print: redacted, invalid UTF-8 replaced and control
 * bytes shown as \xNN, so log text cannot drive a terminal. Caller frees. */
static char *clean(const char *s) {
  char *redacted = cf_redact(s, NULL);
  cf_buf b = {0};
  cf_steplog_safe_append(&b, redacted, strlen(redacted), 1);
  free(redacted);
  return cf_buf_steal(&b);
}

/* Append t[0..end) of text already clean(): a newline becomes a space and,
 * in a table cell, a "|" is escaped, so the line or the cell cannot split. */
static void put_clean(cf_buf *b, const char *t, size_t end, int in_table) {
  for (size_t i = 0; i < end; i++) {
    if (t[i] == '\n' || t[i] == '\r') cf_buf_putc(b, ' ');
    else if (in_table && t[i] == '|') cf_buf_puts(b, "\\|");
    else cf_buf_putc(b, t[i]);
  }
}

/* Append text from the inputs: redacted, with characters that would break a
 * table cell or inline code neutralised. */
static void put_safe(cf_buf *b, const char *s, int in_table) {
  if (!s) return;
  char *safe = clean(s);
  put_clean(b, safe, strlen(safe), in_table);
  free(safe);
}

static int blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Where a cap of max falls in t[i..n): how much of it is shown, and in
 * *shown (may be NULL) how much of the cap that uses. A run of whitespace
 * counts as one (task tables pad their columns widely, and the padding must
 * not use up the excerpt), every other byte as one, and a UTF-8 character
 * is never cut. */
static size_t cap_end(const char *t, size_t i, size_t n, size_t max, size_t *shown_out) {
  size_t shown = 0;
  while (i < n && shown < max) {
    size_t k = 1;
    if (blank(t[i])) {
      while (i + k < n && blank(t[i + k])) k++;
      shown++;
    } else {
      while (i + k < n && ((unsigned char)t[i + k] & 0xC0) == 0x80) k++;
      if (shown + k > max) break;
      shown += k;
    }
    i += k;
  }
  if (shown_out) *shown_out = shown;
  return i;
}

/* An excerpt as inline code in a bullet, verbatim: a "|" and runs of
 * spaces stay as the log has them (a bullet is no table cell). Only what
 * would break the span or the line changes: a newline becomes a space and a
 * backtick a quote (the span cannot be closed early); the ends are trimmed.
 * Long lines are cut (cap_end) with an ellipsis. */
static void put_code(cf_buf *b, const char *s, size_t max) {
  char *safe = clean(s ? s : "");
  size_t n = strlen(safe), i = 0;
  while (n > 0 && blank(safe[n - 1])) n--;
  while (i < n && blank(safe[i])) i++;
  size_t end = cap_end(safe, i, n, max, NULL);
  cf_buf_puts(b, "`");
  for (; i < end; i++) {
    char c = safe[i];
    cf_buf_putc(b, c == '\n' || c == '\r' ? ' ' : c == '`' ? '\'' : c);
  }
  if (end < n) cf_buf_puts(b, "…");
  cf_buf_puts(b, "`");
  free(safe);
}

/* Text from the inputs that ends a bold sentence: redacted (put_safe), and a
 * full stop added only when it does not already end one (a rule title
 * "... OOM killer." must not become "killer.."). */
static void put_sentence(cf_buf *b, const char *s) {
  cf_buf t = {0};
  put_safe(&t, s, 0);
  cf_buf_append(&t, "", 0);
  size_t n = t.len;
  while (n > 0 && blank(t.data[n - 1])) n--;
  cf_buf_append(b, t.data, n);
  if (!(n > 0 && strchr(".!?", t.data[n - 1])) &&
      !(n >= 3 && !memcmp(t.data + n - 3, "…", 3)))
    cf_buf_putc(b, '.');
  cf_buf_free(&t);
}

/* The "why" cell: the reasons in order (the JSON has them all), each
 * redacted on its own, joined with "; ", as many whole ones as fit in
 * WHY_MAX (cap_end's measure), then "+N more". The first one is the
 * deciding reason and always shown, cut with an ellipsis if it alone is
 * too long. The later ones carry what a reader needs too: Drone's own error
 * message and the error lines of an unknown failure, the incident window,
 * the fix, the load. */
#define WHY_MAX 360
static void put_why(cf_buf *b, char *const *reasons, size_t n_reasons) {
  size_t used = 0, i;
  for (i = 0; i < n_reasons; i++) {
    char *safe = clean(reasons[i] ? reasons[i] : "");
    size_t n = strlen(safe), shown, room = WHY_MAX - used;
    size_t end = cap_end(safe, 0, n, room, &shown);
    if (i && end < n) { /* a later reason that does not fit whole */
      free(safe);
      break;
    }
    if (i) cf_buf_puts(b, "; ");
    put_clean(b, safe, end, 1);
    if (end < n) cf_buf_puts(b, "…");
    used += shown + 2;
    free(safe);
    if (used >= WHY_MAX) {
      i++;
      break;
    }
  }
  if (i < n_reasons) cf_buf_printf(b, "; +%zu more", n_reasons - i);
}

static const char *utc(cf_time t, char *buf) {
  return cf_time_format(t, buf, CF_TIME_BUFSZ);
}

/* "06-13 06:13" for the table. */
static const char *short_time(cf_time t, char *buf) {
  char full[CF_TIME_BUFSZ];
  if (t == CF_TIME_NONE) return "-";
  cf_time_format(t, full, sizeof full);
  snprintf(buf, CF_TIME_BUFSZ, "%.5s %.5s", full + 5, full + 11);
  return buf;
}

static void header(cf_buf *b, const cf_analysis *a, int color) {
  char t[CF_TIME_BUFSZ];
  cf_buf_printf(b, "%s## ciforensics — ", color ? "\033[1;4m" : "");
  put_safe(b, a->repo, 0);
  cf_buf_printf(b, " builds #%ld–#%ld", a->from, a->to);
  if (a->recipe) {
    cf_buf_puts(b, ", recipe ");
    put_safe(b, a->recipe, 0);
  }
  if (a->target.kind == 'p') {
    /* the sha the target's newest run tested, for the reader's orientation */
    const char *sha = NULL;
    for (size_t i = 0; i < a->n_builds; i++)
      if (!a->builds[i].excluded && a->builds[i].in_target && a->builds[i].tested.sha)
        sha = a->builds[i].tested.sha;
    cf_buf_printf(b, ", target PR #%ld", a->target.pr);
    if (sha) cf_buf_printf(b, " (`%.8s`)", sha);
  } else if (a->target.kind) {
    char *d = cf_target_describe(&a->target);
    cf_buf_puts(b, ", target ");
    put_safe(b, d, 0);
    free(d);
  }
  cf_buf_printf(b, ", as of %s%s\n\n", utc(a->as_of, t), color ? "\033[0m" : "");
}

static void counts(cf_buf *b, const cf_analysis *a) {
  size_t n[7] = {0}, total = 0;
  for (size_t i = 0; i < a->n_builds; i++)
    if (!a->builds[i].excluded) {
      n[a->builds[i].verdict]++;
      total++;
    }
  cf_buf_printf(b,
                "%zu build%s: %zu pass, %zu infra-confounded, %zu timing, %zu recipe, "
                "%zu unknown",
                total, total == 1 ? "" : "s", n[CF_VERDICT_PASS], n[CF_VERDICT_INFRA], n[CF_VERDICT_TIMING],
                n[CF_VERDICT_RECIPE], n[CF_VERDICT_UNKNOWN]);
  if (n[CF_VERDICT_RUNNING]) cf_buf_printf(b, ", %zu running", n[CF_VERDICT_RUNNING]);
  if (n[CF_VERDICT_CANCELLED]) cf_buf_printf(b, ", %zu cancelled", n[CF_VERDICT_CANCELLED]);
  cf_buf_printf(b, ". Rules `%s` (%zu rules); inputs listed at the end.\n\n",
                a->rules_hash ? a->rules_hash : "-", a->n_rules);
}

static void problems_banner(cf_buf *b, const cf_analysis *a) {
  if (!a->n_problems && !a->n_warnings) return;
  if (a->n_problems) {
    cf_buf_printf(b, "> **Input problems (%zu)** — the builds named here are `unknown`; "
                     "the rest of the report stands without them.\n",
                  a->n_problems);
    for (size_t i = 0; i < a->n_problems; i++) {
      cf_buf_puts(b, "> - ");
      if (a->problems[i].build > 0) cf_buf_printf(b, "#%ld: ", a->problems[i].build);
      /* most readers' messages already start with the file */
      if (!cf_str_starts(a->problems[i].problem, a->problems[i].file)) {
        put_safe(b, a->problems[i].file, 0);
        cf_buf_puts(b, ": ");
      }
      put_safe(b, a->problems[i].problem, 0);
      cf_buf_putc(b, '\n');
    }
    cf_buf_putc(b, '\n');
  }
  for (size_t i = 0; i < a->n_warnings; i++) {
    cf_buf_puts(b, "> Warning: ");
    put_safe(b, a->warnings[i], 0);
    cf_buf_puts(b, "\n");
  }
  if (a->n_warnings) cf_buf_putc(b, '\n');
}

static void finding(cf_buf *b, const cf_finding *fd, int color) {
  char t[CF_TIME_BUFSZ];
  cf_buf_printf(b, "%s**%s — ", color ? "\033[1m" : "", fd->id);
  put_sentence(b, fd->title);
  cf_buf_printf(b, "**%s", color ? "\033[0m" : "");
  if (fd->text && *fd->text) {
    cf_buf_putc(b, ' ');
    put_safe(b, fd->text, 0);
  }
  cf_buf_putc(b, '\n');
  for (size_t i = 0; i < fd->n_evidence; i++) {
    const cf_evidence *e = &fd->evidence[i];
    /* a step but no line: Drone's own error field for the step, or for the
     * build ("(build)": no step ran), not a log line (pipeline.c's
     * match_drone_error); no step and no line: the analysis' own words */
    int drone = e->step && e->line <= 0;
    int build_error = drone && !strcmp(e->step, "(build)");
    cf_buf_printf(b, "- #%ld", e->build);
    if (e->step && !build_error) {
      cf_buf_puts(b, " ");
      put_safe(b, e->step, 0);
    }
    if (e->line > 0) cf_buf_printf(b, ":%ld", e->line);
    if (drone) {
      cf_buf_printf(b, " (Drone's %s error", build_error ? "build" : "step");
      if (e->time != CF_TIME_NONE) cf_buf_printf(b, ", %s", utc(e->time, t));
      cf_buf_putc(b, ')');
    } else if (e->time != CF_TIME_NONE) {
      cf_buf_printf(b, " (%s)", utc(e->time, t));
    }
    cf_buf_puts(b, ": ");
    if (e->step) put_code(b, e->excerpt, 160);
    else put_safe(b, e->excerpt, 0);
    cf_buf_putc(b, '\n');
  }
  if (fd->stats && strstr(fd->stats, "\"suggestive\":true") == NULL && fd->stats[0])
    cf_buf_printf(b, "- statistics: `%s`\n", fd->stats);
  cf_buf_putc(b, '\n');
}

static const char *tested_cell(const cf_facts *f, char *buf, size_t size) {
  if (f->tested.pr > 0)
    snprintf(buf, size, "%s PR #%ld `%.8s`", f->tested.recipe ? f->tested.recipe : "",
             f->tested.pr, f->tested.sha ? f->tested.sha : "?");
  else
    snprintf(buf, size, "%s `%.8s`", f->tested.recipe ? f->tested.recipe : "",
             f->tested.sha ? f->tested.sha : "?");
  return buf;
}

static void table(cf_buf *b, const cf_analysis *a) {
  char t[CF_TIME_BUFSZ], cell[160];
  cf_buf_puts(b, "| build | started (UTC) | tested | level | verdict | confidence | why |\n");
  cf_buf_puts(b, "| --- | --- | --- | --- | --- | --- | --- |\n");
  for (size_t i = 0; i < a->n_builds; i++) {
    const cf_facts *f = &a->builds[i];
    if (f->excluded) continue;
    cf_buf_printf(b, "| #%ld | %s | ", f->number, short_time(f->started, t));
    put_safe(b, tested_cell(f, cell, sizeof cell), 1);
    if (f->level >= 0) cf_buf_printf(b, " | %d | ", f->level);
    else cf_buf_puts(b, " | - | ");
    cf_buf_printf(b, "%s | %s | ", cf_verdict_name(f->verdict),
                  cf_confidence_name(f->confidence));
    put_why(b, f->reasons, f->n_reasons);
    cf_buf_puts(b, " |\n");
  }
  cf_buf_putc(b, '\n');
}

/* Where the inputs disagree or were read with an assumption (results.json
 * against the build parameters, a missing field, a timestamp without a
 * zone): said under the table, so the Markdown hides nothing the JSON's
 * "notes" hold. */
static void evidence_notes(cf_buf *b, const cf_analysis *a) {
  int any = 0;
  for (size_t i = 0; i < a->n_builds; i++) {
    const cf_facts *f = &a->builds[i];
    if (f->excluded) continue;
    for (size_t k = 0; k < f->n_evidence_notes; k++) {
      if (!any) cf_buf_puts(b, "Notes on the evidence:\n\n");
      any = 1;
      cf_buf_printf(b, "- #%ld: ", f->number);
      put_safe(b, f->evidence_notes[k], 0);
      cf_buf_putc(b, '\n');
    }
  }
  if (any) cf_buf_putc(b, '\n');
}

char *cf_report_markdown(const cf_analysis *a, const char *version, int color) {
  cf_buf b = {0};
  header(&b, a, color);
  problems_banner(&b, a);
  if (a->verdict.present) {
    const char *id = "";
    for (size_t i = 0; i < a->n_findings; i++)
      if (!strcmp(a->findings[i].kind, "verdict")) id = a->findings[i].id;
    cf_buf_printf(&b, "%s**%s — Verdict: ", color ? "\033[1m" : "", id);
    put_sentence(&b, a->verdict.reason);
    cf_buf_printf(&b, "**%s\n", color ? "\033[0m" : "");
  } else {
    cf_buf_puts(&b, "**No target given** (`--target`): per-build verdicts only.\n");
  }
  counts(&b, a);
  for (size_t i = 0; i < a->n_findings; i++)
    if (strcmp(a->findings[i].kind, "verdict"))
      finding(&b, &a->findings[i], color);
  table(&b, a);
  evidence_notes(&b, a);
  cf_buf_puts(&b, "Inputs: ");
  for (size_t i = 0; i < a->n_inputs; i++) {
    if (i) cf_buf_puts(&b, "; ");
    put_safe(&b, a->inputs[i], 0);
  }
  cf_buf_printf(&b, ". ciforensics %s.\n", version);
  return cf_buf_steal(&b);
}
