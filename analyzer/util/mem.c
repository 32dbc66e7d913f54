/*
 * mem.c: allocation that aborts on exhaustion, error messages, byte buffers
 * and small string helpers shared by every module.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ciforensics/model.h"
#include "ciforensics/util.h"

static void oom(size_t n) {
  fprintf(stderr, "ciforensics: out of memory allocating %zu bytes\n", n);
  abort();
}

void *cf_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) oom(n);
  return p;
}

void *cf_xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p) oom(count * size);
  return p;
}

void *cf_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) oom(n);
  return q;
}

char *cf_xstrdup(const char *s) {
  if (!s) return NULL;
  return cf_xstrndup(s, strlen(s));
}

char *cf_xstrndup(const char *s, size_t n) {
  char *p = cf_xmalloc(n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

void cf_grow(void **arr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return;
  size_t ncap = *cap ? *cap : 8;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2 / elem) oom(need * elem);
    ncap *= 2;
  }
  *arr = cf_xrealloc(*arr, ncap * elem);
  *cap = ncap;
}

int cf_err_set(cf_err *err, const char *fmt, ...) {
  if (!err || err->msg[0]) return -1; /* keep the first, most specific message */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return -1;
}

void cf_err_clear(cf_err *err) {
  if (err) err->msg[0] = '\0';
}

void cf_buf_append(cf_buf *b, const char *s, size_t n) {
  cf_grow((void **)&b->data, &b->cap, b->len + n + 1, 1);
  if (n) memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void cf_buf_puts(cf_buf *b, const char *s) { cf_buf_append(b, s, strlen(s)); }

void cf_buf_putc(cf_buf *b, char c) { cf_buf_append(b, &c, 1); }

void cf_buf_vprintf(cf_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return;
  cf_grow((void **)&b->data, &b->cap, b->len + (size_t)n + 1, 1);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void cf_buf_printf(cf_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cf_buf_vprintf(b, fmt, ap);
  va_end(ap);
}

void cf_buf_reset(cf_buf *b) {
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}

void cf_buf_free(cf_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

char *cf_buf_steal(cf_buf *b) {
  char *p = b->data ? b->data : cf_xstrdup("");
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}

int cf_str_starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

int cf_str_ieq(const char *a, const char *b) { return strcasecmp(a, b) == 0; }

int cf_strptr_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int cf_status_failed(const char *status) {
  return status && (!strcmp(status, "failure") || !strcmp(status, "error") ||
                    !strcmp(status, "killed"));
}

int cf_status_done(const char *status) {
  return status && strcmp(status, "pending") && strcmp(status, "running") &&
         strcmp(status, "blocked") && strcmp(status, "waiting_on_dependencies");
}

void cf_tier_spans_free(cf_tier_span *spans, size_t n) {
  for (size_t i = 0; i < n; i++) free(spans[i].name);
  free(spans);
}
