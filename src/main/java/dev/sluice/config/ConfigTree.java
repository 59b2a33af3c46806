package dev.sluice.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed access by key path ({@code kafka.delivery-timeout-ms}) to the merged configuration tree, with
 * errors that name the key. The Kafka client option maps ({@code kafka.producer}, ...) are read whole
 * with {@link #stringMap}: their option names hold dots.
 */
final class ConfigTree {

  private final Map<String, Object> root;

  ConfigTree(Map<String, Object> root) {
    this.root = root;
  }

  private Object get(String key) {
    Object node = root;
    for (String part : key.split("\\.")) {
      if (!(node instanceof Map<?, ?> map)) {
        return null;
      }
      node = map.get(part);
    }
    return node;
  }

  /** The value at {@code key} as YAML gave it (a list stays a list), or null. */
  Object raw(String key) {
    return get(key);
  }

  String optionalString(String key) {
    Object v = get(key);
    return v == null ? "" : v.toString().trim();
  }

  String string(String key) {
    Object v = get(key);
    return Check.notBlank(key, v == null ? null : v.toString().trim());
  }

  boolean bool(String key) {
    String v = string(key);
    return switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new ConfigException(key, "must be true or false, got '" + v + "'");
    };
  }

  int integer(String key) {
    long v = longValue(key);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new ConfigException(key, "is out of range: " + v);
    }
    return (int) v;
  }

  long longValue(String key) {
    String v = string(key);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "must be a whole number, got '" + v + "'");
    }
  }

  Map<String, String> stringMap(String key) {
    Object v = get(key);
    Map<String, String> out = new LinkedHashMap<>();
    if (v instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (e.getValue() == null || e.getValue() instanceof Map<?, ?> || e.getValue() instanceof List<?>) {
          throw new ConfigException(key + "." + e.getKey(), "must be a single value");
        }
        out.put(e.getKey().toString(), e.getValue().toString());
      }
    } else if (v != null) {
      throw new ConfigException(key, "must be a map");
    }
    return out;
  }
}
