package dev.sluice.subscribe;

import dev.sluice.deadletter.StoredDeadLetter;
import io.vertx.core.Future;

/** Where a subscription's dead letters are indexed for the dead-letter tools (PostgreSQL). */
@FunctionalInterface
public interface DeadLetterIndex {

  /** Stores {@code d}, replacing an earlier dead letter of the same subscription and event. */
  Future<Void> put(StoredDeadLetter d);
}
