/*
 * report.h: writes a finished cf_analysis as the JSON contract (DESIGN.md
 * "Outputs") or as Markdown for a review backlog. Every string taken from
 * the inputs is redacted on the way out. Output is deterministic: the same
 * analysis gives byte-identical text.
 */
#ifndef CIFORENSICS_REPORT_H
#define CIFORENSICS_REPORT_H

#include <stdio.h>

#include "ciforensics/analysis.h"

/* Return the report as a new heap string (caller frees). version is printed
 * in the "version" field / header. */
char *cf_report_json(const cf_analysis *a, const char *version);
/* The JSON report written straight to out, the builds one at a time (the
 * same text as cf_report_json, without holding it): 0, or -1 on a write
 * error. */
int cf_report_json_write(const cf_analysis *a, const char *version, FILE *out);
char *cf_report_markdown(const cf_analysis *a, const char *version, int color);

#endif
