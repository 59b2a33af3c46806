package dev.sluice.config;

/**
 * The spool: where events go while Kafka cannot take them (PostgreSQL, see {@link StoreConfig}), and
 * the relay that drains it into Kafka.
 *
 * @param enabled off: events Kafka cannot take get 503 as before
 * @param maxEvents events the spool may hold; past it (or {@code maxBytes}) 503 SLC-5008
 * @param maxBytes bytes of events the spool may hold
 * @param appendTimeoutMs how long a request waits for its spool commit before it gets 503
 * @param relayBatch rows a relay reads and publishes at a time
 * @param relayWorkers relays of this process, each on a share of the spool's shards
 * @param relayLeaseMs how long a relay holds a shard without renewing (a crashed relay's shards go to
 *     another after this)
 */
public record SpoolConfig(boolean enabled, long maxEvents, long maxBytes, int appendTimeoutMs, int relayBatch,
    int relayWorkers, int relayLeaseMs) {

  public SpoolConfig {
    Check.atLeast("spool.max-events", maxEvents, 1);
    Check.atLeast("spool.max-bytes", maxBytes, 1024);
    Check.atLeast("spool.append-timeout-ms", appendTimeoutMs, 100);
    Check.atLeast("spool.relay-batch", relayBatch, 1);
    Check.atLeast("spool.relay-workers", relayWorkers, 1);
    if (relayWorkers > 64) {
      throw new ConfigException("spool.relay-workers", "must be <= 64 (the spool's shards), got " + relayWorkers);
    }
    Check.atLeast("spool.relay-lease-ms", relayLeaseMs, 1000);
  }
}
