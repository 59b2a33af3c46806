package dev.sluice.route;

import dev.sluice.config.FallbackConfig;
import dev.sluice.config.RoutingConfig;
import dev.sluice.fallback.Chain;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Event type → topic, first matching rule wins. {@code *} matches one dot-separated segment, {@code #}
 * any number of them (AMQP topic style). Resolved types are cached, with a bound because types come
 * from clients. Not thread-safe: owned by one verticle.
 */
public final class RoutingTable {

  static final int CACHE_LIMIT = 10_000;
  /** Where a type's events go: a topic and the chain of fallbacks while Kafka cannot take them. */
  record Route(String topic, Chain chain) {}

  private static final Route NO_ROUTE = new Route(null, Chain.NONE);

  private final List<Compiled> rules;
  private final Map<String, Route> cache = new HashMap<>();

  private record Compiled(Pattern pattern, Route route) {}

  RoutingTable(RoutingConfig config) {
    this(config, null, false);
  }

  /**
   * @param fallback the chains (null: no fallback)
   * @param spoolEnabled whether the default chain's spool counts
   */
  RoutingTable(RoutingConfig config, FallbackConfig fallback, boolean spoolEnabled) {
    this.rules = config.rules().stream()
        .map(r -> new Compiled(compile(r.match()), new Route(r.topic(),
            fallback == null ? Chain.NONE : new Chain(fallback.chainOf(r, spoolEnabled)))))
        .toList();
  }

  /** The topic for {@code eventType}, or {@code null} when no rule matches. */
  String topicFor(String eventType) {
    return routeFor(eventType).topic();
  }

  /** The route for {@code eventType} (its topic is null when no rule matches). */
  Route routeFor(String eventType) {
    Route route = cache.get(eventType);
    if (route == null) {
      route = resolve(eventType);
      if (cache.size() >= CACHE_LIMIT) {
        cache.clear();
      }
      cache.put(eventType, route);
    }
    return route;
  }

  private Route resolve(String eventType) {
    for (Compiled rule : rules) {
      if (rule.pattern.matcher(eventType).matches()) {
        return rule.route;
      }
    }
    return NO_ROUTE;
  }

  /** The regular expression of a dotted pattern ({@code *} one segment, {@code #} any number). */
  public static Pattern compile(String match) {
    String[] segments = match.split("\\.");
    if (segments.length == 1 && segments[0].equals("#")) {
      return Pattern.compile(".*");
    }
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      if (s.equals("#")) {
        // leading: zero or more "seg." ; elsewhere: zero or more ".seg"
        re.append(i == 0 ? "(?:[^.]+\\.)*" : "(?:\\.[^.]+)*");
        continue;
      }
      boolean separator = i > 0 && !(i == 1 && segments[0].equals("#"));
      re.append(separator ? "\\." : "").append(s.equals("*") ? "[^.]+" : Pattern.quote(s));
    }
    return Pattern.compile(re.toString());
  }
}
