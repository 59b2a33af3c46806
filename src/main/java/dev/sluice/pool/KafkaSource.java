package dev.sluice.pool;

import dev.sluice.bus.GatewayState;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka consumer-group member on a thread of its own. It keeps polling all the time (also while
 * paused: a consumer that stops polling is rebalanced out, vertx-kafka-client #179), hands records to
 * a handler on a Vert.x context, pauses a partition at {@code perPartitionHigh} records in flight (all
 * of them while the shared process budget is at its bound) and resumes at half; the pauses are
 * recomputed every loop, so they survive a rebalance. Offsets are committed contiguously: only up to
 * the first record not done. Commits run every 200 ms, synchronously on revoke and on stop.
 *
 * <p>Creating the consumer and polling are tried again with back-off while they fail (bootstrap
 * servers that do not resolve, a group Kafka will not let it join, missing authorisation); whether
 * it polls is reported to {@link GatewayState} for readiness ({@link SourceHealth}).
 */
public final class KafkaSource {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);
  private static final long COMMIT_EVERY_MS = 200;
  private static final long RETRY_MIN_MS = 500;
  private static final long RETRY_MAX_MS = 10_000;

  /** A record handed out; {@code epoch} tells assignments of the same partition apart. */
  public record Item(ConsumerRecord<byte[], byte[]> record, long epoch) {}

  private final String name;
  private final Map<String, Object> props;
  private final List<String> topics;
  private final AtomicInteger processInFlight;
  private final Context context;
  private final Handler<List<Item>> sink;
  private ConsumerLag lag;
  private final ConcurrentLinkedQueue<Done> doneQueue = new ConcurrentLinkedQueue<>();
  private final Promise<Void> stopped = Promise.promise();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile int pausedCount;
  private volatile boolean stopping;
  private volatile boolean held;
  private volatile long stopDeadline;
  private final CountDownLatch stopSignal = new CountDownLatch(1);
  private final SourceHealth health;

  // poll thread only
  private final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();
  private final Map<TopicPartition, Long> epochs = new HashMap<>();
  private final PartitionPauses<TopicPartition> pauses;
  private final Intake intake;
  private final OffsetCommits commits;
  private long epochSeq;
  private KafkaConsumer<byte[], byte[]> consumer;

  public KafkaSource(
      String name,
      Map<String, Object> props,
      List<String> topics,
      int perPartitionHigh,
      AtomicInteger processInFlight,
      int processHigh,
      Context context,
      Handler<List<Item>> sink,
      MeterRegistry registry,
      GatewayState state) {
    this.name = name;
    this.props = Map.copyOf(props);
    this.topics = List.copyOf(topics);
    this.processInFlight = processInFlight;
    this.context = context;
    this.sink = sink;
    this.lag = new ConsumerLag(name, registry, "sluice.bridge.consumer.lag", "route");
    this.pauses = new PartitionPauses<>(perPartitionHigh, processHigh);
    this.health = new SourceHealth(name, state, registry);
    this.intake = new Intake(name, trackers, epochs, inFlight, processInFlight);
    this.commits = new OffsetCommits(name, trackers);
  }

  /**
   * As a bridge route's source, but its lag is the gauge {@code lagMetric} tagged {@code lagTag} = name.
   */
  public KafkaSource(String name, Map<String, Object> props, List<String> topics, int perPartitionHigh,
      AtomicInteger processInFlight, int processHigh, Context context, Handler<List<Item>> sink,
      MeterRegistry registry, GatewayState state, String lagMetric, String lagTag) {
    this(name, props, topics, perPartitionHigh, processInFlight, processHigh, context, sink, registry, state);
    this.lag = new ConsumerLag(name, registry, lagMetric, lagTag);
  }

  /** Whether the consumer polls (false until its first poll, and while creating or polling fails). */
  public boolean up() {
    return health.up();
  }

  /** Starts the poll thread. */
  public void start() {
    health.start();
    Thread t = new Thread(this::run, "sluice-bridge-consumer-" + name);
    t.setDaemon(true);
    t.start();
  }

  /** Marks a handed-out record done (any thread); it becomes committable once its predecessors are. */
  public void done(Item item) {
    doneQueue.add(new Done(item, true));
  }

  /** Gives a handed-out record up (any thread): it is not committed and will be read again. */
  public void abandon(Item item) {
    doneQueue.add(new Done(item, false));
  }

  private record Done(Item item, boolean ok) {}

  /**
   * Holds every partition paused while {@code hold} (e.g. while the sink's breaker is open: no record
   * is read that could not be delivered), still polling so the consumer stays in its group.
   */
  public void hold(boolean hold) {
    held = hold;
  }

  /** Records handed out and not done. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Partitions paused now by backpressure. */
  public int pausedPartitions() {
    return pausedCount;
  }

  /**
   * Stops taking records, waits up to {@code timeoutMs} for those handed out, commits and leaves the
   * group. Completes on the source's context.
   */
  public Future<Void> stop(long timeoutMs) {
    stopDeadline = System.currentTimeMillis() + timeoutMs;
    stopping = true;
    stopSignal.countDown();
    return stopped.future();
  }

  private void run() {
    try {
      consumer = create();
      if (consumer == null) {
        return; // stopped before a consumer could be created
      }
      long lastCommit = System.currentTimeMillis();
      long lastLag = 0;
      while (true) {
        drainDone();
        long now = System.currentTimeMillis();
        if (stopping && (inFlight.get() == 0 || now >= stopDeadline)) {
          break;
        }
        try {
          applyPauses();
          if (now - lastCommit >= COMMIT_EVERY_MS) {
            commit(false, trackers.keySet());
            lastCommit = now;
          }
          handOff(consumer.poll(Duration.ofMillis(50)));
          if (now - lastLag >= 1000) {
            lag.update(consumer);
            lastLag = now;
          }
          health.polled();
        } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
          break;
        } catch (RuntimeException e) {
          health.failed("polling fails", e);
          pause(RETRY_MIN_MS);
        }
      }
      drainDone();
      if (inFlight.get() > 0) {
        LOG.warn("Bridge consumer {} stops with {} records not done (they will be read again)", name, inFlight.get());
      }
      commit(true, trackers.keySet());
    } catch (RuntimeException e) {
      LOG.error("Bridge consumer {} failed: {}", name, e.toString(), e);
    } finally {
      try {
        if (consumer != null) {
          consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        }
      } catch (RuntimeException e) {
        LOG.warn("Closing bridge consumer {}: {}", name, e.toString());
      }
      health.stop();
      context.runOnContext(v -> stopped.tryComplete());
    }
  }

  /**
   * Creates the consumer and subscribes it, again with back-off while that fails (e.g. bootstrap
   * servers that do not resolve yet); null when the source is stopped first.
   */
  private KafkaConsumer<byte[], byte[]> create() {
    long delay = RETRY_MIN_MS;
    while (!stopping) {
      KafkaConsumer<byte[], byte[]> c = null;
      try {
        c = new KafkaConsumer<>(props);
        c.subscribe(topics, new Rebalance());
        return c;
      } catch (RuntimeException e) {
        if (c != null) {
          closeQuietly(c);
        }
        health.failed("cannot create the consumer", e);
        pause(delay);
        delay = Math.min(RETRY_MAX_MS, delay * 2);
      }
    }
    return null;
  }

  private void closeQuietly(KafkaConsumer<byte[], byte[]> c) {
    try {
      c.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ZERO));
    } catch (RuntimeException e) {
      LOG.debug("Closing bridge consumer {}: {}", name, e.toString());
    }
  }

  /**
   * Waits {@code ms}, or less once the source is told to stop (then 50 ms at most, so that a loop that
   * keeps failing while the source drains does not spin).
   */
  private void pause(long ms) {
    try {
      if (stopSignal.await(ms, TimeUnit.MILLISECONDS)) {
        Thread.sleep(Math.min(ms, 50));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }


  private void handOff(ConsumerRecords<byte[], byte[]> records) {
    if (records.isEmpty()) {
      return;
    }
    List<Item> items = new ArrayList<>(records.count());
    try {
      intake.take(records, stopping, items);
    } finally {
      // what was taken and counted is handed out, even when the rest of the poll failed
      if (!items.isEmpty()) {
        context.runOnContext(v -> sink.handle(items));
      }
    }
  }

  private void drainDone() {
    Done d;
    while ((d = doneQueue.poll()) != null) {
      Item item = d.item();
      inFlight.decrementAndGet();
      processInFlight.decrementAndGet();
      TopicPartition tp = new TopicPartition(item.record().topic(), item.record().partition());
      OffsetTracker tracker = trackers.get(tp);
      if (d.ok() && tracker != null && epochs.get(tp) == item.epoch()) {
        tracker.done(item.record().offset());
      }
    }
  }

  /** Pauses what is over its bound (everything while stopping or over the process bound). */
  private void applyPauses() {
    Set<TopicPartition> desired = pauses.desired(consumer.assignment(),
        tp -> trackers.containsKey(tp) ? trackers.get(tp).inFlight() : 0, processInFlight.get(), stopping || held);
    Set<TopicPartition> current = consumer.paused();
    List<TopicPartition> pause = desired.stream().filter(tp -> !current.contains(tp)).toList();
    List<TopicPartition> resume = current.stream().filter(tp -> !desired.contains(tp)).toList();
    if (!pause.isEmpty()) {
      consumer.pause(pause);
    }
    if (!resume.isEmpty()) {
      consumer.resume(resume);
    }
    pausedCount = desired.size();
  }

  private void commit(boolean sync, Collection<TopicPartition> partitions) {
    commits.commit(consumer, sync, partitions);
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      drainDone();
      commit(true, partitions);
      forget(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) {
        trackers.put(tp, new OffsetTracker());
        epochs.put(tp, ++epochSeq);
      }
      if (!partitions.isEmpty()) {
        LOG.info("Bridge consumer {} assigned {}", name, partitions);
      }
      applyPauses();
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    private void forget(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) {
        trackers.remove(tp);
        epochs.remove(tp);
        pauses.forget(tp);
      }
    }
  }
}
