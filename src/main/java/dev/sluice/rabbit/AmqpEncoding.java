package dev.sluice.rabbit;

import com.rabbitmq.client.AMQP;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the RabbitMQ Java client cannot encode, checked before it is asked to publish: the client
 * takes a publish's delivery tag first and encodes it afterwards, so a publish it refuses would
 * leave the channel's tags one ahead of the broker's confirms. AMQP 0-9-1 short strings (exchange,
 * routing key, the string properties such as correlation-id, message-id, type and content-type,
 * header names) hold at most {@value #SHORT_STRING_MAX} UTF-8 bytes; header values must be of a type
 * the encoder knows; and the properties must fit into one frame of the connection's negotiated
 * frame-max. The properties are encoded with the client's own encoder, so nothing it would refuse
 * passes.
 */
public final class AmqpEncoding {

  public static final int SHORT_STRING_MAX = 255;

  /**
   * A publish the client cannot encode, or that RabbitMQ refuses for good ({@link #byBroker()}: a body
   * over the broker's {@code max_message_size}); publishing it again would change nothing.
   */
  public static final class Unencodable extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final boolean byBroker;

    Unencodable(String problem) {
      this(problem, false);
    }

    Unencodable(String problem, boolean byBroker) {
      super(problem);
      this.byBroker = byBroker;
    }

    /** True when RabbitMQ's own limit refuses it (the client could encode it). */
    public boolean byBroker() {
      return byBroker;
    }
  }

  private AmqpEncoding() {}

  /** Whether {@code s} (null = absent) fits an AMQP short string. */
  public static boolean fitsShortString(String s) {
    // a UTF-16 char takes at most 3 bytes in UTF-8: most strings need no encoding to tell
    return s == null || s.length() * 3 <= SHORT_STRING_MAX || utf8Length(s) <= SHORT_STRING_MAX;
  }

  /**
   * Why a publish to {@code exchange} with {@code routingKey} and {@code props} cannot be encoded, or
   * null when it can; {@code frameMax} is the connection's (0 = unknown or unlimited: not checked).
   */
  public static String problem(String exchange, String routingKey, AMQP.BasicProperties props, int frameMax) {
    String p = tooLong("exchange", exchange);
    p = p != null ? p : tooLong("routing key", routingKey);
    p = p != null ? p : tooLong("content-type", props.getContentType());
    p = p != null ? p : tooLong("content-encoding", props.getContentEncoding());
    p = p != null ? p : tooLong("correlation-id", props.getCorrelationId());
    p = p != null ? p : tooLong("reply-to", props.getReplyTo());
    p = p != null ? p : tooLong("expiration", props.getExpiration());
    p = p != null ? p : tooLong("message-id", props.getMessageId());
    p = p != null ? p : tooLong("type", props.getType());
    p = p != null ? p : tooLong("user-id", props.getUserId());
    p = p != null ? p : tooLong("app-id", props.getAppId());
    p = p != null ? p : tooLong("cluster-id", props.getClusterId());
    p = p != null ? p : headerNames(props.getHeaders());
    return p != null ? p : encoded(props, frameMax);
  }

  private static String tooLong(String what, String value) {
    if (fitsShortString(value)) {
      return null;
    }
    return what + " is " + utf8Length(value) + " bytes in UTF-8; AMQP holds at most " + SHORT_STRING_MAX
        + " (starts with '" + value.substring(0, Math.min(40, value.length())) + "')";
  }

  private static String headerNames(Map<String, Object> headers) {
    if (headers == null) {
      return null;
    }
    for (String name : headers.keySet()) {
      String p = tooLong("header name", name);
      if (p != null) {
        return p;
      }
    }
    return null;
  }

  /** Encodes the properties as the client will (it refuses an unknown header type, for instance). */
  private static String encoded(AMQP.BasicProperties props, int frameMax) {
    int size;
    try {
      size = props.toFrame(0, 0).size();
    } catch (IOException | RuntimeException e) {
      return "the properties cannot be encoded: " + e.getMessage();
    }
    if (frameMax > 0 && size > frameMax) {
      return "the properties and headers take " + size + " bytes, more than a frame holds (frame-max "
          + frameMax + ")";
    }
    return null;
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
