package dev.sluice.config;

import java.util.Locale;

/**
 * The form of the Kafka records a route writes ({@code routes[].format}): Sluice's native envelope as the
 * value (the default), or the CloudEvents Kafka protocol binding's binary mode ({@code ce_} headers, the
 * event's {@code data} as the value) or structured mode (the CloudEvent JSON as the value).
 */
public enum RecordFormat {
  NATIVE("native"),
  CLOUDEVENTS_BINARY("cloudevents-binary"),
  CLOUDEVENTS_STRUCTURED("cloudevents-structured");

  private final String name;

  RecordFormat(String name) {
    this.name = name;
  }

  /** The name in the routes file. */
  public String configName() {
    return name;
  }

  /** The format named {@code value} ({@code null}: native); an unknown name stops start-up naming {@code key}. */
  public static RecordFormat parse(String key, String value) {
    if (value == null) {
      return NATIVE;
    }
    for (RecordFormat f : values()) {
      if (f.name.equals(value.trim().toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    throw new ConfigException(key, "'" + value + "' is not a record format (native, cloudevents-binary,"
        + " cloudevents-structured)");
  }
}
