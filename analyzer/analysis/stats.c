/*
 * stats.c: Fisher's exact test, Mann-Whitney U, Wilson/Jeffreys intervals,
 * Holm adjustment, median and same-sha flip counts (contracts in stats.h).
 *
 * GSL provides the distributions: the hypergeometric pdf for Fisher, the
 * standard normal for the Mann-Whitney approximation, the beta quantile for
 * Jeffreys, the normal quantile for Wilson and the median of sorted data.
 * The exact Mann-Whitney distribution is counted here (GSL has none) with
 * the classic recurrence on the largest observation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "ciforensics/stats.h"

/* R's fisher.test compares probabilities with this relative tolerance so
 * that tables equal in exact arithmetic are not lost to rounding. */
#define FISHER_REL_TOL (1 + 1e-7)

/* ---------------------------------------------------------------- Fisher */

/* Probability of the table with top-left cell k, given the margins:
 * n1 = a + c (first column), n2 = b + d, t = a + b (first row). */
static double hyper(unsigned k, unsigned n1, unsigned n2, unsigned t) {
  return gsl_ran_hypergeometric_pdf(k, n1, n2, t);
}

int cf_stats_fisher(unsigned a, unsigned b, unsigned c, unsigned d,
                    double *p_two, double *p_greater) {
  unsigned long long total = (unsigned long long)a + b + c + d;
  if (total > CF_STATS_MAX_N) return -1;
  unsigned n1 = a + c, n2 = b + d, t = a + b;
  unsigned lo = t > n2 ? t - n2 : 0, hi = t < n1 ? t : n1;
  double p_obs = hyper(a, n1, n2, t);
  double two = 0, greater = 0;
  for (unsigned k = lo; k <= hi; k++) {
    double pk = hyper(k, n1, n2, t);
    if (pk <= p_obs * FISHER_REL_TOL) two += pk;
    if (k >= a) greater += pk;
  }
  if (p_two) *p_two = two > 1 ? 1 : two;
  if (p_greater) *p_greater = greater > 1 ? 1 : greater;
  return 0;
}

double cf_stats_fisher_min_p(unsigned n1, unsigned n2, int two_sided) {
  if (n1 == 0 || n2 == 0) return 1;
  if ((unsigned long long)n1 + n2 > CF_STATS_MAX_N) return 0;
  /* For fixed margins the smallest p is at an end of the support; scan
   * every first-column total t (the outcome split is free). Rows here are
   * the groups: a + b = n1, c + d = n2. */
  double best = 1;
  unsigned n = n1 + n2;
  for (unsigned t = 1; t < n; t++) {
    unsigned lo = t > n2 ? t - n2 : 0, hi = t < n1 ? t : n1;
    unsigned ends[2] = {lo, hi};
    for (int e = 0; e < 2; e++) {
      unsigned a = ends[e], b = n1 - a, c = t - a, d = n2 - c;
      double two, greater;
      cf_stats_fisher(a, b, c, d, &two, &greater);
      double p = two_sided ? two : greater;
      if (p < best) best = p;
    }
  }
  return best;
}

int cf_stats_can_fisher(unsigned n1, unsigned n2, double alpha,
                        int two_sided) {
  if (n1 < CF_STATS_FISHER_MIN_GROUP || n2 < CF_STATS_FISHER_MIN_GROUP)
    return 0;
  /* Large groups always can; skip the scan (it is quadratic in n). */
  if (n1 >= 64 && n2 >= 64) return 1;
  return cf_stats_fisher_min_p(n1, n2, two_sided) <= alpha;
}

/* ---------------------------------------------------------- Mann-Whitney */

typedef struct {
  double v;
  int group; /* 0 = x, 1 = y */
} mw_obs;

static int mw_cmp(const void *pa, const void *pb) {
  const mw_obs *a = pa, *b = pb;
  if (a->v < b->v) return -1;
  if (a->v > b->v) return 1;
  return a->group - b->group;
}

/* Counts of U = 0..m*n over all C(m+n, m) arrangements, as doubles (they
 * exceed 64 bits near the exactness limit; relative precision is what the
 * p-value needs). f(i, j, u) = f(i-1, j, u-j) + f(i, j-1, u): the largest
 * observation is either an x (beating all j y's) or a y (beating none).
 * Returns a new array of m*n + 1 counts (caller frees). */
static double *mw_counts(unsigned m, unsigned n) {
  size_t len = (size_t)m * n + 1;
  double *f = cf_xcalloc((size_t)(m + 1) * len, sizeof *f);
#define F(i, u) f[(size_t)(i) * len + (u)]
  for (unsigned i = 0; i <= m; i++) F(i, 0) = 1; /* j = 0: only U = 0 */
  for (unsigned j = 1; j <= n; j++)
    for (unsigned i = 1; i <= m; i++) {
      size_t top = (size_t)i * j; /* largest U with i x's and j y's */
      /* descending u keeps F(i, u) at its j-1 value until updated */
      for (size_t u = top; u >= j; u--) F(i, u) += F(i - 1, u - j);
    }
  double *out = cf_xmalloc(len * sizeof *out);
  for (size_t u = 0; u < len; u++) out[u] = F(m, u);
#undef F
  free(f);
  return out;
}

int cf_stats_mann_whitney(const double *x, size_t nx, const double *y,
                          size_t ny, cf_mw_result *out) {
  memset(out, 0, sizeof *out);
  if (!nx || !ny || nx > CF_STATS_MAX_N || ny > CF_STATS_MAX_N) return -1;
  size_t n = nx + ny;
  mw_obs *obs = cf_xmalloc(n * sizeof *obs);
  for (size_t i = 0; i < nx; i++) obs[i] = (mw_obs){x[i], 0};
  for (size_t i = 0; i < ny; i++) obs[nx + i] = (mw_obs){y[i], 1};
  for (size_t i = 0; i < n; i++)
    if (isnan(obs[i].v)) {
      free(obs);
      return -1;
    }
  qsort(obs, n, sizeof *obs, mw_cmp);

  /* Mid-ranks; the rank sum of x gives U, tie groups give the correction. */
  double rank_x = 0, tie_term = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && obs[j + 1].v == obs[i].v) j++;
    double mid = (double)(i + j) / 2 + 1, tlen = (double)(j - i + 1);
    for (size_t k = i; k <= j; k++)
      if (obs[k].group == 0) rank_x += mid;
    if (tlen > 1) {
      out->ties = 1;
      tie_term += tlen * tlen * tlen - tlen;
    }
    i = j + 1;
  }
  free(obs);
  double dx = (double)nx, dy = (double)ny, mn = dx * dy;
  out->u = rank_x - dx * (dx + 1) / 2;

  if (!out->ties && nx < CF_STATS_MW_EXACT_LIMIT &&
      ny < CF_STATS_MW_EXACT_LIMIT) {
    double *cnt = mw_counts((unsigned)nx, (unsigned)ny);
    size_t top = (size_t)nx * ny, u = (size_t)out->u;
    double total = 0, le = 0, ge = 0;
    for (size_t k = 0; k <= top; k++) {
      total += cnt[k];
      if (k <= u) le += cnt[k];
      if (k >= u) ge += cnt[k];
    }
    free(cnt);
    out->exact = 1;
    out->p_greater = ge / total;
    /* R: double the tail on the observed side of the centre. */
    double tail = out->u > mn / 2 ? ge / total : le / total;
    out->p_two = fmin(1, 2 * tail);
    return 0;
  }

  double var = mn / 12 * ((double)n + 1 - tie_term / ((double)n * (n - 1)));
  if (var <= 0) { /* everything tied: no evidence either way */
    out->p_two = out->p_greater = 1;
    return 0;
  }
  double sd = sqrt(var), z = out->u - mn / 2;
  double corr2 = z > 0 ? 0.5 : z < 0 ? -0.5 : 0;
  double z2 = (z - corr2) / sd, zg = (z - 0.5) / sd;
  out->p_two = fmin(1, 2 * fmin(gsl_cdf_ugaussian_P(z2),
                                gsl_cdf_ugaussian_Q(z2)));
  out->p_greater = gsl_cdf_ugaussian_Q(zg);
  return 0;
}

double cf_stats_mann_whitney_min_p(unsigned n1, unsigned n2, int two_sided) {
  if (n1 == 0 || n2 == 0) return 1;
  /* 1 / C(n1+n2, n1) through log-gamma so large groups do not overflow */
  double lc = gsl_sf_lnchoose(n1 + n2, n1);
  double p = exp(-lc);
  if (two_sided) p *= 2;
  return p > 1 ? 1 : p;
}

int cf_stats_can_mann_whitney(unsigned n1, unsigned n2, double alpha,
                              int two_sided) {
  if (n1 < CF_STATS_MW_MIN_GROUP || n2 < CF_STATS_MW_MIN_GROUP) return 0;
  return cf_stats_mann_whitney_min_p(n1, n2, two_sided) <= alpha;
}

/* ------------------------------------------------------------- intervals */

static int interval_args(unsigned k, unsigned n, double conf) {
  return n == 0 || k > n || !(conf > 0 && conf < 1) ? -1 : 0;
}

int cf_stats_wilson(unsigned k, unsigned n, double conf, double *lo,
                    double *hi) {
  if (interval_args(k, n, conf)) return -1;
  double z = gsl_cdf_ugaussian_Pinv(1 - (1 - conf) / 2);
  double dn = n, p = k / dn, z2 = z * z;
  double centre = (p + z2 / (2 * dn)) / (1 + z2 / dn);
  double half = z / (1 + z2 / dn) * sqrt(p * (1 - p) / dn + z2 / (4 * dn * dn));
  *lo = fmax(0, centre - half);
  *hi = fmin(1, centre + half);
  if (k == 0) *lo = 0; /* exact ends, not rounding residue */
  if (k == n) *hi = 1;
  return 0;
}

int cf_stats_jeffreys(unsigned k, unsigned n, double conf, double *lo,
                      double *hi) {
  if (interval_args(k, n, conf)) return -1;
  double alpha = 1 - conf, a = k + 0.5, b = (double)(n - k) + 0.5;
  *lo = k == 0 ? 0 : gsl_cdf_beta_Pinv(alpha / 2, a, b);
  *hi = k == n ? 1 : gsl_cdf_beta_Pinv(1 - alpha / 2, a, b);
  return 0;
}

/* ------------------------------------------------------------------ Holm */

typedef struct {
  double p;
  size_t index;
} holm_item;

static int holm_cmp(const void *pa, const void *pb) {
  const holm_item *a = pa, *b = pb;
  if (a->p != b->p) return a->p < b->p ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index; /* stable */
}

void cf_stats_holm(const double *p, size_t n, double *adj) {
  if (!n) return;
  holm_item *items = cf_xmalloc(n * sizeof *items);
  for (size_t i = 0; i < n; i++) /* NaN sorts as 1: no evidence */
    items[i] = (holm_item){isnan(p[i]) ? 1 : p[i], i};
  qsort(items, n, sizeof *items, holm_cmp); /* copied first: adj may be p */
  double running = 0;
  for (size_t j = 0; j < n; j++) {
    double v = items[j].p * (double)(n - j);
    if (v > 1) v = 1;
    if (v < running) v = running; /* step-down: never below a smaller p's */
    running = v;
    adj[items[j].index] = v;
  }
  free(items);
}

/* ---------------------------------------------------------------- median */

double cf_stats_median(const double *v, size_t n) {
  if (!n) return NAN;
  double *s = cf_xmalloc(n * sizeof *s);
  memcpy(s, v, n * sizeof *s);
  gsl_sort(s, 1, n);
  double m = gsl_stats_median_from_sorted_data(s, 1, n);
  free(s);
  return m;
}

/* ----------------------------------------------------------------- flips */

typedef struct {
  const cf_flip_run *r;
  size_t index;
} flip_ref;

static int flip_cmp(const void *pa, const void *pb) {
  const flip_ref *a = pa, *b = pb;
  int c = strcmp(a->r->sha ? a->r->sha : "", b->r->sha ? b->r->sha : "");
  if (c) return c;
  if (a->r->t != b->r->t) return a->r->t < b->r->t ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

/* Sorted references to the runs: by sha, then time, then input order. */
static flip_ref *flip_sorted(const cf_flip_run *runs, size_t n) {
  flip_ref *refs = cf_xmalloc((n ? n : 1) * sizeof *refs);
  for (size_t i = 0; i < n; i++) refs[i] = (flip_ref){&runs[i], i};
  qsort(refs, n, sizeof *refs, flip_cmp);
  return refs;
}

static const char *sha_of(const flip_ref *f) {
  return f->r->sha ? f->r->sha : "";
}

static void flip_rate(cf_flip_stat *s) {
  s->rate = s->transitions ? (double)s->flips / s->transitions : NAN;
}

/* Count runs of refs[i..j) that pass `keep`, and the flips among them,
 * into s. keep_rule NULL keeps every run. */
static void flip_count(const flip_ref *refs, size_t i, size_t j,
                       const char *keep_rule, cf_flip_stat *s) {
  int prev = -1;
  unsigned kept = 0;
  for (size_t k = i; k < j; k++) {
    const cf_flip_run *r = refs[k].r;
    if (keep_rule && r->failed && (!r->rule || strcmp(r->rule, keep_rule)))
      continue;
    kept++;
    if (r->failed) s->fails++;
    else s->passes++;
    if (prev >= 0 && prev != (r->failed != 0)) s->flips++;
    prev = r->failed != 0;
  }
  s->runs += kept;
  if (kept) s->transitions += kept - 1;
}

int cf_stats_flips_by_sha(const cf_flip_run *runs, size_t n,
                          cf_flip_stat **out, size_t *n_out) {
  *out = NULL;
  *n_out = 0;
  if (n > CF_STATS_MAX_N) return -1;
  flip_ref *refs = flip_sorted(runs, n);
  size_t cap = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && !strcmp(sha_of(&refs[j]), sha_of(&refs[i]))) j++;
    cf_flip_stat s = {cf_xstrdup(sha_of(&refs[i])), 0, 0, 0, 0, 0, 0};
    flip_count(refs, i, j, NULL, &s);
    flip_rate(&s);
    CF_PUSH(*out, *n_out, cap, s);
    i = j;
  }
  free(refs);
  return 0;
}

int cf_stats_flips_by_rule(const cf_flip_run *runs, size_t n,
                           cf_flip_stat **out, size_t *n_out) {
  *out = NULL;
  *n_out = 0;
  if (n > CF_STATS_MAX_N) return -1;
  /* the distinct rule ids, sorted */
  const char **rules = cf_xmalloc((n ? n : 1) * sizeof *rules);
  size_t n_rules = 0;
  for (size_t i = 0; i < n; i++)
    if (runs[i].failed && runs[i].rule) rules[n_rules++] = runs[i].rule;
  qsort(rules, n_rules, sizeof *rules, cf_strptr_cmp);
  flip_ref *refs = flip_sorted(runs, n);
  size_t cap = 0;
  for (size_t r = 0; r < n_rules; r++) {
    if (r && !strcmp(rules[r], rules[r - 1])) continue;
    cf_flip_stat s = {cf_xstrdup(rules[r]), 0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < n;) {
      size_t j = i;
      while (j < n && !strcmp(sha_of(&refs[j]), sha_of(&refs[i]))) j++;
      flip_count(refs, i, j, rules[r], &s);
      i = j;
    }
    flip_rate(&s);
    CF_PUSH(*out, *n_out, cap, s);
  }
  free(refs);
  free(rules);
  return 0;
}

void cf_flip_stats_free(cf_flip_stat *s, size_t n) {
  if (!s) return;
  for (size_t i = 0; i < n; i++) free(s[i].key);
  free(s);
}
