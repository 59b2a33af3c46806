package dev.sluice.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Event;
import dev.sluice.testsupport.Malformed;
import dev.sluice.testsupport.Tries;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Any bytes given to the {@link EnvelopeReader}, as JSON or as NDJSON, give a result or a client-error
 * rejection, never an exception; every accepted event's value is the client's bytes, a slice of the
 * body. Tries are bounded so that the properties take a few seconds; a failure prints its seed
 * ({@link Tries}).
 */
class EnvelopeReaderPropertiesTest {

  private static final EnvelopeReader READER = new EnvelopeReader(50);

  @TestFactory
  Stream<DynamicTest> anyBytesGiveAResultOrARejection() {
    return Tries.of("envelope.anyBytes", 1500, r -> check(ReaderProperties.bytes(r)));
  }

  @TestFactory
  Stream<DynamicTest> mutatedBodiesGiveAResultOrARejection() {
    return Tries.of("envelope.mutated", 3000, r -> check(Malformed.any(r, Malformed.validNative(r, "fuzz.prop",
        r.nextBoolean()))));
  }

  @TestFactory
  Stream<DynamicTest> everyTruncationOfAValidBatchIsReadOrRefused() {
    return Tries.of("envelope.truncated", 300, r -> {
      byte[] valid = Malformed.validNative(r, "fuzz.prop", r.nextBoolean());
      check(java.util.Arrays.copyOf(valid, r.nextInt(valid.length + 1)));
    });
  }

  @TestFactory
  Stream<DynamicTest> validBodiesAreAcceptedWithTheirExactBytes() {
    return Tries.of("envelope.valid", 200, EnvelopeReaderPropertiesTest::acceptsValid);
  }

  private static void acceptsValid(Random r) {
    boolean ndjson = r.nextBoolean();
    byte[] valid = Malformed.validNative(r, "fuzz.prop", ndjson);
    ReadResult result = ndjson ? READER.readNdjson(valid, valid.length, "c") : READER.readJson(valid, valid.length,
        "c");
    assertThat(result.failure()).isNull();
    assertThat(result.rejections()).isEmpty();
    assertThat(result.events()).isNotEmpty().allMatch(e -> ReaderProperties.sliceOf(valid, e.value()));
  }

  private static void check(byte[] body) {
    for (ReadResult r : new ReadResult[] {READER.readJson(body, body.length, "c"),
        READER.readNdjson(body, body.length, "c")}) {
      ReaderProperties.wellFormed(r);
      for (Event e : r.events()) {
        assertThat(ReaderProperties.sliceOf(body, e.value())).as("event %d is a slice of the body", e.index())
            .isTrue();
      }
    }
  }
}
