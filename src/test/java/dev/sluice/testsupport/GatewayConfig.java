package dev.sluice.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A gateway configuration for a test: {@code sluice.yaml} with the keys of {@code conf/sluice.yaml}
 * to override, and {@code routes.yaml} beside it. Listens on 127.0.0.1 on free ports; two ingest
 * instances (the machine is small and shared).
 */
public final class GatewayConfig {

  private static final String PRODUCER = "kafka.producer.";
  /** Maps of Kafka client options: the dots of an option name are part of it. */
  private static final List<String> OPEN =
      List.of("kafka.common.", PRODUCER, "kafka.consumer.", "kafka.admin.");

  /**
   * The admin token of every test gateway ({@code admin.token-sha256} holds its SHA-256); {@link Http}
   * sends it on {@code /metrics} and {@code /admin/...}.
   */
  public static final String ADMIN_TOKEN = "test-admin-token-4f1c9a";

  private final Map<String, Object> values = new LinkedHashMap<>();
  private final List<String[]> routes = new ArrayList<>();
  private String bridgeYaml;
  private String subscriptionsYaml;
  private String tenantsYaml;
  private final int httpPort;
  private final int adminPort;

  private GatewayConfig(String bootstrap) {
    this.httpPort = Ports.free();
    this.adminPort = Ports.free();
    values.put("http.host", "127.0.0.1");
    values.put("http.port", httpPort);
    values.put("http.instances", 2);
    values.put("admin.host", "127.0.0.1");
    values.put("admin.port", adminPort);
    values.put("admin.token-sha256", sha256(ADMIN_TOKEN));
    values.put("kafka.bootstrap-servers", bootstrap);
    values.put("auth.mode", "none"); // tests of authentication set it to required
  }

  /** A configuration for a gateway publishing to {@code bootstrap}. */
  public static GatewayConfig forKafka(String bootstrap) {
    return new GatewayConfig(bootstrap);
  }

  /**
   * Sets a key of {@code conf/sluice.yaml}, e.g. {@code set("kafka.delivery-timeout-ms", 4000)} or
   * {@code set("kafka.common.security.protocol", "SASL_PLAINTEXT")}.
   */
  public GatewayConfig set(String key, Object value) {
    values.put(key, value);
    return this;
  }

  /** Sets a Kafka producer option, e.g. {@code producer("max.block.ms", 2000)}. */
  public GatewayConfig producer(String option, Object value) {
    values.put(PRODUCER + option, value);
    return this;
  }

  /** Adds a route (first match wins). */
  public GatewayConfig route(String match, String topic) {
    routes.add(new String[] {match, topic, null, null});
    return this;
  }

  /** A route whose records take {@code format} ({@code routes[].format}: native, cloudevents-binary, ...). */
  public GatewayConfig routeWithFormat(String match, String topic, String format) {
    routes.add(new String[] {match, topic, null, format});
    return this;
  }

  /** A route with a fallback chain of its own, in YAML flow style, e.g. {@code [grpc:orders, spool]}. */
  public GatewayConfig routeWithFallback(String match, String topic, String chain) {
    routes.add(new String[] {match, topic, chain, null});
    return this;
  }

  /**
   * Bridge routes (the YAML of {@code bridge.yaml}) to a RabbitMQ at {@code rabbitUri}: written
   * beside the config and named by {@code bridge.file}.
   */
  public GatewayConfig bridge(String rabbitUri, String yaml) {
    values.put("rabbitmq.uri", rabbitUri);
    values.put("bridge.file", "bridge.yaml");
    this.bridgeYaml = yaml;
    return this;
  }

  /** Subscriptions (the YAML of {@code subscriptions.yaml}): written beside the config, named by {@code subscriptions.file}. */
  public GatewayConfig subscriptions(String yaml) {
    values.put("subscriptions.file", "subscriptions.yaml");
    this.subscriptionsYaml = yaml;
    return this;
  }

  /**
   * Authentication on: {@code auth.mode: required} with these tenants (the YAML of {@code tenants.yaml},
   * see {@code conf/tenants.example.yaml}), written beside the config and named by {@code
   * auth.tenants-file}. {@code dev.sluice.auth.ApiKeys.generate} makes keys and their hashes.
   */
  public GatewayConfig tenants(String yaml) {
    values.put("auth.mode", "required");
    values.put("auth.tenants-file", "tenants.yaml");
    this.tenantsYaml = yaml;
    return this;
  }

  public int httpPort() {
    return httpPort;
  }

  public int adminPort() {
    return adminPort;
  }

  public URI ingestUri(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  public URI adminUri(String path) {
    return URI.create("http://127.0.0.1:" + adminPort + path);
  }

  /**
   * Writes {@code sluice.yaml}, {@code routes.yaml} (and {@code bridge.yaml} when set) into {@code
   * dir}; returns the first.
   */
  public Path writeTo(Path dir) {
    if (routes.isEmpty()) {
      throw new IllegalStateException("a gateway needs at least one route");
    }
    StringBuilder routesYaml = new StringBuilder("routes:\n");
    for (String[] r : routes) {
      routesYaml.append("  - match: ").append(quote(r[0])).append('\n');
      routesYaml.append("    topic: ").append(quote(r[1])).append('\n');
      if (r[2] != null) {
        routesYaml.append("    fallback: ").append(r[2]).append('\n');
      }
      if (r[3] != null) {
        routesYaml.append("    format: ").append(r[3]).append('\n');
      }
    }
    Path config = dir.resolve("sluice.yaml");
    try {
      Files.writeString(dir.resolve("routes.yaml"), routesYaml);
      if (bridgeYaml != null) {
        Files.writeString(dir.resolve("bridge.yaml"), bridgeYaml);
      }
      if (tenantsYaml != null) {
        Files.writeString(dir.resolve("tenants.yaml"), tenantsYaml);
      }
      if (subscriptionsYaml != null) {
        Files.writeString(dir.resolve("subscriptions.yaml"), subscriptionsYaml);
      }
      Files.writeString(config, yaml());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the gateway config into " + dir, e);
    }
    return config;
  }

  /** The overrides as nested YAML; a Kafka client option's dots are part of its name. */
  String yaml() {
    Map<String, Object> tree = new LinkedHashMap<>();
    values.forEach(
        (key, value) -> {
          List<String> path = new ArrayList<>();
          String open = OPEN.stream().filter(key::startsWith).findFirst().orElse(null);
          if (open != null) {
            path.addAll(List.of(open.substring(0, open.length() - 1).split("\\.")));
            path.add(key.substring(open.length()));
          } else {
            path.addAll(List.of(key.split("\\.")));
          }
          put(tree, path, value);
        });
    StringBuilder out = new StringBuilder();
    render(tree, 0, out);
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  private static void put(Map<String, Object> tree, List<String> path, Object value) {
    Map<String, Object> node = tree;
    for (int i = 0; i < path.size() - 1; i++) {
      node =
          (Map<String, Object>)
              node.computeIfAbsent(path.get(i), k -> new LinkedHashMap<String, Object>());
    }
    node.put(path.get(path.size() - 1), value);
  }

  @SuppressWarnings("unchecked")
  private static void render(Map<String, Object> node, int indent, StringBuilder out) {
    node.forEach(
        (key, value) -> {
          out.append(" ".repeat(indent)).append(key).append(':');
          if (value instanceof Map<?, ?> child) {
            out.append('\n');
            render((Map<String, Object>) child, indent + 2, out);
          } else {
            out.append(' ').append(quote(String.valueOf(value))).append('\n');
          }
        });
  }

  /** Lowercase hex SHA-256 of {@code text}'s UTF-8 bytes (how tokens and API keys are stored). */
  public static String sha256(String text) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String quote(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }
}
