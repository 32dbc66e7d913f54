/*
 * stats.h: the few statistics ciforensics reports, built on GSL.
 *
 * Fisher's exact test (2x2), the Mann-Whitney U test, Wilson and Jeffreys
 * intervals for a proportion, Holm's step-down adjustment, the median, and
 * same-sha pass/fail flip counts. GSL supplies the distributions
 * (hypergeometric, normal, beta) and the median; the Mann-Whitney test is
 * assembled here from those pieces because GSL has no ready-made one.
 *
 * Honesty about sample size (DESIGN.md "Statistics are honest"): callers ask
 * cf_stats_can_fisher / cf_stats_can_mann_whitney first and, when the answer
 * is no, report only "suggestive (n=...)" and no p-value.
 *
 * Every function is pure: no global state, nothing allocated that the caller
 * must free unless the contract says so. GSL's error handler is never
 * triggered because arguments are validated before any GSL call.
 */
#ifndef CIFORENSICS_STATS_H
#define CIFORENSICS_STATS_H

#include <stddef.h>

#include "ciforensics/util.h"

/* Smallest group sizes below which no p-value is reported.
 * Fisher: with fewer than 3 builds in a group the most extreme table still
 * has a one-sided p of at least 1/C(n1+n2, n1) = 0.1 (2 vs 3), so the test
 * cannot separate anything; 3 is the floor, and cf_stats_can_fisher
 * additionally checks that the smallest achievable p reaches alpha.
 * Mann-Whitney: the exact two-sided p can never be below 2/C(n1+n2, n1);
 * 3 vs 3 gives 0.1, so 3 is a floor and cf_stats_can_mann_whitney decides
 * from the smallest achievable p (3 vs 5 is the first 3-group that works). */
#define CF_STATS_FISHER_MIN_GROUP 3
#define CF_STATS_MW_MIN_GROUP 3
/* The significance level the "can test" helpers use by default. */
#define CF_STATS_ALPHA 0.05
/* Mann-Whitney is exact (no ties, both groups below this size, as R does),
 * otherwise the normal approximation with tie and continuity correction. */
#define CF_STATS_MW_EXACT_LIMIT 50
/* Refuse absurd inputs rather than allocate without bound. */
#define CF_STATS_MAX_N 1000000

/* ---- Fisher's exact test on a 2x2 table ----
 *            outcome A   outcome B
 *   group 1      a           b
 *   group 2      c           d
 * p_two: two-sided p, the sum of hypergeometric probabilities of every table
 * with the same margins that is no more probable than the observed one (with
 * R's relative tolerance 1e-7). p_greater: one-sided, odds ratio > 1, i.e.
 * P(X >= a). Either output may be NULL. Returns 0, or -1 if the table is
 * larger than CF_STATS_MAX_N in total. */
int cf_stats_fisher(unsigned a, unsigned b, unsigned c, unsigned d,
                    double *p_two, double *p_greater);

/* Smallest p-value any 2x2 table with these group sizes (row totals) can
 * give: two-sided when two_sided, else one-sided. */
double cf_stats_fisher_min_p(unsigned n1, unsigned n2, int two_sided);
/* 1 when both groups have at least CF_STATS_FISHER_MIN_GROUP members and
 * some table could reach p <= alpha; 0 otherwise ("suggestive" only). */
int cf_stats_can_fisher(unsigned n1, unsigned n2, double alpha, int two_sided);

/* ---- Mann-Whitney U (Wilcoxon rank-sum) ---- */
typedef struct cf_mw_result {
  double u;         /* U of x: pairs with x > y, ties counting 1/2 (R's W) */
  double p_two;     /* two-sided p */
  double p_greater; /* one-sided p for "x tends to be larger than y" */
  int exact;        /* 1: exact distribution; 0: normal approximation */
  int ties;         /* 1 when the pooled sample has ties */
} cf_mw_result;
/* Compare samples x (nx values) and y (ny values); NaN values are not
 * allowed. Exact when there are no ties and nx, ny < CF_STATS_MW_EXACT_LIMIT
 * (counts of the U distribution by dynamic programming), else the normal
 * approximation with tie correction of the variance and a 0.5 continuity
 * correction (the choices R's wilcox.test makes, so results can be checked
 * against it). If every value is tied, p is 1. Returns 0, or -1 when a
 * sample is empty, holds a NaN or exceeds CF_STATS_MAX_N. */
int cf_stats_mann_whitney(const double *x, size_t nx, const double *y,
                          size_t ny, cf_mw_result *out);
/* Smallest achievable p of the exact test for group sizes n1, n2:
 * 1/C(n1+n2, n1) one-sided, twice that two-sided (capped at 1). */
double cf_stats_mann_whitney_min_p(unsigned n1, unsigned n2, int two_sided);
/* 1 when both groups have at least CF_STATS_MW_MIN_GROUP members and the
 * smallest achievable p is <= alpha. */
int cf_stats_can_mann_whitney(unsigned n1, unsigned n2, double alpha,
                              int two_sided);

/* ---- intervals for a proportion k/n at confidence level conf (0.95) ----
 * Wilson score interval without continuity correction; Jeffreys interval
 * (equal-tailed Beta(k+1/2, n-k+1/2) quantiles, lower 0 when k = 0, upper 1
 * when k = n, as Brown, Cai and DasGupta 2001 define it). Return 0, or -1
 * when n = 0, k > n or conf is not in (0, 1). */
int cf_stats_wilson(unsigned k, unsigned n, double conf, double *lo,
                    double *hi);
int cf_stats_jeffreys(unsigned k, unsigned n, double conf, double *lo,
                      double *hi);

/* ---- Holm-Bonferroni ----
 * Write into adj[i] the Holm-adjusted p[i]: sort ascending, multiply the
 * j-th smallest (0-based) by n - j, enforce monotonicity, cap at 1. adj may
 * be the same array as p. Ties keep input order, so output is
 * deterministic. */
void cf_stats_holm(const double *p, size_t n, double *adj);

/* ---- median of n values (a sorted copy; the input is not modified) ----
 * Returns NaN when n = 0. */
double cf_stats_median(const double *v, size_t n);

/* ---- same-sha flips ----
 * One observed run of a tested sha. A flip is a change between pass and
 * fail from one run to the next, in time order, among the runs of one sha. */
typedef struct cf_flip_run {
  const char *sha;  /* borrowed; runs group by exact string */
  cf_time t;        /* ordering moment (ties keep input order) */
  int failed;       /* 0 pass, 1 fail */
  const char *rule; /* borrowed; deciding rule of a failure, or NULL */
} cf_flip_run;

typedef struct cf_flip_stat {
  char *key;        /* owned: the sha (per-sha) or the rule id (per-rule) */
  unsigned runs;    /* runs counted */
  unsigned passes;
  unsigned fails;
  unsigned flips;
  unsigned transitions; /* consecutive pairs: sum over shas of runs - 1 */
  double rate;      /* flips / transitions; NaN when transitions = 0 */
} cf_flip_stat;

/* Per sha: flips among its runs, rate = flips / (runs - 1). Results are
 * sorted by sha. *out is a new array of *n_out entries; free with
 * cf_flip_stats_free. Returns 0, or -1 when n > CF_STATS_MAX_N. */
int cf_stats_flips_by_sha(const cf_flip_run *runs, size_t n,
                          cf_flip_stat **out, size_t *n_out);
/* Per rule: for every rule id attached to some failure, each sha's runs are
 * reduced to its passes and its failures decided by that rule (other
 * failures are not this rule's flips), flips are counted in that reduced
 * sequence, and summed over shas; rate = flips / transitions where
 * transitions sums (reduced runs - 1) over shas with at least one run.
 * Sorted by rule id. Same ownership as cf_stats_flips_by_sha. */
int cf_stats_flips_by_rule(const cf_flip_run *runs, size_t n,
                           cf_flip_stat **out, size_t *n_out);
void cf_flip_stats_free(cf_flip_stat *s, size_t n);

#endif
