package dev.sluice.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a route's events go to while Kafka cannot take them: a chain of links, each tried in turn for
 * what the previous one did not take — {@code grpc:<target>} (a synchronous gRPC fallback, {@code
 * fallback.targets.<target>}) and {@code spool} (the PostgreSQL spool, {@code spool.enabled}). A route
 * names its own chain in {@code routes.yaml} ({@code fallback: [grpc:orders-service, spool]}); the
 * others use {@code fallback.default}, whose {@code spool} counts only while the spool is enabled.
 *
 * @param defaultChain the chain of routes without one of their own
 * @param targets the gRPC targets by name
 * @param grpcBreaker the breaker settings of every target
 */
public record FallbackConfig(List<String> defaultChain, Map<String, GrpcTargetConfig> targets, BreakerConfig grpcBreaker) {

  /** The link of the spool. */
  public static final String SPOOL = "spool";
  /** The prefix of a gRPC target's link. */
  public static final String GRPC = "grpc:";

  public FallbackConfig {
    defaultChain = List.copyOf(defaultChain);
    targets = Map.copyOf(targets);
  }

  /** True when something can take events Kafka cannot. */
  public boolean any(boolean spoolEnabled) {
    return !targets.isEmpty() || spoolEnabled;
  }

  /** The chain of a rule: its own, or the default (without the spool while it is off). */
  public List<String> chainOf(RoutingConfig.Rule rule, boolean spoolEnabled) {
    if (rule.fallback() != null) {
      return rule.fallback();
    }
    return spoolEnabled ? defaultChain : defaultChain.stream().filter(l -> !l.equals(SPOOL)).toList();
  }

  /** Checks every chain names what exists: a configured target, the spool only while it is on. */
  static void check(FallbackConfig fallback, RoutingConfig routing, SpoolConfig spool) {
    check("fallback.default", fallback.defaultChain(), fallback, true);
    for (RoutingConfig.Rule r : routing.rules()) {
      if (r.fallback() != null) {
        check("routes[" + r.match() + "].fallback", r.fallback(), fallback, spool.enabled());
      }
    }
  }

  private static void check(String key, List<String> chain, FallbackConfig fallback, boolean spoolAllowed) {
    List<String> seen = new ArrayList<>();
    for (String link : chain) {
      if (seen.contains(link)) {
        throw new ConfigException(key, "names '" + link + "' twice");
      }
      seen.add(link);
      if (link.equals(SPOOL)) {
        if (!spoolAllowed) {
          throw new ConfigException(key, "names the spool, but spool.enabled is false");
        }
        if (!link.equals(chain.get(chain.size() - 1))) {
          throw new ConfigException(key, "the spool must be the last link (it takes everything it has room for)");
        }
      } else if (link.startsWith(GRPC)) {
        String target = link.substring(GRPC.length());
        if (!fallback.targets().containsKey(target)) {
          throw new ConfigException(key, "names '" + link + "', but no fallback.targets." + target + " is configured"
              + (fallback.targets().isEmpty() ? "" : " (configured: " + fallback.targets().keySet() + ")"));
        }
      } else {
        throw new ConfigException(key, "'" + link + "' is not a fallback (grpc:<target> or spool)");
      }
    }
  }
}
