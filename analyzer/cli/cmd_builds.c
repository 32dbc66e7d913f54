/*
 * cmd_builds.c: `ciforensics builds`: list the builds of a range with what
 * each one tested, as an aligned text table or as JSON ({"builds": [...]},
 * the per-build fields of analyze that need no analysis).
 *
 * The whole output is built in memory, made safe to print
 * (cf_steplog_safe_append) and written once through cf_cli_write
 * (redaction), so an error half-way leaves stdout empty.
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ciforensics/drone.h"
#include "ciforensics/logdecode.h"
#include "cli.h"

static const char usage[] =
    "usage: ciforensics builds --db FILE --repo OWNER/NAME [--builds A..B]\n"
    "                          [--since TIME] [--until TIME] [--recipe NAME]\n"
    "                          [--snapshot] [--format text|json]\n"
    "\n"
    "List the builds of a Drone repository with what each one tested\n"
    "(recipe, pull request, sha, and where that came from), its status,\n"
    "start time, machine and first failed step.\n"
    "\n"
    "  --db FILE          Drone sqlite database, opened read-only (a file\n"
    "                     ending in .sql is read as a SQL text dump)\n"
    "  --repo OWNER/NAME  the repository (its Drone slug)\n"
    "  --builds A..B      build numbers, inclusive (A.., ..B and N work too)\n"
    "  --since TIME       builds created at or after TIME (ISO 8601 or Unix)\n"
    "  --until TIME       builds created at or before TIME\n"
    "  --recipe NAME      only builds whose tested recipe is NAME\n"
    "  --snapshot         copy the database into memory first\n"
    "  --format FMT       text (default) or json\n"
    "  -h, --help         this help\n";

typedef struct builds_opts {
  const char *db, *repo, *recipe;
  cf_build_sel sel;
  int snapshot;
  cf_format format;
} builds_opts;

/* Parse argv; returns -1 to exit with *rc (help or a usage error). */
static int parse(int argc, char **argv, builds_opts *o, int *rc) {
  enum { O_DB = 256, O_REPO, O_BUILDS, O_SINCE, O_UNTIL, O_RECIPE, O_SNAP,
         O_FORMAT };
  static const struct option longopts[] = {
      {"db", required_argument, NULL, O_DB},
      {"repo", required_argument, NULL, O_REPO},
      {"builds", required_argument, NULL, O_BUILDS},
      {"since", required_argument, NULL, O_SINCE},
      {"until", required_argument, NULL, O_UNTIL},
      {"recipe", required_argument, NULL, O_RECIPE},
      {"snapshot", no_argument, NULL, O_SNAP},
      {"format", required_argument, NULL, O_FORMAT},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  memset(o, 0, sizeof *o);
  o->sel = (cf_build_sel){0, LONG_MAX, CF_TIME_NONE, CF_TIME_NONE};
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
    case O_RECIPE: o->recipe = optarg; break;
    case O_SNAP: o->snapshot = 1; break;
    case O_BUILDS:
      if ((*rc = cf_cli_range("builds", optarg, &o->sel.from, &o->sel.to))) return -1;
      break;
    case O_SINCE:
      if ((*rc = cf_cli_time("builds", "since", optarg, &o->sel.since))) return -1;
      break;
    case O_UNTIL:
      if ((*rc = cf_cli_time("builds", "until", optarg, &o->sel.until))) return -1;
      break;
    case O_FORMAT:
      if ((*rc = cf_cli_format("builds", optarg, 1u << CF_FMT_TEXT | 1u << CF_FMT_JSON,
                               &o->format)))
        return -1;
      break;
    default:
      *rc = cf_cli_bad_option("builds", c, argv);
      return -1;
    }
  }
  if (optind < argc) {
    *rc = cf_cli_error("builds: unexpected argument '%s'", argv[optind]);
    return -1;
  }
  if (!o->db || !o->repo) {
    *rc = cf_cli_error("builds: %s is required (try 'ciforensics builds "
                       "--help')", !o->db ? "--db FILE" : "--repo OWNER/NAME");
    return -1;
  }
  if (o->sel.since != CF_TIME_NONE && o->sel.until != CF_TIME_NONE &&
      o->sel.since > o->sel.until) {
    *rc = cf_cli_error("builds: --since is after --until");
    return -1;
  }
  return 0;
}

/* "ghost PR#4 d88f5801abcd (params)": the tested identity in one cell. */
static void tested_cell(const cf_build *b, cf_buf *out) {
  size_t start = out->len;
  if (b->tested.recipe) cf_buf_puts(out, b->tested.recipe);
  if (b->tested.pr >= 0)
    cf_buf_printf(out, "%sPR#%ld", out->len > start ? " " : "", b->tested.pr);
  if (b->tested.sha)
    cf_buf_printf(out, "%s%.12s", out->len > start ? " " : "", b->tested.sha);
  cf_buf_printf(out, "%s(%s)", out->len > start ? " " : "", b->tested.source);
}

enum { COLS = 6 };

static void render_text(const cf_build *bs, size_t n, cf_buf *out) {
  static const char *head[COLS] = {"BUILD",   "STATUS", "STARTED",
                                   "MACHINE", "TESTED", "FAILED STEP"};
  char ***cells = cf_xcalloc(n + 1, sizeof *cells);
  size_t width[COLS] = {0};
  for (size_t r = 0; r <= n; r++) {
    cells[r] = cf_xcalloc(COLS, sizeof **cells);
    if (r == 0) {
      for (int c = 0; c < COLS; c++) cells[0][c] = cf_xstrdup(head[c]);
    } else {
      const cf_build *b = &bs[r - 1];
      char t[CF_TIME_BUFSZ];
      cf_buf cell = {0};
      cf_buf_printf(&cell, "#%ld", b->number);
      cells[r][0] = cf_buf_steal(&cell);
      cells[r][1] = cf_xstrdup(b->status);
      cells[r][2] = cf_xstrdup(cf_time_format(b->started, t, sizeof t));
      cells[r][3] = cf_xstrdup(*b->machine ? b->machine : "-");
      tested_cell(b, &cell);
      cells[r][4] = cf_buf_steal(&cell);
      cells[r][5] = cf_xstrdup(b->failed ? b->failed->name : "-");
    }
    for (int c = 0; c < COLS; c++) {
      size_t w = strlen(cells[r][c]);
      if (w > width[c]) width[c] = w;
    }
  }
  for (size_t r = 0; r <= n; r++) {
    for (int c = 0; c < COLS; c++) {
      if (c == COLS - 1)
        cf_buf_printf(out, "%s\n", cells[r][c]);
      else
        cf_buf_printf(out, "%-*s  ", (int)width[c], cells[r][c]);
      free(cells[r][c]);
    }
    free(cells[r]);
  }
  free(cells);
}

static void render_json(const cf_build *bs, size_t n, cf_buf *out) {
  cJSON *root = cJSON_CreateObject();
  cJSON *arr = cJSON_AddArrayToObject(root, "builds");
  for (size_t i = 0; i < n; i++) {
    cJSON *o = cJSON_CreateObject();
    cf_drone_build_json(&bs[i], o);
    cJSON_AddItemToArray(arr, o);
  }
  char *s = cJSON_Print(root);
  cf_buf_puts(out, s);
  cf_buf_putc(out, '\n');
  cJSON_free(s);
  cJSON_Delete(root);
}

int cf_cmd_builds(int argc, char **argv) {
  builds_opts o;
  int rc = CF_EXIT_OK;
  if (parse(argc, argv, &o, &rc)) return rc;

  cf_err err = {{0}};
  cf_drone *db = NULL;
  int64_t repo_id;
  long *nums = NULL;
  size_t n = 0, kept = 0;
  cf_build *bs = NULL;
  if (cf_drone_open_any(o.db, o.snapshot, &db, &err) ||
      cf_drone_find_repo(db, o.repo, &repo_id, &err) ||
      cf_drone_list_builds(db, repo_id, &o.sel, &nums, &n, &err)) {
    rc = cf_cli_error("%s", err.msg);
    goto done;
  }
  bs = cf_xcalloc(n, sizeof *bs);
  for (size_t i = 0; i < n; i++) {
    cf_build *b = &bs[kept];
    if (cf_drone_load_build(db, repo_id, nums[i], b, &err)) {
      cf_build_free(b);
      rc = cf_cli_error("%s", err.msg);
      goto done;
    }
    if (o.recipe && (!b->tested.recipe || strcmp(b->tested.recipe, o.recipe)))
      cf_build_free(b);
    else
      kept++;
  }
  if (kept == 0) {
    rc = cf_cli_error("%s: repository %s has no builds of recipe '%s' in the "
                      "selected range", o.db, o.repo, o.recipe);
    goto done;
  }
  cf_buf out = {0}, safe = {0};
  if (o.format == CF_FMT_JSON)
    render_json(bs, kept, &out);
  else
    render_text(bs, kept, &out);
  cf_steplog_safe_append(&safe, out.data, out.len, o.format != CF_FMT_JSON);
  cf_cli_write(stdout, safe.data);
  cf_buf_free(&out);
  cf_buf_free(&safe);

done:
  for (size_t i = 0; i < kept; i++) cf_build_free(&bs[i]);
  free(bs);
  free(nums);
  cf_drone_close(db);
  return rc;
}
