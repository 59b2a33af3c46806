package dev.sluice.rabbit;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.impl.ContentHeaderPropertyWriter;
import dev.sluice.bus.GatewayState;
import dev.sluice.config.RabbitConfig;
import dev.sluice.testsupport.RabbitBroker;
import dev.sluice.testsupport.RabbitOps;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ConfirmingPublisher} against a real RabbitMQ: how confirms are matched to publishes. */
class ConfirmingPublisherIT {

  @RegisterExtension static final RabbitBroker RABBIT = new RabbitBroker();

  private Vertx vertx;
  private Context context;
  private final Counter reconnects = new SimpleMeterRegistry().counter("reconnects");
  private ConfirmingPublisher publisher;
  private RabbitLink link;

  @BeforeEach
  void connect() throws Exception {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    RabbitConfig config = new RabbitConfig(RABBIT.uri(), 100, 500, 0, 60_000);
    on(() -> {
      publisher = new ConfirmingPublisher(vertx, 100, config.confirmTimeoutMs());
      link = new RabbitLink(vertx, config, "publisher-it", new GatewayState(), reconnects, publisher::setup,
          publisher::connectionLost);
      publisher.link(link);
      return link.start();
    }).get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    on(() -> {
      publisher.close();
      return link.stop();
    }).get(30, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /**
   * The client takes a delivery tag for a publish and then refuses to encode it (here: properties
   * whose second encoding fails, so that they pass the publisher's own check). The broker never saw
   * that tag, so its confirms of later publishes are one behind the client's tags: the publisher must
   * not match them (it reconnects). Then a publish RabbitMQ nacks (a full queue with
   * x-overflow=reject-publish) fails, and one it takes is confirmed; neither settles the other.
   */
  @Test
  void aPublishRefusedAfterItsTagWasTakenShiftsNoConfirm() throws Exception {
    RabbitOps ops = RABBIT.rabbitOps();
    String full = RabbitOps.unique("full");
    String free = RabbitOps.unique("free");
    ops.run(ch -> {
      ch.queueDeclare(full, true, false, false, Map.of("x-max-length", 1, "x-overflow", "reject-publish"));
      ch.queueDeclare(free, true, false, false, null);
    });
    ops.publish(full, List.of(props("filler")), List.of(body("filler")));

    CompletableFuture<Throwable> refused = new CompletableFuture<>();
    on(() -> publisher.publish("", free, new FailsInTheClient(), Buffer.buffer(body("refused"))))
        .whenComplete((v, e) -> refused.complete(e));
    assertThat(refused.get(10, TimeUnit.SECONDS)).as("the publish the client refused").isNotNull();

    CompletableFuture<Void> nacked = whenUp(() -> publisher.publish("", full, props("nacked"), buffer("nacked")));
    CompletableFuture<Void> taken = whenUp(() -> publisher.publish("", free, props("taken"), buffer("taken")));
    assertThat(nacked).failsWithin(10, TimeUnit.SECONDS).withThrowableThat()
        .withMessageContaining("nack");
    assertThat(taken).succeedsWithin(10, TimeUnit.SECONDS);
    assertThat(ops.messageCount(free)).isEqualTo(1);
    assertThat(reconnects.count()).as("reconnected once: the refused publish's tag was taken").isEqualTo(1);
  }

  /**
   * Properties that encode fine on the event loop (where the publisher checks them) and that the
   * encoder refuses on the client's worker thread, after the client took their delivery tag.
   */
  private static final class FailsInTheClient extends AMQP.BasicProperties {
    FailsInTheClient() {
      super(null, null, null, 2, null, null, null, null, "refused", null, null, null, null, null);
    }

    @Override
    public void writePropertiesTo(ContentHeaderPropertyWriter writer) throws IOException {
      if (!Context.isOnEventLoopThread()) {
        throw new IllegalArgumentException("refused by the client's encoder (test)");
      }
      super.writePropertiesTo(writer);
    }
  }

  /**
   * Publishes on the context, again every 100 ms while the link is not connected (it reconnects), and
   * completes with the first other outcome.
   */
  private CompletableFuture<Void> whenUp(Supplier<Future<Void>> publish) {
    CompletableFuture<Void> out = new CompletableFuture<>();
    context.runOnContext(v -> attempt(publish, out, 100));
    return out;
  }

  private void attempt(Supplier<Future<Void>> publish, CompletableFuture<Void> out, int left) {
    publish.get().onComplete(ar -> {
      if (ar.succeeded()) {
        out.complete(null);
      } else if (left > 0 && (ar.cause().getMessage().contains("not connected")
          || ar.cause().getMessage().contains("connection lost"))) {
        vertx.setTimer(100, id -> attempt(publish, out, left - 1));
      } else {
        out.completeExceptionally(ar.cause());
      }
    });
  }

  private <T> CompletableFuture<T> on(Supplier<Future<T>> work) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> work.get().onComplete(p));
    return p.future().toCompletionStage().toCompletableFuture();
  }

  private static AMQP.BasicProperties props(String id) {
    return new AMQP.BasicProperties.Builder().messageId(id).deliveryMode(2).build();
  }

  private static byte[] body(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static Buffer buffer(String text) {
    return Buffer.buffer(body(text));
  }
}
