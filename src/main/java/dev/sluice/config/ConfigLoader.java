package dev.sluice.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the configuration once: {@code conf/sluice.yaml} from the classpath, merged with the file named
 * by {@code --config} or {@code SLUICE_CONFIG}, then single keys from {@code SLUICE_*} environment
 * variables; builds the validated records. Anything invalid throws {@link ConfigException} naming the key.
 */
public final class ConfigLoader {

  private static final String DEFAULTS = "conf/sluice.yaml";
  /** A file name with this prefix names a file bundled in {@code conf/} on the classpath. */
  static final String CLASSPATH = "classpath:";
  /** The open maps of Kafka client options: any name (checked against Kafka's own definitions). */
  static final List<String> OPEN =
      List.of("kafka.common", "kafka.producer", "kafka.consumer", "kafka.admin");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ConfigLoader() {}

  /** Loads from the command line arguments and the environment. */
  public static SluiceConfig load(String[] args, Map<String, String> env) {
    Path file = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        file = Path.of(args[++i]);
      } else if (args[i].startsWith("--config=")) {
        file = Path.of(args[i].substring("--config=".length()));
      } else {
        throw new ConfigException("arguments", "unknown argument '" + args[i] + "' (use --config FILE)");
      }
    }
    if (file == null && env.get("SLUICE_CONFIG") != null && !env.get("SLUICE_CONFIG").isBlank()) {
      file = Path.of(env.get("SLUICE_CONFIG"));
    }
    return load(file, env);
  }

  /** Loads the defaults, overridden by {@code file} (may be null) and then by {@code env}. */
  public static SluiceConfig load(Path file, Map<String, String> env) {
    Map<String, Object> tree = readClasspath(DEFAULTS);
    if (file != null) {
      merge(tree, readFile("--config", file), "");
    }
    applyEnv(tree, env);
    ConfigTree t = new ConfigTree(tree);
    HttpConfig http =
        new HttpConfig(
            t.string("http.host"),
            t.integer("http.port"),
            t.integer("http.instances"),
            t.integer("http.max-body-bytes"),
            t.integer("http.max-batch-events"),
            t.integer("http.idle-timeout-seconds"),
            t.integer("http.body-timeout-ms"),
            t.integer("http.max-initial-line-bytes"),
            t.integer("http.max-header-bytes"),
            TlsConfig.load(t, "http.tls", file));
    LimitsConfig limits =
        new LimitsConfig(
            t.longValue("limits.max-in-flight-events"),
            t.longValue("limits.max-in-flight-bytes"),
            t.integer("limits.retry-after-seconds"));
    return new SluiceConfig(
        http,
        new WebSocketConfig(
            t.integer("websocket.credits"),
            t.integer("websocket.max-message-bytes"),
            t.integer("websocket.idle-timeout-seconds"),
            t.integer("websocket.ping-interval-seconds"),
            t.integer("websocket.max-credit-violations")),
        limits,
        new KafkaConfig(
            t.string("kafka.bootstrap-servers"),
            t.string("kafka.client-id-prefix"),
            t.integer("kafka.delivery-timeout-ms"),
            t.integer("kafka.health-interval-ms"),
            t.stringMap("kafka.common"),
            t.stringMap("kafka.producer"),
            t.stringMap("kafka.consumer"),
            t.stringMap("kafka.admin")),
        new AdminConfig(t.string("admin.host"), t.integer("admin.port"), TlsConfig.load(t, "admin.tls", file),
            strings("admin.token-sha256", t.raw("admin.token-sha256")), t.bool("admin.metrics-open")),
        new ShutdownConfig(t.integer("shutdown.drain-timeout-ms")),
        loadRoutes(t.string("routing.file"), file),
        new RabbitConfig(
            t.string("rabbitmq.uri"),
            t.integer("rabbitmq.reconnect-initial-ms"),
            t.integer("rabbitmq.reconnect-max-ms"),
            t.integer("rabbitmq.heartbeat-seconds"),
            t.integer("rabbitmq.confirm-timeout-ms"),
            RabbitTlsConfig.of(t.optionalString("rabbitmq.tls.ca-file"), t.optionalString("rabbitmq.tls.cert-file"),
                t.optionalString("rabbitmq.tls.key-file"), t.bool("rabbitmq.tls.verify-hostname"))),
        BridgeRoutes.load(t.optionalString("bridge.file"), file, t.string("bridge.group-id-prefix"),
            t.integer("bridge.max-in-flight"),
            t.integer("bridge.max-in-flight-per-source"),
            t.integer("bridge.max-concurrent-keys"),
            t.integer("bridge.max-hops"),
            t.integer("bridge.max-poll-interval-ms")),
        new StoreConfig(t.string("store.uri"), t.string("store.schema"), t.integer("store.max-connections")),
        new SpoolConfig(
            t.bool("spool.enabled"),
            t.longValue("spool.max-events"),
            t.longValue("spool.max-bytes"),
            t.integer("spool.append-timeout-ms"),
            t.integer("spool.relay-batch"),
            t.integer("spool.relay-workers"),
            t.integer("spool.relay-lease-ms")),
        new BreakerConfig(
            "breaker.kafka",
            t.integer("breaker.kafka.window-ms"),
            t.integer("breaker.kafka.min-calls"),
            t.integer("breaker.kafka.failure-rate-percent"),
            t.integer("breaker.kafka.reset-ms")),
        new FallbackConfig(
            strings("fallback.default", t.raw("fallback.default")),
            targets(tree),
            new BreakerConfig(
                "breaker.grpc",
                t.integer("breaker.grpc.window-ms"),
                t.integer("breaker.grpc.min-calls"),
                t.integer("breaker.grpc.failure-rate-percent"),
                t.integer("breaker.grpc.reset-ms"))),
        new SubscriptionsConfig(
            SubscriptionFile.load(t.optionalString("subscriptions.file"), file),
            t.string("subscriptions.group-id-prefix"),
            t.integer("subscriptions.max-in-flight-per-source"),
            t.longValue("subscriptions.processed-ttl-ms"),
            t.longValue("subscriptions.sweep-interval-ms"),
            t.integer("subscriptions.sweep-batch"),
            t.integer("subscriptions.replay-rate"),
            t.integer("subscriptions.replay-batch")),
        new IdempotencyConfig(t.bool("idempotency.enabled"),
            IdempotencyConfig.durationMs("idempotency.ttl", t.string("idempotency.ttl")),
            t.longValue("idempotency.lease-ms"), t.longValue("idempotency.timeout-ms"),
            t.longValue("idempotency.sweep-interval-ms"), t.integer("idempotency.sweep-batch")),
        GrpcIngestConfig.of(t.bool("grpc.enabled"), t.integer("grpc.max-message-bytes"),
            t.integer("grpc.stream-credits"), t.integer("grpc.max-credit-violations"), http, limits),
        new SchemasConfig(t.bool("schemas.enabled"), SchemasConfig.resolve(t.string("schemas.dir"), file),
            SchemasConfig.Compatibility.of("schemas.compatibility", t.string("schemas.compatibility"))),
        AuthConfig.load(t, file));
  }

  /**
   * Renders the configuration for the start-up log: secret Kafka option values show as {@code
   * [hidden]}, the RabbitMQ password as {@code ***}.
   */
  public static String describe(SluiceConfig config) {
    return config.toString();
  }

  private static RoutingConfig loadRoutes(String name, Path configFile) {
    Map<String, Object> doc = readRelative("routing.file", name, configFile);
    Object routes = doc.get("routes");
    if (!(routes instanceof List<?> list) || list.isEmpty()) {
      throw new ConfigException("routing.file", name + " must hold a non-empty 'routes' list");
    }
    List<RoutingConfig.Rule> rules = new ArrayList<>();
    for (Object item : list) {
      if (!(item instanceof Map<?, ?> rule)) {
        throw new ConfigException("routes[]", "each route must be a map with 'match' and 'topic'");
      }
      for (Object k : rule.keySet()) {
        if (!List.of("match", "topic", "fallback", "format").contains(String.valueOf(k))) {
          throw new ConfigException("routes[" + rule.get("match") + "]." + k, "is not a route option (match, topic, fallback, format)");
        }
      }
      rules.add(new RoutingConfig.Rule(asString(rule.get("match")), asString(rule.get("topic")),
          rule.containsKey("fallback") ? strings("routes[" + rule.get("match") + "].fallback", rule.get("fallback")) : null,
          RecordFormat.parse("routes[" + rule.get("match") + "].format", asString(rule.get("format")))));
    }
    return new RoutingConfig(rules);
  }

  /**
   * Reads the file named by {@code key}: {@code classpath:NAME} is the bundled {@code conf/NAME}; an
   * absolute path is that file; a relative one lies beside the config file, or, without a config
   * file, is bundled. A file that is not where it is looked for stops start-up.
   */
  static Map<String, Object> readRelative(String key, String name, Path configFile) {
    if (name.startsWith(CLASSPATH)) {
      return readClasspath(key, name.substring(CLASSPATH.length()));
    }
    Path path = Path.of(name);
    if (path.isAbsolute()) {
      return readFile(key, path);
    }
    if (configFile == null) {
      return readClasspath(key, name);
    }
    Path beside = resolveSibling(configFile, path);
    if (!Files.exists(beside)) {
      throw new ConfigException(key, "'" + name + "' is not beside the config file: " + beside
          + " does not exist (" + CLASSPATH + name + " names the bundled one)");
    }
    return readFile(key, beside);
  }

  private static Path resolveSibling(Path configFile, Path relative) {
    Path dir = configFile.toAbsolutePath().getParent();
    return dir == null ? relative : dir.resolve(relative);
  }

  /** A YAML list of strings (or one string) at {@code key}. */
  static List<String> strings(String key, Object o) {
    if (o == null) {
      return List.of();
    }
    if (o instanceof List<?> l) {
      List<String> out = new ArrayList<>();
      for (Object x : l) {
        if (x == null || x instanceof Map<?, ?> || x instanceof List<?>) {
          throw new ConfigException(key, "must be a list of names");
        }
        out.add(x.toString().trim());
      }
      return out;
    }
    if (o instanceof Map<?, ?>) {
      throw new ConfigException(key, "must be a list of names");
    }
    String text = o.toString().trim();
    return text.isEmpty() ? List.of() : java.util.Arrays.stream(text.split(",")).map(String::trim).toList();
  }

  /** The gRPC fallback targets, {@code fallback.targets.<name>}. */
  private static Map<String, GrpcTargetConfig> targets(Map<String, Object> tree) {
    Map<String, GrpcTargetConfig> out = new java.util.TreeMap<>();
    Object fb = tree.get("fallback");
    Object targets = fb instanceof Map<?, ?> m ? m.get("targets") : null;
    if (targets == null) {
      return out;
    }
    if (!(targets instanceof Map<?, ?> all)) {
      throw new ConfigException(GrpcTargetConfig.PREFIX, "must be a map of targets by name");
    }
    for (Map.Entry<?, ?> e : all.entrySet()) {
      String name = String.valueOf(e.getKey());
      String key = GrpcTargetConfig.PREFIX + "." + name;
      if (!(e.getValue() instanceof Map<?, ?> t)) {
        throw new ConfigException(key, "must be a map (host, port, deadline-ms, tls, trust-pem)");
      }
      for (Object k : t.keySet()) {
        if (!List.of("host", "port", "deadline-ms", "tls", "trust-pem").contains(String.valueOf(k))) {
          throw new ConfigException(key + "." + k, "is not a target option (host, port, deadline-ms, tls, trust-pem)");
        }
      }
      ConfigTree ct = new ConfigTree(tree);
      Object trust = t.get("trust-pem");
      out.put(name, new GrpcTargetConfig(name, ct.string(key + ".host"), ct.integer(key + ".port"),
          t.get("deadline-ms") == null ? 2000 : ct.integer(key + ".deadline-ms"),
          t.get("tls") != null && ct.bool(key + ".tls"),
          trust == null || trust.toString().isBlank() ? null : Path.of(trust.toString().trim())));
    }
    return out;
  }

  private static String asString(Object o) {
    return o == null ? null : o.toString();
  }

  private static Map<String, Object> readClasspath(String resource) {
    return readClasspath(resource, resource.substring("conf/".length()));
  }

  private static Map<String, Object> readClasspath(String key, String name) {
    String resource = "conf/" + name;
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new ConfigException(key, "'" + name + "' is not a bundled file (no " + resource + " on the classpath)");
      }
      return asTree(YAML.readValue(in, Object.class), resource);
    } catch (IOException e) {
      throw new ConfigException(resource, "cannot be read: " + e.getMessage(), e);
    }
  }

  private static Map<String, Object> readFile(String key, Path file) {
    if (!Files.isReadable(file)) {
      throw new ConfigException(key, "cannot read " + file.toAbsolutePath());
    }
    try (InputStream in = Files.newInputStream(file)) {
      return asTree(YAML.readValue(in, Object.class), file.toString());
    } catch (IOException e) {
      throw new ConfigException(file.toString(), "is not valid YAML: " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asTree(Object doc, String source) {
    if (doc == null) {
      return new LinkedHashMap<>();
    }
    if (!(doc instanceof Map<?, ?>)) {
      throw new ConfigException(source, "must be a YAML map at the top level");
    }
    return (Map<String, Object>) doc;
  }

  /** Merges {@code over} into {@code base}; every key must exist in the defaults, but Kafka client options. */
  @SuppressWarnings("unchecked")
  private static void merge(Map<String, Object> base, Map<String, Object> over, String prefix) {
    for (Map.Entry<String, Object> e : over.entrySet()) {
      String key = prefix + e.getKey();
      Object current = base.get(e.getKey());
      boolean open = OPEN.contains(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1));
      if (current == null && prefix.equals(GrpcTargetConfig.PREFIX + ".")) {
        base.put(e.getKey(), e.getValue()); // a target of its own name: checked when the targets are read
        continue;
      }
      if (current == null && !open) {
        throw new ConfigException(key, "is not a Sluice option (see conf/sluice.yaml)");
      }
      if (current instanceof Map<?, ?> currentMap) {
        if (e.getValue() == null) {
          continue; // an empty section ("kafka:\n  common:") changes nothing
        }
        if (!(e.getValue() instanceof Map<?, ?> overMap)) {
          throw new ConfigException(key, "must be a map");
        }
        merge((Map<String, Object>) currentMap, (Map<String, Object>) overMap, key + ".");
      } else {
        if (e.getValue() instanceof Map<?, ?>) {
          throw new ConfigException(key, "must be a single value, not a map");
        }
        base.put(e.getKey(), e.getValue());
      }
    }
  }

  /**
   * SLUICE_A_B_C overrides the key whose env form it is; any other SLUICE_KAFKA_PRODUCER_X_Y sets
   * option x.y of kafka.producer (the same for kafka.common, kafka.consumer, kafka.admin).
   */
  private static void applyEnv(Map<String, Object> tree, Map<String, String> env) {
    Map<String, String> byEnvName = new LinkedHashMap<>();
    flatten(tree, "", byEnvName);
    for (Map.Entry<String, String> e : env.entrySet()) {
      String key = byEnvName.get(e.getKey());
      if (key != null) {
        set(tree, key, e.getValue());
        continue;
      }
      for (String open : OPEN) {
        String prefix = envName(open) + "_";
        if (e.getKey().startsWith(prefix) && e.getKey().length() > prefix.length()) {
          String option = e.getKey().substring(prefix.length()).toLowerCase(Locale.ROOT).replace('_', '.');
          openMap(tree, open).put(option, e.getValue());
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> openMap(Map<String, Object> tree, String open) {
    String[] parts = open.split("\\.");
    return (Map<String, Object>) ((Map<String, Object>) tree.get(parts[0])).get(parts[1]);
  }

  @SuppressWarnings("unchecked")
  private static void flatten(Map<String, Object> node, String prefix, Map<String, String> out) {
    for (Map.Entry<String, Object> e : node.entrySet()) {
      String key = prefix + e.getKey();
      if (e.getValue() instanceof Map<?, ?> child) {
        flatten((Map<String, Object>) child, key + ".", out);
      } else {
        out.put(envName(key), key);
      }
    }
  }

  static String envName(String key) {
    return "SLUICE_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  @SuppressWarnings("unchecked")
  private static void set(Map<String, Object> tree, String key, String value) {
    for (String open : OPEN) {
      if (key.startsWith(open + ".")) {
        openMap(tree, open).put(key.substring(open.length() + 1), value);
        return;
      }
    }
    String[] parts = key.split("\\.");
    Map<String, Object> node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      node = (Map<String, Object>) node.get(parts[i]);
    }
    node.put(parts[parts.length - 1], value);
  }
}
