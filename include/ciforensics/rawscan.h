/*
 * rawscan.h: the raw-blob literal prefilter. Before a step's log blob is
 * decoded, it is scanned, still JSON-encoded, for the required literals of
 * every rule (in their Go-JSON-escaped form: "<" is \u003c, '"' is \"), so
 * the analysis decodes only blobs where some rule could fire (DESIGN.md
 * "Matching cost").
 *
 * The answer is conservative: cf_rawscan_may_hit returns 0 only when
 * decoding the blob and running the matcher over every line would certainly
 * give nothing at all: no hit, veto, observation or match-limit event, no
 * decoding error and no truncation note. Everything the scan does not fully
 * understand (a blob not in the exact shape Go's encoder writes, an escape
 * Go does not write, an element without its "\n", a rule pattern without
 * literals, a truncated log) answers 1, and the caller decodes as before.
 * ANSI escape sequences, which the matcher's plain text drops, are removed
 * from the scanned text too, so a literal split by a colour code is found.
 */
#ifndef CIFORENSICS_RAWSCAN_H
#define CIFORENSICS_RAWSCAN_H

#include <stddef.h>

#include "ciforensics/rules.h"

typedef struct cf_rawscan cf_rawscan;

/* A scanner for rs (which must outlive it): the escaped literals of every
 * rule's match, all and observable patterns. Free with cf_rawscan_free. */
cf_rawscan *cf_rawscan_new(const cf_ruleset *rs);
/* NULL is fine. */
void cf_rawscan_free(cf_rawscan *s);

/* 1 when the blob (len bytes, as read from logs.log_data) of a step named
 * step_name (NULL: unknown, every rule applies) must be decoded and
 * matched; 0 when that would certainly yield nothing (see above). Uses a
 * scratch buffer inside s (at most len bytes, kept for the next call), so
 * one scanner serves one thread. */
int cf_rawscan_may_hit(cf_rawscan *s, const char *step_name, const char *blob,
                       size_t len);

/* Counters since cf_rawscan_new, for the benchmark's notes. */
typedef struct cf_rawscan_stats {
  size_t calls;     /* blobs asked about */
  size_t skipped;   /* answered 0 */
  size_t unsure;    /* answered 1 without a literal hit (shape, rules) */
  size_t bytes;     /* blob bytes scanned */
} cf_rawscan_stats;
cf_rawscan_stats cf_rawscan_get_stats(const cf_rawscan *s);

#endif
