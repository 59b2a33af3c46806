package dev.sluice.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds what {@code b} refuses that {@code a} accepts. {@code ahead}: a is v(n), b is v(n+1), and rule
 * names say what the new version did; otherwise a is v(n+1) and names are those of the reverse change.
 */
record SchemaWalk(SchemaFiles files, boolean ahead, String aName, String bName, Set<String> out, Set<Pair> seen) {

  SchemaWalk(SchemaFiles files, boolean ahead, String aName, String bName, Set<String> out) {
    this(files, ahead, aName, bName, out, new java.util.HashSet<>());
  }

  /**
   * Two places already compared (or being compared), by identity: the documents are read once, so a
   * place is one node. A recursive definition referenced twice (a tree's left and right) is walked once,
   * not 2^depth times; its findings are reported at the first path that reached it.
   */
  record Pair(JsonNode a, JsonNode b) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Pair p && p.a == a && p.b == b;
    }

    @Override
    public int hashCode() {
      return 31 * System.identityHashCode(a) + System.identityHashCode(b);
    }
  }

  /** The schema with no keyword: one node, so that the pairs it is in are remembered too. */
  private static final JsonNode EMPTY = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();

  /** Keywords whose change the rules cannot judge: a change is reported as {@code unsupported-change}. */
  private static final List<String> OPAQUE = List.of("allOf", "anyOf", "oneOf", "not", "if", "then", "else",
      "dependentRequired", "dependentSchemas", "patternProperties", "prefixItems", "contains", "minContains",
      "maxContains", "propertyNames", "unevaluatedItems", "$dynamicRef");

  /** {@code keyword: [name when v(n+1) is stricter, name when v(n) is]} for the bounds. */
  private static final Map<String, String> LOWER = Map.of(
      "minimum", "minimum", "exclusiveMinimum", "exclusive-minimum", "minLength", "min-length",
      "minItems", "min-items", "minProperties", "min-properties");
  private static final Map<String, String> UPPER = Map.of(
      "maximum", "maximum", "exclusiveMaximum", "exclusive-maximum", "maxLength", "max-length",
      "maxItems", "max-items", "maxProperties", "max-properties");

  /** A schema inside a document (for $ref). */
  record Node(JsonNode schema, JsonNode doc, Path file) {
    JsonNode get(String keyword) {
      return schema.isObject() ? schema.get(keyword) : null;
    }

    Node child(JsonNode s) {
      return new Node(s, doc, file);
    }
  }

  void compare(Node a, Node b, String path, int depth) {
    if (depth > 32) {
      return; // a recursive schema: what is below was compared on the way down
    }
    a = resolve(a, path);
    b = resolve(b, path);
    if (a == null || b == null || !seen.add(new Pair(a.schema(), b.schema()))) {
      return;
    }
    if (b.schema().isBoolean()) {
      if (!b.schema().asBoolean() && !(a.schema().isBoolean() && !a.schema().asBoolean())) {
        add("type-narrowed", "type-widened", path, bName + " accepts no value here");
      }
      return;
    }
    if (a.schema().isBoolean()) {
      a = a.child(EMPTY);
    }
    types(a, b, path);
    values(a, b, path);
    objects(a, b, path, depth);
    Node ai = a.get("items") != null ? a.child(a.get("items")) : a.child(empty());
    if (b.get("items") != null) {
      compare(ai, b.child(b.get("items")), path + "/items", depth + 1);
    }
    bounds(a, b, path);
    for (String kw : OPAQUE) {
      if (!java.util.Objects.equals(a.get(kw), b.get(kw))) {
        add("unsupported-change", "unsupported-change", path + "/" + kw,
            "'" + kw + "' differs; the rules do not reason about it: keep it equal, or set schemas.compatibility: none");
      }
    }
  }

  private void types(Node a, Node b, String path) {
    Set<String> tb = typeSet(b.get("type"));
    if (tb == null) {
      return;
    }
    Set<String> ta = typeSet(a.get("type"));
    Set<String> all = ta != null ? ta : Set.of("null", "boolean", "object", "array", "number", "string");
    List<String> lost = new ArrayList<>();
    boolean common = false;
    for (String t : all) {
      if (allows(tb, t)) {
        common = true;
      } else if (!(t.equals("number") && tb.contains("integer"))) {
        lost.add(t);
      } else {
        common = true;
        lost.add("non-integer numbers");
      }
    }
    if (!lost.isEmpty()) {
      String detail = "type " + text(b.get("type")) + " in " + bName + ", " + (ta == null ? "any" : text(a.get("type")))
          + " in " + aName;
      if (common) {
        add("type-narrowed", "type-widened", path, detail);
      } else {
        add("type-changed", "type-changed", path, detail);
      }
    }
  }

  private void values(Node a, Node b, String path) {
    List<JsonNode> vb = valueList(b);
    if (vb == null) {
      return;
    }
    List<JsonNode> va = valueList(a);
    if (va == null) {
      add("enum-added", "enum-removed", path, "only " + clip(vb.toString()) + " in " + bName + ", any value in " + aName);
      return;
    }
    List<JsonNode> lost = new ArrayList<>();
    for (JsonNode v : va) {
      if (!vb.contains(v)) {
        lost.add(v);
      }
    }
    if (!lost.isEmpty()) {
      add("enum-value-removed", "enum-value-added", path, clip(lost.toString()) + " allowed in " + aName + ", not in " + bName);
    }
  }

  private void objects(Node a, Node b, String path, int depth) {
    Set<String> reqA = strings(a.get("required"));
    for (String r : strings(b.get("required"))) {
      if (!reqA.contains(r)) {
        add("required-added", "required-removed", path + "/properties/" + escape(r),
            "'" + r + "' is required in " + bName + ", not in " + aName);
      }
    }
    boolean closedA = closed(a);
    boolean closedB = closed(b);
    if (closedB && !closedA) {
      add("additional-properties-closed", "additional-properties-opened", path + "/additionalProperties",
          "members not listed are refused in " + bName + ", allowed in " + aName);
    }
    JsonNode pa = a.get("properties");
    JsonNode pb = b.get("properties");
    if (pa != null && pa.isObject()) {
      for (var it = pa.fields(); it.hasNext(); ) {
        var e = it.next();
        JsonNode sb = pb != null ? pb.get(e.getKey()) : null;
        String p = path + "/properties/" + escape(e.getKey());
        if (sb != null) {
          compare(a.child(e.getValue()), b.child(sb), p, depth + 1);
        } else if (closedB && !closedA) {
          // reported as additional-properties-closed
        } else if (closedB) {
          add("property-removed", "property-added", p, "'" + e.getKey() + "' is a member in " + aName
              + ", refused as an unlisted one in " + bName);
        } else if (b.get("additionalProperties") != null && b.get("additionalProperties").isObject()) {
          compare(a.child(e.getValue()), b.child(b.get("additionalProperties")), p, depth + 1);
        }
      }
    }
    JsonNode xa = a.get("additionalProperties");
    JsonNode xb = b.get("additionalProperties");
    if (xb != null && xb.isObject() && !closedA) {
      compare(a.child(xa != null && xa.isObject() ? xa : empty()), b.child(xb), path + "/additionalProperties",
          depth + 1);
    }
  }

  private void bounds(Node a, Node b, String path) {
    LOWER.forEach((kw, name) -> {
      BigDecimal nb = number(b.get(kw));
      BigDecimal na = number(a.get(kw));
      if (na == null && kw.startsWith("min") && !kw.equals("minimum")) {
        na = BigDecimal.ZERO; // a count's lower bound is 0 when not given
      }
      if (nb != null && (na == null || nb.compareTo(na) > 0)) {
        add(name + "-raised", name + "-lowered", path + "/" + kw, bound(kw, na, nb));
      }
    });
    UPPER.forEach((kw, name) -> {
      BigDecimal nb = number(b.get(kw));
      BigDecimal na = number(a.get(kw));
      if (nb != null && (na == null || nb.compareTo(na) < 0)) {
        add(name + "-lowered", name + "-raised", path + "/" + kw, bound(kw, na, nb));
      }
    });
    BigDecimal mb = number(b.get("multipleOf"));
    BigDecimal ma = number(a.get("multipleOf"));
    if (mb != null && mb.signum() > 0 && (ma == null || ma.remainder(mb).signum() != 0)) {
      add("multiple-of-changed", "multiple-of-changed", path + "/multipleOf", bound("multipleOf", ma, mb));
    }
    if (bool(b.get("uniqueItems")) && !bool(a.get("uniqueItems"))) {
      add("unique-items-added", "unique-items-removed", path + "/uniqueItems",
          "items must be unique in " + bName + ", not in " + aName);
    }
    for (String kw : List.of("pattern", "format")) {
      JsonNode sb = b.get(kw);
      if (sb != null && !sb.equals(a.get(kw))) {
        add(kw + "-changed", kw + "-changed", path + "/" + kw, kw + " " + clip(sb.toString()) + " in " + bName + ", "
            + (a.get(kw) == null ? "none" : clip(a.get(kw).toString())) + " in " + aName);
      }
    }
  }

  private String bound(String kw, BigDecimal a, BigDecimal b) {
    return kw + " " + b.toPlainString() + " in " + bName + ", " + (a == null ? "none" : a.toPlainString()) + " in " + aName;
  }

  private void add(String name, String reverseName, String path, String detail) {
    out.add("rule '" + (ahead ? name : reverseName) + "' at " + (path.isEmpty() ? "/" : path) + " (" + detail + ")");
  }

  /** Follows {@code $ref} to a place in the same file or another file under the directory. */
  private Node resolve(Node n, String path) {
    for (int hops = 0; hops < 16; hops++) {
      JsonNode ref = n.get("$ref");
      if (ref == null || !ref.isTextual()) {
        return n;
      }
      String s = ref.asText();
      int hash = s.indexOf('#');
      String file = hash < 0 ? s : s.substring(0, hash);
      String fragment = hash < 0 ? "" : s.substring(hash + 1);
      JsonNode doc = n.doc();
      Path at = n.file();
      if (!file.isEmpty()) {
        try {
          at = n.file().resolveSibling(file).normalize();
          if (!at.startsWith(files.root())) {
            return null;
          }
          doc = files.document(at);
        } catch (RuntimeException e) {
          return null; // the validator refused it at load already
        }
      }
      if (!fragment.isEmpty() && !fragment.startsWith("/")) {
        return n; // an anchor: compared as written
      }
      JsonNode target = doc.at(fragment.replace("%25", "%"));
      if (target.isMissingNode()) {
        return null;
      }
      n = new Node(target, doc, at);
    }
    return n;
  }

  private static JsonNode empty() {
    return EMPTY;
  }

  private static boolean closed(Node n) {
    JsonNode ap = n.get("additionalProperties");
    JsonNode up = n.get("unevaluatedProperties");
    return (ap != null && ap.isBoolean() && !ap.asBoolean()) || (up != null && up.isBoolean() && !up.asBoolean());
  }

  private static boolean allows(Set<String> types, String t) {
    return types.contains(t) || (t.equals("integer") && types.contains("number"));
  }

  private static Set<String> typeSet(JsonNode type) {
    if (type == null) {
      return null;
    }
    Set<String> out = new java.util.TreeSet<>();
    if (type.isArray()) {
      type.forEach(t -> out.add(t.asText()));
    } else {
      out.add(type.asText());
    }
    return out;
  }

  private static List<JsonNode> valueList(Node n) {
    if (n.get("const") != null) {
      return List.of(n.get("const"));
    }
    JsonNode e = n.get("enum");
    if (e == null || !e.isArray()) {
      return null;
    }
    List<JsonNode> out = new ArrayList<>();
    e.forEach(out::add);
    return out;
  }

  private static Set<String> strings(JsonNode array) {
    Set<String> out = new java.util.LinkedHashSet<>();
    if (array != null && array.isArray()) {
      array.forEach(x -> out.add(x.asText()));
    }
    return out;
  }

  private static BigDecimal number(JsonNode n) {
    return n != null && n.isNumber() ? n.decimalValue() : null;
  }

  private static boolean bool(JsonNode n) {
    return n != null && n.asBoolean(false);
  }

  private static String text(JsonNode n) {
    return n == null ? "none" : n.toString();
  }

  private static String clip(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  private static String escape(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }

}
