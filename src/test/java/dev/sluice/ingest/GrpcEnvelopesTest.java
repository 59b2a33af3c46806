package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sluice.grpc.v1.IngestEvent;
import dev.sluice.schema.EnvelopeReader;
import dev.sluice.schema.Violation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrpcEnvelopesTest {

  private static final String ID = "2f1c9a8e-7b6d-4c5e-9f0a-1b2c3d4e5f60";
  private static final EnvelopeReader READER = new EnvelopeReader(100);

  private static IngestEvent.Builder valid() {
    return IngestEvent.newBuilder().setEventId(ID).setEventType("order.created").setEventVersion("1")
        .setOccurredAt("2026-11-23T10:15:30Z").setSource("shop").setData(ByteString.copyFromUtf8("{\"n\":1}"));
  }

  @Test
  void theEnvelopeHoldsTheNonEmptyFieldsAndDataAsSent() {
    IngestEvent e = valid().setAggregateId("o-1").setCorrelationId("c-1").setEventVersion("1.3")
        .setData(ByteString.copyFromUtf8("{ \"é\" : [1, 2] }")).build();
    assertThat(new String(GrpcEnvelopes.envelope(e), StandardCharsets.UTF_8)).isEqualTo(
        "{\"eventId\":\"" + ID + "\",\"eventType\":\"order.created\",\"eventVersion\":\"1.3\","
            + "\"occurredAt\":\"2026-11-23T10:15:30Z\",\"source\":\"shop\",\"correlationId\":\"c-1\","
            + "\"aggregateId\":\"o-1\",\"data\":{ \"é\" : [1, 2] }}");
  }

  @Test
  void validEventsKeepTheirIndexAndInvalidOnesGetPointersAtTheirIndex() {
    GrpcEnvelopes.Read read = GrpcEnvelopes.read(READER,
        List.of(valid().build(), valid().clearEventType().build(), valid().clearData().build(), valid().build()),
        "cid");
    assertThat(read.total()).isEqualTo(4);
    assertThat(read.events()).extracting(e -> e.index()).containsExactly(0, 3);
    assertThat(read.events().get(0).correlationId()).isEqualTo("cid");
    assertThat(read.rejections()).extracting(r -> r.index()).containsExactly(1, 2);
    assertThat(read.rejections().get(0).violations()).extracting(Violation::pointer).containsExactly("/1/eventType");
    assertThat(read.rejections().get(1).violations()).extracting(Violation::pointer).containsExactly("/2/data");
  }

  @Test
  void dataMustBeExactlyOneJsonObjectSoItCannotAddEnvelopeMembers() {
    assertThat(GrpcEnvelopes.dataProblem(ByteString.copyFromUtf8("{\"n\":1},\"aggregateId\":\"x\"")))
        .contains("unexpected content");
    assertThat(GrpcEnvelopes.dataProblem(ByteString.copyFromUtf8("[1]"))).contains("an array");
    assertThat(GrpcEnvelopes.dataProblem(ByteString.copyFromUtf8("{\"n\":"))).startsWith("is not valid JSON");
    assertThat(GrpcEnvelopes.dataProblem(ByteString.copyFrom(new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'})))
        .startsWith("must be UTF-8 JSON (RFC 8259)"); // a lead byte without its continuation
    assertThat(GrpcEnvelopes.dataProblem(ByteString.copyFromUtf8(" {\"n\":{}} \n"))).isNull();
    GrpcEnvelopes.Read read = GrpcEnvelopes.read(READER,
        List.of(valid().setData(ByteString.copyFromUtf8("{\"n\":1},\"aggregateId\":\"x\"")).build()), "cid");
    assertThat(read.events()).isEmpty();
    assertThat(read.rejections().get(0).violations()).extracting(Violation::pointer).containsExactly("/0/data");
  }

  @Test
  void dataThatIsNotUtf8IsAViolationAtItsPointerNotACrash() {
    for (java.nio.charset.Charset cs : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE,
        StandardCharsets.UTF_16)) {
      GrpcEnvelopes.Read read = GrpcEnvelopes.read(READER,
          List.of(valid().build(), valid().setData(ByteString.copyFrom("{\"n\":1}", cs)).build()), "cid");
      assertThat(read.events()).extracting(e -> e.index()).containsExactly(0);
      assertThat(read.rejections()).hasSize(1);
      assertThat(read.rejections().get(0).failure()).isEqualTo(dev.sluice.bus.Failure.INVALID_ENVELOPE);
      assertThat(read.rejections().get(0).violations()).singleElement().satisfies(v -> {
        assertThat(v.pointer()).isEqualTo("/1/data");
        assertThat(v.message()).startsWith("must be UTF-8 JSON (RFC 8259)");
      });
    }
    assertThat(GrpcEnvelopes.dataProblem(ByteString.copyFrom(new byte[] {'{', '"', 'a', '"', ':', '"',
        (byte) 0xC0, (byte) 0xAF, '"', '}'}))).startsWith("must be UTF-8 JSON (RFC 8259)").contains("C0 AF");
  }
}
