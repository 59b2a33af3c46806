package dev.sluice.config;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Locale;
import java.util.Set;

/**
 * TLS on a listener ({@code http.tls.*}, {@code admin.tls.*}): a PEM certificate chain and private key,
 * optionally the PEM CA certificates client certificates must chain to. The files are read and checked
 * once at start; their contents are kept here and never printed ({@link #toString} names the files).
 *
 * @param prefix the configuration key of this block, e.g. {@code http.tls}
 * @param certPem the certificate chain (null when TLS is off)
 * @param keyPem the private key (null when TLS is off)
 * @param clientCaPem the CA certificates of accepted client certificates (null when none)
 */
public record TlsConfig(String prefix, boolean enabled, String certFile, String keyFile, String clientCaFile,
    ClientAuth clientAuth, String certPem, String keyPem, String clientCaPem) {

  /** {@code client-auth}: whether the handshake asks for a client certificate. */
  public enum ClientAuth {
    /** No client certificate asked for. */
    NONE,
    /** Asked for; a connection without one goes on (the authenticator decides). */
    REQUEST,
    /** A connection without a certificate from {@code client-ca-file}'s CAs fails at the handshake. */
    REQUIRED
  }

  public TlsConfig {
    if (enabled) {
      Check.notBlank(prefix + ".cert-file", certFile);
      Check.notBlank(prefix + ".key-file", keyFile);
      Check.notBlank(prefix + ".cert-file", certPem);
      Check.notBlank(prefix + ".key-file", keyPem);
      if (clientAuth != ClientAuth.NONE && (clientCaPem == null || clientCaPem.isBlank())) {
        throw new ConfigException(prefix + ".client-ca-file", "is required when " + prefix + ".client-auth is "
            + clientAuth.name().toLowerCase(Locale.ROOT));
      }
    }
  }

  /** TLS off. */
  public static TlsConfig off(String prefix) {
    return new TlsConfig(prefix, false, "", "", "", ClientAuth.NONE, null, null, null);
  }

  /** Reads block {@code prefix}; relative file names lie beside {@code configFile} (or the working directory). */
  static TlsConfig load(ConfigTree t, String prefix, Path configFile) {
    String auth = t.string(prefix + ".client-auth");
    ClientAuth clientAuth;
    try {
      clientAuth = ClientAuth.valueOf(auth.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(prefix + ".client-auth", "must be none, request or required, not '" + auth + "'");
    }
    if (!t.bool(prefix + ".enabled")) {
      return new TlsConfig(prefix, false, t.optionalString(prefix + ".cert-file"),
          t.optionalString(prefix + ".key-file"), t.optionalString(prefix + ".client-ca-file"), clientAuth,
          null, null, null);
    }
    String cert = t.optionalString(prefix + ".cert-file");
    String key = t.optionalString(prefix + ".key-file");
    String ca = t.optionalString(prefix + ".client-ca-file");
    String certPem = certificates(prefix + ".cert-file", cert, configFile);
    String keyPem = read(prefix + ".key-file", key, configFile);
    checkKeyPair(prefix, keyPem, certPem);
    String caPem = ca.isEmpty() ? null : certificates(prefix + ".client-ca-file", ca, configFile);
    return new TlsConfig(prefix, true, cert, key, ca, clientAuth, certPem, keyPem, caPem);
  }

  private static String read(String key, String name, Path configFile) {
    Check.notBlank(key, name);
    Path path = Path.of(name);
    if (!path.isAbsolute() && configFile != null && configFile.toAbsolutePath().getParent() != null) {
      path = configFile.toAbsolutePath().getParent().resolve(path);
    }
    try {
      return Files.readString(path, StandardCharsets.US_ASCII);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(key, "cannot read " + path.toAbsolutePath() + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Reads a PEM file of one or more certificates. */
  private static String certificates(String key, String name, Path configFile) {
    String pem = read(key, name, configFile);
    try {
      if (!pem.contains("-----BEGIN CERTIFICATE-----") || CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))).isEmpty()) {
        throw new CertificateException("no certificate");
      }
    } catch (CertificateException e) {
      throw new ConfigException(key, name + " is not a PEM file of X.509 certificates");
    }
    return pem;
  }

  /** The key must load with its certificate (PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted). */
  private static void checkKeyPair(String prefix, String keyPem, String certPem) {
    try {
      new PemKeyCertOptions().setKeyValue(Buffer.buffer(keyPem)).setCertValue(Buffer.buffer(certPem))
          .getKeyManagerFactory(null);
    } catch (Exception e) { // its message names the PEM labels it looked for, never the key
      throw new ConfigException(prefix + ".key-file", "is not an unencrypted PEM private key for "
          + prefix + ".cert-file (" + e.getClass().getSimpleName() + ")");
    }
  }

  /**
   * Sets TLS 1.2/1.3 with these files on {@code options} when enabled, ALPN on (h2 for gRPC, then
   * http/1.1); returns them.
   */
  public HttpServerOptions applyTo(HttpServerOptions options) {
    if (!enabled) {
      return options;
    }
    options.setSsl(true).setUseAlpn(true).setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"))
        .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(certPem)).setKeyValue(Buffer.buffer(keyPem)))
        .setClientAuth(io.vertx.core.http.ClientAuth.valueOf(clientAuth.name()));
    if (clientCaPem != null) {
      options.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(clientCaPem)));
    }
    return options;
  }

  @Override
  public String toString() {
    return enabled ? "TlsConfig[enabled, cert-file=" + certFile + ", key-file=" + keyFile + ", client-ca-file="
        + clientCaFile + ", client-auth=" + clientAuth.name().toLowerCase(Locale.ROOT) + "]" : "TlsConfig[off]";
  }
}
