/*
 * cmd_show.c: `ciforensics show`: one build as Drone stored it: its
 * identity, every stage and step (status, exit code, times, log line count
 * and log state), the last lines of each failed step's log, and with --runs
 * the artifact files of the build.
 *
 * Logs are read one step at a time and dropped before the next. A log that
 * cannot be decoded is reported in place ("log unreadable: ..."); it is
 * data about the build, not a reason to fail. The finished output is made
 * safe in one pass (cf_steplog_safe_append: control bytes as \xNN for a
 * terminal, invalid UTF-8 as U+FFFD so JSON stays valid) and leaves through
 * cf_cli_write (redaction).
 */
#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "ciforensics/drone.h"
#include "ciforensics/logdecode.h"
#include "cli.h"

#define TAIL_LINES 20
#define MAX_RUN_FILES 1000 /* entries listed from one runs/<n>/ folder */

static const char usage[] =
    "usage: ciforensics show --db FILE --repo OWNER/NAME BUILD [--runs DIR]\n"
    "                        [--snapshot] [--format text|json]\n"
    "\n"
    "Show one build: what it tested, each stage and step with status, exit\n"
    "code, times and log size, and the last 20 log lines of every failed\n"
    "step (line numbers are Drone's pos + 1).\n"
    "\n"
    "  --db FILE          Drone sqlite database, opened read-only (a file\n"
    "                     ending in .sql is read as a SQL text dump)\n"
    "  --repo OWNER/NAME  the repository (its Drone slug)\n"
    "  BUILD              the build number (612 or #612)\n"
    "  --runs DIR         also list the files in DIR/<BUILD>/\n"
    "  --snapshot         copy the database into memory first\n"
    "  --format FMT       text (default) or json\n"
    "  -h, --help         this help\n";

typedef struct show_opts {
  const char *db, *repo, *runs;
  long number;
  int snapshot;
  cf_format format;
} show_opts;

static int parse_number(const char *s, long *out) {
  if (*s == '#') s++;
  if (!*s || strlen(s) > 18) return -1;
  long v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
  }
  *out = v;
  return 0;
}

static int parse(int argc, char **argv, show_opts *o, int *rc) {
  enum { O_DB = 256, O_REPO, O_RUNS, O_SNAP, O_FORMAT };
  static const struct option longopts[] = {
      {"db", required_argument, NULL, O_DB},
      {"repo", required_argument, NULL, O_REPO},
      {"runs", required_argument, NULL, O_RUNS},
      {"snapshot", no_argument, NULL, O_SNAP},
      {"format", required_argument, NULL, O_FORMAT},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  memset(o, 0, sizeof *o);
  o->number = -1;
  o->format = CF_FMT_TEXT;
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
    switch (c) {
    case 'h':
      cf_cli_write(stdout, usage);
      *rc = CF_EXIT_OK;
      return -1;
    case O_DB: o->db = optarg; break;
    case O_REPO: o->repo = optarg; break;
    case O_RUNS: o->runs = optarg; break;
    case O_SNAP: o->snapshot = 1; break;
    case O_FORMAT:
      if ((*rc = cf_cli_format("show", optarg, 1u << CF_FMT_TEXT | 1u << CF_FMT_JSON,
                               &o->format)))
        return -1;
      break;
    default:
      *rc = cf_cli_bad_option("show", c, argv);
      return -1;
    }
  }
  if (optind >= argc) {
    *rc = cf_cli_error("show: a BUILD number is required (try 'ciforensics "
                       "show --help')");
    return -1;
  }
  if (optind + 1 < argc) {
    *rc = cf_cli_error("show: unexpected argument '%s'", argv[optind + 1]);
    return -1;
  }
  if (parse_number(argv[optind], &o->number)) {
    *rc = cf_cli_error("show: BUILD '%s': expected a build number",
                       argv[optind]);
    return -1;
  }
  if (!o->db || !o->repo) {
    *rc = cf_cli_error("show: %s is required (try 'ciforensics show --help')",
                       !o->db ? "--db FILE" : "--repo OWNER/NAME");
    return -1;
  }
  if (o->runs && !cf_dir_exists(o->runs)) {
    *rc = cf_cli_error("%s: no such directory (--runs)", o->runs);
    return -1;
  }
  return 0;
}

/* ---- per-step log facts ---- */

typedef enum { LOG_OK, LOG_NULL, LOG_MISSING, LOG_UNREADABLE } log_state;

typedef struct step_log {
  log_state state;
  size_t lines;
  int truncated;
  char *problem;       /* LOG_UNREADABLE: why */
  size_t n_tail;
  long tail_line[TAIL_LINES]; /* pos + 1 */
  char *tail_text[TAIL_LINES]; /* plain text */
} step_log;

static void step_log_free(step_log *l) {
  free(l->problem);
  for (size_t i = 0; i < l->n_tail; i++) free(l->tail_text[i]);
  memset(l, 0, sizeof *l);
}

static void read_step_log(cf_drone *db, const cf_step *s, int want_tail,
                          step_log *out) {
  memset(out, 0, sizeof *out);
  if (!s->has_log_row) {
    out->state = LOG_MISSING;
    return;
  }
  char *blob = NULL;
  size_t len = 0;
  int found = 0;
  cf_err err = {{0}};
  if (cf_drone_read_log(db, s->id, &blob, &len, &found, &err)) {
    out->state = LOG_UNREADABLE;
    out->problem = cf_xstrdup(err.msg);
    return;
  }
  if (!found) { /* deleted since the build was loaded */
    out->state = LOG_MISSING;
    return;
  }
  cf_steplog log;
  if (cf_steplog_decode(blob, len, CF_STEPLOG_MAX_BLOB, &log, &err)) {
    out->state = LOG_UNREADABLE;
    out->problem = cf_xstrdup(err.msg);
    free(blob);
    return;
  }
  free(blob);
  out->state = log.is_null ? LOG_NULL : LOG_OK;
  out->lines = log.n_lines;
  out->truncated = log.truncated;
  if (want_tail) {
    size_t first = log.n_lines > TAIL_LINES ? log.n_lines - TAIL_LINES : 0;
    for (size_t i = first; i < log.n_lines; i++) {
      const cf_log_line *l = &log.lines[i];
      out->tail_line[out->n_tail] = l->pos + 1;
      out->tail_text[out->n_tail++] =
          cf_xstrndup(log.plain + l->off, l->len);
    }
  }
  cf_steplog_free(&log);
}

/* ---- --runs ---- */

typedef struct run_file {
  char *name; /* "x.xml", or "sub/" for a directory */
  long long size; /* -1 for directories */
} run_file;

static int run_file_cmp(const void *a, const void *b) {
  return strcmp(((const run_file *)a)->name, ((const run_file *)b)->name);
}

/* List DIR/<number>/, sorted by name. *present = 0 when it does not exist. */
static void list_runs(const char *runs, long number, run_file **files,
                      size_t *n, size_t *more, int *present, char **where) {
  *files = NULL;
  *n = *more = 0;
  cf_buf p = {0};
  cf_buf_printf(&p, "%s/%ld", runs, number);
  *where = cf_buf_steal(&p);
  DIR *d = opendir(*where);
  *present = d != NULL;
  if (!d) return;
  size_t cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (*n >= MAX_RUN_FILES) {
      (*more)++;
      continue;
    }
    char *full = cf_path_join(*where, e->d_name);
    struct stat sb;
    run_file f;
    int isdir = lstat(full, &sb) == 0 && S_ISDIR(sb.st_mode);
    cf_buf name = {0};
    cf_buf_puts(&name, e->d_name);
    if (isdir) cf_buf_putc(&name, '/');
    f.name = cf_buf_steal(&name);
    f.size = isdir ? -1 : (lstat(full, &sb) == 0 ? (long long)sb.st_size : -1);
    free(full);
    CF_PUSH(*files, *n, cap, f);
  }
  closedir(d);
  if (*n > 1) qsort(*files, *n, sizeof **files, run_file_cmp);
}

/* ---- rendering ---- */

static void fmt_duration(cf_buf *out, cf_time a, cf_time b) {
  if (a == CF_TIME_NONE || b == CF_TIME_NONE || b < a) {
    cf_buf_puts(out, "-");
    return;
  }
  int64_t s = b - a;
  if (s >= 3600)
    cf_buf_printf(out, "%lldh%02lldm%02llds", (long long)(s / 3600),
                  (long long)(s % 3600 / 60), (long long)(s % 60));
  else if (s >= 60)
    cf_buf_printf(out, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
  else
    cf_buf_printf(out, "%llds", (long long)s);
}

static void fmt_span(cf_buf *out, cf_time a, cf_time b) {
  char t1[CF_TIME_BUFSZ], t2[CF_TIME_BUFSZ];
  if (a == CF_TIME_NONE) {
    cf_buf_puts(out, "not started");
    return;
  }
  cf_buf_printf(out, "%s .. %s (", cf_time_format(a, t1, sizeof t1),
                b == CF_TIME_NONE ? "running" : cf_time_format(b, t2, sizeof t2));
  fmt_duration(out, a, b);
  cf_buf_putc(out, ')');
}

static void text_field(cf_buf *out, const char *name, const char *value) {
  cf_buf_printf(out, "  %-12s %s\n", name, value);
}

static void text_build(cf_buf *out, const cf_build *b) {
  char t[CF_TIME_BUFSZ];
  cf_buf v = {0};
  cf_buf_printf(out, "build #%ld  %s\n", b->number, b->status);
  text_field(out, "event:", b->event);
  text_field(out, "trigger:", *b->trigger ? b->trigger : "-");
  text_field(out, "ref:", b->ref);
  text_field(out, "sha:", *b->sha ? b->sha : "-");
  if (b->tested.recipe) cf_buf_printf(&v, "recipe %s, ", b->tested.recipe);
  if (b->tested.pr >= 0) cf_buf_printf(&v, "PR #%ld, ", b->tested.pr);
  cf_buf_printf(&v, "sha %s (from %s)", b->tested.sha ? b->tested.sha : "-",
                b->tested.source);
  text_field(out, "tested:", v.data);
  cf_buf_reset(&v);
  for (size_t i = 0; i < b->n_params; i++)
    cf_buf_printf(&v, "%s%s=%s", i ? " " : "", b->params[i].key,
                  b->params[i].value);
  text_field(out, "params:", b->n_params ? v.data : "-");
  text_field(out, "created:", cf_time_format(b->created, t, sizeof t));
  cf_buf_reset(&v);
  fmt_span(&v, b->started, b->finished);
  text_field(out, "run:", v.data);
  text_field(out, "machine:", *b->machine ? b->machine : "-");
  text_field(out, "failed step:", b->failed ? b->failed->name : "-");
  if (*b->error) text_field(out, "error:", b->error);
  cf_buf_free(&v);
}

static void text_step(cf_buf *out, const cf_step *s, const step_log *l) {
  cf_buf_printf(out, "  step %d %s: %s%s, exit %d, ", s->number, s->name,
                s->status,
                s->errignore ? " (ignored)" : "", s->exit_code);
  fmt_span(out, s->started, s->stopped);
  switch (l->state) {
  case LOG_MISSING: cf_buf_puts(out, ", log not in database"); break;
  case LOG_NULL: cf_buf_puts(out, ", no output"); break;
  case LOG_UNREADABLE:
    cf_buf_printf(out, ", log unreadable: %s", l->problem);
    break;
  case LOG_OK:
    cf_buf_printf(out, ", %zu line%s", l->lines, l->lines == 1 ? "" : "s");
    break;
  }
  if (l->truncated) cf_buf_puts(out, ", truncated by Drone");
  cf_buf_putc(out, '\n');
  if (*s->error) {
    cf_buf_printf(out, "    error: %s\n", s->error);
  }
  if (l->n_tail) {
    cf_buf_printf(out, "    last %zu line%s:\n", l->n_tail,
                  l->n_tail == 1 ? "" : "s");
    for (size_t i = 0; i < l->n_tail; i++)
      cf_buf_printf(out, "    %6ld | %s\n", l->tail_line[i], l->tail_text[i]);
  }
}

static void json_time(cJSON *o, const char *key, cf_time t) {
  char buf[CF_TIME_BUFSZ];
  if (t == CF_TIME_NONE)
    cJSON_AddNullToObject(o, key);
  else
    cJSON_AddStringToObject(o, key, cf_time_format(t, buf, sizeof buf));
}

static void json_duration(cJSON *o, cf_time a, cf_time b) {
  if (a == CF_TIME_NONE || b == CF_TIME_NONE || b < a)
    cJSON_AddNullToObject(o, "duration");
  else
    cJSON_AddNumberToObject(o, "duration", (double)(b - a));
}

static cJSON *json_step(const cf_step *s, const step_log *l) {
  static const char *states[] = {"ok", "null", "missing", "unreadable"};
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "number", s->number);
  cJSON_AddStringToObject(o, "name", s->name);
  cJSON_AddStringToObject(o, "status", s->status);
  cJSON_AddNumberToObject(o, "exit_code", s->exit_code);
  cJSON_AddBoolToObject(o, "errignore", s->errignore);
  cJSON_AddStringToObject(o, "error", s->error);
  json_time(o, "started", s->started);
  json_time(o, "stopped", s->stopped);
  json_duration(o, s->started, s->stopped);
  cJSON *lg = cJSON_AddObjectToObject(o, "log");
  cJSON_AddStringToObject(lg, "state", states[l->state]);
  if (l->state == LOG_OK || l->state == LOG_NULL)
    cJSON_AddNumberToObject(lg, "lines", (double)l->lines);
  else
    cJSON_AddNullToObject(lg, "lines");
  cJSON_AddBoolToObject(lg, "truncated", l->truncated);
  if (l->problem) cJSON_AddStringToObject(lg, "problem", l->problem);
  if (cf_status_failed(s->status)) {
    cJSON *tail = cJSON_AddArrayToObject(o, "tail");
    for (size_t i = 0; i < l->n_tail; i++) {
      cJSON *e = cJSON_CreateObject();
      cJSON_AddNumberToObject(e, "line", (double)l->tail_line[i]);
      cJSON_AddStringToObject(e, "text", l->tail_text[i]);
      cJSON_AddItemToArray(tail, e);
    }
  }
  return o;
}

static void render(cf_drone *db, const cf_build *b, const show_opts *o,
                   cf_buf *out) {
  int json = o->format == CF_FMT_JSON;
  cJSON *root = NULL, *jb = NULL, *jstages = NULL;
  if (json) {
    root = cJSON_CreateObject();
    jb = cJSON_AddObjectToObject(root, "build");
    cf_drone_build_json(b, jb);
    cJSON_AddStringToObject(jb, "trigger", b->trigger);
    cJSON_AddStringToObject(jb, "error", b->error);
    json_time(jb, "created", b->created);
    jstages = cJSON_AddArrayToObject(jb, "stages");
  } else {
    text_build(out, b);
  }
  for (size_t i = 0; i < b->n_stages; i++) {
    const cf_stage *sg = &b->stages[i];
    cJSON *jsteps = NULL;
    if (json) {
      cJSON *js = cJSON_CreateObject();
      cJSON_AddNumberToObject(js, "number", sg->number);
      cJSON_AddStringToObject(js, "name", sg->name);
      cJSON_AddStringToObject(js, "status", sg->status);
      if (*sg->machine)
        cJSON_AddStringToObject(js, "machine", sg->machine);
      else
        cJSON_AddNullToObject(js, "machine");
      cJSON_AddNumberToObject(js, "exit_code", sg->exit_code);
      json_time(js, "started", sg->started);
      json_time(js, "stopped", sg->stopped);
      json_duration(js, sg->started, sg->stopped);
      jsteps = cJSON_AddArrayToObject(js, "steps");
      cJSON_AddItemToArray(jstages, js);
    } else {
      cf_buf_printf(out, "\nstage %d %s: %s, exit %d, machine %s, ",
                    sg->number, sg->name, sg->status, sg->exit_code,
                    *sg->machine ? sg->machine : "-");
      fmt_span(out, sg->started, sg->stopped);
      cf_buf_putc(out, '\n');
    }
    for (size_t k = 0; k < sg->n_steps; k++) {
      const cf_step *s = &sg->steps[k];
      step_log l;
      read_step_log(db, s, cf_status_failed(s->status), &l);
      if (json)
        cJSON_AddItemToArray(jsteps, json_step(s, &l));
      else
        text_step(out, s, &l);
      step_log_free(&l);
    }
  }
  if (o->runs) {
    run_file *files;
    size_t n, more;
    int present;
    char *where;
    list_runs(o->runs, b->number, &files, &n, &more, &present, &where);
    if (json) {
      cJSON *jr = cJSON_AddObjectToObject(root, "runs");
      cJSON_AddStringToObject(jr, "dir", where);
      cJSON_AddBoolToObject(jr, "present", present);
      cJSON *jf = cJSON_AddArrayToObject(jr, "files");
      for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", files[i].name);
        if (files[i].size < 0)
          cJSON_AddNullToObject(e, "size");
        else
          cJSON_AddNumberToObject(e, "size", (double)files[i].size);
        cJSON_AddItemToArray(jf, e);
      }
      cJSON_AddNumberToObject(jr, "not_listed", (double)more);
    } else {
      cf_buf_printf(out, "\nartifacts in %s", where);
      if (!present) cf_buf_puts(out, ": none (no such directory)\n");
      else if (!n) cf_buf_puts(out, ": none (empty)\n");
      else cf_buf_puts(out, ":\n");
      for (size_t i = 0; i < n; i++) {
        if (files[i].size < 0)
          cf_buf_printf(out, "  %s\n", files[i].name);
        else
          cf_buf_printf(out, "  %s (%lld bytes)\n", files[i].name,
                        files[i].size);
      }
      if (more) cf_buf_printf(out, "  ... and %zu more\n", more);
    }
    for (size_t i = 0; i < n; i++) free(files[i].name);
    free(files);
    free(where);
  }
  if (json) {
    char *s = cJSON_Print(root);
    cf_buf_puts(out, s);
    cf_buf_putc(out, '\n');
    cJSON_free(s);
    cJSON_Delete(root);
  }
}

int cf_cmd_show(int argc, char **argv) {
  show_opts o;
  int rc = CF_EXIT_OK;
  if (parse(argc, argv, &o, &rc)) return rc;
  cf_err err = {{0}};
  cf_drone *db = NULL;
  int64_t repo_id;
  cf_build b;
  memset(&b, 0, sizeof b);
  if (cf_drone_open_any(o.db, o.snapshot, &db, &err) ||
      cf_drone_find_repo(db, o.repo, &repo_id, &err) ||
      cf_drone_load_build(db, repo_id, o.number, &b, &err)) {
    rc = cf_cli_error("%s", err.msg);
  } else {
    cf_buf out = {0}, safe = {0};
    render(db, &b, &o, &out);
    /* one pass over everything: log text and database strings alike */
    cf_steplog_safe_append(&safe, out.data, out.len, o.format != CF_FMT_JSON);
    cf_cli_write(stdout, safe.data);
    cf_buf_free(&out);
    cf_buf_free(&safe);
  }
  cf_build_free(&b);
  cf_drone_close(db);
  return rc;
}
