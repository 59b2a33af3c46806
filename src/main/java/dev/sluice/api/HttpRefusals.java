package dev.sluice.api;

import dev.sluice.bus.Failure;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.Http1xServerConnection;
import java.util.function.Consumer;

/**
 * The answers to what the HTTP stack refuses before a request reaches a route, on the ingest and admin
 * listeners: a request line or headers it cannot parse (400, {@code SLC-1400}), a request line over
 * {@link HttpServerOptions#getMaxInitialLineLength()} (414, {@code SLC-1414}), headers over {@link
 * HttpServerOptions#getMaxHeaderSize()} (431, {@code SLC-1431}) and an HTTP version other than 1.0 and
 * 1.1 (505, {@code SLC-1505}; Vert.x would answer 501 with no body). Each gets the listener's JSON error
 * body and {@code Connection: close}, is counted, and its connection is closed once the answer is out.
 */
public final class HttpRefusals {

  /** The JSON error body a listener answers with. */
  @FunctionalInterface
  public interface Body {
    String of(HttpServerRequest request, Failure failure, String message);
  }

  private final Body body;
  private final Consumer<Failure> counted;
  private final int maxInitialLine;
  private final int maxHeaders;

  private HttpRefusals(Body body, Consumer<Failure> counted, HttpServerOptions options) {
    this.body = body;
    this.counted = counted;
    this.maxInitialLine = options.getMaxInitialLineLength();
    this.maxHeaders = options.getMaxHeaderSize();
  }

  /**
   * Sets {@code requests} as the server's request handler and answers what the HTTP stack refuses. Vert.x
   * answers an unknown HTTP version 501 before any handler sees the request, and on a status line with
   * that version; so a handler in each HTTP/1.x connection's Netty pipeline (added by the connection
   * handler, which these listeners do not otherwise use) marks such a request as not decoded, with
   * version HTTP/1.1, and it comes to the invalid-request handler like any other parse failure.
   */
  public static HttpServer install(HttpServer server, HttpServerOptions options, Handler<HttpServerRequest> requests,
      Body body, Consumer<Failure> counted) {
    HttpRefusals refusals = new HttpRefusals(body, counted, options);
    return server
        .requestHandler(requests)
        .invalidRequestHandler(refusals::invalid)
        .connectionHandler(conn -> {
          // Vert.x internals (5.0.7): its HTTP/1.x pipeline ends with "handler"; without it (another
          // Vert.x) unknown versions get Vert.x's own 501 rather than every connection failing
          if (conn instanceof Http1xServerConnection http1
              && http1.channelHandlerContext().pipeline().get("handler") != null) {
            http1.channelHandlerContext().pipeline().addBefore("handler", "sluice-http-version", new VersionCheck());
          }
        });
  }

  /** A request line whose version is not HTTP/1.0 or HTTP/1.1 (and parsed as a version). */
  private static final class UnsupportedVersion extends Exception {
    private static final long serialVersionUID = 1L;

    UnsupportedVersion(String version) {
      super(version, null, false, false);
    }
  }

  /** Turns a request of an unknown version into a failed decoding (the answer is then written as HTTP/1.1). */
  private static final class VersionCheck extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest req && req.decoderResult().isSuccess()) {
        HttpVersion v = req.protocolVersion();
        if (!HttpVersion.HTTP_1_1.equals(v) && !HttpVersion.HTTP_1_0.equals(v)) {
          req.setProtocolVersion(HttpVersion.HTTP_1_1);
          req.setDecoderResult(DecoderResult.failure(new UnsupportedVersion(v.text())));
        }
      }
      ctx.fireChannelRead(msg);
    }
  }

  private void invalid(HttpServerRequest req) {
    Throwable cause = req.decoderResult().cause();
    if (cause instanceof UnsupportedVersion) {
      refuse(req, Failure.HTTP_VERSION_NOT_SUPPORTED,
          "the HTTP version of the request line is not supported; use HTTP/1.1, HTTP/1.0 or HTTP/2");
    } else if (cause instanceof TooLongHttpLineException) {
      refuse(req, Failure.URI_TOO_LONG, "the request line (method, path and version) is longer than "
          + maxInitialLine + " bytes");
    } else if (cause instanceof TooLongHttpHeaderException) {
      refuse(req, Failure.HEADERS_TOO_LARGE, "the request's headers are larger than " + maxHeaders + " bytes");
    } else {
      // the parser's own message may quote a header's value (a credential): not echoed
      refuse(req, Failure.BAD_HTTP_REQUEST, "the request is not valid HTTP/1.1: its request line, a header or"
          + " its framing (Content-Length, Transfer-Encoding) could not be parsed");
    }
  }

  private void refuse(HttpServerRequest req, Failure failure, String message) {
    counted.accept(failure);
    HttpConnection conn = req.connection();
    req.response()
        .setStatusCode(failure.httpStatus())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(body.of(req, failure, message))
        .onComplete(ar -> conn.close());
  }
}
