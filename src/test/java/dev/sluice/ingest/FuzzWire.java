package dev.sluice.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The wire side of {@link FuzzIT}: one raw HTTP/1.1 exchange per connection (every answer until the
 * server closes), and a raw WebSocket client that can send what no WebSocket library sends (unmasked
 * frames, control frames with long bodies, reserved opcodes, invalid UTF-8).
 */
final class FuzzWire {

  /** One HTTP answer: its status, its body, and whether it carried an SLC code. */
  record Answer(int status, String body) {}

  private FuzzWire() {}

  /**
   * Writes {@code request} and parses every answer until the server closes (half-closing first when
   * {@code halfClose}: a request cut off mid-way).
   */
  static List<Answer> exchange(int port, byte[] request, boolean halfClose) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(2_000);
      try {
        s.getOutputStream().write(request);
        s.getOutputStream().flush();
        if (halfClose) {
          s.shutdownOutput();
        }
      } catch (SocketException e) {
        // the server answered and closed before taking it all (413, 431): read what it said
      }
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      try {
        s.getInputStream().transferTo(all);
      } catch (SocketException e) {
        // reset after the answers
      }
      return parse(all.toByteArray());
    }
  }

  static List<Answer> parse(byte[] raw) {
    List<Answer> out = new ArrayList<>();
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int pos = 0;
    while (pos < raw.length) {
      int end = text.indexOf("\r\n\r\n", pos);
      if (end < 0 || !text.startsWith("HTTP/1.", pos)) {
        throw new AssertionError("not an HTTP answer at " + pos + ": " + text.substring(pos, Math.min(text.length(),
            pos + 200)));
      }
      String[] lines = text.substring(pos, end).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      int length = -1;
      boolean chunked = false;
      for (int i = 1; i < lines.length; i++) {
        String l = lines[i].toLowerCase(java.util.Locale.ROOT);
        if (l.startsWith("content-length:")) {
          length = Integer.parseInt(l.substring(15).trim());
        } else if (l.startsWith("transfer-encoding:") && l.contains("chunked")) {
          chunked = true;
        }
      }
      pos = end + 4;
      StringBuilder body = new StringBuilder();
      if (chunked) {
        while (true) {
          int lineEnd = text.indexOf("\r\n", pos);
          int size = Integer.parseInt(text.substring(pos, lineEnd).trim(), 16);
          pos = lineEnd + 2;
          if (size == 0) {
            pos += 2;
            break;
          }
          body.append(text, pos, pos + size);
          pos += size + 2;
        }
      } else {
        int n = length < 0 ? raw.length - pos : length;
        body.append(text, pos, pos + n);
        pos += n;
      }
      out.add(new Answer(status, new String(body.toString().getBytes(StandardCharsets.ISO_8859_1),
          StandardCharsets.UTF_8)));
    }
    return out;
  }

  /** A WebSocket connection on a plain socket: frames in and out as bytes. */
  static final class Ws implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final Random random;

    Ws(int port, Random random) throws IOException {
      this.random = random;
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(1_000);
      socket.getOutputStream().write(("GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("closed during the upgrade: " + head);
        }
        head.append((char) b);
      }
      if (!head.toString().startsWith("HTTP/1.1 101")) {
        throw new AssertionError("upgrade refused: " + head);
      }
    }

    /** Sends a frame: {@code fin}, {@code opcode}, masked or not (clients must mask), with extra RSV bits. */
    void send(boolean fin, int opcode, byte[] payload, boolean masked, int rsv) throws IOException {
      ByteArrayOutputStream f = new ByteArrayOutputStream();
      f.write((fin ? 0x80 : 0) | (rsv << 4) | opcode);
      int maskBit = masked ? 0x80 : 0;
      if (payload.length < 126) {
        f.write(maskBit | payload.length);
      } else if (payload.length < 65_536) {
        f.write(maskBit | 126);
        f.write(payload.length >> 8);
        f.write(payload.length);
      } else {
        f.write(maskBit | 127);
        for (int i = 7; i >= 0; i--) {
          f.write((int) ((long) payload.length >> (8 * i)));
        }
      }
      byte[] body = payload.clone();
      if (masked) {
        byte[] key = new byte[4];
        random.nextBytes(key);
        f.writeBytes(key);
        for (int i = 0; i < body.length; i++) {
          body[i] ^= key[i % 4];
        }
      }
      f.writeBytes(body);
      socket.getOutputStream().write(f.toByteArray());
      socket.getOutputStream().flush();
    }

    /** The next frame from the server as {opcode, payload}, or null when the connection ended or went quiet. */
    Object[] next() throws IOException {
      try {
        int b0 = in.read();
        int b1 = in.read();
        if (b0 < 0 || b1 < 0) {
          return null;
        }
        long len = b1 & 0x7F;
        if (len == 126) {
          len = (in.read() << 8) | in.read();
        } else if (len == 127) {
          len = 0;
          for (int i = 0; i < 8; i++) {
            len = (len << 8) | in.read();
          }
        }
        byte[] payload = in.readNBytes((int) len);
        return new Object[] {b0 & 0x0F, payload};
      } catch (SocketTimeoutException | SocketException e) {
        return null;
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
