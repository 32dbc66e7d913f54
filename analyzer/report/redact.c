/*
 * redact.c: find secrets in text by their context and replace them with
 * CF_REDACTED before anything is printed (DESIGN.md "Outputs").
 *
 * How it works: a cheap one-pass prefilter looks for trigger words
 * ("pass", "token", "://", "eyJ", ...) and picks which rules can possibly
 * match; only those run. Each rule is a PCRE2 pattern (8-bit byte mode, so
 * any bytes are fine, JIT-compiled once) whose capture marks the secret
 * value; a small C filter then drops obvious non-secrets (Drone's ******
 * masks, "[REDACTED]" itself, $VARIABLE references, true/false, tiny
 * numbers, commit-sha-like hex after a weak key name). PEM private key
 * blocks are found with a plain byte search. Every rule scans the whole text on its
 * own, in overlapping windows so no single PCRE2 call sees more than
 * CF_WINDOW bytes; the secret spans they report are sorted, merged and
 * replaced in one final copy. The number of merged spans is the count.
 *
 * Safety: every repeat in a pattern is bounded (a match is at most
 * CF_MAX_MATCH bytes long; key values are read in C, each byte once), a
 * match limit bounds the work of each call, and
 * a call that fails anyway (limit hit) makes its whole window redacted, so
 * hostile input can neither hang the tool nor smuggle a secret out.
 * docs/redaction.md is the user-facing list of what is and is not redacted.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/redact.h"
#include "ciforensics/util.h"

/* Window geometry: each regex call sees at most CF_WINDOW bytes; windows
 * overlap by CF_OVERLAP, which is more than the longest possible match, so
 * a match starting in a window's first CF_WINDOW - CF_OVERLAP bytes is seen
 * whole. */
#define CF_WINDOW (128u * 1024u)
#define CF_OVERLAP (16u * 1024u)
#define CF_MAX_MATCH (12u * 1024u) /* bound of every pattern below */
#define CF_REGEX_VALUE 8192u       /* the {1,8192} of the value captures */
#define CF_MATCH_LIMIT_DEFAULT 5000000u
#define CF_HEAP_LIMIT_KIB 65536u /* interpreter fallback when JIT is absent */

/* ---- the rules ---- */

enum {
  R_KV,     /* key name + separator + value */
  R_FLAG,   /* --password VALUE style command-line flags */
  R_DOCKER, /* docker login -p VALUE */
  R_MYSQL,  /* mysql -pVALUE */
  R_NETRC,  /* login USER password VALUE */
  R_HEADER, /* Authorization / Proxy-Authorization */
  R_COOKIE, /* Cookie / Set-Cookie */
  R_QUERY,  /* ?key= &sig= &signature= */
  R_URL,    /* scheme://user:pass@host */
  R_JWT,    /* eyJ... three base64url parts */
  R_SHAPE,  /* well-known token prefixes */
  R_COUNT,
  R_PEM = R_COUNT /* not a regex: found by find_pem */
};

/* PCRE2 text fragments. \x22 is ", \x27 is ', \x5c is \, \x60 is `;
 * writing them as escapes keeps the C strings readable. */

/* A command-line argument: quoted, or a word not starting with '-'. */
#define ARG                                                                 \
  "(?|\\x22([^\\x22\\r\\n]{1,8192}+)\\x22|\\x27([^\\x27\\r\\n]{1,8192}+)\\x27" \
  "|([^\\s\\x00-\\x1f\\x7f\\x5c\\x22\\x27\\x60;&|\\-][^\\s\\x00-\\x1f\\x7f\\x5c\\x22\\x27\\x60;&|]{0,8191}+))"

typedef struct {
  const char *pattern;
  uint32_t options;
  int value_group; /* capture holding the secret (0: whole match) */
  int weak_group;  /* capture set when the key is a weak one (0: none) */
} cf_rule;

/* Every "not after a word character" lookbehind also refuses ']': the
 * last byte of CF_REDACTED must not open a context that the redacted word
 * had closed, or a second pass would find more than the first. For the
 * same reason no unquoted value eats a control byte or a backslash (the
 * start of an escaped quote that parse_value stops at). */
static const cf_rule rules[R_COUNT] = {
    [R_KV] =
        {/* group 1: strong key word, group 2: weak key word (a *_KEY or
          * *_PASS suffix, or auth); the match ends where the value starts
          * and parse_value reads the value (its grammar needs escapes,
          * which bounded PCRE2 group repeats cannot express cheaply) */
         "(?:((?<!from_)secret|password|passwd|token|apikey|api[_-]key"
         "|secret[_-]?key|private[_-]?key|access[_-]?key|mysql_pwd)"
         "|((?<=[a-z0-9][_-])(?:key|pass)|(?<![a-z0-9\\]])_?auth))"
         "(?![a-z0-9_.-])"
         "(?:\\x5c?[\\x22\\x27])?[ \\t]{0,16}(?:=>|:=|=(?!=)|:(?!:|//))[ \\t]{0,16}",
         PCRE2_CASELESS, 0, 2},
    [R_FLAG] = {"(?<![a-z0-9\\]-])--(?:[a-z0-9]{1,32}-){0,4}"
                "(?:password|passwd|token|secret|api-?key|access-key|secret-key"
                "|private-key)[ \\t]{1,16}" ARG,
                PCRE2_CASELESS, 1, 0},
    [R_DOCKER] = {"(?<![a-z0-9_\\]])docker[ \\t]+login\\b[^\\r\\n]{0,256}?[ \\t](?-i:-p)"
                  "[ \\t=]{0,16}" ARG,
                  PCRE2_CASELESS, 1, 0},
    [R_MYSQL] = {"(?<![a-z0-9_\\]])(?:mysql|mysqladmin|mysqldump|mysqlcheck|mysqlimport"
                 "|mysqlshow|mysqlsh|mariadb|mariadb-admin|mariadb-dump)\\b"
                 "[^\\r\\n]{0,256}?[ \\t](?-i:-p)"
                 "(?|\\x22([^\\x22\\r\\n]{1,8192}+)\\x22"
                 "|\\x27([^\\x27\\r\\n]{1,8192}+)\\x27"
                 "|([^\\s\\x00-\\x1f\\x7f\\x5c\\x22\\x27\\x60;&|]{1,8192}+))",
                 PCRE2_CASELESS, 1, 0},
    [R_NETRC] = {"(?<![a-z0-9_\\]])login\\s{1,8}[^\\s\\x00-\\x1f\\x7f\\x5c]{1,256}+\\s{1,8}password\\s{1,8}"
                 "([^\\s\\x00-\\x1f\\x7f\\x5c]{1,8192}+)",
                 PCRE2_CASELESS, 1, 0},
    [R_HEADER] = {"(?<![a-z0-9\\]-])(?:proxy-)?authorization(?:\\x5c?[\\x22\\x27])?"
                  "[ \\t]{0,16}[:=][ \\t]{0,16}(?:\\x5c?[\\x22\\x27])?"
                  "(?:(?:bearer|basic|token|digest|negotiate|ntlm|bot|apikey"
                  "|aws4-hmac-sha256|hmac)[ \\t]{1,16})?"
                  "([^\\x00-\\x08\\x0a-\\x1f\\x7f\\x22\\x27\\x5c]{1,8192}+)",
                  PCRE2_CASELESS, 1, 0},
    [R_COOKIE] = {/* not after a word and a space: "Array cookie: ac" in an
                   * ASan report is no header */
                  "(?<![a-z0-9\\]-])(?<![a-z0-9\\]-][ \\t])(?:set-)?cookie(?:\\x5c?[\\x22\\x27])?"
                  "[ \\t]{0,16}:[ \\t]{0,16}(?:\\x5c?[\\x22\\x27])?"
                  "([^\\x00-\\x08\\x0a-\\x1f\\x7f\\x22\\x27\\x5c]{1,8192}+)",
                  PCRE2_CASELESS, 1, 0},
    [R_QUERY] = {"(?<=[?&])(?:(key)|sig|signature|x-amz-signature"
                 "|x-goog-signature)=([^\\s\\x00-\\x1f\\x7f\\x5c&#\\x22\\x27\\x60<>]{1,8192}+)",
                 PCRE2_CASELESS, 2, 1},
    [R_URL] = {/* group 1: user, group 2: password (greedy, so an '@' in an
                * unencoded password still ends at the last '@') */
               "(?<![a-z0-9\\]+.-])[a-z][a-z0-9+.-]{0,15}://"
               "([^\\s\\x00-\\x1f\\x7f\\x5c/?#@:\\x22\\x27\\x60<>]{0,256}+)"
               "(?::([^\\s\\x00-\\x1f\\x7f\\x5c/?#\\x22\\x27\\x60<>]{0,1024}))?@(?=[a-z0-9\\[])",
               PCRE2_CASELESS, 0, 0},
    [R_JWT] = {"(?<![A-Za-z0-9_\\]-])eyJ[A-Za-z0-9_-]{8,4096}+\\.[A-Za-z0-9_-]{8,4096}+"
               "\\.[A-Za-z0-9_-]{0,2048}+",
               0, 0, 0},
    [R_SHAPE] = {"(?<![A-Za-z0-9_\\]-])(?:gh[pousr]_[A-Za-z0-9]{36,1024}+"
                 "|github_pat_[A-Za-z0-9_]{22,1024}+"
                 "|glpat-[A-Za-z0-9_-]{20,1024}+"
                 "|xox[abposr]-[A-Za-z0-9-]{10,1024}+"
                 "|(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])"
                 "|sk-[A-Za-z0-9_-]{20,1024}+"
                 "|[rs]k_(?:live|test)_[A-Za-z0-9]{16,1024}+"
                 "|npm_[A-Za-z0-9]{36,1024}+"
                 "|AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-]))",
                 0, 0, 0},
};

/* Prefilter: a rule runs only if one of its trigger words (lower case,
 * matched case-insensitively) occurs in the text. */
#define BIT(r) (1u << (r))
static const struct {
  const char *word;
  unsigned rules;
} triggers[] = {
    {"pass", BIT(R_KV) | BIT(R_FLAG) | BIT(R_NETRC)},
    {"secret", BIT(R_KV) | BIT(R_FLAG)},
    {"token", BIT(R_KV) | BIT(R_FLAG)},
    {"key", BIT(R_KV) | BIT(R_FLAG) | BIT(R_QUERY)},
    {"auth", BIT(R_KV) | BIT(R_HEADER)},
    {"pwd", BIT(R_KV)},
    {"docker", BIT(R_DOCKER)},
    {"mysql", BIT(R_MYSQL)},
    {"maria", BIT(R_MYSQL)},
    {"cookie", BIT(R_COOKIE)},
    {"sig", BIT(R_QUERY)},
    {"://", BIT(R_URL)},
    {"eyj", BIT(R_JWT)},
    {"-----begin", BIT(R_PEM)},
    {"gh", BIT(R_SHAPE)},
    {"glpat-", BIT(R_SHAPE)},
    {"xox", BIT(R_SHAPE)},
    {"akia", BIT(R_SHAPE)},
    {"asia", BIT(R_SHAPE)},
    {"sk-", BIT(R_SHAPE)},
    {"sk_", BIT(R_SHAPE)},
    {"rk_", BIT(R_SHAPE)},
    {"npm_", BIT(R_SHAPE)},
    {"aiza", BIT(R_SHAPE)},
};
#define N_TRIGGERS (sizeof triggers / sizeof triggers[0])
#define ALL_RULES (BIT(R_PEM + 1) - 1u)

/* ---- compiled state (lazy, process-wide) ---- */

static struct {
  int ready;
  pcre2_code *code[R_COUNT];
  pcre2_match_data *md;
  pcre2_match_context *mctx;
  pcre2_jit_stack *jit_stack;
  uint32_t match_limit;
} st;

/* The patterns are constants: a compile failure is a bug, not bad input. */
static void compile_all(void) {
  for (int r = 0; r < R_COUNT; r++) {
    int code;
    PCRE2_SIZE off;
    st.code[r] = pcre2_compile((PCRE2_SPTR)rules[r].pattern, PCRE2_ZERO_TERMINATED,
                               rules[r].options, &code, &off, NULL);
    if (!st.code[r]) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(code, msg, sizeof msg);
      fprintf(stderr, "ciforensics: internal error: redact rule %d at %zu: %s\n",
              r, (size_t)off, (const char *)msg);
      abort();
    }
    /* Without JIT (unsupported platform) the interpreter still works. */
    (void)pcre2_jit_compile(st.code[r], PCRE2_JIT_COMPLETE);
  }
  st.md = pcre2_match_data_create(8, NULL);
  st.mctx = pcre2_match_context_create(NULL);
  st.jit_stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
  if (!st.md || !st.mctx || !st.jit_stack) {
    fputs("ciforensics: out of memory\n", stderr);
    abort();
  }
  pcre2_jit_stack_assign(st.mctx, NULL, st.jit_stack);
  pcre2_set_match_limit(st.mctx, st.match_limit ? st.match_limit
                                                 : CF_MATCH_LIMIT_DEFAULT);
  pcre2_set_heap_limit(st.mctx, CF_HEAP_LIMIT_KIB);
  st.ready = 1;
}

void cf_redact_cleanup(void) {
  for (int r = 0; r < R_COUNT; r++) {
    pcre2_code_free(st.code[r]);
    st.code[r] = NULL;
  }
  pcre2_match_data_free(st.md);
  pcre2_match_context_free(st.mctx);
  pcre2_jit_stack_free(st.jit_stack);
  st.md = NULL;
  st.mctx = NULL;
  st.jit_stack = NULL;
  st.ready = 0;
}

void cf_redact_set_match_limit(uint32_t limit) {
  st.match_limit = limit;
  if (st.ready)
    pcre2_set_match_limit(st.mctx, limit ? limit : CF_MATCH_LIMIT_DEFAULT);
}

/* ---- small byte helpers ---- */

static unsigned char lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static int is_alpha(unsigned char c) { return lower(c) >= 'a' && lower(c) <= 'z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_hexdig(unsigned char c) {
  return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

/* First occurrence of needle[0..k) in h[0..n), or NULL (memmem is a GNU
 * extension, not in the POSIX set this project builds with). */
static const char *find_bytes(const char *h, size_t n, const char *needle, size_t k) {
  if (k == 0 || k > n) return NULL;
  const char *p = h, *end = h + n - k + 1;
  while (p < end && (p = memchr(p, needle[0], (size_t)(end - p)))) {
    if (!memcmp(p, needle, k)) return p;
    p++;
  }
  return NULL;
}

/* Case-insensitive equality of v[0..n) with a lower-case word. */
static int ieq(const char *v, size_t n, const char *word) {
  size_t k = strlen(word);
  if (k != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower((unsigned char)v[i]) != (unsigned char)word[i]) return 0;
  return 1;
}

/* Which rules have a trigger word in the text. One pass; stops early once
 * every rule is wanted. */
static unsigned prefilter(const unsigned char *t, size_t n) {
  unsigned found = 0;
  for (size_t i = 0; i < n && found != ALL_RULES; i++) {
    unsigned char c = lower(t[i]);
    if (!(c == '-' || c == ':' || (c >= 'a' && c <= 'z'))) continue;
    for (size_t k = 0; k < N_TRIGGERS; k++) {
      const char *w = triggers[k].word;
      if ((unsigned char)w[0] != c || (found & triggers[k].rules) == triggers[k].rules)
        continue;
      size_t j = 1;
      while (w[j] && i + j < n && lower(t[i + j]) == (unsigned char)w[j]) j++;
      if (!w[j]) found |= triggers[k].rules;
    }
  }
  return found;
}

/* ---- what is not a secret ---- */

/* A value that is a reference or placeholder rather than a secret: empty,
 * Drone's ****** mask, our own marker, $VAR / ${VAR} / $(cmd) / {{ x }} /
 * %VAR%, a boolean or null word, a YAML block indicator, a number of at
 * most three digits; after a weak key (*_KEY, *_PASS, auth, ?key=) also
 * hex shaped like a commit sha (7-12 or 40 digits). */
static int value_is_benign(const char *v, size_t n, int weak) {
  static const char *const words[] = {"true", "false", "yes", "no", "null",
                                      "nil", "none", "undefined", "<nil>",
                                      "<none>", "|", "|-", ">", ">-", "~"};
  if (n == 0) return 1;
  size_t stars = 0;
  while (stars < n && v[stars] == '*') stars++;
  if (stars == n) return 1;
  /* Our own marker, also with more after it: a first pass left that text
   * outside every secret, so a second pass must leave it too. */
  if (n >= strlen(CF_REDACTED) && !memcmp(v, CF_REDACTED, strlen(CF_REDACTED))) return 1;
  if (ieq(v, n, "[secure]")) return 1; /* Travis CI's mask */
  /* <placeholder> in usage text: --rule-key=<ruleKey> */
  if (n >= 3 && v[0] == '<' && v[n - 1] == '>' && !memchr(v + 1, '<', n - 2)) return 1;
  /* An UPPER_SNAKE name is the name of a variable, not its value:
   * "server-password: GITHUB_TOKEN" */
  if (n >= 3 && v[0] >= 'A' && v[0] <= 'Z' && memchr(v, '_', n)) {
    size_t i = 0;
    while (i < n && ((v[i] >= 'A' && v[i] <= 'Z') || is_digit((unsigned char)v[i]) || v[i] == '_'))
      i++;
    if (i == n) return 1;
  }
  if (v[0] == '$') {
    /* ${VAR}, ${{ secrets.X }}, $(cat /run/secrets/x): the secret is not
     * in the text (an unquoted value may stop inside them at a space) */
    if (n >= 2 && (v[1] == '{' || v[1] == '(')) return 1;
    size_t i = 1;
    while (i < n && (is_alpha((unsigned char)v[i]) || is_digit((unsigned char)v[i]) || v[i] == '_'))
      i++;
    if (i == n && n > 1 && !is_digit((unsigned char)v[1])) return 1;
  }
  if (n >= 4 && v[0] == '{' && v[1] == '{' && v[n - 2] == '}' && v[n - 1] == '}') return 1;
  if (n >= 3 && v[0] == '%' && v[n - 1] == '%') {
    size_t i = 1;
    while (i < n - 1 && (is_alpha((unsigned char)v[i]) || is_digit((unsigned char)v[i]) || v[i] == '_'))
      i++;
    if (i == n - 1) return 1;
  }
  for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
    if (ieq(v, n, words[k])) return 1;
  size_t d = 0;
  while (d < n && is_digit((unsigned char)v[d])) d++;
  if (d == n && n <= 3) return 1;
  if (weak && ((n >= 7 && n <= 12) || n == 40)) {
    size_t h = 0;
    while (h < n && is_hexdig((unsigned char)v[h])) h++;
    if (h == n) return 1;
  }
  return 0;
}

/* An English word after "--password " in prose ("Using --password via the
 * CLI is insecure", docker's own warning) is no value. */
static int is_prose_word(const char *v, size_t n) {
  static const char *const words[] = {
      "via", "is", "was", "are", "and", "or", "the", "to", "of", "for", "with",
      "from", "on", "in", "flag", "option", "argument", "must", "should", "not",
      "instead", "only", "has", "be", "can", "cannot", "will", "when", "if"};
  for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
    if (ieq(v, n, words[k])) return 1;
  return 0;
}

/* "3306:3306" (digits, dots, at least one colon): what follows -p in
 * `docker run -p3306:3306 ... mysql`, a port mapping and no password. */
static int is_port_mapping(const char *v, size_t n) {
  int colon = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] == ':') colon = 1;
    else if (!is_digit((unsigned char)v[i]) && v[i] != '.') return 0;
  }
  return colon;
}

/* Shorten an unquoted value by the closing brackets at its end that it
 * never opened: in "{Password:abc}" or "map[Authorization:[Bearer x]]" the
 * brackets belong to the surrounding text. */
static size_t trim_closers(const char *v, size_t n) {
  static const char open[] = "([{<", close[] = ")]}>";
  int bal[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    const char *o = memchr(open, v[i], 4), *c = memchr(close, v[i], 4);
    if (o) bal[o - open]++;
    if (c) bal[c - close]--;
  }
  while (n > 0) {
    const char *c = memchr(close, v[n - 1], 4);
    if (!c || bal[c - close] >= 0) break;
    bal[c - close]++;
    n--;
  }
  return n;
}

/* A user name in a URL that is really a token (https://TOKEN@host): at
 * least 20 characters of [A-Za-z0-9_-] with both letters and digits. Plain
 * user names (git, deploy, ci-bot, first.last) stay. */
static int looks_like_token(const char *v, size_t n) {
  int letters = 0, digits = 0;
  if (n < 20) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if (is_alpha(c)) letters = 1;
    else if (is_digit(c)) digits = 1;
    else if (c != '_' && c != '-') return 0;
  }
  return letters && digits;
}

/* Is position k inside the userinfo of a URL ("scheme://...k...@")? Then a
 * key-looking word there (https://x-access-token:...@) is the URL rule's
 * business, and the key rule must not swallow the host. Userinfo ends at an
 * '@': without one ahead, "x=://;PASSWD=u" is no URL, and skipping the key
 * there left it for a later pass to find once "://" was redacted (one key
 * per pass along a chain; found by fuzz_redact). */
static int in_url_userinfo(const char *t, size_t n, size_t k) {
  static const char ok[] = "._~%!$'()*+,;=-[]"; /* [] for CF_REDACTED */
  size_t i = k, steps = 0;
  while (i > 0 && steps < 256) {
    unsigned char c = (unsigned char)t[i - 1];
    if (!(is_alpha(c) || is_digit(c) || (c && strchr(ok, c)))) break;
    i--;
    steps++;
  }
  if (!(i >= 3 && t[i - 1] == '/' && t[i - 2] == '/' && t[i - 3] == ':')) return 0;
  /* forward to the '@', not past the end of the authority; lenient inside
   * it ("token:ghp_<id>@" in a fingerprint is still userinfo) */
  for (size_t j = k; j < n && j - k < 256; j++) {
    unsigned char c = (unsigned char)t[j];
    if (c == '@') return 1;
    if (c <= ' ' || c == 0x7f || (strchr("/?#\"'\\`", c))) break;
  }
  return 0;
}

/* The value after a key, starting at p: a quoted string whole (JSON
 * escapes honoured; also the \"...\" of JSON inside a JSON string), or an
 * unquoted word up to whitespace or another control byte (an ANSI colour
 * escape), a quote, '&', ',' or ';'. A quote left
 * open on its line gives the word after it. At most CF_MAX_VALUE bytes.
 * Linear overall: a failed quote scan stops at the next same quote, which
 * is where the next key's value opens, and the search resumes after the
 * value. */
#define CF_MAX_VALUE (1024u * 1024u)
static void parse_value(const char *t, size_t n, size_t p, size_t *vs,
                        size_t *ve, int *quoted) {
  size_t lim = n - p > CF_MAX_VALUE ? p + CF_MAX_VALUE : n;
  *quoted = 0;
  if (p < n && (t[p] == '"' || t[p] == '\'' || t[p] == '`')) {
    char q = t[p];
    size_t i = p + 1;
    while (i < lim && t[i] != q && t[i] != '\n' && t[i] != '\r')
      i += (q == '"' && t[i] == '\\' && i + 1 < lim && t[i + 1] != '\n') ? 2 : 1;
    if (i < lim && t[i] == q) {
      *vs = p + 1, *ve = i, *quoted = 1;
      return;
    }
    p++;
  } else if (p + 1 < n && t[p] == '\\' && (t[p + 1] == '"' || t[p + 1] == '\'')) {
    char q = t[p + 1];
    size_t i = p + 2;
    while (i + 1 < lim && !(t[i] == '\\' && t[i + 1] == q) && t[i] != '\n' && t[i] != '\r')
      i++;
    if (i + 1 < lim && t[i] == '\\' && t[i + 1] == q) {
      *vs = p + 2, *ve = i, *quoted = 1;
      return;
    }
    p += 2;
  }
  size_t i = p;
  while (i < lim) {
    unsigned char c = (unsigned char)t[i];
    if (c < 0x20 || c == 0x7f || c == ' ' || strchr("\"'`&,;", c)) break;
    if (c == '\\' && i + 1 < n && t[i + 1] && strchr("\"'`", t[i + 1])) break;
    i++;
  }
  *vs = p < i ? p : i;
  *ve = i;
}

/* ---- spans ---- */

typedef struct {
  size_t start, end; /* [start, end) of the input */
} cf_span;

typedef struct {
  cf_span *v;
  size_t n, cap;
} cf_spans;

static void add_span(cf_spans *s, size_t start, size_t end) {
  if (end <= start) return;
  cf_span sp = {start, end};
  CF_PUSH(s->v, s->n, s->cap, sp);
}

static int span_cmp(const void *a, const void *b) {
  const cf_span *x = a, *y = b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  return 0;
}

/* Sort and merge overlapping or touching spans in place. */
static void merge_spans(cf_spans *s) {
  if (s->n < 2) return;
  qsort(s->v, s->n, sizeof *s->v, span_cmp);
  size_t w = 0;
  for (size_t i = 1; i < s->n; i++) {
    if (s->v[i].start <= s->v[w].end) {
      if (s->v[i].end > s->v[w].end) s->v[w].end = s->v[i].end;
    } else {
      s->v[++w] = s->v[i];
    }
  }
  s->n = w + 1;
}

/* ---- applying one rule ---- */

/* Record the secret of one match of rule r (ovector from st.md). Returns
 * where the search goes on: after the match, or after the value that
 * parse_value read (so a long value is scanned once, not once per key-like
 * word inside it). */
static size_t take_match(int r, const char *t, size_t n, const PCRE2_SIZE *ov,
                         int rc, cf_spans *out) {
  size_t next = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
  if (r == R_URL) {
    int has_pass = rc > 2 && ov[4] != PCRE2_UNSET;
    if (has_pass) {
      if (!value_is_benign(t + ov[4], ov[5] - ov[4], 0)) add_span(out, ov[4], ov[5]);
    } else if (looks_like_token(t + ov[2], ov[3] - ov[2])) {
      add_span(out, ov[2], ov[3]);
    }
    return next;
  }
  int g = rules[r].value_group;
  int wg = rules[r].weak_group;
  int weak = wg && wg < rc && ov[2 * wg] != PCRE2_UNSET;
  size_t vs, ve;
  int quoted = 0;
  if (r == R_KV) {
    if (in_url_userinfo(t, n, ov[0])) return next;
    /* A weak key glued to ':' and its value ("elixir_erl_pass:translate/2",
     * an Erlang module:function) is no key; a quoted one ("db_pass":"x")
     * is. */
    if (weak && t[ov[1] - 1] == ':' && ov[1] >= 2 && t[ov[1] - 2] != '"' && t[ov[1] - 2] != '\'')
      return next;
    parse_value(t, n, ov[1], &vs, &ve, &quoted);
    if (ve + (size_t)quoted > next) next = ve + (size_t)quoted;
  } else {
    if (g >= rc || ov[2 * g] == PCRE2_UNSET) return next;
    vs = ov[2 * g], ve = ov[2 * g + 1];
    quoted = g > 0 && vs > 0 && t[vs - 1] && strchr("\"'`", t[vs - 1]) && ve < n &&
             t[ve] == t[vs - 1];
  }
  if (r != R_KV && g > 0 && ve - vs >= CF_REGEX_VALUE) {
    /* The pattern stops a value at CF_REGEX_VALUE bytes; read the rest of
     * a longer one here rather than leak its tail. */
    int header = r == R_HEADER || r == R_COOKIE;
    while (ve < n && vs + CF_MAX_VALUE > ve) {
      unsigned char c = (unsigned char)t[ve];
      if (c < 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '\\') break;
      if (!header && (c == ' ' || c == '&' || c == '`' || c == ';')) break;
      ve++;
    }
    if (ve > next) next = ve; /* each byte is read once */
  }
  if (r == R_KV || g > 0) {
    if (r == R_HEADER || r == R_COOKIE)
      while (ve > vs && (t[ve - 1] == ' ' || t[ve - 1] == '\t')) ve--;
    if (!quoted) ve = vs + trim_closers(t + vs, ve - vs);
    if (value_is_benign(t + vs, ve - vs, weak)) return next;
    /* "-p3306:3306" after mysql on a docker line is a port mapping. */
    if (r == R_MYSQL && is_port_mapping(t + vs, ve - vs)) return next;
    if ((r == R_FLAG || r == R_NETRC) && is_prose_word(t + vs, ve - vs)) return next;
  }
  add_span(out, vs, ve);
  return next;
}

/* Run rule r over t[0..n) window by window. A matcher failure (match
 * limit hit) marks the failing window as secret. */
static void run_rule(int r, const char *t, size_t n, cf_spans *out) {
  pcre2_code *code = st.code[r];
  const size_t step = CF_WINDOW - CF_OVERLAP;
  size_t off = 0; /* never moves back: a value read past a window is done */
  for (size_t ws = 0; ws < n; ws += step) {
    size_t we = n - ws > CF_WINDOW ? ws + CF_WINDOW : n;
    size_t core_end = we == n ? n : ws + step;
    if (off < ws) off = ws;
    while (off < core_end) {
      int rc = pcre2_match(code, (PCRE2_SPTR)t, we, off, 0, st.md, st.mctx);
      if (rc == PCRE2_ERROR_NOMATCH) break;
      if (rc < 0) {
        /* Limit hit or matcher failure: fail closed on this window. */
        add_span(out, ws, we);
        break;
      }
      const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(st.md);
      if (ov[0] >= core_end) break;
      off = take_match(r, t, n, ov, rc, out);
    }
    if (we == n) break;
  }
}

/* PEM private key blocks: the body between "-----BEGIN ... PRIVATE KEY-----"
 * and "-----END", or to the end of the text when the END line was cut
 * off. The BEGIN and END lines stay (they say what kind of key it was). */
static void find_pem(const char *t, size_t n, cf_spans *out) {
  static const char begin[] = "-----BEGIN ", endm[] = "-----END";
  size_t p = 0;
  while (p < n) {
    const char *b = find_bytes(t + p, n - p, begin, sizeof begin - 1);
    if (!b) break;
    size_t lab = (size_t)(b - t) + sizeof begin - 1, i = lab;
    while (i < n && i - lab < 64 &&
           ((t[i] >= 'A' && t[i] <= 'Z') || is_digit((unsigned char)t[i]) || t[i] == ' '))
      i++;
    p = lab;
    if (i + 5 > n || memcmp(t + i, "-----", 5) != 0) continue;
    if (!find_bytes(t + lab, i - lab, "PRIVATE KEY", 11)) continue;
    size_t body = i + 5;
    const char *e = find_bytes(t + body, n - body, endm, sizeof endm - 1);
    size_t body_end = e ? (size_t)(e - t) : n;
    p = e ? body_end + sizeof endm - 1 : n;
    /* Keep the surrounding line breaks, real or JSON-escaped. */
    size_t s = body, f = body_end;
    for (;;) {
      if (s < f && strchr(" \t\r\n", t[s]) && t[s]) s++;
      else if (s + 1 < f && t[s] == '\\' && strchr("nrt", t[s + 1]) && t[s + 1]) s += 2;
      else break;
    }
    for (;;) {
      if (f > s && strchr(" \t\r\n", t[f - 1]) && t[f - 1]) f--;
      else if (f >= s + 2 && t[f - 2] == '\\' && strchr("nrt", t[f - 1]) && t[f - 1]) f -= 2;
      else break;
    }
    if (!value_is_benign(t + s, f - s, 0)) add_span(out, s, f);
  }
}

/* ---- public ---- */

/* One pass: every rule over text, spans merged and replaced. */
static char *redact_pass(const char *text, size_t len, size_t *out_len,
                         size_t *n_found) {
  unsigned want = prefilter((const unsigned char *)text, len);
  cf_spans spans = {0};
  if (want) {
    if (!st.ready) compile_all();
    for (int r = 0; r < R_COUNT; r++)
      if (want & BIT(r)) run_rule(r, text, len, &spans);
    if (want & BIT(R_PEM)) find_pem(text, len, &spans);
    merge_spans(&spans);
  }
  cf_buf b = {0};
  size_t at = 0;
  for (size_t i = 0; i < spans.n; i++) {
    cf_buf_append(&b, text + at, spans.v[i].start - at);
    cf_buf_append(&b, CF_REDACTED, sizeof CF_REDACTED - 1);
    at = spans.v[i].end;
  }
  cf_buf_append(&b, text + at, len - at);
  *n_found = spans.n;
  *out_len = b.len;
  free(spans.v);
  return cf_buf_steal(&b);
}

/* Passes until nothing changes, at most CF_MAX_PASSES: a replacement can
 * create the context for another secret (a PEM body that swallowed a line
 * break closes a quote left open before it), and the output must be final:
 * redacting it again finds nothing. */
#define CF_MAX_PASSES 8
char *cf_redact_mem(const char *text, size_t len, size_t *out_len,
                    size_t *n_found) {
  if (n_found) *n_found = 0;
  if (out_len) *out_len = 0;
  if (!text) return NULL;
  size_t olen = 0, n = 0, total = 0;
  char *out = redact_pass(text, len, &olen, &n);
  /* A pass that changed nothing has reached the fixed point, whatever it
   * counted (a span can be "replaced" by identical text); counting it would
   * make a second redaction report secrets the first left in place (found
   * by fuzz_redact). */
  if (olen == len && !memcmp(out, text, len)) n = 0;
  total = n;
  for (int pass = 1; pass < CF_MAX_PASSES && n > 0; pass++) {
    size_t len2 = 0;
    char *again = redact_pass(out, olen, &len2, &n);
    if (len2 == olen && !memcmp(again, out, olen)) n = 0;
    free(out);
    out = again;
    olen = len2;
    total += n;
  }
  if (n_found) *n_found = total;
  if (out_len) *out_len = olen;
  return out;
}

char *cf_redact_n(const char *text, size_t len, size_t *n_found) {
  return cf_redact_mem(text, len, NULL, n_found);
}

char *cf_redact(const char *text, size_t *n_found) {
  if (!text) {
    if (n_found) *n_found = 0;
    return NULL;
  }
  return cf_redact_mem(text, strlen(text), NULL, n_found);
}
