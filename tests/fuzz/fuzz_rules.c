/*
 * fuzz_rules.c: arbitrary bytes as a rule file (cf_ruleset_load_buffer), and
 * when they load, the set is run over its own examples plus a few fixed
 * lines, so the matcher, captures and prefilter see fuzzer-made patterns.
 * The same bytes are also tried as tiers.yaml and errorlines.yaml. Must
 * never crash, leak or hang (match limits bound every regex).
 */
#include <stdint.h>
#include <string.h>

#include "ciforensics/errorlines.h"
#include "ciforensics/rules.h"
#include "ciforensics/tiers.h"

static const char fixed[] =
    "[harness] ==> tier upgrade: start (pytest)\n"
    "Error: connect ECONNREFUSED 10.0.5.196:3306\n"
    "!! upgrade op failed: ghost_app UpdateStatus='paused'\n"
    "\xff\xfe invalid \xc3\n"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n";

static void run_over(cf_matcher *m, const char *text) {
  cf_steplog log;
  cf_rules_textlog(text, strlen(text), &log);
  cf_step_matches sm;
  cf_matcher_run(m, "test", &log, NULL, 0, &sm);
  cf_step_matches_free(&sm);
  cf_rules_textlog_free(&log);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1u << 16)) return 0; /* rule files are small; keep runs fast */
  const char *text = (const char *)data;
  cf_err err = {0};
  cf_ruleset *rs = NULL;
  if (cf_ruleset_load_buffer("fuzz.yaml", text, size, &rs, &err) == 0) {
    cf_matcher_opts o = {20000, 0};
    cf_matcher *m = cf_matcher_new(rs, &o);
    run_over(m, fixed);
    for (size_t i = 0; i < cf_ruleset_count(rs) && i < 50; i++) {
      const cf_rule *r = cf_ruleset_rule(rs, i);
      for (size_t k = 0; k < r->n_examples && k < 10; k++) run_over(m, r->examples[k].text);
    }
    cf_matcher_free(m);
    cf_ruleset_free(rs);
  }
  cf_err_clear(&err);
  cf_tierdef *td = NULL;
  if (cf_tierdef_parse("tiers.yaml", text, size, &td, &err) == 0) {
    cf_steplog log;
    cf_rules_textlog(fixed, strlen(fixed), &log);
    cf_tier_span *sp = NULL;
    size_t n = 0;
    cf_tiers_segment(td, &log, 0, &sp, &n);
    cf_tier_spans_free(sp, n);
    cf_rules_textlog_free(&log);
    cf_tierdef_free(td);
  }
  cf_err_clear(&err);
  cf_errorlines *el = NULL;
  if (cf_errorlines_parse("errorlines.yaml", text, size, &el, &err) == 0) {
    (void)cf_errorlines_is_error(el, fixed, sizeof fixed - 1);
    cf_errorlines_free(el);
  }
  return 0;
}
