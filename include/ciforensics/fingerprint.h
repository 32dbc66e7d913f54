/*
 * fingerprint.h: a log line's normalised shape, so that two failures "fail
 * the same way" (DESIGN.md "Verdicts") even when their numbers differ.
 * Blanked, in this order: Drone masks (******) -> <mask>, 0x numbers of
 * any length (addresses) -> <hex>, timestamps -> <ts>, UUIDs -> <uuid>,
 * IPv4 (with :port) and IPv6 addresses (with a digit: "::" alone is not
 * one) -> <ip>, hex runs of >= 7 with a digit (commit shas, container ids)
 * -> <hex>, long letter+digit ids (swarm task ids) -> <id>, other numbers
 * (with decimals; durations become "# s", "#m#s") -> #, except an HTTP
 * status the line calls one ("404 Not Found", "HTTP/1.1 502", "status code
 * 503"), which is kept; runs of whitespace fold to one space, and ends are
 * trimmed. Pure function, deterministic.
 */
#ifndef CIFORENSICS_FINGERPRINT_H
#define CIFORENSICS_FINGERPRINT_H

#include <stddef.h>

/* Input beyond this many bytes is ignored (a line is a line). */
#define CF_FINGERPRINT_MAX_INPUT 4096

/* The fingerprint of line (len bytes) as a new heap string; caller frees. */
char *cf_fingerprint(const char *line, size_t len);

#endif
