package dev.sluice.ingest;

import dev.sluice.testsupport.Malformed;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Raw HTTP/1.1 requests for {@link FuzzIT}, each made from its own {@link Random}: malformed bodies
 * under assorted content types, abused headers (oversized, duplicated or conflicting framing, bad chunk
 * sizes, non-ASCII bytes), broken request lines, pipelined garbage, and bodies cut off mid-way. Every
 * request asks for {@code Connection: close}, so that its answers end where the connection does.
 */
final class FuzzRequests {

  static final String TYPE = "fuzz.event";
  private static final String[] CONTENT_TYPES = {
    "application/json", "application/x-ndjson", "application/cloudevents+json", "application/cloudevents-batch+json",
    "application/json; charset=utf-16", "text/plain", "multipart/form-data; boundary=", "application/json;;;",
    "APPLICATION/JSON", "application/x-ndjson; charset=latin1", "*/*", "application/json\u00e9"
  };
  private static final String[] REQUEST_LINES = {
    "POST /v1/events HTTP/9.9", "POST /v1/events HTTP/2.0", "POST /v1/events HTTP/1.1 extra", "POST /v1/events",
    "POST  /v1/events HTTP/1.1", "post /v1/events HTTP/1.1", "POST /v1/events?x=\u00ff HTTP/1.1", "GARBAGE",
    "POST http://example.com/v1/events HTTP/1.1", "POST * HTTP/1.1", "POST /v1/../v1/events HTTP/1.1",
    "PUT /v1/events HTTP/1.1", "POST /v1/events%00 HTTP/1.1", "\u0000\u0001\u0002", "POST /v1/events HTTP/1.0",
    "GET /v1/stream HTTP/1.1", "BREW /v1/events HTTP/1.1", "POST /" + "p".repeat(20_000) + " HTTP/1.1"
  };

  /** A request, whether the server is expected to answer it, and the events it carries when valid. */
  record Request(byte[] bytes, boolean answered, String kind) {
    Request {
      kind = kind.intern();
    }
  }

  private FuzzRequests() {}

  /** A valid request of one to four events; {@code valid[0]} gets how many. */
  static Request valid(Random r, int[] events) {
    boolean ndjson = r.nextBoolean();
    byte[] body = Malformed.validNative(r, TYPE, ndjson);
    events[0] = ndjson ? count(body, '\n') : body[0] == '[' ? count(body, '\n') + 1 : 1;
    return new Request(post("/v1/events", ndjson ? "application/x-ndjson" : "application/json", body), true, "valid");
  }

  static Request malformed(Random r) {
    int kind = r.nextInt(100);
    if (kind < 55) {
      return body(r);
    } else if (kind < 75) {
      return headers(r);
    } else if (kind < 90) {
      return requestLine(r);
    } else if (kind < 95) {
      return pipelined(r);
    }
    byte[] full = post("/v1/events", "application/json", Malformed.validNative(r, TYPE, false));
    return new Request(java.util.Arrays.copyOf(full, r.nextInt(full.length)), false, "cut-off");
  }

  private static Request body(Random r) {
    int t = r.nextInt(CONTENT_TYPES.length + 3);
    String type = t < CONTENT_TYPES.length ? CONTENT_TYPES[t] : t == CONTENT_TYPES.length ? null : "application/json";
    byte[] valid = type != null && type.startsWith("application/cloudevents")
        ? (type.contains("batch") ? "[" + Malformed.cloudEvent(r, TYPE) + "]" : Malformed.cloudEvent(r, TYPE))
            .getBytes(StandardCharsets.UTF_8)
        : Malformed.validNative(r, TYPE, "application/x-ndjson".equals(type));
    byte[] body = r.nextInt(300) == 0 ? Malformed.randomBytes(r, 100_000 + r.nextInt(5_000_000)) : Malformed.any(r, valid);
    return new Request(post("/v1/events", type, body), true, "body");
  }

  private static Request headers(Random r) {
    byte[] body = Malformed.validNative(r, TYPE, false);
    String head = "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n";
    String len = "Content-Length: " + body.length + "\r\n";
    byte[] rest = body;
    String extra;
    int sub = r.nextInt(10);
    switch (sub) {
      case 0 -> extra = len + "X-Big: " + "b".repeat(9_000 + r.nextInt(20_000)) + "\r\n";
      case 1 -> extra = len + len;
      case 2 -> extra = len + "Content-Length: " + (body.length + 1 + r.nextInt(5)) + "\r\n";
      case 3 -> extra = len + "Transfer-Encoding: chunked\r\n";
      case 4 -> extra = "Transfer-Encoding: " + (r.nextBoolean() ? "gzip, chunked" : "chunked, identity") + "\r\n";
      case 5 -> {
        extra = "Transfer-Encoding: chunked\r\n";
        String[] sizes = {"zz", "-1", "FFFFFFFFFFFFFFFFF", "1;ext=\u00ff", "", Integer.toHexString(body.length + 7)};
        rest = concat((sizes[r.nextInt(sizes.length)] + "\r\n").getBytes(StandardCharsets.ISO_8859_1), body,
            "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      case 6 -> extra = len + "X-Name: caf\u00e9 \u00ff\u0080\r\n";
      case 7 -> extra = len + "X-No-Colon-Here\r\n";
      case 8 -> extra = len + "Idempotency-Key: " + "\u0001".repeat(1 + r.nextInt(3)) + "\r\n";
      default -> extra = len + " folded: value\r\n";
    }
    if (r.nextInt(4) == 0) {
      head = head.replace("Host: 127.0.0.1\r\n", ""); // no Host on HTTP/1.1
    }
    return new Request(concat((head + extra + "\r\n").getBytes(StandardCharsets.ISO_8859_1), rest), true,
        "headers " + sub);
  }

  private static Request requestLine(Random r) {
    String line = REQUEST_LINES[r.nextInt(REQUEST_LINES.length)];
    byte[] body = Malformed.validNative(r, TYPE, false);
    String head = line + "\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + body.length + "\r\n\r\n";
    return new Request(concat(head.getBytes(StandardCharsets.ISO_8859_1), body), true, "request-line");
  }

  /** A request that does not close, then garbage on the same connection. */
  private static Request pipelined(Random r) {
    byte[] body = Malformed.any(r, Malformed.validNative(r, TYPE, false));
    byte[] first = ("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
        + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    return new Request(concat(first, body, Malformed.randomBytes(r, 1 + r.nextInt(200)),
        "\r\n\r\n".getBytes(StandardCharsets.US_ASCII)), true, "pipelined");
  }

  static byte[] post(String path, String contentType, byte[] body) {
    String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
        + "Content-Length: " + body.length + "\r\n\r\n";
    return concat(head.getBytes(StandardCharsets.ISO_8859_1), body);
  }

  private static int count(byte[] b, char c) {
    int n = 0;
    for (byte x : b) {
      n += x == c ? 1 : 0;
    }
    return n;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
