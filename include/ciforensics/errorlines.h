/*
 * errorlines.h: what makes a log line "look like an error" for failures no
 * rule explains (rules/errorlines.yaml; format in docs/rules.md): `error`
 * patterns, and `benign` look-alikes that are never errors (`0 failed`,
 * `error_log = ...`, a retry announcement, DEBUG lines ...).
 */
#ifndef CIFORENSICS_ERRORLINES_H
#define CIFORENSICS_ERRORLINES_H

#include <stddef.h>

#include "ciforensics/logdecode.h"
#include "ciforensics/util.h"

typedef struct cf_errorlines cf_errorlines;

#define CF_ERRORLINES_MAX_PATTERNS 256

/* Parse errorlines.yaml text (name for messages). The caller frees *out
 * with cf_errorlines_free. On error -1 and "name:line: ..." in err. */
int cf_errorlines_parse(const char *name, const char *text, size_t len, cf_errorlines **out,
                        cf_err *err);
int cf_errorlines_load(const char *path, cf_errorlines **out, cf_err *err);
void cf_errorlines_free(cf_errorlines *el);

/* 1 when line (len bytes, plain text) hits an `error` pattern and no
 * `benign` one; else 0. Safe to call from several threads. */
int cf_errorlines_is_error(const cf_errorlines *el, const char *line, size_t len);

/* Pick up to max error lines among log lines [first, last] (0-based,
 * inclusive; last is clamped), in log order, dropping lines whose
 * fingerprint (fingerprint.h) repeats an earlier pick. Writes their indexes
 * to out (room for max) and returns how many. */
size_t cf_errorlines_pick(const cf_errorlines *el, const cf_steplog *log, size_t first,
                          size_t last, size_t max, size_t *out);

#endif
