package dev.sluice.auth;

import dev.sluice.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Public keys for JWTs: from PEM files ({@code auth.jwt.public-keys}) and from JWKS documents (RFC 7517). */
final class PublicKeys {

  private PublicKeys() {}

  /** The keys of PEM files by id (the file name without its extension); a bad file stops start-up. */
  static Map<String, PublicKey> fromPemFiles(List<Path> files) {
    Map<String, PublicKey> out = new LinkedHashMap<>();
    for (Path file : files) {
      String name = file.getFileName().toString();
      String kid = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
      String text;
      try {
        text = Files.readString(file, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw new ConfigException("auth.jwt.public-keys", "cannot read " + file + ": " + e.getMessage());
      }
      try {
        if (out.put(kid, fromPem(text)) != null) {
          throw new ConfigException("auth.jwt.public-keys", "two files give the key id " + kid);
        }
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw new ConfigException("auth.jwt.public-keys", file + " is not a PEM RSA or EC public key"
            + " (BEGIN PUBLIC KEY) or certificate (BEGIN CERTIFICATE): " + e.getMessage());
      }
    }
    return out;
  }

  static PublicKey fromPem(String pem) throws GeneralSecurityException {
    if (pem.contains("-----BEGIN CERTIFICATE-----")) {
      return CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
          .getPublicKey();
    }
    int begin = pem.indexOf("-----BEGIN PUBLIC KEY-----");
    int end = pem.indexOf("-----END PUBLIC KEY-----");
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("no BEGIN/END PUBLIC KEY block");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 26, end));
    X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
    try {
      return KeyFactory.getInstance("RSA").generatePublic(spec);
    } catch (GeneralSecurityException e) {
      return KeyFactory.getInstance("EC").generatePublic(spec);
    }
  }

  /**
   * The signing keys of a JWKS document by {@code kid}: RSA ({@code n}, {@code e}) and EC P-256/384/521
   * ({@code x}, {@code y}); keys without a kid, for encryption ({@code use: enc}) or of other types are
   * left out.
   */
  static Map<String, PublicKey> fromJwks(JsonObject jwks) {
    Map<String, PublicKey> out = new LinkedHashMap<>();
    if (!(jwks.getValue("keys") instanceof io.vertx.core.json.JsonArray keys)) {
      throw new IllegalArgumentException("the JWKS has no 'keys' array");
    }
    for (Object o : keys) {
      if (!(o instanceof JsonObject jwk) || !(jwk.getValue("kid") instanceof String kid) || "enc".equals(jwk.getValue("use"))) {
        continue;
      }
      try {
        PublicKey key = switch (String.valueOf(jwk.getValue("kty"))) {
          case "RSA" -> KeyFactory.getInstance("RSA").generatePublic(
              new RSAPublicKeySpec(unsigned(jwk, "n"), unsigned(jwk, "e")));
          case "EC" -> ec(jwk);
          default -> null;
        };
        if (key != null) {
          out.put(kid, key);
        }
      } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
        // a key this gateway cannot read: its tokens are refused as of an unknown kid
      }
    }
    return out;
  }

  private static PublicKey ec(JsonObject jwk) throws GeneralSecurityException {
    String curve = switch (String.valueOf(jwk.getValue("crv"))) {
      case "P-256" -> "secp256r1";
      case "P-384" -> "secp384r1";
      case "P-521" -> "secp521r1";
      default -> throw new IllegalArgumentException("unknown curve");
    };
    AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
    params.init(new ECGenParameterSpec(curve));
    ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
    return KeyFactory.getInstance("EC").generatePublic(
        new ECPublicKeySpec(new ECPoint(unsigned(jwk, "x"), unsigned(jwk, "y")), spec));
  }

  private static BigInteger unsigned(JsonObject jwk, String field) {
    return new BigInteger(1, Base64.getUrlDecoder().decode(jwk.getString(field)));
  }
}
