package dev.sluice.config;

import dev.sluice.config.SubscriptionsConfig.RetryPolicy;
import dev.sluice.config.SubscriptionsConfig.SinkConfig;
import dev.sluice.config.SubscriptionsConfig.Subscription;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the subscriptions file ({@code subscriptions.file}): a {@code subscriptions} list; every option
 * but {@code name}, {@code source} and {@code sink} has a default (see {@code
 * conf/subscriptions.example.yaml}).
 */
final class SubscriptionFile {

  private static final Set<String> KEYS = Set.of("name", "source", "event-types", "sink", "concurrency", "ordered",
      "timeout-ms", "retry", "dead-letter", "idempotent", "breaker");
  private static final Set<String> SOURCE_KEYS = Set.of("topics", "queue");
  private static final Set<String> SINK_KEYS = Set.of("http", "grpc", "bus");
  private static final Set<String> RETRY_KEYS = Set.of("initial-ms", "multiplier", "max-delay-ms", "max-attempts",
      "retry-after-cap-ms");
  private static final Set<String> BREAKER_KEYS = Set.of("window-ms", "min-calls", "failure-rate-percent", "reset-ms");

  private SubscriptionFile() {}

  static List<Subscription> load(String name, Path configFile) {
    List<Subscription> out = new ArrayList<>();
    if (name.isEmpty()) {
      return out;
    }
    Map<String, Object> doc = ConfigLoader.readRelative("subscriptions.file", name, configFile);
    for (String top : doc.keySet()) {
      if (!top.equals("subscriptions")) {
        throw new ConfigException("subscriptions.file", name + ": unknown section '" + top + "' (subscriptions)");
      }
    }
    if (!(doc.get("subscriptions") instanceof List<?> items) || items.isEmpty()) {
      throw new ConfigException("subscriptions.file", name + " must hold a non-empty 'subscriptions' list");
    }
    for (Object item : items) {
      String n = item instanceof Map<?, ?> raw && raw.get("name") != null ? raw.get("name").toString() : "";
      String at = "subscriptions[" + n + "]";
      Map<?, ?> m = map(item, at, KEYS);
      Map<?, ?> source = map(m.get("source"), at + ".source", SOURCE_KEYS);
      Map<?, ?> sink = map(m.get("sink"), at + ".sink", SINK_KEYS);
      Map<?, ?> retry = m.get("retry") == null ? Map.of() : map(m.get("retry"), at + ".retry", RETRY_KEYS);
      Map<?, ?> breaker = m.get("breaker") == null ? Map.of() : map(m.get("breaker"), at + ".breaker", BREAKER_KEYS);
      out.add(new Subscription(
          n,
          BridgeRoutes.strings(source.get("topics")),
          source.get("queue") == null ? null : source.get("queue").toString(),
          BridgeRoutes.strings(m.get("event-types")),
          new SinkConfig(uri(sink.get("http"), at + ".sink.http"), uri(sink.get("grpc"), at + ".sink.grpc"),
              sink.get("bus") == null ? null : sink.get("bus").toString()),
          integer(m, "concurrency", 64, at),
          bool(m, "ordered", true, at),
          integer(m, "timeout-ms", 5000, at),
          new RetryPolicy(
              integer(retry, "initial-ms", 200, at + ".retry"),
              number(retry, "multiplier", 2.0, at + ".retry"),
              integer(retry, "max-delay-ms", 30_000, at + ".retry"),
              integer(retry, "max-attempts", 8, at + ".retry"),
              integer(retry, "retry-after-cap-ms", 60_000, at + ".retry")),
          m.get("dead-letter") == null ? null : m.get("dead-letter").toString(),
          bool(m, "idempotent", true, at),
          new BreakerConfig(
              at + ".breaker",
              integer(breaker, "window-ms", 10_000, at + ".breaker"),
              integer(breaker, "min-calls", 20, at + ".breaker"),
              integer(breaker, "failure-rate-percent", 50, at + ".breaker"),
              integer(breaker, "reset-ms", 5000, at + ".breaker"))));
    }
    return out;
  }

  private static Map<?, ?> map(Object o, String at, Set<String> allowed) {
    if (!(o instanceof Map<?, ?> m)) {
      throw new ConfigException(at, "must be a map of " + new java.util.TreeSet<>(allowed));
    }
    for (Object k : m.keySet()) {
      if (!allowed.contains(String.valueOf(k))) {
        throw new ConfigException(at + "." + k, "is not an option here " + new java.util.TreeSet<>(allowed));
      }
    }
    return m;
  }

  private static URI uri(Object o, String key) {
    if (o == null) {
      return null;
    }
    try {
      return new URI(o.toString());
    } catch (URISyntaxException e) {
      throw new ConfigException(key, "'" + o + "' is not a URL: " + e.getReason());
    }
  }

  private static int integer(Map<?, ?> m, String k, int dflt, String at) {
    Object v = m.get(k);
    if (v == null) {
      return dflt;
    }
    try {
      return Integer.parseInt(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(at + "." + k, "must be a whole number, got '" + v + "'");
    }
  }

  private static double number(Map<?, ?> m, String k, double dflt, String at) {
    Object v = m.get(k);
    if (v == null) {
      return dflt;
    }
    try {
      return Double.parseDouble(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(at + "." + k, "must be a number, got '" + v + "'");
    }
  }

  private static boolean bool(Map<?, ?> m, String k, boolean dflt, String at) {
    Object v = m.get(k);
    if (v == null) {
      return dflt;
    }
    return switch (v.toString().trim()) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new ConfigException(at + "." + k, "must be true or false, got '" + v + "'");
    };
  }
}
