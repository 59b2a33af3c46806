package dev.sluice.route;

import dev.sluice.config.RoutingConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Event type → topic, first matching rule wins. {@code *} matches one dot-separated segment, {@code #}
 * any number of them (AMQP topic style). Resolved types are cached, with a bound because types come
 * from clients. Not thread-safe: owned by one verticle.
 */
final class RoutingTable {

  static final int CACHE_LIMIT = 10_000;
  private static final String NO_ROUTE = "";

  private final List<Compiled> rules;
  private final Map<String, String> cache = new HashMap<>();

  private record Compiled(Pattern pattern, String topic) {}

  RoutingTable(RoutingConfig config) {
    this.rules = config.rules().stream().map(r -> new Compiled(compile(r.match()), r.topic())).toList();
  }

  /** The topic for {@code eventType}, or {@code null} when no rule matches. */
  String topicFor(String eventType) {
    String topic = cache.get(eventType);
    if (topic == null) {
      topic = resolve(eventType);
      if (cache.size() >= CACHE_LIMIT) {
        cache.clear();
      }
      cache.put(eventType, topic);
    }
    return topic == NO_ROUTE ? null : topic;
  }

  private String resolve(String eventType) {
    for (Compiled rule : rules) {
      if (rule.pattern.matcher(eventType).matches()) {
        return rule.topic;
      }
    }
    return NO_ROUTE;
  }

  static Pattern compile(String match) {
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
