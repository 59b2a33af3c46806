package dev.sluice.ingest;

/** Minimal JSON text building for the answers: they are small, flat and written on a hot path. */
final class Json {

  private final StringBuilder sb;
  private boolean needsComma;

  Json(int capacity) {
    sb = new StringBuilder(capacity);
  }

  Json open() {
    comma();
    sb.append('{');
    needsComma = false;
    return this;
  }

  Json close() {
    sb.append('}');
    needsComma = true;
    return this;
  }

  Json openArray(String name) {
    key(name);
    sb.append('[');
    needsComma = false;
    return this;
  }

  Json closeArray() {
    sb.append(']');
    needsComma = true;
    return this;
  }

  Json field(String name, String value) {
    key(name);
    if (value == null) {
      sb.append("null");
    } else {
      string(value);
    }
    needsComma = true;
    return this;
  }

  Json field(String name, long value) {
    key(name);
    sb.append(value);
    needsComma = true;
    return this;
  }

  Json field(String name, boolean value) {
    key(name);
    sb.append(value);
    needsComma = true;
    return this;
  }

  @Override
  public String toString() {
    return sb.toString();
  }

  /** Most values (ids, topics, codes) need no escaping: append them in one go. */
  private static boolean plain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  private void key(String name) {
    comma();
    string(name);
    sb.append(':');
  }

  private void comma() {
    if (needsComma) {
      sb.append(',');
    }
  }

  private void string(String s) {
    sb.append('"');
    if (plain(s)) {
      sb.append(s).append('"');
      return;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
