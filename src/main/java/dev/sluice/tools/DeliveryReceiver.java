package dev.sluice.tools;

import dev.sluice.grpc.v1.DeliverRequest;
import dev.sluice.grpc.v1.DeliverResponse;
import dev.sluice.grpc.v1.Event;
import dev.sluice.grpc.v1.EventDeliveryGrpcService;
import dev.sluice.grpc.v1.Result;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.StatusException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A receiver of Sluice's synchronous gRPC fallback ({@code sluice.v1.EventDelivery/Deliver}, Vert.x
 * gRPC server, HTTP/2 in clear text or TLS): appends each event it receives as one JSON line (to a file
 * or standard output) and answers OK, or as told: slow ({@code --delay-ms}), every event RETRY or
 * REJECT, or every call UNAVAILABLE ({@code --fail}). For tests and for trying the fallback locally:
 *
 * <pre>java -cp target/sluice-*-app.jar dev.sluice.tools.DeliveryReceiver --port 9191 --out received.jsonl</pre>
 */
public final class DeliveryReceiver {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryReceiver.class);
  /** Larger than any batch the gateway takes (http.max-body-bytes plus the metadata). */
  static final long MAX_MESSAGE_BYTES = 64L * 1024 * 1024;

  private final Vertx vertx;
  private final ReceiverOptions options;
  private HttpServer server;
  private AsyncFile file;

  private DeliveryReceiver(Vertx vertx, ReceiverOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  /** Starts listening; completes once it does. */
  public static Future<DeliveryReceiver> start(Vertx vertx, ReceiverOptions options) {
    DeliveryReceiver r = new DeliveryReceiver(vertx, options);
    Future<AsyncFile> out = options.out() == null
        ? Future.succeededFuture()
        : vertx.fileSystem().open(options.out().toString(), new OpenOptions().setAppend(true).setCreate(true));
    return out.compose(f -> {
      r.file = f;
      return r.listen();
    }).map(r);
  }

  private Future<Void> listen() {
    GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(MAX_MESSAGE_BYTES));
    grpc.addService(new EventDeliveryGrpcService() {
      @Override
      public Future<DeliverResponse> deliver(DeliverRequest request) {
        return answer(request);
      }
    });
    HttpServerOptions http = new HttpServerOptions().setHost(options.host()).setPort(options.port());
    if (options.tlsCert() != null) {
      http.setSsl(true).setUseAlpn(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(options.tlsCert().toString()).setKeyPath(options.tlsKey().toString()));
    }
    return vertx.createHttpServer(http).requestHandler(grpc).listen().map(s -> {
      server = s;
      return null;
    });
  }

  /** The port it listens on. */
  public int port() {
    return server.actualPort();
  }

  public Future<Void> close() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.compose(v -> file == null ? Future.succeededFuture() : file.close());
  }

  private Future<DeliverResponse> answer(DeliverRequest request) {
    Promise<Void> waited = Promise.promise();
    if (options.delayMs() > 0) {
      vertx.setTimer(options.delayMs(), id -> waited.complete());
    } else {
      waited.complete();
    }
    Result.Status status = switch (options.fail()) {
      case NONE -> Result.Status.OK;
      case RETRY -> Result.Status.RETRY;
      case REJECT -> Result.Status.REJECT;
      case UNAVAILABLE -> Result.Status.STATUS_UNSPECIFIED;
    };
    return waited.future().compose(v -> {
      if (options.fail() == ReceiverOptions.Fail.UNAVAILABLE) {
        LOG.info("Failed a call of {} events with UNAVAILABLE (--fail unavailable)", request.getEventsCount());
        return Future.failedFuture(new StatusException(GrpcStatus.UNAVAILABLE, "told to fail (--fail unavailable)"));
      }
      Buffer lines = Buffer.buffer();
      String at = Instant.now().toString();
      for (Event e : request.getEventsList()) {
        lines.appendString(line(e, status, at).encode()).appendByte((byte) '\n');
      }
      String message = switch (status) {
        case RETRY -> "told to answer RETRY (--fail retry)";
        case REJECT -> "told to answer REJECT (--fail reject)";
        default -> "";
      };
      Result result = Result.newBuilder().setStatus(status).setMessage(message).build();
      DeliverResponse.Builder response = DeliverResponse.newBuilder();
      request.getEventsList().forEach(e -> response.addResults(result));
      return write(lines).map(w -> response.build());
    });
  }

  /** One event as a JSON line: its metadata, the status answered, and the envelope (as JSON when it is). */
  static JsonObject line(Event e, Result.Status status, String receivedAt) {
    JsonObject line = new JsonObject()
        .put("receivedAt", receivedAt)
        .put("status", status.name())
        .put("eventId", e.getEventId())
        .put("eventType", e.getEventType())
        .put("eventVersion", e.getEventVersion())
        .put("topic", e.getTopic())
        .put("key", e.getKey())
        .put("correlationId", e.getCorrelationId())
        .put("traceparent", e.getTraceparent());
    byte[] envelope = e.getEnvelope().toByteArray();
    try {
      line.put("envelope", new JsonObject(Buffer.buffer(envelope)));
    } catch (DecodeException | ClassCastException notAnObject) {
      line.put("envelopeText", new String(envelope, StandardCharsets.UTF_8));
    }
    return line;
  }

  private Future<Void> write(Buffer lines) {
    if (file != null) {
      return file.write(lines);
    }
    PrintStream stdout = System.out;
    return vertx.executeBlocking(() -> {
      stdout.write(lines.getBytes());
      stdout.flush();
      return null;
    });
  }

  public static void main(String[] args) {
    ReceiverOptions options;
    try {
      options = ReceiverOptions.parse(args);
    } catch (IllegalArgumentException e) {
      if (!"help".equals(e.getMessage())) {
        System.err.println("DeliveryReceiver: " + e.getMessage());
      }
      System.err.print(ReceiverOptions.USAGE);
      System.exit("help".equals(e.getMessage()) ? 0 : 2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    DeliveryReceiver receiver;
    try {
      receiver = start(vertx, options).await();
    } catch (RuntimeException e) {
      System.err.println("DeliveryReceiver: cannot start: " + e.getMessage());
      vertx.close();
      System.exit(1);
      return;
    }
    // SIGTERM / Ctrl-C: stop listening, close the file, then Vert.x (awaited here: not on an event loop,
    // which Vert.x's close ends)
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        receiver.close().await(5, TimeUnit.SECONDS);
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (TimeoutException | RuntimeException e) {
        System.err.println("DeliveryReceiver: stop: " + e);
      }
    }, "receiver-stop"));
    LOG.info("DeliveryReceiver listening on {}:{} ({}; delay {} ms; answers {}; events to {})", options.host(),
        receiver.port(), options.tlsCert() != null ? "TLS" : "clear text", options.delayMs(),
        options.fail() == ReceiverOptions.Fail.NONE ? "OK" : options.fail().name(),
        options.out() != null ? options.out() : "standard output");
  }
}
