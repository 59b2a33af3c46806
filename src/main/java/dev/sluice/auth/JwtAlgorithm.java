package dev.sluice.auth;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;

/** The JWS algorithms accepted (RFC 7518), with the JDK's signatures. No {@code none}, no HMAC. */
enum JwtAlgorithm {
  RS256("SHA256withRSA", null, 0),
  RS384("SHA384withRSA", null, 0),
  RS512("SHA512withRSA", null, 0),
  PS256("RSASSA-PSS", pss("SHA-256", MGF1ParameterSpec.SHA256, 32), 0),
  PS384("RSASSA-PSS", pss("SHA-384", MGF1ParameterSpec.SHA384, 48), 0),
  PS512("RSASSA-PSS", pss("SHA-512", MGF1ParameterSpec.SHA512, 64), 0),
  ES256("SHA256withECDSAinP1363Format", null, 256),
  ES384("SHA384withECDSAinP1363Format", null, 384),
  ES512("SHA512withECDSAinP1363Format", null, 521);

  private final String jdkName;
  private final AlgorithmParameterSpec params;
  /** The curve's field size for ECDSA; 0 for RSA. */
  private final int curveBits;

  JwtAlgorithm(String jdkName, AlgorithmParameterSpec params, int curveBits) {
    this.jdkName = jdkName;
    this.params = params;
    this.curveBits = curveBits;
  }

  /** The algorithm a token's {@code alg} names, or null when it is not accepted. */
  static JwtAlgorithm of(String alg) {
    for (JwtAlgorithm a : values()) {
      if (a.name().equals(alg)) {
        return a;
      }
    }
    return null;
  }

  /** Whether {@code key} is of the kind this algorithm signs with. */
  boolean fits(PublicKey key) {
    if (curveBits == 0) {
      return key instanceof RSAPublicKey;
    }
    return key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() == curveBits;
  }

  /** Whether {@code signature} over {@code input} verifies with {@code key} (which {@link #fits}). */
  boolean verify(PublicKey key, byte[] input, byte[] signature) {
    if (curveBits != 0 && signature.length != 2 * ((curveBits + 7) / 8)) {
      return false;
    }
    try {
      Signature s = Signature.getInstance(jdkName);
      if (params != null) {
        s.setParameter(params);
      }
      s.initVerify(key);
      s.update(input);
      return s.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static PSSParameterSpec pss(String digest, MGF1ParameterSpec mgf, int saltLength) {
    return new PSSParameterSpec(digest, "MGF1", mgf, saltLength, PSSParameterSpec.TRAILER_FIELD_BC);
  }
}
