import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * WebSocket load client for the Sluice stream ingest ({@code GET /v1/stream}), independent of the
 * gateway's code: JDK {@link java.net.http.WebSocket} only, run as a single-file program.
 *
 * <pre>
 *   java load-tests/tools/StreamLoad.java [--url ws://127.0.0.1:28080/v1/stream] [--connections 16]
 *        [--frame-events 100] [--window 1000] [--duration 20] [--event-bytes 256] [--grace 5]
 * </pre>
 *
 * Each of C connections awaits the server's {@code hello}, then sends text frames of F NDJSON envelopes
 * while at most W events (at most the hello credits) are unsettled; a frame is settled when its
 * {@code ack}/{@code nack} frames have given back its F credits, or when an {@code error} frame refuses it.
 * Records the latency send -> settled per frame. Sends for D seconds (counted from the moment every
 * connection has its hello, announced by a {@code READY} line), then waits at most G seconds for the last
 * acks and closes. Prints one line {@code SLUICE_STREAM {json}} with events/s (acked / D), frames/s,
 * p50/p99/p99.9 ms, acked, nacked, its own CPU over the window (cores), error counts. Loopback addresses only. Exit 0 unless it could not run.
 */
public final class StreamLoad {

  static final int DISTINCT_KEYS = 4096;
  static final String PAD = "x".repeat(64 * 1024);

  // parameters
  static URI url = URI.create("ws://127.0.0.1:28080/v1/stream");
  static int connections = 16;
  static int frameEvents = 100;
  static int window = 1000;
  static int durationSeconds = 20;
  static int eventBytes = 256;
  static int graceSeconds = 5;

  // results, over all connections
  static final AtomicLong acked = new AtomicLong();
  static final AtomicLong nacked = new AtomicLong();
  static final AtomicLong framesSent = new AtomicLong();
  static final AtomicLong framesSettled = new AtomicLong();
  static final AtomicLong eventsSent = new AtomicLong();
  static final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
  static volatile long measureStart;
  static volatile long measureEnd;
  /** CPU time of this process (all threads) over the sending window, in ns. */
  static volatile long cpuNanos;

  public static void main(String[] args) throws Exception {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        System.out.println("java StreamLoad.java [--url ws://127.0.0.1:28080/v1/stream] [--connections C]"
            + " [--frame-events F] [--window W] [--duration D] [--event-bytes B] [--grace G]");
        return;
      }
      if (i + 1 >= args.length) {
        die("option " + a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--url" -> url = URI.create(v);
        case "--connections" -> connections = bounded(a, v, 1, 1024);
        case "--frame-events" -> frameEvents = bounded(a, v, 1, 10_000);
        case "--window" -> window = bounded(a, v, 1, 1_000_000);
        case "--duration" -> durationSeconds = bounded(a, v, 1, 600);
        case "--event-bytes" -> eventBytes = bounded(a, v, 64, 65_536);
        case "--grace" -> graceSeconds = bounded(a, v, 0, 120);
        default -> die("unknown option " + a);
      }
    }
    if (!"ws".equals(url.getScheme()) || url.getHost() == null) {
      die("--url must be ws://<loopback host>:<port>/v1/stream, got " + url);
    }
    InetAddress[] addrs = new InetAddress[0];
    try {
      addrs = InetAddress.getAllByName(url.getHost());
    } catch (java.net.UnknownHostException e) {
      die("unknown host " + url.getHost());
    }
    for (InetAddress addr : addrs) {
      if (!addr.isLoopbackAddress()) {
        die("refusing a non-loopback host " + url.getHost() + " (" + addr + "): loopback only");
      }
    }
    if (window < frameEvents) {
      die("--window (" + window + ") must be >= --frame-events (" + frameEvents + ")");
    }

    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    List<Conn> conns = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      Conn c = new Conn(i);
      conns.add(c);
      client.newWebSocketBuilder()
          .connectTimeout(Duration.ofSeconds(10))
          .buildAsync(url, c)
          .whenComplete((ws, t) -> {
            if (t != null) {
              error("connect");
              c.hello.countDown();
            }
          });
    }
    long helloDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    for (Conn c : conns) {
      long left = helloDeadline - System.nanoTime();
      if (left <= 0 || !c.hello.await(left, TimeUnit.NANOSECONDS)) {
        error("no_hello");
      }
    }
    int ready = (int) conns.stream().filter(c -> c.credits > 0).count();
    if (ready == 0) {
      summary(0);
      die("no connection got a hello from " + url);
    }
    System.out.printf(Locale.ROOT, "READY connections=%d of %d credits=%d window=%d%n",
        ready, connections, conns.stream().mapToInt(c -> c.credits).max().orElse(0),
        conns.stream().mapToInt(c -> c.window).max().orElse(0));
    System.out.flush();

    long cpu0 = processCpuNanos();
    measureStart = System.nanoTime();
    measureEnd = measureStart + TimeUnit.SECONDS.toNanos(durationSeconds);
    List<Thread> senders = new ArrayList<>();
    for (Conn c : conns) {
      if (c.credits > 0) {
        senders.add(Thread.ofPlatform().name("send-" + c.id).daemon().start(c::sendLoop));
      }
    }
    for (Thread t : senders) {
      t.join(TimeUnit.SECONDS.toMillis(durationSeconds + 30));
    }
    long left = measureEnd - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.sleep(left); // every connection closed early: still a window of D seconds
    }
    cpuNanos = processCpuNanos() - cpu0;
    // the last acks
    long graceEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
    while (System.nanoTime() < graceEnd && conns.stream().anyMatch(c -> !c.pending.isEmpty() && !c.closed)) {
      Thread.sleep(20);
    }
    long unsettled = 0;
    for (Conn c : conns) {
      unsettled += c.pending.size();
      if (c.ws != null && !c.closed) {
        try {
          c.ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
          c.ws.abort();
        }
      }
    }
    if (unsettled > 0) {
      errors.computeIfAbsent("unsettled_frames", k -> new AtomicLong()).addAndGet(unsettled);
    }
    summary(ready);
    System.exit(0);
  }

  static void summary(int ready) {
    long[] all = Conn.ALL.stream().flatMapToLong(c -> Arrays.stream(c.latencies, 0, c.latencyCount)).toArray();
    Arrays.sort(all);
    double secs = durationSeconds;
    StringBuilder errs = new StringBuilder();
    new TreeMap<>(errors).forEach((k, v) ->
        errs.append(errs.length() == 0 ? "" : ",").append('"').append(k).append("\":").append(v.get()));
    System.out.printf(Locale.ROOT,
        "SLUICE_STREAM {\"connections\":%d,\"ready\":%d,\"frame_events\":%d,\"window\":%d,\"duration_s\":%d,"
            + "\"events_per_s\":%.0f,\"frames_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,"
            + "\"max_ms\":%.3f,\"frames_sent\":%d,\"frames_settled\":%d,\"events_sent\":%d,\"acked\":%d,"
            + "\"nacked\":%d,\"cpu_cores\":%.2f,\"errors\":{%s}}%n",
        connections, ready, frameEvents, window, durationSeconds,
        acked.get() / secs, framesSettled.get() / secs, pct(all, 50), pct(all, 99), pct(all, 99.9),
        all.length == 0 ? 0 : all[all.length - 1] / 1e6, framesSent.get(), framesSettled.get(),
        eventsSent.get(), acked.get(), nacked.get(), cpuNanos / 1e9 / secs, errs);
    System.out.flush();
  }

  static long processCpuNanos() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }

  static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }

  static void error(String kind) {
    errors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
  }

  static int bounded(String name, String v, int lo, int hi) {
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      die(name + " must be a whole number, got " + v);
      return 0;
    }
    if (n < lo || n > hi) {
      die(name + " must be " + lo + ".." + hi + ", got " + n);
    }
    return n;
  }

  static void die(String msg) {
    System.err.println("StreamLoad: " + msg);
    System.exit(2);
  }

  /** One envelope like wrk/events.lua and the Gatling Events: eventBytes long, fresh v4 UUID. */
  static void envelope(StringBuilder sb, String now) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    int start = sb.length();
    long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    sb.append("{\"eventId\":\"").append(new UUID(msb, lsb))
        .append("\",\"eventType\":\"bench.measured\",\"eventVersion\":1,\"occurredAt\":\"").append(now)
        .append("\",\"source\":\"sluice-load-tests\",\"aggregateId\":\"agg-");
    int key = r.nextInt(DISTINCT_KEYS);
    if (key < 1000) sb.append('0');
    if (key < 100) sb.append('0');
    if (key < 10) sb.append('0');
    sb.append(key).append("\",\"data\":{\"reading\":").append(100_000 + r.nextInt(900_000)).append(",\"pad\":\"");
    int pad = eventBytes - (sb.length() - start) - 3;
    if (pad > 0) {
      sb.append(PAD, 0, pad);
    }
    sb.append("\"}}");
  }

  /** Value of a top-level numeric field (the server writes type, frame, credits before events). */
  static long num(String s, String key) {
    int i = s.indexOf("\"" + key + "\":");
    if (i < 0) {
      return -1;
    }
    i += key.length() + 3;
    long n = 0;
    boolean any = false;
    while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      n = n * 10 + (s.charAt(i++) - '0');
      any = true;
    }
    return any ? n : -1;
  }

  static String str(String s, String key) {
    int i = s.indexOf("\"" + key + "\":\"");
    if (i < 0) {
      return "?";
    }
    i += key.length() + 4;
    int j = s.indexOf('"', i);
    return j < 0 ? "?" : s.substring(i, j);
  }

  /** One connection: a listener (server frames) and a sender loop (its own thread). */
  static final class Conn implements WebSocket.Listener {
    static final List<Conn> ALL = new java.util.concurrent.CopyOnWriteArrayList<>();

    final int id;
    final CountDownLatch hello = new CountDownLatch(1);
    final Semaphore available = new Semaphore(0);
    /** frame number -> {send nanos, events still unsettled} */
    final Map<Long, long[]> pending = new ConcurrentHashMap<>();
    volatile WebSocket ws;
    volatile boolean closed;
    volatile int credits;
    volatile int window;
    long[] latencies = new long[1 << 14];
    int latencyCount;
    private final StringBuilder partial = new StringBuilder();

    Conn(int id) {
      this.id = id;
      ALL.add(this);
    }

    void sendLoop() {
      long frameNo = 0;
      StringBuilder sb = new StringBuilder(frameEvents * (eventBytes + 1) + 16);
      String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      long nowAt = System.nanoTime();
      try {
        while (!closed && System.nanoTime() < measureEnd) {
          if (!available.tryAcquire(frameEvents, 100, TimeUnit.MILLISECONDS)) {
            continue;
          }
          if (System.nanoTime() >= measureEnd || closed) {
            break;
          }
          if (System.nanoTime() - nowAt > 1_000_000_000L) {
            now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
            nowAt = System.nanoTime();
          }
          sb.setLength(0);
          for (int i = 0; i < frameEvents; i++) {
            envelope(sb, now);
            sb.append('\n');
          }
          String text = sb.toString();
          frameNo++;
          pending.put(frameNo, new long[] {System.nanoTime(), frameEvents});
          framesSent.incrementAndGet();
          eventsSent.addAndGet(frameEvents);
          ws.sendText(text, true).get(30, TimeUnit.SECONDS);
        }
      } catch (Exception e) {
        if (!closed) {
          error("send_failed");
        }
      }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      ws = webSocket;
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String msg = partial.toString();
        partial.setLength(0);
        handle(msg);
      }
      webSocket.request(1);
      return null;
    }

    private void handle(String msg) {
      String type = str(msg, "type");
      switch (type) {
        case "hello" -> {
          credits = (int) Math.max(0, num(msg, "credits"));
          window = Math.min(StreamLoad.window, credits);
          if (window < frameEvents) {
            error("hello_credits_below_frame");
            credits = 0;
          } else {
            available.release(window);
          }
          hello.countDown();
        }
        case "ack", "nack" -> {
          long frame = num(msg, "frame");
          long n = Math.max(0, num(msg, "credits"));
          (type.equals("ack") ? acked : nacked).addAndGet(n);
          if (type.equals("nack")) {
            error("nack_" + str(msg, "code"));
          }
          settle(frame, n);
        }
        case "error" -> {
          error(str(msg, "code"));
          long frame = num(msg, "frame");
          long[] p = pending.get(frame);
          settle(frame, p == null ? 0 : p[1]); // an error frame used no credits: give the frame's back
        }
        default -> error("unexpected_" + type);
      }
    }

    private void settle(long frame, long n) {
      long[] p = pending.get(frame);
      if (p == null) {
        error("unknown_frame");
        return;
      }
      long left;
      synchronized (p) {
        left = p[1] -= n;
      }
      available.release((int) n);
      if (left <= 0) {
        pending.remove(frame);
        framesSettled.incrementAndGet();
        long lat = System.nanoTime() - p[0];
        if (latencyCount == latencies.length) {
          latencies = Arrays.copyOf(latencies, latencies.length * 2);
        }
        latencies[latencyCount++] = lat;
      }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed = true;
      if (statusCode != WebSocket.NORMAL_CLOSURE || System.nanoTime() < measureEnd) {
        error("closed_" + statusCode);
      }
      hello.countDown();
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed = true;
      error("ws_error");
      hello.countDown();
    }
  }
}
