/*
 * logdecode.h: decodes one Drone step log (the logs.log_data blob, a JSON
 * array of {"pos","out","time"} elements; drone-schema.md section 2) into
 * lines. Memory is bounded by the step: the caller gives a byte limit and
 * nothing outlives the cf_steplog.
 *
 * Lines: elements are joined until a "\n" ends the line, so a line Drone
 * split over several elements is one line here; the "\n" itself is not
 * kept. A line takes the pos and time of its first element; line numbers in
 * reports are pos + 1 (DESIGN.md "Outputs").
 * Two texts per line: raw (exactly as written, ANSI escapes kept) and plain
 * (ANSI escape sequences removed; trailing "\r"s dropped and only the text
 * after the last remaining "\r" kept, i.e. what a terminal shows once a
 * progress bar has redrawn the line), which is what rules match against.
 * "\u0000" and unpaired surrogate escapes decode to U+FFFD; a raw NUL byte
 * in the blob is an error.
 */
#ifndef CIFORENSICS_LOGDECODE_H
#define CIFORENSICS_LOGDECODE_H

#include <stddef.h>
#include <stdint.h>

#include "ciforensics/util.h"

typedef struct cf_log_line {
  size_t off, len;         /* plain text: plain + off, len bytes, no "\n" */
  size_t raw_off, raw_len; /* raw text:   raw + raw_off, raw_len bytes    */
  long pos;                /* Drone pos of the line's first element */
  long time;               /* seconds since the step's start (Drone "time") */
} cf_log_line;

typedef struct cf_steplog {
  char *plain;          /* owned; lines separated by "\n", NUL-terminated */
  size_t plain_len;
  char *raw;            /* owned; same lines with ANSI escapes kept */
  size_t raw_len;
  cf_log_line *lines;   /* owned; in log order */
  size_t n_lines;
  int is_null;          /* the blob was the literal JSON null (no output) */
  int truncated;        /* Drone dropped output: first pos > 0 (runner-go keeps
                           the tail) or a "maximum output exceeded" line
                           (legacy runner keeps the head) */
  long first_pos;       /* pos of the first element (0 normally) */
} cf_steplog;

/* Callback for streaming use: one decoded line (plain and raw text are not
 * NUL-terminated and valid only during the call). Return non-zero to stop. */
typedef int (*cf_log_line_fn)(void *user, const cf_log_line *line,
                              const char *plain, const char *raw);

/* Decode blob (len bytes) into out, refusing blobs over max_bytes. On error
 * (malformed JSON, wrong element shape, over the limit) returns -1 with a
 * message in err naming what is wrong and where (byte offset); out is left
 * empty. On success the caller frees out with cf_steplog_free. */
int cf_steplog_decode(const char *blob, size_t len, size_t max_bytes,
                      cf_steplog *out, cf_err *err);
void cf_steplog_free(cf_steplog *log);

/* Call fn for every line of a decoded log, in order. */
int cf_steplog_foreach(const cf_steplog *log, cf_log_line_fn fn, void *user);

/* Append n bytes of s to out so they are safe to print: invalid UTF-8
 * becomes U+FFFD (so JSON output stays valid); with terminal != 0 control
 * bytes other than "\n" and "\t" also become "\xNN", so log text cannot
 * drive the terminal. Used on whole outputs by `builds` and `show`. */
void cf_steplog_safe_append(cf_buf *out, const char *s, size_t n,
                            int terminal);

/* Default per-step bound: Drone caps a step at 5 MiB of text; JSON escaping
 * can make the blob up to 6x larger. */
#define CF_STEPLOG_MAX_BLOB ((size_t)40 << 20)

#endif
