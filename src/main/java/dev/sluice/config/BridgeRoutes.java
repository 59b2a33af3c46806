package dev.sluice.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads the bridge's route file ({@code bridge.file}) into {@link BridgeConfig}. */
final class BridgeRoutes {

  private static final Set<String> K2R_KEYS = Set.of("name", "topics", "exchange", "routing-key", "dead-letter");
  private static final Set<String> R2K_KEYS = Set.of("name", "queues", "topic", "key", "dead-letter");

  private BridgeRoutes() {}

  static BridgeConfig load(
      String name,
      Path configFile,
      String groupIdPrefix,
      int maxInFlight,
      int perSource,
      int keys,
      int hops,
      int maxPollIntervalMs) {
    List<BridgeConfig.KafkaToRabbit> k2r = new ArrayList<>();
    List<BridgeConfig.RabbitToKafka> r2k = new ArrayList<>();
    if (!name.isEmpty()) {
      Map<String, Object> doc = ConfigLoader.readRelative("bridge.file", name, configFile);
      for (String top : doc.keySet()) {
        if (!top.equals("kafka-to-rabbitmq") && !top.equals("rabbitmq-to-kafka")) {
          throw new ConfigException(
              "bridge.file", name + ": unknown section '" + top + "' (kafka-to-rabbitmq, rabbitmq-to-kafka)");
        }
      }
      for (Map<?, ?> r : list(doc, "kafka-to-rabbitmq", K2R_KEYS)) {
        k2r.add(
            new BridgeConfig.KafkaToRabbit(
                str(r.get("name")), strings(r.get("topics")), str(r.get("exchange")), str(r.get("routing-key")),
                str(r.get("dead-letter"))));
      }
      for (Map<?, ?> r : list(doc, "rabbitmq-to-kafka", R2K_KEYS)) {
        r2k.add(
            new BridgeConfig.RabbitToKafka(
                str(r.get("name")), strings(r.get("queues")), str(r.get("topic")), str(r.get("key")),
                str(r.get("dead-letter"))));
      }
      if (k2r.isEmpty() && r2k.isEmpty()) {
        throw new ConfigException("bridge.file", name + " holds no route");
      }
    }
    return new BridgeConfig(k2r, r2k, groupIdPrefix, maxInFlight, perSource, keys, hops, maxPollIntervalMs);
  }

  private static List<Map<?, ?>> list(Map<String, Object> doc, String section, Set<String> allowed) {
    Object v = doc.get(section);
    List<Map<?, ?>> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof List<?> items)) {
      throw new ConfigException("bridge routes: " + section, "must be a list of routes");
    }
    for (Object item : items) {
      if (!(item instanceof Map<?, ?> m)) {
        throw new ConfigException("bridge routes: " + section + "[]", "each route must be a map");
      }
      for (Object k : m.keySet()) {
        if (!allowed.contains(String.valueOf(k))) {
          throw new ConfigException(
              "bridge routes: " + section + "[" + m.get("name") + "]." + k, "is not a route option " + allowed);
        }
      }
      out.add(m);
    }
    return out;
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }

  /** A YAML value as a list of strings: a list, one scalar, or none. */
  static List<String> strings(Object o) {
    if (o == null) {
      return List.of();
    }
    if (o instanceof List<?> l) {
      return l.stream().map(String::valueOf).toList();
    }
    return List.of(o.toString());
  }
}
