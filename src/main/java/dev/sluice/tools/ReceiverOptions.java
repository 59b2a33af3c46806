package dev.sluice.tools;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The command line of {@link DeliveryReceiver}.
 *
 * @param host the address to listen on
 * @param port the port to listen on (0: any free one, printed at start)
 * @param delayMs how long to wait before answering each call
 * @param fail how to answer: {@link Fail#NONE} takes every event (OK)
 * @param out the file the received events are appended to (one JSON line each), or {@code null} for
 *     standard output
 * @param tlsCert PEM certificate chain to serve TLS with (with {@code tlsKey}), or {@code null} for
 *     clear-text HTTP/2
 * @param tlsKey PEM private key (PKCS#8) of {@code tlsCert}
 */
public record ReceiverOptions(String host, int port, long delayMs, Fail fail, Path out, Path tlsCert, Path tlsKey) {

  /** What the receiver answers. */
  public enum Fail {
    /** Every event OK. */
    NONE,
    /** Every event RETRY (the gateway passes them on to the next link of the chain). */
    RETRY,
    /** Every event REJECT (the gateway tells the producer they failed). */
    REJECT,
    /** The whole call fails with the gRPC status UNAVAILABLE. */
    UNAVAILABLE
  }

  static final String USAGE = """
      usage: java -cp sluice-<version>-app.jar dev.sluice.tools.DeliveryReceiver [options]
        --host ADDRESS        listen on ADDRESS (default 127.0.0.1)
        --port N              listen on port N (default 9191; 0: any free port)
        --delay-ms N          wait N ms before answering each call (default 0)
        --fail MODE           answer every event RETRY or REJECT, or fail every call UNAVAILABLE
                              (retry | reject | unavailable; default: answer OK)
        --out FILE            append one JSON line per event to FILE (default: standard output)
        --tls-cert PEM        serve TLS with this certificate chain (with --tls-key)
        --tls-key PEM         the certificate's private key (PKCS#8 PEM)
      """;

  public ReceiverOptions {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be a TCP port (0-65535), got " + port);
    }
    if (delayMs < 0) {
      throw new IllegalArgumentException("--delay-ms must be >= 0, got " + delayMs);
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
  }

  /** Reads the command line; throws {@link IllegalArgumentException} saying what is wrong. */
  public static ReceiverOptions parse(String... args) {
    String host = "127.0.0.1";
    int port = 9191;
    long delayMs = 0;
    Fail fail = Fail.NONE;
    Path out = null;
    Path cert = null;
    Path key = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        throw new IllegalArgumentException("help");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("unknown argument or missing value: " + arg);
      }
      String value = args[++i];
      switch (arg) {
        case "--host" -> host = value;
        case "--port" -> port = number(arg, value);
        case "--delay-ms" -> delayMs = number(arg, value);
        case "--fail" -> fail = fail(value);
        case "--out" -> out = Path.of(value);
        case "--tls-cert" -> cert = Path.of(value);
        case "--tls-key" -> key = Path.of(value);
        default -> throw new IllegalArgumentException("unknown argument: " + arg);
      }
    }
    return new ReceiverOptions(host, port, delayMs, fail, out, cert, key);
  }

  private static int number(String arg, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(arg + " takes a number, got '" + value + "'", e);
    }
  }

  private static Fail fail(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "retry" -> Fail.RETRY;
      case "reject" -> Fail.REJECT;
      case "unavailable" -> Fail.UNAVAILABLE;
      default -> throw new IllegalArgumentException("--fail takes retry, reject or unavailable, got '" + value + "'");
    };
  }
}
