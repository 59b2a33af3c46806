package dev.sluice.fallback;

import java.util.List;

/**
 * A route's fallback chain: the links tried in turn for the events Kafka cannot take ({@code
 * grpc:<target>}, {@code spool}); empty when the route has none.
 */
public record Chain(List<String> links) {

  public static final Chain NONE = new Chain(List.of());

  public Chain {
    links = List.copyOf(links);
  }
}
