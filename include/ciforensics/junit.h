/*
 * junit.h: reads one JUnit XML report (libxml2) into counts, times and
 * testcases.
 *
 * Counting (docs/artifacts.md, the corpus' MANIFEST.md): every <testcase> at
 * any depth under a <testsuites> or <testsuite> root counts once, repeated
 * names included; its one outcome is, by precedence, an <error> child, a
 * <failure> child, a <skipped> child, a status attribute of disabled/notrun/
 * skipped/ignored, else pass. Surefire's flakyFailure/flakyError/
 * rerunFailure/rerunError never change it. Declared tests=/failures=
 * attributes are not used. As Jenkins does, an <error> (or <failure>)
 * directly under a <testsuite> becomes one synthesised testcase with that
 * outcome, named after the suite, so a suite that failed in setup never
 * reads as a clean pass.
 *
 * Safety: parsed from memory with XML_PARSE_NONET only (no entity
 * substitution, no DTD loading, no huge mode, no recovery). A document
 * declaring any entity is rejected at the first declaration, before any
 * expansion. libxml2's messages are captured, never printed.
 */
#ifndef CIFORENSICS_JUNIT_H
#define CIFORENSICS_JUNIT_H

#include <stddef.h>

#include "ciforensics/util.h"

/* Largest JUnit file accepted (the biggest real one seen is 1.3 MB). */
#define CF_JUNIT_MAX_BYTES ((size_t)64 << 20)
/* Longest message kept per testcase (bytes; longer ones are cut). */
#define CF_JUNIT_MAX_MESSAGE 512

typedef enum {
  CF_JUNIT_PASS,
  CF_JUNIT_FAILURE,
  CF_JUNIT_ERROR,
  CF_JUNIT_SKIPPED,
} cf_junit_outcome;

/* "pass", "failure", "error" or "skipped" (static). */
const char *cf_junit_outcome_name(cf_junit_outcome o);

typedef struct cf_junit_case {
  char *suite;        /* owned: nearest enclosing suite's name, "" if none */
  char *classname;    /* owned; "" when absent */
  char *name;         /* owned; "" when absent */
  double time;        /* seconds as written (may be negative); 0 if absent */
  int has_time;       /* 1 when a readable time attribute was present */
  cf_time timestamp;  /* the case's own timestamp, else its suite's;
                         CF_TIME_NONE when neither is readable */
  int ts_no_zone;     /* the timestamp named no zone and was read as UTC */
  int ts_own;         /* 1 when the timestamp is the case's own */
  double start;       /* estimated start, Unix seconds with fraction: own
                         timestamp, else suite timestamp plus the times of
                         the suite's earlier cases; NAN when unknown */
  cf_junit_outcome outcome;
  char *message;      /* owned: the deciding child's message attribute, else
                         the first line of its text; NULL for a pass */
  int synthesized;    /* 1 for a case made from a suite-level <error> */
} cf_junit_case;

typedef struct cf_junit {
  char *path;            /* owned: the name used in messages */
  size_t tests, failures, errors, skipped;
  double time;           /* sum of testcase times, negatives as 0 */
  double time_raw;       /* sum of testcase times as written */
  double time_declared;  /* sum of the outermost suites' own time */
  int has_time_declared; /* 0: no outermost suite declared a time (null) */
  double time_per_suite; /* Jenkins' per-suite rule: every suite's own time,
                            or the sum of its direct testcases without one */
  cf_junit_case *cases;  /* owned, in document order */
  size_t n_cases;
  size_t n_suites;       /* <testsuite> elements at any depth */
  size_t n_bad_times;    /* time attributes that were not numbers (taken as
                            absent) */
  size_t n_bad_timestamps; /* timestamps that could not be read */
  size_t n_no_zone;      /* timestamps read as UTC for want of a zone */
} cf_junit;

/* cf_junit_load's result for well-formed XML of another kind (a coverage
 * report beside the JUnit files): not a damaged JUnit report. */
#define CF_JUNIT_NOT_JUNIT 1
/* Read and parse path (at most CF_JUNIT_MAX_BYTES). Returns 0 and fills out
 * (free with cf_junit_free), or nonzero with err naming the file and the
 * problem: -1 for "path: line 3: <libxml2 message>" when not well-formed,
 * "path: XML entity declarations are not accepted (possible XXE or entity
 * expansion)", "path: empty file"; CF_JUNIT_NOT_JUNIT for "path: root
 * element <x> is not <testsuites> or <testsuite>". On failure out is left
 * empty. */
int cf_junit_load(const char *path, cf_junit *out, cf_err *err);
/* The same over len bytes of memory; name is used in messages. */
int cf_junit_load_mem(const char *data, size_t len, const char *name,
                      cf_junit *out, cf_err *err);
/* Free everything j owns and zero it; accepts NULL and half-built values. */
void cf_junit_free(cf_junit *j);

#endif
