package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Status;
import dev.sluice.bus.Failure;
import dev.sluice.grpc.v1.EventResult;
import dev.sluice.grpc.v1.PublishResponse;
import dev.sluice.grpc.v1.Refused;
import dev.sluice.schema.Violation;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrpcAnswersTest {

  private static int encoded(Status s) {
    return Base64.getEncoder().withoutPadding().encodeToString(s.toByteArray()).length();
  }

  private static PublishResponse response(int n) {
    PublishResponse.Builder b = PublishResponse.newBuilder().setRejected(n);
    for (int i = 0; i < n; i++) {
      b.addResults(EventResult.newBuilder().setIndex(i).setRefused(Refused.newBuilder().setCode("SLC-1005")
          .setMessage("eventType is missing, a string of 1 to 255 characters is expected")));
    }
    return b.build();
  }

  private static List<Violation> violations(int n) {
    List<Violation> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Violation("/" + i + "/eventType", "is missing: a string of 1 to 255 characters is expected"));
    }
    return out;
  }

  @Test
  void smallDetailsKeepTheResponse() throws Exception {
    Status s = GrpcAnswers.fail(null, Failure.INVALID_ENVELOPE, "all 2 events are invalid", violations(2),
        response(2));
    assertThat(s.getDetailsList()).hasSize(3);
    assertThat(s.getDetails(2).unpack(PublishResponse.class).getResultsCount()).isEqualTo(2);
  }

  @Test
  void theDetailsStayUnderTheMetadataBoundOfClients() throws Exception {
    // grpc-java reads at most 8 KiB of metadata: past it the call fails with no details at all
    Status s = GrpcAnswers.fail(null, Failure.INVALID_ENVELOPE, "all 300 events are invalid", violations(300),
        response(300));
    assertThat(encoded(s)).isLessThanOrEqualTo(GrpcAnswers.MAX_DETAILS_CHARS);
    assertThat(s.getDetails(0).unpack(ErrorInfo.class).getReason()).isEqualTo("SLC-1005");
    assertThat(s.getDetailsList()).hasSize(2); // the PublishResponse did not fit
    List<BadRequest.FieldViolation> vs = s.getDetails(1).unpack(BadRequest.class).getFieldViolationsList();
    assertThat(vs.get(0).getField()).isEqualTo("/0/eventType");
    assertThat(vs.get(1).getField()).isEqualTo("/1/eventType");
    assertThat(vs.get(vs.size() - 1).getDescription())
        .isEqualTo((300 - (vs.size() - 1)) + " more violations were cut to keep the details small");
    assertThat(vs.size()).isGreaterThan(20);
  }
}
