/*
 * logdecode.c: turns one Drone step log (logs.log_data: a JSON array of
 * {"pos","out","time"} elements, or the literal null) into lines with a raw
 * and a plain text each (contract in logdecode.h).
 *
 * The outer array is walked here (only '[', ',', ']' and whitespace), and
 * every element is parsed on its own by cJSON. That keeps memory to one
 * element's tree at a time and lets every error name the byte offset of the
 * element at fault.
 *
 * Choices the header leaves open:
 *  - "\u0000" and unpaired UTF-16 surrogates are decoded as U+FFFD, like Go's
 *    own decoder does for bad surrogates (cJSON would cut a string at NUL and
 *    reject bad surrogates). A raw NUL byte in the blob is rejected.
 *  - plain text: ANSI escape sequences (CSI, OSC/DCS/APC strings, two-byte
 *    escapes) are removed; then trailing "\r"s (CRLF endings) are dropped and
 *    only the text after the last remaining "\r" is kept, which is what a
 *    terminal shows after a progress bar redraws the line. raw keeps all.
 *  - an element holding several "\n" yields several lines that share its pos
 *    and time.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ciforensics/logdecode.h"

#define ESC 0x1b
#define BEL 0x07

/* The line the legacy (drone-runtime) writer appends when it stops keeping
 * output. */
static const char legacy_warning[] = "warning: maximum output exceeded";

static int is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const char *s, size_t len, size_t i) {
  while (i < len && is_ws(s[i])) i++;
  return i;
}

static int hex4(const char *s, unsigned *out) {
  unsigned v = 0;
  for (int k = 0; k < 4; k++) {
    char c = s[k];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

/* Rewrite "\u0000" and unpaired surrogate escapes as "\ufffd" (same length,
 * so byte offsets stay valid) and reject raw NUL bytes. *copy is set to a
 * patched heap copy when anything changed, else left NULL. A backslash
 * outside a string is a syntax error cJSON reports, so the scan does not
 * need to track string boundaries: it only has to step over each escape. */
static int fix_escapes(const char *blob, size_t len, char **copy, cf_err *err) {
  *copy = NULL;
  for (size_t i = 0; i < len; i++) {
    char c = blob[i];
    if (c == '\0') {
      free(*copy);
      *copy = NULL;
      return cf_err_set(err, "byte %zu: NUL byte in log blob", i);
    }
    if (c != '\\') continue;
    if (i + 1 >= len) break;
    if (blob[i + 1] != 'u' || i + 6 > len) {
      i++; /* the escaped character, possibly another backslash */
      continue;
    }
    unsigned v;
    if (hex4(blob + i + 2, &v)) {
      i++;
      continue;
    }
    int bad = v == 0 || (v >= 0xDC00 && v <= 0xDFFF);
    if (v >= 0xD800 && v <= 0xDBFF) {
      unsigned lo;
      if (i + 12 <= len && blob[i + 6] == '\\' && blob[i + 7] == 'u' &&
          !hex4(blob + i + 8, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
        i += 11; /* a valid pair */
        continue;
      }
      bad = 1;
    }
    if (bad) {
      if (!*copy) {
        *copy = cf_xmalloc(len + 1);
        memcpy(*copy, blob, len);
        (*copy)[len] = '\0';
      }
      memcpy(*copy + i + 2, "fffd", 4);
    }
    i += 5;
  }
  return 0;
}

/* Length of the escape sequence starting at s[i] == ESC (at least 1). */
static size_t escape_len(const char *s, size_t n, size_t i) {
  size_t j = i + 1;
  if (j >= n) return 1;
  unsigned char c = (unsigned char)s[j];
  if (c == '[') { /* CSI: parameters, intermediates, one final byte */
    j++;
    while (j < n && (unsigned char)s[j] >= 0x30 && (unsigned char)s[j] <= 0x3F) j++;
    while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] <= 0x2F) j++;
    if (j < n && (unsigned char)s[j] >= 0x40 && (unsigned char)s[j] <= 0x7E) j++;
    return j - i;
  }
  if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
    /* OSC, DCS, SOS, PM, APC: a string up to BEL or ESC '\' (or line end) */
    j++;
    while (j < n) {
      if (s[j] == BEL) return j + 1 - i;
      if (s[j] == ESC && j + 1 < n && s[j + 1] == '\\') return j + 2 - i;
      j++;
    }
    return n - i;
  }
  if (c >= 0x20 && c <= 0x2F) { /* nF: intermediates, then a final byte */
    while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] <= 0x2F) j++;
    if (j < n && (unsigned char)s[j] >= 0x30 && (unsigned char)s[j] <= 0x7E) j++;
    return j - i;
  }
  if (c >= 0x30 && c <= 0x7E) return 2; /* two-byte escape (ESC 7, ESC M, ...) */
  return 1;                             /* a lone ESC */
}

/* Append the plain form of one raw line (see the file comment). */
static void append_plain(cf_buf *out, const char *s, size_t n) {
  size_t start = out->len;
  size_t i = 0;
  while (i < n) {
    const char *e = memchr(s + i, ESC, n - i);
    size_t run = e ? (size_t)(e - (s + i)) : n - i;
    cf_buf_append(out, s + i, run);
    i += run;
    if (i < n) i += escape_len(s, n, i);
  }
  cf_buf_append(out, "", 0); /* make sure data exists */
  while (out->len > start && out->data[out->len - 1] == '\r') out->len--;
  for (size_t k = out->len; k > start; k--)
    if (out->data[k - 1] == '\r') {
      size_t keep = out->len - k;
      memmove(out->data + start, out->data + k, keep);
      out->len = start + keep;
      break;
    }
  out->data[out->len] = '\0';
}

/* Decoder state while walking the elements. */
typedef struct builder {
  cf_buf raw, plain; /* finished lines, "\n"-separated */
  cf_buf cur;        /* raw text of the line being joined */
  int open;          /* an element has started the current line */
  long pos, time;    /* of the current line's first element */
  cf_log_line *lines;
  size_t n, cap;
} builder;

static void finish_line(builder *b) {
  cf_log_line l;
  l.raw_off = b->raw.len;
  l.raw_len = b->cur.len;
  cf_buf_append(&b->raw, b->cur.data ? b->cur.data : "", b->cur.len);
  cf_buf_putc(&b->raw, '\n');
  l.off = b->plain.len;
  append_plain(&b->plain, b->cur.data ? b->cur.data : "", b->cur.len);
  l.len = b->plain.len - l.off;
  cf_buf_putc(&b->plain, '\n');
  l.pos = b->pos;
  l.time = b->time;
  CF_PUSH(b->lines, b->n, b->cap, l);
  cf_buf_reset(&b->cur);
  b->open = 0;
}

static void add_text(builder *b, const char *s, long pos, long time) {
  if (!b->open) {
    b->open = 1;
    b->pos = pos;
    b->time = time;
  }
  for (;;) {
    const char *nl = strchr(s, '\n');
    if (!nl) {
      cf_buf_puts(&b->cur, s);
      return;
    }
    cf_buf_append(&b->cur, s, (size_t)(nl - s));
    finish_line(b);
    s = nl + 1;
    if (!*s) return;
    b->open = 1; /* more text in the same element: a new line, same pos */
    b->pos = pos;
    b->time = time;
  }
}

static void builder_free(builder *b) {
  cf_buf_free(&b->raw);
  cf_buf_free(&b->plain);
  cf_buf_free(&b->cur);
  free(b->lines);
}

/* A JSON number that is a whole, non-negative value within long. */
static int as_count(const cJSON *v, long *out) {
  if (!cJSON_IsNumber(v)) return -1;
  double d = v->valuedouble;
  if (!isfinite(d) || d < 0 || d > 9007199254740992.0 || d != floor(d))
    return -1;
  *out = (long)d;
  return 0;
}

static int is_legacy_warning(const char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
  return n == sizeof legacy_warning - 1 && !memcmp(s, legacy_warning, n);
}

/* Check one parsed element and add its text. */
static int take_element(builder *b, cf_steplog *out, const cJSON *el,
                        size_t idx, size_t at, cf_err *err) {
  if (!cJSON_IsObject(el))
    return cf_err_set(err, "byte %zu: log element %zu is not an object", at,
                      idx);
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(el, "out");
  if (!cJSON_IsString(o) || !o->valuestring)
    return cf_err_set(err, "byte %zu: log element %zu has no string \"out\"",
                      at, idx);
  long pos, time;
  if (as_count(cJSON_GetObjectItemCaseSensitive(el, "pos"), &pos))
    return cf_err_set(err,
                      "byte %zu: log element %zu: \"pos\" is missing or not "
                      "a non-negative integer",
                      at, idx);
  if (as_count(cJSON_GetObjectItemCaseSensitive(el, "time"), &time))
    return cf_err_set(err,
                      "byte %zu: log element %zu: \"time\" is missing or not "
                      "a non-negative integer",
                      at, idx);
  if (idx == 0) {
    out->first_pos = pos;
    if (pos > 0) out->truncated = 1;
  }
  if (is_legacy_warning(o->valuestring)) out->truncated = 1;
  add_text(b, o->valuestring, pos, time);
  return 0;
}

/* Walk the array; text is the (possibly patched) blob. */
static int walk(const char *text, size_t len, builder *b, cf_steplog *out,
                cf_err *err) {
  size_t i = skip_ws(text, len, 0);
  if (i == len)
    return cf_err_set(err, "byte %zu: empty log blob (expected a JSON array "
                           "or null)", i);
  if (len - i >= 4 && !memcmp(text + i, "null", 4)) {
    size_t j = skip_ws(text, len, i + 4);
    if (j != len)
      return cf_err_set(err, "byte %zu: unexpected data after null", j);
    out->is_null = 1;
    return 0;
  }
  if (text[i] != '[')
    return cf_err_set(err, "byte %zu: expected a JSON array or null", i);
  i = skip_ws(text, len, i + 1);
  if (i < len && text[i] == ']') {
    i = skip_ws(text, len, i + 1);
    return i == len ? 0
                    : cf_err_set(err, "byte %zu: unexpected data after the "
                                      "log array", i);
  }
  for (size_t idx = 0;; idx++) {
    i = skip_ws(text, len, i);
    if (i == len)
      return cf_err_set(err, "byte %zu: log array ends before its ']'", i);
    const char *end = NULL;
    cJSON *el = cJSON_ParseWithLengthOpts(text + i, len - i, &end, 0);
    if (!el) {
      size_t at = end && end >= text + i && end <= text + len
                      ? (size_t)(end - text)
                      : i;
      return cf_err_set(err, "byte %zu: invalid JSON in log element %zu", at,
                        idx);
    }
    int rc = take_element(b, out, el, idx, i, err);
    cJSON_Delete(el);
    if (rc) return rc;
    i = skip_ws(text, len, (size_t)(end - text));
    if (i == len)
      return cf_err_set(err, "byte %zu: log array ends before its ']'", i);
    if (text[i] == ',') {
      i++;
      continue;
    }
    if (text[i] != ']')
      return cf_err_set(err, "byte %zu: expected ',' or ']' after log "
                             "element %zu", i, idx);
    i = skip_ws(text, len, i + 1);
    if (i != len)
      return cf_err_set(err, "byte %zu: unexpected data after the log array",
                        i);
    return 0;
  }
}

int cf_steplog_decode(const char *blob, size_t len, size_t max_bytes,
                      cf_steplog *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  if (len > max_bytes)
    return cf_err_set(err, "log blob of %zu bytes exceeds the limit of %zu "
                           "bytes", len, max_bytes);
  if (!blob) blob = "";
  char *patched = NULL;
  if (fix_escapes(blob, len, &patched, err)) return -1;
  builder b = {0};
  /* Decoded text is never longer than its JSON form, and each line adds at
   * most one "\n": reserving len + 2 up front avoids every realloc copy. */
  cf_grow((void **)&b.raw.data, &b.raw.cap, len + 2, 1);
  cf_grow((void **)&b.plain.data, &b.plain.cap, len + 2, 1);
  int rc = walk(patched ? patched : blob, len, &b, out, err);
  free(patched);
  if (rc) {
    builder_free(&b);
    memset(out, 0, sizeof *out);
    return -1;
  }
  if (b.open && b.cur.len) finish_line(&b); /* last line without "\n" */
  out->raw_len = b.raw.len;
  out->raw = cf_buf_steal(&b.raw);
  out->plain_len = b.plain.len;
  out->plain = cf_buf_steal(&b.plain);
  out->lines = b.lines;
  out->n_lines = b.n;
  cf_buf_free(&b.cur);
  return 0;
}

void cf_steplog_free(cf_steplog *log) {
  if (!log) return;
  free(log->plain);
  free(log->raw);
  free(log->lines);
  memset(log, 0, sizeof *log);
}

int cf_steplog_foreach(const cf_steplog *log, cf_log_line_fn fn, void *user) {
  for (size_t i = 0; i < log->n_lines; i++) {
    const cf_log_line *l = &log->lines[i];
    int rc = fn(user, l, log->plain + l->off, log->raw + l->raw_off);
    if (rc) return rc;
  }
  return 0;
}

/* Length of a valid UTF-8 sequence at s (n > 0 bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len;
  unsigned cp, min;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1Fu, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, cp = c & 0x0Fu, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void cf_steplog_safe_append(cf_buf *out, const char *s, size_t n,
                            int terminal) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  cf_buf_append(out, "", 0);
  while (i < n) {
    size_t start = i;
    size_t k;
    /* copy runs of printable ASCII / valid UTF-8 in one go */
    while (i < n && (k = utf8_len(p + i, n - i)) != 0 &&
           !(terminal && k == 1 &&
             ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] == 0x7f)))
      i += k;
    cf_buf_append(out, s + start, i - start);
    if (i >= n) break;
    if (utf8_len(p + i, n - i) == 0)
      cf_buf_puts(out, "\xef\xbf\xbd");
    else
      cf_buf_printf(out, "\\x%02x", p[i]);
    i++;
  }
}
