package dev.sluice.testsupport;

import com.google.protobuf.ByteString;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import dev.sluice.grpc.v1.IngestEvent;
import dev.sluice.grpc.v1.PublishRequest;
import dev.sluice.grpc.v1.PublishResponse;
import dev.sluice.grpc.v1.StreamRequest;
import dev.sluice.grpc.v1.StreamResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice.v1.Ingest} through grpc-java (an implementation other than Sluice's Vert.x server):
 * method descriptors over the generated protobuf messages, no generated grpc-java stubs.
 */
public final class GrpcIngestClient {

  public static final MethodDescriptor<PublishRequest, PublishResponse> PUBLISH =
      MethodDescriptor.<PublishRequest, PublishResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("sluice.v1.Ingest", "Publish"))
          .setRequestMarshaller(ProtoUtils.marshaller(PublishRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(PublishResponse.getDefaultInstance()))
          .build();

  public static final MethodDescriptor<StreamRequest, StreamResponse> STREAM =
      MethodDescriptor.<StreamRequest, StreamResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("sluice.v1.Ingest", "Stream"))
          .setRequestMarshaller(ProtoUtils.marshaller(StreamRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(StreamResponse.getDefaultInstance()))
          .build();

  private GrpcIngestClient() {}

  /** A valid event of {@code type} with a small payload. */
  public static IngestEvent event(String eventId, String type) {
    return IngestEvent.newBuilder()
        .setEventId(eventId)
        .setEventType(type)
        .setEventVersion("1")
        .setOccurredAt(Envelopes.OCCURRED_AT)
        .setSource("sluice-it")
        .setData(ByteString.copyFrom("{\"n\":1}", StandardCharsets.UTF_8))
        .build();
  }

  /** The native envelope Sluice makes of {@link #event}: what Kafka must hold. */
  public static String envelopeOf(IngestEvent e) {
    return "{\"eventId\":\"" + e.getEventId() + "\",\"eventType\":\"" + e.getEventType()
        + "\",\"eventVersion\":1,\"occurredAt\":\"" + e.getOccurredAt() + "\",\"source\":\"" + e.getSource()
        + "\",\"data\":" + e.getData().toStringUtf8() + "}";
  }

  public static PublishResponse publish(ManagedChannel channel, List<IngestEvent> events) {
    return ClientCalls.blockingUnaryCall(channel, PUBLISH,
        CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS),
        PublishRequest.newBuilder().addAllEvents(events).build());
  }

  /** Opens a Stream call; what the server sends goes to {@code in}. */
  public static StreamObserver<StreamRequest> stream(ManagedChannel channel, StreamObserver<StreamResponse> in) {
    return ClientCalls.asyncBidiStreamingCall(channel.newCall(STREAM, CallOptions.DEFAULT), in);
  }

  /** The ErrorInfo reason (the SLC code) of a failed call's google.rpc.Status, or null. */
  public static String reason(StatusRuntimeException e) {
    com.google.rpc.Status st = StatusProto.fromThrowable(e);
    if (st == null) {
      return null;
    }
    for (com.google.protobuf.Any a : st.getDetailsList()) {
      if (a.is(ErrorInfo.class)) {
        try {
          return a.unpack(ErrorInfo.class).getReason();
        } catch (com.google.protobuf.InvalidProtocolBufferException x) {
          throw new AssertionError(x);
        }
      }
    }
    return null;
  }

  /** The BadRequest field violations of a failed call's google.rpc.Status as "field: description". */
  public static List<String> violations(StatusRuntimeException e) {
    List<String> out = new ArrayList<>();
    com.google.rpc.Status st = StatusProto.fromThrowable(e);
    if (st == null) {
      return out;
    }
    for (com.google.protobuf.Any a : st.getDetailsList()) {
      if (a.is(BadRequest.class)) {
        try {
          for (BadRequest.FieldViolation v : a.unpack(BadRequest.class).getFieldViolationsList()) {
            out.add(v.getField() + ": " + v.getDescription());
          }
        } catch (com.google.protobuf.InvalidProtocolBufferException x) {
          throw new AssertionError(x);
        }
      }
    }
    return out;
  }

  /** The PublishResponse carried in a failed Publish's status details, or null. */
  public static PublishResponse results(StatusRuntimeException e) {
    com.google.rpc.Status st = StatusProto.fromThrowable(e);
    if (st == null) {
      return null;
    }
    for (com.google.protobuf.Any a : st.getDetailsList()) {
      if (a.is(PublishResponse.class)) {
        try {
          return a.unpack(PublishResponse.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException x) {
          throw new AssertionError(x);
        }
      }
    }
    return null;
  }
}
