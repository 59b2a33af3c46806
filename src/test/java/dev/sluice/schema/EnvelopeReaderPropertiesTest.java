package dev.sluice.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Event;
import dev.sluice.testsupport.Malformed;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Any bytes given to the {@link EnvelopeReader}, as JSON or as NDJSON, give a result or a client-error
 * rejection, never an exception; every accepted event's value is the client's bytes, a slice of the
 * body. Tries are bounded so that the properties take a few seconds; a failure prints jqwik's seed.
 */
class EnvelopeReaderPropertiesTest {

  private static final EnvelopeReader READER = new EnvelopeReader(50);

  @Property(tries = 1500)
  void anyBytesGiveAResultOrARejection(@ForAll("bytes") byte[] body) {
    check(body);
  }

  @Property(tries = 3000)
  void mutatedBodiesGiveAResultOrARejection(@ForAll("mutated") byte[] body) {
    check(body);
  }

  @Property(tries = 300)
  void everyTruncationOfAValidBatchIsReadOrRefused(@ForAll("seeds") long seed) {
    Random r = new Random(seed);
    byte[] valid = Malformed.validNative(r, "fuzz.prop", r.nextBoolean());
    byte[] cut = java.util.Arrays.copyOf(valid, r.nextInt(valid.length + 1));
    check(cut);
  }

  @Property(tries = 200)
  void validBodiesAreAcceptedWithTheirExactBytes(@ForAll("seeds") long seed) {
    Random r = new Random(seed);
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

  @Provide
  Arbitrary<byte[]> bytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(600);
  }

  @Provide
  Arbitrary<Long> seeds() {
    return Arbitraries.longs();
  }

  @Provide
  Arbitrary<byte[]> mutated() {
    return Arbitraries.longs().map(seed -> {
      Random r = new Random(seed);
      return Malformed.any(r, Malformed.validNative(r, "fuzz.prop", r.nextBoolean()));
    });
  }
}
