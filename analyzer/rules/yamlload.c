/*
 * yamlload.c: libyaml's event stream turned into a small tree with line
 * numbers (yamlload.h). libyaml's own document loader resolves aliases
 * silently and does not report duplicate keys, so the tree is built here from
 * events, refusing what our formats never need: anchors, aliases, duplicate
 * keys, non-scalar keys, several documents. libyaml marks are 0-based; every
 * line stored or printed here is 1-based.
 */
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ciforensics/yamlload.h"

typedef struct {
  const char *name;
  size_t nodes;
  cf_err *err;
} build_ctx;

void cf_yaml_free(cf_yaml_node *node) {
  if (!node) return;
  for (size_t i = 0; i < node->n; i++) {
    if (node->items) cf_yaml_free(node->items[i]);
    if (node->keys) cf_yaml_free(node->keys[i]);
  }
  free(node->items);
  free(node->keys);
  free(node->value);
  free(node);
}

static cf_yaml_node *new_node(cf_yaml_kind kind, const yaml_mark_t *mark) {
  cf_yaml_node *n = cf_xcalloc(1, sizeof *n);
  n->kind = kind;
  n->line = mark->line + 1;
  return n;
}

static int anchor_check(build_ctx *c, const yaml_event_t *ev) {
  const yaml_char_t *anchor = NULL;
  if (ev->type == YAML_SCALAR_EVENT) anchor = ev->data.scalar.anchor;
  if (ev->type == YAML_SEQUENCE_START_EVENT) anchor = ev->data.sequence_start.anchor;
  if (ev->type == YAML_MAPPING_START_EVENT) anchor = ev->data.mapping_start.anchor;
  if (anchor)
    return cf_err_set(c->err, "%s:%zu: anchors (&%.40s) are not allowed", c->name,
                      ev->start_mark.line + 1, (const char *)anchor);
  if (ev->type == YAML_ALIAS_EVENT)
    return cf_err_set(c->err, "%s:%zu: aliases (*%.40s) are not allowed", c->name,
                      ev->start_mark.line + 1, (const char *)ev->data.alias.anchor);
  return 0;
}

static int next_event(yaml_parser_t *p, yaml_event_t *ev, build_ctx *c) {
  if (!yaml_parser_parse(p, ev)) {
    /* libyaml names the problem's place and, for an unclosed construct,
     * where that construct started: say both */
    size_t line = p->problem_mark.line + 1;
    char started[64] = "";
    if (p->context && p->context_mark.line + 1 != line)
      snprintf(started, sizeof started, " (started at line %zu)", p->context_mark.line + 1);
    return cf_err_set(c->err, "%s:%zu: YAML syntax error: %s%s%s%s", c->name, line,
                      p->problem ? p->problem : "unknown problem",
                      p->context ? " " : "", p->context ? p->context : "", started);
  }
  return 0;
}

static void add_child(cf_yaml_node *parent, cf_yaml_node *key, cf_yaml_node *child) {
  size_t cap = parent->n;
  parent->items = cf_xrealloc(parent->items, (cap + 1) * sizeof *parent->items);
  if (parent->kind == CF_YAML_MAP)
    parent->keys = cf_xrealloc(parent->keys, (cap + 1) * sizeof *parent->keys);
  parent->items[cap] = child;
  if (parent->kind == CF_YAML_MAP) parent->keys[cap] = key;
  parent->n = cap + 1;
}

/* Parse one node whose first event is ev (already consumed). Recursion depth
 * is bounded by CF_YAML_MAX_DEPTH. */
static int parse_node(yaml_parser_t *p, yaml_event_t *ev, build_ctx *c, int depth,
                      cf_yaml_node **out) {
  *out = NULL;
  if (anchor_check(c, ev)) return -1;
  if (++c->nodes > CF_YAML_MAX_NODES)
    return cf_err_set(c->err, "%s:%zu: more than %d YAML nodes", c->name,
                      ev->start_mark.line + 1, CF_YAML_MAX_NODES);
  if (ev->type == YAML_SCALAR_EVENT) {
    if (ev->data.scalar.length > CF_YAML_MAX_SCALAR)
      return cf_err_set(c->err, "%s:%zu: scalar longer than %zu bytes", c->name,
                        ev->start_mark.line + 1, CF_YAML_MAX_SCALAR);
    cf_yaml_node *n = new_node(CF_YAML_SCALAR, &ev->start_mark);
    n->len = ev->data.scalar.length;
    n->value = cf_xmalloc(n->len + 1);
    memcpy(n->value, ev->data.scalar.value, n->len);
    n->value[n->len] = '\0';
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    *out = n;
    return 0;
  }
  if (ev->type != YAML_SEQUENCE_START_EVENT && ev->type != YAML_MAPPING_START_EVENT)
    return cf_err_set(c->err, "%s:%zu: unexpected YAML event", c->name,
                      ev->start_mark.line + 1);
  if (depth >= CF_YAML_MAX_DEPTH)
    return cf_err_set(c->err, "%s:%zu: nesting deeper than %d levels", c->name,
                      ev->start_mark.line + 1, CF_YAML_MAX_DEPTH);
  int is_map = ev->type == YAML_MAPPING_START_EVENT;
  cf_yaml_node *n = new_node(is_map ? CF_YAML_MAP : CF_YAML_SEQ, &ev->start_mark);
  yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
  for (;;) {
    yaml_event_t e;
    if (next_event(p, &e, c)) goto fail;
    if (e.type == end) {
      yaml_event_delete(&e);
      break;
    }
    cf_yaml_node *key = NULL, *val = NULL;
    int rc = parse_node(p, &e, c, depth + 1, is_map ? &key : &val);
    yaml_event_delete(&e);
    if (rc) goto fail;
    if (is_map) {
      if (key->kind != CF_YAML_SCALAR) {
        cf_err_set(c->err, "%s:%zu: mapping keys must be plain text", c->name, key->line);
        cf_yaml_free(key);
        goto fail;
      }
      for (size_t i = 0; i < n->n; i++)
        if (n->keys[i]->len == key->len && !memcmp(n->keys[i]->value, key->value, key->len)) {
          cf_err_set(c->err, "%s:%zu: duplicate key '%.60s' (first at line %zu)", c->name,
                     key->line, key->value, n->keys[i]->line);
          cf_yaml_free(key);
          goto fail;
        }
      if (next_event(p, &e, c)) {
        cf_yaml_free(key);
        goto fail;
      }
      rc = parse_node(p, &e, c, depth + 1, &val);
      yaml_event_delete(&e);
      if (rc) {
        cf_yaml_free(key);
        goto fail;
      }
    }
    add_child(n, key, val);
  }
  *out = n;
  return 0;
fail:
  cf_yaml_free(n);
  return -1;
}

int cf_yaml_parse(const char *name, const char *text, size_t len, cf_yaml_node **root,
                  cf_err *err) {
  *root = NULL;
  if (len > CF_YAML_MAX_BYTES)
    return cf_err_set(err, "%s: larger than %zu bytes", name, CF_YAML_MAX_BYTES);
  build_ctx c = {name, 0, err};
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) return cf_err_set(err, "%s: out of memory", name);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int rc = -1, docs = 0;
  cf_yaml_node *result = NULL;
  for (;;) {
    yaml_event_t ev;
    if (next_event(&p, &ev, &c)) break;
    yaml_event_type_t t = ev.type;
    if (t == YAML_STREAM_END_EVENT) {
      yaml_event_delete(&ev);
      rc = 0;
      break;
    }
    if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
      cf_err_set(err, "%s:%zu: only one YAML document is allowed", name,
                 ev.start_mark.line + 1);
      yaml_event_delete(&ev);
      break;
    }
    if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT ||
        t == YAML_DOCUMENT_END_EVENT) {
      yaml_event_delete(&ev);
      continue;
    }
    int bad = parse_node(&p, &ev, &c, 0, &result);
    yaml_event_delete(&ev);
    if (bad) break;
  }
  yaml_parser_delete(&p);
  if (rc) {
    cf_yaml_free(result);
    return -1;
  }
  *root = result;
  return 0;
}

int cf_yaml_load_file(const char *path, cf_yaml_node **root, cf_err *err) {
  char *text = NULL;
  size_t len = 0;
  *root = NULL;
  if (cf_read_file(path, CF_YAML_MAX_BYTES, &text, &len, err)) return -1;
  int rc = cf_yaml_parse(path, text, len, root, err);
  free(text);
  return rc;
}

const cf_yaml_node *cf_yaml_get(const cf_yaml_node *map, const char *key) {
  if (!map || map->kind != CF_YAML_MAP) return NULL;
  size_t kl = strlen(key);
  for (size_t i = 0; i < map->n; i++)
    if (map->keys[i]->len == kl && !memcmp(map->keys[i]->value, key, kl)) return map->items[i];
  return NULL;
}

int cf_yaml_is_null(const cf_yaml_node *node) {
  if (!node) return 1;
  if (node->kind != CF_YAML_SCALAR || !node->plain) return 0;
  return node->len == 0 || !strcmp(node->value, "~") || !strcmp(node->value, "null") ||
         !strcmp(node->value, "Null") || !strcmp(node->value, "NULL");
}
