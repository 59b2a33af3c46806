package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What ingest tells a client when the next part does not answer, over a real event bus: nobody there
 * (shutting down: nothing was sent, retry elsewhere) versus no answer in time (the publisher may still
 * hand the event to Kafka: the outcome is unknown and the answer must not invite a blind retry).
 */
@ExtendWith(VertxExtension.class)
class BatchOutcomeTest {

  private static final String ADDRESS = "test.publish";

  @BeforeEach
  void codecs(Vertx vertx) {
    LocalCodec.registerAll(vertx.eventBus());
  }

  @Test
  void aTimeoutIsAnUnknownOutcomeNotARetry(Vertx vertx, VertxTestContext ctx) {
    vertx.eventBus().<Batch>consumer(ADDRESS, msg -> {}); // takes the batch and never answers
    vertx.eventBus()
        .request(ADDRESS, batch(), new DeliveryOptions().setSendTimeout(100))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          Outcome[] outcomes = BatchOutcome.noAnswer(2, err).outcomes();
          assertThat(outcomes).hasSize(2);
          for (Outcome o : outcomes) {
            assertThat(o.failure()).isEqualTo(Failure.OUTCOME_UNKNOWN);
            assertThat(o.failure().retryable()).isFalse();
            assertThat(o.failure().httpStatus()).isEqualTo(504);
            assertThat(o.message()).contains("unknown").contains("eventId");
          }
          ctx.completeNow();
        })));
  }

  @Test
  void noHandlerMeansShuttingDownAndNothingSent(Vertx vertx, VertxTestContext ctx) {
    vertx.eventBus()
        .request(ADDRESS, batch(), new DeliveryOptions().setSendTimeout(1000))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          Outcome o = BatchOutcome.noAnswer(1, err).outcomes()[0];
          assertThat(o.failure()).isEqualTo(Failure.SHUTTING_DOWN);
          assertThat(o.failure().retryable()).isTrue();
          ctx.completeNow();
        })));
  }

  private static Batch batch() {
    return Batch.unrouted(List.of(), null);
  }
}
