/*
 * load.h: external host-load samples (--load FILE [--machine-map FILE]).
 *
 * Two formats, told apart by content (a '{' first means JSON):
 *   CSV    `time,value[,machine]`, header optional, ISO or Unix times,
 *          blank lines and `#` comments; a row without machine applies to
 *          every machine.
 *   JSON   a Prometheus range-query export (resultType "matrix"); each
 *          series' `instance` label names the machine after dropping
 *          `:port`, or through the machine map; a series without an
 *          instance label applies to every machine.
 * The machine map is a text file of `instance machine` lines (`#` comments,
 * blank lines). docs/context.md has examples.
 *
 * Load derived from the Drone database (stages running on the same machine)
 * belongs to the Drone reader, not here.
 *
 * Ownership: a cf_load and a cf_machine_map own everything below them; free
 * with cf_load_free / cf_machine_map_free (NULL and half-built are fine).
 */
#ifndef CIFORENSICS_LOAD_H
#define CIFORENSICS_LOAD_H

#include <stddef.h>

#include "ciforensics/util.h"

#define CF_LOAD_MAX_BYTES (32u << 20) /* cJSON trees are ~10x the text */
#define CF_LOAD_MAX_SAMPLES 2000000
#define CF_LOAD_MAX_SERIES 10000
#define CF_MACHINE_MAP_MAX_BYTES (1u << 20)
#define CF_MACHINE_MAP_MAX_ENTRIES 10000

/* ---- machine map ---- */
typedef struct cf_machine_map {
  char **instances;  /* as written, e.g. "10.0.0.5:9100" or "node-a" */
  char **machines;   /* Drone machine name for instances[i] */
  int *lines;        /* 1-based line of entry i */
  size_t n;
  char *path;
} cf_machine_map;

/* Read a map file; 0, or -1 with err "path:line: ...". Free with
 * cf_machine_map_free. */
int cf_machine_map_load(const char *path, cf_machine_map *out, cf_err *err);
int cf_machine_map_load_mem(const char *data, size_t len, const char *name,
                            cf_machine_map *out, cf_err *err);
void cf_machine_map_free(cf_machine_map *m);
/* The machine for an instance: an exact entry, else the entry for the
 * instance without its port; NULL when neither is mapped (map may be
 * NULL). Borrowed from the map. */
const char *cf_machine_map_lookup(const cf_machine_map *m,
                                  const char *instance);
/* A new string: instance without a trailing ":port" ("ci-1:9100" -> "ci-1",
 * "[::1]:9100" -> "::1"); the text itself when there is no port. */
char *cf_instance_host(const char *instance);

/* ---- samples ---- */
typedef struct cf_load_sample {
  cf_time t;
  double value;
} cf_load_sample;

typedef struct cf_load_series {
  char *machine;            /* Drone machine name; NULL = every machine */
  cf_load_sample *samples;  /* ascending time; equal times keep file order */
  size_t n;
} cf_load_series;

typedef struct cf_load {
  cf_load_series *series;   /* the every-machine series first, then by name */
  size_t n_series;
  const char *format;       /* static: "csv" or "prometheus" */
  char **warnings;          /* messages naming the file, in file order */
  size_t n_warnings;
  char *path;
} cf_load;

/* Read a load file (format detected by content) and, when map_path is not
 * NULL, map instances through it. 0, or -1 with err naming the file and the
 * line (CSV) or JSON path. Free *out with cf_load_free. */
int cf_load_read(const char *path, const char *map_path, cf_load *out,
                 cf_err *err);
/* In-memory forms (fuzz harnesses, tests): detecting, CSV only,
 * Prometheus only. map may be NULL. name is used in messages. */
int cf_load_read_mem(const char *data, size_t len, const char *name,
                     const cf_machine_map *map, cf_load *out, cf_err *err);
int cf_load_parse_csv(const char *data, size_t len, const char *name,
                      const cf_machine_map *map, cf_load *out, cf_err *err);
int cf_load_parse_prom(const char *data, size_t len, const char *name,
                       const cf_machine_map *map, cf_load *out, cf_err *err);
void cf_load_free(cf_load *l);

/* The sample nearest to t within tolerance seconds (|sample - t| <=
 * tolerance), from machine's own series or the every-machine series. On a
 * tie the machine's own series wins, then the earlier sample. machine NULL
 * looks only at the every-machine series. Returns 0 and sets *value, or 1
 * when no sample is close enough. */
int cf_load_at(const cf_load *l, const char *machine, cf_time t,
               cf_time tolerance, double *value);
/* Median of the samples in [from, to) of machine's series and the
 * every-machine series (from/to CF_TIME_NONE = unbounded). Returns 0 and
 * sets *median, or 1 when there is no sample. */
int cf_load_median(const cf_load *l, const char *machine, cf_time from,
                   cf_time to, double *median);

#endif
