package dev.sluice.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of the gateway's WebSocket stream ({@code GET /v1/stream}) on a Vert.x {@link
 * WebSocketClient}: keeps the credit window of the protocol ({@code hello} credits + credits of
 * every {@code ack}/{@code nack} − events sent), hands every server frame after {@code hello} to the
 * test in arrival order, and can stop reading its socket ({@link #pauseReading()}). Sending is safe
 * from one test thread at a time; frames are numbered from 1 as the server counts them.
 */
public final class StreamClient implements AutoCloseable {

  private static final Duration CONNECT = Duration.ofSeconds(10);

  private final WebSocketClient client;
  private final ClientWebSocket ws;
  private final CompletableFuture<JsonObject> hello = new CompletableFuture<>();
  private final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  private final Semaphore credits = new Semaphore(0);
  private final CompletableFuture<Short> closed = new CompletableFuture<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicInteger received = new AtomicInteger();
  private final AtomicInteger receivedWhenClosed = new AtomicInteger(-1);
  private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();

  private StreamClient(Vertx vertx, WebSocketClientOptions options) {
    this.client = vertx.createWebSocketClient(options);
    this.ws = client.webSocket();
  }

  /** Options of a client that accepts any ack frame the gateway can send. */
  public static WebSocketClientOptions defaultOptions() {
    return new WebSocketClientOptions()
        .setMaxMessageSize(64 * 1024 * 1024)
        .setConnectTimeout((int) CONNECT.toMillis());
  }

  /** Connects to {@code stream} (e.g. {@code ws://127.0.0.1:port/v1/stream}) and waits for hello. */
  public static StreamClient connect(Vertx vertx, URI stream) {
    return connect(vertx, stream, defaultOptions());
  }

  public static StreamClient connect(Vertx vertx, URI stream, WebSocketClientOptions options) {
    StreamClient c = new StreamClient(vertx, options);
    c.open(stream);
    return c;
  }

  private void open(URI stream) {
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> problems.add("binary frame from the server: " + b.length() + " bytes"));
    ws.exceptionHandler(t -> problems.add("exception: " + t));
    ws.closeHandler(
        v -> {
          receivedWhenClosed.compareAndSet(-1, received.get());
          Short status = ws.closeStatusCode();
          closed.complete(status == null ? -1 : status);
        });
    WebSocketConnectOptions connect =
        new WebSocketConnectOptions()
            .setHost(stream.getHost())
            .setPort(stream.getPort())
            .setURI(stream.getRawPath());
    await(ws.connect(connect), CONNECT, "connect to " + stream);
    try {
      JsonObject h = hello.get(CONNECT.toMillis(), TimeUnit.MILLISECONDS);
      credits.release(h.getInteger("credits"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for hello", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("no hello frame within " + CONNECT + " on " + stream, e);
    }
  }

  private void onText(String text) {
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (RuntimeException e) {
      problems.add("a frame that is not a JSON object: " + abbreviate(text));
      return;
    }
    if (!hello.isDone()) {
      if (!"hello".equals(frame.getString("type"))) {
        problems.add("first frame is not hello: " + abbreviate(text));
      }
      hello.complete(frame);
      return;
    }
    Integer back = frame.getInteger("credits");
    if (back != null && back > 0) {
      credits.release(back);
    }
    received.incrementAndGet();
    frames.add(frame);
  }

  /** The server's {@code hello} frame. */
  public JsonObject hello() {
    return hello.join();
  }

  /**
   * Sends a text frame of {@code events} events once that many credits are available (waits up
   * to {@code timeout}); returns the frame's number.
   */
  public long send(String text, int events, Duration timeout) throws InterruptedException {
    if (!credits.tryAcquire(events, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          "no " + events + " credits within " + timeout + " (" + credits.availablePermits() + " left)");
    }
    return sendIgnoringCredits(text);
  }

  /** Sends a text frame whatever the credits (to see the server enforce them); returns its number. */
  public long sendIgnoringCredits(String text) {
    long n = sent.incrementAndGet();
    ws.writeTextMessage(text).onFailure(t -> problems.add("write of frame " + n + " failed: " + t));
    return n;
  }

  /**
   * Sends one frame as it is (e.g. a text frame that is not final and continuation frames, to send
   * bytes a String cannot hold); the final frame of a text message counts as one message.
   */
  public void sendFrame(WebSocketFrame frame) {
    if (frame.isFinal() && !frame.isBinary()) {
      sent.incrementAndGet();
    }
    ws.writeFrame(frame).onFailure(t -> problems.add("write of a frame failed: " + t));
  }

  /** Sends a binary frame (not counted: the server counts text frames). */
  public void sendBinary(Buffer data) {
    ws.writeBinaryMessage(data);
  }

  /** Credits available now: hello credits + credits received − events sent. */
  public int credits() {
    return credits.availablePermits();
  }

  /** The next frame after hello, waiting up to {@code timeout}. */
  public JsonObject next(Duration timeout) throws InterruptedException {
    JsonObject f = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (f == null) {
      throw new AssertionError(
          "no frame from the server within " + timeout + (closed.isDone() ? " (closed " + closed.join() + ")" : ""));
    }
    return f;
  }

  /** Takes the frames received so far without waiting. */
  public List<JsonObject> drain() {
    List<JsonObject> out = new ArrayList<>();
    frames.drainTo(out);
    return out;
  }

  /** How many frames came after hello. */
  public int received() {
    return received.get();
  }

  /** Stops reading the socket: frames stay in the kernel, the server's writes back up. */
  public void pauseReading() {
    ws.pause();
  }

  public void resumeReading() {
    ws.resume();
  }

  /** Whether this client's own write queue is full (its socket does not take more). */
  public boolean writeQueueFull() {
    return ws.writeQueueFull();
  }

  /** The close status code the server sent, waiting up to {@code timeout}. */
  public short awaitClose(Duration timeout) throws InterruptedException {
    try {
      return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("close failed", e);
    } catch (TimeoutException e) {
      throw new AssertionError("the server did not close the stream within " + timeout);
    }
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  /** How many frames after hello had arrived when the close came; -1 while open. */
  public int receivedWhenClosed() {
    return receivedWhenClosed.get();
  }

  /** What went wrong on this connection that no assertion looked at (bad frames, exceptions). */
  public List<String> problems() {
    return List.copyOf(problems);
  }

  @Override
  public void close() {
    try {
      if (!closed.isDone()) {
        await(ws.close(), Duration.ofSeconds(5), "close");
      }
    } catch (RuntimeException | AssertionError ignored) {
      // the server may already be gone
    } finally {
      await(client.close(), Duration.ofSeconds(5), "client close");
    }
  }

  private static <T> T await(Future<T> f, Duration timeout, String what) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + what, e);
    } catch (ExecutionException e) {
      throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError(what + " did not complete within " + timeout);
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
