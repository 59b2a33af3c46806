package dev.sluice.ingest;

import dev.sluice.auth.Caller;
import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.config.WebSocketConfig;
import dev.sluice.quota.Quotas;
import dev.sluice.schema.ReadResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One WebSocket stream ({@code GET /v1/stream}), confined to its connection's event loop.
 *
 * <p>Flow control, both ways. The client may have at most {@code credits} events unsettled; every
 * ack/nack frame gives back the credits of the events it settles; a frame beyond the credits is refused
 * ({@code SLC-1009}) and, after {@code max-credit-violations}, the socket is closed (4001). The socket is
 * paused — TCP backpressure, see {@link StreamInput} — while the process's in-flight budget is exhausted
 * (the frame that did not fit waits and is retried; later ones wait behind it) and while the client does
 * not read its acks (write queue full; resumed when it drains). Frames are published and acked in the
 * client's order, so events and acks of one key stay in order.
 */
final class StreamSession implements StreamInput.Session {

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
  private final StreamInput input;

  private int credits;
  private long frames;
  private int violations;
  private int pausedBy;
  private Frame waiting;
  private long lastSeen;
  private long keepAlive = -1;
  private boolean closing;
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

  /** Who opened the stream. */
  private final Caller caller;

  StreamSession(
      Vertx vertx,
      IngestContext ctx,
      IngestMetrics metrics,
      StreamStats stats,
      WebSocketConfig config,
      ServerWebSocket ws,
      String correlationId,
      String traceparent,
      Caller caller) {
    this.vertx = vertx;
    this.caller = caller;
    this.ctx = ctx;
    this.metrics = metrics;
    this.stats = stats;
    this.config = config;
    this.ws = ws;
    this.correlationId = correlationId;
    this.traceparent = traceparent;
    this.credits = config.credits();
    this.input = new StreamInput(ws, vertx.getOrCreateContext(), config.maxMessageBytes(), this);
  }

  void whenClosed(Runnable action) {
    this.onClosed = action;
  }

  void start() {
    stats.open.incrementAndGet();
    lastSeen = System.nanoTime();
    input.start();
    ws.pongHandler(b -> lastSeen = System.nanoTime());
    ws.drainHandler(v -> unpause(PAUSED_WRITES));
    ws.closeHandler(v -> onClosed());
    keepAlive = vertx.setPeriodic(config.pingIntervalSeconds() * 1000L, id -> keepAlive());
    write(StreamFrames.hello(config.credits(), config.maxMessageBytes()));
  }

  /** Shutdown: every event in flight has been settled by now (the gateway drained); say goodbye. */
  void goAway() {
    close(CLOSE_GOING_AWAY, "the gateway is shutting down");
  }

  @Override
  public void onBinary() {
    close(CLOSE_UNSUPPORTED, "binary frames are not supported; send JSON text frames");
  }

  @Override
  public void onTooBig() {
    metrics.rejected(Failure.BODY_TOO_LARGE);
    close(CLOSE_TOO_BIG, "a message is larger than " + config.maxMessageBytes() + " bytes (websocket.max-message-bytes)");
  }

  @Override
  public void onMessage(byte[] bytes) {
    if (closing || closed) {
      return;
    }
    lastSeen = System.nanoTime();
    long seq = ++frames;
    stats.framesIn.increment();
    if (ctx.state().draining()) {
      refuse(Failure.SHUTTING_DOWN, "the gateway is shutting down; reconnect to another instance", seq);
      return;
    }
    ReadResult read = StreamFrames.read(ctx.reader(), bytes, correlationId);
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
    TenantGate.Checked checked = ctx.tenants().permit(caller.tenant(), read.single(), read.events(),
        read.rejections(), read.traceparents());
    if (checked.forbidden() > 0 || checked.events() != read.events()) {
      read = read.narrowed(checked.events(), checked.rejections(), checked.traceparents());
    }
    if (!read.events().isEmpty()) {
      Quotas.Verdict quota = ctx.tenants().take(caller.tenant(), read.events().size(), bytes.length);
      if (!quota.admitted()) { // the whole frame, no credit taken: the client may send it again later
        metrics.rejected(Failure.QUOTA_EXCEEDED);
        write(StreamFrames.error(Failure.QUOTA_EXCEEDED, quota.message(caller.tenant().name()), seq,
            quota.retryAfterSeconds()));
        return;
      }
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

  private void publish(Frame frame) {
    if (!tryPublish(frame)) {
      waitForBudget(frame);
    }
  }

  /** Publishes the frame's events if the in-flight budget has room for them, else returns false. */
  private boolean tryPublish(Frame frame) {
    List<Event> events = frame.read.events();
    int size = events.size();
    if (!ctx.inFlight().tryAcquireEvents(size)) {
      return false;
    }
    if (!ctx.inFlight().tryAcquireBytes(frame.bytes.length)) {
      ctx.inFlight().releaseEvents(size);
      return false;
    }
    ctx.publish(events, traceparent)
        .onSuccess(
            outcomes -> {
              ctx.inFlight().releaseEvents(size);
              ctx.inFlight().releaseBytes(frame.bytes.length);
              frame.outcomes = outcomes;
              settle();
            });
    return true;
  }

  /**
   * The process is at its bound: stop reading the socket and try again shortly. The frame waits; later
   * frames already read wait behind it, so they are published after it.
   */
  private void waitForBudget(Frame frame) {
    waiting = frame;
    pause(PAUSED_BUDGET);
    vertx.setTimer(
        BUDGET_RETRY_MS,
        id -> {
          Frame f = waiting;
          waiting = null;
          if (f == null || closed) {
            unpause(PAUSED_BUDGET);
          } else if (tryPublish(f)) {
            unpause(PAUSED_BUDGET);
          } else {
            waitForBudget(f);
          }
        });
  }

  /** Sends the ack/nack frames of the settled frames at the head, in the client's order. */
  private void settle() {
    while (!unsettled.isEmpty() && unsettled.peek().outcomes != null) {
      Frame f = unsettled.poll();
      List<Event> events = f.read.events();
      int accepted = metrics.settled(f.read.rejections(), f.outcomes);
      int refused = f.read.total() - accepted;
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
    StreamFrames.send(ws, frame);
    stats.framesOut.increment();
    if (ws.writeQueueFull()) {
      pause(PAUSED_WRITES); // the client is not reading: stop reading its frames until it does
    }
  }

  private void pause(int reason) {
    if (pausedBy == 0) {
      input.pause();
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
        input.resume();
      }
    }
  }

  private void keepAlive() {
    long idleMs = (System.nanoTime() - lastSeen) / 1_000_000;
    if (idleMs >= config.idleTimeoutSeconds() * 1000L && unsettled.isEmpty() && !input.holding()) {
      close(CLOSE_IDLE, "no frame and no pong for " + config.idleTimeoutSeconds() + " s");
    } else if (!closed) {
      ws.writePing(Buffer.buffer("sluice"));
    }
  }

  /** Sends a close frame; what the client sends after it is not read. */
  private void close(short code, String reason) {
    if (!closed && !closing) {
      closing = true;
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
    input.discard();
    stats.outstanding.addAndGet(-pending);
    unsettled.clear();
    onClosed.run();
  }
}
