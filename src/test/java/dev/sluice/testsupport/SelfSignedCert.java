package dev.sluice.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1}, made by the JDK's keytool (the
 * one of the running JVM): a PKCS#12 key store and the private key as PEM for servers, and the
 * certificate as PEM for servers and for clients to trust.
 */
public record SelfSignedCert(Path keyStore, String password, Path certPem, Path keyPem) {

  private static final String ALIAS = "sluice-test";

  /** Makes one in {@code dir}. */
  public static SelfSignedCert create(Path dir) {
    Path p12 = dir.resolve("server.p12");
    Path pem = dir.resolve("server-cert.pem");
    String password = "changeit";
    keytool(List.of("-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
        "-keystore", p12.toString(), "-storetype", "PKCS12", "-storepass", password, "-keypass", password));
    keytool(List.of("-exportcert", "-rfc", "-alias", ALIAS, "-keystore", p12.toString(), "-storepass", password,
        "-file", pem.toString()));
    Path key = dir.resolve("server-key.pem");
    try (InputStream in = Files.newInputStream(p12)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, password.toCharArray());
      byte[] pkcs8 = ks.getKey(ALIAS, password.toCharArray()).getEncoded();
      Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pkcs8)
          + "\n-----END PRIVATE KEY-----\n");
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot write the private key of " + p12, e);
    }
    return new SelfSignedCert(p12, password, pem, key);
  }

  /** Key managers over the key store, for a server. */
  public javax.net.ssl.KeyManager[] keyManagers() {
    try (InputStream in = Files.newInputStream(keyStore)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, password.toCharArray());
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, password.toCharArray());
      return kmf.getKeyManagers();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot read " + keyStore, e);
    }
  }

  private static void keytool(List<String> args) {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(keytool.toString());
    cmd.addAll(args);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("keytool failed: " + String.join(" ", cmd) + "\n" + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + keytool, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
