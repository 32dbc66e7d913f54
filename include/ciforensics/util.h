/*
 * util.h: the small shared toolbox every module uses.
 *
 * Out-of-memory policy: cf_xmalloc and friends abort with a message, so no
 * caller checks for NULL after allocating (as redis and jq do).
 * Errors: a module reports a failure by filling a cf_err that the caller
 * owns; only cli/ prints, and it prints through the redactor.
 * Times: cf_time is Unix seconds, UTC; CF_TIME_NONE means "absent".
 */
#ifndef CIFORENSICS_UTIL_H
#define CIFORENSICS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses of the program (DESIGN.md "Errors and bad input"). */
enum cf_exit {
  CF_EXIT_OK = 0,       /* report written (input problems may be listed in it) */
  CF_EXIT_INPUT = 1,    /* usage error, unusable input, or --strict with problems */
  CF_EXIT_INTERNAL = 2, /* a bug or an environment failure */
};

/* ---- memory: abort on exhaustion ---- */
void *cf_xmalloc(size_t n);
void *cf_xcalloc(size_t count, size_t size);
void *cf_xrealloc(void *p, size_t n);
char *cf_xstrdup(const char *s);              /* NULL in, NULL out */
char *cf_xstrndup(const char *s, size_t n);
/* Grow *arr (of *cap elements of size elem) so it holds at least need. */
void cf_grow(void **arr, size_t *cap, size_t need, size_t elem);
#define CF_PUSH(arr, n, cap, value)                                        \
  do {                                                                     \
    cf_grow((void **)&(arr), &(cap), (n) + 1, sizeof *(arr));              \
    (arr)[(n)++] = (value);                                                \
  } while (0)

/* ---- error reporting ---- */
typedef struct cf_err {
  char msg[1024]; /* "file:line: what is wrong"; empty when no error */
} cf_err;
/* Set the message (printf format) unless one is already set; returns -1 so
 * callers can write `return cf_err_set(err, ...)`. err may be NULL. */
int cf_err_set(cf_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cf_err_clear(cf_err *err);

/* ---- growable byte buffer, always NUL-terminated ---- */
typedef struct cf_buf {
  char *data; /* owned; NUL-terminated once anything was appended */
  size_t len;
  size_t cap;
} cf_buf;
void cf_buf_append(cf_buf *b, const char *s, size_t n);
void cf_buf_puts(cf_buf *b, const char *s);
void cf_buf_putc(cf_buf *b, char c);
void cf_buf_printf(cf_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cf_buf_vprintf(cf_buf *b, const char *fmt, va_list ap);
void cf_buf_reset(cf_buf *b); /* len = 0, keeps memory */
void cf_buf_free(cf_buf *b);
/* Hand the bytes to the caller (who frees them); b is left empty. */
char *cf_buf_steal(cf_buf *b);

/* ---- times ---- */
typedef int64_t cf_time;
#define CF_TIME_NONE INT64_MIN

/* Parse ISO 8601 ("2026-06-13T05:38Z", seconds and fraction optional,
 * 'Z' or +hh:mm / +hhmm offset, 'T' or one space between date and time,
 * a bare date) or Unix seconds. *no_zone (may be NULL) is set to 1 when the
 * text named no zone and was taken as UTC. Returns 0, or -1 on bad text. */
int cf_time_parse(const char *s, cf_time *out, int *no_zone);
/* Format as "2026-06-13T05:38:00Z" into buf (at least 21 bytes). */
const char *cf_time_format(cf_time t, char *buf, size_t size);
#define CF_TIME_BUFSZ 32

/* ---- files ---- */
/* Read a whole file of at most max bytes into a NUL-terminated heap buffer
 * (caller frees). Errors name the path. */
int cf_read_file(const char *path, size_t max, char **out, size_t *len,
                 cf_err *err);
int cf_file_exists(const char *path);
int cf_dir_exists(const char *path);
/* path join into a new heap string */
char *cf_path_join(const char *a, const char *b);

/* Directory of the data files (rules/, corpus/): $CIFORENSICS_DATA, else
 * the folder next to the executable holding rules/ (build tree or source
 * tree), else the installed data directory. Returns a static string. */
const char *cf_data_dir(void);
/* Set once by main from argv[0] (used by cf_data_dir). */
void cf_set_argv0(const char *argv0);

/* ---- strings ---- */
int cf_str_starts(const char *s, const char *prefix);
int cf_str_ieq(const char *a, const char *b);
/* qsort comparator for arrays of char* */
int cf_strptr_cmp(const void *a, const void *b);

#endif
