/*
 * tiers.h: splitting a harness step's log into tiers from banner lines
 * (rules/tiers.yaml; format in docs/rules.md). A start banner opens a tier;
 * the tier ends at its end banner, where the next tier starts, or at the end
 * of the log. Tier names are normalised to install, upgrade, backup,
 * restore, custom or lint; a banner naming anything else is ignored.
 */
#ifndef CIFORENSICS_TIERS_H
#define CIFORENSICS_TIERS_H

#include <stddef.h>

#include "ciforensics/logdecode.h"
#include "ciforensics/model.h"
#include "ciforensics/util.h"

typedef struct cf_tierdef cf_tierdef;

#define CF_TIERS_MAX_PATTERNS 64 /* banners per kind */
#define CF_TIERS_MAX_SPANS 1000  /* a harness runs six tiers */

/* Parse tiers.yaml text (len bytes; name for messages). On success *out is
 * owned by the caller (cf_tierdef_free). On error -1 and "name:line: ...". */
int cf_tierdef_parse(const char *name, const char *text, size_t len, cf_tierdef **out,
                     cf_err *err);
int cf_tierdef_load(const char *path, cf_tierdef **out, cf_err *err);
void cf_tierdef_free(cf_tierdef *td);

/* Normalise a tier name (case-insensitive; aliases from tiers.yaml, e.g.
 * "functional" -> "custom"). Returns a static canonical name or NULL. */
const char *cf_tierdef_normalise(const cf_tierdef *td, const char *name, size_t len);
/* Whether name is one of the six canonical tier names. */
int cf_tier_name_valid(const char *name);

/* Segment log into tier spans: 1-based steplog line indexes (line i of
 * log->lines is line i + 1), start/end = step_start + the first/last line's
 * `time` (CF_TIME_NONE when step_start is). *spans is a new array the caller
 * frees with cf_tier_spans_free (model.h); *n may be 0. source is "log". */
void cf_tiers_segment(const cf_tierdef *td, const cf_steplog *log, cf_time step_start,
                      cf_tier_span **spans, size_t *n);

#endif
