package dev.sluice.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A synchronous gRPC fallback target ({@code fallback.targets.<name>}): a downstream service that
 * implements {@code sluice.v1.EventDelivery} and takes a route's events while Kafka cannot. A route
 * names it as {@code grpc:<name>} in its fallback chain.
 *
 * @param name how routes name it (lower-case letters, digits and '-')
 * @param host the service's host name or address
 * @param port the service's port
 * @param deadlineMs the deadline of each call (sent as {@code grpc-timeout}; past it the call is
 *     cancelled and its events go to the next link of the chain)
 * @param tls whether to connect with TLS (HTTP/2 over TLS with ALPN); else HTTP/2 in clear text
 * @param trustPem PEM file of the certificates to trust (TLS only), or {@code null} for the JVM's
 *     default trust store
 */
public record GrpcTargetConfig(String name, String host, int port, int deadlineMs, boolean tls, Path trustPem) {

  /** The prefix of every target's keys. */
  public static final String PREFIX = "fallback.targets";

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  /** A deadline longer than this would hold a client's request past any sensible HTTP timeout. */
  static final int MAX_DEADLINE_MS = 60_000;

  public GrpcTargetConfig {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new ConfigException(PREFIX, "a target's name must be lower-case letters, digits and '-' (at most 63,"
          + " starting with a letter or digit), got '" + name + "'");
    }
    String key = PREFIX + "." + name;
    Check.notBlank(key + ".host", host);
    if (port < 1 || port > 65535) {
      throw new ConfigException(key + ".port", "must be a TCP port (1-65535), got " + port);
    }
    Check.atLeast(key + ".deadline-ms", deadlineMs, 10);
    if (deadlineMs > MAX_DEADLINE_MS) {
      throw new ConfigException(key + ".deadline-ms", "must be <= " + MAX_DEADLINE_MS + ", got " + deadlineMs);
    }
    if (trustPem != null) {
      if (!tls) {
        throw new ConfigException(key + ".trust-pem", "is set but " + key + ".tls is false");
      }
      if (!Files.isRegularFile(trustPem) || !Files.isReadable(trustPem)) {
        throw new ConfigException(key + ".trust-pem", "is not a readable file: " + trustPem);
      }
    }
  }

  /** How routes and answers name it: {@code grpc:<name>}. */
  public String target() {
    return "grpc:" + name;
  }
}
