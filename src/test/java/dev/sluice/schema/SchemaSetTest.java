package dev.sluice.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.bus.Failure;
import dev.sluice.config.ConfigException;
import dev.sluice.config.SchemasConfig;
import dev.sluice.config.SchemasConfig.Compatibility;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaSetTest {

  static final String ORDER_V1 = SchemaDirs.object("""
      "required": ["orderId", "amount", "currency"],
      "properties": {
        "orderId": {"type": "string", "pattern": "^ord-[0-9]+$"},
        "amount": {"type": "number", "minimum": 0},
        "currency": {"type": "string", "enum": ["EUR", "USD"]},
        "lines": {"type": "array", "items": {"$ref": "#/$defs/line"}}
      },
      "$defs": {"line": {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string"}}}}""");

  @TempDir Path dir;

  private PayloadCheck load() {
    return SchemaSet.load(new SchemasConfig(true, dir, Compatibility.BACKWARD));
  }

  private static PayloadProblem check(PayloadCheck c, String type, String version, String data, String pointer) {
    // the data inside a longer buffer, as in a request body
    String body = "{\"x\":1,\"data\":" + data + "}";
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    int from = body.indexOf("\"data\":") + 7;
    return c.check(type, version, b, from, b.length - 1, pointer);
  }

  @Test
  void acceptsAConformingPayloadAndLeavesTypesWithoutSchemasUnchecked() {
    SchemaDirs.write(dir, "order.created/1.json", ORDER_V1);
    PayloadCheck c = load();

    assertThat(check(c, "order.created", "1", "{\"orderId\":\"ord-1\",\"amount\":3.5,\"currency\":\"EUR\"}", ""))
        .isNull();
    assertThat(check(c, "order.shipped", "7", "{\"anything\":true}", "")).isNull();
  }

  @Test
  void reportsEveryViolationWithAPointerIntoData() {
    SchemaDirs.write(dir, "order.created/1.json", ORDER_V1);
    PayloadProblem p = check(load(), "order.created", "1",
        "{\"orderId\":\"42\",\"amount\":-1,\"lines\":[{\"sku\":\"a\"},{\"qty\":2}]}", "/3");

    assertThat(p.failure()).isEqualTo(Failure.INVALID_PAYLOAD);
    assertThat(p.violations()).extracting(Violation::pointer)
        .containsExactlyInAnyOrder("/3/data", "/3/data/orderId", "/3/data/amount", "/3/data/lines/1");
    assertThat(p.violations()).filteredOn(v -> v.pointer().equals("/3/data"))
        .singleElement().extracting(Violation::message).asString().contains("currency");
    assertThat(p.violations()).filteredOn(v -> v.pointer().equals("/3/data/orderId"))
        .singleElement().extracting(Violation::message).asString().contains("^ord-[0-9]+$");
  }

  @Test
  void pointersEscapeMemberNamesAsRfc6901Says() {
    SchemaDirs.write(dir, "order.created/1.json",
        SchemaDirs.object("\"properties\": {\"a/b~c\": {\"type\": \"string\"}}"));
    PayloadProblem p = check(load(), "order.created", "1", "{\"a/b~c\": 5}", "");

    assertThat(p.violations()).extracting(Violation::pointer).containsExactly("/data/a~1b~0c");
  }

  @Test
  void anUnknownVersionNamesTheKnownOnesInOrder() {
    SchemaDirs.write(dir, "order.created/1.json", ORDER_V1);
    SchemaDirs.write(dir, "order.created/10.json", ORDER_V1);
    SchemaDirs.write(dir, "order.created/2.json", ORDER_V1);
    PayloadProblem p = check(load(), "order.created", "3", "{}", "/0");

    assertThat(p.failure()).isEqualTo(Failure.UNKNOWN_SCHEMA_VERSION);
    assertThat(p.violations()).singleElement().satisfies(v -> {
      assertThat(v.pointer()).isEqualTo("/0/eventVersion");
      assertThat(v.message()).isEqualTo("'3' is not a known version of order.created (known: 1, 2, 10)");
    });
  }

  @Test
  void versionsMatchNumerically() {
    SchemaDirs.write(dir, "order.created/1.2.json", ORDER_V1);
    PayloadCheck c = load();
    assertThat(check(c, "order.created", "01.2", "{}", "").failure()).isEqualTo(Failure.INVALID_PAYLOAD);
    assertThat(check(c, "order.created", "1.20", "{}", "").failure()).isEqualTo(Failure.UNKNOWN_SCHEMA_VERSION);
  }

  @Test
  void clipsLongMessagesAndListsAtMostAHundredViolations() {
    SchemaDirs.write(dir, "bulk.loaded/1.json", SchemaDirs.object(
        "\"properties\": {\"xs\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},"
            + "\"e\": {\"enum\": [\"" + "v".repeat(500) + "\"]}}"));
    StringBuilder xs = new StringBuilder("[");
    for (int i = 0; i < 300; i++) {
      xs.append(i == 0 ? "" : ",").append(i);
    }
    PayloadProblem p = check(load(), "bulk.loaded", "1", "{\"xs\":" + xs + "],\"e\":1}", "");

    assertThat(p.violations()).hasSize(SchemaSet.MAX_VIOLATIONS);
    assertThat(p.violations().get(SchemaSet.MAX_VIOLATIONS - 1).message()).isEqualTo("202 more violations not listed");
    assertThat(p.violations()).allSatisfy(v -> assertThat(v.message().length()).isLessThanOrEqualTo(203));
  }

  @Test
  void refsBetweenFilesOfTheDirectoryResolve() {
    SchemaDirs.write(dir, "common/money.json",
        "{\"type\":\"object\",\"required\":[\"amount\"],\"properties\":{\"amount\":{\"type\":\"number\"}}}");
    SchemaDirs.write(dir, "order.paid/1.json",
        SchemaDirs.object("\"properties\": {\"total\": {\"$ref\": \"../common/money.json\"}}"));
    PayloadProblem p = check(load(), "order.paid", "1", "{\"total\":{\"amount\":\"x\"}}", "");

    assertThat(p.violations()).extracting(Violation::pointer).containsExactly("/data/total/amount");
  }

  @Test
  void aRemoteRefStopsStartUpNamingTheFile() {
    Path file = SchemaDirs.write(dir, "order.paid/1.json",
        SchemaDirs.object("\"properties\": {\"total\": {\"$ref\": \"https://example.com/money.json\"}}"));

    assertThatThrownBy(this::load).isInstanceOf(ConfigException.class)
        .hasMessageContaining("schemas.dir").hasMessageContaining(file.toString())
        .hasMessageContaining("https://example.com/money.json");
  }

  @Test
  void aFileThatIsNotADraft202012SchemaStopsStartUpNamingTheFile() {
    Path bad = SchemaDirs.write(dir, "order.created/1.json", "{\"type\": \"strin\"}");
    assertThatThrownBy(this::load).isInstanceOf(ConfigException.class)
        .hasMessageContaining(bad.toString()).hasMessageContaining("not a valid draft 2020-12 schema");

    SchemaDirs.write(dir, "order.created/1.json", "{\"type\": \"string\",}");
    assertThatThrownBy(this::load).hasMessageContaining(bad.toString()).hasMessageContaining("is not valid JSON");

    SchemaDirs.write(dir, "order.created/1.json",
        "{\"$schema\": \"http://json-schema.org/draft-07/schema#\", \"type\": \"object\"}");
    assertThatThrownBy(this::load).hasMessageContaining(bad.toString()).hasMessageContaining("draft 2020-12");
  }

  @Test
  void noDirectoryOrSchemasOffMeansNoCheck() {
    assertThat(SchemaSet.load(new SchemasConfig(true, dir.resolve("absent"), Compatibility.BACKWARD)))
        .isSameAs(PayloadCheck.NONE);
    SchemaDirs.write(dir, "order.created/1.json", "not json");
    assertThat(SchemaSet.load(new SchemasConfig(false, dir, Compatibility.BACKWARD))).isSameAs(PayloadCheck.NONE);
  }

  @Test
  void anIncompatiblePairStopsStartUpNamingTheRuleAndPath() {
    SchemaDirs.write(dir, "order.created/1.json", ORDER_V1);
    SchemaDirs.write(dir, "order.created/2.json", ORDER_V1.replace("\"currency\"]", "\"currency\", \"lines\"]"));

    assertThatThrownBy(this::load).isInstanceOf(ConfigException.class)
        .hasMessageContaining("schemas.compatibility")
        .hasMessageContaining("order.created v1 -> v2: rule 'required-added' at /properties/lines");
    assertThat(SchemaSet.load(new SchemasConfig(true, dir, Compatibility.NONE))).isNotNull();
  }

  @Test
  void theBundledExampleTakesTheReadmeEventAndRefusesABadOne() {
    PayloadCheck c = SchemaSet.load(
        new SchemasConfig(true, Path.of("src/main/resources/conf/schemas"), Compatibility.BACKWARD));

    assertThat(check(c, "order.created", "1", "{\"total\": 99.5, \"currency\": \"EUR\"}", "")).isNull();
    assertThat(check(c, "order.created", "1", "{\"total\": -1, \"currency\": \"euro\", \"lines\": [{\"sku\": \"a\"}]}", "")
        .violations()).extracting(Violation::pointer)
        .containsExactlyInAnyOrder("/data/total", "/data/currency", "/data/lines/0");
  }

  @Test
  void aPatternThatRecursesTooDeeplyIsAnInvalidPayloadNotAnError() throws Exception {
    SchemaDirs.write(dir, "order.created/1.json",
        SchemaDirs.object("\"properties\": {\"slug\": {\"type\": \"string\", \"pattern\": \"^([a-z]|-)*$\"}}"));
    PayloadCheck c = load();
    String value = "ab-".repeat(100_000 / 3 + 1);
    java.util.concurrent.CompletableFuture<Object> result = new java.util.concurrent.CompletableFuture<>();
    // a thread with a stack of the usual size, so that the regex overflows it as on an event loop
    Thread t = new Thread(null, () -> {
      try {
        result.complete(check(c, "order.created", "1", "{\"slug\": \"" + value + "\"}", "/2"));
      } catch (Throwable e) {
        result.complete(e);
      }
    }, "schema-check", 512 * 1024);
    t.start();
    t.join();

    assertThat(result.get()).isInstanceOf(PayloadProblem.class);
    PayloadProblem p = (PayloadProblem) result.get();
    assertThat(p.failure()).isEqualTo(Failure.INVALID_PAYLOAD);
    assertThat(p.violations()).singleElement().satisfies(v -> {
      assertThat(v.pointer()).isEqualTo("/2/data");
      assertThat(v.message()).contains("could not be checked against the schema").contains("pattern");
    });
    // the same check still works for ordinary values
    assertThat(check(c, "order.created", "1", "{\"slug\": \"a-b\"}", "")).isNull();
    assertThat(check(c, "order.created", "1", "{\"slug\": \"A\"}", "").violations())
        .extracting(Violation::pointer).containsExactly("/data/slug");
  }
}
