package dev.sluice.subscribe;

import io.vertx.core.Future;
import java.util.List;

/**
 * Where a subscription reads: Kafka topics or a RabbitMQ queue. It hands {@link Message}s out (on the
 * subscription's event loop) and is told when each is finished: done (committed / acked) or abandoned
 * (read again later). Messages that fail for good are dead-lettered through it, to its own kind of
 * dead-letter target. Used from the subscription's event loop.
 */
interface Input {

  /** Starts reading; {@code sink} gets what was read, in order. */
  void start(java.util.function.Consumer<List<Message>> sink);

  /** The message is finished: it may be committed or acked. */
  void done(Message m);

  /** The message was not finished: it is read again later. */
  void abandon(Message m);

  /** Holds reading while {@code hold} (the sink's breaker is not closed). */
  void hold(boolean hold);

  /** Partitions held paused now (0 for a queue). */
  int paused();

  /** Sends the dead letter of {@code m}; completes on the target's acknowledgement. */
  Future<Void> deadLetter(Message m, dev.sluice.deadletter.DeadLetter letter);

  /** Stops reading and waits up to {@code timeoutMs} for what was handed out to be finished. */
  Future<Void> stop(long timeoutMs);
}
