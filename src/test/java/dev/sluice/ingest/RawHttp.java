package dev.sluice.ingest;

import dev.sluice.testsupport.Http.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, for what java.net.http refuses to send (control characters, non-ASCII
 * bytes in a header): one NDJSON POST per connection, header lines written as given (ISO-8859-1).
 */
final class RawHttp {

  private RawHttp() {}

  static Reply post(int port, byte[] body, String... headerLines) throws IOException {
    long start = System.nanoTime();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      StringBuilder head = new StringBuilder("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
          + "Content-Type: application/x-ndjson\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n");
      for (String h : headerLines) {
        head.append(h).append("\r\n");
      }
      head.append("\r\n");
      OutputStream out = s.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      return parse(all.toByteArray(), Duration.ofNanos(System.nanoTime() - start));
    }
  }

  /**
   * Writes {@code request} as given on a fresh connection and reads until the server closes it (or
   * {@code timeoutMs} passes): the first answer, and whether the connection was closed by then.
   */
  static Exchange exchange(int port, byte[] request, int timeoutMs) throws IOException {
    long start = System.nanoTime();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(timeoutMs);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      boolean closed;
      try {
        s.getInputStream().transferTo(all);
        closed = true;
      } catch (java.net.SocketTimeoutException e) {
        closed = false;
      } catch (java.net.SocketException e) {
        closed = true; // reset after the answer
      }
      byte[] raw = all.toByteArray();
      String text = new String(raw, StandardCharsets.ISO_8859_1);
      String statusLine = text.contains("\r\n") ? text.substring(0, text.indexOf("\r\n")) : text;
      return new Exchange(statusLine, parse(raw, Duration.ofNanos(System.nanoTime() - start)), closed);
    }
  }

  /** An answer read from a raw connection, and whether the server closed the connection after it. */
  record Exchange(String statusLine, Reply reply, boolean closed) {}

  static Reply parse(byte[] raw, Duration took) {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new AssertionError("no complete answer: " + text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>())
          .add(lines[i].substring(colon + 1).trim());
    }
    byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
    List<String> length = headers.get("content-length");
    if (length != null && Integer.parseInt(length.get(0)) < body.length) {
      body = java.util.Arrays.copyOf(body, Integer.parseInt(length.get(0)));
    }
    List<String> chunked = headers.get("transfer-encoding");
    if (chunked != null && chunked.contains("chunked")) {
      body = dechunk(body);
    }
    return new Reply(status, HttpHeaders.of(headers, (a, b) -> true), body, took);
  }

  private static byte[] dechunk(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < body.length) {
      int lineEnd = indexOfCrlf(body, i);
      int size = Integer.parseInt(new String(body, i, lineEnd - i, StandardCharsets.ISO_8859_1).trim(), 16);
      if (size == 0) {
        break;
      }
      out.write(body, lineEnd + 2, size);
      i = lineEnd + 2 + size + 2;
    }
    return out.toByteArray();
  }

  private static int indexOfCrlf(byte[] b, int from) {
    for (int i = from; i + 1 < b.length; i++) {
      if (b[i] == '\r' && b[i + 1] == '\n') {
        return i;
      }
    }
    return b.length;
  }
}
