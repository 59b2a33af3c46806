package dev.sluice.ingest;

import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code Idempotency-Key} header (IETF httpapi draft): an sf-string ({@code "abc"}, RFC 8941; its
 * parameters, if any, are ignored) or, as most clients send it, a bare key; 1..255 printable ASCII
 * characters either way. And the request's fingerprint: what must be equal for a retry to be the same
 * request.
 */
public final class IdempotencyKey {

  public static final int MAX_LENGTH = 255;
  /** One sf parameter after its ';' (a repetition in one regex would recurse once per parameter). */
  private static final java.util.regex.Pattern PARAMETER =
      java.util.regex.Pattern.compile("\\s*[a-z*][a-z0-9_.*-]*(=[^;\\s]+)?\\s*");

  private IdempotencyKey() {}

  /** A header value that is not a key; the message says why. */
  public static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  /** The key a header value names. */
  public static String parse(String value) throws Malformed {
    String v = value == null ? "" : value.strip();
    if (v.isEmpty()) {
      throw new Malformed("the Idempotency-Key header is empty");
    }
    if (v.charAt(0) != '"') {
      for (int i = 0; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c < 0x21 || c > 0x7e) {
          throw new Malformed("the Idempotency-Key holds a character that is not printable ASCII (at " + i
              + "); send it as an sf-string, e.g. \"abc\"");
        }
      }
      return checked(v);
    }
    StringBuilder key = new StringBuilder(v.length());
    int i = 1;
    for (; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '"') {
        break;
      }
      if (c == '\\') {
        char next = i + 1 < v.length() ? v.charAt(i + 1) : 0;
        if (next != '"' && next != '\\') {
          throw new Malformed("the Idempotency-Key sf-string has a bad escape at " + i + " (only \\\" and \\\\)");
        }
        key.append(next);
        i++;
      } else if (c < 0x20 || c > 0x7e) {
        throw new Malformed("the Idempotency-Key sf-string holds a character that is not printable ASCII (at " + i + ")");
      } else {
        key.append(c);
      }
    }
    if (i >= v.length()) {
      throw new Malformed("the Idempotency-Key sf-string has no closing quote");
    }
    if (!parameters(v.substring(i + 1))) {
      throw new Malformed("the Idempotency-Key must be one sf-string (e.g. \"abc\"), got more after it");
    }
    return checked(key.toString());
  }

  /** Whether {@code rest} is nothing but sf parameters ({@code ;a;b=1}). */
  private static boolean parameters(String rest) {
    if (rest.isBlank()) {
      return true;
    }
    String r = rest.stripLeading();
    if (r.charAt(0) != ';') {
      return false;
    }
    for (String p : r.substring(1).split(";", -1)) {
      if (!PARAMETER.matcher(p).matches()) {
        return false;
      }
    }
    return true;
  }

  private static String checked(String key) throws Malformed {
    if (key.isEmpty()) {
      throw new Malformed("the Idempotency-Key is empty");
    }
    if (key.length() > MAX_LENGTH) {
      throw new Malformed("the Idempotency-Key is " + key.length() + " characters, at most " + MAX_LENGTH);
    }
    return key;
  }

  /**
   * SHA-256 over the content type, every {@code ce-*} header (CloudEvents binary mode carries the
   * event's attributes there; by lower-case name, then value) and the body; each part length-prefixed.
   */
  public static byte[] fingerprint(String contentType, MultiMap headers, byte[] body, int size) {
    List<Map.Entry<String, String>> ce = new ArrayList<>();
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith("ce-")) {
        ce.add(Map.entry(name, h.getValue()));
      }
    }
    ce.sort(Map.Entry.<String, String>comparingByKey().thenComparing(Map.Entry.comparingByValue()));
    MessageDigest sha = sha256();
    part(sha, (contentType == null ? "" : contentType.strip()).getBytes(StandardCharsets.UTF_8));
    for (Map.Entry<String, String> e : ce) {
      part(sha, e.getKey().getBytes(StandardCharsets.UTF_8));
      part(sha, e.getValue().getBytes(StandardCharsets.UTF_8));
    }
    sha.update(new byte[] {(byte) 0xff});
    sha.update(body, 0, size);
    return sha.digest();
  }

  private static void part(MessageDigest sha, byte[] bytes) {
    int n = bytes.length;
    sha.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    sha.update(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
