import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load of {@code load-tests/bench --outage}: HTTP single events, HTTP batches and one WebSocket
 * stream at a paced total rate, for a while, from a client that knows nothing of the gateway's code
 * (JDK HttpClient and WebSocket). Every key has one sender that sends its next event only once the
 * last one was answered, so "the order of acceptance" of a key is well defined; accepted events are
 * written as {@code key TAB eventId} lines in that order (accepted.tsv), for {@code OutageCheck}.
 *
 * <pre>
 *   java load-tests/tools/OutageLoad.java --url http://127.0.0.1:28082 [--rate 2500] [--duration 90]
 *        [--senders 16] [--batch 20] [--out DIR]
 * </pre>
 *
 * Prints a progress line every 5 s (accepted/s, by status, answers other than 202) and one line
 * {@code SLUICE_OUTAGE {json}} at the end. Exit 0 unless it could not run.
 */
public final class OutageLoad {

  static URI base = URI.create("http://127.0.0.1:28082");
  static double rate = 2500;
  static int durationSeconds = 90;
  static int senders = 16;
  static int batch = 20;
  static Path out = Path.of(".");

  static final AtomicLong accepted = new AtomicLong();
  static final AtomicLong spooled = new AtomicLong();
  static final AtomicLong delivered = new AtomicLong();
  static final AtomicLong refused = new AtomicLong();
  static final Map<String, AtomicLong> refusals = new ConcurrentHashMap<>();
  static final ConcurrentLinkedQueue<String> acceptedLines = new ConcurrentLinkedQueue<>();
  static final Pattern STATUS = Pattern.compile("\"status\":\"([a-z]+)\"");
  static volatile boolean running = true;

  public static void main(String[] args) throws Exception {
    for (int i = 0; i < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--url" -> base = URI.create(v);
        case "--rate" -> rate = Double.parseDouble(v);
        case "--duration" -> durationSeconds = Integer.parseInt(v);
        case "--senders" -> senders = Integer.parseInt(v);
        case "--batch" -> batch = Integer.parseInt(v);
        case "--out" -> out = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    ExecutorService pool = Executors.newFixedThreadPool(senders + 1);
    double streamShare = 0.1;
    double perSender = rate * (1 - streamShare) / senders;
    for (int s = 0; s < senders; s++) {
      int sender = s;
      pool.submit(() -> send(http, sender, perSender));
    }
    pool.submit(() -> stream(http, rate * streamShare));
    long start = System.nanoTime();
    long last = 0;
    System.out.println("READY");
    for (int t = 5; t <= durationSeconds; t += 5) {
      LockSupport.parkNanos(start + t * 1_000_000_000L - System.nanoTime());
      long now = accepted.get();
      System.out.printf("t=%3ds accepted %,d/s (total %,d: spooled %,d, delivered %,d), not 202: %d %s%n", t,
          (now - last) / 5, now, spooled.get(), delivered.get(), refused.get(), refusals);
      last = now;
    }
    running = false;
    pool.shutdown();
    pool.awaitTermination(60, TimeUnit.SECONDS);
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("accepted.tsv")))) {
      acceptedLines.forEach(w::println);
    }
    System.out.printf("SLUICE_OUTAGE {\"accepted\":%d,\"spooled\":%d,\"delivered\":%d,\"refused\":%d,\"rate\":%.0f,"
        + "\"duration\":%d}%n", accepted.get(), spooled.get(), delivered.get(), refused.get(), rate, durationSeconds);
  }

  /** Three singles, then a batch, over this sender's keys, paced to {@code eventsPerSecond}. */
  static void send(HttpClient http, int sender, double eventsPerSecond) {
    double perRequest = (3 + batch) / 4.0;
    long period = (long) (1e9 / (eventsPerSecond / perRequest));
    long next = System.nanoTime();
    for (int n = 0; running; n++) {
      next = Math.max(next + period, System.nanoTime() - 1_000_000_000L); // no burst after a stall
      LockSupport.parkNanos(next - System.nanoTime());
      int events = n % 4 == 3 ? batch : 1;
      List<String> keys = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      StringBuilder body = new StringBuilder(events == 1 ? "" : "[");
      for (int e = 0; e < events; e++) {
        String key = "s" + sender + "-k" + ((n * batch + e) % 50);
        String id = UUID.randomUUID().toString();
        keys.add(key);
        ids.add(id);
        body.append(e == 0 ? "" : ",").append(envelope(id, key));
      }
      if (events > 1) {
        body.append(']');
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/v1/events"))
            .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
          refused(String.valueOf(r.statusCode()), events);
          continue;
        }
        Matcher m = STATUS.matcher(r.body());
        for (int e = 0; e < events && m.find(); e++) {
          took(keys.get(e), ids.get(e), m.group(1));
        }
      } catch (IOException | InterruptedException ex) {
        refused(ex.getClass().getSimpleName(), events);
      }
    }
  }

  /** One WebSocket stream: a frame of 10 events, the next once its ack came, paced. */
  static void stream(HttpClient http, double eventsPerSecond) {
    ConcurrentLinkedQueue<String> frames = new ConcurrentLinkedQueue<>();
    WebSocket ws;
    try {
      ws = http.newWebSocketBuilder().buildAsync(URI.create(base.toString().replaceFirst("^http", "ws") + "/v1/stream"),
          new WebSocket.Listener() {
            final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
              text.append(data);
              if (last) {
                frames.add(text.toString());
                text.setLength(0);
              }
              w.request(1);
              return null;
            }
          }).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      refused("ws-connect", 0);
      return;
    }
    long period = (long) (1e9 / (eventsPerSecond / 10));
    long next = System.nanoTime();
    for (int n = 0; running; n++) {
      next = Math.max(next + period, System.nanoTime() - 1_000_000_000L);
      LockSupport.parkNanos(next - System.nanoTime());
      List<String> keys = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      StringBuilder body = new StringBuilder("[");
      for (int e = 0; e < 10; e++) {
        String key = "ws-k" + ((n * 10 + e) % 40);
        String id = UUID.randomUUID().toString();
        keys.add(key);
        ids.add(id);
        body.append(e == 0 ? "" : ",").append(envelope(id, key));
      }
      ws.sendText(body.append(']').toString(), true).join();
      String ack = await(frames, 30);
      if (ack == null || !ack.contains("\"type\":\"ack\"")) {
        refused("ws-" + (ack == null ? "no-answer" : "nack"), 10);
        continue;
      }
      // acks list the events in order; an event without a status is in Kafka
      String events = ack.substring(ack.indexOf("\"events\""));
      String[] parts = events.split("\\},\\{");
      for (int e = 0; e < 10 && e < parts.length; e++) {
        Matcher m = STATUS.matcher(parts[e]);
        took(keys.get(e), ids.get(e), m.find() ? m.group(1) : "accepted");
      }
    }
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
  }

  static String await(ConcurrentLinkedQueue<String> frames, int seconds) {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      String f = frames.poll();
      if (f != null && !f.contains("\"type\":\"hello\"")) {
        return f;
      }
      LockSupport.parkNanos(1_000_000);
    }
    return null;
  }

  static String envelope(String id, String key) {
    return "{\"eventId\":\"" + id + "\",\"eventType\":\"outage.measured\",\"eventVersion\":1,\"occurredAt\":\""
        + java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
        + "\",\"source\":\"sluice-load-tests\",\"aggregateId\":\"" + key + "\",\"data\":{\"n\":1}}";
  }

  static void took(String key, String id, String status) {
    accepted.incrementAndGet();
    if (status.equals("spooled")) {
      spooled.incrementAndGet();
    } else if (status.equals("delivered")) {
      delivered.incrementAndGet();
    }
    acceptedLines.add(key + "\t" + id);
  }

  static void refused(String why, int events) {
    refused.addAndGet(events);
    refusals.computeIfAbsent(why, k -> new AtomicLong()).addAndGet(events);
  }
}
