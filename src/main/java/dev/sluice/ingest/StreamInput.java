package dev.sluice.ingest;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.vertx.core.Context;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.internal.http.WebSocketInternal;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The text messages of one stream socket, as the bytes the client sent (Vert.x would hand over a
 * String, with U+FFFD in place of bytes that are not UTF-8), with bounded memory.
 *
 * <p>Size: a message may come in one frame or many, up to {@code websocket.max-message-bytes} in all
 * (the server's frame limit is the same). A larger message, in one frame or many, is reported once
 * ({@link Session#tooBig()}) and dropped; Netty refuses an oversized frame by its header, and the
 * error it raises is kept from Vert.x, which would drop the connection without a close frame.
 *
 * <p>Flow: {@link #pause()} stops reading the TCP socket (not Vert.x's frame queue, which would go on
 * holding up to ~24 frames of up to max-message-bytes each). Messages of bytes already read are held,
 * in order, and handed over on {@link #resume()}: besides the message being assembled, that is at most
 * one socket read (64 KiB).
 */
final class StreamInput {

  /** What the session does with its input; called on the socket's event loop. */
  interface Session {
    void onMessage(byte[] message);

    void onBinary();

    void onTooBig();
  }

  private final ServerWebSocket ws;
  private final Context context;
  private final int maxMessageBytes;
  private final Session session;
  private final ArrayDeque<byte[]> held = new ArrayDeque<>();
  private Channel channel;
  private byte[] partial;
  private int size;
  private boolean inText;
  private boolean dropping;
  private boolean paused;
  private boolean delivering;

  StreamInput(ServerWebSocket ws, Context context, int maxMessageBytes, Session session) {
    this.ws = ws;
    this.context = context;
    this.maxMessageBytes = maxMessageBytes;
    this.session = session;
  }

  void start() {
    ChannelHandlerContext handler = ((WebSocketInternal) ws).channelHandlerContext();
    channel = handler.channel();
    channel.pipeline().addBefore(handler.name(), "sluice-frame-too-big", new FrameTooBig());
    ws.frameHandler(this::onFrame);
  }

  /** Stops reading the socket; what was read already is held. */
  void pause() {
    paused = true;
    channel.config().setAutoRead(false);
  }

  /** Hands over the held messages (until paused again), then reads the socket again. */
  void resume() {
    paused = false;
    deliverHeld();
    if (!paused) {
      channel.config().setAutoRead(true);
    }
  }

  /** Whether messages wait to be handed over. */
  boolean holding() {
    return !held.isEmpty();
  }

  /** Drops what is held or being assembled (the socket is closing). */
  void discard() {
    held.clear();
    partial = null;
    dropping = true;
  }

  private void onFrame(WebSocketFrame frame) {
    switch (frame.type()) {
      case TEXT -> {
        inText = true;
        dropping = false;
        size = 0;
        append(frame);
      }
      case CONTINUATION -> {
        if (inText) {
          append(frame);
        }
      }
      case BINARY -> {
        inText = false;
        session.onBinary();
      }
      default -> {
        // ping, pong, close: Vert.x answers them
      }
    }
  }

  private void append(WebSocketFrame frame) {
    int length = frame.binaryData().length();
    if (dropping) {
      inText = !frame.isFinal();
      return;
    }
    if (length > maxMessageBytes - size) {
      partial = null;
      dropping = true;
      inText = !frame.isFinal();
      session.onTooBig();
      return;
    }
    if (frame.isFinal() && size == 0) {
      inText = false;
      take(frame.binaryData().getBytes());
      return;
    }
    if (partial == null || partial.length < size + length) {
      int capacity = (int) Math.min(maxMessageBytes, Math.max(size + length, (partial == null ? 0 : partial.length) * 2L));
      partial = partial == null ? new byte[capacity] : Arrays.copyOf(partial, capacity);
    }
    frame.binaryData().getBytes(0, length, partial, size);
    size += length;
    if (frame.isFinal()) {
      byte[] message = Arrays.copyOf(partial, size);
      partial = null;
      size = 0;
      inText = false;
      take(message);
    }
  }

  private void take(byte[] message) {
    held.add(message);
    deliverHeld();
  }

  private void deliverHeld() {
    if (delivering) {
      return;
    }
    delivering = true;
    try {
      while (!paused && !held.isEmpty()) {
        session.onMessage(held.poll());
      }
    } finally {
      delivering = false;
    }
  }

  /**
   * Catches Netty's refusal of a frame larger than the limit (read from its header). Vert.x would
   * close the TCP connection at once, without a close frame (the client sees 1006). Kept here, the
   * session closes with 1009 instead; the decoder drops every later byte until the connection ends.
   */
  private final class FrameTooBig extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof CorruptedWebSocketFrameException e
          && e.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code()) {
        context.runOnContext(v -> session.onTooBig());
        return;
      }
      ctx.fireExceptionCaught(cause);
    }
  }
}
