package dev.sluice.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small PKI made by the {@code openssl} binary (EC P-256, valid two days, PEM, keys unencrypted
 * PKCS#8): a CA, a server certificate for {@code localhost} and {@code 127.0.0.1} signed by it, a client
 * certificate signed by it ({@code CN=checkout,O=team-a}), another one signed by it that tests list in no
 * tenant ({@code CN=reports,O=team-b}), and a client certificate of another CA that the gateway does not
 * know.
 */
public record TestPki(Path caCert, Path serverCert, Path serverKey, Path clientCert, Path clientKey,
    Path strangerCert, Path strangerKey, Path unmappedCert, Path unmappedKey) {

  /** The subject of {@link #clientCert} as Java prints it (RFC 2253). */
  public static final String CLIENT_SUBJECT = "CN=checkout,O=team-a";
  /** The subject of {@link #unmappedCert} as Java prints it (RFC 2253). */
  public static final String UNMAPPED_SUBJECT = "CN=reports,O=team-b";

  private static final List<String> EC = List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
      "-nodes", "-days", "2");

  /** Makes one in {@code dir}. */
  public static TestPki create(Path dir) {
    Path ca = dir.resolve("ca.pem");
    Path caKey = dir.resolve("ca-key.pem");
    req(caKey, ca, "/CN=Sluice Test CA", null, null);
    Path server = dir.resolve("server.pem");
    Path serverKey = dir.resolve("server-key.pem");
    req(serverKey, server, "/CN=localhost", ca, caKey, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-addext", "basicConstraints=CA:FALSE", "-addext", "extendedKeyUsage=serverAuth");
    Path client = dir.resolve("client.pem");
    Path clientKey = dir.resolve("client-key.pem");
    req(clientKey, client, "/O=team-a/CN=checkout", ca, caKey, "-addext", "basicConstraints=CA:FALSE",
        "-addext", "extendedKeyUsage=clientAuth");
    Path otherCa = dir.resolve("other-ca.pem");
    Path otherCaKey = dir.resolve("other-ca-key.pem");
    req(otherCaKey, otherCa, "/CN=Some Other CA", null, null);
    Path stranger = dir.resolve("stranger.pem");
    Path strangerKey = dir.resolve("stranger-key.pem");
    req(strangerKey, stranger, "/O=team-a/CN=checkout", otherCa, otherCaKey, "-addext", "basicConstraints=CA:FALSE",
        "-addext", "extendedKeyUsage=clientAuth");
    Path unmapped = dir.resolve("unmapped.pem");
    Path unmappedKey = dir.resolve("unmapped-key.pem");
    req(unmappedKey, unmapped, "/O=team-b/CN=reports", ca, caKey, "-addext", "basicConstraints=CA:FALSE",
        "-addext", "extendedKeyUsage=clientAuth");
    return new TestPki(ca, server, serverKey, client, clientKey, stranger, strangerKey, unmapped, unmappedKey);
  }

  private static void req(Path key, Path cert, String subject, Path ca, Path caKey, String... extra) {
    List<String> cmd = new ArrayList<>(List.of("openssl", "req", "-x509"));
    cmd.addAll(EC);
    cmd.addAll(List.of("-keyout", key.toString(), "-out", cert.toString(), "-subj", subject));
    if (ca != null) {
      cmd.addAll(List.of("-CA", ca.toString(), "-CAkey", caKey.toString()));
    }
    cmd.addAll(List.of(extra));
    run(cmd);
  }

  private static void run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("openssl failed: " + String.join(" ", cmd) + "\n" + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run openssl", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
