package dev.sluice.testsupport;

import dev.sluice.grpc.v1.DeliverRequest;
import dev.sluice.grpc.v1.DeliverResponse;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The {@code sluice.v1.EventDelivery} service through grpc-java (Netty), the reference gRPC
 * implementation, for tests across implementations: Sluice's client and receiver are Vert.x gRPC. No
 * generated grpc-java stubs: the method is described over the generated protobuf messages.
 */
public final class GrpcJava {

  public static final MethodDescriptor<DeliverRequest, DeliverResponse> DELIVER =
      MethodDescriptor.<DeliverRequest, DeliverResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("sluice.v1.EventDelivery", "Deliver"))
          .setRequestMarshaller(ProtoUtils.marshaller(DeliverRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(DeliverResponse.getDefaultInstance()))
          .build();

  private GrpcJava() {}

  /** One call as the server saw it: the request and the deadline the client sent, if any. */
  public record Call(DeliverRequest request, Long deadlineMs) {}

  /**
   * A grpc-java server of EventDelivery on 127.0.0.1 (a free port), answering with {@code answer} (which
   * may throw a {@link StatusRuntimeException}) after {@code delayMs}. Close it to stop it.
   */
  public static final class Receiver implements AutoCloseable {
    private final Server server;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();

    private Receiver(ServerCredentials credentials, long delayMs, Function<DeliverRequest, DeliverResponse> answer) {
      ServerServiceDefinition service = ServerServiceDefinition.builder("sluice.v1.EventDelivery")
          .addMethod(DELIVER, ServerCalls.asyncUnaryCall((DeliverRequest req, StreamObserver<DeliverResponse> out) -> {
            Deadline deadline = Context.current().getDeadline();
            calls.add(new Call(req, deadline == null ? null : deadline.timeRemaining(TimeUnit.MILLISECONDS)));
            Runnable reply = () -> {
              try {
                out.onNext(answer.apply(req));
                out.onCompleted();
              } catch (StatusRuntimeException e) {
                out.onError(e);
              }
            };
            if (delayMs > 0) {
              timer.schedule(reply, delayMs, TimeUnit.MILLISECONDS);
            } else {
              reply.run();
            }
          }))
          .build();
      try {
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), credentials)
            .addService(service)
            .build()
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public static Receiver plain(long delayMs, Function<DeliverRequest, DeliverResponse> answer) {
      return new Receiver(InsecureServerCredentials.create(), delayMs, answer);
    }

    public static Receiver tls(SelfSignedCert cert, Function<DeliverRequest, DeliverResponse> answer) {
      return new Receiver(TlsServerCredentials.newBuilder().keyManager(cert.keyManagers()).build(), 0, answer);
    }

    public int port() {
      return server.getPort();
    }

    /** The calls received so far, in arrival order. */
    public List<Call> calls() {
      return List.copyOf(calls);
    }

    @Override
    public void close() {
      server.shutdownNow();
      timer.shutdownNow();
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A grpc-java client channel to 127.0.0.1:{@code port} in clear text (HTTP/2 prior knowledge). */
  public static ManagedChannel channel(int port) {
    ChannelCredentials plain = InsecureChannelCredentials.create();
    return Grpc.newChannelBuilderForAddress("127.0.0.1", port, plain).build();
  }

  /**
   * A grpc-java client channel to 127.0.0.1:{@code port} over TLS trusting the PEM {@code ca}; with a client
   * certificate when {@code cert} and {@code key} (PEM, PKCS#8) are not null.
   */
  public static ManagedChannel tlsChannel(int port, Path ca, Path cert, Path key) {
    try {
      TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder().trustManager(ca.toFile());
      if (cert != null) {
        tls.keyManager(cert.toFile(), key.toFile());
      }
      return Grpc.newChannelBuilderForAddress("127.0.0.1", port, tls.build()).build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the PEM files for a TLS channel", e);
    }
  }

  /** One blocking Deliver call with a deadline. */
  public static DeliverResponse deliver(ManagedChannel channel, DeliverRequest request, long deadlineMs) {
    return ClientCalls.blockingUnaryCall(channel, DELIVER,
        CallOptions.DEFAULT.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS), request);
  }
}
