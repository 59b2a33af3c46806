package dev.sluice.config;

import java.util.List;

/** The event type → topic rules, first match wins. */
public record RoutingConfig(List<Rule> rules) {

  /**
   * A rule: {@code *} matches one dot-separated segment, {@code #} any number of them. {@code fallback}
   * is the rule's chain of fallbacks while Kafka cannot take its events ({@code grpc:<target>}, {@code
   * spool}), or {@code null} for {@code fallback.default}. {@code format} is the form of the records it
   * writes to Kafka (null: native).
   */
  public record Rule(String match, String topic, List<String> fallback, RecordFormat format) {

    public Rule(String match, String topic) {
      this(match, topic, null, null);
    }

    public Rule(String match, String topic, List<String> fallback) {
      this(match, topic, fallback, null);
    }

    public Rule {
      fallback = fallback == null ? null : List.copyOf(fallback);
      format = format == null ? RecordFormat.NATIVE : format;
      Check.notBlank("routes[].match", match);
      Check.notBlank("routes[].topic", topic);
      if (!match.matches("[A-Za-z0-9_*#-]+(\\.[A-Za-z0-9_*#-]+)*")) {
        throw new ConfigException("routes[].match", "'" + match + "' is not a dot-separated pattern");
      }
      for (String segment : match.split("\\.")) {
        if (segment.length() > 1 && (segment.contains("*") || segment.contains("#"))) {
          throw new ConfigException("routes[].match", "'" + match + "': a wildcard (* or #) must be a whole"
              + " segment, not part of '" + segment + "' (order.* rather than order*)");
        }
      }
      if (!topic.matches("[A-Za-z0-9._-]{1,249}")) {
        throw new ConfigException("routes[].topic", "'" + topic + "' is not a valid Kafka topic name");
      }
    }
  }

  public RoutingConfig {
    rules = List.copyOf(rules);
  }
}
