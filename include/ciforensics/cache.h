/*
 * cache.h: the incremental cache (--cache FILE, docs/cache.md). A sqlite
 * file holding, per build, the facts the pipeline extracts before verdicts
 * (identity, artifact facts, hits, tiers, error lines, fingerprints), so a
 * rerun over an unchanged build reads none of its logs. An entry is served
 * only when every part of its key matches exactly (database identity, rules
 * hash, tool version, repo, build id, variant, build updated/finished time,
 * artifacts signature); the parts are stored as columns and compared, never
 * through a hash alone. A damaged or outdated cache (not sqlite, another
 * layout or format version, failing quick_check) is reported and rebuilt
 * from empty, never trusted.
 *
 * Ownership: cf_cache_open hands out a handle the caller closes with
 * cf_cache_close; every heap string returned is the caller's to free().
 */
#ifndef CIFORENSICS_CACHE_H
#define CIFORENSICS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "ciforensics/analysis.h"
#include "ciforensics/util.h"

/* Format of the file (PRAGMA user_version) and of each entry's JSON
 * document ("v"); bump when either changes, old files are then rebuilt. */
#define CF_CACHE_FORMAT 2
/* Bounds on what is read back or written: a larger entry is not cached. */
#define CF_CACHE_DOC_MAX (8u << 20)     /* bytes of one entry's JSON */
#define CF_CACHE_ITEMS_MAX 100000u      /* elements of any one array */
#define CF_CACHE_ARTIFACTS_MAX 4096u    /* entries of a run directory */

typedef struct cf_cache cf_cache;

/* Open or create the cache at path. identity names the Drone database (the
 * pipeline passes e.g. its realpath, repo uid and repo created time),
 * rules_hash the rule set, version the tool's version; none may be NULL.
 * Entries made under another identity, rules hash or version are deleted
 * here (one configuration per file; see docs/cache.md).
 * A file that is not a sqlite database, or is our cache with another
 * layout or format version, or fails PRAGMA quick_check, is deleted (with
 * any -wal/-shm/-journal beside it) and recreated empty, and *warning
 * receives a heap string saying so ("PATH: cache ignored and rebuilt:
 * WHY"; caller frees; NULL when all was well). An empty (0-byte) file is
 * simply initialised. A sqlite database of another application (e.g. a
 * Drone database passed by mistake) is refused and left untouched.
 * Returns 0 with *out set (close with cf_cache_close), or -1 when the file
 * is another application's database or cannot be created or written (err
 * names the path; *out and *warning are NULL). */
int cf_cache_open(const char *path, const char *identity, const char *rules_hash,
                  const char *version, cf_cache **out, char **warning,
                  cf_err *err);
/* Close the handle (checkpoints the write-ahead log). NULL is fine. */
void cf_cache_close(cf_cache *c);

/* The per-build key parts; all strings borrowed for the call.
 * variant carries every option that changes the extracted facts other than
 * the rules (e.g. "as_of=...;runs=/abs/runs"); NULL means "".
 * artifacts_sig comes from cf_cache_artifacts_sig; NULL means the build's
 * artifacts could not be described, and then get always misses and put
 * stores nothing. */
typedef struct cf_cache_key {
  const char *repo;          /* "owner/name" */
  int64_t build_id;
  cf_time updated, finished; /* build_updated, build_finished (CF_TIME_NONE ok) */
  const char *variant;
  const char *artifacts_sig;
} cf_cache_key;

/* Describe the run directory dir (runs/<n>/) by the name, type, size and
 * mtime (ns) of each of its entries, sorted by name: a heap string the
 * caller frees. "" when dir does not exist (or dir is NULL); NULL when it
 * cannot be read, is not a directory or has more than
 * CF_CACHE_ARTIFACTS_MAX entries (the build is then not cached). */
char *cf_cache_artifacts_sig(const char *dir);

/* Look the build up. Returns 1 on a hit: *out is filled with the cached
 * facts (caller frees with cf_facts_free; the fields the pipeline computes
 * after a hit, listed in docs/cache.md, are zero / CF_TIME_NONE / NULL).
 * 0 on a miss (no entry, or an entry whose key differs). -1 when the entry
 * is unreadable (bad JSON, wrong shape, over a bound) or sqlite failed: err
 * says why naming the cache path and build, the entry is deleted, and the
 * caller treats it as a miss. *out is zeroed unless 1 is returned. */
int cf_cache_get(cf_cache *c, const cf_cache_key *k, cf_facts *out, cf_err *err);

/* Store (replace) the build's facts, in one transaction of its own so an
 * interrupted run never leaves a partial entry. Only the cached fields of f
 * are read. Returns 1 written, 0 not cached (artifacts_sig NULL or the entry
 * over CF_CACHE_DOC_MAX), -1 on a sqlite error (err names the path). */
int cf_cache_put(cf_cache *c, const cf_cache_key *k, const cf_facts *f, cf_err *err);

/* Counters since open: hits, misses (stale and unreadable entries
 * included), writes. Any pointer may be NULL. */
void cf_cache_stats(const cf_cache *c, size_t *hits, size_t *misses, size_t *writes);
/* Number of entries in the file (-1 on a sqlite error); for tests. */
long cf_cache_entries(cf_cache *c);

/* The JSON document of one entry (heap string, caller frees) and back;
 * exposed for tests and fuzzing. cf_cache_decode returns 0, or -1 with err
 * saying which field is wrong ("facts.hits[2].line: ..."); *out is then
 * zeroed. */
char *cf_cache_encode(const cf_facts *f);
int cf_cache_decode(const char *doc, size_t len, cf_facts *out, cf_err *err);

#endif
