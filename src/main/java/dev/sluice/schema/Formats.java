package dev.sluice.schema;

/** The text formats of envelope members, checked by hand: they run once per event on the hot path. */
final class Formats {

  private Formats() {}

  static boolean isUuid(String s) {
    if (s.length() != 36
        || s.charAt(8) != '-' || s.charAt(13) != '-' || s.charAt(18) != '-' || s.charAt(23) != '-') {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        continue;
      }
      char c = s.charAt(i);
      if (c >= 128 || !HEX[c]) {
        return false;
      }
    }
    return true;
  }

  private static final boolean[] HEX = new boolean[128];

  static {
    for (char c = '0'; c <= '9'; c++) {
      HEX[c] = true;
    }
    for (char c = 'a'; c <= 'f'; c++) {
      HEX[c] = true;
      HEX[Character.toUpperCase(c)] = true;
    }
  }

  /** An absolute URI (RFC 3986: a scheme, then anything {@link java.net.URI} accepts). */
  static boolean isAbsoluteUri(String s) {
    try {
      return new java.net.URI(s).isAbsolute();
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  /** Dot notation: two or more segments, each a letter then letters, digits, '_' or '-'. */
  static boolean isEventType(String s) {
    int segments = 0;
    boolean atStart = true;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (atStart) {
        if (!isLetter(c)) {
          return false;
        }
        atStart = false;
        segments++;
      } else if (c == '.') {
        atStart = true;
      } else if (!isLetter(c) && !isDigit(c) && c != '_' && c != '-') {
        return false;
      }
    }
    return !atStart && segments >= 2;
  }

  /**
   * RFC 3339 date-time: {@code YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)}, with a real calendar
   * date (leap years, a leap second allowed). Hand-written: it runs once per event.
   */
  static boolean isRfc3339(String s) {
    int n = s.length();
    if (n < 20
        || !digits(s, 0, 4) || s.charAt(4) != '-' || !digits(s, 5, 2) || s.charAt(7) != '-'
        || !digits(s, 8, 2) || (s.charAt(10) != 'T' && s.charAt(10) != 't')
        || !digits(s, 11, 2) || s.charAt(13) != ':' || !digits(s, 14, 2) || s.charAt(16) != ':'
        || !digits(s, 17, 2)) {
      return false;
    }
    int i = 19;
    if (s.charAt(i) == '.') {
      int j = i + 1;
      while (j < n && isDigit(s.charAt(j))) {
        j++;
      }
      if (j == i + 1 || j - i - 1 > 9) {
        return false;
      }
      i = j;
    }
    if (i >= n) {
      return false;
    }
    char zone = s.charAt(i);
    if (zone == 'Z' || zone == 'z') {
      if (i + 1 != n) {
        return false;
      }
    } else if (zone == '+' || zone == '-') {
      if (n != i + 6 || !digits(s, i + 1, 2) || s.charAt(i + 3) != ':' || !digits(s, i + 4, 2)
          || number(s, i + 1, 2) > 23 || number(s, i + 4, 2) > 59) {
        return false;
      }
    } else {
      return false;
    }
    int year = number(s, 0, 4);
    int month = number(s, 5, 2);
    int day = number(s, 8, 2);
    return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month)
        && number(s, 11, 2) <= 23 && number(s, 14, 2) <= 59 && number(s, 17, 2) <= 60;
  }

  private static int daysIn(int year, int month) {
    return switch (month) {
      case 2 -> (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28;
      case 4, 6, 9, 11 -> 30;
      default -> 31;
    };
  }

  private static boolean digits(String s, int from, int count) {
    for (int i = from; i < from + count; i++) {
      if (!isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static int number(String s, int from, int count) {
    int v = 0;
    for (int i = from; i < from + count; i++) {
      v = v * 10 + (s.charAt(i) - '0');
    }
    return v;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
}
