package dev.sluice.testsupport;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * What tests do on a RabbitMQ broker with the plain Java client: declare exchanges and queues,
 * publish with confirms, read a queue dry. Each call opens and closes its own connection (tests
 * survive broker restarts that way).
 */
public final class RabbitOps {

  /** A message read from a queue. */
  public record Message(AMQP.BasicProperties properties, byte[] body, String routingKey, boolean redelivered) {}

  private final String uri;

  public RabbitOps(String uri) {
    this.uri = uri;
  }

  public String uri() {
    return uri;
  }

  /** A queue/exchange name no other test uses. */
  public static String unique(String base) {
    return "it-" + base + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A durable topic exchange and a durable queue bound to it with {@code #}. */
  public void exchangeWithQueue(String exchange, String queue) {
    run(ch -> {
      ch.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
      ch.queueDeclare(queue, true, false, false, null);
      ch.queueBind(queue, exchange, "#");
    });
  }

  /**
   * A durable topic exchange and a durable queue with {@code arguments} (e.g. {@code x-max-length},
   * {@code x-overflow}) bound to it with {@code #}.
   */
  public void exchangeWithQueue(String exchange, String queue, java.util.Map<String, Object> arguments) {
    run(ch -> {
      ch.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
      ch.queueDeclare(queue, true, false, false, arguments);
      ch.queueBind(queue, exchange, "#");
    });
  }

  /** A durable queue. */
  public void queue(String queue) {
    run(ch -> ch.queueDeclare(queue, true, false, false, null));
  }

  /** Messages ready in {@code queue}. */
  public long messageCount(String queue) {
    long[] n = {0};
    run(ch -> n[0] = ch.messageCount(queue));
    return n[0];
  }

  /** Publishes persistently to the default exchange (the queue), waiting for the confirms. */
  public void publish(String queue, List<AMQP.BasicProperties> props, List<byte[]> bodies) {
    run(ch -> {
      ch.confirmSelect();
      for (int i = 0; i < bodies.size(); i++) {
        ch.basicPublish("", queue, props.get(i), bodies.get(i));
        if (i % 5000 == 4999) {
          ch.waitForConfirmsOrDie(60_000);
        }
      }
      ch.waitForConfirmsOrDie(60_000);
    });
  }

  /**
   * Consumes {@code queue} (auto-ack) until {@code max} messages arrived and nothing more came for
   * {@code quiet}, or {@code timeout} passed; returns everything received (duplicates included). A
   * broker that is restarting is consumed again on a new connection once it is back.
   */
  public List<Message> consume(String queue, long max, Duration timeout, Duration quiet) {
    List<Message> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      Awaitility.await("consuming " + queue)
          .pollInSameThread() // an attempt runs up to the deadline itself; it is not cut off
          .atMost(timeout.plusSeconds(5))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptionsInstanceOf(UncheckedIOException.class)
          .until(() -> {
            consumeOnce(queue, max, deadline, quiet.toNanos(), out);
            return true;
          });
    } catch (ConditionTimeoutException e) {
      // the caller checks what arrived
    }
    synchronized (out) {
      return new ArrayList<>(out);
    }
  }

  /** One connection's worth of {@link #consume}: returns when done, throws when the channel closed. */
  private void consumeOnce(String queue, long max, long deadline, long quietNanos, List<Message> out) {
    run(ch -> {
      ch.basicQos(2000);
      ch.basicConsume(queue, true, new com.rabbitmq.client.DefaultConsumer(ch) {
        @Override
        public void handleDelivery(String tag, com.rabbitmq.client.Envelope env, AMQP.BasicProperties props, byte[] body) {
          synchronized (out) {
            out.add(new Message(props, body, env.getRoutingKey(), env.isRedeliver()));
            out.notifyAll();
          }
        }
      });
      synchronized (out) {
        int seen = out.size();
        long changedAt = System.nanoTime();
        while (true) {
          long now = System.nanoTime();
          if (out.size() != seen) {
            seen = out.size();
            changedAt = now;
          }
          if (now >= deadline || (seen >= max && now - changedAt >= quietNanos)) {
            return;
          }
          if (!ch.isOpen()) {
            throw new IOException("channel closed");
          }
          // woken by each arrival; at least every 200 ms to notice a closed channel
          long waitNanos = Math.min(Math.min(deadline - now, 200_000_000L),
              seen >= max ? quietNanos - (now - changedAt) : Long.MAX_VALUE);
          java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(out, Math.max(1, waitNanos));
        }
      }
    });
  }

  /** Runs {@code work} on a fresh channel. */
  public void run(ChannelWork work) {
    ConnectionFactory f = new ConnectionFactory();
    try {
      f.setUri(uri);
      f.setAutomaticRecoveryEnabled(false);
      try (Connection c = f.newConnection("sluice-test"); Channel ch = c.createChannel()) {
        work.run(ch);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("RabbitMQ at " + uri + ": " + e, e);
    } catch (TimeoutException | java.net.URISyntaxException | java.security.GeneralSecurityException
        | InterruptedException e) {
      throw new IllegalStateException("RabbitMQ at " + uri + ": " + e, e);
    }
  }

  /** Something done on a channel. */
  @FunctionalInterface
  public interface ChannelWork {
    void run(Channel ch) throws IOException, TimeoutException, InterruptedException;
  }
}
