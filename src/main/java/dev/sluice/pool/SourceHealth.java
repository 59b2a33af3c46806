package dev.sluice.pool;

import dev.sluice.bus.GatewayState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a Kafka source's consumer polls: down (with the reason) until its first poll and while
 * creating or polling it fails, up after a poll that did not fail. Reported to {@link GatewayState}
 * (readiness), as the gauge {@code sluice.bridge.kafka.source.up} and in the log (when the reason
 * changes, else at most every {@value #LOG_EVERY_MS} ms). Written by the source's poll thread.
 */
final class SourceHealth {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);
  private static final long LOG_EVERY_MS = 30_000;

  private final String name;
  private final GatewayState state;
  /** Null while the consumer polls; else why not. */
  private volatile String downReason = "starting";
  private boolean logged;
  private long loggedAtMs;

  SourceHealth(String name, GatewayState state, MeterRegistry registry) {
    this.name = name;
    this.state = state;
    Gauge.builder("sluice.bridge.kafka.source.up", () -> up() ? 1 : 0)
        .description("1 while the route's Kafka consumer polls; 0 until then and while creating or polling it fails")
        .tag("route", name)
        .register(registry);
  }

  /** The source starts: down until its first poll. */
  void start() {
    state.kafkaSource(name, downReason);
  }

  /** The source stopped: no longer part of readiness. */
  void stop() {
    state.removeKafkaSource(name);
  }

  boolean up() {
    return downReason == null;
  }

  /** A poll did not fail. */
  void polled() {
    if (downReason == null) {
      return;
    }
    downReason = null;
    state.kafkaSource(name, null);
    if (logged) {
      LOG.info("Bridge consumer {} polls again", name);
      logged = false;
    }
  }

  /** Creating or polling the consumer failed ({@code what}, e.g. "polling fails"). */
  void failed(String what, Throwable e) {
    String reason = what + ": " + describe(e);
    long now = System.currentTimeMillis();
    if (!reason.equals(downReason) || now - loggedAtMs >= LOG_EVERY_MS) {
      LOG.warn("Bridge consumer {} is down: {}; trying again with back-off", name, reason);
      LOG.debug("Bridge consumer {}: the failure", name, e);
      loggedAtMs = now;
      logged = true;
    }
    downReason = reason;
    state.kafkaSource(name, reason);
  }

  private static String describe(Throwable e) {
    String text = e.getClass().getSimpleName() + ": " + e.getMessage();
    Throwable cause = e.getCause();
    return cause == null || cause == e ? text
        : text + " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
  }
}
