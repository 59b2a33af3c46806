package dev.sluice.ingest;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Status;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.grpc.v1.Accepted;
import dev.sluice.grpc.v1.EventResult;
import dev.sluice.grpc.v1.FieldViolation;
import dev.sluice.grpc.v1.IngestEvent;
import dev.sluice.grpc.v1.Refused;
import dev.sluice.schema.Rejection;
import dev.sluice.schema.Violation;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;

/**
 * The gRPC edge's answers: a result per event, and the error of a whole call as a
 * {@code google.rpc.Status} (ErrorInfo with the SLC code, BadRequest with the pointers) in the
 * {@code grpc-status-details-bin} trailer.
 */
final class GrpcAnswers {

  static final String DOMAIN = "sluice.dev";
  static final String STATUS_DETAILS = "grpc-status-details-bin";
  /**
   * The most characters of the base64 details trailer: grpc-java reads at most 8 KiB of metadata and
   * fails a call past it (RST_STREAM, no details at all).
   */
  static final int MAX_DETAILS_CHARS = 6 * 1024;
  /** Bytes of a Status whose base64 form fits {@link #MAX_DETAILS_CHARS}. */
  private static final int MAX_DETAILS_BYTES = MAX_DETAILS_CHARS / 4 * 3;

  private GrpcAnswers() {}

  /** The results of a call's events in call order: accepted, refused by the reader, or failed. */
  static List<EventResult> results(List<IngestEvent> in, List<Event> events, Outcome[] outcomes,
      List<Rejection> rejections) {
    List<EventResult> out = new ArrayList<>(in.size());
    Iterator<Rejection> rs = rejections.iterator();
    Rejection r = rs.hasNext() ? rs.next() : null;
    int e = 0;
    for (int i = 0; i < in.size(); i++) {
      EventResult.Builder b = EventResult.newBuilder().setIndex(i).setEventId(in.get(i).getEventId());
      if (r != null && r.index() == i) {
        b.setRefused(refused(r));
        r = rs.hasNext() ? rs.next() : null;
      } else {
        Event ev = events.get(e);
        assert ev.index() == i;
        Outcome o = outcomes[e++];
        if (o.isAccepted()) {
          b.setAccepted(Accepted.newBuilder().setStatus(o.status()).setTopic(o.topic() == null ? "" : o.topic())
              .setPartition(o.partition()).setOffset(o.offset()).setVia(o.via() == null ? "" : o.via()));
        } else {
          b.setRefused(refused(o.failure(), o.message(), List.of()));
        }
      }
      out.add(b.build());
    }
    return out;
  }

  static Refused refused(Rejection r) {
    return refused(r.failure(), r.message(), r.violations());
  }

  static Refused refused(Failure f, String message, List<Violation> violations) {
    Refused.Builder b = Refused.newBuilder().setCode(f.id()).setMessage(message == null ? "" : message)
        .setRetryable(f.retryable()).setStatus(f.grpcStatus());
    for (Violation v : violations) {
      b.addViolations(FieldViolation.newBuilder().setField(v.pointer()).setDescription(v.message()));
    }
    return b.build();
  }

  /**
   * Ends the call with the failure's status: the message is {@code "SLC-nnnn: message"}; the details
   * hold ErrorInfo, a BadRequest when there are violations, and {@code extra} (e.g. the
   * PublishResponse) when not null. The details stay under {@link #MAX_DETAILS_CHARS}: {@code extra}
   * is left out first, then the violations past those that fit are cut (a last one says how many).
   * Returns the status it sent (an idempotent call stores it).
   */
  static Status fail(GrpcServerResponse<?, ?> resp, Failure f, String message, List<Violation> violations,
      Message extra) {
    GrpcStatus status = GrpcStatus.valueOf(f.grpcStatus());
    String text = f.id() + ": " + message;
    Status.Builder st = Status.newBuilder().setCode(status.code).setMessage(text)
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(f.id()).setDomain(DOMAIN)
            .putMetadata("retryable", Boolean.toString(f.retryable())).build()));
    Status head = st.build();
    BadRequest bad = violations.isEmpty() ? null : badRequest(violations, violations.size());
    Status built = bad == null ? head : head.toBuilder().addDetails(Any.pack(bad)).build();
    if (extra != null) {
      Status all = built.toBuilder().addDetails(Any.pack(extra)).build();
      if (all.getSerializedSize() <= MAX_DETAILS_BYTES) {
        built = all;
      }
    }
    if (built.getSerializedSize() > MAX_DETAILS_BYTES) { // only the violations can be too many now
      int keep = violations.size();
      while (keep > 0 && built.getSerializedSize() > MAX_DETAILS_BYTES) {
        long room = MAX_DETAILS_BYTES - head.getSerializedSize();
        long used = built.getSerializedSize() - head.getSerializedSize();
        keep = (int) Math.max(0, (long) keep * room / used - 1); // in proportion, one less for the note
        built = head.toBuilder().addDetails(Any.pack(badRequest(violations, keep))).build();
      }
    }
    if (resp != null) {
      Status sent = built;
      safely(resp, () -> {
        resp.trailers().set(STATUS_DETAILS, Base64.getEncoder().withoutPadding().encodeToString(sent.toByteArray()));
        resp.status(status).statusMessage(text).end();
      });
    }
    return built;
  }

  /**
   * Runs a write of {@code resp}; false when the call is gone (the client cancelled it, the connection
   * closed): vert.x throws IllegalStateException then, and there is nobody left to answer.
   */
  static boolean safely(GrpcServerResponse<?, ?> resp, Runnable write) {
    try {
      write.run();
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /** The first {@code keep} violations, and a note saying how many more were cut when not all. */
  private static BadRequest badRequest(List<Violation> violations, int keep) {
    BadRequest.Builder br = BadRequest.newBuilder();
    for (Violation v : violations.subList(0, keep)) {
      br.addFieldViolations(BadRequest.FieldViolation.newBuilder().setField(v.pointer())
          .setDescription(v.message()));
    }
    if (keep < violations.size()) {
      br.addFieldViolations(BadRequest.FieldViolation.newBuilder().setField("")
          .setDescription((violations.size() - keep) + " more violations were cut to keep the details small"));
    }
    return br.build();
  }

  /** Every violation of the rejections, in call order. */
  static List<Violation> violations(List<Rejection> rejections) {
    List<Violation> out = new ArrayList<>();
    for (Rejection r : rejections) {
      out.addAll(r.violations());
    }
    return out;
  }
}
