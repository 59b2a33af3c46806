package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sluice.bus.Event;
import dev.sluice.schema.EnvelopeReader;
import dev.sluice.testsupport.Malformed;
import dev.sluice.testsupport.Tries;
import dev.sluice.grpc.v1.IngestEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * gRPC events with any field values and any {@code data} bytes are turned into envelopes or refused,
 * never an exception: each event is counted once, and an accepted event's envelope holds its data bytes
 * as sent.
 */
class GrpcEnvelopesPropertiesTest {

  private static final EnvelopeReader READER = new EnvelopeReader(50);
  private static final String[] ODD = {"", "\"", "\\", "\u0000", "\ud800", "1.0", "01", "x".repeat(300),
    "order.created", "2026-11-23T10:15:30Z", "2f1c9a8e-7b6d-4c5e-9f0a-1b2c3d4e5f60", "\",\"data\":{}"};

  @TestFactory
  Stream<DynamicTest> anyEventsAreReadOrRefused() {
    return Tries.of("grpc.events", 1500, GrpcEnvelopesPropertiesTest::readOrRefused);
  }

  private static void readOrRefused(Random r) {
    List<IngestEvent> in = new ArrayList<>();
    int n = 1 + r.nextInt(4);
    for (int i = 0; i < n; i++) {
      byte[] data = Malformed.any(r, ("{\"n\":" + r.nextInt() + ",\"s\":\"\u00e9\"}").getBytes(StandardCharsets.UTF_8));
      in.add(IngestEvent.newBuilder()
          .setEventId(pick(r, "2f1c9a8e-7b6d-4c5e-9f0a-1b2c3d4e5f6" + i))
          .setEventType(pick(r, "order.created"))
          .setEventVersion(pick(r, "1"))
          .setOccurredAt(pick(r, "2026-11-23T10:15:30Z"))
          .setSource(pick(r, "shop"))
          .setCorrelationId(pick(r, ""))
          .setAggregateId(pick(r, ""))
          .setData(ByteString.copyFrom(data))
          .build());
    }
    GrpcEnvelopes.Read read = GrpcEnvelopes.read(READER, in, "cid");
    assertThat(read.total()).isEqualTo(n);
    assertThat(read.events().size() + read.rejections().size()).isEqualTo(n);
    for (Event e : read.events()) {
      byte[] data = in.get(e.index()).getData().toByteArray();
      assertThat(containsSlice(e.value(), data)).as("data as sent in event %d", e.index()).isTrue();
    }
    read.rejections().forEach(x -> assertThat(x.violations()).isNotEmpty());
  }

  private static String pick(Random r, String valid) {
    return r.nextInt(3) == 0 ? ODD[r.nextInt(ODD.length)] : valid;
  }

  private static boolean containsSlice(byte[] body, byte[] value) {
    return new String(body, StandardCharsets.ISO_8859_1).contains(new String(value, StandardCharsets.ISO_8859_1));
  }
}
