package dev.sluice.testsupport;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A small blocking HTTP/1.1 client for tests ({@link java.net.http.HttpClient}): bodies as bytes,
 * answers with status, headers, body and how long they took. Safe to share between threads.
 */
public final class Http implements AutoCloseable {

  public static final String JSON = "application/json";
  public static final String NDJSON = "application/x-ndjson";

  private final HttpClient client;
  private final Duration timeout;
  private final String adminToken;

  public Http() {
    this(Duration.ofSeconds(60));
  }

  public Http(Duration timeout) {
    this(timeout, GatewayConfig.ADMIN_TOKEN);
  }

  /**
   * Sends {@code Authorization: Bearer adminToken} on {@code /metrics} and {@code /admin/...} requests
   * that carry no Authorization header of their own; null: never.
   */
  public Http(Duration timeout, String adminToken) {
    this.timeout = timeout;
    this.adminToken = adminToken;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /** What came back. */
  public record Reply(int status, HttpHeaders headers, byte[] body, Duration took) {

    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonObject json() {
      try {
        return new JsonObject(Buffer.buffer(body));
      } catch (RuntimeException e) {
        throw new AssertionError("status " + status + ", body is not a JSON object: " + text(), e);
      }
    }

    @Override
    public String toString() {
      return status + " " + (body.length > 2000 ? text().substring(0, 2000) + "..." : text());
    }
  }

  /** POSTs {@code body} with {@code contentType} (none when null) and header name/value pairs. */
  public Reply post(URI uri, String contentType, byte[] body, String... headers)
      throws IOException, InterruptedException {
    return send(
        request(uri, contentType, headers)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build());
  }

  public Reply post(URI uri, String contentType, String body, String... headers)
      throws IOException, InterruptedException {
    return post(uri, contentType, body.getBytes(StandardCharsets.UTF_8), headers);
  }

  /**
   * POSTs with {@code Expect: 100-continue}: the body is sent only if the server asks for it, so an
   * early refusal (e.g. 413 on Content-Length) arrives instead of a reset connection.
   */
  public Reply postExpectContinue(URI uri, String contentType, byte[] body, String... headers)
      throws IOException, InterruptedException {
    return send(
        request(uri, contentType, headers)
            .expectContinue(true)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build());
  }

  public Reply get(URI uri, String... headers) throws IOException, InterruptedException {
    return send(request(uri, null, headers).GET().build());
  }

  public Reply method(String method, URI uri, String... headers)
      throws IOException, InterruptedException {
    return send(
        request(uri, null, headers).method(method, HttpRequest.BodyPublishers.noBody()).build());
  }

  public Reply send(HttpRequest request) throws IOException, InterruptedException {
    String path = request.uri().getPath();
    if (adminToken != null && path != null && (path.equals("/metrics") || path.startsWith("/admin/"))
        && request.headers().firstValue("Authorization").isEmpty()) {
      request = HttpRequest.newBuilder(request, (n, v) -> true).header("Authorization", "Bearer " + adminToken).build();
    }
    long start = System.nanoTime();
    HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    return new Reply(
        r.statusCode(), r.headers(), r.body(), Duration.ofNanos(System.nanoTime() - start));
  }

  private HttpRequest.Builder request(URI uri, String contentType, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  @Override
  public void close() {
    client.close();
  }
}
