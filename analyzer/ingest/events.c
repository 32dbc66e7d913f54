/*
 * events.c: reads the infrastructure-events YAML file (format in
 * docs/context.md, API in events.h) and answers scope and time questions
 * about each event.
 *
 * The shared strict YAML loader (yamlload.h: libyaml's event parser,
 * anchors, aliases and duplicate keys refused, bounded) gives a tree whose
 * nodes keep their lines; this file checks it key by key so every error
 * names file:line.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/events.h"
#include "ciforensics/yamlload.h"

/* ------------------------------------------------------------ YAML tree */

typedef cf_yaml_node ynode;

static int is_null(const ynode *y) { return cf_yaml_is_null(y); }

static const char *type_name(const ynode *y) {
  if (is_null(y)) return "nothing";
  return y->kind == CF_YAML_SCALAR ? "a scalar"
         : y->kind == CF_YAML_SEQ  ? "a list"
                                   : "a mapping";
}

/* Check that every key of a mapping is in `known` (NULL-ended); the loader
 * has already refused duplicate and non-scalar keys. `where` names the
 * mapping in messages. */
static int check_keys(const ynode *map, const char *const *known,
                      const char *where, const char *name, cf_err *err) {
  for (size_t i = 0; i < map->n; i++) {
    const ynode *k = map->keys[i];
    int ok = 0;
    for (const char *const *p = known; *p; p++)
      if (!strcmp(*p, k->value)) ok = 1;
    if (ok) continue;
    cf_buf list = {0};
    for (const char *const *p = known; *p; p++)
      cf_buf_printf(&list, "%s%s", p == known ? "" : ", ", *p);
    cf_err_set(err, "%s:%zu: unknown key '%s' in %s (known: %s)", name,
               k->line, k->value, where, list.data);
    cf_buf_free(&list);
    return -1;
  }
  return 0;
}

/* ----------------------------------------------------------- the reader */

static void add_warning(cf_events *ev, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_warning(cf_events *ev, size_t *cap, const char *fmt, ...) {
  cf_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  cf_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  CF_PUSH(ev->warnings, ev->n_warnings, *cap, cf_buf_steal(&b));
}

typedef struct reader {
  const char *name;
  cf_events *ev;
  size_t warn_cap;
  cf_err *err;
} reader;

static int read_time(reader *r, const ynode *key, const ynode *val,
                     cf_time *out) {
  if (val->kind != CF_YAML_SCALAR || is_null(val))
    return cf_err_set(r->err, "%s:%zu: '%s' must be a time, not %s", r->name,
                      val->line, key->value, type_name(val));
  int no_zone = 0;
  if (cf_time_parse(val->value, out, &no_zone))
    return cf_err_set(r->err,
                      "%s:%zu: bad time '%s' in '%s' (expected ISO 8601 with "
                      "Z or an offset, or Unix seconds)",
                      r->name, val->line, val->value, key->value);
  if (no_zone)
    add_warning(r->ev, &r->warn_cap,
                "%s:%zu: time '%s' in '%s' names no zone; taken as UTC",
                r->name, val->line, val->value, key->value);
  return 0;
}

/* A list of non-empty strings (scope lists, resolves). */
static int read_list(reader *r, const char *what, const ynode *val,
                     char ***items, int **lines, size_t *n) {
  if (val->kind != CF_YAML_SEQ)
    return cf_err_set(r->err, "%s:%zu: '%s' must be a list of names, not %s",
                      r->name, val->line, what, type_name(val));
  if (val->n == 0)
    return cf_err_set(r->err,
                      "%s:%zu: '%s' is empty (leave it out to mean all)",
                      r->name, val->line, what);
  if (val->n > CF_EVENTS_MAX_LIST)
    return cf_err_set(r->err, "%s:%zu: '%s' has more than %d entries",
                      r->name, val->line, what, CF_EVENTS_MAX_LIST);
  *items = cf_xcalloc(val->n, sizeof **items);
  if (lines) *lines = cf_xcalloc(val->n, sizeof **lines);
  for (size_t i = 0; i < val->n; i++) {
    const ynode *it = val->items[i];
    if (it->kind != CF_YAML_SCALAR || is_null(it) || !*it->value)
      return cf_err_set(r->err, "%s:%zu: entries of '%s' must be names, not %s",
                        r->name, it->line, what, type_name(it));
    (*items)[i] = cf_xstrdup(it->value);
    if (lines) (*lines)[i] = (int)it->line;
    (*n)++;
  }
  return 0;
}

static int read_scope(reader *r, const ynode *val, cf_event *e) {
  if (is_null(val)) return 0; /* "scope:" alone = every build */
  if (val->kind != CF_YAML_MAP)
    return cf_err_set(r->err,
                      "%s:%zu: 'scope' must be a mapping (machines, recipes, "
                      "tiers), not %s",
                      r->name, val->line, type_name(val));
  static const char *const known[] = {"machines", "recipes", "tiers", NULL};
  if (check_keys(val, known, "scope", r->name, r->err)) return -1;
  for (size_t i = 0; i < val->n; i++) {
    const char *k = val->keys[i]->value;
    const ynode *v = val->items[i];
    char what[32];
    snprintf(what, sizeof what, "scope.%s", k);
    int rc = !strcmp(k, "machines")  ? read_list(r, what, v, &e->machines, NULL, &e->n_machines)
             : !strcmp(k, "recipes") ? read_list(r, what, v, &e->recipes, NULL, &e->n_recipes)
                                     : read_list(r, what, v, &e->tiers, NULL, &e->n_tiers);
    if (rc) return -1;
  }
  return 0;
}

static int parse_kind(const char *s, cf_event_kind *k) {
  static const char *const names[] = {"fix", "incident", "maintenance",
                                      "deploy"};
  for (int i = 0; i < 4; i++)
    if (!strcmp(s, names[i])) {
      *k = (cf_event_kind)i;
      return 0;
    }
  return -1;
}

void cf_event_clear(cf_event *e) {
  if (!e) return;
  free(e->title);
  for (size_t i = 0; i < e->n_machines; i++) free(e->machines[i]);
  free(e->machines);
  for (size_t i = 0; i < e->n_recipes; i++) free(e->recipes[i]);
  free(e->recipes);
  for (size_t i = 0; i < e->n_tiers; i++) free(e->tiers[i]);
  free(e->tiers);
  for (size_t i = 0; i < e->n_resolves; i++) free(e->resolves[i]);
  free(e->resolves);
  free(e->resolves_lines);
  memset(e, 0, sizeof *e);
}

static char **copy_strv(char *const *v, size_t n) {
  if (!n) return NULL;
  char **out = cf_xmalloc(n * sizeof *out);
  for (size_t i = 0; i < n; i++) out[i] = cf_xstrdup(v[i]);
  return out;
}

void cf_event_copy(cf_event *dst, const cf_event *src) {
  *dst = *src;
  dst->title = src->title ? cf_xstrdup(src->title) : NULL;
  dst->machines = copy_strv(src->machines, src->n_machines);
  dst->recipes = copy_strv(src->recipes, src->n_recipes);
  dst->tiers = copy_strv(src->tiers, src->n_tiers);
  dst->resolves = copy_strv(src->resolves, src->n_resolves);
  dst->resolves_lines = NULL;
  if (src->n_resolves && src->resolves_lines) {
    dst->resolves_lines = cf_xmalloc(src->n_resolves * sizeof *dst->resolves_lines);
    memcpy(dst->resolves_lines, src->resolves_lines,
           src->n_resolves * sizeof *dst->resolves_lines);
  }
}

static int read_event(reader *r, const ynode *map, cf_event *e) {
  e->line = (int)map->line;
  e->at = e->from = e->to = CF_TIME_NONE;
  if (map->kind != CF_YAML_MAP)
    return cf_err_set(r->err,
                      "%s:%zu: an event must be a mapping (at or from/to, "
                      "kind, title, ...), not %s",
                      r->name, map->line, type_name(map));
  static const char *const known[] = {"at", "from", "to", "kind", "title",
                                      "scope", "resolves", NULL};
  if (check_keys(map, known, "event", r->name, r->err)) return -1;
  const ynode *k_at = NULL, *k_from = NULL, *k_to = NULL, *k_res = NULL;
  int have_kind = 0;
  for (size_t i = 0; i < map->n; i++) {
    const ynode *key = map->keys[i], *val = map->items[i];
    const char *k = key->value;
    if (!strcmp(k, "at")) {
      if (read_time(r, key, val, &e->at)) return -1;
      k_at = key;
    } else if (!strcmp(k, "from")) {
      if (read_time(r, key, val, &e->from)) return -1;
      k_from = key;
    } else if (!strcmp(k, "to")) {
      if (read_time(r, key, val, &e->to)) return -1;
      k_to = key;
    } else if (!strcmp(k, "kind")) {
      if (val->kind != CF_YAML_SCALAR || parse_kind(val->value, &e->kind))
        return cf_err_set(r->err,
                          "%s:%zu: unknown kind '%s' (expected fix, incident, "
                          "maintenance or deploy)",
                          r->name, val->line,
                          val->kind == CF_YAML_SCALAR ? val->value : type_name(val));
      have_kind = 1;
    } else if (!strcmp(k, "title")) {
      if (val->kind != CF_YAML_SCALAR || is_null(val) || !*val->value)
        return cf_err_set(r->err, "%s:%zu: 'title' must be a text, not %s",
                          r->name, val->line, type_name(val));
      e->title = cf_xstrdup(val->value);
    } else if (!strcmp(k, "scope")) {
      if (read_scope(r, val, e)) return -1;
    } else { /* resolves */
      if (read_list(r, "resolves", val, &e->resolves, &e->resolves_lines,
                    &e->n_resolves))
        return -1;
      k_res = key;
    }
  }
  char a[CF_TIME_BUFSZ], b[CF_TIME_BUFSZ];
  if (k_at && (k_from || k_to))
    return cf_err_set(r->err,
                      "%s:%zu: an event has either 'at' or 'from'/'to', not "
                      "both",
                      r->name, (k_from ? k_from : k_to)->line);
  if (k_from && !k_to)
    return cf_err_set(r->err, "%s:%zu: 'from' without 'to'", r->name,
                      k_from->line);
  if (k_to && !k_from)
    return cf_err_set(r->err, "%s:%zu: 'to' without 'from'", r->name,
                      k_to->line);
  if (!k_at && !k_from)
    return cf_err_set(r->err,
                      "%s:%zu: event has no time (give 'at', or 'from' and "
                      "'to')",
                      r->name, map->line);
  if (k_from && e->to <= e->from)
    return cf_err_set(r->err, "%s:%zu: 'to' (%s) is not after 'from' (%s)",
                      r->name, k_to->line, cf_time_format(e->to, a, sizeof a),
                      cf_time_format(e->from, b, sizeof b));
  e->is_window = k_from != NULL;
  if (!have_kind)
    return cf_err_set(r->err,
                      "%s:%zu: event has no 'kind' (fix, incident, maintenance "
                      "or deploy)",
                      r->name, map->line);
  if (!e->title)
    return cf_err_set(r->err, "%s:%zu: event has no 'title'", r->name,
                      map->line);
  if (k_res && e->kind != CF_EVENT_FIX)
    return cf_err_set(r->err,
                      "%s:%zu: 'resolves' is only for a fix (this event is "
                      "'%s')",
                      r->name, k_res->line, cf_event_kind_name(e->kind));
  if (e->kind == CF_EVENT_FIX && !k_res)
    add_warning(r->ev, &r->warn_cap,
                "%s:%zu: fix '%s' has no 'resolves', so it confounds no "
                "failure",
                r->name, map->line, e->title);
  return 0;
}

int cf_events_load_mem(const char *data, size_t len, const char *name,
                       cf_events *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  out->path = cf_xstrdup(name);
  if (len > CF_EVENTS_MAX_BYTES) {
    cf_err_set(err, "%s: larger than the %u-byte limit", name,
               CF_EVENTS_MAX_BYTES);
    cf_events_free(out);
    return -1;
  }
  ynode *root;
  if (cf_yaml_parse(name, data, len, &root, err)) {
    cf_events_free(out);
    return -1;
  }
  reader r = {name, out, 0, err};
  int rc = 0;
  if (root && !is_null(root)) {
    if (root->kind != CF_YAML_SEQ) {
      rc = cf_err_set(err, "%s:%zu: the events file must be a list of events, "
                           "not %s",
                      name, root->line, type_name(root));
    } else if (root->n > CF_EVENTS_MAX_EVENTS) {
      rc = cf_err_set(err, "%s:%zu: more than %d events", name, root->line,
                      CF_EVENTS_MAX_EVENTS);
    } else {
      out->items = cf_xcalloc(root->n ? root->n : 1, sizeof *out->items);
      for (size_t i = 0; i < root->n && !rc; i++) {
        out->n++; /* counted first so a half-read event is freed too */
        rc = read_event(&r, root->items[i], &out->items[i]);
      }
    }
  }
  cf_yaml_free(root);
  if (rc) cf_events_free(out);
  return rc;
}

int cf_events_load(const char *path, cf_events *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  char *data;
  size_t len;
  if (cf_read_file(path, CF_EVENTS_MAX_BYTES, &data, &len, err)) return -1;
  int rc = cf_events_load_mem(data, len, path, out, err);
  free(data);
  return rc;
}

void cf_events_free(cf_events *ev) {
  if (!ev) return;
  for (size_t i = 0; i < ev->n; i++) cf_event_clear(&ev->items[i]);
  free(ev->items);
  for (size_t i = 0; i < ev->n_warnings; i++) free(ev->warnings[i]);
  free(ev->warnings);
  free(ev->path);
  memset(ev, 0, sizeof *ev);
}

/* ------------------------------------------------------------ questions */

const char *cf_event_kind_name(cf_event_kind k) {
  switch (k) {
  case CF_EVENT_FIX: return "fix";
  case CF_EVENT_INCIDENT: return "incident";
  case CF_EVENT_MAINTENANCE: return "maintenance";
  case CF_EVENT_DEPLOY: return "deploy";
  }
  return "?";
}

static int in_list(char *const *list, size_t n, const char *v) {
  if (!n) return 1; /* no list = all */
  if (!v) return 0; /* an unknown value is not known to be in the list */
  for (size_t i = 0; i < n; i++)
    if (!strcmp(list[i], v)) return 1;
  return 0;
}

int cf_event_applies(const cf_event *e, const char *machine,
                     const char *recipe, const char *tier) {
  return in_list(e->machines, e->n_machines, machine) &&
         in_list(e->recipes, e->n_recipes, recipe) &&
         in_list(e->tiers, e->n_tiers, tier);
}

int cf_event_covers(const cf_event *e, cf_time t) {
  return e->is_window && t != CF_TIME_NONE && e->from <= t && t < e->to;
}

int cf_event_is_confounding(const cf_event *e) {
  return e->kind == CF_EVENT_INCIDENT || e->kind == CF_EVENT_MAINTENANCE;
}

int cf_event_resolves(const cf_event *e, const char *rule_id,
                      const char *rule_class) {
  if (e->kind != CF_EVENT_FIX) return 0;
  for (size_t i = 0; i < e->n_resolves; i++)
    if ((rule_id && !strcmp(e->resolves[i], rule_id)) ||
        (rule_class && !strcmp(e->resolves[i], rule_class)))
      return 1;
  return 0;
}

cf_time cf_event_point(const cf_event *e) {
  return e->is_window ? e->from : e->at;
}

double cf_event_minutes_to(const cf_event *e, cf_time t) {
  if (t == CF_TIME_NONE) return NAN;
  return (double)(t - cf_event_point(e)) / 60.0;
}

static int is_class(const char *s) {
  return !strcmp(s, "recipe") || !strcmp(s, "timing") || !strcmp(s, "infra");
}

void cf_events_check_rule_ids(cf_events *ev,
                              int (*known)(void *user, const char *id),
                              void *user) {
  size_t cap = ev->n_warnings; /* CF_PUSH regrows from the current size */
  for (size_t i = 0; i < ev->n; i++) {
    const cf_event *e = &ev->items[i];
    for (size_t j = 0; j < e->n_resolves; j++)
      if (!is_class(e->resolves[j]) && !known(user, e->resolves[j]))
        add_warning(ev, &cap,
                    "%s:%zu: fix '%s' resolves '%s', which is neither a "
                    "class (recipe, timing, infra) nor a known rule id",
                    ev->path, (size_t)e->resolves_lines[j], e->title, e->resolves[j]);
  }
}

size_t cf_events_for_build(const cf_events *ev, const char *machine,
                           const char *recipe, const char *tier,
                           cf_time moment, cf_time as_of,
                           cf_event_relation **out) {
  *out = NULL;
  size_t n = 0, cap = 0;
  for (size_t i = 0; i < ev->n; i++) {
    const cf_event *e = &ev->items[i];
    if (!cf_event_applies(e, machine, recipe, tier)) continue;
    if (as_of != CF_TIME_NONE && cf_event_point(e) > as_of) continue;
    cf_event_relation rel = {e, i, cf_event_covers(e, moment),
                             cf_event_minutes_to(e, moment)};
    CF_PUSH(*out, n, cap, rel);
  }
  return n;
}
