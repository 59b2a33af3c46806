package dev.sluice.ingest;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Server reflection (v1) through grpc-java's client stub: what grpcurl asks for. */
final class GrpcReflection {

  private GrpcReflection() {}

  static List<String> listServices(ManagedChannel channel) throws Exception {
    ServerReflectionResponse r = ask(channel, ServerReflectionRequest.newBuilder().setListServices("*").build());
    return r.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList();
  }

  /** The name of the file that defines {@code symbol}. */
  static String fileContaining(ManagedChannel channel, String symbol) throws Exception {
    ServerReflectionResponse r =
        ask(channel, ServerReflectionRequest.newBuilder().setFileContainingSymbol(symbol).build());
    try {
      return FileDescriptorProto.parseFrom(r.getFileDescriptorResponse().getFileDescriptorProto(0)).getName();
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static ServerReflectionResponse ask(ManagedChannel channel, ServerReflectionRequest request)
      throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> out =
        ServerReflectionGrpc.newStub(channel).serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            answer.completeExceptionally(new AssertionError("no answer"));
          }
        });
    out.onNext(request);
    ServerReflectionResponse r = answer.get(10, TimeUnit.SECONDS);
    out.onCompleted();
    return r;
  }
}
