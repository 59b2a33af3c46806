package dev.sluice.ingest;

import com.google.rpc.Status;
import dev.sluice.bus.Failure;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.internal.http.HttpServerRequestWrapper;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.MessageSizeOverflowException;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.Base64;
import java.util.List;

/**
 * What vertx-grpc does not handle in a call's bytes, each of which vert.x logged at ERROR as an unhandled
 * exception:
 *
 * <ul>
 *   <li>a message with the compressed flag set in a call without {@code grpc-encoding}: the deframer
 *       throws UnsupportedOperationException and the call was never answered. This wrapper of the call's
 *       HTTP request, put between the HTTP server and the gRPC server, catches it where the request's
 *       data reaches the deframer and ends the call with {@code INTERNAL} (what the gRPC specification
 *       prescribes for it), message {@code SLC-1004: ...}; the call's handlers then see it cancelled, and
 *       its later data is dropped;
 *   <li>a message over {@code grpc.max-message-bytes} after one that was not protobuf: vertx-grpc
 *       cancels the call on the first, then answers the second into the cancelled call ("The stream is
 *       failed: CANCELLED"). {@link #oversize} answers it instead, {@code RESOURCE_EXHAUSTED} with
 *       SLC-1002, unless the call is over.
 * </ul>
 */
final class GrpcWireGuard extends HttpServerRequestWrapper {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GrpcWireGuard.class);

  static final Failure FAILURE = Failure.UNSUPPORTED_MEDIA_TYPE;
  static final String MESSAGE = "the message has the compressed flag set but the call names no grpc-encoding";

  private final Runnable onRefused;
  private Handler<Throwable> exceptionHandler;
  private boolean over;

  private GrpcWireGuard(HttpServerRequestInternal delegate, Runnable onRefused) {
    super(delegate);
    this.onRefused = onRefused;
  }

  /**
   * {@code req} as the gRPC server should see it: guarded when the call names no encoding; {@code
   * onRefused} counts a refusal.
   */
  static HttpServerRequest guard(HttpServerRequest req, Runnable onRefused) {
    if (req.headers().contains("grpc-encoding") || !(req instanceof HttpServerRequestInternal internal)) {
      return req;
    }
    return new GrpcWireGuard(internal, onRefused);
  }

  @Override
  public HttpServerRequest handler(Handler<Buffer> handler) {
    delegate.handler(handler == null ? null : data -> guarded(handler, data));
    return this;
  }

  @Override
  public HttpServerRequest endHandler(Handler<Void> handler) {
    delegate.endHandler(handler == null ? null : v -> guarded(handler, v));
    return this;
  }

  @Override
  public HttpServerRequest exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    delegate.exceptionHandler(handler);
    return this;
  }

  /**
   * Replaces vertx-grpc's handler of a call's invalid messages: one over {@code maxBytes} ends the call
   * {@code RESOURCE_EXHAUSTED} (SLC-1002) when it is not over yet; any other is cancelled, as vertx-grpc
   * does.
   */
  static void oversize(GrpcServerRequest<?, ?> req, int maxBytes, IngestMetrics metrics) {
    req.invalidMessageHandler(e -> {
      if (e instanceof MessageSizeOverflowException big) {
        metrics.rejected(Failure.BODY_TOO_LARGE);
        GrpcAnswers.fail(req.response(), Failure.BODY_TOO_LARGE, "a message of " + big.messageSize()
            + " bytes is over the limit of " + maxBytes + " (grpc.max-message-bytes)", List.of(), null);
      } else if (!GrpcAnswers.safely(req.response(), req.response()::cancel)) {
        LOG.debug("gRPC call {}: invalid message after the call was over", req.fullMethodName());
      }
    });
  }

  private <T> void guarded(Handler<T> handler, T event) {
    if (over) {
      return;
    }
    try {
      handler.handle(event);
    } catch (UnsupportedOperationException e) {
      refuse();
    }
  }

  private void refuse() {
    over = true;
    onRefused.run();
    String text = FAILURE.id() + ": " + MESSAGE;
    Status details = GrpcAnswers.fail(null, FAILURE, MESSAGE, List.of(), null).toBuilder()
        .setCode(GrpcStatus.INTERNAL.code).build();
    HttpServerResponse resp = delegate.response();
    if (!resp.ended() && !resp.closed()) {
      if (!resp.headWritten()) { // trailers-only: the status in the headers
        resp.putHeader("content-type", "application/grpc").putHeader("grpc-status", status())
            .putHeader("grpc-message", text).putHeader(GrpcAnswers.STATUS_DETAILS, base64(details)).end();
      } else {
        resp.putTrailer("grpc-status", status()).putTrailer("grpc-message", text)
            .putTrailer(GrpcAnswers.STATUS_DETAILS, base64(details)).end();
      }
    }
    if (exceptionHandler != null) { // the call's handlers see it end: nothing more will be read or written
      exceptionHandler.handle(new StreamResetException(8)); // CANCEL
    }
  }

  private static String status() {
    return Integer.toString(GrpcStatus.INTERNAL.code);
  }

  private static String base64(Status details) {
    return Base64.getEncoder().withoutPadding().encodeToString(details.toByteArray());
  }
}
