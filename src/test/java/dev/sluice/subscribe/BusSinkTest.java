package dev.sluice.subscribe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.deadletter.DeadLetter;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The event-bus sink against in-process handlers on the same Vert.x. */
@ExtendWith(VertxExtension.class)
class BusSinkTest {

  private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @Test
  void aReplyIsDoneAndTheHandlerGetsTheBodyAndHeaders(Vertx vertx) throws Exception {
    AtomicReference<Buffer> body = new AtomicReference<>();
    AtomicReference<MultiMap> headers = new AtomicReference<>();
    MessageConsumer<Buffer> c = vertx.eventBus().<Buffer>consumer("orders.handler", m -> {
      body.set(m.body());
      headers.set(m.headers());
      m.reply(null);
    });
    c.completion().await();
    byte[] envelope = "{\"data\":{\"s\":\"\uFEFFcaf\u00e9\"}}".getBytes(StandardCharsets.UTF_8);
    SinkRequest r = new SinkRequest("e-1", "order.created", "2", "corr", TRACEPARENT, "k", "orders", envelope, 2000);

    assertThat(deliver(vertx, "orders.handler", r)).isEqualTo(SinkResult.done(null));

    assertThat(body.get().getBytes()).isEqualTo(envelope);
    assertThat(headers.get().get("event-id")).isEqualTo("e-1");
    assertThat(headers.get().get("Idempotency-Key")).isEqualTo("e-1");
    assertThat(headers.get().get("event-type")).isEqualTo("order.created");
    assertThat(headers.get().get("event-version")).isEqualTo("2");
    assertThat(headers.get().get("correlation-id")).isEqualTo("corr");
    assertThat(headers.get().get("traceparent")).isEqualTo(TRACEPARENT);
  }

  @Test
  void aFailureWithA4xxCodeIsPermanent(Vertx vertx) throws Exception {
    vertx.eventBus().consumer("h.400", m -> m.fail(422, "amount must be positive")).completion().await();
    assertThat(deliver(vertx, "h.400", request(2000)))
        .isEqualTo(SinkResult.permanent(DeadLetter.CLASS_HANDLER, 422, "amount must be positive"));
  }

  @Test
  void aFailureWithAnotherCodeIsRetried(Vertx vertx) throws Exception {
    vertx.eventBus().consumer("h.503", m -> m.fail(503, "database down")).completion().await();
    vertx.eventBus().consumer("h.minus", m -> m.fail(-1, "oops")).completion().await();
    assertThat(deliver(vertx, "h.503", request(2000)))
        .isEqualTo(SinkResult.retry(DeadLetter.CLASS_HANDLER, 503, "database down", 0, false));
    assertThat(deliver(vertx, "h.minus", request(2000)))
        .isEqualTo(SinkResult.retry(DeadLetter.CLASS_HANDLER, -1, "oops", 0, false));
  }

  @Test
  void noHandlerIsAnUnambiguousConnectionRetry(Vertx vertx) throws Exception {
    SinkResult r = deliver(vertx, "nobody.home", request(2000));
    assertThat(r.kind()).isEqualTo(SinkResult.Kind.RETRY);
    assertThat(r.failureClass()).isEqualTo(DeadLetter.CLASS_CONNECTION);
    assertThat(r.status()).isNull();
    assertThat(r.ambiguous()).isFalse();
  }

  @Test
  void noReplyInTimeIsAnAmbiguousTimeout(Vertx vertx) throws Exception {
    vertx.eventBus().consumer("h.silent", m -> { }).completion().await();
    SinkResult r = deliver(vertx, "h.silent", request(200));
    assertThat(r.kind()).isEqualTo(SinkResult.Kind.RETRY);
    assertThat(r.failureClass()).isEqualTo(DeadLetter.CLASS_TIMEOUT);
    assertThat(r.status()).isNull();
    assertThat(r.ambiguous()).isTrue();
  }

  @Test
  void describesItselfByItsAddress(Vertx vertx) {
    assertThat(new BusSink(vertx, "orders.handler").describe()).isEqualTo("bus:orders.handler");
  }

  private static SinkResult deliver(Vertx vertx, String address, SinkRequest r) throws Exception {
    BusSink sink = new BusSink(vertx, address);
    try {
      return sink.deliver(r).await(10, TimeUnit.SECONDS);
    } finally {
      sink.close().await();
    }
  }

  private static SinkRequest request(long timeoutMs) {
    return new SinkRequest("e-2", "order.created", "1", null, null, null, "orders",
        "{}".getBytes(StandardCharsets.UTF_8), timeoutMs);
  }
}
