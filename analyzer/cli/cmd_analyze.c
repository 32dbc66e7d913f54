/*
 * cmd_analyze.c: `ciforensics analyze`, the main job: options, the
 * pipeline, and the report in Markdown (default) or JSON. With --demo it
 * runs the bundled ghost case (corpus/ghost-2026-06) as of 06:38Z.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cf_config.h"
#include "ciforensics/pipeline.h"
#include "ciforensics/report.h"
#include "cli.h"

static const char help[] =
    "usage: ciforensics analyze --db DRONE.sqlite --repo OWNER/NAME --builds A..B\n"
    "                           [--recipe NAME] [--runs DIR] [--events FILE]\n"
    "                           [--load FILE [--machine-map FILE]] [--prs FILE]\n"
    "                           [--target pr=N|sha=X|ref=R] [--as-of TIME]\n"
    "                           [--stale-days N] [--rules DIR]... [--format md|json]\n"
    "                           [-o FILE] [--strict] [--snapshot] [--quiet]\n"
    "                           [--cache FILE]\n"
    "       ciforensics analyze --demo [--format md|json]\n"
    "\n"
    "Decide for every failed build of the range whether the recipe, a load-\n"
    "sensitive race (timing) or broken infrastructure (infra) caused it, and\n"
    "write numbered findings with line-anchored evidence.\n"
    "\n"
    "  --db FILE          Drone sqlite database (opened read-only), or a .sql dump\n"
    "  --repo OWNER/NAME  the Drone repository\n"
    "  --builds A..B      build numbers (A.., ..B or N also work)\n"
    "  --since/--until T  select by creation time instead of / besides numbers\n"
    "  --recipe NAME      only builds that tested this recipe\n"
    "  --runs DIR         run artifacts: DIR/<build>/results.json and *.xml\n"
    "  --events FILE      infrastructure events (YAML)\n"
    "  --load FILE        host load samples (CSV or Prometheus JSON);\n"
    "                     default: derived from concurrent Drone stages\n"
    "  --machine-map FILE map Prometheus instances to Drone machine names\n"
    "  --prs FILE         pull-request list (Gitea/GitHub REST JSON)\n"
    "  --target T         the claim under review: pr=N, sha=HEX or ref=REF\n"
    "  --as-of TIME       the review moment (default: latest time in the inputs)\n"
    "  --stale-days N     an open PR idle this long is stale (default 30)\n"
    "  --rules DIR        rule directory; repeat to override by id (default: shipped)\n"
    "  --format md|json   report format (default md)\n"
    "  -o FILE            write the report to FILE instead of stdout\n"
    "  --strict           any input problem exits 1 with no report\n"
    "  --snapshot         copy the database first (SQLite backup API)\n"
    "  --quiet            no progress on stderr\n"
    "  --cache FILE       reuse the facts of unchanged builds from FILE (sqlite;\n"
    "                     created if missing); the only file written besides -o\n"
    "  --demo             the bundled ghost case (PR #4, as of 2026-06-13T06:38Z)\n"
    "\n"
    "Exit: 0 report written (input problems are listed in it), 1 unusable input\n"
    "or --strict with problems (no report), 2 internal error.\n";

enum {
  OPT_DB = 256, OPT_REPO, OPT_BUILDS, OPT_SINCE, OPT_UNTIL, OPT_RECIPE, OPT_RUNS,
  OPT_EVENTS, OPT_LOAD, OPT_MAP, OPT_PRS, OPT_TARGET, OPT_ASOF, OPT_STALE, OPT_RULES,
  OPT_FORMAT, OPT_STRICT, OPT_SNAPSHOT, OPT_QUIET, OPT_DEMO, OPT_HELP, OPT_CACHE
};

/* The -o file must not be one of the inputs: the tool never writes to them. */
static int same_file(const char *a, const char *b) {
  struct stat sa, sb;
  if (!a || !b || stat(a, &sa) || stat(b, &sb)) return 0;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cf_cmd_analyze(int argc, char **argv) {
  static const struct option longopts[] = {
      {"db", required_argument, 0, OPT_DB},
      {"repo", required_argument, 0, OPT_REPO},
      {"builds", required_argument, 0, OPT_BUILDS},
      {"since", required_argument, 0, OPT_SINCE},
      {"until", required_argument, 0, OPT_UNTIL},
      {"recipe", required_argument, 0, OPT_RECIPE},
      {"runs", required_argument, 0, OPT_RUNS},
      {"events", required_argument, 0, OPT_EVENTS},
      {"load", required_argument, 0, OPT_LOAD},
      {"machine-map", required_argument, 0, OPT_MAP},
      {"prs", required_argument, 0, OPT_PRS},
      {"target", required_argument, 0, OPT_TARGET},
      {"as-of", required_argument, 0, OPT_ASOF},
      {"stale-days", required_argument, 0, OPT_STALE},
      {"rules", required_argument, 0, OPT_RULES},
      {"format", required_argument, 0, OPT_FORMAT},
      {"output", required_argument, 0, 'o'},
      {"strict", no_argument, 0, OPT_STRICT},
      {"snapshot", no_argument, 0, OPT_SNAPSHOT},
      {"quiet", no_argument, 0, OPT_QUIET},
      {"demo", no_argument, 0, OPT_DEMO},
      {"cache", required_argument, 0, OPT_CACHE},
      {"help", no_argument, 0, OPT_HELP},
      {0, 0, 0, 0},
  };
  cf_analyze_opts o;
  memset(&o, 0, sizeof o);
  o.to = LONG_MAX;
  o.since = o.until = CF_TIME_NONE;
  o.stale_days = 30;
  const char *rules[16];
  size_t n_rules = 0;
  const char *out_path = NULL;
  cf_format fmt = CF_FMT_MD;
  int strict = 0, quiet = 0, demo = 0, have_range = 0;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
    switch (c) {
    case OPT_DB: o.db_path = optarg; break;
    case OPT_REPO: o.repo = optarg; break;
    case OPT_BUILDS:
      if (cf_cli_range("analyze", optarg, &o.from, &o.to)) return CF_EXIT_INPUT;
      have_range = 1;
      break;
    case OPT_SINCE:
      if (cf_cli_time("analyze", "since", optarg, &o.since)) return CF_EXIT_INPUT;
      have_range = 1;
      break;
    case OPT_UNTIL:
      if (cf_cli_time("analyze", "until", optarg, &o.until)) return CF_EXIT_INPUT;
      have_range = 1;
      break;
    case OPT_RECIPE: o.recipe = optarg; break;
    case OPT_RUNS: o.runs_dir = optarg; break;
    case OPT_EVENTS: o.events_path = optarg; break;
    case OPT_LOAD: o.load_path = optarg; break;
    case OPT_MAP: o.machine_map = optarg; break;
    case OPT_PRS: o.prs_path = optarg; break;
    case OPT_TARGET: o.target = optarg; break;
    case OPT_ASOF: o.as_of = optarg; break;
    case OPT_STALE: {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 1 || v > 100000)
        return cf_cli_error("analyze: --stale-days %s: expected a number of days", optarg);
      o.stale_days = (int)v;
      break;
    }
    case OPT_RULES:
      if (n_rules == sizeof rules / sizeof rules[0])
        return cf_cli_error("analyze: at most 16 --rules directories");
      rules[n_rules++] = optarg;
      break;
    case OPT_FORMAT:
      if (cf_cli_format("analyze", optarg, (1u << CF_FMT_MD) | (1u << CF_FMT_JSON), &fmt))
        return CF_EXIT_INPUT;
      break;
    case 'o': out_path = optarg; break;
    case OPT_STRICT: strict = 1; break;
    case OPT_SNAPSHOT: o.snapshot = 1; break;
    case OPT_QUIET: quiet = 1; break;
    case OPT_DEMO: demo = 1; break;
    case OPT_CACHE: o.cache_path = optarg; break;
    case 'h':
    case OPT_HELP: fputs(help, stdout); return CF_EXIT_OK;
    default: return cf_cli_bad_option("analyze", c, argv);
    }
  }
  if (optind < argc)
    return cf_cli_error("analyze: unexpected argument '%s' (see --help)", argv[optind]);

  char *demo_db = NULL, *demo_runs = NULL, *demo_events = NULL, *demo_prs = NULL;
  if (demo) {
    char *dir = cf_path_join(cf_data_dir(), "corpus/ghost-2026-06");
    demo_db = cf_path_join(dir, "drone.sql");
    demo_runs = cf_path_join(dir, "runs");
    demo_events = cf_path_join(dir, "events.yaml");
    demo_prs = cf_path_join(dir, "prs.json");
    free(dir);
    o.db_path = demo_db;
    o.runs_dir = demo_runs;
    o.events_path = demo_events;
    o.prs_path = demo_prs;
    o.repo = "cc/recipe-ci";
    o.from = 515;
    o.to = 612;
    o.recipe = "ghost";
    o.target = "pr=4";
    if (!o.as_of) o.as_of = "2026-06-13T06:38Z";
    have_range = 1;
  }
  int rc = CF_EXIT_INPUT;
  if (!o.db_path) {
    cf_cli_error("analyze: --db is required (see --help)");
    goto done;
  }
  if (!o.repo) {
    cf_cli_error("analyze: --repo is required (see --help)");
    goto done;
  }
  if (!have_range) {
    cf_cli_error("analyze: give a range with --builds A..B or --since/--until");
    goto done;
  }
  if (o.machine_map && !o.load_path) {
    cf_cli_error("analyze: --machine-map needs --load");
    goto done;
  }
  const char *inputs[] = {o.db_path, o.events_path, o.load_path, o.machine_map, o.prs_path};
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    if (out_path && same_file(out_path, inputs[i])) {
      cf_cli_error("analyze: -o %s is an input file; refusing to overwrite it", out_path);
      goto done;
    }
    if (o.cache_path && same_file(o.cache_path, inputs[i])) {
      cf_cli_error("analyze: --cache %s is an input file; refusing to write to it", o.cache_path);
      goto done;
    }
  }
  if (out_path && o.cache_path && same_file(out_path, o.cache_path)) {
    cf_cli_error("analyze: -o and --cache name the same file");
    goto done;
  }
  o.rules_dirs = n_rules ? rules : NULL;
  o.n_rules_dirs = n_rules;
  o.progress = !quiet && isatty(STDERR_FILENO);

  cf_analysis a;
  cf_err err = {{0}};
  if (cf_analyze_run(&o, &a, &err)) {
    cf_cli_error("%s", err.msg);
    cf_analysis_free(&a);
    goto done;
  }
  if (strict && a.n_problems) {
    for (size_t i = 0; i < a.n_problems; i++) {
      const char *file = a.problems[i].file, *what = a.problems[i].problem;
      if (cf_str_starts(what, file)) cf_cli_error("%s", what); /* already names it */
      else cf_cli_error("%s: %s", file, what);
    }
    cf_cli_error("analyze: --strict: %zu input problem%s, no report written", a.n_problems,
                 a.n_problems == 1 ? "" : "s");
    cf_analysis_free(&a);
    goto done;
  }
  int color = fmt == CF_FMT_MD && !out_path && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
  FILE *f = out_path ? fopen(out_path, "w") : stdout;
  if (!f) {
    cf_cli_error("analyze: -o %s: cannot write", out_path);
    cf_analysis_free(&a);
    goto done;
  }
  /* Every string from the inputs was redacted piece by piece before it was
   * formatted (report/), so the text is written as built: a second pass over
   * the formatted text could swallow JSON quotes or Markdown emphasis. JSON
   * is streamed build by build, so a large range is never held as text. */
  if (fmt == CF_FMT_JSON) {
    cf_report_json_write(&a, CF_VERSION, f);
  } else {
    char *text = cf_report_markdown(&a, CF_VERSION, color);
    fputs(text, f);
    free(text);
  }
  cf_analysis_free(&a);
  if (out_path && fclose(f)) {
    cf_cli_error("analyze: -o %s: write failed", out_path);
    rc = CF_EXIT_INTERNAL;
    goto done;
  }
  rc = CF_EXIT_OK;
done:
  free(demo_db);
  free(demo_runs);
  free(demo_events);
  free(demo_prs);
  return rc;
}
