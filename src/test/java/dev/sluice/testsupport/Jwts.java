package dev.sluice.testsupport;

import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * JWTs, keys and JWKs for tests, made with the JDK only (java.security and Base64url), not with the code
 * under test: RSA and EC P-256 key pairs, compact tokens signed RS256, PS256 or ES256 (or unsigned,
 * {@code alg: none}), public keys as PEM and as JWKs.
 */
public final class Jwts {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Jwts() {}

  public static KeyPair rsa() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static KeyPair ec() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token with header {@code {"alg":alg,"kid":kid,"typ":"JWT"}} and {@code claims}, signed with {@code key}. */
  public static String sign(String alg, String kid, PrivateKey key, JsonObject claims) {
    JsonObject header = new JsonObject().put("alg", alg).put("typ", "JWT");
    if (kid != null) {
      header.put("kid", kid);
    }
    return sign(header, key, claims);
  }

  /** A token with any header; {@code alg: none} gets an empty signature. */
  public static String sign(JsonObject header, PrivateKey key, JsonObject claims) {
    String input = b64(header.encode()) + "." + b64(claims.encode());
    String alg = header.getString("alg");
    if ("none".equals(alg)) {
      return input + ".";
    }
    try {
      Signature s = switch (alg) {
        case "RS256" -> Signature.getInstance("SHA256withRSA");
        case "ES256" -> Signature.getInstance("SHA256withECDSAinP1363Format");
        case "PS256" -> {
          Signature pss = Signature.getInstance("RSASSA-PSS");
          pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
          yield pss;
        }
        default -> throw new IllegalArgumentException("no signer for " + alg);
      };
      s.initSign(key);
      s.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + B64.encodeToString(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token with {@code header}, {@code claims} and the base64url {@code signature} as given (not signed). */
  public static String forged(JsonObject header, JsonObject claims, String signature) {
    return b64(header.encode()) + "." + b64(claims.encode()) + "." + signature;
  }

  /** Claims: {@code sub}, {@code tenant}, {@code exp} = now + {@code expInSeconds}, plus {@code iss}/{@code aud} when not null. */
  public static JsonObject claims(String sub, String tenant, long expInSeconds, String iss, Object aud) {
    JsonObject c = new JsonObject().put("sub", sub).put("tenant", tenant)
        .put("iat", now()).put("exp", now() + expInSeconds);
    if (iss != null) {
      c.put("iss", iss);
    }
    if (aud != null) {
      c.put("aud", aud);
    }
    return c;
  }

  public static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** The public key as PEM ({@code BEGIN PUBLIC KEY}). */
  public static String pem(PublicKey key) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  /** The public key as a JWK with {@code kid}. */
  public static JsonObject jwk(String kid, PublicKey key) {
    if (key instanceof RSAPublicKey rsa) {
      return new JsonObject().put("kty", "RSA").put("kid", kid).put("use", "sig")
          .put("n", B64.encodeToString(unsigned(rsa.getModulus(), 0)))
          .put("e", B64.encodeToString(unsigned(rsa.getPublicExponent(), 0)));
    }
    ECPublicKey ec = (ECPublicKey) key;
    return new JsonObject().put("kty", "EC").put("kid", kid).put("crv", "P-256")
        .put("x", B64.encodeToString(unsigned(ec.getW().getAffineX(), 32)))
        .put("y", B64.encodeToString(unsigned(ec.getW().getAffineY(), 32)));
  }

  private static byte[] unsigned(BigInteger n, int length) {
    byte[] b = n.toByteArray();
    if (b.length > 1 && b[0] == 0) {
      b = Arrays.copyOfRange(b, 1, b.length);
    }
    if (length > b.length) {
      byte[] padded = new byte[length];
      System.arraycopy(b, 0, padded, length - b.length, b.length);
      return padded;
    }
    return b;
  }

  private static String b64(String s) {
    return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
