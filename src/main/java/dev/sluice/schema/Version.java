package dev.sluice.schema;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An event version as schema files name it ({@code 1}, {@code 2}, {@code 1.2}): ordered numerically part
 * by part ({@code 1 < 2 < 10}, {@code 1.2 < 1.10}, {@code 1 < 1.0}); leading zeros do not count.
 */
record Version(String text, int[] parts) implements Comparable<Version> {

  private static final Pattern FORM = Pattern.compile("[0-9]{1,9}(\\.[0-9]{1,9}){0,2}");

  /** The version {@code s} names, or null when it is not one. */
  static Version parse(String s) {
    if (s == null || !FORM.matcher(s).matches()) {
      return null;
    }
    String[] split = s.split("\\.");
    int[] parts = new int[split.length];
    StringBuilder canonical = new StringBuilder();
    for (int i = 0; i < split.length; i++) {
      parts[i] = Integer.parseInt(split[i]);
      canonical.append(i == 0 ? "" : ".").append(parts[i]);
    }
    return new Version(canonical.toString(), parts);
  }

  @Override
  public int compareTo(Version o) {
    int n = Math.min(parts.length, o.parts.length);
    for (int i = 0; i < n; i++) {
      int c = Integer.compare(parts[i], o.parts[i]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(parts.length, o.parts.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Version v && Arrays.equals(parts, v.parts);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(parts);
  }

  @Override
  public String toString() {
    return text;
  }
}
