package dev.sluice.schema;

import dev.sluice.config.SchemasConfig;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Compatibility of consecutive versions of each event type, by structural rules on the common subset
 * of JSON Schema (types, properties, required, additionalProperties, items, enum/const, bounds, pattern,
 * format). Backward: every payload valid under v(n) must be valid under v(n+1) (consumers on the new
 * schema read what was written with the previous one); forward: the reverse; full: both. A property
 * added to an open object is taken as compatible (writers are assumed not to send undeclared members
 * with another meaning); keywords the rules do not reason about ({@code allOf}, {@code oneOf}, {@code if}
 * ...) must stay equal.
 */
public final class Compatibility {

  private Compatibility() {}

  /** Every finding for the types of {@code files} under {@code mode}, one line each; empty when compatible. */
  static List<String> check(SchemaFiles files, SchemasConfig.Compatibility mode) {
    List<String> out = new ArrayList<>();
    if (mode == SchemasConfig.Compatibility.NONE) {
      return out;
    }
    for (var type : files.types().entrySet()) {
      SchemaFiles.Loaded previous = null;
      for (SchemaFiles.Loaded current : type.getValue().values()) {
        if (previous != null) {
          String pair = type.getKey() + " v" + previous.version() + " -> v" + current.version() + ": ";
          for (String f : compare(files, previous, current, mode)) {
            out.add(pair + f);
          }
        }
        previous = current;
      }
    }
    return out;
  }

  /** The findings between two versions, as {@code rule 'name' at /path (detail)}. */
  static List<String> compare(SchemaFiles files, SchemaFiles.Loaded older, SchemaFiles.Loaded newer,
      SchemasConfig.Compatibility mode) {
    Set<String> out = new LinkedHashSet<>();
    String o = "v" + older.version();
    String n = "v" + newer.version();
    if (mode == SchemasConfig.Compatibility.BACKWARD || mode == SchemasConfig.Compatibility.FULL) {
      new SchemaWalk(files, true, o, n, out).compare(node(older), node(newer), "", 0);
    }
    if (mode == SchemasConfig.Compatibility.FORWARD || mode == SchemasConfig.Compatibility.FULL) {
      new SchemaWalk(files, false, n, o, out).compare(node(newer), node(older), "", 0);
    }
    return List.copyOf(out);
  }

  private static SchemaWalk.Node node(SchemaFiles.Loaded l) {
    return new SchemaWalk.Node(l.doc(), l.doc(), l.file());
  }

  /** For tests: the findings between two documents in one directory. */
  static List<String> compare(SchemaFiles files, String type, Version older, Version newer,
      SchemasConfig.Compatibility mode) {
    TreeMap<Version, SchemaFiles.Loaded> v = files.types().get(type);
    return compare(files, v.get(older), v.get(newer), mode);
  }
}
