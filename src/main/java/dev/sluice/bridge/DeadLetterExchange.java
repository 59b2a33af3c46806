package dev.sluice.bridge;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BasicProperties;
import com.rabbitmq.client.ShutdownSignalException;
import dev.sluice.bus.GatewayState;
import dev.sluice.config.RabbitConfig;
import dev.sluice.deadletter.DeadLetter;
import dev.sluice.deadletter.DeadLetterHeaders;
import dev.sluice.pool.RabbitSource;
import dev.sluice.rabbit.ConfirmingPublisher;
import dev.sluice.rabbit.RabbitLink;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.rabbitmq.RabbitMQClient;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A RabbitMQ → Kafka route's dead-letter exchange, on a connection of its own: on every connection it
 * declares the exchange (durable, fanout) and a durable queue of the same name bound to it, so that no
 * dead letter is dropped for lack of a binding; an exchange of that name with another type or other
 * arguments keeps the link down (readiness says so) and is logged by name. A dead letter is the
 * message's body and properties with the {@code sluice-dlq-*} headers replaced, published persistent
 * and without {@code expiration} (a dead letter must not expire) or {@code user-id} (RabbitMQ checks it
 * against the publishing connection's user); it completes on RabbitMQ's confirm.
 */
final class DeadLetterExchange {

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterExchange.class);

  private final String route;
  private final String exchange;
  private final ConfirmingPublisher publisher;
  private final RabbitLink link;

  DeadLetterExchange(Vertx vertx, RabbitConfig rabbit, String route, String exchange, GatewayState state,
      Counter reconnects, int maxUnconfirmed) {
    this.route = route;
    this.exchange = exchange;
    this.publisher = new ConfirmingPublisher(vertx, maxUnconfirmed, rabbit.confirmTimeoutMs());
    this.link = new RabbitLink(vertx, rabbit, route + "/dead-letter " + exchange, state, reconnects, this::setup,
        publisher::connectionLost);
    publisher.link(link);
  }

  /** Connects in the background (and again whenever the connection is lost). */
  void start() {
    link.start();
  }

  Future<Void> stop() {
    publisher.close();
    return link.stop();
  }

  private Future<Void> setup(RabbitMQClient client, long generation) {
    return client.exchangeDeclare(exchange, "fanout", true, false)
        .compose(v -> client.queueDeclare(exchange, true, false, false))
        .compose(ok -> client.queueBind(exchange, exchange, ""))
        .recover(err -> {
          String problem = "route " + route + ": cannot declare its dead-letter exchange '" + exchange
              + "' (durable, fanout) and queue '" + exchange + "' bound to it: " + reason(err)
              + "; an exchange or queue of that name exists with another type or other arguments: delete it, "
              + "or name another dead-letter target for the route";
          LOG.error("{}", problem);
          return Future.failedFuture(new IllegalStateException(problem, err));
        })
        .compose(v -> publisher.setup(client, generation));
  }

  /**
   * Publishes the dead letter of delivery {@code d}, refused for good by Kafka with {@code failure};
   * completes on RabbitMQ's confirm.
   */
  Future<Void> publish(RabbitSource.Delivery d, Throwable failure) {
    BasicProperties p = d.message().properties();
    Instant now = Instant.now();
    DeadLetter letter = new DeadLetter(route,
        p.getMessageId() != null ? p.getMessageId() : "rabbitmq:" + d.queue(),
        p.getType(), DeadLetter.Origin.rabbitmq(d.queue()), 1, now, now, DeadLetter.CLASS_REFUSED, null,
        failure.getClass().getSimpleName() + ": " + failure.getMessage(), traceparent(p));
    return publisher.publish(exchange, d.message().envelope().getRoutingKey(), properties(p, letter),
        d.message().body());
  }

  /** The exchange's name. */
  String exchange() {
    return exchange;
  }

  /** The properties of a dead letter: those of the message, see the class comment. */
  static AMQP.BasicProperties properties(BasicProperties p, DeadLetter letter) {
    return new AMQP.BasicProperties.Builder()
        .contentType(p.getContentType())
        .contentEncoding(p.getContentEncoding())
        .headers(DeadLetterHeaders.amqp(p.getHeaders(), letter))
        .deliveryMode(2)
        .priority(p.getPriority())
        .correlationId(p.getCorrelationId())
        .replyTo(p.getReplyTo())
        .messageId(p.getMessageId())
        .timestamp(p.getTimestamp())
        .type(p.getType())
        .appId(p.getAppId())
        .build();
  }

  private static String traceparent(BasicProperties p) {
    Object v = p.getHeaders() == null ? null : p.getHeaders().get("traceparent");
    return v == null ? null : HeaderMapping.text(v);
  }

  /** RabbitMQ's reason for closing the channel ({@code 406 PRECONDITION_FAILED - inequivalent arg 'type' ...}). */
  private static String reason(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof ShutdownSignalException s && s.getReason() instanceof AMQP.Channel.Close c) {
        return c.getReplyCode() + " " + c.getReplyText();
      }
    }
    return String.valueOf(err.getMessage());
  }
}
