/*
 * check.h: the unit-test harness. Each test file defines test functions,
 * lists them in CF_TESTS, and every failed CHECK prints file:line and the
 * expression; the process exits 1 if any check failed. meson runs each file
 * as one test.
 */
#ifndef CF_TESTS_CHECK_H
#define CF_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cf_check_failures;
static int cf_check_count;

#define CHECK(expr)                                                          \
  do {                                                                       \
    cf_check_count++;                                                        \
    if (!(expr)) {                                                           \
      cf_check_failures++;                                                   \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
    }                                                                        \
  } while (0)

#define CHECK_STR(a, b)                                                      \
  do {                                                                       \
    const char *cf_a_ = (a), *cf_b_ = (b);                                   \
    cf_check_count++;                                                        \
    if (!cf_a_ || !cf_b_ || strcmp(cf_a_, cf_b_)) {                          \
      cf_check_failures++;                                                   \
      fprintf(stderr, "%s:%d: CHECK_STR failed: %s\n  got:      \"%s\"\n  expected: \"%s\"\n", \
              __FILE__, __LINE__, #a, cf_a_ ? cf_a_ : "(null)",              \
              cf_b_ ? cf_b_ : "(null)");                                     \
    }                                                                        \
  } while (0)

#define CHECK_INT(a, b)                                                      \
  do {                                                                       \
    long long cf_a_ = (long long)(a), cf_b_ = (long long)(b);                \
    cf_check_count++;                                                        \
    if (cf_a_ != cf_b_) {                                                    \
      cf_check_failures++;                                                   \
      fprintf(stderr, "%s:%d: CHECK_INT failed: %s == %lld, expected %lld\n", \
              __FILE__, __LINE__, #a, cf_a_, cf_b_);                         \
    }                                                                        \
  } while (0)

#define CHECK_CONTAINS(hay, needle)                                          \
  do {                                                                       \
    const char *cf_h_ = (hay), *cf_n_ = (needle);                            \
    cf_check_count++;                                                        \
    if (!cf_h_ || !strstr(cf_h_, cf_n_)) {                                   \
      cf_check_failures++;                                                   \
      fprintf(stderr, "%s:%d: CHECK_CONTAINS failed: \"%s\" not in \"%s\"\n", \
              __FILE__, __LINE__, cf_n_, cf_h_ ? cf_h_ : "(null)");          \
    }                                                                        \
  } while (0)

typedef struct {
  const char *name;
  void (*fn)(void);
} cf_test_case;

/* Run every case (or only those named on the command line). */
static inline int cf_run_tests(const cf_test_case *cases, int argc, char **argv) {
  for (const cf_test_case *c = cases; c->name; c++) {
    int want = argc < 2;
    for (int i = 1; i < argc; i++)
      if (!strcmp(argv[i], c->name)) want = 1;
    if (!want) continue;
    int before = cf_check_failures;
    c->fn();
    printf("%s %s\n", cf_check_failures == before ? "ok  " : "FAIL", c->name);
  }
  printf("%d checks, %d failed\n", cf_check_count, cf_check_failures);
  return cf_check_failures ? 1 : 0;
}

#define CF_TEST_MAIN(...)                                                    \
  int main(int argc, char **argv) {                                          \
    static const cf_test_case cases[] = {__VA_ARGS__, {NULL, NULL}};         \
    return cf_run_tests(cases, argc, argv);                                  \
  }
#define T(fn) {#fn, fn}

#endif
