/*
 * load.c: reads external host-load samples (CSV, or a Prometheus
 * range-query JSON export through cJSON) and the machine map, and answers
 * "what was the load on machine M at time t" (contracts in load.h).
 *
 * Both readers feed one collector that interns machine names (a hostile
 * file with many machines must not make lookups quadratic), then groups
 * the samples into one time-sorted series per machine.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ciforensics/load.h"
#include "ciforensics/stats.h"

/* ------------------------------------------------------------- helpers */

/* Trim spaces in place. */
static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
  return s;
}

/* A trimmed CSV field without one pair of surrounding double quotes. */
static char *field_text(char *s) {
  s = trim(s);
  size_t n = strlen(s);
  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
    s[n - 1] = '\0';
    s = trim(s + 1);
  }
  return s;
}

static int line_of(const char *data, const char *at) {
  int line = 1;
  for (const char *p = data; p < at; p++)
    if (*p == '\n') line++;
  return line;
}

/* Parse a whole string as a double; 0 or -1. */
static int parse_double(const char *s, double *out) {
  if (!*s) return -1;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (*end || errno == ERANGE) return -1;
  *out = v;
  return 0;
}

static void warn(cf_load *l, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn(cf_load *l, size_t *cap, const char *fmt, ...) {
  cf_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  cf_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  CF_PUSH(l->warnings, l->n_warnings, *cap, cf_buf_steal(&b));
}

char *cf_instance_host(const char *instance) {
  size_t n = strlen(instance);
  if (instance[0] == '[') { /* [v6-address]:port */
    const char *close = strchr(instance, ']');
    if (close) return cf_xstrndup(instance + 1, (size_t)(close - instance - 1));
  }
  const char *colon = strrchr(instance, ':');
  if (!colon || colon == instance || colon[1] == '\0' ||
      strchr(instance, ':') != colon) /* a bare IPv6 address has no port */
    return cf_xstrndup(instance, n);
  for (const char *p = colon + 1; *p; p++)
    if (!isdigit((unsigned char)*p)) return cf_xstrndup(instance, n);
  return cf_xstrndup(instance, (size_t)(colon - instance));
}

/* --------------------------------------------------------- machine map */

void cf_machine_map_free(cf_machine_map *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n; i++) {
    free(m->instances[i]);
    free(m->machines[i]);
  }
  free(m->instances);
  free(m->machines);
  free(m->lines);
  free(m->path);
  memset(m, 0, sizeof *m);
}

int cf_machine_map_load_mem(const char *data, size_t len, const char *name,
                            cf_machine_map *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  out->path = cf_xstrdup(name);
  if (len > CF_MACHINE_MAP_MAX_BYTES) {
    cf_err_set(err, "%s: larger than the %u-byte limit", name,
               CF_MACHINE_MAP_MAX_BYTES);
    cf_machine_map_free(out);
    return -1;
  }
  if (memchr(data, '\0', len)) {
    cf_err_set(err, "%s:%d: contains a NUL byte (not a text file)", name,
               line_of(data, memchr(data, '\0', len)));
    cf_machine_map_free(out);
    return -1;
  }
  char *text = cf_xstrndup(data, len);
  size_t cap_i = 0, cap_m = 0, cap_l = 0;
  int rc = 0, line = 0;
  for (char *p = text; p && !rc; line++) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    char *s = p;
    p = nl ? nl + 1 : NULL;
    char *hash = strchr(s, '#');
    if (hash) *hash = '\0';
    char *save = NULL, *inst = strtok_r(s, " \t\r", &save);
    if (!inst) continue;
    char *mach = strtok_r(NULL, " \t\r", &save);
    if (!mach || strtok_r(NULL, " \t\r", &save)) {
      rc = cf_err_set(err, "%s:%d: expected 'instance machine'", name,
                      line + 1);
      break;
    }
    for (size_t i = 0; i < out->n; i++)
      if (!strcmp(out->instances[i], inst)) {
        rc = cf_err_set(err, "%s:%d: instance '%s' is already mapped on line %d",
                        name, line + 1, inst, out->lines[i]);
        break;
      }
    if (rc) break;
    if (out->n == CF_MACHINE_MAP_MAX_ENTRIES) {
      rc = cf_err_set(err, "%s:%d: more than %d entries", name, line + 1,
                      CF_MACHINE_MAP_MAX_ENTRIES);
      break;
    }
    size_t n = out->n;
    CF_PUSH(out->instances, n, cap_i, cf_xstrdup(inst));
    n = out->n;
    CF_PUSH(out->machines, n, cap_m, cf_xstrdup(mach));
    n = out->n;
    CF_PUSH(out->lines, n, cap_l, line + 1);
    out->n = n;
  }
  free(text);
  if (rc) cf_machine_map_free(out);
  return rc;
}

int cf_machine_map_load(const char *path, cf_machine_map *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  char *data;
  size_t len;
  if (cf_read_file(path, CF_MACHINE_MAP_MAX_BYTES, &data, &len, err))
    return -1;
  int rc = cf_machine_map_load_mem(data, len, path, out, err);
  free(data);
  return rc;
}

const char *cf_machine_map_lookup(const cf_machine_map *m,
                                  const char *instance) {
  if (!m) return NULL;
  for (size_t i = 0; i < m->n; i++)
    if (!strcmp(m->instances[i], instance)) return m->machines[i];
  char *host = cf_instance_host(instance);
  const char *found = NULL;
  for (size_t i = 0; i < m->n && !found; i++)
    if (!strcmp(m->instances[i], host)) found = m->machines[i];
  free(host);
  return found;
}

/* ----------------------------------------------------------- collector */

typedef struct raw_sample {
  cf_time t;
  double v;
  long machine; /* index into names; -1 = every machine */
  size_t seq;   /* input order, for stable sorting */
} raw_sample;

typedef struct collector {
  raw_sample *s;
  size_t n, cap;
  char **names;   /* interned machine names, first-seen order */
  size_t *sorted; /* indices of names, sorted by name */
  size_t n_names, cap_names, cap_sorted;
} collector;

static void collector_free(collector *c) {
  for (size_t i = 0; i < c->n_names; i++) free(c->names[i]);
  free(c->names);
  free(c->sorted);
  free(c->s);
}

/* Index of machine name m, added if new; -1 when the series limit is hit. */
static long intern(collector *c, const char *m) {
  size_t lo = 0, hi = c->n_names;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int cmp = strcmp(c->names[c->sorted[mid]], m);
    if (!cmp) return (long)c->sorted[mid];
    if (cmp < 0) lo = mid + 1;
    else hi = mid;
  }
  if (c->n_names >= CF_LOAD_MAX_SERIES) return -1;
  size_t idx = c->n_names, n = c->n_names;
  CF_PUSH(c->names, n, c->cap_names, cf_xstrdup(m));
  n = c->n_names;
  CF_PUSH(c->sorted, n, c->cap_sorted, 0);
  memmove(c->sorted + lo + 1, c->sorted + lo, (idx - lo) * sizeof *c->sorted);
  c->sorted[lo] = idx;
  c->n_names++;
  return (long)idx;
}

static int raw_cmp(const void *pa, const void *pb) {
  const raw_sample *a = pa, *b = pb;
  if (a->t != b->t) return a->t < b->t ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Turn the collected samples into l->series: the every-machine series
 * first, then machines by name, each ascending in time. */
static void collector_finish(collector *c, cf_load *l) {
  size_t groups = c->n_names + 1; /* slot 0: every machine */
  size_t *count = cf_xcalloc(groups, sizeof *count);
  for (size_t i = 0; i < c->n; i++) count[c->s[i].machine + 1]++;
  /* output order of groups: 0, then names in sorted order */
  size_t *order = cf_xmalloc(groups * sizeof *order);
  order[0] = 0;
  for (size_t i = 0; i < c->n_names; i++) order[i + 1] = c->sorted[i] + 1;
  l->series = cf_xcalloc(groups, sizeof *l->series);
  size_t *slot = cf_xmalloc(groups * sizeof *slot); /* group -> series */
  for (size_t k = 0; k < groups; k++) {
    size_t g = order[k];
    slot[g] = (size_t)-1;
    if (!count[g]) continue;
    cf_load_series *s = &l->series[l->n_series];
    s->machine = g ? cf_xstrdup(c->names[g - 1]) : NULL;
    s->samples = cf_xmalloc(count[g] * sizeof *s->samples);
    slot[g] = l->n_series++;
  }
  /* raw samples sorted by time then input order, dealt into series */
  if (c->n) qsort(c->s, c->n, sizeof *c->s, raw_cmp);
  for (size_t i = 0; i < c->n; i++) {
    cf_load_series *s = &l->series[slot[c->s[i].machine + 1]];
    s->samples[s->n++] = (cf_load_sample){c->s[i].t, c->s[i].v};
  }
  free(slot);
  free(order);
  free(count);
}

static int add_sample(collector *c, cf_time t, double v, long machine) {
  if (c->n >= CF_LOAD_MAX_SAMPLES) return -1;
  raw_sample r = {t, v, machine, c->n};
  CF_PUSH(c->s, c->n, c->cap, r);
  return 0;
}

/* The machine index for a name or instance as written in the file. */
static long machine_of(collector *c, const cf_machine_map *map,
                       const char *written, int *unmapped) {
  const char *m = cf_machine_map_lookup(map, written);
  if (unmapped) *unmapped = map && !m;
  if (m) return intern(c, m);
  char *host = cf_instance_host(written);
  long idx = intern(c, host);
  free(host);
  return idx;
}

/* ----------------------------------------------------------------- CSV */

int cf_load_parse_csv(const char *data, size_t len, const char *name,
                      const cf_machine_map *map, cf_load *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  out->path = cf_xstrdup(name);
  out->format = "csv";
  if (len > CF_LOAD_MAX_BYTES) {
    cf_err_set(err, "%s: larger than the %u-byte limit", name,
               CF_LOAD_MAX_BYTES);
    cf_load_free(out);
    return -1;
  }
  if (memchr(data, '\0', len)) {
    cf_err_set(err, "%s:%d: contains a NUL byte (not a text file)", name,
               line_of(data, memchr(data, '\0', len)));
    cf_load_free(out);
    return -1;
  }
  char *text = cf_xstrndup(data, len);
  collector c = {0};
  size_t warn_cap = 0;
  int rc = 0, line = 0, seen_row = 0, warned_zone = 0;
  for (char *p = text; p && !rc;) {
    line++;
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    char *s = trim(p);
    p = nl ? nl + 1 : NULL;
    if (!*s || *s == '#') continue;
    char *field[4];
    int nf = 0;
    for (char *f = s; f && nf < 4;) {
      char *comma = strchr(f, ',');
      if (comma) *comma = '\0';
      field[nf++] = field_text(f);
      f = comma ? comma + 1 : NULL;
    }
    if (nf < 2 || nf > 3) {
      rc = cf_err_set(err, "%s:%d: expected time,value[,machine] (%s fields)",
                      name, line, nf < 2 ? "too few" : "too many");
      break;
    }
    cf_time t;
    double v;
    int no_zone = 0;
    int t_ok = !cf_time_parse(field[0], &t, &no_zone);
    int v_ok = !parse_double(field[1], &v);
    if (!seen_row++ && !t_ok && !v_ok) continue; /* the header */
    if (!t_ok) {
      rc = cf_err_set(err,
                      "%s:%d: bad time '%s' (expected ISO 8601 with Z or an "
                      "offset, or Unix seconds)",
                      name, line, field[0]);
      break;
    }
    if (!v_ok || !isfinite(v)) {
      rc = cf_err_set(err, "%s:%d: bad value '%s' (expected a finite number)",
                      name, line, field[1]);
      break;
    }
    if (no_zone && !warned_zone++)
      warn(out, &warn_cap,
           "%s:%d: time '%s' names no zone; it and any like it are taken as "
           "UTC",
           name, line, field[0]);
    long m = -1;
    if (nf == 3 && *field[2]) {
      m = machine_of(&c, map, field[2], NULL);
      if (m < 0) {
        rc = cf_err_set(err, "%s:%d: more than %d machines", name, line,
                        CF_LOAD_MAX_SERIES);
        break;
      }
    }
    if (add_sample(&c, t, v, m))
      rc = cf_err_set(err, "%s:%d: more than %d samples", name, line,
                      CF_LOAD_MAX_SAMPLES);
  }
  free(text);
  if (!rc) collector_finish(&c, out);
  collector_free(&c);
  if (rc) cf_load_free(out);
  return rc;
}

/* ---------------------------------------------------------- Prometheus */

/* Prometheus writes non-finite samples as these strings. */
static int non_finite_text(const char *s) {
  return !strcmp(s, "NaN") || !strcmp(s, "+Inf") || !strcmp(s, "-Inf") ||
         !strcmp(s, "Inf");
}

static int prom_series(const cJSON *res, size_t i, const char *name,
                       const cf_machine_map *map, collector *c, cf_load *out,
                       size_t *warn_cap, cf_err *err) {
  if (!cJSON_IsObject(res))
    return cf_err_set(err, "%s: data.result[%zu]: expected an object", name, i);
  const cJSON *metric = cJSON_GetObjectItemCaseSensitive(res, "metric");
  if (metric && !cJSON_IsObject(metric))
    return cf_err_set(err, "%s: data.result[%zu].metric: expected an object",
                      name, i);
  const cJSON *inst = cJSON_GetObjectItemCaseSensitive(metric, "instance");
  if (inst && !cJSON_IsString(inst))
    return cf_err_set(err,
                      "%s: data.result[%zu].metric.instance: expected a string",
                      name, i);
  long m = -1;
  if (inst) {
    int unmapped = 0;
    m = machine_of(c, map, inst->valuestring, &unmapped);
    if (m < 0)
      return cf_err_set(err, "%s: data.result[%zu]: more than %d machines",
                        name, i, CF_LOAD_MAX_SERIES);
    if (unmapped)
      warn(out, warn_cap,
           "%s: data.result[%zu]: instance '%s' is not in the machine map "
           "%s; taken as machine '%s'",
           name, i, inst->valuestring, map->path, c->names[m]);
  }
  const cJSON *values = cJSON_GetObjectItemCaseSensitive(res, "values");
  if (!cJSON_IsArray(values))
    return cf_err_set(err, "%s: data.result[%zu].values: expected an array",
                      name, i);
  size_t j = 0, skipped = 0;
  for (const cJSON *pair = values->child; pair; pair = pair->next, j++) {
    if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2)
      return cf_err_set(err,
                        "%s: data.result[%zu].values[%zu]: expected "
                        "[time, \"value\"]",
                        name, i, j);
    const cJSON *ts = pair->child, *val = pair->child->next;
    if (!cJSON_IsNumber(ts) || !(fabs(ts->valuedouble) < 1e13))
      return cf_err_set(err,
                        "%s: data.result[%zu].values[%zu][0]: expected Unix "
                        "seconds",
                        name, i, j);
    double v;
    if (cJSON_IsString(val)) {
      if (non_finite_text(val->valuestring)) {
        skipped++;
        continue;
      }
      if (parse_double(val->valuestring, &v) || !isfinite(v))
        return cf_err_set(err,
                          "%s: data.result[%zu].values[%zu][1]: bad value "
                          "'%s' (expected a number)",
                          name, i, j, val->valuestring);
    } else if (cJSON_IsNumber(val)) {
      v = val->valuedouble;
    } else {
      return cf_err_set(err,
                        "%s: data.result[%zu].values[%zu][1]: expected a "
                        "number as a string",
                        name, i, j);
    }
    if (add_sample(c, (cf_time)floor(ts->valuedouble), v, m))
      return cf_err_set(err, "%s: data.result[%zu].values[%zu]: more than %d "
                             "samples",
                        name, i, j, CF_LOAD_MAX_SAMPLES);
  }
  if (skipped)
    warn(out, warn_cap,
         "%s: data.result[%zu]: %zu NaN/Inf samples skipped", name, i,
         skipped);
  return 0;
}

int cf_load_parse_prom(const char *data, size_t len, const char *name,
                       const cf_machine_map *map, cf_load *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  out->path = cf_xstrdup(name);
  out->format = "prometheus";
  if (len > CF_LOAD_MAX_BYTES) {
    cf_err_set(err, "%s: larger than the %u-byte limit", name,
               CF_LOAD_MAX_BYTES);
    cf_load_free(out);
    return -1;
  }
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
  if (!root) {
    const char *at = end ? end : cJSON_GetErrorPtr();
    if (!at || at < data || at > data + len) at = data;
    cf_err_set(err, "%s:%d: not valid JSON", name, line_of(data, at));
    cf_load_free(out);
    return -1;
  }
  while (end && end < data + len && isspace((unsigned char)*end)) end++;
  if (end && end < data + len) {
    cf_err_set(err, "%s:%d: unexpected text after the JSON value", name,
               line_of(data, end));
    cJSON_Delete(root);
    cf_load_free(out);
    return -1;
  }
  collector c = {0};
  size_t warn_cap = 0;
  int rc = 0;
  const cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "status");
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "data");
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(d, "resultType");
  const cJSON *result = cJSON_GetObjectItemCaseSensitive(d, "result");
  if (!cJSON_IsObject(root)) {
    rc = cf_err_set(err, "%s: expected a Prometheus query response object",
                    name);
  } else if (!cJSON_IsString(status) ||
             strcmp(status->valuestring, "success")) {
    rc = cf_err_set(err, "%s: status: expected \"success\", got %s", name,
                    cJSON_IsString(status) ? status->valuestring : "none");
  } else if (!cJSON_IsObject(d)) {
    rc = cf_err_set(err, "%s: data: expected an object", name);
  } else if (!cJSON_IsString(type) || strcmp(type->valuestring, "matrix")) {
    rc = cf_err_set(err,
                    "%s: data.resultType: expected \"matrix\" (a range "
                    "query), got %s",
                    name, cJSON_IsString(type) ? type->valuestring : "none");
  } else if (!cJSON_IsArray(result)) {
    rc = cf_err_set(err, "%s: data.result: expected an array", name);
  } else {
    size_t i = 0;
    for (const cJSON *res = result->child; res && !rc; res = res->next, i++)
      rc = prom_series(res, i, name, map, &c, out, &warn_cap, err);
  }
  cJSON_Delete(root);
  if (!rc) collector_finish(&c, out);
  collector_free(&c);
  if (rc) cf_load_free(out);
  return rc;
}

/* ------------------------------------------------------------- entry */

int cf_load_read_mem(const char *data, size_t len, const char *name,
                     const cf_machine_map *map, cf_load *out, cf_err *err) {
  size_t i = 0;
  while (i < len && isspace((unsigned char)data[i])) i++;
  if (i < len && data[i] == '{')
    return cf_load_parse_prom(data, len, name, map, out, err);
  return cf_load_parse_csv(data, len, name, map, out, err);
}

int cf_load_read(const char *path, const char *map_path, cf_load *out,
                 cf_err *err) {
  memset(out, 0, sizeof *out);
  cf_machine_map map = {0};
  if (map_path && cf_machine_map_load(map_path, &map, err)) return -1;
  char *data;
  size_t len;
  int rc = cf_read_file(path, CF_LOAD_MAX_BYTES, &data, &len, err);
  if (!rc) {
    rc = cf_load_read_mem(data, len, path, map_path ? &map : NULL, out, err);
    free(data);
  }
  cf_machine_map_free(&map);
  return rc;
}

void cf_load_free(cf_load *l) {
  if (!l) return;
  for (size_t i = 0; i < l->n_series; i++) {
    free(l->series[i].machine);
    free(l->series[i].samples);
  }
  free(l->series);
  for (size_t i = 0; i < l->n_warnings; i++) free(l->warnings[i]);
  free(l->warnings);
  free(l->path);
  memset(l, 0, sizeof *l);
}

/* ------------------------------------------------------------ queries */

static const cf_load_series *series_of(const cf_load *l, const char *machine) {
  for (size_t i = 0; i < l->n_series; i++) {
    const char *m = l->series[i].machine;
    if (machine ? m && !strcmp(m, machine) : !m) return &l->series[i];
  }
  return NULL;
}

/* Nearest sample of s to t; sets *dist and *value, returns 0, or 1 if s is
 * empty. On equal distance the earlier sample wins. */
static int nearest(const cf_load_series *s, cf_time t, cf_time *dist,
                   double *value) {
  if (!s || !s->n) return 1;
  size_t lo = 0, hi = s->n; /* first sample with time >= t */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (s->samples[mid].t < t) lo = mid + 1;
    else hi = mid;
  }
  int found = 0;
  cf_time best = 0;
  if (lo > 0) { /* the last sample before t */
    best = t - s->samples[lo - 1].t;
    *value = s->samples[lo - 1].value;
    found = 1;
  }
  if (lo < s->n && (!found || s->samples[lo].t - t < best)) {
    best = s->samples[lo].t - t;
    *value = s->samples[lo].value;
    found = 1;
  }
  *dist = best;
  return !found;
}

int cf_load_at(const cf_load *l, const char *machine, cf_time t,
               cf_time tolerance, double *value) {
  /* sample times are within +-9e15 (cf_time_parse); a query far outside
   * that (or CF_TIME_NONE) has no sample and must not overflow t - s.t */
  if (t < -(cf_time)1e17 || t > (cf_time)1e17 || tolerance < 0) return 1;
  cf_time d_own = 0, d_all = 0;
  double v_own = 0, v_all = 0;
  int own = machine ? !nearest(series_of(l, machine), t, &d_own, &v_own) : 0;
  int all = !nearest(series_of(l, NULL), t, &d_all, &v_all);
  if (own && d_own <= tolerance && (!all || d_own <= d_all)) {
    *value = v_own;
    return 0;
  }
  if (all && d_all <= tolerance) {
    *value = v_all;
    return 0;
  }
  return 1;
}

static void gather(const cf_load_series *s, cf_time from, cf_time to,
                   double **v, size_t *n, size_t *cap) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) {
    cf_time t = s->samples[i].t;
    if ((from == CF_TIME_NONE || t >= from) && (to == CF_TIME_NONE || t < to))
      CF_PUSH(*v, *n, *cap, s->samples[i].value);
  }
}

int cf_load_median(const cf_load *l, const char *machine, cf_time from,
                   cf_time to, double *median) {
  double *v = NULL;
  size_t n = 0, cap = 0;
  if (machine) gather(series_of(l, machine), from, to, &v, &n, &cap);
  gather(series_of(l, NULL), from, to, &v, &n, &cap);
  if (n) *median = cf_stats_median(v, n);
  free(v);
  return n ? 0 : 1;
}
