package dev.sluice.subscribe;

import dev.sluice.deadletter.DeadLetter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;

/**
 * Delivers to an in-process handler: an event-bus {@code request} to the address with the envelope as
 * a {@link Buffer} (the bytes as read) and the headers {@code event-id}, {@code Idempotency-Key},
 * {@code event-type}, {@code event-version}, {@code correlation-id} and {@code traceparent} (each left
 * out when absent), with the delivery's timeout as the send timeout.
 *
 * <p>How a handler answers:
 *
 * <pre>{@code
 * vertx.eventBus().<Buffer>consumer("orders.handler", m -> {
 *   m.reply(null);                          // done
 *   m.fail(422, "amount must be positive"); // 400..499: permanent, dead-lettered at once
 *   m.fail(503, "database down");           // any other code: retried with back-off
 * });
 * }</pre>
 *
 * A handler that neither replies nor fails within the timeout (also one that throws: Vert.x does not
 * turn an exception into a failure) is a timeout, retried, and ambiguous: it may have done the work. No
 * handler registered at the address is retried as a connection failure (the handler may not be deployed
 * yet). The failure's code is the result's status, its message the response.
 */
public final class BusSink implements Sink {

  private final Vertx vertx;
  private final String address;

  public BusSink(Vertx vertx, String address) {
    this.vertx = vertx;
    this.address = address;
  }

  @Override
  public String describe() {
    return "bus:" + address;
  }

  @Override
  public Future<SinkResult> deliver(SinkRequest r) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(r.timeoutMs());
    header(options, "event-id", r.eventId());
    header(options, "Idempotency-Key", r.eventId());
    header(options, "event-type", r.eventType());
    header(options, "event-version", r.eventVersion());
    header(options, "correlation-id", r.correlationId());
    header(options, "traceparent", r.traceparent());
    return vertx.eventBus().request(address, Buffer.buffer(r.body()), options)
        .map(reply -> SinkResult.done(null))
        .otherwise(err -> failed(err, r.timeoutMs()));
  }

  private SinkResult failed(Throwable err, long timeoutMs) {
    if (!(err instanceof ReplyException e)) {
      return SinkResult.retry(DeadLetter.CLASS_HANDLER, null, describe() + ": " + HttpSink.message(err), 0, false);
    }
    return switch (e.failureType()) {
      case RECIPIENT_FAILURE -> e.failureCode() >= 400 && e.failureCode() <= 499
          ? SinkResult.permanent(DeadLetter.CLASS_HANDLER, e.failureCode(), e.getMessage())
          : SinkResult.retry(DeadLetter.CLASS_HANDLER, e.failureCode(), e.getMessage(), 0, false);
      case NO_HANDLERS -> SinkResult.retry(DeadLetter.CLASS_CONNECTION, null,
          "no handler is registered at " + describe(), 0, false);
      case TIMEOUT -> SinkResult.retry(DeadLetter.CLASS_TIMEOUT, null, "the handler at " + describe()
          + " did not answer within " + timeoutMs + " ms; it may still have taken the event", 0, true);
      case ERROR -> SinkResult.retry(DeadLetter.CLASS_HANDLER, null, describe() + ": " + e.getMessage(), 0, false);
    };
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private static void header(DeliveryOptions options, String name, String value) {
    if (value != null) {
      options.addHeader(name, value);
    }
  }
}
