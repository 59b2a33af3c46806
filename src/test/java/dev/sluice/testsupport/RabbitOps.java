package dev.sluice.testsupport;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

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

  /** Takes (and acks) up to {@code max} messages from {@code queue}, waiting up to {@code timeout}. */
  public List<Message> drain(String queue, long max, Duration timeout) {
    List<Message> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (out.size() < max && System.nanoTime() < deadline) {
      try {
        run(ch -> {
          while (out.size() < max && System.nanoTime() < deadline) {
            GetResponse r = ch.basicGet(queue, true);
            if (r == null) {
              sleep(50);
              continue;
            }
            out.add(new Message(r.getProps(), r.getBody(), r.getEnvelope().getRoutingKey(), r.getEnvelope().isRedeliver()));
          }
        });
      } catch (UncheckedIOException e) {
        sleep(200); // broker restarting: try again
      }
    }
    return out;
  }

  /**
   * Consumes {@code queue} (auto-ack) until {@code max} messages arrived and nothing more came for
   * {@code quiet}, or {@code timeout} passed; returns everything received (duplicates included).
   */
  public List<Message> consume(String queue, long max, Duration timeout, Duration quiet) {
    List<Message> out = java.util.Collections.synchronizedList(new ArrayList<>());
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        run(ch -> {
          ch.basicQos(2000);
          ch.basicConsume(queue, true, new com.rabbitmq.client.DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, com.rabbitmq.client.Envelope env, AMQP.BasicProperties props, byte[] body) {
              out.add(new Message(props, body, env.getRoutingKey(), env.isRedeliver()));
            }
          });
          int last = -1;
          long quietSince = System.nanoTime();
          while (System.nanoTime() < deadline) {
            sleep(100);
            int n = out.size();
            if (n != last) {
              last = n;
              quietSince = System.nanoTime();
            } else if (n >= max && System.nanoTime() - quietSince >= quiet.toNanos()) {
              return;
            }
            if (!ch.isOpen()) {
              throw new IOException("channel closed");
            }
          }
        });
        return new ArrayList<>(out);
      } catch (UncheckedIOException e) {
        sleep(200); // broker restarting: consume again
      }
    }
    return new ArrayList<>(out);
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

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
