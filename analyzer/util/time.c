/*
 * time.c: ISO 8601 / Unix-seconds parsing and UTC formatting.
 * Hand-written because the forms are few and strptime cannot express the
 * optional parts (seconds, fraction, zone) without trial and error.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ciforensics/util.h"

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's
 * civil-from-days algorithm, inverted). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)(*p)[i])) return -1;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return 0;
}

static int days_in_month(int y, int m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 ? 28 + leap : dm[m - 1];
}

int cf_time_parse(const char *s, cf_time *out, int *no_zone) {
  if (no_zone) *no_zone = 0;
  if (!s) return -1;
  while (isspace((unsigned char)*s)) s++;
  size_t len = strlen(s);
  while (len && isspace((unsigned char)s[len - 1])) len--;
  if (!len || len > 64) return -1;
  char tmp[65];
  memcpy(tmp, s, len);
  tmp[len] = '\0';
  const char *p = tmp;

  /* Unix seconds: all digits (optionally signed / fractional). */
  {
    const char *q = p;
    if (*q == '-' || *q == '+') q++;
    int all = *q != '\0';
    for (const char *r = q; *r; r++)
      if (!isdigit((unsigned char)*r) && *r != '.') all = 0;
    if (all && strlen(q) != 8) { /* "20260613" is a date, not seconds */
      char *end;
      double v = strtod(p, &end);
      if (*end || v > 9e15 || v < -9e15) return -1;
      *out = (cf_time)v;
      return 0;
    }
  }

  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (digits(&p, 4, &y)) return -1;
  if (*p == '-') p++;
  if (digits(&p, 2, &mo)) return -1;
  if (*p == '-') p++;
  if (digits(&p, 2, &d)) return -1;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return -1;
  int has_time = 0;
  if (*p == 'T' || *p == 't' || *p == ' ') {
    p++;
    has_time = 1;
    if (digits(&p, 2, &h)) return -1;
    if (*p == ':') p++;
    if (digits(&p, 2, &mi)) return -1;
    if (*p == ':' || isdigit((unsigned char)*p)) {
      if (*p == ':') p++;
      if (digits(&p, 2, &sec)) return -1;
      if (*p == '.' || *p == ',') {
        p++;
        if (!isdigit((unsigned char)*p)) return -1;
        while (isdigit((unsigned char)*p)) p++;
      }
    }
    if (h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi || sec))) return -1;
  }
  int64_t offset = 0;
  if (*p == ' ') p++; /* "2021-03-07T10:36:56 UTC" */
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (!strcmp(p, "UTC") || !strcmp(p, "GMT")) {
    p += 3;
  } else if (*p == '+' || *p == '-') {
    int sign = *p == '-' ? -1 : 1, oh, om = 0;
    p++;
    if (digits(&p, 2, &oh)) return -1;
    if (*p == ':') p++;
    if (*p && digits(&p, 2, &om)) return -1;
    if (oh > 23 || om > 59) return -1;
    offset = sign * (oh * 3600 + om * 60);
  } else if (no_zone) {
    *no_zone = 1;
  }
  if (*p) return -1;
  (void)has_time;
  *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
         mi * 60 + sec - offset;
  return 0;
}

const char *cf_time_format(cf_time t, char *buf, size_t size) {
  if (t == CF_TIME_NONE) {
    snprintf(buf, size, "-");
    return buf;
  }
  time_t tt = (time_t)t;
  struct tm tm;
  if (!gmtime_r(&tt, &tm)) {
    snprintf(buf, size, "?");
    return buf;
  }
  strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
