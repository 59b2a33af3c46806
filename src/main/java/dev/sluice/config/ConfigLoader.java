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
  static final String PRODUCER = "kafka.producer";
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
      merge(tree, readFile(file), "");
    }
    applyEnv(tree, env);
    ConfigTree t = new ConfigTree(tree);
    return new SluiceConfig(
        new HttpConfig(
            t.string("http.host"),
            t.integer("http.port"),
            t.integer("http.instances"),
            t.integer("http.max-body-bytes"),
            t.integer("http.max-batch-events"),
            t.integer("http.idle-timeout-seconds"),
            t.integer("http.body-timeout-ms")),
        new WebSocketConfig(
            t.integer("websocket.credits"),
            t.integer("websocket.max-message-bytes"),
            t.integer("websocket.idle-timeout-seconds"),
            t.integer("websocket.ping-interval-seconds"),
            t.integer("websocket.max-credit-violations")),
        new LimitsConfig(
            t.longValue("limits.max-in-flight-events"),
            t.longValue("limits.max-in-flight-bytes"),
            t.integer("limits.retry-after-seconds")),
        new KafkaConfig(
            t.string("kafka.bootstrap-servers"),
            t.integer("kafka.delivery-timeout-ms"),
            t.integer("kafka.health-interval-ms"),
            t.stringMap(PRODUCER)),
        new AdminConfig(t.string("admin.host"), t.integer("admin.port")),
        new ShutdownConfig(t.integer("shutdown.drain-timeout-ms")),
        loadRoutes(t.string("routing.file"), file),
        new RabbitConfig(
            t.string("rabbitmq.uri"),
            t.integer("rabbitmq.reconnect-initial-ms"),
            t.integer("rabbitmq.reconnect-max-ms"),
            t.integer("rabbitmq.heartbeat-seconds"),
            t.integer("rabbitmq.confirm-timeout-ms")),
        BridgeRoutes.load(t.optionalString("bridge.file"), file, t.string("bridge.group-id-prefix"),
            t.integer("bridge.max-in-flight"),
            t.integer("bridge.max-in-flight-per-source"),
            t.integer("bridge.max-concurrent-keys"),
            t.integer("bridge.max-hops"),
            t.integer("bridge.max-poll-interval-ms")));
  }

  /** Renders the configuration for the start-up log (nothing secret is configurable yet). */
  public static String describe(SluiceConfig config) {
    return config.toString();
  }

  private static RoutingConfig loadRoutes(String name, Path configFile) {
    Path path = Path.of(name);
    Map<String, Object> doc;
    if (path.isAbsolute()) {
      doc = readFile(path);
    } else if (configFile != null && Files.exists(resolveSibling(configFile, path))) {
      doc = readFile(resolveSibling(configFile, path));
    } else {
      doc = readClasspath("conf/" + name);
    }
    Object routes = doc.get("routes");
    if (!(routes instanceof List<?> list) || list.isEmpty()) {
      throw new ConfigException("routing.file", name + " must hold a non-empty 'routes' list");
    }
    List<RoutingConfig.Rule> rules = new ArrayList<>();
    for (Object item : list) {
      if (!(item instanceof Map<?, ?> rule)) {
        throw new ConfigException("routes[]", "each route must be a map with 'match' and 'topic'");
      }
      rules.add(new RoutingConfig.Rule(asString(rule.get("match")), asString(rule.get("topic"))));
    }
    return new RoutingConfig(rules);
  }

  static Map<String, Object> readRelative(String name, Path configFile) {
    Path path = Path.of(name);
    if (path.isAbsolute()) {
      return readFile(path);
    } else if (configFile != null && Files.exists(resolveSibling(configFile, path))) {
      return readFile(resolveSibling(configFile, path));
    }
    return readClasspath("conf/" + name);
  }

  private static Path resolveSibling(Path configFile, Path relative) {
    Path dir = configFile.toAbsolutePath().getParent();
    return dir == null ? relative : dir.resolve(relative);
  }

  private static String asString(Object o) {
    return o == null ? null : o.toString();
  }

  private static Map<String, Object> readClasspath(String resource) {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new ConfigException(resource, "not found on the classpath");
      }
      return asTree(YAML.readValue(in, Object.class), resource);
    } catch (IOException e) {
      throw new ConfigException(resource, "cannot be read: " + e.getMessage(), e);
    }
  }

  private static Map<String, Object> readFile(Path file) {
    if (!Files.isReadable(file)) {
      throw new ConfigException("--config", "cannot read " + file.toAbsolutePath());
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

  /** Merges {@code over} into {@code base}; every key must exist in the defaults, but producer options. */
  @SuppressWarnings("unchecked")
  private static void merge(Map<String, Object> base, Map<String, Object> over, String prefix) {
    for (Map.Entry<String, Object> e : over.entrySet()) {
      String key = prefix + e.getKey();
      Object current = base.get(e.getKey());
      boolean open = prefix.equals(PRODUCER + ".");
      if (current == null && !open) {
        throw new ConfigException(key, "is not a Sluice option (see conf/sluice.yaml)");
      }
      if (current instanceof Map<?, ?> currentMap) {
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

  /** SLUICE_A_B_C overrides the key whose env form it is; unknown SLUICE_KAFKA_PRODUCER_X_Y sets x.y. */
  @SuppressWarnings("unchecked")
  private static void applyEnv(Map<String, Object> tree, Map<String, String> env) {
    Map<String, String> byEnvName = new LinkedHashMap<>();
    flatten(tree, "", byEnvName);
    String producerPrefix = envName(PRODUCER) + "_";
    for (Map.Entry<String, String> e : env.entrySet()) {
      String key = byEnvName.get(e.getKey());
      if (key != null) {
        set(tree, key, e.getValue());
      } else if (e.getKey().startsWith(producerPrefix) && e.getKey().length() > producerPrefix.length()) {
        String option =
            e.getKey().substring(producerPrefix.length()).toLowerCase(Locale.ROOT).replace('_', '.');
        ((Map<String, Object>) ((Map<String, Object>) tree.get("kafka")).get("producer"))
            .put(option, e.getValue());
      }
    }
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
    if (key.startsWith(PRODUCER + ".")) {
      ((Map<String, Object>) ((Map<String, Object>) tree.get("kafka")).get("producer"))
          .put(key.substring(PRODUCER.length() + 1), value);
      return;
    }
    String[] parts = key.split("\\.");
    Map<String, Object> node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      node = (Map<String, Object>) node.get(parts[i]);
    }
    node.put(parts[parts.length - 1], value);
  }
}
