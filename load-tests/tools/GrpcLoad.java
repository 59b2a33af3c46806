import com.google.protobuf.ByteString;
import dev.sluice.grpc.v1.IngestEvent;
import dev.sluice.grpc.v1.PublishRequest;
import dev.sluice.grpc.v1.PublishResponse;
import dev.sluice.grpc.v1.StreamRequest;
import dev.sluice.grpc.v1.StreamResponse;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * gRPC load client for Sluice's {@code sluice.v1.Ingest}, through grpc-java (not the gateway's Vert.x
 * gRPC), run as a single-file program on a class path with grpc-java and the generated messages:
 *
 * <pre>
 *   java -cp CP load-tests/tools/GrpcLoad.java --mode unary|stream [--target 127.0.0.1:28080]
 *        [--connections 16] [--batch 100] [--window 1000] [--duration 20] [--event-bytes 256] [--grace 5]
 * </pre>
 *
 * Each of C channels (one HTTP/2 connection each) checks the health service, then: unary, keeps W/B
 * Publish calls of B events in flight; stream, opens one Stream call and sends messages of B events while
 * at most min(W, hello credits) events are unacknowledged. Records the latency send -> answer (or ack)
 * per call (or message). Sends for D seconds from the READY line, waits at most G seconds for the last
 * answers, and prints {@code SLUICE_GRPC {json}} with the fields of StreamLoad's SLUICE_STREAM line
 * (acked = events the gateway answered accepted). Loopback only. Exit 0 unless it could not run.
 */
public final class GrpcLoad {

  static final int DISTINCT_KEYS = 4096;
  static final MethodDescriptor<PublishRequest, PublishResponse> PUBLISH =
      MethodDescriptor.<PublishRequest, PublishResponse>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("sluice.v1.Ingest/Publish")
          .setRequestMarshaller(ProtoUtils.marshaller(PublishRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(PublishResponse.getDefaultInstance())).build();
  static final MethodDescriptor<StreamRequest, StreamResponse> STREAM =
      MethodDescriptor.<StreamRequest, StreamResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING).setFullMethodName("sluice.v1.Ingest/Stream")
          .setRequestMarshaller(ProtoUtils.marshaller(StreamRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(StreamResponse.getDefaultInstance())).build();

  static String mode = "unary";
  static String target = "127.0.0.1:28080";
  static int connections = 16;
  static int batch = 100;
  static int window = 1000;
  static int durationSeconds = 20;
  static int eventBytes = 256;
  static int graceSeconds = 5;

  static final AtomicLong acked = new AtomicLong();
  static final AtomicLong nacked = new AtomicLong();
  static final AtomicLong sent = new AtomicLong();
  static final AtomicLong settled = new AtomicLong();
  static final AtomicLong eventsSent = new AtomicLong();
  static final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
  static final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
  static volatile long measureEnd;

  public static void main(String[] args) throws Exception {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        die("option " + a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--mode" -> mode = v;
        case "--target" -> target = v;
        case "--connections" -> connections = bounded(a, v, 1, 1024);
        case "--batch" -> batch = bounded(a, v, 1, 10_000);
        case "--window" -> window = bounded(a, v, 1, 1_000_000);
        case "--duration" -> durationSeconds = bounded(a, v, 1, 600);
        case "--event-bytes" -> eventBytes = bounded(a, v, 64, 65_536);
        case "--grace" -> graceSeconds = bounded(a, v, 0, 120);
        default -> die("unknown option " + a);
      }
    }
    if (!mode.equals("unary") && !mode.equals("stream")) {
      die("--mode must be unary or stream");
    }
    String host = target.substring(0, target.lastIndexOf(':'));
    int port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
    for (InetAddress addr : InetAddress.getAllByName(host)) {
      if (!addr.isLoopbackAddress()) {
        die("refusing a non-loopback host " + host + ": loopback only");
      }
    }
    if (window < batch) {
      die("--window (" + window + ") must be >= --batch (" + batch + ")");
    }
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      ManagedChannel ch = Grpc.newChannelBuilderForAddress(host, port, InsecureChannelCredentials.create()).build();
      HealthCheckResponse.ServingStatus st = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(15, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService("sluice.v1.Ingest").build()).getStatus();
      if (st != HealthCheckResponse.ServingStatus.SERVING) {
        die("the gateway's health service answers " + st);
      }
      channels.add(ch);
    }
    System.out.printf(Locale.ROOT, "READY connections=%d mode=%s batch=%d window=%d%n", connections, mode, batch, window);
    System.out.flush();
    long cpu0 = cpuNanos();
    measureEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds);
    List<Thread> senders = new ArrayList<>();
    for (ManagedChannel ch : channels) {
      senders.add(Thread.ofPlatform().daemon().start(() -> {
        try {
          if (mode.equals("unary")) {
            unary(ch);
          } else {
            stream(ch);
          }
        } catch (Exception e) {
          error("client_" + e.getClass().getSimpleName());
        }
      }));
    }
    for (Thread t : senders) {
      t.join(TimeUnit.SECONDS.toMillis(durationSeconds + graceSeconds + 30));
    }
    long cpu = cpuNanos() - cpu0;
    if (sent.get() > settled.get()) {
      errors.computeIfAbsent("unsettled", k -> new AtomicLong()).addAndGet(sent.get() - settled.get());
    }
    long[] all = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    StringBuilder errs = new StringBuilder();
    new TreeMap<>(errors).forEach((k, v) ->
        errs.append(errs.length() == 0 ? "" : ",").append('"').append(k).append("\":").append(v.get()));
    double secs = durationSeconds;
    System.out.printf(Locale.ROOT,
        "SLUICE_GRPC {\"mode\":\"%s\",\"connections\":%d,\"batch\":%d,\"window\":%d,\"duration_s\":%d,"
            + "\"events_per_s\":%.0f,\"frames_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,"
            + "\"frames_sent\":%d,\"frames_settled\":%d,\"events_sent\":%d,\"acked\":%d,\"nacked\":%d,"
            + "\"cpu_cores\":%.2f,\"errors\":{%s}}%n",
        mode, connections, batch, window, durationSeconds, acked.get() / secs, settled.get() / secs,
        pct(all, 50), pct(all, 99), pct(all, 99.9), sent.get(), settled.get(), eventsSent.get(), acked.get(),
        nacked.get(), cpu / 1e9 / secs, errs);
    System.out.flush();
    channels.forEach(ManagedChannel::shutdownNow);
    System.exit(0);
  }

  /** W/B Publish calls in flight on the channel until the window closes, then the last answers. */
  static void unary(ManagedChannel ch) throws InterruptedException {
    Semaphore calls = new Semaphore(Math.max(1, window / batch));
    while (System.nanoTime() < measureEnd) {
      if (!calls.tryAcquire(100, TimeUnit.MILLISECONDS) || System.nanoTime() >= measureEnd) {
        continue;
      }
      PublishRequest req = PublishRequest.newBuilder().addAllEvents(events()).build();
      long t0 = System.nanoTime();
      sent.incrementAndGet();
      eventsSent.addAndGet(batch);
      ClientCalls.asyncUnaryCall(ch.newCall(PUBLISH, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
          req, new StreamObserver<PublishResponse>() {
            @Override
            public void onNext(PublishResponse r) {
              acked.addAndGet(r.getAccepted());
              nacked.addAndGet(batch - r.getAccepted());
              r.getResultsList().stream().filter(x -> x.hasRefused())
                  .forEach(x -> error("nack_" + x.getRefused().getCode()));
            }

            @Override
            public void onError(Throwable t) {
              nacked.addAndGet(batch);
              error(Status.fromThrowable(t).getCode().name());
              done();
            }

            @Override
            public void onCompleted() {
              done();
            }

            void done() {
              latencies.add(System.nanoTime() - t0);
              settled.incrementAndGet();
              calls.release();
            }
          });
    }
    calls.tryAcquire(Math.max(1, window / batch), graceSeconds, TimeUnit.SECONDS);
  }

  /** One Stream call: messages of B events within the credits, until the window closes. */
  static void stream(ManagedChannel ch) throws InterruptedException {
    Semaphore credits = new Semaphore(0);
    Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    StreamObserver<StreamRequest> out = ClientCalls.asyncBidiStreamingCall(ch.newCall(STREAM, CallOptions.DEFAULT),
        new StreamObserver<StreamResponse>() {
          @Override
          public void onNext(StreamResponse r) {
            if (r.hasHello()) {
              credits.release(Math.min(window, r.getHello().getCredits()));
            } else if (r.hasAck()) {
              acked.addAndGet(r.getAck().getAccepted());
              nacked.addAndGet(r.getAck().getCredits() - r.getAck().getAccepted());
              settle(r.getAck().getMessage());
              credits.release(r.getAck().getCredits());
            } else if (r.hasError()) {
              error(r.getError().getCode());
              settle(r.getError().getMessage());
              credits.release(batch); // a refused message used no credits
            }
          }

          void settle(long seq) {
            Long t0 = sentAt.remove(seq);
            if (t0 != null) {
              latencies.add(System.nanoTime() - t0);
              settled.incrementAndGet();
            }
          }

          @Override
          public void onError(Throwable t) {
            error(Status.fromThrowable(t).getCode().name());
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    long seq = 0;
    while (System.nanoTime() < measureEnd && done.getCount() > 0) {
      if (!credits.tryAcquire(batch, 100, TimeUnit.MILLISECONDS) || System.nanoTime() >= measureEnd) {
        continue;
      }
      sentAt.put(++seq, System.nanoTime());
      sent.incrementAndGet();
      eventsSent.addAndGet(batch);
      out.onNext(StreamRequest.newBuilder().addAllEvents(events()).build());
    }
    out.onCompleted(); // the server acks what is in flight, then ends the call
    done.await(graceSeconds, TimeUnit.SECONDS);
  }

  /** B events whose native envelopes are about eventBytes long (as StreamLoad's). */
  static List<IngestEvent> events() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    List<IngestEvent> out = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
      long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
      String data = "{\"reading\":" + (100_000 + r.nextInt(900_000)) + ",\"pad\":\"";
      // the envelope around data: ids, type, version, time, source, key and the member names (~190 bytes)
      int pad = Math.max(0, eventBytes - 190 - data.length() - 2);
      out.add(IngestEvent.newBuilder().setEventId(new UUID(msb, lsb).toString()).setEventType("bench.measured")
          .setEventVersion("1").setOccurredAt(now).setSource("sluice-load-tests")
          .setAggregateId(String.format(Locale.ROOT, "agg-%04d", r.nextInt(DISTINCT_KEYS)))
          .setData(ByteString.copyFrom(data + "x".repeat(pad) + "\"}", StandardCharsets.UTF_8)).build());
    }
    return out;
  }

  static long cpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0;
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
    try {
      int n = Integer.parseInt(v);
      if (n >= lo && n <= hi) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    die(name + " must be " + lo + ".." + hi + ", got " + v);
    return 0;
  }

  static void die(String msg) {
    System.err.println("GrpcLoad: " + msg);
    System.exit(2);
  }
}
