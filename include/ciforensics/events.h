/*
 * events.h: the infrastructure-events file (--events FILE, a YAML list).
 *
 * An event is a point (`at`) or a window (`from`, `to`, covering
 * [from, to)), of kind fix, incident, maintenance (acts as an incident) or
 * deploy (information only), with a title, an optional scope (machines,
 * recipes, tiers; an absent list means all) and, for a fix, the rule ids or
 * classes it resolves. docs/context.md describes the format.
 *
 * Ownership: a cf_events owns every event and string below it; free it with
 * cf_events_free. Event order is file order (determinism).
 */
#ifndef CIFORENSICS_EVENTS_H
#define CIFORENSICS_EVENTS_H

#include <stddef.h>

#include "ciforensics/util.h"

/* Bounds: hostile input cannot make the reader hang or blow up (the YAML
 * loader, yamlload.h, also bounds depth, node count and scalar size). */
#define CF_EVENTS_MAX_BYTES (4u << 20) /* 4 MiB of YAML */
#define CF_EVENTS_MAX_EVENTS 10000
#define CF_EVENTS_MAX_LIST 1000        /* entries of one scope/resolves list */

typedef enum {
  CF_EVENT_FIX,
  CF_EVENT_INCIDENT,
  CF_EVENT_MAINTENANCE,
  CF_EVENT_DEPLOY
} cf_event_kind;

typedef struct cf_event {
  int line;              /* 1-based line of the event in the file */
  cf_event_kind kind;
  char *title;
  int is_window;         /* 1: from/to; 0: a point at `at` */
  cf_time at;            /* point; CF_TIME_NONE for a window */
  cf_time from, to;      /* window [from, to); CF_TIME_NONE for a point */
  char **machines;       /* scope lists; NULL (n = 0) when absent = all */
  size_t n_machines;
  char **recipes;
  size_t n_recipes;
  char **tiers;
  size_t n_tiers;
  char **resolves;       /* a fix's rule ids or classes; NULL otherwise */
  int *resolves_lines;   /* 1-based line of each resolves entry */
  size_t n_resolves;
} cf_event;

typedef struct cf_events {
  cf_event *items;       /* file order */
  size_t n;
  char **warnings;       /* "file:line: ..." messages, file order */
  size_t n_warnings;
  char *path;            /* the name errors and warnings use */
} cf_events;

/* Read an events file. On success returns 0 and fills *out (free with
 * cf_events_free). On failure returns -1, *out is empty, and err holds
 * "path:line: what is wrong". An empty file is an empty list. */
int cf_events_load(const char *path, cf_events *out, cf_err *err);
/* The same from memory (len bytes, no NUL needed); name is used in
 * messages. The reader behind cf_events_load and the fuzz harness. */
int cf_events_load_mem(const char *data, size_t len, const char *name,
                       cf_events *out, cf_err *err);
/* Frees everything below ev and leaves it empty; NULL and half-built are
 * fine. */
void cf_events_free(cf_events *ev);

/* A deep copy of src into dst (free with cf_event_clear). */
void cf_event_copy(cf_event *dst, const cf_event *src);
/* Frees what e owns and zeroes it; NULL is fine. */
void cf_event_clear(cf_event *e);

/* "fix", "incident", "maintenance", "deploy" (static strings). */
const char *cf_event_kind_name(cf_event_kind k);

/* 1 when the event's scope includes the build: for each of machine, recipe
 * and tier, the event has no such list, or the value is in it (exact
 * string match). A NULL argument means "not known": an event scoped by that
 * list is then not known to apply, and does not (a verdict must not rest on
 * a machine or tier the data does not show). */
int cf_event_applies(const cf_event *e, const char *machine,
                     const char *recipe, const char *tier);
/* 1 when e is a window and from <= t < to; points never cover. */
int cf_event_covers(const cf_event *e, cf_time t);
/* 1 for incident and maintenance. */
int cf_event_is_confounding(const cf_event *e);
/* 1 when e is a fix whose resolves list names rule_id or rule_class
 * (either may be NULL). */
int cf_event_resolves(const cf_event *e, const char *rule_id,
                      const char *rule_class);
/* The event's moment: at for a point, from for a window. */
cf_time cf_event_point(const cf_event *e);
/* Minutes from the event's moment to t: negative = t before the event;
 * NaN when t is CF_TIME_NONE. */
double cf_event_minutes_to(const cf_event *e, cf_time t);

/* Add a warning for every resolves entry that is neither a class (recipe,
 * timing, infra) nor an id that known(user, id) accepts. */
void cf_events_check_rule_ids(cf_events *ev,
                              int (*known)(void *user, const char *id),
                              void *user);

/* How one event stands relative to one build's failing moment. */
typedef struct cf_event_relation {
  const cf_event *event; /* borrowed from the cf_events */
  size_t index;          /* position in the file's list */
  int inside;            /* 1: a window containing the moment */
  double minutes;        /* cf_event_minutes_to(event, moment) */
} cf_event_relation;

/* The events that apply to a build (cf_event_applies; NULL = not
 * known) and are seen at the review moment as_of (events whose moment is
 * after as_of are unseen; CF_TIME_NONE = no limit), each with whether its
 * window contains `moment` and the minutes from its moment to `moment`.
 * Overlapping windows each count. File order. Returns the count and sets
 * *out to a new array (caller frees with free(); NULL when 0). */
size_t cf_events_for_build(const cf_events *ev, const char *machine,
                           const char *recipe, const char *tier,
                           cf_time moment, cf_time as_of,
                           cf_event_relation **out);

#endif
