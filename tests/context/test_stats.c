/*
 * Unit tests for analyzer/analysis/stats.c against published reference
 * values; each block cites where its numbers come from. Expected values were
 * also recomputed independently (exact fractions / mpmath) when writing.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "ciforensics/stats.h"

#define CHECK_NEAR(a, b, tol)                                                \
  do {                                                                       \
    double cf_x_ = (a), cf_y_ = (b);                                         \
    cf_check_count++;                                                        \
    if (!(fabs(cf_x_ - cf_y_) <= (tol))) {                                   \
      cf_check_failures++;                                               \
      fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.10g, expected %.10g\n", \
              __FILE__, __LINE__, #a, cf_x_, cf_y_);                         \
    }                                                                        \
  } while (0)

static void fisher_tea(void) {
  /* Fisher's tea-tasting table, R's fisher.test(TeaTasting) example:
   * matrix(c(3, 1, 1, 3), 2): two-sided p = 0.4857, greater p = 0.2429. */
  double two, greater;
  CHECK_INT(cf_stats_fisher(3, 1, 1, 3, &two, &greater), 0);
  CHECK_NEAR(two, 0.4857142857, 1e-9);   /* = 34/70 */
  CHECK_NEAR(greater, 0.2428571429, 1e-9); /* = 17/70 */
}

static void fisher_dieting(void) {
  /* Wikipedia "Fisher's exact test" example (men/women dieting):
   * [[1, 9], [11, 3]], two-sided p = 0.002759 (R gives 0.002759). */
  double two, greater;
  CHECK_INT(cf_stats_fisher(1, 9, 11, 3, &two, &greater), 0);
  CHECK_NEAR(two, 0.002759456, 1e-8);
  CHECK_NEAR(greater, 0.9999663481, 1e-9);
  /* swapping the rows: Wikipedia's one-tailed p = 0.001379 (the observed
   * table alone has 0.001346, the one more extreme table adds the rest) */
  CHECK_INT(cf_stats_fisher(11, 3, 1, 9, &two, &greater), 0);
  CHECK_NEAR(greater, 0.0013797281, 1e-9);
  CHECK_NEAR(two, 0.002759456, 1e-8);
  /* an empty table and a degenerate one are certain */
  CHECK_INT(cf_stats_fisher(0, 0, 0, 0, &two, NULL), 0);
  CHECK_NEAR(two, 1, 1e-12);
  CHECK_INT(cf_stats_fisher(5, 0, 5, 0, &two, &greater), 0);
  CHECK_NEAR(two, 1, 1e-12);
  CHECK_INT(cf_stats_fisher(CF_STATS_MAX_N, 1, 0, 0, &two, NULL), -1);
}

static void fisher_min_n(void) {
  /* 3 vs 3: the most extreme table [[3,0],[0,3]] has p = 2/C(6,3) = 0.1
   * two-sided and 1/20 = 0.05 one-sided. */
  CHECK_NEAR(cf_stats_fisher_min_p(3, 3, 1), 0.1, 1e-12);
  CHECK_NEAR(cf_stats_fisher_min_p(3, 3, 0), 0.05, 1e-12);
  CHECK_INT(cf_stats_can_fisher(3, 3, 0.05, 1), 0);
  CHECK_INT(cf_stats_can_fisher(3, 3, 0.05, 0), 1);
  /* 3 vs 4: [[3,0],[0,4]] p = 1/35 two-sided */
  CHECK_NEAR(cf_stats_fisher_min_p(3, 4, 1), 1.0 / 35, 1e-12);
  CHECK_INT(cf_stats_can_fisher(3, 4, 0.05, 1), 1);
  /* below the floor: never, whatever p could be reached */
  CHECK_INT(cf_stats_can_fisher(2, 40, 0.05, 1), 0);
  CHECK_INT(cf_stats_can_fisher(1, 1, 0.05, 0), 0);
  CHECK_INT(cf_stats_can_fisher(100, 100, 0.05, 1), 1);
}

static void mw_exact_r_example(void) {
  /* R documentation of wilcox.test (Hollander & Wolfe 1973, p. 69):
   * x <- c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46)
   * y <- c(1.15, 0.88, 0.90, 0.74, 1.21)
   * wilcox.test(x, y, alternative = "g"): W = 35, p-value = 0.1272 */
  const double x[] = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
  const double y[] = {1.15, 0.88, 0.90, 0.74, 1.21};
  cf_mw_result r;
  CHECK_INT(cf_stats_mann_whitney(x, 10, y, 5, &r), 0);
  CHECK_NEAR(r.u, 35, 0);
  CHECK_INT(r.exact, 1);
  CHECK_INT(r.ties, 0);
  CHECK_NEAR(r.p_greater, 0.1272061272, 1e-9); /* 389/3003 */
  CHECK_NEAR(r.p_two, 0.2544122544, 1e-9);
  /* the reverse comparison: U' = 50 - 35, same two-sided p */
  CHECK_INT(cf_stats_mann_whitney(y, 5, x, 10, &r), 0);
  CHECK_NEAR(r.u, 15, 0);
  CHECK_NEAR(r.p_two, 0.2544122544, 1e-9);
  CHECK_NEAR(r.p_greater, 2693.0 / 3003, 1e-12); /* P(U >= 15), counted */
}

static void mw_exact_table(void) {
  /* Textbook critical-value tables (e.g. Mann & Whitney 1947, Table I):
   * n1 = n2 = 5, P(U <= 2) = 4/252 = 0.0159 and P(U <= 3) = 7/252. */
  const double x[] = {1, 2, 4, 11, 12}, y[] = {3, 5, 6, 7, 8};
  /* U of y over x: 3 beats 1,2 (2), 5..8 beat 1,2,4 (3 each) -> 14;
   * U of x over y: 25 - 14 = 11 */
  cf_mw_result r;
  CHECK_INT(cf_stats_mann_whitney(x, 5, y, 5, &r), 0);
  CHECK_NEAR(r.u, 11, 0);
  const double lo[] = {1, 2, 3, 5, 6}, hi[] = {4, 7, 8, 9, 10};
  CHECK_INT(cf_stats_mann_whitney(lo, 5, hi, 5, &r), 0);
  CHECK_NEAR(r.u, 2, 0); /* 3 > 1 and 3 > 2... none; 5,6 > 4: 2 */
  CHECK_NEAR(r.p_two, 2 * 4.0 / 252, 1e-12);
  CHECK_NEAR(r.p_greater, 1 - 2.0 / 252, 1e-12); /* P(U >= 2) */
  CHECK_NEAR(cf_stats_mann_whitney_min_p(5, 5, 1), 2.0 / 252, 1e-12);
}

static void mw_normal_ties(void) {
  /* With ties R's wilcox.test uses the normal approximation with the tie
   * correction sum(t^3 - t) / (N (N - 1)) and a continuity correction of
   * 0.5 (R documentation, Details; Hollander & Wolfe). Reference values
   * recomputed independently from those formulas:
   * x = 1 2 2 3 4 5 7 8, y = 2 3 3 5 6 6 9 10 11 12:
   * W = 21.5, two-sided p = 0.10791, greater p = 0.95515. */
  const double x[] = {1, 2, 2, 3, 4, 5, 7, 8};
  const double y[] = {2, 3, 3, 5, 6, 6, 9, 10, 11, 12};
  cf_mw_result r;
  CHECK_INT(cf_stats_mann_whitney(x, 8, y, 10, &r), 0);
  CHECK_INT(r.exact, 0);
  CHECK_INT(r.ties, 1);
  CHECK_NEAR(r.u, 21.5, 1e-12);
  CHECK_NEAR(r.p_two, 0.1079098966, 1e-8);
  CHECK_NEAR(r.p_greater, 0.9551491479, 1e-8);
}

static void mw_large_matches_normal(void) {
  /* 60 vs 60 without ties (beyond the exact limit): interleaved samples
   * have U = mn/2 + small, so p_two is near 1; a fully separated pair has
   * p far below 1e-10. */
  double x[60], y[60];
  for (int i = 0; i < 60; i++) {
    x[i] = 2 * i;
    y[i] = 2 * i + 1;
  }
  cf_mw_result r;
  CHECK_INT(cf_stats_mann_whitney(x, 60, y, 60, &r), 0);
  CHECK_INT(r.exact, 0);
  CHECK_NEAR(r.u, 60 * 59 / 2, 0);
  CHECK(r.p_two > 0.8);
  CHECK_INT(cf_stats_mann_whitney(y, 60, x, 60, &r), 0);
  CHECK(r.p_two > 0.8);
  for (int i = 0; i < 60; i++) x[i] = 1000 + i;
  CHECK_INT(cf_stats_mann_whitney(x, 60, y, 60, &r), 0);
  CHECK_NEAR(r.u, 3600, 0);
  CHECK(r.p_greater < 1e-10);
}

static void mw_bad_and_degenerate(void) {
  const double x[] = {1, 1, 1}, y[] = {1, 1, 1}, nan_[] = {NAN};
  cf_mw_result r;
  CHECK_INT(cf_stats_mann_whitney(x, 3, y, 3, &r), 0);
  CHECK_NEAR(r.p_two, 1, 0);
  CHECK_NEAR(r.p_greater, 1, 0);
  CHECK_INT(cf_stats_mann_whitney(x, 0, y, 3, &r), -1);
  CHECK_INT(cf_stats_mann_whitney(x, 3, nan_, 1, &r), -1);
}

static void mw_min_n(void) {
  /* exact two-sided minimum 2 / C(n1 + n2, n1) */
  CHECK_NEAR(cf_stats_mann_whitney_min_p(3, 3, 1), 0.1, 1e-12);
  CHECK_NEAR(cf_stats_mann_whitney_min_p(3, 4, 1), 2.0 / 35, 1e-12);
  CHECK_NEAR(cf_stats_mann_whitney_min_p(3, 5, 1), 2.0 / 56, 1e-12);
  CHECK_INT(cf_stats_can_mann_whitney(3, 3, 0.05, 1), 0);
  CHECK_INT(cf_stats_can_mann_whitney(3, 4, 0.05, 1), 0);
  CHECK_INT(cf_stats_can_mann_whitney(3, 5, 0.05, 1), 1);
  CHECK_INT(cf_stats_can_mann_whitney(4, 4, 0.05, 1), 1);
  CHECK_INT(cf_stats_can_mann_whitney(2, 50, 0.05, 1), 0); /* floor */
  CHECK_INT(cf_stats_can_mann_whitney(3, 3, 0.05, 0), 1);  /* 1/20 */
}

static void wilson_newcombe(void) {
  /* Newcombe (1998), Stat Med 17:857-872, Table I, method 3 (Wilson score
   * without continuity correction), 95%: 81/263 0.2553-0.3662,
   * 15/148 0.0624-0.1605, 0/20 0-0.1611, 1/29 0.0061-0.1718. */
  double lo, hi;
  CHECK_INT(cf_stats_wilson(81, 263, 0.95, &lo, &hi), 0);
  CHECK_NEAR(lo, 0.2553, 5e-5);
  CHECK_NEAR(hi, 0.3662, 5e-5);
  CHECK_INT(cf_stats_wilson(15, 148, 0.95, &lo, &hi), 0);
  CHECK_NEAR(lo, 0.0624, 5e-5);
  CHECK_NEAR(hi, 0.1605, 5e-5);
  CHECK_INT(cf_stats_wilson(0, 20, 0.95, &lo, &hi), 0);
  CHECK_NEAR(lo, 0, 0);
  CHECK_NEAR(hi, 0.1611, 5e-5);
  CHECK_INT(cf_stats_wilson(1, 29, 0.95, &lo, &hi), 0);
  CHECK_NEAR(lo, 0.0061, 5e-5);
  CHECK_NEAR(hi, 0.1718, 5e-5);
  CHECK_INT(cf_stats_wilson(20, 20, 0.95, &lo, &hi), 0);
  CHECK_NEAR(hi, 1, 0);
  CHECK_NEAR(lo, 1 - 0.1611, 5e-5); /* mirror of 0/20 */
  CHECK_INT(cf_stats_wilson(1, 0, 0.95, &lo, &hi), -1);
  CHECK_INT(cf_stats_wilson(3, 2, 0.95, &lo, &hi), -1);
  CHECK_INT(cf_stats_wilson(1, 2, 1.0, &lo, &hi), -1);
}

static void jeffreys_bcd(void) {
  /* Jeffreys interval as defined by Brown, Cai & DasGupta (2001), Stat Sci
   * 16:101-133, section 4.1.2: Beta(x + 1/2, n - x + 1/2) quantiles, lower
   * 0 at x = 0. Values for Newcombe's examples recomputed with mpmath's
   * regularized incomplete beta (bisection to 30 digits). */
  double lo, hi;
  CHECK_INT(cf_stats_jeffreys(81, 263, 0.95, &lo, &hi), 0);
  CHECK_NEAR(lo, 0.254521935, 1e-8);
  CHECK_NEAR(hi, 0.3656474992, 1e-8);
  CHECK_INT(cf_stats_jeffreys(0, 20, 0.95, &lo, &hi), 0);
  CHECK_NEAR(lo, 0, 0);
  CHECK_NEAR(hi, 0.1166389829, 1e-8);
  CHECK_INT(cf_stats_jeffreys(1, 29, 0.95, &lo, &hi), 0);
  CHECK_NEAR(lo, 0.003746173649, 1e-9);
  CHECK_NEAR(hi, 0.150077686, 1e-8);
  CHECK_INT(cf_stats_jeffreys(3, 10, 0.95, &lo, &hi), 0);
  CHECK_NEAR(lo, 0.09269459394, 1e-8);
  CHECK_NEAR(hi, 0.6058183181, 1e-8);
  CHECK_INT(cf_stats_jeffreys(0, 0, 0.95, &lo, &hi), -1);
}

static void holm_wikipedia(void) {
  /* Wikipedia "Holm-Bonferroni method" example / R p.adjust(, "holm"):
   * p = 0.01 0.04 0.03 0.005 -> 0.03 0.06 0.06 0.02 */
  double p[] = {0.01, 0.04, 0.03, 0.005}, adj[4];
  cf_stats_holm(p, 4, adj);
  CHECK_NEAR(adj[0], 0.03, 1e-12);
  CHECK_NEAR(adj[1], 0.06, 1e-12);
  CHECK_NEAR(adj[2], 0.06, 1e-12);
  CHECK_NEAR(adj[3], 0.02, 1e-12);
  /* in place, capped at 1, ties in input order, NaN as 1 */
  double q[] = {0.5, 0.2, 0.2, NAN};
  cf_stats_holm(q, 4, q);
  CHECK_NEAR(q[1], 0.8, 1e-12);
  CHECK_NEAR(q[2], 0.8, 1e-12);
  CHECK_NEAR(q[0], 1, 0);
  CHECK_NEAR(q[3], 1, 0);
  cf_stats_holm(q, 0, q); /* nothing to do */
}

static void median(void) {
  const double odd[] = {5, 1, 3}, even[] = {4, 1, 3, 2};
  CHECK_NEAR(cf_stats_median(odd, 3), 3, 0);
  CHECK_NEAR(cf_stats_median(even, 4), 2.5, 0);
  CHECK_NEAR(odd[0], 5, 0); /* input untouched */
  CHECK(isnan(cf_stats_median(odd, 0)));
}

static void flips(void) {
  /* sha a: P F P F (times out of order in input) -> 3 flips / 3
   * sha b: F F -> 0 flips / 1; sha c: one run -> rate NaN */
  const cf_flip_run runs[] = {
      {"a", 30, 0, NULL},  {"a", 10, 0, NULL}, {"b", 5, 1, "db"},
      {"a", 20, 1, "db"},  {"a", 40, 1, "vip"}, {"b", 6, 1, "db"},
      {"c", 1, 0, NULL},
  };
  cf_flip_stat *s;
  size_t n;
  CHECK_INT(cf_stats_flips_by_sha(runs, 7, &s, &n), 0);
  CHECK_INT(n, 3);
  CHECK_STR(s[0].key, "a");
  CHECK_INT(s[0].runs, 4);
  CHECK_INT(s[0].flips, 3);
  CHECK_INT(s[0].passes, 2);
  CHECK_NEAR(s[0].rate, 1, 0);
  CHECK_STR(s[1].key, "b");
  CHECK_INT(s[1].flips, 0);
  CHECK_NEAR(s[1].rate, 0, 0);
  CHECK_INT(s[2].runs, 1);
  CHECK(isnan(s[2].rate));
  cf_flip_stats_free(s, n);

  /* per rule: "db" sees a: P F P (vip failure dropped) -> 2 flips / 2,
   * b: F F -> 0 / 1, c: P -> 0 / 0; total 2 / 3. "vip": a: P P F -> 1 / 2,
   * b: nothing kept, c: P -> total 1 / 2. */
  CHECK_INT(cf_stats_flips_by_rule(runs, 7, &s, &n), 0);
  CHECK_INT(n, 2);
  CHECK_STR(s[0].key, "db");
  CHECK_INT(s[0].flips, 2);
  CHECK_INT(s[0].transitions, 3);
  CHECK_INT(s[0].fails, 3);
  CHECK_STR(s[1].key, "vip");
  CHECK_INT(s[1].flips, 1);
  CHECK_INT(s[1].transitions, 2);
  CHECK_NEAR(s[1].rate, 0.5, 0);
  cf_flip_stats_free(s, n);
  CHECK_INT(cf_stats_flips_by_sha(runs, 0, &s, &n), 0);
  CHECK_INT(n, 0);
  cf_flip_stats_free(s, n);
}

CF_TEST_MAIN(T(fisher_tea), T(fisher_dieting), T(fisher_min_n),
             T(mw_exact_r_example), T(mw_exact_table), T(mw_normal_ties),
             T(mw_large_matches_normal), T(mw_bad_and_degenerate),
             T(mw_min_n), T(wilson_newcombe), T(jeffreys_bcd),
             T(holm_wikipedia), T(median), T(flips))
