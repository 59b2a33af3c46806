package dev.sluice.ingest;

import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.config.WebSocketConfig;
import dev.sluice.schema.EnvelopeReader;
import dev.sluice.schema.ReadResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One WebSocket stream ({@code GET /v1/stream}), confined to its connection's event loop.
 *
 * <p>Flow control, both ways. The client may have at most {@code credits} events unsettled; every
 * ack/nack frame gives back the credits of the events it settles; a frame beyond the credits is refused
 * ({@code SLC-1009}) and, after {@code max-credit-violations}, the socket is closed (4001). The socket is
 * paused — TCP backpressure, no buffering — while the process's in-flight budget is exhausted (the frame
 * that did not fit waits, alone, and is retried) and while the client does not read its acks (write
 * queue full; resumed when it drains). Acks go out in the order of the client's frames, so acks of one
 * key are in order.
 */
final class StreamSession {

  /** Close codes, documented in the README. */
  static final short CLOSE_GOING_AWAY = 1001;
  static final short CLOSE_UNSUPPORTED = 1003;
  static final short CLOSE_TOO_BIG = 1009;
  static final short CLOSE_IDLE = 4000;
  static final short CLOSE_CREDITS = 4001;

  private static final int PAUSED_BUDGET = 1;
  private static final int PAUSED_WRITES = 2;
  private static final long BUDGET_RETRY_MS = 5;

  private final Vertx vertx;
  private final IngestContext ctx;
  private final IngestMetrics metrics;
  private final StreamStats stats;
  private final WebSocketConfig config;
  private final ServerWebSocket ws;
  private final String correlationId;
  private final String traceparent;
  private final ArrayDeque<Frame> unsettled = new ArrayDeque<>();

  private int credits;
  private long frames;
  private int violations;
  private int pausedBy;
  private Frame waiting;
  private long lastSeen;
  private long keepAlive = -1;
  private boolean closed;
  private Runnable onClosed = () -> {};

  /** A client frame whose events are being published; settled when its outcomes are known. */
  private static final class Frame {
    final long seq;
    final ReadResult read;
    final byte[] bytes;
    Outcome[] outcomes;

    Frame(long seq, ReadResult read, byte[] bytes) {
      this.seq = seq;
      this.read = read;
      this.bytes = bytes;
    }
  }

  StreamSession(
      Vertx vertx,
      IngestContext ctx,
      IngestMetrics metrics,
      StreamStats stats,
      WebSocketConfig config,
      ServerWebSocket ws,
      String correlationId,
      String traceparent) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.metrics = metrics;
    this.stats = stats;
    this.config = config;
    this.ws = ws;
    this.correlationId = correlationId;
    this.traceparent = traceparent;
    this.credits = config.credits();
  }

  void whenClosed(Runnable action) {
    this.onClosed = action;
  }

  void start() {
    stats.open.incrementAndGet();
    lastSeen = System.nanoTime();
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(
        b -> close(CLOSE_UNSUPPORTED, "binary frames are not supported; send JSON text frames"));
    ws.pongHandler(b -> lastSeen = System.nanoTime());
    ws.drainHandler(v -> unpause(PAUSED_WRITES));
    ws.closeHandler(v -> onClosed());
    ws.exceptionHandler(this::onError);
    keepAlive = vertx.setPeriodic(config.pingIntervalSeconds() * 1000L, id -> keepAlive());
    write(StreamFrames.hello(config.credits(), config.maxMessageBytes()));
  }

  /** Shutdown: every event in flight has been settled by now (the gateway drained); say goodbye. */
  void goAway() {
    close(CLOSE_GOING_AWAY, "the gateway is shutting down");
  }

  private void onText(String text) {
    lastSeen = System.nanoTime();
    long seq = ++frames;
    stats.framesIn.increment();
    if (ctx.state().draining()) {
      refuse(Failure.SHUTTING_DOWN, "the gateway is shutting down; reconnect to another instance", seq);
      return;
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ReadResult read = read(bytes);
    if (read.failure() != null) {
      refuse(read.failure(), read.message(), seq);
      return;
    }
    if (read.total() > credits) {
      if (++violations >= config.maxCreditViolations()) {
        metrics.rejected(Failure.CREDIT_EXCEEDED);
        close(CLOSE_CREDITS, "sent beyond the granted credits " + violations + " times");
        return;
      }
      refuse(
          Failure.CREDIT_EXCEEDED,
          "frame " + seq + " holds " + read.total() + " events but " + credits
              + " credits are left; wait for acks",
          seq);
      return;
    }
    credits -= read.total();
    stats.outstanding.addAndGet(read.total());
    Frame frame = new Frame(seq, read, bytes);
    unsettled.add(frame);
    if (read.events().isEmpty()) {
      frame.outcomes = new Outcome[0];
      settle();
    } else {
      publish(frame);
    }
  }

  /**
   * A frame holds one envelope, a JSON array, or NDJSON lines. A JSON value followed by more content
   * on further lines is NDJSON: then NDJSON's verdict (and its line numbers) stands.
   */
  private ReadResult read(byte[] bytes) {
    ReadResult json = ctx.reader().readJson(bytes, bytes.length, correlationId);
    if (json.failure() == Failure.MALFORMED_JSON
        && json.message().endsWith(EnvelopeReader.TRAILING_CONTENT)
        && contains(bytes, (byte) '\n')) {
      return ctx.reader().readNdjson(bytes, bytes.length, correlationId);
    }
    return json;
  }

  /**
   * Vert.x reports a message over {@code maxWebSocketMessageSize} here (it drops the message and does
   * not close): close with 1009 so the client learns it, rather than let the frame vanish.
   */
  private void onError(Throwable t) {
    String m = t.getMessage();
    if (m != null && m.contains("max message size")) {
      metrics.rejected(Failure.BODY_TOO_LARGE);
      close(CLOSE_TOO_BIG, "a message is larger than " + config.maxMessageBytes() + " bytes");
    }
  }

  private void publish(Frame frame) {
    List<Event> events = frame.read.events();
    int size = events.size();
    if (!ctx.inFlight().tryAcquireEvents(size)) {
      waitForBudget(frame);
      return;
    }
    if (!ctx.inFlight().tryAcquireBytes(frame.bytes.length)) {
      ctx.inFlight().releaseEvents(size);
      waitForBudget(frame);
      return;
    }
    ctx.publish(events, traceparent)
        .onSuccess(
            outcomes -> {
              ctx.inFlight().releaseEvents(size);
              ctx.inFlight().releaseBytes(frame.bytes.length);
              frame.outcomes = outcomes;
              settle();
            });
  }

  /** The process is at its bound: stop reading the socket and try again shortly; one frame waits. */
  private void waitForBudget(Frame frame) {
    waiting = frame;
    pause(PAUSED_BUDGET);
    vertx.setTimer(
        BUDGET_RETRY_MS,
        id -> {
          Frame f = waiting;
          waiting = null;
          unpause(PAUSED_BUDGET);
          if (f != null && !closed) {
            publish(f);
          }
        });
  }

  /** Sends the ack/nack frames of the settled frames at the head, in the client's order. */
  private void settle() {
    while (!unsettled.isEmpty() && unsettled.peek().outcomes != null) {
      Frame f = unsettled.poll();
      List<Event> events = f.read.events();
      int accepted = 0;
      for (Outcome o : f.outcomes) {
        if (o.isAccepted()) {
          accepted++;
        }
      }
      int refused = f.read.total() - accepted;
      metrics.accepted(accepted);
      f.read.rejections().forEach(r -> metrics.events(r.failure(), 1));
      for (Outcome o : f.outcomes) {
        if (!o.isAccepted()) {
          metrics.events(o.failure(), 1);
        }
      }
      credits += f.read.total();
      stats.outstanding.addAndGet(-f.read.total());
      write(StreamFrames.ack(f.seq, events, f.outcomes, accepted));
      write(StreamFrames.nack(f.seq, f.read, events, f.outcomes, refused));
    }
  }

  private void refuse(Failure failure, String message, long seq) {
    metrics.rejected(failure);
    write(StreamFrames.error(failure, message, seq));
  }

  private void write(String frame) {
    if (frame == null || closed) {
      return;
    }
    ws.writeTextMessage(frame);
    stats.framesOut.increment();
    if (ws.writeQueueFull()) {
      pause(PAUSED_WRITES); // the client is not reading: stop reading its frames until it does
    }
  }

  private void pause(int reason) {
    if (pausedBy == 0) {
      ws.pause();
      stats.paused.incrementAndGet();
    }
    pausedBy |= reason;
  }

  private void unpause(int reason) {
    if ((pausedBy & reason) == 0) {
      return;
    }
    pausedBy &= ~reason;
    if (pausedBy == 0) {
      stats.paused.decrementAndGet();
      if (!closed) {
        ws.resume();
      }
    }
  }

  private void keepAlive() {
    long idleMs = (System.nanoTime() - lastSeen) / 1_000_000;
    if (idleMs >= config.idleTimeoutSeconds() * 1000L && unsettled.isEmpty()) {
      close(CLOSE_IDLE, "no frame and no pong for " + config.idleTimeoutSeconds() + " s");
    } else if (!closed) {
      ws.writePing(Buffer.buffer("sluice"));
    }
  }

  private void close(short code, String reason) {
    if (!closed) {
      ws.close(code, reason);
    }
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    vertx.cancelTimer(keepAlive);
    stats.open.decrementAndGet();
    if (pausedBy != 0) {
      stats.paused.decrementAndGet();
      pausedBy = 0;
    }
    // events still in flight settle in Kafka and release their budget; nobody is left to ack them
    int pending = 0;
    for (Frame f : unsettled) {
      pending += f.read.total();
    }
    waiting = null;
    stats.outstanding.addAndGet(-pending);
    unsettled.clear();
    onClosed.run();
  }

  private static boolean contains(byte[] bytes, byte b) {
    for (byte x : bytes) {
      if (x == b) {
        return true;
      }
    }
    return false;
  }
}
