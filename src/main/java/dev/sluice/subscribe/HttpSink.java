package dev.sluice.subscribe;

import dev.sluice.deadletter.DeadLetter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Delivers to an HTTP endpoint: one {@code POST} per event over a keep-alive pool of {@code concurrency}
 * connections (TLS with the JVM's trust for {@code https}). The body is the envelope exactly as read,
 * {@code Content-Type: application/json}; the headers {@code event-id}, {@code Idempotency-Key} (the
 * event id), {@code event-type}, {@code event-version}, {@code correlation-id} and {@code traceparent}
 * (each left out when the event has no value). The deadline covers the whole exchange, connecting
 * included.
 *
 * <p>Outcomes: 2xx done; 408, 429 and 5xx worth another attempt ({@code Retry-After} in seconds or as an
 * HTTP date taken); any other status (1xx, 3xx — redirects are not followed — and other 4xx) for good.
 * No answer in time: a retry that may have been taken (ambiguous), unless the request was never sent.
 * Not reachable (refused, unknown host, TLS handshake): a retry, not ambiguous. The connection lost
 * after the request was written: a retry, ambiguous. Of the answer's body the first {@value
 * DeadLetter#MAX_RESPONSE_BYTES} bytes are kept and the rest read and dropped.
 */
public final class HttpSink implements Sink {

  private final Vertx vertx;
  private final String host;
  private final int port;
  private final boolean tls;
  private final String uri;
  private final String describe;
  private final HttpClient client;

  public HttpSink(Vertx vertx, URI url, int concurrency) {
    this.vertx = vertx;
    this.describe = url.toString();
    this.tls = "https".equalsIgnoreCase(url.getScheme());
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setSsl(tls).setVerifyHost(true),
        new PoolOptions().setHttp1MaxSize(concurrency));
    this.host = url.getHost();
    this.port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
    this.uri = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
        + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
  }

  @Override
  public String describe() {
    return describe;
  }

  @Override
  public Future<SinkResult> deliver(SinkRequest r) {
    Promise<SinkResult> result = Promise.promise();
    boolean[] sent = {false};
    HttpClientRequest[] request = {null};
    long timer = vertx.setTimer(r.timeoutMs(), id -> {
      if (result.tryComplete(timedOut(r.timeoutMs(), sent[0])) && request[0] != null) {
        request[0].reset(); // gives the connection up rather than reading a late answer on it
      }
    });
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
        .setSsl(tls).setURI(uri).setFollowRedirects(false).setConnectTimeout(r.timeoutMs())
        .putHeader("Content-Type", "application/json");
    header(options, "event-id", r.eventId());
    header(options, "Idempotency-Key", r.eventId());
    header(options, "event-type", r.eventType());
    header(options, "event-version", r.eventVersion());
    header(options, "correlation-id", r.correlationId());
    header(options, "traceparent", r.traceparent());
    client.request(options).onComplete(connected -> {
      if (connected.failed()) {
        result.tryComplete(SinkResult.retry(DeadLetter.CLASS_CONNECTION, null,
            describe + " is not reachable: " + message(connected.cause()), 0, false));
        return;
      }
      HttpClientRequest req = connected.result();
      if (result.future().isComplete()) {
        req.reset(); // connected after the deadline: not sent
        return;
      }
      request[0] = req;
      sent[0] = true;
      req.send(Buffer.buffer(r.body())).onComplete(answered -> {
        if (answered.failed()) {
          result.tryComplete(SinkResult.retry(DeadLetter.CLASS_CONNECTION, null,
              describe + ": the connection was lost after the request was sent: " + message(answered.cause()),
              0, true));
        } else {
          read(answered.result(), result);
        }
      });
    });
    return result.future().onComplete(done -> vertx.cancelTimer(timer));
  }

  @Override
  public Future<Void> close() {
    return client.close();
  }

  /** Reads the answer, keeping the start of its body, and classifies it by its status. */
  private void read(HttpClientResponse resp, Promise<SinkResult> result) {
    int status = resp.statusCode();
    Buffer kept = Buffer.buffer();
    resp.handler(chunk -> {
      int room = DeadLetter.MAX_RESPONSE_BYTES - kept.length();
      if (room > 0) {
        kept.appendBuffer(chunk.length() <= room ? chunk : chunk.slice(0, room));
      }
    });
    resp.exceptionHandler(err -> result.tryComplete(classify(status, kept, resp.getHeader("Retry-After"))));
    resp.endHandler(v -> result.tryComplete(classify(status, kept, resp.getHeader("Retry-After"))));
  }

  static SinkResult classify(int status, Buffer body, String retryAfter) {
    if (status >= 200 && status < 300) {
      return SinkResult.done(status);
    }
    String text = body.toString(StandardCharsets.UTF_8);
    if (status == 408 || status == 429 || status >= 500) {
      return SinkResult.retry(DeadLetter.CLASS_STATUS, status, text, retryAfterMs(retryAfter, Instant.now()), false);
    }
    return SinkResult.permanent(DeadLetter.CLASS_STATUS, status, text);
  }

  /** {@code Retry-After} as delta-seconds or an HTTP date, in ms from {@code now}; 0 when absent or invalid. */
  static long retryAfterMs(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    String v = value.trim();
    if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return v.length() > 9 ? Long.MAX_VALUE / 2 : Long.parseLong(v) * 1000;
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return Math.max(0, Duration.between(now, at).toMillis());
    } catch (DateTimeParseException e) {
      return 0;
    }
  }

  private SinkResult timedOut(long timeoutMs, boolean sent) {
    return sent
        ? SinkResult.retry(DeadLetter.CLASS_TIMEOUT, null, describe + " did not answer within " + timeoutMs
            + " ms; it may still have taken the event", 0, true)
        : SinkResult.retry(DeadLetter.CLASS_TIMEOUT, null, describe + " could not be reached within " + timeoutMs
            + " ms; the event was not sent", 0, false);
  }

  private static void header(RequestOptions options, String name, String value) {
    if (value != null) {
      options.putHeader(name, value);
    }
  }

  static String message(Throwable err) {
    return err.getMessage() != null ? err.getClass().getSimpleName() + ": " + err.getMessage()
        : err.getClass().getSimpleName();
  }
}
