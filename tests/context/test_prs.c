/*
 * Unit tests for analyzer/ingest/prs.c: reading Gitea/GitHub lists, states
 * and last activity as of a moment, head-sha prefix matching, and every bad
 * form with its exact message (file and JSON path).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ciforensics/prs.h"

static cf_time T_(const char *s) {
  cf_time v = 0;
  return cf_time_parse(s, &v, NULL) ? -1 : v;
}

static const char *prs_path(void) {
  static char path[4096];
  const char *root = getenv("CF_SOURCE_ROOT");
  snprintf(path, sizeof path, "%s/tests/context/data/prs.json",
           root ? root : ".");
  return path;
}

static void bad(const char *json, const char *msg) {
  cf_prs p;
  cf_err err = {{0}};
  CHECK_INT(cf_prs_load_mem(json, strlen(json), "prs.json", &p, &err), -1);
  CHECK_STR(err.msg, msg);
  CHECK_INT(p.n, 0);
}

static void ghost_list(void) {
  cf_prs p;
  cf_err err = {{0}};
  CHECK_INT(cf_prs_load(prs_path(), &p, &err), 0);
  CHECK_STR(err.msg, "");
  CHECK_INT(p.n, 3);
  CHECK_INT(p.n_warnings, 0);
  const cf_pr *pr4 = cf_prs_find(&p, 4), *pr5 = cf_prs_find(&p, 5),
              *pr3 = cf_prs_find(&p, 3);
  CHECK(pr4 && pr5 && pr3);
  CHECK(cf_prs_find(&p, 6) == NULL);
  CHECK_STR(pr4->title, "chore: upgrade to 1.4.0+6.44.1-alpine");
  CHECK_STR(pr4->head_ref, "upgrade-6.44.1");
  CHECK(pr4->repo == NULL); /* this list names no repository */
  CHECK_INT(pr4->index, 1);
  CHECK_INT(pr3->created, T_("2026-05-01T08:00Z"));
  CHECK_INT(pr5->closed, CF_TIME_NONE);
  CHECK_INT(pr5->merged, CF_TIME_NONE);

  /* states as of the review moment 06:20Z on the 13th */
  cf_time review = T_("2026-06-13T06:20Z");
  CHECK_INT(cf_pr_state_at(pr4, review), CF_PR_OPEN); /* merged at 07:00 */
  CHECK_INT(cf_pr_state_at(pr4, T_("2026-06-13T07:00Z")), CF_PR_MERGED);
  CHECK_INT(cf_pr_state_at(pr4, CF_TIME_NONE), CF_PR_MERGED);
  CHECK_INT(cf_pr_state_at(pr5, review), CF_PR_OPEN);
  CHECK_INT(cf_pr_state_at(pr5, T_("2026-06-12T12:00Z")), CF_PR_NOT_YET);
  CHECK_INT(cf_pr_state_at(pr3, review), CF_PR_CLOSED);
  CHECK_INT(cf_pr_state_at(pr3, T_("2026-05-02T07:59:59Z")), CF_PR_OPEN);
  CHECK_STR(cf_pr_state_name(CF_PR_NOT_YET), "not yet created");
  CHECK_STR(cf_pr_state_name(CF_PR_MERGED), "merged");

  /* last activity: PR #4's updated_at (07:00) is after the review, so
   * only its creation is seen */
  CHECK_INT(cf_pr_last_activity(pr4, review), T_("2026-06-10T09:00Z"));
  CHECK_INT(cf_pr_last_activity(pr4, CF_TIME_NONE), T_("2026-06-13T07:00Z"));
  CHECK_INT(cf_pr_last_activity(pr5, review), T_("2026-06-13T02:55Z"));
  CHECK_INT(cf_pr_last_activity(pr5, T_("2026-06-13T00:00Z")),
            T_("2026-06-12T23:40Z"));
  CHECK_INT(cf_pr_last_activity(pr5, T_("2026-06-12T00:00Z")), CF_TIME_NONE);
  CHECK_INT(cf_pr_last_activity(pr3, review), T_("2026-05-02T08:00Z"));

  /* heads by prefix, either direction, case-insensitive, >= 7 hex */
  CHECK_INT(cf_pr_head_matches(pr4, "d88f5801"), 1);
  CHECK_INT(cf_pr_head_matches(pr4, "D88F580"), 1);
  CHECK_INT(cf_pr_head_matches(pr4, "d88f58"), 0);   /* too short */
  CHECK_INT(cf_pr_head_matches(pr4, "d42d0f7c"), 0);
  CHECK_INT(cf_pr_head_matches(pr3, "0123abcdef0123"), 1); /* head shorter */
  CHECK_INT(cf_pr_head_matches(pr3, NULL), 0);
  cf_prs_free(&p);
  cf_prs_free(&p);
  cf_prs_free(NULL);
}

static void sha_prefix(void) {
  CHECK_INT(cf_sha_prefix_match("abcdef0", "abcdef0123"), 1);
  CHECK_INT(cf_sha_prefix_match("abcdef0123", "abcdef0"), 1);
  CHECK_INT(cf_sha_prefix_match("abcdef1", "abcdef0123"), 0);
  CHECK_INT(cf_sha_prefix_match("abcdefg", "abcdefg"), 0); /* not hex */
  CHECK_INT(cf_sha_prefix_match("", ""), 0);
  CHECK_INT(cf_sha_prefix_match(NULL, "abcdef0"), 0);
}

static void gitea_forms(void) {
  /* Gitea: merged true with merged_at null -> merged at closed_at; closed
   * without closed_at is a warning; a reopened PR (open with closed_at);
   * extra fields, missing head and title */
  const char *json =
      "[{\"number\": 7, \"state\": \"closed\", \"merged\": true,"
      "  \"created_at\": \"2026-06-01T00:00:00+00:00\","
      "  \"closed_at\": \"2026-06-02T00:00:00+00:00\", \"merged_at\": null,"
      "  \"head\": {\"sha\": \"feature\", \"ref\": \"x\", \"repo\": {}}},"
      " {\"number\": 8, \"state\": \"closed\","
      "  \"created_at\": \"2026-06-01T00:00:00Z\"},"
      " {\"number\": 9, \"state\": \"open\", \"created_at\": 1781000000,"
      "  \"closed_at\": \"2026-06-05T00:00:00Z\"}]";
  cf_prs p;
  cf_err err = {{0}};
  CHECK_INT(cf_prs_load_mem(json, strlen(json), "g.json", &p, &err), -1);
  CHECK_STR(err.msg, "g.json: [2].created_at: expected an ISO 8601 time or "
                     "null, got another type");
  json = "[{\"number\": 7, \"state\": \"closed\", \"merged\": true,"
         "  \"created_at\": \"2026-06-01T00:00:00+00:00\","
         "  \"closed_at\": \"2026-06-02T00:00:00+00:00\", \"merged_at\": null,"
         "  \"head\": {\"sha\": \"feature\", \"ref\": \"x\", \"repo\": {}}},"
         " {\"number\": 8, \"state\": \"closed\","
         "  \"created_at\": \"2026-06-01T00:00:00Z\"},"
         " {\"number\": 9, \"state\": \"open\", \"created_at\": "
         "\"1781000000\", \"closed_at\": \"2026-06-05T00:00:00Z\"}]";
  cf_err_clear(&err);
  CHECK_INT(cf_prs_load_mem(json, strlen(json), "g.json", &p, &err), 0);
  CHECK_STR(err.msg, "");
  CHECK_INT(p.n, 3);
  CHECK_INT(p.items[0].merged, T_("2026-06-02T00:00Z"));
  CHECK_INT(cf_pr_state_at(&p.items[0], T_("2026-06-03T00:00Z")),
            CF_PR_MERGED);
  CHECK_INT(cf_pr_state_at(&p.items[0], T_("2026-06-01T12:00Z")), CF_PR_OPEN);
  CHECK_INT(cf_pr_state_at(&p.items[1], T_("2026-06-03T00:00Z")),
            CF_PR_CLOSED);
  CHECK_INT(cf_pr_state_at(&p.items[2], T_("2026-06-10T00:00Z")), CF_PR_OPEN);
  CHECK_STR(p.items[1].title, "");
  CHECK(p.items[1].head_sha == NULL);
  CHECK_INT(cf_pr_head_matches(&p.items[1], "abcdef0"), 0);
  CHECK_INT(p.n_warnings, 2);
  if (p.n_warnings == 2) {
    CHECK_STR(p.warnings[0], "g.json: [0].head.sha: 'feature' is not a commit "
                             "sha (7+ hex digits); it will match no build");
    CHECK_STR(p.warnings[1], "g.json: [1]: PR #8 is closed but has no "
                             "closed_at; taken as closed since its creation");
  }
  cf_prs_free(&p);
  CHECK_INT(cf_prs_load_mem("[]", 2, "e.json", &p, &err), 0);
  CHECK_INT(p.n, 0);
  cf_prs_free(&p);
}

static void bad_forms(void) {
  bad("{\"items\": []}", "prs.json: expected a JSON array of pull requests");
  bad("[\n{\"number\": 1,\n\"state\": open}]", "prs.json:3: not valid JSON");
  bad("[] []", "prs.json:1: unexpected text after the JSON value");
  bad("[1]", "prs.json: [0]: expected a pull-request object");
  bad("[{\"state\": \"open\"}]",
      "prs.json: [0].number: expected a positive integer");
  bad("[{\"number\": 2.5, \"state\": \"open\"}]",
      "prs.json: [0].number: expected a positive integer");
  bad("[{\"number\": 2, \"state\": \"draft\"}]",
      "prs.json: [0].state: expected \"open\" or \"closed\"");
  bad("[{\"number\": 2, \"state\": \"open\", \"title\": 5}]",
      "prs.json: [0].title: expected a string");
  bad("[{\"number\": 2, \"state\": \"open\", \"head\": \"abc\"}]",
      "prs.json: [0].head: expected an object");
  bad("[{\"number\": 2, \"state\": \"open\", \"head\": {\"sha\": 1}}]",
      "prs.json: [0].head.sha: expected a string");
  bad("[{\"number\": 2, \"state\": \"open\"}]",
      "prs.json: [0].created_at: missing");
  bad("[{\"number\": 2, \"state\": \"open\", \"created_at\": \"soon\"}]",
      "prs.json: [0].created_at: expected an ISO 8601 time or null, got soon");
  bad("[{\"number\": 2, \"state\": \"open\", \"created_at\": \"2026-06-01\","
      "\"merged\": \"yes\"}]",
      "prs.json: [0].merged: expected true or false");
  bad("[{\"number\": 2, \"state\": \"open\", \"created_at\": \"2026-06-01\","
      "\"merged_at\": \"2026-06-02\"}]",
      "prs.json: [0]: PR #2 is open but has merged_at");
  bad("[{\"number\": 2, \"state\": \"open\", \"created_at\": \"2026-06-01\"},"
      "{\"number\": 3, \"state\": \"open\", \"created_at\": \"2026-06-01\"},"
      "{\"number\": 2, \"state\": \"open\", \"created_at\": \"2026-06-01\"}]",
      "prs.json: [2].number: PR #2 is listed twice (also at [0])");
  cf_prs p;
  cf_err err = {{0}};
  CHECK_INT(cf_prs_load("/nonexistent/prs.json", &p, &err), -1);
  CHECK_STR(err.msg, "/nonexistent/prs.json: cannot open: No such file or "
                     "directory");
}

/* The repository a PR belongs to (PR numbers are per repository): Gitea's
 * and GitHub's base.repo.name, else the html_url or url path; a wrong type
 * there leaves it unknown and refuses nothing. */
static void repository_names(void) {
  const char *json =
      "[{\"number\": 1, \"state\": \"open\", \"created_at\": \"2026-06-01T00:00Z\","
      "  \"base\": {\"repo\": {\"name\": \"hedgedoc\"}},"
      "  \"html_url\": \"https://git.example/cc-recipes/other/pulls/1\"},"
      " {\"number\": 2, \"state\": \"open\", \"created_at\": \"2026-06-01T00:00Z\","
      "  \"url\": \"https://git.example/cc-recipes/matrix-synapse/pulls/2\"},"
      " {\"number\": 3, \"state\": \"open\", \"created_at\": \"2026-06-01T00:00Z\","
      "  \"html_url\": \"https://github.com/org/keycloak/pull/3\"},"
      " {\"number\": 4, \"state\": \"open\", \"created_at\": \"2026-06-01T00:00Z\","
      "  \"base\": {\"repo\": 5}, \"url\": \"https://example/api/pulls\"}]";
  cf_prs p;
  cf_err err = {{0}};
  CHECK_INT(cf_prs_load_mem(json, strlen(json), "r.json", &p, &err), 0);
  CHECK_INT(p.n, 4);
  CHECK_STR(p.items[0].repo, "hedgedoc");
  CHECK_STR(p.items[1].repo, "matrix-synapse");
  CHECK_STR(p.items[2].repo, "keycloak");
  CHECK(p.items[3].repo == NULL);
  cf_prs_free(&p);
  /* one number in two repositories is fine; twice in one is not */
  json = "[{\"number\": 4, \"state\": \"open\", \"created_at\": \"2026-06-01T00:00Z\","
         "  \"url\": \"https://g/o/ghost/pulls/4\"},"
         " {\"number\": 4, \"state\": \"open\", \"created_at\": \"2026-06-01T00:00Z\","
         "  \"url\": \"https://g/o/mumble/pulls/4\"}]";
  CHECK_INT(cf_prs_load_mem(json, strlen(json), "r.json", &p, &err), 0);
  CHECK_INT(p.n, 2);
  cf_prs_free(&p);
  json = "[{\"number\": 4, \"state\": \"open\", \"created_at\": \"2026-06-01T00:00Z\","
         "  \"url\": \"https://g/o/ghost/pulls/4\"},"
         " {\"number\": 4, \"state\": \"open\", \"created_at\": \"2026-06-01T00:00Z\","
         "  \"html_url\": \"https://g/o/ghost/pulls/4\"}]";
  CHECK_INT(cf_prs_load_mem(json, strlen(json), "r.json", &p, &err), -1);
  CHECK_STR(err.msg, "r.json: [1].number: PR #4 is listed twice (also at [0])");
}

CF_TEST_MAIN(T(ghost_list), T(sha_prefix), T(gitea_forms), T(bad_forms), T(repository_names))
