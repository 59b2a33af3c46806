package dev.sluice.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TLS to RabbitMQ ({@code rabbitmq.tls.*}), used when {@code rabbitmq.uri} is {@code amqps://}: the
 * broker's certificate is always verified, against {@code caFile} or the JVM's default trust store,
 * and its host name checked unless {@code verifyHostname} is false. The files are read here once, so
 * that a missing or unreadable one stops start-up; what a key file holds is never printed.
 *
 * @param caFile PEM certificates of the CAs to trust, or {@code null} for the JVM's default trust store
 * @param certFile PEM client certificate (chain) for mutual TLS, or {@code null}; with {@code keyFile}
 * @param keyFile PEM private key of {@code certFile} (PKCS#8, PKCS#1 or SEC1; unencrypted), or {@code null}
 * @param verifyHostname whether the broker's certificate must name the host of {@code rabbitmq.uri}
 */
public record RabbitTlsConfig(Path caFile, Path certFile, Path keyFile, boolean verifyHostname) {

  /** No files: the JVM's trust store, host name checked. */
  public static final RabbitTlsConfig DEFAULT = new RabbitTlsConfig(null, null, null, true);

  private static final String PREFIX = "rabbitmq.tls.";
  private static final Pattern KEY_BLOCK = Pattern.compile(
      "-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

  public RabbitTlsConfig {
    if (caFile != null) {
      certificates(PREFIX + "ca-file", caFile);
    }
    if ((certFile == null) != (keyFile == null)) {
      String missing = certFile == null ? "cert-file" : "key-file";
      String given = certFile == null ? "key-file" : "cert-file";
      throw new ConfigException(PREFIX + missing, "is required when " + PREFIX + given + " is set");
    }
    if (certFile != null) {
      certificates(PREFIX + "cert-file", certFile);
      privateKey(PREFIX + "key-file", keyFile);
    }
  }

  /** From the configuration's strings: blank = not set. */
  public static RabbitTlsConfig of(String caFile, String certFile, String keyFile, boolean verifyHostname) {
    return new RabbitTlsConfig(path(caFile), path(certFile), path(keyFile), verifyHostname);
  }

  /** Whether a file is configured (a CA or a client certificate): they only make sense with amqps. */
  public boolean filesSet() {
    return caFile != null || certFile != null;
  }

  private static Path path(String s) {
    return s == null || s.isBlank() ? null : Path.of(s.trim());
  }

  private static byte[] read(String key, Path file) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new ConfigException(key, "is not a readable file: " + file);
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ConfigException(key, "cannot be read: " + file);
    }
  }

  private static void certificates(String key, Path file) {
    byte[] pem = read(key, file);
    try (InputStream in = new java.io.ByteArrayInputStream(pem)) {
      if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
        throw new ConfigException(key, "holds no PEM certificate: " + file);
      }
    } catch (CertificateException | IOException e) {
      throw new ConfigException(key, "holds no readable PEM certificate: " + file);
    }
  }

  /** A PEM private key block whose body is base64; the message never quotes the file. */
  private static void privateKey(String key, Path file) {
    Matcher m = KEY_BLOCK.matcher(new String(read(key, file), StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new ConfigException(key, "holds no PEM private key (BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY): " + file);
    }
    if (m.group(1).startsWith("ENCRYPTED")) {
      throw new ConfigException(key, "holds an encrypted private key, which is not supported: " + file);
    }
    try {
      if (Base64.getMimeDecoder().decode(m.group(2)).length == 0) {
        throw new ConfigException(key, "holds an empty private key: " + file);
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, "holds a private key that is not valid base64: " + file);
    }
  }
}
