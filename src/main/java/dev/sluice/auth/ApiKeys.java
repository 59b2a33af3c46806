package dev.sluice.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * API keys: {@code sk_<id>_<secret>}, the id 12 lowercase hex characters (public: looked up, logged),
 * the secret 43 base64url characters (32 random bytes). The tenants file stores the SHA-256 of the whole
 * key; a presented key is hashed and compared in constant time with the stored hash of its id.
 */
public final class ApiKeys {

  /** What every key starts with; a bearer token that does not is a JWT. */
  public static final String PREFIX = "sk_";
  static final int ID_LENGTH = 12;
  static final int SECRET_LENGTH = 43;
  static final int LENGTH = PREFIX.length() + ID_LENGTH + 1 + SECRET_LENGTH;

  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(ApiKeys::sha256Digest);

  /** A new key, its id and the hash to store. */
  public record NewKey(String key, String id, String sha256) {}

  private ApiKeys() {}

  /** The id of a well-formed key, or null for anything else. */
  static String idOf(String key) {
    if (key.length() != LENGTH || !key.startsWith(PREFIX) || key.charAt(PREFIX.length() + ID_LENGTH) != '_') {
      return null;
    }
    for (int i = PREFIX.length(); i < PREFIX.length() + ID_LENGTH; i++) {
      char c = key.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return null;
      }
    }
    for (int i = PREFIX.length() + ID_LENGTH + 1; i < LENGTH; i++) {
      char c = key.charAt(i);
      if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
        return null;
      }
    }
    return key.substring(PREFIX.length(), PREFIX.length() + ID_LENGTH);
  }

  /** Whether {@code key} hashes to {@code stored}, compared in constant time. */
  static boolean matches(String key, byte[] stored) {
    return MessageDigest.isEqual(sha256(key), stored);
  }

  /**
   * The SHA-256 of {@code text}'s UTF-8 bytes: how API keys, admin tokens and cached JWTs are held
   * (one digest per thread).
   */
  public static byte[] sha256(String text) {
    return SHA256.get().digest(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The lowercase hex SHA-256 of the key's UTF-8 bytes: what the tenants file stores. */
  public static String sha256Hex(String key) {
    return HexFormat.of().formatHex(sha256(key));
  }

  /** A fresh key from {@code random}. */
  public static NewKey generate(SecureRandom random) {
    byte[] id = new byte[ID_LENGTH / 2];
    byte[] secret = new byte[32];
    random.nextBytes(id);
    random.nextBytes(secret);
    String idHex = HexFormat.of().formatHex(id);
    String key = PREFIX + idHex + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    return new NewKey(key, idHex, sha256Hex(key));
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
