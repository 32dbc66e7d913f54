/*
 * yamlload.h: reads a small YAML file (rules, tiers, error lines) with
 * libyaml's event parser into a plain tree that keeps every node's line, so
 * later checks can say "file:line: what is wrong".
 *
 * Strictness (DESIGN.md "Library notes"): anchors and aliases are refused,
 * a mapping may not repeat a key, mapping keys must be scalars, only one
 * document per file. Every input is bounded (file size, nesting depth, node
 * count, scalar length) so hostile text cannot blow up the loader.
 */
#ifndef CIFORENSICS_YAMLLOAD_H
#define CIFORENSICS_YAMLLOAD_H

#include <stddef.h>

#include "ciforensics/util.h"

/* Bounds for one YAML file. */
#define CF_YAML_MAX_BYTES ((size_t)4 << 20) /* a rule family is a few KiB */
#define CF_YAML_MAX_DEPTH 32                /* rules need 4 levels */
#define CF_YAML_MAX_NODES 200000            /* ~ 10k rules of 20 nodes */
#define CF_YAML_MAX_SCALAR ((size_t)1 << 20) /* one example block */

typedef enum { CF_YAML_SCALAR, CF_YAML_SEQ, CF_YAML_MAP } cf_yaml_kind;

typedef struct cf_yaml_node cf_yaml_node;
struct cf_yaml_node {
  cf_yaml_kind kind;
  size_t line;            /* 1-based line where the node starts */
  char *value;            /* SCALAR: NUL-terminated text (may hold NULs) */
  size_t len;             /* SCALAR: byte length of value */
  int plain;              /* SCALAR: written unquoted (so "~"/"null" mean null) */
  cf_yaml_node **items;   /* SEQ: the items; MAP: the values */
  cf_yaml_node **keys;    /* MAP: the keys (scalars), parallel to items */
  size_t n;               /* number of items (pairs for MAP) */
};

/* Parse text (len bytes) read from a file called name (used in messages).
 * On success *root is the document's root node, or NULL for an empty
 * document, and the caller frees it with cf_yaml_free. On error returns -1,
 * *root is NULL, and err holds "name:line: problem". */
int cf_yaml_parse(const char *name, const char *text, size_t len,
                  cf_yaml_node **root, cf_err *err);

/* Read path (at most CF_YAML_MAX_BYTES) and parse it as cf_yaml_parse does. */
int cf_yaml_load_file(const char *path, cf_yaml_node **root, cf_err *err);

/* Free a tree; NULL is fine. */
void cf_yaml_free(cf_yaml_node *node);

/* The value of key in a MAP node, or NULL when absent (or node is not a
 * MAP). The result is borrowed from the tree. */
const cf_yaml_node *cf_yaml_get(const cf_yaml_node *map, const char *key);

/* Whether node is a plain scalar spelling YAML's null ("", "~", "null"). */
int cf_yaml_is_null(const cf_yaml_node *node);

#endif
