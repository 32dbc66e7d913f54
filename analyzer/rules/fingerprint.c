/*
 * fingerprint.c: the normalised shape of a log line (fingerprint.h). A
 * hand-written scanner rather than a chain of regex substitutions: one pass,
 * no allocation per rule, and the order of the blanking rules is explicit.
 * At each token start it tries, in order, a 0x number, a timestamp, a UUID,
 * an IPv4 and an IPv6 address, a hex run and an id (a whole token, never
 * digit by digit); otherwise digits become "#", except a 3-digit HTTP status
 * that the line itself calls one (http_status_at).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/fingerprint.h"
#include "ciforensics/util.h"

static int isal(int c) { return isalnum(c); }

static size_t digits(const char *s, size_t i, size_t n, size_t max) {
  size_t k = 0;
  while (i + k < n && k < max && isdigit((unsigned char)s[i + k])) k++;
  return k;
}

/* Length of a timestamp at s[i], or 0: YYYY-MM-DD or YYYY/MM/DD with an
 * optional [T ]HH:MM[:SS[.frac]] and zone; or a bare HH:MM:SS[.frac]. */
static size_t ts_len(const char *s, size_t i, size_t n) {
  size_t j = i;
  if (digits(s, j, n, 4) == 4 && j + 4 < n && (s[j + 4] == '-' || s[j + 4] == '/')) {
    char sep = s[j + 4];
    j += 5;
    if (digits(s, j, n, 2) != 2 || j + 2 >= n || s[j + 2] != sep) return 0;
    j += 3;
    if (digits(s, j, n, 2) != 2) return 0;
    j += 2;
    if (j + 1 < n && (s[j] == 'T' || s[j] == ' ') && digits(s, j + 1, n, 2) == 2 &&
        j + 3 < n && s[j + 3] == ':') {
      j += 1;
    } else {
      return j - i;
    }
  }
  /* HH:MM[:SS[.frac]] */
  size_t h = digits(s, j, n, 2);
  if (h < 1 || j + h >= n || s[j + h] != ':' || digits(s, j + h + 1, n, 2) != 2) return 0;
  size_t k = j + h + 3;
  int has_sec = 0;
  if (k < n && s[k] == ':' && digits(s, k + 1, n, 2) == 2) {
    k += 3;
    has_sec = 1;
    if (k < n && (s[k] == '.' || s[k] == ',') && digits(s, k + 1, n, 9) > 0)
      k += 1 + digits(s, k + 1, n, 9);
  }
  if (j == i && !has_sec) return 0; /* a bare "12:30" is too ambiguous */
  if (k < n && s[k] == 'Z') k++;
  else if (k < n && (s[k] == '+' || s[k] == '-') && digits(s, k + 1, n, 2) == 2) {
    k += 3;
    if (k < n && s[k] == ':') k++;
    k += digits(s, k, n, 2);
  }
  return k - i;
}

static size_t hexrun(const char *s, size_t i, size_t n) {
  size_t k = 0;
  while (i + k < n && isxdigit((unsigned char)s[i + k])) k++;
  return k;
}

static size_t uuid_len(const char *s, size_t i, size_t n) {
  static const size_t groups[] = {8, 4, 4, 4, 12};
  size_t j = i;
  for (int g = 0; g < 5; g++) {
    if (hexrun(s, j, n) != groups[g]) return 0;
    j += groups[g];
    if (g < 4) {
      if (j >= n || s[j] != '-') return 0;
      j++;
    }
  }
  return j - i;
}

static size_t ipv4_len(const char *s, size_t i, size_t n) {
  size_t j = i;
  for (int o = 0; o < 4; o++) {
    size_t d = digits(s, j, n, 4);
    if (d < 1 || d > 3) return 0;
    j += d;
    if (o < 3) {
      if (j >= n || s[j] != '.') return 0;
      j++;
    }
  }
  if (j < n && (isal((unsigned char)s[j]) || (s[j] == '.' && j + 1 < n && isdigit((unsigned char)s[j + 1]))))
    return 0;
  return j - i;
}

/* Length of an IPv6 address at s[i], or 0. It needs a digit: "::" alone is
 * punctuation (lego's "400 :: urn:...: DNS problem"), and all-letter
 * groups are a name ("face::bad"), not an address. */
static size_t ipv6_len(const char *s, size_t i, size_t n) {
  size_t j = i, colons = 0, group = 0;
  int dbl = 0, digit = 0;
  while (j < n && (isxdigit((unsigned char)s[j]) || s[j] == ':')) {
    if (s[j] == ':') {
      colons++;
      if (j > i && s[j - 1] == ':') dbl = 1;
      group = 0;
    } else if (++group > 4) {
      return 0;
    } else if (isdigit((unsigned char)s[j])) {
      digit = 1;
    }
    j++;
  }
  if (!digit || colons < 2 || (!dbl && colons != 7)) return 0;
  if (j < n && (isal((unsigned char)s[j]) || s[j] == '.')) return 0;
  return j - i;
}

/* Length of a 0x-prefixed hex number at s[i] ("0x6b4c2a0", an address in a
 * V8 or native backtrace), or 0: one <hex> whatever its length. It must end
 * the token: "0xjtvbif25q07c..." is a swarm task id that starts with 0x. */
static size_t hex0x_len(const char *s, size_t i, size_t n) {
  if (s[i] != '0' || i + 2 >= n || (s[i + 1] != 'x' && s[i + 1] != 'X')) return 0;
  size_t k = hexrun(s, i + 2, n);
  if (!k || (i + 2 + k < n && isal((unsigned char)s[i + 2 + k]))) return 0;
  return 2 + k;
}

/* HTTP statuses (the IANA registry and 418) with their reason phrases, in
 * the spellings servers print. A status is only kept when one of these. */
static const struct {
  int code;
  const char *phrase;
} http_statuses[] = {
    {100, "Continue"}, {101, "Switching Protocols"}, {102, "Processing"}, {103, "Early Hints"},
    {200, "OK"}, {201, "Created"}, {202, "Accepted"}, {203, "Non-Authoritative Information"},
    {204, "No Content"}, {205, "Reset Content"}, {206, "Partial Content"},
    {207, "Multi-Status"}, {208, "Already Reported"}, {226, "IM Used"},
    {300, "Multiple Choices"}, {301, "Moved Permanently"}, {302, "Found"},
    {303, "See Other"}, {304, "Not Modified"}, {305, "Use Proxy"},
    {307, "Temporary Redirect"}, {308, "Permanent Redirect"},
    {400, "Bad Request"}, {401, "Unauthorized"}, {402, "Payment Required"},
    {403, "Forbidden"}, {404, "Not Found"}, {405, "Method Not Allowed"},
    {406, "Not Acceptable"}, {407, "Proxy Authentication Required"},
    {408, "Request Timeout"}, {408, "Request Time-out"}, {409, "Conflict"}, {410, "Gone"},
    {411, "Length Required"}, {412, "Precondition Failed"}, {413, "Payload Too Large"},
    {413, "Content Too Large"}, {413, "Request Entity Too Large"}, {414, "URI Too Long"},
    {414, "Request-URI Too Long"}, {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"}, {416, "Requested Range Not Satisfiable"},
    {417, "Expectation Failed"}, {418, "I'm a teapot"}, {421, "Misdirected Request"},
    {422, "Unprocessable Entity"}, {422, "Unprocessable Content"}, {423, "Locked"},
    {424, "Failed Dependency"}, {425, "Too Early"}, {426, "Upgrade Required"},
    {428, "Precondition Required"}, {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"}, {451, "Unavailable For Legal Reasons"},
    {500, "Internal Server Error"}, {501, "Not Implemented"}, {502, "Bad Gateway"},
    {503, "Service Unavailable"}, {503, "Service Temporarily Unavailable"},
    {504, "Gateway Timeout"}, {504, "Gateway Time-out"}, {505, "HTTP Version Not Supported"},
    {506, "Variant Also Negotiates"}, {507, "Insufficient Storage"}, {508, "Loop Detected"},
    {510, "Not Extended"}, {511, "Network Authentication Required"},
};
#define N_HTTP_STATUSES (sizeof http_statuses / sizeof http_statuses[0])

/* Whether s[j..n) starts with pat, case-insensitively, a space in pat
 * matching a run of whitespace; the end in *end. */
static int starts_ci(const char *s, size_t j, size_t n, const char *pat, size_t *end) {
  for (; *pat; pat++) {
    if (*pat == ' ') {
      if (j >= n || !isspace((unsigned char)s[j])) return 0;
      while (j < n && isspace((unsigned char)s[j])) j++;
    } else {
      if (j >= n || tolower((unsigned char)s[j]) != tolower((unsigned char)*pat)) return 0;
      j++;
    }
  }
  *end = j;
  return 1;
}

/* Whether s[..end) ends with the word(s) pat at a word start, as
 * starts_ci; the word's start in *start. */
static int ends_with_word(const char *s, size_t end, const char *pat, size_t *start) {
  size_t j = end, m = strlen(pat);
  while (m > 0) {
    char p = pat[--m];
    if (p == ' ') {
      if (j == 0 || !isspace((unsigned char)s[j - 1])) return 0;
      while (j > 0 && isspace((unsigned char)s[j - 1])) j--;
    } else {
      if (j == 0 || tolower((unsigned char)s[j - 1]) != p) return 0;
      j--;
    }
  }
  if (j > 0 && isal((unsigned char)s[j - 1])) return 0; /* "barcode 404" */
  *start = j;
  return 1;
}

/* Whether the 3 digits at s[i] (a token start) are an HTTP status that the
 * line calls one, and are kept: a registered status followed by its reason
 * phrase ("404 Not Found", "HTTP Error 404: Not Found"), or preceded by
 * HTTP/x, HTTP, "HTTP Error", status or code with a space, ": " or "="
 * ("HTTP/1.1 502", "status code 503", "Status: 403", "status=429"); not
 * after "exit status"/"exit code", which are a process's. Other numbers,
 * "returned 500" among them, are blanked. */
static int http_status_at(const char *s, size_t i, size_t n) {
  static const char *const words[] = {"http",        "http/1.0", "http/1.1",   "http/2",
                                       "http/2.0",    "http/3",   "http error", "status",
                                       "status_code", "statuscode", "code"};
  size_t e = i + 3, j;
  if (digits(s, i, n, 4) != 3 || s[i] < '1' || s[i] > '5') return 0;
  if (e < n && (isal((unsigned char)s[e]) ||
                ((s[e] == '.' || s[e] == ',') && e + 1 < n && isdigit((unsigned char)s[e + 1]))))
    return 0;
  int code = (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
  int registered = 0;
  for (size_t k = 0; k < N_HTTP_STATUSES; k++) {
    if (http_statuses[k].code != code) continue;
    registered = 1;
    size_t p = e < n && s[e] == ':' ? e + 1 : e, end;
    if (p < n && isspace((unsigned char)s[p]) &&
        starts_ci(s, p + 1, n, http_statuses[k].phrase, &end) &&
        (end == n || !isal((unsigned char)s[end])))
      return 1;
  }
  if (!registered) return 0;
  /* the separator before: whitespace, ":" or "=", with whitespace after */
  j = i;
  while (j > 0 && isspace((unsigned char)s[j - 1])) j--;
  if (j > 0 && (s[j - 1] == ':' || s[j - 1] == '=')) {
    j--;
    while (j > 0 && isspace((unsigned char)s[j - 1])) j--;
  }
  if (j == i) return 0;
  for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
    size_t start, x;
    if (!ends_with_word(s, j, words[w], &start)) continue;
    if (!strncmp(words[w], "status", 6) || !strcmp(words[w], "code"))
      if (ends_with_word(s, start, "exit ", &x)) return 0;
    return 1;
  }
  return 0;
}

enum { TOK_NONE, TOK_HEX, TOK_ID };

/* After "NAME.SLOT." (a swarm task's name, "app_svc.1."), where a task id
 * follows whatever its letters and digits. */
static int after_task_slot(const char *s, size_t i) {
  if (i < 3 || s[i - 1] != '.') return 0;
  size_t j = i - 1;
  while (j > 0 && isdigit((unsigned char)s[j - 1])) j--;
  return j < i - 1 && j >= 2 && s[j - 1] == '.' &&
         (isal((unsigned char)s[j - 2]) || s[j - 2] == '_' || s[j - 2] == '-');
}

/* The alphanumeric token at s[i] (a token start): its length in *len and
 * whether it is a hex run (>= 7 with a digit and a hex letter: shas,
 * container ids) or an id: >= 10 characters with >= 2 digits and >= 2
 * letters; or a swarm task or node id (base-36, 25 long or cut to 12, often
 * with a single digit): 12 or 25 lowercase characters with a digit between
 * letters, or with a letter after NAME.SLOT. (no digit, or one at an end).
 * A lone digit in other lengths is a name's ("asn1crypto", "latex2html"). */
static int token_kind(const char *s, size_t i, size_t n, size_t *len) {
  size_t k = 0, nd = 0, nhex_letters = 0, nletters = 0, runs = 0;
  int all_hex = 1, lower = 1;
  while (i + k < n && isal((unsigned char)s[i + k])) {
    unsigned char t = (unsigned char)s[i + k];
    if (isdigit(t)) nd++;
    else {
      nletters++;
      if (!islower(t)) lower = 0;
      if (isxdigit(t)) nhex_letters++;
      else all_hex = 0;
    }
    if (!k || !isdigit(t) != !isdigit((unsigned char)s[i + k - 1])) runs++;
    k++;
  }
  *len = k;
  if (all_hex && k >= 7 && nd && nhex_letters) return TOK_HEX;
  if (k >= 10 && nd >= 2 && nletters >= 2) return TOK_ID;
  if ((k == 12 || k == 25) && lower && nletters) {
    if (runs >= 3) return TOK_ID;
    if (after_task_slot(s, i) &&
        (i + k == n || (s[i + k] != '.' && s[i + k] != '-' && s[i + k] != '_')))
      return TOK_ID;
  }
  return TOK_NONE;
}

char *cf_fingerprint(const char *line, size_t len) {
  size_t n = len > CF_FINGERPRINT_MAX_INPUT ? CF_FINGERPRINT_MAX_INPUT : len;
  const char *s = line;
  cf_buf b = {0};
  cf_buf_append(&b, "", 0);
  int space = 0;
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (isspace(c)) {
      space = 1;
      i++;
      continue;
    }
    if (space && b.len) cf_buf_putc(&b, ' ');
    space = 0;
    if (c == '*') {
      size_t k = 0;
      while (i + k < n && s[i + k] == '*') k++;
      if (k >= 4) cf_buf_puts(&b, "<mask>");
      else cf_buf_append(&b, s + i, k);
      i += k;
      continue;
    }
    int boundary = i == 0 || !isal((unsigned char)s[i - 1]);
    if (boundary && isxdigit(c)) {
      size_t k;
      if ((k = hex0x_len(s, i, n))) {
        cf_buf_puts(&b, "<hex>");
        i += k;
        continue;
      }
      if (isdigit(c) && (k = ts_len(s, i, n))) {
        cf_buf_puts(&b, "<ts>");
        i += k;
        continue;
      }
      if ((k = uuid_len(s, i, n))) {
        cf_buf_puts(&b, "<uuid>");
        i += k;
        continue;
      }
      if (isdigit(c) && (k = ipv4_len(s, i, n))) {
        cf_buf_puts(&b, "<ip>");
        i += k;
        continue;
      }
      if ((k = ipv6_len(s, i, n))) {
        cf_buf_puts(&b, "<ip>");
        i += k;
        continue;
      }
    }
    if (boundary && c == ':' && i + 1 < n && s[i + 1] == ':') {
      size_t k = ipv6_len(s, i, n);
      if (k) {
        cf_buf_puts(&b, "<ip>");
        i += k;
        continue;
      }
    }
    if (boundary && isal(c)) {
      size_t k;
      int kind = token_kind(s, i, n, &k);
      if (kind) {
        cf_buf_puts(&b, kind == TOK_HEX ? "<hex>" : "<id>");
        i += k;
        continue;
      }
    }
    if (boundary && isdigit(c) && http_status_at(s, i, n)) {
      cf_buf_append(&b, s + i, 3);
      i += 3;
      continue;
    }
    if (isdigit(c)) {
      size_t k = digits(s, i, n, (size_t)-1);
      size_t t;
      /* a decimal, unless the part after the dot is a swarm id of its own:
       * the task id in "app.1.1d5x4969e7ht" */
      while (i + k + 1 < n && (s[i + k] == '.' || s[i + k] == ',') &&
             isdigit((unsigned char)s[i + k + 1]) &&
             !(token_kind(s, i + k + 1, n, &t) == TOK_ID && (t == 12 || t == 25)))
        k += 1 + digits(s, i + k + 1, n, (size_t)-1);
      cf_buf_putc(&b, '#');
      i += k;
      continue;
    }
    cf_buf_putc(&b, (char)c);
    i++;
  }
  return cf_buf_steal(&b);
}
