package dev.sluice.bus;

/**
 * The mapping between CloudEvents 1.0 attributes and the native envelope's members: one table, read one
 * way by the CloudEvents ingest (attribute → member) and the other by the Kafka edge (member →
 * attribute, {@code ce_} header). Attributes not in it: {@code specversion} ("1.0"), {@code
 * datacontenttype} (JSON only), {@code data} (the envelope's {@code data}, bytes kept), {@code
 * traceparent} (the record's {@code traceparent} header); any other attribute is an extension, kept in
 * the envelope's {@code extensions}.
 */
public enum CloudEventAttribute {
  ID("id", "eventId", true),
  SOURCE("source", "source", true),
  TYPE("type", "eventType", true),
  TIME("time", "occurredAt", false),
  SUBJECT("subject", "subject", false),
  DATASCHEMA("dataschema", "dataSchema", false),
  /** The Kafka binding's partitioning extension: the record's key. */
  PARTITIONKEY("partitionkey", "aggregateId", false),
  EVENTVERSION("eventversion", "eventVersion", false),
  CORRELATIONID("correlationid", "correlationId", false),
  CAUSATIONID("causationid", "causationId", false);

  public static final String SPECVERSION = "specversion";
  public static final String DATACONTENTTYPE = "datacontenttype";
  public static final String DATA = "data";
  public static final String DATA_BASE64 = "data_base64";
  public static final String TRACEPARENT = "traceparent";
  /** The native envelope's member holding the extension attributes. */
  public static final String EXTENSIONS = "extensions";

  private static final CloudEventAttribute[] ALL = values();

  /** The CloudEvents attribute name (lower case). */
  public final String attribute;
  /** The native envelope's member. */
  public final String member;
  /** Whether CloudEvents requires it. */
  public final boolean required;
  /** The Kafka binding's header name, {@code ce_<attribute>}. */
  public final String kafkaHeader;

  CloudEventAttribute(String attribute, String member, boolean required) {
    this.attribute = attribute;
    this.member = member;
    this.required = required;
    this.kafkaHeader = "ce_" + attribute;
  }

  /** The mapped attribute named {@code name}, or null. */
  public static CloudEventAttribute ofAttribute(String name) {
    for (CloudEventAttribute a : ALL) {
      if (a.attribute.equals(name)) {
        return a;
      }
    }
    return null;
  }

  /** The attribute of native member {@code name}, or null. */
  public static CloudEventAttribute ofMember(String name) {
    for (CloudEventAttribute a : ALL) {
      if (a.member.equals(name)) {
        return a;
      }
    }
    return null;
  }

  /**
   * Why {@code name} cannot be an extension attribute (CloudEvents: lower-case letters and digits, here
   * at most 20), or null when it can; the names of this table and of the core attributes are taken.
   */
  public static String extensionNameProblem(String name) {
    if (name.isEmpty() || name.length() > 20) {
      return "an extension name has 1 to 20 characters";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
        return "an extension name has only lower-case letters a-z and digits";
      }
    }
    if (ofAttribute(name) != null || name.equals(SPECVERSION) || name.equals(DATACONTENTTYPE)
        || name.equals(DATA) || name.equals(TRACEPARENT)) {
      return "'" + name + "' is an attribute with its own envelope member, not an extension";
    }
    return null;
  }
}
