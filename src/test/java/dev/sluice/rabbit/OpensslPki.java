package dev.sluice.rabbit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for a TLS test, made by {@code openssl} (EC P-256, valid two days): a CA that signs a
 * broker certificate (for the names given) and a client certificate, and another CA that signed
 * neither. Everything is PEM; keys are unencrypted PKCS#8.
 */
record OpensslPki(Path ca, Path otherCa, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {

  /** Makes them in {@code dir}; the broker's certificate names {@code serverNames} (e.g. {@code DNS:localhost}). */
  static OpensslPki create(Path dir, String serverNames) {
    Path ca = selfSignedCa(dir, "ca", "sluice-test-ca");
    Path other = selfSignedCa(dir, "other-ca", "sluice-other-ca");
    signed(dir, "server", "/CN=rabbitmq-test", "subjectAltName=" + serverNames + "\nextendedKeyUsage=serverAuth\n");
    signed(dir, "client", "/CN=sluice/O=test", "extendedKeyUsage=clientAuth\n");
    return new OpensslPki(ca, other, dir.resolve("server.pem"), dir.resolve("server.key"),
        dir.resolve("client.pem"), dir.resolve("client.key"));
  }

  private static Path selfSignedCa(Path dir, String name, String cn) {
    openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + cn,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    return dir.resolve(name + ".pem");
  }

  private static void signed(Path dir, String name, String subject, String extensions) {
    try {
      Files.writeString(dir.resolve(name + ".ext"), "basicConstraints=CA:FALSE\n" + extensions);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + name + ".ext", e);
    }
    openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject);
    openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", name + ".ext", "-out", name + ".pem");
  }

  private static void openssl(Path dir, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("openssl failed: " + String.join(" ", cmd) + "\n" + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run openssl (is it installed?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
